"""The sample draw of a survey project (抽样): the frame, the recommended size, a preview and the
recorded draw with its cases.

The arithmetic is `kaoping.appraisal.survey_calculations` (`sample_size`, `draw_sample`);
this module turns a project's respondents into its frame and records what was drawn:

- the frame: one `FrameEntry` per respondent (id = the respondent's pk as text, stratum =
  "group:stratum", weight), the census strata (every stratum of a group that has a frame
  taken whole) and a fingerprint of the frame (SHA-256 of its sorted id/stratum pairs), so a
  recorded draw can be checked against the frame it was drawn from;
- `preview_draw` computes a draw without writing anything; `sample_draw` records one (only
  while the project is being prepared), creating the cases to call: the selected in drawn
  order, then the reserves in drawn order;
- a draw is never replaced silently: a redraw needs a reason, the old draw is kept on record
  as superseded, and both are audited. Only the office draws; interviewers never choose whom
  to call.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.appraisal import survey_calculations as calc
from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Role
from kaoping.surveys.models import (
    CallAttempt,
    Case,
    Frame,
    Respondent,
    SampleDraw,
    SurveyProject,
)

SEED_LIMIT = 2**63
"""Seeds are stored in a signed 64-bit column: 0 ≤ seed < 2**63."""

GENERATED_SEED_LIMIT = 2**31
"""A seed the office leaves blank is drawn from `secrets.randbelow(2**31)` (easy to read out)."""

MAX_RESERVE_RATIO = 10.0
"""More than ten reserves per selected respondent is certainly a typing mistake."""

MIN_REASON_LENGTH = 5


def stratum_key(group: str, stratum: str) -> str:
    """The draw stratum of a respondent: its list's group and its town or unit."""
    return f"{group}:{stratum}"


@dataclass(frozen=True)
class SamplingFrame:
    """A project's respondents as the draw sees them."""

    entries: tuple[calc.FrameEntry, ...]
    census: frozenset[str]
    digest: str

    @property
    def sizes(self) -> dict[str, int]:
        """Entries per stratum."""
        sizes: dict[str, int] = {}
        for entry in self.entries:
            sizes[entry.stratum] = sizes.get(entry.stratum, 0) + 1
        return dict(sorted(sizes.items()))

    @property
    def weights(self) -> dict[str, float]:
        """Σ weight per stratum (what proportional allocation follows)."""
        weights: dict[str, float] = {}
        for entry in self.entries:
            weights[entry.stratum] = weights.get(entry.stratum, 0.0) + entry.weight
        return dict(sorted(weights.items()))

    @property
    def sampled_population(self) -> int:
        """Entries in the strata drawn at random (the population of the sample-size formula)."""
        return sum(1 for e in self.entries if e.stratum not in self.census)


def frame_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """SHA-256 (hex) of the frame: the lines "id<TAB>stratum<LF>" sorted by (id, stratum) as
    text, UTF-8. The same respondents in the same strata give the same digest in any order."""
    sha = hashlib.sha256()
    for entry_id, stratum in sorted(pairs):
        sha.update(f"{entry_id}\t{stratum}\n".encode())
    return sha.hexdigest()


def frame_entries(project: SurveyProject) -> SamplingFrame:
    """The project's frame: one entry per respondent and the census strata."""
    census_groups = set(
        Frame.objects.filter(project=project, census=True).values_list("group", flat=True)
    )
    rows = list(
        Respondent.objects.filter(project=project).values_list("pk", "group", "stratum", "weight")
    )
    entries = tuple(
        calc.FrameEntry(id=str(pk), stratum=stratum_key(group, stratum), weight=weight)
        for pk, group, stratum, weight in rows
    )
    census = frozenset(
        stratum_key(group, stratum)
        for _pk, group, stratum, _weight in rows
        if group in census_groups
    )
    digest = frame_digest((e.id, e.stratum) for e in entries)
    return SamplingFrame(entries=entries, census=census, digest=digest)


@dataclass(frozen=True)
class DrawPlan:
    """A computed draw with what it was computed from (for pages and the command line)."""

    draw: calc.Draw
    frame: SamplingFrame
    total: int  # respondents to draw from the sampled strata, before minimums
    recommended: calc.SampleSize | None  # set when `total` was the recommended size
    minimum: int
    reserve_ratio: float

    @property
    def selected_count(self) -> int:
        return sum(len(ids) for ids in self.draw.selected.values())

    @property
    def reserve_count(self) -> int:
        return sum(len(ids) for ids in self.draw.reserves.values())

    @property
    def parameters(self) -> dict[str, Any]:
        """What is recorded with the draw besides the seed."""
        return {
            "total": self.total,
            "recommended": self.recommended is not None,
            "minimum": self.minimum,
            "reserve_ratio": self.reserve_ratio,
            "census": sorted(self.draw.census),
        }


def check_seed(seed: Any) -> int:
    """A seed as stored: a whole number with 0 ≤ seed < 2**63."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < SEED_LIMIT:
        raise ApplicationError(
            _("The seed must be a whole number from 0 to %(max)s.") % {"max": SEED_LIMIT - 1}
        )
    return seed


def recommended_size(project: SurveyProject, population: int) -> calc.SampleSize:
    """The sample size for the project's margin of error and confidence, corrected for the
    finite population of the sampled strata."""
    try:
        return calc.sample_size(
            float(project.margin_of_error),
            confidence=float(project.confidence),
            population=population,
        )
    except (TypeError, ValueError):
        raise ApplicationError(
            _(
                "The survey's margin of error and confidence level must both lie strictly "
                "between 0 and 1."
            )
        ) from None


def allocate(frame: SamplingFrame, total: int, minimum: int) -> dict[str, int]:
    """`total` over the strata drawn at random, in two stages.

    First across respondent groups (residents, cadres, business owners…) in proportion to
    their number of people; then, within each group, across its strata in proportion to their
    Σ weight (e.g. a town's population) — so weighting residents by population never starves
    the cadre and business-owner lists. Largest remainders both times; each stratum is then
    raised to `minimum` where it has that many people.
    """
    sizes = frame.sizes
    weights = frame.weights
    sampled = [h for h in sizes if h not in frame.census]
    groups: dict[str, list[str]] = {}
    for h in sampled:
        groups.setdefault(h.split(":", 1)[0], []).append(h)
    people = {g: sum(sizes[h] for h in strata) for g, strata in groups.items()}
    per_group = calc.proportional_allocation(people, people, total)
    allocation: dict[str, int] = {}
    for g, strata in groups.items():
        shares = calc.proportional_allocation(
            {h: weights[h] for h in strata}, {h: sizes[h] for h in strata}, per_group[g]
        )
        for h in strata:
            allocation[h] = min(sizes[h], max(shares[h], minimum))
    return allocation


def draw_plan(
    *,
    project: SurveyProject,
    seed: int,
    total: int | None = None,
    minimum: int = 0,
    reserve_ratio: float = 1.0,
) -> DrawPlan:
    """The draw `seed` gives on the project's current frame, with its parameters (no writes).

    Census strata are taken whole; the others share `total` (default: the recommended size)
    as `allocate` says: across groups by people, within a group by Σ weight, each stratum
    raised to `minimum` where it has that many.
    """
    check_seed(seed)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        raise ApplicationError(_("The minimum per stratum must be a whole number of 0 or more."))
    if (
        isinstance(reserve_ratio, bool)
        or not isinstance(reserve_ratio, int | float)
        or not math.isfinite(reserve_ratio)
        or not 0 <= reserve_ratio <= MAX_RESERVE_RATIO
    ):
        raise ApplicationError(
            _("The reserve ratio must be a number from 0 to %(max)s.")
            % {"max": int(MAX_RESERVE_RATIO)}
        )
    frame = frame_entries(project)
    if not frame.entries:
        raise ApplicationError(_("The survey has no respondents yet: import its lists first."))
    available = frame.sampled_population
    recommended = None
    if total is None:
        if available:
            recommended = recommended_size(project, available)
            total = recommended.draw
        else:
            total = 0
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ApplicationError(_("The number to draw must be a whole number of 0 or more."))
    if total > available:
        raise ApplicationError(
            _(
                "Cannot draw %(total)d: the lists drawn at random hold only %(available)d "
                "respondents (census lists are taken whole)."
            )
            % {"total": total, "available": available}
        )
    try:
        draw = calc.draw_sample(
            frame.entries,
            seed=seed,
            allocation=allocate(frame, total, minimum) if available else None,
            census=frame.census,
            reserve_ratio=float(reserve_ratio),
        )
    except ValueError as exc:  # e.g. a respondent with a weight that is not positive
        raise ApplicationError(
            _("The frame cannot be drawn from: %(error)s") % {"error": exc}
        ) from None
    return DrawPlan(
        draw=draw,
        frame=frame,
        total=total,
        recommended=recommended,
        minimum=minimum,
        reserve_ratio=float(reserve_ratio),
    )


def preview_draw(
    *,
    project: SurveyProject,
    seed: int,
    total: int | None = None,
    minimum: int = 0,
    reserve_ratio: float = 1.0,
) -> calc.Draw:
    """What `seed` would draw from the project's frame now, saving nothing."""
    return draw_plan(
        project=project, seed=seed, total=total, minimum=minimum, reserve_ratio=reserve_ratio
    ).draw


def current_draw(project: SurveyProject) -> SampleDraw | None:
    """The project's draw in force (not superseded), if any."""
    return (
        SampleDraw.objects.filter(project=project, superseded_at__isnull=True)
        .select_related("drawn_by")
        .first()
    )


def generate_seed() -> int:
    """A fresh seed for a draw whose seed the office left blank (recorded with the draw)."""
    return secrets.randbelow(GENERATED_SEED_LIMIT)


def _require_office(actor: Any, project: SurveyProject) -> None:
    """Only the office of the project's plan draws (actor None: the server's command line)."""
    if actor is None:
        return
    if (
        not actor.has_role(Role.OFFICE)
        or not SurveyProject.objects.for_user(actor).filter(pk=project.pk).exists()
    ):
        raise PermissionDeniedError(_("Only the performance office draws the sample."))


def _drawn_meanwhile(draw: SampleDraw | None) -> ApplicationError:
    if draw is None:
        return ApplicationError(
            _("Another draw of this survey was recorded meanwhile: reload the page and check it.")
        )
    return ApplicationError(
        _(
            "Another draw of this survey (no. %(id)d, seed %(seed)d) was recorded meanwhile: "
            "reload the page and check it before drawing again."
        )
        % {"id": draw.pk, "seed": draw.seed}
    )


def _cases(draw: SampleDraw, computed: calc.Draw) -> list[Case]:
    """The draw's cases: per stratum the selected (to call) at positions 0..k−1, then the
    reserves at k.. in drawn order."""
    cases: list[Case] = []
    for stratum in sorted(computed.selected):
        selected = computed.selected[stratum]
        for position, rid in enumerate(selected):
            cases.append(
                Case(
                    draw=draw,
                    project_id=draw.project_id,
                    respondent_id=int(rid),
                    stratum=stratum,
                    position=position,
                    status=Case.Status.OPEN,
                )
            )
        for offset, rid in enumerate(computed.reserves.get(stratum, ())):
            cases.append(
                Case(
                    draw=draw,
                    project_id=draw.project_id,
                    respondent_id=int(rid),
                    stratum=stratum,
                    position=len(selected) + offset,
                    is_reserve=True,
                    status=Case.Status.RESERVE,
                )
            )
    return cases


@transaction.atomic
def sample_draw(
    *,
    project: SurveyProject,
    actor: Any,
    seed: int | None,
    total: int | None = None,
    minimum: int = 0,
    reserve_ratio: float = 1.0,
    reason: str = "",
    seen_current: int | None = None,
) -> SampleDraw:
    """Record the draw `seed` gives and create its cases (only while the survey is prepared).

    `seed` None: a seed is generated (`secrets.randbelow(2**31)`) and recorded. When a draw is
    in force, a redraw needs a `reason` of at least five characters: the old draw is marked
    superseded with that reason and its cases are deleted (nobody has been called in
    preparation); both draws stay on record. `seen_current` is the id of the draw in force
    the caller looked at (0: none); when another draw has been recorded since, the draw is
    refused as made meanwhile. Audited with the seed, allocation, counts and previous draw.
    """
    _require_office(actor, project)
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    if project.status != SurveyProject.Status.DRAFT:
        raise ApplicationError(
            _("The sample can only be drawn while the survey is being prepared.")
        )
    previous = current_draw(project)
    if seen_current is not None and (previous.pk if previous else 0) != seen_current:
        raise _drawn_meanwhile(previous)
    reason = (reason or "").strip()
    if previous is not None and len(reason) < MIN_REASON_LENGTH:
        raise ApplicationError(
            _(
                "The survey has a draw already (no. %(id)d, seed %(seed)d). A redraw needs a "
                "reason of at least %(n)d characters, and both draws stay on record."
            )
            % {"id": previous.pk, "seed": previous.seed, "n": MIN_REASON_LENGTH}
        )
    if seed is None:
        seed = generate_seed()
    plan = draw_plan(
        project=project, seed=seed, total=total, minimum=minimum, reserve_ratio=reserve_ratio
    )
    now = timezone.now()
    if previous is not None:
        if CallAttempt.objects.filter(case__draw=previous).exists():
            raise ApplicationError(_("Cases of the current draw have been called: it stays."))
        Case.objects.filter(draw=previous).delete()
        previous.superseded_at = now
        previous.superseded_reason = reason[:500]
        previous.save(update_fields=["superseded_at", "superseded_reason", "updated_at"])
    try:
        with transaction.atomic():
            draw = SampleDraw.objects.create(
                project=project,
                seed=seed,
                parameters=plan.parameters,
                allocation=plan.draw.allocation,
                frame_digest=plan.frame.digest,
                drawn_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
    except IntegrityError:  # another draw became current at the same moment
        raise _drawn_meanwhile(current_draw(project)) from None
    Case.objects.bulk_create(_cases(draw, plan.draw))
    audit_event(
        actor=actor,
        action="survey.sample_drawn",
        obj=draw,
        object_repr=f"{project.code} draw {draw.pk}",
        reason=reason,
        before=(
            {"draw": previous.pk, "seed": previous.seed, "allocation": previous.allocation}
            if previous is not None
            else None
        ),
        after={
            "project": project.code,
            "seed": seed,
            "parameters": plan.parameters,
            "allocation": plan.draw.allocation,
            "selected": plan.selected_count,
            "reserves": plan.reserve_count,
            "frame_digest": plan.frame.digest,
            "previous_draw": previous.pk if previous is not None else None,
            "via": "web" if actor is not None else "command line",
        },
    )
    return draw
