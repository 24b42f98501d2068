"""Pages of the inspections app (kaoping.inspections.views)."""

from kaoping.inspections.views import urlpatterns

app_name = "inspections"

__all__ = ["app_name", "urlpatterns"]
