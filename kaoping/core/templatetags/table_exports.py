"""`{% export_buttons %}`: the "export Excel / CSV" buttons of a table page."""

from typing import Any

from django import template

from kaoping.core.exports import export_links

register = template.Library()


@register.inclusion_tag("core/export_buttons.html", takes_context=True)
def export_buttons(context: Any, table: str = "", label: str = "") -> dict[str, Any]:
    """Links to the page itself with `export=xlsx|csv`, its filters kept (the view exports
    the same rows it shows, through the same selector)."""
    request = context.get("request")
    links = export_links(request, table) if request is not None else {}
    return {"links": links, "label": label}
