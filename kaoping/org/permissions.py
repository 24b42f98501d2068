"""Which roles may open which pages: named role sets, and the view decorator that applies them.

A page outside the user's roles answers 404, like an object outside their data scope, so
neither reveals what exists. The navigation menu (kaoping.org.navigation) uses the same sets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from kaoping.org.models import Role

# Roles doing evaluation work: they read the catalogue of the plans in their scope.
CATALOGUE_ROLES = frozenset(
    {Role.OFFICE, Role.LEADER, Role.INSPECTOR, Role.REPORTER, Role.UNIT_HEAD}
)
UNIT_LIST_ROLES = frozenset({Role.OFFICE, Role.LEADER, Role.INSPECTOR})
UNIT_PAGE_ROLES = CATALOGUE_ROLES
MY_UNIT_ROLES = frozenset({Role.REPORTER, Role.UNIT_HEAD})
PORTFOLIO_ROLES = frozenset({Role.LEADER})
PLAN_EDITOR_ROLES = frozenset({Role.OFFICE})
ACCOUNT_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN})
ACCOUNT_WRITE_ROLES = frozenset({Role.SYSTEM_ADMIN})
ROLE_ADMIN_ROLES = frozenset({Role.SECURITY_ADMIN})
AUDIT_ROLES = frozenset({Role.AUDITOR})

View = Callable[..., HttpResponse]


def roles_required(roles: Iterable[str]) -> Callable[[View], View]:
    """Sign-in required, then one of `roles`; anyone else gets 404."""
    allowed = frozenset(roles)

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_role(*allowed):  # type: ignore[union-attr]
                raise Http404
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator
