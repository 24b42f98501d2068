"""Pages of the scoring app."""

from kaoping.scoring.views import urlpatterns

app_name = "scoring"

__all__ = ["app_name", "urlpatterns"]
