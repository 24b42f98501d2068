"""The parameters each scoring rule takes, their checks, and the rule explained in words.

DOMAIN.md ("Indicator scores") defines the rules; every parameter is a plan setting with a
default. The plan editor validates `Indicator.scoring_params` against these specs and the
indicator page explains the rule with the values in force. Pure: no ORM, no request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kaoping.plans.models import Indicator

Rule = Indicator.ScoringRule


@dataclass(frozen=True)
class Param:
    """One parameter of a scoring rule: its key in the JSON, label, default and bounds."""

    key: str
    label: str | Promise
    default: Decimal | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    required: bool = False


_CAP = Param("cap", _("cap on completion"), Decimal("1.0"), Decimal("0"), Decimal("10"))
_FLOOR = Param(
    "floor", _("completion below which the score is 0"), Decimal("0.6"), Decimal("0"), Decimal("1")
)

RULE_PARAMS: dict[str, tuple[Param, ...]] = {
    Rule.TARGET_COMPLETION: (_CAP, _FLOOR),
    Rule.THRESHOLD: (),
    Rule.LINEAR: (
        Param("base", _("points at target (B)"), None, Decimal("0"), required=True),
        Param(
            "step", _("points per 1% above or below target (a)"), None, Decimal("0"), required=True
        ),
        Param("bonus_cap", _("most points above the base (u)"), None, Decimal("0"), required=True),
    ),
    Rule.EFFICACY: (
        Param("satisfactory", _("satisfactory value (x_h)"), None, required=True),
        Param("not_allowed", _("not-allowed value (x_s)"), None, required=True),
    ),
    Rule.RATIO_TO_BEST: (
        Param(
            "difficulty",
            _("difficulty coefficient (k)"),
            Decimal("1.0"),
            Decimal("1.0"),
            Decimal("1.35"),
        ),
    ),
    Rule.LOWER_BETTER: (_CAP, _FLOOR),
    Rule.GROWTH_RATE: (
        Param(
            "band", _("band in percentage points"), Decimal("10"), Decimal("0.01"), Decimal("100")
        ),
    ),
    Rule.RANKING: (
        Param("step", _("share lost per rank"), Decimal("0.05"), Decimal("0"), Decimal("1")),
    ),
    Rule.MILESTONES: (
        Param(
            "late_credit",
            _("credit for a late milestone"),
            Decimal("0.5"),
            Decimal("0"),
            Decimal("1"),
        ),
    ),
    Rule.DEDUCTION_ONLY: (),
    Rule.BONUS: (Param("cap", _("most bonus points"), None, Decimal("0")),),
    Rule.SUM_CHILDREN: (),
}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def validate_params(rule: str, params: Any) -> list[str]:
    """What is wrong with `params` for `rule` (an empty list when nothing is)."""
    if not isinstance(params, Mapping):
        return [gettext('The scoring parameters must be a JSON object, e.g. {"cap": 1.2}.')]
    specs = {spec.key: spec for spec in RULE_PARAMS.get(rule, ())}
    errors: list[str] = []
    unknown = sorted(set(params) - set(specs))
    if unknown:
        allowed = ", ".join(specs) or gettext("none")
        errors.append(
            gettext("Unknown parameters: %(keys)s (this rule takes: %(allowed)s).")
            % {"keys": ", ".join(unknown), "allowed": allowed}
        )
    for key, spec in specs.items():
        if key not in params:
            if spec.required:
                errors.append(
                    gettext("“%(key)s” (%(label)s) is required for this rule.")
                    % {"key": key, "label": spec.label}
                )
            continue
        number = _number(params[key])
        if number is None:
            errors.append(gettext("“%(key)s” must be a number.") % {"key": key})
            continue
        if spec.minimum is not None and number < spec.minimum:
            errors.append(
                gettext("“%(key)s” must be at least %(min)s.") % {"key": key, "min": spec.minimum}
            )
        if spec.maximum is not None and number > spec.maximum:
            errors.append(
                gettext("“%(key)s” must be at most %(max)s.") % {"key": key, "max": spec.maximum}
            )
    same = rule == Rule.EFFICACY and not errors
    if same and _number(params["satisfactory"]) == _number(params["not_allowed"]):
        errors.append(gettext("The satisfactory and not-allowed values must differ."))
    return errors


def effective_params(rule: str, params: Mapping[str, Any] | None) -> dict[str, Decimal | None]:
    """Each parameter of the rule with the plan's value, else its default."""
    given = params or {}
    return {
        spec.key: (_number(given[spec.key]) if spec.key in given else spec.default)
        for spec in RULE_PARAMS.get(rule, ())
    }


def param_rows(rule: str, params: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The parameters for display: key, label, value in force and whether it is the default."""
    given = params or {}
    values = effective_params(rule, params)
    return [
        {
            "key": spec.key,
            "label": spec.label,
            "value": _plain(values[spec.key]),
            "is_default": spec.key not in given,
        }
        for spec in RULE_PARAMS.get(rule, ())
    ]


def _plain(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return format(value.normalize(), "f")


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{_plain(value * 100)}%"


def explain(rule: str, params: Mapping[str, Any] | None, points: Decimal | None) -> str:
    """The rule in one or two sentences, with the plan's values substituted."""
    v = effective_params(rule, params)
    p = _plain(points) if points is not None else "P"
    texts: dict[str, Callable[[], str]] = {
        Rule.TARGET_COMPLETION: lambda: (
            gettext(
                "Score = %(p)s points × completion (actual ÷ target), counted up to %(cap)s of the "
                "target; a completion below %(floor)s scores 0."
            )
            % {"p": p, "cap": _pct(v["cap"]), "floor": _pct(v["floor"])}
        ),
        Rule.THRESHOLD: lambda: (
            gettext("All %(p)s points if the target is met, otherwise 0.") % {"p": p}
        ),
        Rule.LINEAR: lambda: (
            gettext(
                "%(base)s points at the target; %(step)s points more for each 1%% above it, up to "
                "%(cap)s extra points; %(step)s points less for each 1%% below it, down to 0."
            )
            % {"base": _plain(v["base"]), "step": _plain(v["step"]), "cap": _plain(v["bonus_cap"])}
        ),
        Rule.EFFICACY: lambda: (
            gettext(
                "Efficacy coefficient: d = 60 + 40 × (x − %(xs)s) ÷ (%(xh)s − %(xs)s), kept "
                "between 0 and 100, then × %(p)s ÷ 100 (x_h satisfactory value, x_s not-allowed "
                "value)."
            )
            % {"xs": _plain(v["not_allowed"]), "xh": _plain(v["satisfactory"]), "p": p}
        ),
        Rule.RATIO_TO_BEST: lambda: (
            gettext(
                "Score = %(p)s × (x × %(k)s) ÷ the best peer's (x × k), k being each unit's "
                "difficulty coefficient."
            )
            % {"p": p, "k": _plain(v["difficulty"])}
        ),
        Rule.LOWER_BETTER: lambda: (
            gettext(
                "Lower is better: completion = target ÷ actual; score = %(p)s points × completion, "
                "counted up to %(cap)s; a completion below %(floor)s scores 0."
            )
            % {"p": p, "cap": _pct(v["cap"]), "floor": _pct(v["floor"])}
        ),
        Rule.GROWTH_RATE: lambda: (
            gettext(
                "All %(p)s points if growth reaches the target rate; otherwise the score falls "
                "linearly and is 0 at %(band)s percentage points below it."
            )
            % {"p": p, "band": _plain(v["band"])}
        ),
        Rule.RANKING: lambda: (
            gettext(
                "Ranked among peers: 1st place scores all %(p)s points, each place lower %(step)s "
                "less, never below 0."
            )
            % {"p": p, "step": _pct(v["step"])}
        ),
        Rule.MILESTONES: lambda: (
            gettext("Score = %(p)s × (milestones on time + %(late)s × late ones) ÷ all milestones.")
            % {"p": p, "late": _plain(v["late_credit"])}
        ),
        Rule.DEDUCTION_ONLY: lambda: (
            gettext("Starts at %(p)s points; deductions are subtracted, never below 0.") % {"p": p}
        ),
        Rule.BONUS: lambda: (
            gettext("The sum of the bonus items, at most %(cap)s points.")
            % {"cap": _plain(v["cap"]) if v["cap"] is not None else p}
        ),
        Rule.SUM_CHILDREN: lambda: gettext("The sum of its sub-indicators' scores."),
    }
    text = texts.get(rule)
    return text() if text else gettext("Unknown scoring rule “%(rule)s”.") % {"rule": rule}
