"""Template helpers of the web UI: numbers, role grants, diffs."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.utils.translation import gettext as _

from kaoping.org import scopes

register = template.Library()


@register.filter
def num(value: Any) -> str:
    """A decimal without trailing zeros (100.0000 → 100, 0.6000 → 0.6); empty stays empty."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format(number.normalize(), "f") if number.is_finite() else str(value)


@register.filter
def percent(value: Any) -> str:
    """A share as a percentage (0.3 → 30%)."""
    if value is None or value == "":
        return ""
    try:
        return f"{num(Decimal(str(value)) * 100)}%"
    except InvalidOperation:
        return str(value)


@register.simple_tag
def role_grants(user: Any) -> list[Any]:
    """The user's role grants with their units (for the account menu; kaoping.org.scopes)."""
    return scopes.role_grants(user)


@register.filter
def pretty_json(value: Any) -> str:
    """JSON for people: indented, Chinese kept as is."""
    if value in (None, "", {}, []):
        return ""
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, cls=DjangoJSONEncoder)


def _show(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)
    return str(value)


@register.filter
def field_changes(before: Any, after: Any) -> list[dict[str, Any]]:
    """Fields of a before/after pair as rows: name, old, new, whether it changed.

    Used as `{% with rows=event.before|field_changes:event.after %}`. Unchanged fields are
    listed after the changed ones so the eye finds the change first.
    """
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    rows = []
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        rows.append(
            {
                "field": key,
                "before": _show(was) if key in old else "",
                "after": _show(now) if key in new else "",
                "changed": bool(old) and bool(new) and was != now,
            }
        )
    rows.sort(key=lambda r: not r["changed"])
    return rows


@register.filter
def changes_rows(changes: Any) -> list[dict[str, Any]]:
    """django-auditlog's {field: [old, new]} as rows for a table."""
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return []
    if not isinstance(changes, dict):
        return []
    rows = []
    for key, pair in sorted(changes.items()):
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            rows.append({"field": key, "before": _show(pair[0]), "after": _show(pair[1])})
        elif isinstance(pair, dict):  # many-to-many: {"type": "m2m", "operation": "add", …}
            rows.append(
                {
                    "field": key,
                    "before": _show(pair.get("operation") or pair.get("type")),
                    "after": _show(pair.get("objects")),
                }
            )
    return rows


@register.simple_tag
def query_string(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def yes_no(value: Any) -> str:
    return _("Yes") if value else _("No")
