"""Load the demo county 示范县 (`kaoping loaddemo`), idempotently.

Every row is looked up by its natural key first (region and unit codes; unit + name + title
for persons; user names; cycle + owner + code for plans; plan + code for indicators) and
only what is missing is written, through the org and plans services (actor None: the system
itself), so a second run writes nothing and records no second set of audit events. A plan
that already exists and is no longer a draft is left exactly as it is. The progress data of
2021 and 2022 (kaoping.demo.progress) comes next, then the 2022 inspections, leader
ratings, public-appraisal surveys and scoring runs built on them (kaoping.demo.inspections,
.leader_ratings, .surveys, .scoring). Everything runs in one transaction: a failure leaves
the database as it was.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kaoping.audit.services import audit_event
from kaoping.demo import data
from kaoping.demo.bulletins import load_bulletins
from kaoping.demo.inspections import load_inspections
from kaoping.demo.leader_ratings import load_leader_ratings
from kaoping.demo.progress import ProgressSummary, load_progress
from kaoping.demo.scoring import load_scoring
from kaoping.demo.surveys import load_surveys
from kaoping.org import services as org_services
from kaoping.org.middleware import password_change_due
from kaoping.org.models import Person, Region, RoleGrant, Unit, User
from kaoping.plans import services as plan_services
from kaoping.plans.models import Assignment, Cycle, Indicator, IndicatorTarget, Plan, UnitGroup

COUNT_LABELS: dict[str, Promise] = {
    "regions": _("Regions"),
    "towns": _("Towns"),
    "departments": _("Departments"),
    "persons": _("Persons"),
    "accounts": _("Demo accounts"),
    "cycles": _("Cycles"),
    "plans": _("Plans"),
    "indicators": _("Indicators"),
    "assignments": _("Assignments"),
    "unit_targets": _("Unit targets"),
}


@dataclass(frozen=True)
class DemoLogin:
    """One demo login for the printed table."""

    username: str
    password: str
    role: str
    role_zh: str
    unit: str
    sees: str | Promise


@dataclass
class DemoSummary:
    """What the demo county holds after loading, and what this run added."""

    counts: dict[str, int] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    kept_plans: list[str] = field(default_factory=list)
    logins: list[DemoLogin] = field(default_factory=list)
    seconds: float = 0.0
    progress: ProgressSummary | None = None
    # Rows each later part of the demo added this run: inspections, leader ratings, scoring.
    parts: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def created_total(self) -> int:
        return (
            sum(self.created.values())
            + (self.progress.created_total if self.progress else 0)
            + sum(sum(part.values()) for part in self.parts.values())
        )


def load_demo(*, password: str | None = None) -> DemoSummary:
    """Create whatever of the demo county is missing and return a summary with the logins."""
    started = time.perf_counter()
    loader = _Loader(password or settings.KAOPING_DEMO_PASSWORD)
    with transaction.atomic():
        loader.run()
        progress = load_progress()
        # Inspections, leader ratings and the public-appraisal surveys feed the scoring runs,
        # so they come first.
        parts = {
            "inspections": load_inspections(),
            "leader_ratings": load_leader_ratings(),
            "surveys": load_surveys(password=loader.password),
            "scoring": load_scoring(),
            "bulletins": load_bulletins(),
        }
    summary = loader.summary()
    summary.progress = progress
    summary.parts = parts
    summary.seconds = time.perf_counter() - started
    return summary


def _json_number(value: str) -> int | float:
    """A JSON number for a plan setting written as a decimal string in the data."""
    number = Decimal(value)
    return int(number) if number == number.to_integral_value() else float(number)


class _Loader:
    """One run of the loader: the natural-key lookups it builds and the rows it creates."""

    def __init__(self, password: str) -> None:
        self.password = password
        self.created: dict[str, int] = dict.fromkeys(COUNT_LABELS, 0)
        self.kept_plans: list[str] = []
        self.regions: dict[str, Region] = {}
        self.units: dict[str, Unit] = {}
        self.people: dict[tuple[str, str], Person] = {}

    def run(self) -> None:
        self.load_regions()
        self.load_units()
        self.load_people()
        self.load_accounts()
        for year in data.YEARS:
            cycle = Cycle.objects.filter(year=year).first()
            if cycle is None:
                cycle = plan_services.cycle_get_or_create(actor=None, year=year, name=f"{year}年度")
                self.created["cycles"] += 1
            for spec in data.plans_for(year):
                self.load_plan(cycle, spec)

    # --- organisation ----------------------------------------------------------------------
    def load_regions(self) -> None:
        codes = [spec.code for spec in data.REGIONS]
        self.regions = {r.code: r for r in Region.objects.filter(code__in=codes)}
        for spec in data.REGIONS:  # parents come first
            if spec.code in self.regions:
                continue
            self.regions[spec.code] = org_services.region_upsert(
                actor=None,
                code=spec.code,
                name=spec.name,
                level=spec.level,
                parent=self.regions[spec.parent] if spec.parent else None,
                population=spec.population,
            )
            self.created["regions"] += 1

    def load_units(self) -> None:
        codes = [data.COUNTY] + [d.code for d in data.DEPARTMENTS] + [t.code for t in data.TOWNS]
        self.units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
        if data.COUNTY not in self.units:
            county = data.COUNTY_UNIT
            self.units[data.COUNTY] = org_services.unit_create(
                actor=None,
                code=county["code"],
                name=county["name"],
                kind=Unit.Kind.COUNTY,
                short_name=county["short_name"],
                region=self.regions[county["region"]],
            )
        children: list[tuple[str, dict[str, Any]]] = [
            (
                d.parent,
                {
                    "code": d.code,
                    "name": d.name,
                    "short_name": d.short_name,
                    "kind": Unit.Kind.DEPARTMENT,
                    "region": self.regions["990123"],
                },
            )
            for d in data.DEPARTMENTS
        ] + [
            (
                data.COUNTY,
                {
                    "code": t.code,
                    "name": t.name,
                    "short_name": t.name,
                    "kind": Unit.Kind.TOWN,
                    "region": self.regions[t.region],
                },
            )
            for t in data.TOWNS
        ]
        # Parents before children, siblings in code order: treebeard then appends each node
        # at the end of its siblings instead of shifting their paths.
        children.sort(key=lambda item: (item[0].count("-"), item[1]["code"]))
        for parent_code, fields in children:
            if fields["code"] in self.units:
                continue
            self.units[fields["code"]] = org_services.unit_create(
                actor=None, parent=self.units[parent_code], **fields
            )
            if fields["kind"] == Unit.Kind.TOWN:
                self.created["towns"] += 1
            else:
                self.created["departments"] += 1

    def load_people(self) -> None:
        specs = data.unit_people()
        existing = {
            (p.unit_id, p.name, p.title): p
            for p in Person.objects.filter(unit__in=list(self.units.values()))
        }
        for spec in specs:
            unit = self.units[spec.unit]
            person = existing.get((unit.pk, spec.name, spec.title))
            if person is None:
                portfolio = (
                    None
                    if spec.portfolio is None
                    else [self.units[code] for code in spec.portfolio]
                )
                person = org_services.person_upsert(
                    actor=None,
                    unit=unit,
                    name=spec.name,
                    position=spec.position,
                    title=spec.title,
                    phone=spec.phone,
                    portfolio=portfolio,
                )
                self.created["persons"] += 1
            if spec.position == Person.Position.COUNTY_LEADER:
                self.people[(spec.unit, spec.name)] = person
            else:
                self.people[(spec.unit, spec.position)] = person

    def load_accounts(self) -> None:
        users = {
            u.username: u
            for u in User.objects.filter(username__in=[a.username for a in data.DEMO_ACCOUNTS])
        }
        grants = set(
            RoleGrant.objects.filter(user__in=list(users.values())).values_list(
                "user__username", "role", "unit__code"
            )
        )
        for spec in data.DEMO_ACCOUNTS:
            person = self.people[spec.person] if spec.person else None
            user = users.get(spec.username)
            if user is None:
                user = org_services.user_create(
                    actor=None,
                    username=spec.username,
                    password=self.password,
                    display_name=person.name if person else spec.role_zh,
                    person=person,
                    must_change_password=False,
                )
                self.created["accounts"] += 1
            elif password_change_due(user):
                self._restore_password(user)
            if (spec.username, spec.role, spec.unit) not in grants:
                org_services.role_grant(
                    actor=None,
                    user=user,
                    role=spec.role,
                    unit=self.units[spec.unit] if spec.unit else None,
                )

    def _restore_password(self, user: User) -> None:
        """Give an expired or reset demo account the published demo password back.

        Demo logins must work as printed; the account security policy would otherwise force
        a change 90 days after the first `make demo`.
        """
        user.set_password(self.password)
        user.password_changed_at = timezone.now()
        user.must_change_password = False
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
        audit_event(
            actor=None,
            action="user.password_reset",
            obj=user,
            reason="demo account: restore the published demo password",
        )

    # --- plans -----------------------------------------------------------------------------
    def load_plan(self, cycle: Cycle, spec: data.PlanSpec) -> None:
        county = self.units[data.COUNTY]
        plan = Plan.objects.filter(cycle=cycle, owner=county, code=spec.code).first()
        if plan is not None and plan.status != Plan.Status.DRAFT:
            self.kept_plans.append(plan.code)
            return
        if plan is None:
            plan = plan_services.plan_create(
                actor=None,
                cycle=cycle,
                owner=county,
                code=spec.code,
                name=spec.name,
                kind=spec.kind,
                description=spec.description,
                grade_rules=spec.grade_rules,
                veto_rules=spec.veto_rules,
                status_rule=data.STATUS_RULE,
                points_total=spec.points_total,
                weight_indicators=Decimal("0.6"),
                weight_public=Decimal("0.3"),
                weight_leader=Decimal("0.1"),
            )
            self.created["plans"] += 1
        groups = self._load_groups(plan, spec)
        indicators = self._load_indicators(plan, spec, cycle.year, groups)
        self._load_assignments(indicators)
        plan.refresh_from_db()
        plan_services.plan_publish(actor=None, plan=plan, expected_version=plan.row_version)

    def _load_groups(self, plan: Plan, spec: data.PlanSpec) -> dict[str, UnitGroup]:
        groups = {g.code: g for g in plan.groups.all()}
        for order, (code, name) in enumerate(spec.groups, start=1):
            if code not in groups:
                groups[code] = plan_services.group_upsert(
                    actor=None,
                    plan=plan,
                    code=code,
                    name=name,
                    order=order,
                    units=[self.units[c] for c in data.group_members(code)],
                )
        return groups

    def _load_indicators(
        self, plan: Plan, spec: data.PlanSpec, year: int, groups: dict[str, UnitGroup]
    ) -> list[tuple[Indicator, data.IndicatorSpec]]:
        existing = {i.code: i for i in plan.indicators.all()}
        source = (
            Indicator.SourceLevel.PROVINCE
            if spec.kind == Plan.Kind.PROVINCIAL
            else Indicator.SourceLevel.COUNTY
        )
        loaded: list[tuple[Indicator, data.IndicatorSpec]] = []
        new_groups: dict[str, list[str]] = {}
        for order, (node, parent_code) in enumerate(_walk(spec.tree), start=1):
            indicator = existing.get(node.code)
            if indicator is None:
                indicator = plan_services.indicator_create(
                    actor=None,
                    plan=plan,
                    code=node.code,
                    name=node.name,
                    parent=existing[parent_code] if parent_code else None,
                    **_indicator_fields(node, year=year, order=order, source_level=source),
                )
                existing[node.code] = indicator
                self.created["indicators"] += 1
                if node.groups:
                    indicator.groups.set([groups[g] for g in node.groups])
                    new_groups[node.code] = list(node.groups)
                if node.unit_targets:
                    self._load_unit_targets(indicator, node, year)
            loaded.append((indicator, node))
        if new_groups:
            # No service sets the groups an indicator applies to; record it as one event.
            audit_event(
                actor=None, action="indicator.groups_set", obj=plan, after={"groups": new_groups}
            )
        return loaded

    def _load_unit_targets(self, indicator: Indicator, node: data.IndicatorSpec, year: int) -> None:
        """Per-town targets of a new indicator (no service writes them yet: one event)."""
        rows = []
        for town in data.TOWNS:
            target, baseline = data.town_target(node.unit_targets, town, year)
            rows.append(
                IndicatorTarget(
                    indicator=indicator,
                    unit=self.units[town.code],
                    target=target,
                    baseline=baseline,
                )
            )
        IndicatorTarget.objects.bulk_create(rows)
        self.created["unit_targets"] += len(rows)
        audit_event(
            actor=None,
            action="indicator.unit_targets_set",
            obj=indicator,
            after={
                row.unit.code: {"target": str(row.target), "baseline": str(row.baseline)}
                for row in rows
            },
        )

    def _load_assignments(self, indicators: list[tuple[Indicator, data.IndicatorSpec]]) -> None:
        with_lead = [(ind, node, node.lead) for ind, node in indicators if node.lead]
        with_lead += [  # each member of the groups answers for its own share (任务分解)
            (ind, node, member)
            for ind, node in indicators
            if node.member_leads
            for group in node.groups
            for member in data.group_members(group)
        ]
        existing = set(
            Assignment.objects.filter(
                indicator__in=[ind for ind, _node, _lead in with_lead]
            ).values_list("indicator_id", "lead_unit__code")
        )
        for indicator, node, lead in with_lead:
            if (indicator.pk, lead) in existing:
                continue
            head = self.people[(lead, Person.Position.HEAD)]
            plan_services.assignment_upsert(
                actor=None,
                indicator=indicator,
                lead_unit=self.units[lead],
                supporting_units=[self.units[code] for code in node.supporting],
                responsible_leader=self.people[(data.COUNTY, data.leader_of(lead))],
                responsible_person=self.people[(lead, Person.Position.STAFF)],
                is_key_project=node.key,
                work_team=node.work_team,
                note=f"第一责任人：{head.name}（{head.title}）",
            )
            self.created["assignments"] += 1

    # --- summary ---------------------------------------------------------------------------
    def summary(self) -> DemoSummary:
        county = self.units[data.COUNTY]
        below = Unit.objects.filter(path__startswith=county.path)
        plans = Plan.objects.filter(owner=county, cycle__year__in=data.YEARS)
        indicators = Indicator.objects.filter(plan__in=plans)
        counts = {
            "regions": Region.objects.filter(code__in=[r.code for r in data.REGIONS]).count(),
            "towns": below.filter(kind=Unit.Kind.TOWN).count(),
            "departments": below.filter(kind=Unit.Kind.DEPARTMENT).count(),
            "persons": Person.objects.filter(unit__in=below).count(),
            "accounts": User.objects.filter(
                username__in=[a.username for a in data.DEMO_ACCOUNTS]
            ).count(),
            "cycles": Cycle.objects.filter(year__in=data.YEARS).count(),
            "plans": plans.count(),
            "indicators": indicators.count(),
            "assignments": Assignment.objects.filter(indicator__in=indicators).count(),
            "unit_targets": IndicatorTarget.objects.filter(indicator__in=indicators).count(),
        }
        logins = [
            DemoLogin(
                username=a.username,
                password=self.password,
                role=a.role,
                role_zh=a.role_zh,
                unit=self.units[a.unit].name if a.unit else "",
                sees=a.sees,
            )
            for a in data.DEMO_ACCOUNTS
        ]
        return DemoSummary(
            counts=counts,
            created=dict(self.created),
            kept_plans=list(self.kept_plans),
            logins=logins,
        )


def _walk(
    nodes: tuple[data.IndicatorSpec, ...], parent: str | None = None
) -> Iterator[tuple[data.IndicatorSpec, str | None]]:
    """Depth-first: each node with its parent's code, parents before their children."""
    for node in nodes:
        yield node, parent
        yield from _walk(node.children, node.code)


def _indicator_fields(
    node: data.IndicatorSpec, *, year: int, order: int, source_level: str
) -> dict[str, Any]:
    """The service's keyword arguments for one indicator in one year's plan."""
    fields: dict[str, Any] = {
        "kind": node.kind,
        "unit_of_measure": node.unit_of_measure,
        "direction": node.direction,
        "accumulation": node.accumulation,
        "target": Decimal(node.target[year]) if year in node.target else None,
        "baseline": Decimal(node.baseline[year]) if year in node.baseline else None,
        "target_text": node.target_text.get(year, ""),
        "points": Decimal(node.points),
        "source_level": source_level,
        "scoring_rule": node.scoring_rule,
        "scoring_params": {k: _json_number(v) for k, v in node.scoring_params.items()},
        "frequency": node.frequency,
        "evidence_requirement": node.evidence,
        "description": node.description,
        "is_public": node.is_public,
        "order": order,
    }
    if node.category:
        fields["category"] = node.category
    return fields
