"""Supervision (督查督办): alerts, notifications and e-mail, escalation, explanations, 回头看.

The daily sweep (`supervision_sweep`, run by tracking.jobs and `kaoping sweep`) reads the
engine's figures of every published plan of an open cycle and
- raises an alert for each item red at its latest period and for each overdue milestone,
  and tells the responsible person, the responsible leader and the unit's head (in the app,
  and by e-mail when they have an address); alerts are resolved when the item recovers;
- counts the periods an item has been red in a row and issues, or upgrades, a supervision
  notice (督办单) to the responsible leader: blue, then yellow, then red (thresholds from the
  plan's `status_rule.escalation_periods`, default 1, 2, 3);
- asks every unit behind 序时进度 (yellow or red) for a written explanation (说明情况) due
  `status_rule.explanation_days` working days later (default 5);
- reminds units of reports due within 3 working days and alerts on late reports and overdue
  explanations.

Everything is keyed so that a second run the same day changes nothing (Alert.dedupe_key,
Notification.dedupe_key, one notice and one explanation per item and period). Units answer
notices and submit explanations; the office accepts or returns explanations, closes notices
and, with the inspectors, records 回头看 re-checks.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from kaoping.core.periods import Period, PeriodError
from kaoping.org.models import Person, Role, RoleGrant, Unit, User
from kaoping.plans.models import Assignment, Cycle, Indicator, Plan
from kaoping.tracking import calculations as calc
from kaoping.tracking import selectors
from kaoping.tracking.models import (
    Alert,
    Explanation,
    Milestone,
    Notification,
    ProgressReport,
    Review,
    SupervisionNotice,
    Task,
    TrackingResult,
)
from kaoping.tracking.obligations import obligations
from kaoping.tracking.services.results import (
    escalation_thresholds,
    explanation_days,
    recompute_plan,
)
from kaoping.tracking.workdays import WorkCalendar

logger = logging.getLogger(__name__)

REMINDER_WORKING_DAYS = 3
LEVEL_RANK = {
    SupervisionNotice.Level.BLUE: 1,
    SupervisionNotice.Level.YELLOW: 2,
    SupervisionNotice.Level.RED: 3,
}
TEXT_LIMIT = 10_000


def page_url(name: str, *args: Any) -> str:
    """A page's path for a notification link, or "" where the page does not exist."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def clean_text(
    value: str | None, label: str, *, required: bool = True, limit: int = TEXT_LIMIT
) -> str:
    """Trimmed text of a form field; missing (when required) or over `limit` is refused."""
    text = (value or "").strip()
    if required and not text:
        raise ApplicationError(_("Please write the %(field)s.") % {"field": label})
    if len(text) > limit:
        raise ApplicationError(
            _("The %(field)s is too long (at most %(n)d characters).")
            % {"field": label, "n": limit}
        )
    return text


def _refuse() -> PermissionDeniedError:
    return PermissionDeniedError(_("You are not allowed to do this."))


# --- notifications and e-mail --------------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """One notification to write: to a user, once per dedupe key."""

    user: User
    title: str
    body: str
    url: str
    dedupe_key: str


def _send_mail(mails: list[tuple[str, str, str]]) -> None:
    """Send (subject, body, address) e-mails; a failing mail server is logged, not raised."""
    try:
        connection = get_connection()
        connection.send_messages(
            [
                EmailMessage(
                    subject=subject,
                    body=body,
                    to=[address],
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    connection=connection,
                )
                for subject, body, address in mails
            ]
        )
    except Exception:  # e-mail is a courtesy copy; the in-app notification stands
        logger.exception("Sending %d notification e-mails failed.", len(mails))


def _address(user: User) -> str:
    if user.email:
        return user.email
    person = user.person if user.person_id else None
    return person.email if person is not None else ""


def notify(messages: Iterable[Message]) -> list[Notification]:
    """Write in-app notifications (each user once per dedupe key) and, after the commit,
    e-mail the users who have an address. Returns the notifications created."""
    wanted: dict[tuple[int, str], Message] = {}
    for message in messages:
        if message.user.is_active:
            wanted.setdefault((message.user.pk, message.dedupe_key[:120]), message)
    if not wanted:
        return []
    keys = {key for _user, key in wanted}
    existing = set(
        Notification.objects.filter(
            user_id__in={u for u, _k in wanted}, dedupe_key__in=keys
        ).values_list("user_id", "dedupe_key")
    )
    new = [
        Notification(user=m.user, title=m.title[:200], body=m.body, url=m.url[:300], dedupe_key=key)
        for (user_id, key), m in wanted.items()
        if (user_id, key) not in existing
    ]
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    mails = [
        (n.title, f"{n.body}\n\n{n.url}".strip(), address)
        for n in new
        if (address := _address(n.user))
    ]
    if mails:
        transaction.on_commit(lambda: _send_mail(mails))
    return new


@transaction.atomic
def notification_mark_read(*, actor: Any, notification: Notification) -> Notification:
    """Mark one's own notification read (personal state: not audited)."""
    if actor is None or notification.user_id != actor.pk:
        raise _refuse()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: Any) -> int:
    """Mark all of one's unread notifications read; returns how many."""
    if actor is None or not actor.is_authenticated:
        raise _refuse()
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- who hears about what ----------------------------------------------------------------------
class Directory:
    """User accounts to notify, loaded in bulk: persons' accounts, unit heads, reporters,
    the office above a unit, and each unit's head (a Person) for notices."""

    def __init__(self, unit_ids: Iterable[int], person_ids: Iterable[int] = ()) -> None:
        self.unit_ids = set(unit_ids)
        self.by_person: dict[int, User] = {}
        self.heads: dict[int, list[User]] = defaultdict(list)
        self.reporters: dict[int, list[User]] = defaultdict(list)
        self.head_person: dict[int, Person] = {}
        self.load_persons(person_ids)
        grants = RoleGrant.objects.filter(
            unit_id__in=self.unit_ids,
            role__in=[Role.UNIT_HEAD, Role.REPORTER],
            user__is_active=True,
        ).select_related("user", "user__person")
        for grant in grants:
            assert grant.unit_id is not None
            (self.heads if grant.role == Role.UNIT_HEAD else self.reporters)[grant.unit_id].append(
                grant.user
            )
        for person in Person.objects.filter(
            unit_id__in=self.unit_ids, is_active=True, position=Person.Position.HEAD
        ).order_by("name"):
            self.head_person.setdefault(person.unit_id, person)

    def load_persons(self, person_ids: Iterable[int]) -> None:
        missing = {pk for pk in person_ids if pk and pk not in self.by_person}
        if missing:
            for user in User.objects.filter(person_id__in=missing, is_active=True).select_related(
                "person"
            ):
                assert user.person_id is not None
                self.by_person[user.person_id] = user

    def persons(self, *person_ids: int | None) -> list[User]:
        return [self.by_person[pk] for pk in person_ids if pk in self.by_person]

    def unit_heads(self, unit_id: int) -> list[User]:
        return list(self.heads.get(unit_id, []))

    def unit_staff(self, unit_id: int) -> list[User]:
        return self.unit_heads(unit_id) + list(self.reporters.get(unit_id, []))


def office_users(unit: Unit) -> list[User]:
    """The office accounts whose scope holds the unit (anchored at it or above it)."""
    paths = [unit.path[:end] for end in range(Unit.steplen, len(unit.path) + 1, Unit.steplen)]
    return [
        grant.user
        for grant in RoleGrant.objects.filter(
            role=Role.OFFICE, unit__path__in=paths, user__is_active=True
        ).select_related("user", "user__person")
    ]


def _messages(users: Iterable[User], title: str, body: str, url: str, key: str) -> list[Message]:
    return [Message(user, title, body, url, key) for user in users]


# --- alerts ---------------------------------------------------------------------------------
def alert_key(
    kind: str,
    unit_id: int,
    indicator_id: int | None = None,
    milestone_id: int | None = None,
    period: str = "",
) -> str:
    """kind:unit:indicator:milestone:period — one alert each."""
    return f"{kind}:{unit_id}:{indicator_id or ''}:{milestone_id or ''}:{period}"


@dataclass
class AlertDraft:
    kind: str
    unit_id: int
    message: str
    indicator_id: int | None = None
    milestone_id: int | None = None
    period: str = ""
    recipients: list[User] = field(default_factory=list)
    url: str = ""

    @property
    def key(self) -> str:
        return alert_key(self.kind, self.unit_id, self.indicator_id, self.milestone_id, self.period)


def raise_alerts(drafts: Sequence[AlertDraft]) -> tuple[int, int]:
    """Create the alerts not raised before (a resolved one that recurs is reopened) and
    notify their recipients. Returns (alerts created or reopened, notifications)."""
    if not drafts:
        return 0, 0
    by_key = {d.key: d for d in drafts}
    known = {a.dedupe_key: a for a in Alert.objects.filter(dedupe_key__in=list(by_key))}
    reopen = [a.pk for key, a in known.items() if a.resolved_at is not None]
    if reopen:
        Alert.objects.filter(pk__in=reopen).update(resolved_at=None)
    new = [d for key, d in by_key.items() if key not in known]
    Alert.objects.bulk_create(
        [
            Alert(
                kind=d.kind,
                unit_id=d.unit_id,
                indicator_id=d.indicator_id,
                milestone_id=d.milestone_id,
                period=d.period,
                message=d.message,
                dedupe_key=d.key,
            )
            for d in new
        ],
        ignore_conflicts=True,
    )
    sent = notify(
        m
        for d in drafts
        for m in _messages(
            d.recipients,
            _("Alert: %(kind)s") % {"kind": Alert.Kind(d.kind).label},
            d.message,
            d.url,
            d.key,
        )
    )
    return len(new) + len(reopen), len(sent)


def resolve_alerts(
    *, kind: str, keep: set[str], plan: Plan, pairs: set[tuple[int, int]] | None = None
) -> int:
    """Resolve open alerts of a kind on a plan's indicators whose condition is gone;
    `pairs` (indicator id, unit id) limits it to the items looked at."""
    qs = Alert.objects.filter(kind=kind, resolved_at__isnull=True, indicator__plan=plan)
    if pairs is not None:
        qs = qs.filter(unit_id__in={u for _i, u in pairs}, indicator_id__in={i for i, _u in pairs})
    gone = [
        pk
        for pk, key, indicator_id, unit_id in qs.values_list(
            "pk", "dedupe_key", "indicator_id", "unit_id"
        )
        if key not in keep and (pairs is None or (indicator_id, unit_id) in pairs)
    ]
    if gone:
        Alert.objects.filter(pk__in=gone).update(resolved_at=timezone.now())
    return len(gone)


# --- the sweep -------------------------------------------------------------------------------
@dataclass
class SweepSummary:
    """What a sweep did, for the command line and the audit trail."""

    plans: int = 0
    results: int = 0
    alerts: int = 0
    resolved: int = 0
    notices: int = 0
    explanations: int = 0
    reminders: int = 0
    notifications: int = 0

    def add(self, other: SweepSummary) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Item:
    """One indicator × unit with its figures in period order (ended periods only)."""

    indicator: Indicator
    unit: Unit
    assignment: Assignment | None
    rows: list[TrackingResult]

    @property
    def latest(self) -> TrackingResult | None:
        """The latest period with a comparable figure."""
        for row in reversed(self.rows):
            if row.status != calc.Status.NOT_COMPARABLE:
                return row
        return None

    def statuses_until(self, row: TrackingResult) -> list[calc.Status]:
        out = []
        for each in self.rows:
            out.append(calc.Status(each.status))
            if each is row:
                break
        return out


def _period_end(text: str) -> date | None:
    try:
        return Period.parse(text).end
    except PeriodError:
        return None


def _items(
    plan: Plan, today: date, unit_ids: set[int] | None = None, indicator_ids: set[int] | None = None
) -> list[_Item]:
    """The plan's obligations with their stored figures of periods ended before today."""
    owed = {(o.indicator.pk, o.unit.pk): o for o in obligations(plan)}
    rows: dict[tuple[int, int], list[tuple[date, TrackingResult]]] = defaultdict(list)
    qs = TrackingResult.objects.filter(indicator__plan=plan)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if indicator_ids is not None:
        qs = qs.filter(indicator_id__in=indicator_ids)
    for row in qs:
        end = _period_end(row.period)
        key = (row.indicator_id, row.unit_id)
        if end is not None and end < today and key in owed:
            rows[key].append((end, row))
    items = []
    for key, found in rows.items():
        found.sort(key=lambda pair: pair[0])
        ob = owed[key]
        items.append(_Item(ob.indicator, ob.unit, ob.assignment, [r for _e, r in found]))
    items.sort(key=lambda i: (i.indicator.order, i.indicator.code, i.unit.path))
    return items


def _item_people(item: _Item) -> tuple[int | None, int | None]:
    a = item.assignment
    return (a.responsible_person_id, a.responsible_leader_id) if a else (None, None)


def _red_alerts(plan: Plan, items: Sequence[_Item], people: Directory) -> tuple[int, int, int]:
    """Alerts for items red at their latest period; resolve those no longer red."""
    drafts: list[AlertDraft] = []
    for item in items:
        latest = item.latest
        if latest is None or latest.status != calc.Status.RED:
            continue
        person_id, leader_id = _item_people(item)
        gap = f"{latest.gap:.1f}" if latest.gap is not None else "—"
        drafts.append(
            AlertDraft(
                kind=Alert.Kind.RED_STATUS,
                unit_id=item.unit.pk,
                indicator_id=item.indicator.pk,
                period=latest.period,
                message=_(
                    "%(unit)s is far behind expected progress on “%(indicator)s” in "
                    "%(period)s (gap %(gap)s pp)."
                )
                % {
                    "unit": item.unit.name,
                    "indicator": item.indicator.name,
                    "period": Period.parse(latest.period).label(),
                    "gap": gap,
                },
                recipients=people.persons(person_id, leader_id) + people.unit_heads(item.unit.pk),
                url=page_url("tracking:dashboard_indicator", item.indicator.pk),
            )
        )
    created, sent = raise_alerts(drafts)
    resolved = resolve_alerts(
        kind=Alert.Kind.RED_STATUS,
        keep={d.key for d in drafts},
        plan=plan,
        pairs={(i.indicator.pk, i.unit.pk) for i in items},
    )
    return created, sent, resolved


def _escalate(plan: Plan, items: Sequence[_Item], people: Directory, actor: Any) -> tuple[int, int]:
    """Issue or upgrade the supervision notice of each item red for consecutive periods."""
    thresholds = escalation_thresholds(plan)
    wanted: dict[tuple[int, int, str], tuple[_Item, str, int]] = {}
    for item in items:
        latest = item.latest
        if latest is None or latest.status != calc.Status.RED:
            continue
        streak = calc.consecutive_red(item.statuses_until(latest))
        level = calc.escalation_level(streak, thresholds)
        if level is not None:
            wanted[(item.indicator.pk, item.unit.pk, latest.period)] = (item, level, streak)
    if not wanted:
        return 0, 0
    existing = {
        (n.indicator_id, n.unit_id, n.period): n
        for n in SupervisionNotice.objects.filter(
            indicator__plan=plan,
            unit_id__in={k[1] for k in wanted},
            period__in={k[2] for k in wanted},
        )
    }
    changed, messages = 0, []
    for key, (item, level, streak) in wanted.items():
        notice = existing.get(key)
        _person_id, leader_id = _item_people(item)
        addressed = leader_id or getattr(people.head_person.get(item.unit.pk), "pk", None)
        if notice is None:
            notice = SupervisionNotice.objects.create(
                indicator=item.indicator,
                unit=item.unit,
                period=key[2],
                level=level,
                consecutive_red=streak,
                addressed_to_id=addressed,
            )
            audit_event(
                actor=actor,
                action="notice.issue",
                obj=notice,
                after={"level": level, "consecutive_red": streak, "period": key[2]},
            )
        elif (
            notice.status != SupervisionNotice.Status.CLOSED
            and LEVEL_RANK[SupervisionNotice.Level(level)]
            > LEVEL_RANK[SupervisionNotice.Level(notice.level)]
        ):
            before = {"level": notice.level, "consecutive_red": notice.consecutive_red}
            SupervisionNotice.objects.filter(pk=notice.pk).update(
                level=level,
                consecutive_red=streak,
                updated_at=timezone.now(),
                row_version=models.F("row_version") + 1,
            )
            notice.level, notice.consecutive_red = level, streak
            audit_event(
                actor=actor,
                action="notice.upgrade",
                obj=notice,
                before=before,
                after={"level": level, "consecutive_red": streak},
            )
        else:
            continue
        changed += 1
        people.load_persons([addressed] if addressed else [])
        title = _("%(level)s: %(indicator)s") % {
            "level": notice.get_level_display(),
            "indicator": item.indicator.name,
        }
        body = _(
            "“%(indicator)s” of %(unit)s has been far behind expected progress for "
            "%(n)d periods in a row (up to %(period)s). Please answer the supervision "
            "notice."
        ) % {
            "indicator": item.indicator.name,
            "unit": item.unit.name,
            "n": streak,
            "period": Period.parse(key[2]).label(),
        }
        recipients = people.persons(addressed) + people.unit_heads(item.unit.pk)
        messages += _messages(
            recipients,
            title,
            body,
            page_url("tracking:notice_detail", notice.pk),
            f"notice:{notice.pk}:{level}",
        )
    return changed, len(notify(messages))


def _request_explanations(
    plan: Plan,
    items: Sequence[_Item],
    people: Directory,
    calendar: WorkCalendar,
    today: date,
    actor: Any,
) -> tuple[int, int]:
    """Ask every unit behind expected progress at its latest period for an explanation."""
    lagging = {}
    for item in items:
        latest = item.latest
        if latest is not None and latest.status in (calc.Status.YELLOW, calc.Status.RED):
            lagging[(item.indicator.pk, item.unit.pk, latest.period)] = item
    if not lagging:
        return 0, 0
    existing = set(
        Explanation.objects.filter(
            indicator__plan=plan,
            unit_id__in={k[1] for k in lagging},
            period__in={k[2] for k in lagging},
        ).values_list("indicator_id", "unit_id", "period")
    )
    due = calendar.shift(today, explanation_days(plan))
    created, messages = 0, []
    for key, item in lagging.items():
        if key in existing:
            continue
        explanation = Explanation.objects.create(
            indicator=item.indicator, unit=item.unit, period=key[2], due=due
        )
        audit_event(
            actor=actor,
            action="explanation.request",
            obj=explanation,
            after={"period": key[2], "due": due.isoformat()},
        )
        created += 1
        title = _("Explanation requested: %(indicator)s") % {"indicator": item.indicator.name}
        body = _(
            "%(unit)s is behind expected progress on “%(indicator)s” in %(period)s. "
            "Please explain the reasons and the measures to catch up by %(due)s."
        ) % {
            "unit": item.unit.name,
            "indicator": item.indicator.name,
            "period": Period.parse(key[2]).label(),
            "due": due.isoformat(),
        }
        messages += _messages(
            people.unit_staff(item.unit.pk),
            title,
            body,
            page_url("tracking:explanation_detail", explanation.pk),
            f"explanation:{explanation.pk}:requested",
        )
    return created, len(notify(messages))


def _milestone_alerts(plan: Plan, today: date) -> tuple[int, int, int]:
    """Alerts for milestones past due and not done (tasks not done or cancelled)."""
    overdue = list(
        Milestone.objects.filter(
            task__assignment__indicator__plan=plan,
            done_on__isnull=True,
            due__lt=today,
            task__status__in=[Task.Status.NOT_STARTED, Task.Status.IN_PROGRESS],
        ).select_related("task", "task__unit", "task__assignment", "task__assignment__indicator")
    )
    people = Directory(
        {m.task.unit_id for m in overdue},
        [
            pk
            for m in overdue
            for pk in (
                m.task.owner_id,
                m.task.assignment.responsible_person_id,
                m.task.assignment.responsible_leader_id,
            )
            if pk
        ],
    )
    drafts = []
    for m in overdue:
        task, assignment = m.task, m.task.assignment
        drafts.append(
            AlertDraft(
                kind=Alert.Kind.OVERDUE_MILESTONE,
                unit_id=task.unit_id,
                indicator_id=assignment.indicator_id,
                milestone_id=m.pk,
                message=_(
                    "Milestone “%(milestone)s” of “%(task)s” (%(unit)s) was due on %(due)s "
                    "and is not done."
                )
                % {
                    "milestone": m.name,
                    "task": task.name,
                    "unit": task.unit.name,
                    "due": m.due.isoformat(),
                },
                recipients=people.persons(
                    task.owner_id,
                    assignment.responsible_person_id,
                    assignment.responsible_leader_id,
                )
                + people.unit_heads(task.unit_id),
                url=page_url("tracking:task_detail", task.pk),
            )
        )
    created, sent = raise_alerts(drafts)
    resolved = resolve_alerts(
        kind=Alert.Kind.OVERDUE_MILESTONE, keep={d.key for d in drafts}, plan=plan
    )
    return created, sent, resolved


def _report_reminders(plan: Plan, calendar: WorkCalendar, today: date) -> tuple[int, int, int]:
    """Remind units of reports due within 3 working days; alert on late ones."""
    horizon = calendar.shift(today, REMINDER_WORKING_DAYS)
    open_reports = list(
        ProgressReport.objects.filter(
            indicator__plan=plan,
            is_current=True,
            deadline__isnull=False,
            deadline__lte=horizon,
            status__in=[ProgressReport.Status.DRAFT, ProgressReport.Status.RETURNED],
        ).select_related("indicator", "unit")
    )
    people = Directory({r.unit_id for r in open_reports})
    reminders: list[Message] = []
    late: list[AlertDraft] = []
    for report in open_reports:
        assert report.deadline is not None
        period = Period.parse(report.period).label()
        url = page_url("tracking:report_detail", report.pk)
        if report.deadline >= today:
            title = _("Report due on %(day)s: %(indicator)s") % {
                "day": report.deadline.isoformat(),
                "indicator": report.indicator.name,
            }
            body = _(
                "The %(period)s progress report of %(unit)s on “%(indicator)s” is due on %(day)s."
            ) % {
                "period": period,
                "unit": report.unit.name,
                "indicator": report.indicator.name,
                "day": report.deadline.isoformat(),
            }
            reminders += _messages(
                people.unit_staff(report.unit_id),
                title,
                body,
                url,
                f"report_due:{report.pk}:{report.deadline.isoformat()}",
            )
        else:
            late.append(
                AlertDraft(
                    kind=Alert.Kind.LATE_REPORT,
                    unit_id=report.unit_id,
                    indicator_id=report.indicator_id,
                    period=report.period,
                    message=_(
                        "The %(period)s progress report of %(unit)s on “%(indicator)s” was "
                        "due on %(day)s and has not been submitted."
                    )
                    % {
                        "period": period,
                        "unit": report.unit.name,
                        "indicator": report.indicator.name,
                        "day": report.deadline.isoformat(),
                    },
                    recipients=people.unit_staff(report.unit_id),
                    url=url,
                )
            )
    sent = notify(reminders)
    created, late_sent = raise_alerts(late)
    return len(sent), created, late_sent


def _explanation_alerts(plan: Plan, today: date) -> tuple[int, int]:
    """Alerts for explanations past due and not submitted."""
    overdue = list(
        Explanation.objects.filter(
            indicator__plan=plan,
            due__lt=today,
            status__in=[Explanation.Status.REQUESTED, Explanation.Status.RETURNED],
        ).select_related("indicator", "unit")
    )
    people = Directory({e.unit_id for e in overdue})
    drafts = [
        AlertDraft(
            kind=Alert.Kind.EXPLANATION_DUE,
            unit_id=e.unit_id,
            indicator_id=e.indicator_id,
            period=e.period,
            message=_(
                "%(unit)s has not explained its lag on “%(indicator)s” (%(period)s), "
                "due on %(due)s."
            )
            % {
                "unit": e.unit.name,
                "indicator": e.indicator.name,
                "period": Period.parse(e.period).label(),
                "due": e.due.isoformat(),
            },
            recipients=people.unit_staff(e.unit_id),
            url=page_url("tracking:explanation_detail", e.pk),
        )
        for e in overdue
    ]
    return raise_alerts(drafts)


def supervise_plan(
    *,
    plan: Plan,
    today: date,
    actor: Any = None,
    calendar: WorkCalendar | None = None,
    recompute: bool = True,
    unit_ids: set[int] | None = None,
    indicator_ids: set[int] | None = None,
) -> SweepSummary:
    """One plan's sweep (see the module doc); `unit_ids`/`indicator_ids` narrow the
    figure-based steps to some items (after an approval)."""
    from kaoping.tracking.task_selectors import work_calendar

    calendar = calendar or work_calendar()
    summary = SweepSummary(plans=1)
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        if recompute:
            summary.results = recompute_plan(plan=plan, today=today)
        items = _items(plan, today, unit_ids, indicator_ids)
        people = Directory(
            {i.unit.pk for i in items}, [pk for i in items for pk in _item_people(i) if pk]
        )
        created, sent, resolved = _red_alerts(plan, items, people)
        summary.alerts += created
        summary.notifications += sent
        summary.resolved += resolved
        summary.notices, sent = _escalate(plan, items, people, actor)
        summary.notifications += sent
        summary.explanations, sent = _request_explanations(
            plan, items, people, calendar, today, actor
        )
        summary.notifications += sent
        if unit_ids is None and indicator_ids is None:
            created, sent, resolved = _milestone_alerts(plan, today)
            summary.alerts += created
            summary.notifications += sent
            summary.resolved += resolved
            summary.reminders, created, sent = _report_reminders(plan, calendar, today)
            summary.notifications += summary.reminders + sent
            summary.alerts += created
            created, sent = _explanation_alerts(plan, today)
            summary.alerts += created
            summary.notifications += sent
    return summary


def sweep_plans(*, today: date) -> list[Plan]:
    """The plans a sweep looks at: published, of an open cycle that has begun."""
    return list(
        Plan.objects.filter(
            status=Plan.Status.PUBLISHED,
            cycle__status=Cycle.Status.OPEN,
            cycle__year__lte=today.year,
        )
        .select_related("cycle", "owner")
        .order_by("cycle__year", "code")
    )


def supervision_sweep(*, today: date | None = None, actor: Any = None) -> SweepSummary:
    """The daily sweep over every plan (each plan in its own transaction); idempotent."""
    from kaoping.tracking.task_selectors import work_calendar

    today = today or timezone.localdate()
    calendar = work_calendar()
    total = SweepSummary()
    for plan in sweep_plans(today=today):
        total.add(supervise_plan(plan=plan, today=today, actor=actor, calendar=calendar))
    audit_event(
        actor=actor,
        action="supervision.sweep",
        object_type="tracking.sweep",
        object_id=today.isoformat(),
        object_repr=today.isoformat(),
        after=total.as_dict(),
    )
    return total


# --- supervision notices -------------------------------------------------------------------------
def _transition(
    model: type[SupervisionNotice] | type[Explanation],
    instance: Any,
    *,
    expected_version: int | None,
    from_statuses: Sequence[str],
    changes: dict[str, Any],
) -> None:
    """UPDATE … WHERE status is still one of `from_statuses` and the version is unchanged:
    a concurrent decision raises ConflictError (SQLite has no row locks)."""
    version = instance.row_version if expected_version is None else expected_version
    updated = model.objects.filter(
        pk=instance.pk, row_version=version, status__in=list(from_statuses)
    ).update(row_version=version + 1, updated_at=timezone.now(), **changes)
    if not updated:
        raise ConflictError(_("Someone else changed this meanwhile. Reload and try again."))
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.row_version = version + 1


@transaction.atomic
def notice_answer(
    *, actor: Any, notice: SupervisionNotice, response: str, expected_version: int | None = None
) -> SupervisionNotice:
    """The unit head answers a supervision notice: what was done to catch up."""
    if notice.status != SupervisionNotice.Status.OPEN:
        raise ApplicationError(_("Only an open notice can be answered."))
    if not selectors.can_answer_notice(actor, notice):
        raise _refuse()
    text = clean_text(response, _("response"))
    _transition(
        SupervisionNotice,
        notice,
        expected_version=expected_version,
        from_statuses=[SupervisionNotice.Status.OPEN],
        changes={"status": SupervisionNotice.Status.ANSWERED, "response": text},
    )
    audit_event(
        actor=actor,
        action="notice.answer",
        obj=notice,
        before={"status": "open"},
        after={"status": notice.status, "response": text},
    )
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            _messages(
                office_users(notice.unit),
                _("Notice answered: %(indicator)s") % {"indicator": notice.indicator.name},
                _("%(unit)s answered the supervision notice.") % {"unit": notice.unit.name},
                page_url("tracking:notice_detail", notice.pk),
                f"notice:{notice.pk}:answered:{notice.row_version}",
            )
        )
    return notice


@transaction.atomic
def notice_close(
    *, actor: Any, notice: SupervisionNotice, reason: str = "", expected_version: int | None = None
) -> SupervisionNotice:
    """The office closes a notice (answered, or settled otherwise — then with a reason)."""
    if notice.status == SupervisionNotice.Status.CLOSED:
        raise ApplicationError(_("This notice is closed already."))
    if not selectors.can_close_notice(actor, notice):
        raise _refuse()
    reason = clean_text(
        reason, _("reason"), required=notice.status == SupervisionNotice.Status.OPEN
    )
    before = notice.status
    _transition(
        SupervisionNotice,
        notice,
        expected_version=expected_version,
        from_statuses=[SupervisionNotice.Status.OPEN, SupervisionNotice.Status.ANSWERED],
        changes={"status": SupervisionNotice.Status.CLOSED},
    )
    audit_event(
        actor=actor,
        action="notice.close",
        obj=notice,
        reason=reason,
        before={"status": before},
        after={"status": notice.status},
    )
    return notice


# --- explanations ---------------------------------------------------------------------
@transaction.atomic
def explanation_submit(
    *,
    actor: Any,
    explanation: Explanation,
    text: str,
    measures: str = "",
    expected_version: int | None = None,
) -> Explanation:
    """The unit (its head or a reporter) writes its explanation and catch-up measures."""
    waiting = (Explanation.Status.REQUESTED, Explanation.Status.RETURNED)
    if explanation.status not in waiting:
        raise ApplicationError(_("This explanation is not waiting to be written."))
    if not selectors.can_submit_explanation(actor, explanation):
        raise _refuse()
    body = clean_text(text, _("explanation"))
    plan_text = clean_text(measures, _("measures to catch up"), required=False)
    before = explanation.status
    _transition(
        Explanation,
        explanation,
        expected_version=expected_version,
        from_statuses=waiting,
        changes={
            "status": Explanation.Status.SUBMITTED,
            "text": body,
            "measures": plan_text,
            "submitted_by": actor,
            "submitted_at": timezone.now(),
        },
    )
    audit_event(
        actor=actor,
        action="explanation.submit",
        obj=explanation,
        before={"status": before},
        after={"status": explanation.status, "text": body, "measures": plan_text},
    )
    Alert.objects.filter(
        dedupe_key=alert_key(
            Alert.Kind.EXPLANATION_DUE,
            explanation.unit_id,
            explanation.indicator_id,
            None,
            explanation.period,
        ),
        resolved_at__isnull=True,
    ).update(resolved_at=timezone.now())
    with translation.override(settings.LANGUAGE_CODE):
        notify(
            _messages(
                office_users(explanation.unit),
                _("Explanation submitted: %(indicator)s")
                % {"indicator": explanation.indicator.name},
                _("%(unit)s submitted its explanation for %(period)s.")
                % {
                    "unit": explanation.unit.name,
                    "period": Period.parse(explanation.period).label(),
                },
                page_url("tracking:explanation_detail", explanation.pk),
                f"explanation:{explanation.pk}:submitted:{explanation.row_version}",
            )
        )
    return explanation


def _explanation_review(
    actor: Any, explanation: Explanation, status: str, note: str, expected_version: int | None
) -> Explanation:
    if explanation.status != Explanation.Status.SUBMITTED:
        raise ApplicationError(_("Only a submitted explanation can be accepted or returned."))
    if not selectors.can_review_explanation(actor, explanation):
        raise _refuse()
    returning = status == Explanation.Status.RETURNED
    text = clean_text(note, _("review note"), required=returning)
    changes: dict[str, Any] = {"status": status, "review_note": text, "reviewed_by": actor}
    if returning:
        from kaoping.tracking.task_selectors import work_calendar

        due = work_calendar().shift(
            timezone.localdate(), explanation_days(explanation.indicator.plan)
        )
        changes["due"] = max(due, explanation.due)
    _transition(
        Explanation,
        explanation,
        expected_version=expected_version,
        from_statuses=[Explanation.Status.SUBMITTED],
        changes=changes,
    )
    audit_event(
        actor=actor,
        action="explanation.return" if returning else "explanation.accept",
        obj=explanation,
        reason=text,
        before={"status": "submitted"},
        after={"status": status, "review_note": text},
    )
    with translation.override(settings.LANGUAGE_CODE):
        people = Directory([explanation.unit_id])
        title = (
            _("Explanation returned: %(indicator)s")
            if returning
            else _("Explanation accepted: %(indicator)s")
        ) % {"indicator": explanation.indicator.name}
        notify(
            _messages(
                people.unit_staff(explanation.unit_id),
                title,
                text,
                page_url("tracking:explanation_detail", explanation.pk),
                f"explanation:{explanation.pk}:{status}:{explanation.row_version}",
            )
        )
    return explanation


@transaction.atomic
def explanation_accept(
    *, actor: Any, explanation: Explanation, note: str = "", expected_version: int | None = None
) -> Explanation:
    """The office accepts a submitted explanation."""
    return _explanation_review(
        actor, explanation, Explanation.Status.ACCEPTED, note, expected_version
    )


@transaction.atomic
def explanation_return(
    *, actor: Any, explanation: Explanation, note: str, expected_version: int | None = None
) -> Explanation:
    """The office returns a submitted explanation with a note saying what is missing; the
    unit has the plan's explanation time again to resubmit."""
    return _explanation_review(
        actor, explanation, Explanation.Status.RETURNED, note, expected_version
    )


# --- 回头看 ------------------------------------------------------------------------------
@transaction.atomic
def review_record(
    *,
    actor: Any,
    unit: Unit,
    reviewed_on: date,
    findings: str,
    result: str,
    notice: SupervisionNotice | None = None,
    explanation: Explanation | None = None,
) -> Review:
    """Record a 回头看 re-check: what was re-checked at a unit, what was found, the result."""
    if not selectors.can_record_review(actor, unit.pk):
        raise _refuse()
    if result not in Review.Result.values:
        raise ApplicationError(_("Choose a result of the re-check."))
    if reviewed_on > timezone.localdate():
        raise ApplicationError(_("A re-check cannot be dated in the future."))
    for subject in (notice, explanation):
        if subject is not None and subject.unit_id != unit.pk:
            raise ApplicationError(_("The notice or explanation re-checked must be the unit's."))
    review = Review.objects.create(
        unit=unit,
        notice=notice,
        explanation=explanation,
        reviewed_on=reviewed_on,
        reviewer=actor if getattr(actor, "pk", None) else None,
        findings=clean_text(findings, _("findings")),
        result=result,
    )
    audit_event(
        actor=actor,
        action="review.record",
        obj=review,
        object_repr=str(unit),
        after={
            "unit": unit.code,
            "reviewed_on": reviewed_on.isoformat(),
            "result": result,
            "notice": notice.pk if notice else None,
            "explanation": explanation.pk if explanation else None,
            "findings": review.findings,
        },
    )
    return review
