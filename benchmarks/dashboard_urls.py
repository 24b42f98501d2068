"""Kaoping's URLs plus the benchmark's floor: a minimal view behind the same middleware."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from kaoping.urls import urlpatterns as kaoping_urlpatterns


def floor(request: HttpRequest) -> HttpResponse:
    """The least a request through Kaoping's middleware (session, auth, locale …) costs."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *kaoping_urlpatterns]
