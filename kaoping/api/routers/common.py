"""What every endpoint does first: who is calling, and may their roles use this at all."""

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest


def caller(request: HttpRequest, roles: Iterable[str]) -> Any:
    """The authenticated user if they hold one of `roles`; anyone else gets 404, as for an
    object outside their scope, so the answer does not reveal what the endpoint holds."""
    user: Any = request.auth  # type: ignore[attr-defined]
    if user is None or not user.has_role(*roles):
        raise Http404
    return user
