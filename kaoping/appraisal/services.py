"""Leader evaluation (领导评价): every write, in a transaction, audited.

A round of a plan is set up by the office as a draft (method, vote-level scores, trimming,
which units each leader rates), gets its raters (leader accounts), is opened — the raters
are told — and closed, which computes each unit's score from the submitted sheets and
freezes it in LeaderRatingResult. While the round is open a leader saves their ballots as
often as they like and then submits the whole sheet (every assigned unit rated); after
that, or once the round is closed, the sheet is locked. The office reminds the raters whose
sheets are not submitted.

Audit: every service writes a domain event. Ballot values appear only in the events of the
rater's own saves; the audit trail is read by the audit administrator alone. Notifications
never carry a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaoping.appraisal import calculations as calc
from kaoping.appraisal import selectors
from kaoping.appraisal.models import (
    LeaderBallot,
    LeaderRater,
    LeaderRatingResult,
    LeaderRatingRound,
)
from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.org.models import Role, Unit, User
from kaoping.plans.models import Plan
from kaoping.tracking.services.supervision import Message, notify

NAME_LIMIT = 200
COMMENT_LIMIT = 2_000
SCORE_STEP = Decimal("0.01")
ROUND_SNAPSHOT_EXCLUDE = ("created_at", "updated_at")


def _refuse() -> PermissionDeniedError:
    return PermissionDeniedError(_("You are not allowed to do this."))


def _conflict() -> ConflictError:
    return ConflictError(_("Someone else changed this meanwhile. Reload and try again."))


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _require_office(actor: Any, plan: Plan) -> None:
    if not selectors.is_office_for_plan(actor, plan):
        raise _refuse()


def _bump(
    instance: LeaderRatingRound | LeaderRater,
    *,
    expected_version: int | None,
    where: Q,
    changes: dict[str, Any],
) -> None:
    """UPDATE … WHERE the row still matches `where` and its version is unchanged: a
    concurrent change raises ConflictError (SQLite has no row locks)."""
    version = instance.row_version if expected_version is None else expected_version
    updated = (
        type(instance)
        .objects.filter(where, pk=instance.pk, row_version=version)
        .update(row_version=version + 1, updated_at=timezone.now(), **changes)
    )
    if not updated:
        raise _conflict()
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.row_version = version + 1


def _round_snapshot(round: LeaderRatingRound) -> dict[str, Any]:
    data = snapshot(round, exclude=ROUND_SNAPSHOT_EXCLUDE)
    return {k: (str(v) if isinstance(v, (Decimal, date)) else v) for k, v in data.items()}


# --- rounds ---------------------------------------------------------------------------------
def _validated_round_fields(
    *,
    name: str,
    method: str,
    trim_min_ballots: int,
    coverage: str,
    opens_on: date | None,
    closes_on: date | None,
    level_scores: Mapping[str, Decimal] | None,
) -> dict[str, Any]:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Please give the round a name."))
    if len(name) > NAME_LIMIT:
        raise ApplicationError(
            _("The name is too long (at most %(n)d characters).") % {"n": NAME_LIMIT}
        )
    if method not in LeaderRatingRound.Method.values:
        raise ApplicationError(_("Choose a rating method."))
    if coverage not in LeaderRatingRound.Coverage.values:
        raise ApplicationError(_("Choose which units each leader rates."))
    if trim_min_ballots < 3:
        raise ApplicationError(
            _("Dropping the highest and the lowest ballot needs at least 3 ballots.")
        )
    if opens_on and closes_on and closes_on < opens_on:
        raise ApplicationError(_("The round cannot close before it opens."))
    fields: dict[str, Any] = {
        "name": name,
        "method": method,
        "trim_min_ballots": trim_min_ballots,
        "coverage": coverage,
        "opens_on": opens_on,
        "closes_on": closes_on,
    }
    for level, score in (level_scores or {}).items():
        if level not in LeaderBallot.Level.values:
            raise ApplicationError(_("Unknown vote level: %(level)s") % {"level": level})
        value = _score(score)
        if value is None:
            raise ApplicationError(_("Each vote level needs a score from 0 to 100."))
        fields[f"score_{level}"] = value
    return fields


@transaction.atomic
def round_create(
    *,
    actor: Any,
    plan: Plan,
    name: str,
    method: str = LeaderRatingRound.Method.SCORE,
    trim: bool = False,
    trim_min_ballots: int = calc.DEFAULT_TRIM_MIN_BALLOTS,
    coverage: str = LeaderRatingRound.Coverage.PLAN_UNITS,
    opens_on: date | None = None,
    closes_on: date | None = None,
    level_scores: Mapping[str, Decimal] | None = None,
) -> LeaderRatingRound:
    """The office sets up a draft round of a plan (vote levels default to 100/80/60/40)."""
    _require_office(actor, plan)
    fields = _validated_round_fields(
        name=name,
        method=method,
        trim_min_ballots=trim_min_ballots,
        coverage=coverage,
        opens_on=opens_on,
        closes_on=closes_on,
        level_scores=level_scores,
    )
    round = LeaderRatingRound.objects.create(
        plan=plan,
        trim=trim,
        created_by=actor if getattr(actor, "pk", None) else None,
        **fields,
    )
    audit_event(actor=actor, action="leader_round.create", obj=round, after=_round_snapshot(round))
    return round


@transaction.atomic
def round_update(
    *,
    actor: Any,
    round: LeaderRatingRound,
    name: str,
    method: str,
    trim: bool,
    trim_min_ballots: int,
    coverage: str,
    opens_on: date | None = None,
    closes_on: date | None = None,
    level_scores: Mapping[str, Decimal] | None = None,
    expected_version: int | None = None,
) -> LeaderRatingRound:
    """The office changes a draft round's settings (an open round's rules are fixed)."""
    _require_office(actor, round.plan)
    if round.status != LeaderRatingRound.Status.DRAFT:
        raise ApplicationError(_("Only a draft round can be changed."))
    fields = _validated_round_fields(
        name=name,
        method=method,
        trim_min_ballots=trim_min_ballots,
        coverage=coverage,
        opens_on=opens_on,
        closes_on=closes_on,
        level_scores=level_scores,
    )
    fields["trim"] = trim
    before = _round_snapshot(round)
    _bump(
        round,
        expected_version=expected_version,
        where=Q(status=LeaderRatingRound.Status.DRAFT),
        changes=fields,
    )
    audit_event(
        actor=actor,
        action="leader_round.update",
        obj=round,
        before=before,
        after=_round_snapshot(round),
    )
    return round


def _notify_raters(round: LeaderRatingRound, raters: Iterable[LeaderRater], key: str) -> int:
    """Tell raters their sheet is waiting (in the app, and by e-mail when they have one)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Leader evaluation: please rate the units") + f" · {round.name}"
        messages = []
        for rater in raters:
            body = _(
                "The leader evaluation “%(round)s” is open. Please rate the units on your "
                "sheet and submit it%(deadline)s."
            ) % {
                "round": round.name,
                "deadline": (
                    _(" by %(day)s") % {"day": round.closes_on.isoformat()}
                    if round.closes_on
                    else ""
                ),
            }
            messages.append(
                Message(
                    rater.user,
                    title,
                    body,
                    _url("appraisal:sheet", round.pk),
                    f"leader_round:{round.pk}:{key}",
                )
            )
        return len(notify(messages))


@transaction.atomic
def round_open(
    *, actor: Any, round: LeaderRatingRound, expected_version: int | None = None
) -> LeaderRatingRound:
    """Open a draft round for rating (one open round per plan) and tell its raters."""
    _require_office(actor, round.plan)
    if round.status != LeaderRatingRound.Status.DRAFT:
        raise ApplicationError(_("Only a draft round can be opened."))
    raters = list(LeaderRater.objects.filter(round=round).select_related("user", "user__person"))
    if not raters:
        raise ApplicationError(_("Add the leaders who rate before opening the round."))
    if (
        LeaderRatingRound.objects.filter(plan=round.plan, status=LeaderRatingRound.Status.OPEN)
        .exclude(pk=round.pk)
        .exists()
    ):
        raise ApplicationError(_("Another round of this plan is open: close it first."))
    try:
        with transaction.atomic():
            _bump(
                round,
                expected_version=expected_version,
                where=Q(status=LeaderRatingRound.Status.DRAFT),
                changes={"status": LeaderRatingRound.Status.OPEN, "opened_at": timezone.now()},
            )
    except IntegrityError:  # another round was opened at the same moment
        raise ApplicationError(_("Another round of this plan is open: close it first.")) from None
    audit_event(
        actor=actor,
        action="leader_round.open",
        obj=round,
        before={"status": LeaderRatingRound.Status.DRAFT},
        after={"status": round.status, "raters": len(raters)},
    )
    _notify_raters(round, raters, "open")
    return round


@transaction.atomic
def round_close(
    *, actor: Any, round: LeaderRatingRound, expected_version: int | None = None
) -> LeaderRatingRound:
    """Close an open round: compute each unit's score from the submitted sheets and freeze
    it in LeaderRatingResult. Ballots of sheets never submitted are not counted."""
    _require_office(actor, round.plan)
    if round.status != LeaderRatingRound.Status.OPEN:
        raise ApplicationError(_("Only an open round can be closed."))
    _bump(
        round,
        expected_version=expected_version,
        where=Q(status=LeaderRatingRound.Status.OPEN),
        changes={"status": LeaderRatingRound.Status.CLOSED, "closed_at": timezone.now()},
    )
    scores = selectors.round_scores(round)
    LeaderRatingResult.objects.bulk_create(
        [
            LeaderRatingResult(
                round=round,
                unit_id=unit_id,
                score=selectors.stored_score(item.score),
                valid_ballots=item.valid_ballots,
                trimmed=item.trimmed,
                dropped=[str(v) for v in item.dropped],
            )
            for unit_id, item in scores.items()
        ]
    )
    sheets = LeaderRater.objects.filter(round=round)
    submitted = sheets.filter(submitted_at__isnull=False).count()
    audit_event(
        actor=actor,
        action="leader_round.close",
        obj=round,
        before={"status": LeaderRatingRound.Status.OPEN},
        after={
            "status": round.status,
            "units": len(scores),
            "sheets_submitted": submitted,
            "sheets_not_submitted": sheets.count() - submitted,
            "units_trimmed": sum(1 for i in scores.values() if i.trimmed),
        },
    )
    return round


# --- raters -------------------------------------------------------------------------------
@transaction.atomic
def rater_assign(
    *,
    actor: Any,
    round: LeaderRatingRound,
    user: User,
    units: Iterable[Unit] | None = None,
) -> LeaderRater:
    """Give a leader account a sheet in a round, with the units they rate (by default the
    round's coverage rule: every unit of the plan's groups, or their portfolio's)."""
    _require_office(actor, round.plan)
    if round.status == LeaderRatingRound.Status.CLOSED:
        raise ApplicationError(_("The round is closed."))
    if not user.is_active or not user.has_role(Role.LEADER):
        raise ApplicationError(_("%(user)s is not an active leader account.") % {"user": str(user)})
    if LeaderRater.objects.filter(round=round, user=user).exists():
        raise ApplicationError(_("%(user)s already rates in this round.") % {"user": str(user)})
    allowed = {u.pk: u for u in selectors.plan_units(round.plan)}
    if units is None:
        chosen = list(selectors.default_sheet_units(round, user))
    else:
        chosen = list(units)
        stray = [u.name for u in chosen if u.pk not in allowed]
        if stray:
            raise ApplicationError(
                _("Not units of this plan's groups: %(units)s") % {"units": "、".join(stray)}
            )
    if not chosen:
        raise ApplicationError(
            _("%(user)s has no unit to rate in this round.") % {"user": str(user)}
        )
    rater = LeaderRater.objects.create(round=round, user=user)
    rater.units.set(chosen)
    audit_event(
        actor=actor,
        action="leader_rater.assign",
        obj=rater,
        after={"user": user.username, "units": sorted(u.code for u in chosen)},
    )
    if round.status == LeaderRatingRound.Status.OPEN:
        _notify_raters(round, [rater], "open")
    return rater


@transaction.atomic
def raters_assign(
    *, actor: Any, round: LeaderRatingRound, users: Iterable[User]
) -> list[LeaderRater]:
    """Give several leader accounts their sheets (each with the round's default units)."""
    return [rater_assign(actor=actor, round=round, user=user) for user in users]


@transaction.atomic
def rater_remove(*, actor: Any, rater: LeaderRater, reason: str = "") -> None:
    """Take a rater off a round that is not closed, before they submit (their saved
    ballots go with the sheet)."""
    round = rater.round
    _require_office(actor, round.plan)
    if round.status == LeaderRatingRound.Status.CLOSED:
        raise ApplicationError(_("The round is closed."))
    if rater.is_submitted:
        raise ApplicationError(_("A submitted sheet cannot be removed."))
    ballots = LeaderBallot.objects.filter(rater=rater).count()
    audit_event(
        actor=actor,
        action="leader_rater.remove",
        obj=rater,
        reason=reason,
        before={"user": rater.user.username, "ballots": ballots},
    )
    rater.delete()


@transaction.atomic
def raters_remind(*, actor: Any, round: LeaderRatingRound, today: date | None = None) -> int:
    """Remind the raters whose sheets are not submitted (once a day each); returns how many
    reminders were sent."""
    _require_office(actor, round.plan)
    if round.status != LeaderRatingRound.Status.OPEN:
        raise ApplicationError(_("Reminders go out only while the round is open."))
    today = today or timezone.localdate()
    waiting = list(
        LeaderRater.objects.filter(round=round, submitted_at__isnull=True).select_related(
            "user", "user__person"
        )
    )
    sent = _notify_raters(round, waiting, f"remind:{today.isoformat()}")
    audit_event(
        actor=actor,
        action="leader_round.remind",
        obj=round,
        after={"reminded": sent, "waiting": sorted(r.user.username for r in waiting)},
    )
    return sent


# --- ballots and sheets ---------------------------------------------------------------------
@dataclass(frozen=True)
class BallotEntry:
    """One row of a sheet as entered: a score or a vote level, a comment, and the version
    of the ballot it was read at (None for a unit not rated before)."""

    unit_id: int
    score: Decimal | str | int | float | None = None
    level: str = ""
    comment: str = ""
    version: int | None = None


def _score(value: Any) -> Decimal | None:
    """A score from 0 to 100 with at most two decimals; None when not a valid one."""
    if value is None or value == "":
        return None
    try:
        number = calc.as_decimal(value) if not isinstance(value, str) else Decimal(value.strip())
    except (InvalidOperation, TypeError, ValueError):
        return None
    if not number.is_finite() or number < calc.MIN_SCORE or number > calc.MAX_SCORE:
        return None
    if number != number.quantize(SCORE_STEP):
        return None
    return number.quantize(SCORE_STEP)


def _check_sheet_open(actor: Any, rater: LeaderRater) -> LeaderRatingRound:
    if actor is None or getattr(actor, "pk", None) != rater.user_id:
        raise _refuse()
    round = rater.round
    # Read the round's status under a row lock: a save never slips in beside a close
    # (PostgreSQL; SQLite serialises writers anyway).
    status = (
        LeaderRatingRound.objects.select_for_update()
        .filter(pk=round.pk)
        .values_list("status", flat=True)
        .first()
    )
    round.status = status or round.status
    submitted_at = (
        LeaderRater.objects.filter(pk=rater.pk).values_list("submitted_at", flat=True).first()
    )
    if submitted_at is not None:
        rater.submitted_at = submitted_at
    if round.status == LeaderRatingRound.Status.CLOSED:
        raise ApplicationError(_("The round is closed: ballots can no longer change."))
    if round.status != LeaderRatingRound.Status.OPEN:
        raise ApplicationError(_("The round is not open for rating."))
    if rater.is_submitted:
        raise ApplicationError(_("Your sheet is submitted: ballots can no longer change."))
    return round


@dataclass(frozen=True)
class _Clean:
    unit_id: int
    score: Decimal | None
    level: str
    comment: str
    version: int | None


def _clean_entries(
    round: LeaderRatingRound, rater: LeaderRater, entries: Sequence[BallotEntry]
) -> list[_Clean]:
    """Validate every row first; all errors together, keyed by unit id."""
    assigned = {u.pk: u for u in rater.units.all()}
    errors: dict[int, str] = {}
    clean: list[_Clean] = []
    for entry in entries:
        if entry.unit_id not in assigned:
            errors[entry.unit_id] = str(_("This unit is not on your sheet."))
            continue
        comment = (entry.comment or "").strip()
        if len(comment) > COMMENT_LIMIT:
            errors[entry.unit_id] = _("The comment is too long (at most %(n)d characters).") % {
                "n": COMMENT_LIMIT
            }
            continue
        score: Decimal | None = None
        level = (entry.level or "").strip()
        if round.is_vote:
            if entry.score not in (None, ""):
                errors[entry.unit_id] = str(_("This round is a vote: choose a level."))
                continue
            if level and level not in LeaderBallot.Level.values:
                errors[entry.unit_id] = str(_("Choose one of the four levels."))
                continue
        else:
            if level:
                errors[entry.unit_id] = str(_("This round takes scores, not votes."))
                continue
            score = _score(entry.score)
            if score is None and entry.score not in (None, ""):
                errors[entry.unit_id] = str(
                    _("A score is a number from 0 to 100 with at most two decimals.")
                )
                continue
        clean.append(_Clean(entry.unit_id, score, level, comment, entry.version))
    if errors:
        raise ApplicationError(
            _("Some ratings are not valid: please correct the rows marked."),
            extra={"errors": errors},
        )
    return clean


def _value(score: Decimal | None, level: str) -> str | None:
    return str(score) if score is not None else (level or None)


@transaction.atomic
def sheet_save(
    *, actor: Any, rater: LeaderRater, entries: Sequence[BallotEntry], submit: bool = False
) -> list[LeaderBallot]:
    """A leader saves rows of their own sheet (a blank row clears the unit's rating); with
    `submit`, the sheet is then submitted. Returns the ballots written.

    Every row is validated before anything is written; a row read at an older version than
    the stored ballot raises ConflictError (optimistic locking).
    """
    round = _check_sheet_open(actor, rater)
    clean = _clean_entries(round, rater, entries)
    existing = {b.unit_id: b for b in LeaderBallot.objects.filter(rater=rater)}
    units = {u.pk: u for u in rater.units.all()}
    written: list[LeaderBallot] = []
    changes: dict[str, Any] = {}
    now = timezone.now()
    for row in clean:
        ballot = existing.get(row.unit_id)
        if ballot is None:
            if row.score is None and not row.level and not row.comment:
                continue
            try:
                with transaction.atomic():
                    ballot = LeaderBallot.objects.create(
                        round=round,
                        rater=rater,
                        unit_id=row.unit_id,
                        score=row.score,
                        level=row.level,
                        comment=row.comment,
                    )
            except IntegrityError:  # saved meanwhile from another window
                raise _conflict() from None
        else:
            same = (ballot.score, ballot.level, ballot.comment) == (
                row.score,
                row.level,
                row.comment,
            )
            if same:
                continue
            version = row.version
            if version is None or version != ballot.row_version:
                raise _conflict()
            updated = LeaderBallot.objects.filter(
                pk=ballot.pk, row_version=version, submitted_at__isnull=True
            ).update(
                score=row.score,
                level=row.level,
                comment=row.comment,
                row_version=version + 1,
                updated_at=now,
            )
            if not updated:
                raise _conflict()
            ballot.score, ballot.level, ballot.comment = row.score, row.level, row.comment
            ballot.row_version = version + 1
        written.append(ballot)
        changes[units[row.unit_id].code] = _value(row.score, row.level)
    if written:
        audit_event(
            actor=actor,
            action="leader_sheet.save",
            obj=rater,
            after={"ballots": changes},
        )
    if submit:
        sheet_submit(actor=actor, rater=rater)
    return written


@transaction.atomic
def ballot_save(
    *,
    actor: Any,
    rater: LeaderRater,
    unit: Unit,
    score: Decimal | str | int | float | None = None,
    level: str = "",
    comment: str = "",
    expected_version: int | None = None,
) -> LeaderBallot:
    """A leader rates one unit of their own sheet (while the round is open and the sheet
    not submitted)."""
    if expected_version is None:  # no version read: take the stored one (no check)
        expected_version = (
            LeaderBallot.objects.filter(rater=rater, unit=unit)
            .values_list("row_version", flat=True)
            .first()
        )
    entry = BallotEntry(
        unit_id=unit.pk, score=score, level=level, comment=comment, version=expected_version
    )
    try:
        sheet_save(actor=actor, rater=rater, entries=[entry])
    except ApplicationError as exc:
        errors = exc.extra.get("errors")
        if errors and unit.pk in errors:
            raise ApplicationError(errors[unit.pk], extra=exc.extra) from None
        raise
    return LeaderBallot.objects.get(rater=rater, unit=unit)


@transaction.atomic
def sheet_submit(
    *, actor: Any, rater: LeaderRater, expected_version: int | None = None
) -> LeaderRater:
    """A leader submits their whole sheet: every assigned unit must be rated; the ballots
    are then locked."""
    _check_sheet_open(actor, rater)
    rated = set(
        LeaderBallot.objects.filter(rater=rater)
        .filter(Q(score__isnull=False) | ~Q(level=""))
        .values_list("unit_id", flat=True)
    )
    missing = [u for u in rater.units.all().order_by("path") if u.pk not in rated]
    if missing:
        raise ApplicationError(
            _("Rate every unit before submitting. Not rated yet: %(units)s")
            % {"units": "、".join(u.name for u in missing)},
            extra={"missing": [u.pk for u in missing]},
        )
    now = timezone.now()
    try:
        _bump(
            rater,
            expected_version=expected_version,
            where=Q(submitted_at__isnull=True),
            changes={"submitted_at": now},
        )
    except ConflictError:
        if LeaderRater.objects.filter(pk=rater.pk, submitted_at__isnull=False).exists():
            raise ApplicationError(_("Your sheet is submitted already.")) from None
        raise
    LeaderBallot.objects.filter(rater=rater).update(submitted_at=now)
    audit_event(
        actor=actor,
        action="leader_sheet.submit",
        obj=rater,
        after={"submitted_at": now.isoformat(), "units": len(rated)},
    )
    return rater
