"""Template filters showing the scoring engine's explanations in the reader's language."""

from __future__ import annotations

from django import template

from kaoping.scoring.explanation_text import node_status_label, translate_explanation

register = template.Library()


@register.filter
def explained(text: str | None) -> str:
    """`{{ line.explanation.arithmetic|explained }}`."""
    return translate_explanation(text)


@register.filter
def line_status(status: str | None) -> str:
    """`{{ line.status|line_status }}`."""
    return node_status_label(status)
