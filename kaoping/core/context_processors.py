"""Template context shared by every page: the navigation the user's roles allow."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString
from django.utils.translation import get_language


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu bar's entries for the signed-in user's roles, rendered (`nav_menu_html`, the
    same for every user with these roles), and the entries as a flat list (`nav_items`, worked
    out only if a page reads it; see kaoping.org.navigation)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_menu_html": ""}
    from kaoping.org.navigation import menu_for

    match = getattr(request, "resolver_match", None)
    return {
        "nav_items": SimpleLazyObject(lambda: menu_for(user)),
        "nav_menu_html": menu_html(
            tuple(sorted(user.roles)),
            match.view_name if match is not None else "",
            get_language() or "",
            get_script_prefix(),
        ),
    }


@lru_cache(maxsize=1024)
def menu_html(roles: tuple[str, ...], view_name: str, language: str, prefix: str) -> SafeString:
    """The menu bar's entries for these roles on this page, rendered once per process: they
    depend on nothing else (the menu is code; `language` and `prefix` are the ones active,
    so that they key what was rendered under them). A page renders the menu in well under a
    millisecond this way, against a few for the loop of entries and URL reversals."""
    from kaoping.org.navigation import menu_tree_for

    menu = []
    for entry in menu_tree_for(SimpleNamespace(roles=frozenset(roles))):
        items = [(item, item.is_active(view_name)) for item in getattr(entry, "items", [])]
        menu.append((entry, entry.is_active(view_name), items))
    return render_to_string("core/nav_menu.html", {"menu": menu})
