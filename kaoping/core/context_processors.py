"""Template context shared by every page: the navigation the user's roles allow."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu entries for the signed-in user's roles (see kaoping.org.navigation)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu": []}
    from kaoping.org.navigation import menu_for, menu_tree_for

    return {"nav_items": menu_for(user), "nav_menu": menu_tree_for(user)}
