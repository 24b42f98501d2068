"""The scoring engine's explanations in the reader's language.

The engine (kaoping.scoring.calculations) is pure and writes its explanations in English: a
fixed set of sentences (why a line was not scored, why a unit has its grade) and arithmetic
made of symbols, numbers and a small vocabulary ("actual ÷ target"). Stored explanations stay
in that canonical form; pages and exports translate them here, when shown.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Whole sentences the engine writes as reasons.
SENTENCES: dict[str, str | Promise] = {
    "the target is missing or not positive, so completion cannot be computed": _(
        "the target is missing or not positive, so completion cannot be computed"
    ),
    "the target is missing or a value is negative, so completion cannot be computed": _(
        "the target is missing or a value is negative, so completion cannot be computed"
    ),
    "there is no target to compare with": _("there is no target to compare with"),
    "the target is missing or not positive, or a parameter (base, step, bonus_cap) is missing": _(
        "the target is missing or not positive, or a parameter (base, step, bonus_cap) is missing"
    ),
    "the satisfactory and not-allowed values are missing or equal": _(
        "the satisfactory and not-allowed values are missing or equal"
    ),
    "no peer in the group has a positive value to compare with": _(
        "no peer in the group has a positive value to compare with"
    ),
    "last year's value is missing or not positive, or there is no target rate": _(
        "last year's value is missing or not positive, or there is no target rate"
    ),
    "the unit cannot be ranked": _("the unit cannot be ranked"),
    "the unit has no milestones to count": _("the unit has no milestones to count"),
    "the indicator has no sub-indicators": _("the indicator has no sub-indicators"),
    "the figures cannot be compared": _("the figures cannot be compared"),
    "the indicator does not apply to this unit": _("the indicator does not apply to this unit"),
    "no figure was reported: a unit that reports nothing earns nothing for the item": _(
        "no figure was reported: a unit that reports nothing earns nothing for the item"
    ),
    "the best grade whose minimum the score reaches": _(
        "the best grade whose minimum the score reaches"
    ),
    "a better grade's quota was already filled by higher-ranked units": _(
        "a better grade's quota was already filled by higher-ranked units"
    ),
    "tied (after every tie-break) with units straddling a quota line: the whole tie falls to "
    "the next grade": _(
        "tied (after every tie-break) with units straddling a quota line: the whole tie falls "
        "to the next grade"
    ),
    "not scored, so not graded": _("not scored, so not graded"),
}


# Words and phrases inside the arithmetic, longest first so that phrases win over words;
# in their own context: the "cap" on a completion rate is not the "cap" of deductions.
TERMS: tuple[tuple[str, str | Promise], ...] = (
    (
        "vetoed: the grade is capped at",
        pgettext_lazy("score arithmetic", "vetoed: the grade is capped at"),
    ),
    (
        "actual 0 is the best possible value (lower is better)",
        pgettext_lazy("score arithmetic", "an actual of 0 is the best"),
    ),
    ("(not tied to an indicator)", pgettext_lazy("score arithmetic", "(not tied to an indicator)")),
    ("weights re-normalised over", pgettext_lazy("score arithmetic", "weights re-normalised over")),
    ("component(s) missing:", pgettext_lazy("score arithmetic", "component(s) missing:")),
    ("no component present", pgettext_lazy("score arithmetic", "no component present")),
    ("after deductions", pgettext_lazy("score arithmetic", "after deductions")),
    ("best peer's", pgettext_lazy("score arithmetic", "best peer's")),
    ("Σ sub-indicators", pgettext_lazy("score arithmetic", "Σ sub-indicators")),
    ("Σ bonus items", pgettext_lazy("score arithmetic", "Σ bonus items")),
    ("starts at", pgettext_lazy("score arithmetic", "starts at")),
    ("in the group", pgettext_lazy("score arithmetic", "in the group")),
    ("above target", pgettext_lazy("score arithmetic", "above target")),
    ("below target", pgettext_lazy("score arithmetic", "below target")),
    ("not scored:", pgettext_lazy("score arithmetic", "not scored:")),
    ("not met", pgettext_lazy("score arithmetic", "not met")),
    ("last year", pgettext_lazy("score arithmetic", "last year")),
    ("late_credit", pgettext_lazy("score arithmetic", "late credit")),
    ("on time", pgettext_lazy("score arithmetic", "on time")),
    ("within", pgettext_lazy("score arithmetic", "within")),
    ("points", pgettext_lazy("score arithmetic", "points")),
    ("actual", pgettext_lazy("score arithmetic", "actual")),
    ("target", pgettext_lazy("score arithmetic", "target")),
    ("floor", pgettext_lazy("score arithmetic", "floor")),
    ("below", pgettext_lazy("score arithmetic", "below")),
    ("rank", pgettext_lazy("score arithmetic", "rank")),
    ("full", pgettext_lazy("score arithmetic", "full")),
    ("late", pgettext_lazy("score arithmetic", "late")),
    ("band", pgettext_lazy("score arithmetic", "band")),
    ("met", pgettext_lazy("score arithmetic", "met")),
    ("all", pgettext_lazy("score arithmetic", "all")),
    ("cap", pgettext_lazy("score arithmetic", "cap")),
)
_PATTERN = re.compile(
    "|".join(r"(?<![A-Za-z_])" + re.escape(english) + r"(?![A-Za-z_])" for english, _t in TERMS)
)
_TERMS = dict(TERMS)

NODE_STATUS: dict[str, str | Promise] = {
    "scored": _("scored"),
    "missing_input": _("no figure"),
    "not_applicable": _("not applicable"),
    "not_comparable": _("not comparable"),
}


def translate_explanation(text: str | None) -> str:
    """An engine sentence or arithmetic line in the active language."""
    if not text:
        return ""
    sentence = SENTENCES.get(text)
    if sentence is not None:
        return str(sentence)
    return _PATTERN.sub(lambda match: str(_TERMS[match.group(0)]), text)


def node_status_label(status: str | None) -> str:
    """A score line's status as a reader's label."""
    return str(NODE_STATUS.get(status or "", status or ""))
