"""The public progress page (/public/): no sign-in, read only, only what the office marked.

Everything shown comes from kaoping.public.selectors, which builds plain objects holding only
publishable fields. Photos are served here, never through the protected evidence URLs, and
only while the photo and its task are marked public.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from kaoping.public import selectors


@require_safe
@cache_control(public=True, max_age=300)
def index(request: HttpRequest) -> HttpResponse:
    """The public tasks of the current cycle with their progress."""
    cycle, tasks = selectors.public_tasks(today=timezone.localdate())
    return render(request, "public/index.html", {"cycle": cycle, "tasks": tasks})


@require_safe
@cache_control(public=True, max_age=300)
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One public task: summary, latest approved figure, milestones and photos."""
    task = selectors.public_task(pk=pk, today=timezone.localdate())
    return render(request, "public/task_detail.html", {"task": task})


@require_safe
def photo(request: HttpRequest, pk: int) -> FileResponse:
    """A public photo, shown inline (images only; the type was checked on upload)."""
    evidence = selectors.public_photo(pk=pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=300"
    return response
