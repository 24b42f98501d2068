"""Pages of the tracking app, one module per area; each module defines `urlpatterns`."""
