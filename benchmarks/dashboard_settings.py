"""Settings of the dashboard_load benchmark's server: Kaoping's own, plus the floor view.

Only the URLconf changes (benchmarks.dashboard_urls: Kaoping's URLs and one minimal view)
and static files are served from the finders without a manifest, so no `collectstatic` is
needed. Nothing here is used outside the benchmark.
"""

from kaoping.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.dashboard_urls"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
