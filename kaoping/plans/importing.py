"""Whole plans to and from files: parse, resolve against the database, write in one go.

`parse_plan_file` reads YAML or Excel bytes into a `PlanDocument` (pure, every problem
located). `plan_import` checks the document against the database (units, persons, the
existing plan) and writes the plan, its groups, indicators, unit targets and assignments in
one transaction, keyed by natural keys (plan code, group code, indicator code, unit code), so
importing the same file twice changes nothing. `plan_export` turns a stored plan back into a
document that imports to the same plan.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, ProtectedError
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event, snapshot
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Person, Unit
from kaoping.plans import planfile as pf
from kaoping.plans import planxlsx
from kaoping.plans.models import Assignment, Cycle, Indicator, IndicatorTarget, Plan, UnitGroup
from kaoping.plans.planfile import Loc, PlanDocument, Problem, Problems
from kaoping.plans.services import require_office

FORMATS = ("yaml", "xlsx")
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".xlsx": "xlsx"}
DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def max_plan_file_bytes() -> int:
    """The size limit for plan files (setting KAOPING_MAX_PLAN_FILE_BYTES, default 5 MB)."""
    return int(getattr(settings, "KAOPING_MAX_PLAN_FILE_BYTES", DEFAULT_MAX_BYTES))


class PlanFileError(ApplicationError):
    """A plan file that cannot be imported; `problems` lists every reason, located."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(
            _("The plan file has %(n)d problem(s); nothing was imported.") % {"n": len(problems)},
            extra={"problems": [str(p) for p in problems]},
        )
        self.problems = problems


# --- files ---------------------------------------------------------------------------------
@dataclass
class ParsedFile:
    """A plan file read: the document (None if unreadable), its problems, its SHA-256."""

    document: PlanDocument | None
    problems: list[Problem]
    sha256: str
    format: str


def detect_format(filename: str, fmt: str | None = None) -> str:
    """The format asked for, else the one the file name's extension implies."""
    if fmt:
        if fmt not in FORMATS:
            raise ApplicationError(
                _("Unknown plan file format %(fmt)s: use yaml or xlsx.") % {"fmt": fmt}
            )
        return fmt
    suffix = Path(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ApplicationError(
            _(
                "Cannot tell the format of “%(name)s”: name it .yaml, .yml "
                "or .xlsx, or give the format."
            )
            % {"name": filename}
        )
    return EXTENSIONS[suffix]


def parse_plan_file(
    *, data: bytes, filename: str = "", fmt: str | None = None, max_bytes: int | None = None
) -> ParsedFile:
    """Read plan file bytes (YAML or Excel) into a document, collecting every problem."""
    fmt = detect_format(filename, fmt)
    limit = max_plan_file_bytes() if max_bytes is None else max_bytes
    sha256 = hashlib.sha256(data).hexdigest()
    if fmt == "xlsx":
        document, problems = planxlsx.read_xlsx(data, max_bytes=limit)
    else:
        document, problems = pf.parse_yaml(data, max_bytes=limit)
    if document is not None:
        document.source_sha256 = sha256
    return ParsedFile(document, list(problems), sha256, fmt)


def render_plan_file(*, document: PlanDocument, fmt: str) -> bytes:
    """A document as file bytes in the given format."""
    if fmt == "xlsx":
        return planxlsx.write_xlsx(document)
    return pf.dump_yaml(document).encode("utf-8")


# --- import ----------------------------------------------------------------------------------
@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do)."""

    plan: Plan
    created: bool
    dry_run: bool
    sha256: str
    changes: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return self.created or any(self.changes.values())


@dataclass
class _Refs:
    """Database objects the document's codes and names resolve to."""

    owner: Unit | None = None
    units: dict[str, Unit] = field(default_factory=dict)
    persons: dict[tuple[str, str], Person] = field(default_factory=dict)  # (ref, lead unit)


def _unit_uses(doc: PlanDocument) -> list[tuple[str, Loc]]:
    uses: list[tuple[str, Loc]] = [(doc.owner, pf.at(doc, "owner"))]
    for group in doc.groups:
        uses.extend((code, pf.at(group, "units")) for code in group.units)
    for node, _parent, _level in doc.walk():
        uses.extend((t.unit, pf.at(t, "unit")) for t in node.unit_targets)
        for a in node.assignments:
            uses.append((a.lead_unit, pf.at(a, "lead_unit")))
            uses.extend((code, pf.at(a, "supporting_units")) for code in a.supporting_units)
    return [(code, loc) for code, loc in uses if code]


def _resolve(doc: PlanDocument, problems: Problems) -> _Refs:
    """Look up every unit code and person reference; report the unknown and ambiguous."""
    refs = _Refs()
    uses = _unit_uses(doc)
    person_uses: list[tuple[str, str, Loc]] = []
    for node, _parent, _level in doc.walk():
        for a in node.assignments:
            for name in ("responsible_leader", "responsible_person"):
                reference = getattr(a, name)
                parts = pf.split_person(reference) if reference else None
                if parts is not None:
                    person_uses.append((reference, a.lead_unit, pf.at(a, name)))
                    if parts[2]:
                        uses.append((parts[2], pf.at(a, name)))
    codes = {code for code, _loc in uses}
    refs.units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    reported: set[tuple[str, int | None, str]] = set()
    for code, loc in uses:
        unit = refs.units.get(code)
        key = (code, loc.line, loc.sheet)
        if key in reported:
            continue
        if unit is None:
            problems.add(loc, _("There is no unit with the code %(code)s.") % {"code": code})
            reported.add(key)
        elif not unit.is_active:
            problems.add(
                loc,
                _("The unit %(code)s %(name)s is no longer active.")
                % {"code": code, "name": unit.name},
            )
            reported.add(key)
    refs.owner = refs.units.get(doc.owner)
    _resolve_persons(refs, person_uses, problems)
    return refs


def _resolve_persons(refs: _Refs, uses: list[tuple[str, str, Loc]], problems: Problems) -> None:
    """Persons by name (and title) within their unit: the one given, else the lead unit."""
    wanted = []
    for reference, lead, loc in uses:
        name, title, unit_code = pf.split_person(reference) or (reference, "", "")
        wanted.append((reference, lead, name, title, refs.units.get(unit_code or lead), loc))
    candidates: dict[tuple[int, str], list[Person]] = {}
    for person in Person.objects.filter(
        unit__in={w[4] for w in wanted if w[4] is not None}, name__in={w[2] for w in wanted}
    ):
        candidates.setdefault((person.unit_id, person.name), []).append(person)
    for reference, lead, name, title, unit, loc in wanted:
        if unit is None:
            continue  # the unknown unit is reported already
        found = [p for p in candidates.get((unit.pk, name), []) if not title or p.title == title]
        if not found:
            problems.add(
                loc,
                _("%(unit)s has no person named %(name)s.")
                % {"unit": unit.name, "name": f"{name}（{title}）" if title else name},
            )
        elif len(found) > 1:
            problems.add(
                loc,
                _(
                    "%(unit)s has several persons named %(name)s: write "
                    "姓名（职务）@单位代码 to say which."
                )
                % {"unit": unit.name, "name": name},
            )
        elif not found[0].is_active:
            problems.add(loc, _("%(name)s is no longer active.") % {"name": found[0]})
        else:
            refs.persons[(reference, lead)] = found[0]


def _check_database(
    *, actor: Any, doc: PlanDocument, refs: _Refs, problems: Problems
) -> tuple[Cycle | None, Plan | None]:
    """The cycle and the existing plan, if any; a closed cycle or published plan refuses."""
    cycle = Cycle.objects.filter(year=doc.cycle).first()
    if cycle is not None and cycle.status == Cycle.Status.CLOSED:
        problems.add(pf.at(doc, "cycle"), _("The %(year)d cycle is closed.") % {"year": doc.cycle})
    plan = None
    if cycle is not None and refs.owner is not None:
        plan = (
            Plan.objects.select_for_update()
            .filter(cycle=cycle, owner=refs.owner, code=doc.code)
            .first()
        )
    if plan is not None and plan.status != Plan.Status.DRAFT:
        problems.add(
            pf.at(doc, "code"),
            _(
                "The plan “%(plan)s” is %(status)s; its rules can no longer change. Import the "
                "file under a new plan code."
            )
            % {"plan": plan.name, "status": plan.get_status_display()},
        )
    if actor is not None and refs.owner is not None:
        if plan is not None:
            in_scope = Plan.objects.for_user(actor).filter(pk=plan.pk).exists()
        else:
            in_scope = Unit.objects.for_user(actor).filter(pk=refs.owner.pk).exists()
        if not in_scope:
            raise PermissionDeniedError(_("The plan's owner unit is outside your scope."))
    return cycle, plan


@transaction.atomic
def database_problems(*, document: PlanDocument) -> list[Problem]:
    """What the database says about a document (unknown units and persons, a published plan,
    a closed cycle), read only: lets a file with problems of its own be reported in full."""
    problems = Problems()
    refs = _resolve(document, problems)
    _check_database(actor=None, doc=document, refs=refs, problems=problems)
    return problems


@transaction.atomic
def plan_import(*, actor: Any, document: PlanDocument, dry_run: bool = False) -> ImportResult:
    """Create or update a draft plan from a document, all or nothing.

    Everything is checked before anything is written; any problem raises PlanFileError with
    the full located list. Rows are matched by natural keys and only changed rows are
    written, so a second import of the same file changes nothing. What the file no longer
    lists (groups, indicators, targets, assignments) is removed from the draft.
    """
    require_office(actor)
    pf.complete_document(document)
    problems = pf.validate_document(document)
    if None in (document.weights.indicators, document.weights.public, document.weights.leader):
        problems.add(pf.at(document.weights), _("All three component weights are required."))
    refs = _resolve(document, problems)
    cycle, plan = _check_database(actor=actor, doc=document, refs=refs, problems=problems)
    if problems:
        raise PlanFileError(pf.sorted_problems(problems, planxlsx.SHEET_ORDER))
    assert refs.owner is not None
    with transaction.atomic():
        writer = _Writer(document, refs)
        result = writer.write(cycle=cycle, plan=plan)
        result.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    if not dry_run:
        audit_event(
            actor=actor,
            action="plan.import",
            obj=result.plan,
            before=writer.before,
            after={
                "sha256": document.source_sha256,
                "format_version": document.version,
                "created": result.created,
                "changes": dict(sorted((+result.changes).items())),
                "cycle_created": writer.cycle_created,
            },
        )
    return result


def json_number(value: Decimal) -> int | float:
    """A decimal as the JSON number the plan's JSON fields hold (the editor's convention).

    Values have at most 15 significant digits (the file format's limit for these settings),
    which a double keeps exactly: Decimal(str(float)) gives the same value back.
    """
    return int(value) if value == value.to_integral_value() else float(value)


def rules_to_json(doc: PlanDocument) -> dict[str, Any]:
    """The plan's rule settings as stored in Plan.grade_rules, veto_rules and status_rule."""
    grades = []
    for r in doc.grade_rules:
        grade: dict[str, Any] = {"name": r.grade, "min_score": json_number(r.min_score)}
        if r.quota is not None:
            grade["quota"] = json_number(r.quota)
        grades.append(grade)
    vetoes = []
    for v in doc.veto_rules:
        veto: dict[str, Any] = {"code": v.code, "name": v.name, "cap_grade": v.cap_grade}
        if v.min_points_lost is not None:
            veto["min_points_lost"] = json_number(v.min_points_lost)
        if v.description:
            veto["description"] = v.description
        vetoes.append(veto)
    status = {
        key: json_number(value) if isinstance(value, Decimal) else value
        for key, value in pf.status_rule_to_data(doc.status_rule).items()
    }
    return {"grade_rules": grades, "veto_rules": vetoes, "status_rule": status}


class _Writer:
    """Writes a resolved document; counts what it creates, updates and deletes."""

    def __init__(self, doc: PlanDocument, refs: _Refs) -> None:
        self.doc = doc
        self.refs = refs
        self.changes: Counter[str] = Counter()
        self.before: dict[str, Any] | None = None
        self.cycle_created = False

    def write(self, *, cycle: Cycle | None, plan: Plan | None) -> ImportResult:
        doc = self.doc
        if cycle is None:
            default_name = _("%(year)d evaluation year") % {"year": doc.cycle}
            cycle, self.cycle_created = Cycle.objects.get_or_create(
                year=doc.cycle, defaults={"name": doc.cycle_name or default_name}
            )
        values = {
            "name": doc.name,
            "kind": doc.kind,
            "description": doc.description,
            "weight_indicators": doc.weights.indicators,
            "weight_public": doc.weights.public,
            "weight_leader": doc.weights.leader,
            "missing_component": doc.missing_component,
            "points_total": doc.points_total,
            "format_version": doc.version,
            **rules_to_json(doc),
        }
        created = plan is None
        if plan is None:
            assert self.refs.owner is not None  # resolved, or plan_import stopped
            plan = Plan.objects.create(
                cycle=cycle,
                owner=self.refs.owner,
                code=doc.code,
                source_sha256=doc.source_sha256,
                **values,
            )
        else:
            self.before = snapshot(plan)
            if _assign(plan, values):
                self.changes["plan.updated"] += 1
        groups = self._groups(plan)
        self._indicators(plan, groups)
        if not created and any(self.changes.values()):
            # The plan's version and source move whenever any part of it changed.
            plan.source_sha256 = doc.source_sha256 or plan.source_sha256
            plan.row_version += 1
            plan.save()
        return ImportResult(
            plan=plan,
            created=created,
            dry_run=False,
            sha256=doc.source_sha256,
            changes=self.changes,
        )

    def _groups(self, plan: Plan) -> dict[str, UnitGroup]:
        existing = {g.code: g for g in plan.groups.prefetch_related("units")}
        kept: dict[str, UnitGroup] = {}
        for order, group in enumerate(self.doc.groups, start=1):
            unit_ids = {self.refs.units[c].pk for c in group.units}
            obj = existing.get(group.code)
            if obj is None:
                obj = UnitGroup.objects.create(
                    plan=plan, code=group.code, name=group.name, order=order
                )
                obj.units.set(unit_ids)
                self.changes["groups.created"] += 1
            else:
                changed = _save_if_changed(obj, {"name": group.name, "order": order})
                if {u.pk for u in obj.units.all()} != unit_ids:
                    obj.units.set(unit_ids)
                    changed = True
                self.changes["groups.updated"] += changed
            kept[group.code] = obj
        self._delete([g for code, g in existing.items() if code not in kept], "groups")
        return kept

    def _indicators(self, plan: Plan, groups: dict[str, UnitGroup]) -> None:
        existing = {i.code: i for i in plan.indicators.prefetch_related("groups")}
        saved: dict[str, Indicator] = {}
        for order, (node, parent, level) in enumerate(self.doc.walk(), start=1):
            values = {
                "parent_id": saved[parent.code].pk if parent else None,
                "level": level,
                "order": order,
                "name": node.name,
                "category": node.category,
                "kind": node.kind,
                "unit_of_measure": node.unit_of_measure,
                "direction": node.direction,
                "accumulation": node.accumulation,
                "target": node.target,
                "target_text": node.target_text,
                "baseline": node.baseline,
                "points": node.points,
                "source_level": node.source_level,
                "scoring_rule": node.scoring_rule,
                "scoring_params": {k: json_number(v) for k, v in node.scoring_params.items()},
                "frequency": node.frequency,
                "evidence_requirement": node.evidence_requirement,
                "description": node.description,
                "is_public": node.is_public,
            }
            group_ids = {groups[c].pk for c in node.groups}
            obj = existing.get(node.code)
            if obj is None:
                obj = Indicator.objects.create(plan=plan, code=node.code, **values)
                obj.groups.set(group_ids)
                self.changes["indicators.created"] += 1
            else:
                changed = _save_if_changed(obj, values)
                if {g.pk for g in obj.groups.all()} != group_ids:
                    obj.groups.set(group_ids)
                    changed = True
                self.changes["indicators.updated"] += changed
            saved[node.code] = obj
        self._delete([i for code, i in existing.items() if code not in saved], "indicators")
        self._targets(plan, saved)
        self._assignments(plan, saved)

    def _targets(self, plan: Plan, saved: dict[str, Indicator]) -> None:
        existing = {
            (t.indicator_id, t.unit_id): t
            for t in IndicatorTarget.objects.filter(indicator__plan=plan)
        }
        kept: set[tuple[int, int]] = set()
        for node, _parent, _level in self.doc.walk():
            indicator = saved[node.code]
            for target in node.unit_targets:
                unit = self.refs.units[target.unit]
                key = (indicator.pk, unit.pk)
                values = {"target": target.target, "baseline": target.baseline}
                obj = existing.get(key)
                if obj is None:
                    IndicatorTarget.objects.create(indicator=indicator, unit=unit, **values)
                    self.changes["unit_targets.created"] += 1
                else:
                    self.changes["unit_targets.updated"] += _save_if_changed(obj, values)
                kept.add(key)
        self._delete([t for key, t in existing.items() if key not in kept], "unit_targets")

    def _assignments(self, plan: Plan, saved: dict[str, Indicator]) -> None:
        existing = {
            (a.indicator_id, a.lead_unit_id): a
            for a in Assignment.objects.filter(indicator__plan=plan).prefetch_related(
                "supporting_units"
            )
        }
        kept: set[tuple[int, int]] = set()
        for node, _parent, _level in self.doc.walk():
            indicator = saved[node.code]
            for a in node.assignments:
                lead = self.refs.units[a.lead_unit]
                leader = self.refs.persons.get((a.responsible_leader, a.lead_unit))
                person = self.refs.persons.get((a.responsible_person, a.lead_unit))
                values = {
                    "responsible_leader_id": leader.pk if leader else None,
                    "responsible_person_id": person.pk if person else None,
                    "is_key_project": a.key_project,
                    "work_team": a.work_team,
                    "share": a.share,
                    "note": a.note,
                }
                supporting = {self.refs.units[c].pk for c in a.supporting_units}
                key = (indicator.pk, lead.pk)
                obj = existing.get(key)
                if obj is None:
                    obj = Assignment.objects.create(indicator=indicator, lead_unit=lead, **values)
                    obj.supporting_units.set(supporting)
                    self.changes["assignments.created"] += 1
                else:
                    changed = _save_if_changed(obj, values)
                    if {u.pk for u in obj.supporting_units.all()} != supporting:
                        obj.supporting_units.set(supporting)
                        changed = True
                    self.changes["assignments.updated"] += changed
                kept.add(key)
        self._delete([a for key, a in existing.items() if key not in kept], "assignments")

    def _delete(self, objects: list[Any], label: str) -> None:
        for obj in objects:
            try:
                obj.delete()
            except ProtectedError as exc:
                message = _(
                    "“%(obj)s” is no longer in the file but cannot be removed: other "
                    "records refer to it."
                ) % {"obj": obj}
                raise PlanFileError([Problem(None, label, message)]) from exc
            self.changes[f"{label}.deleted"] += 1


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set the fields whose values differ; True if any did (Decimal compares by value)."""
    changed = [key for key, value in values.items() if getattr(obj, key) != value]
    for key in changed:
        setattr(obj, key, values[key])
    return bool(changed)


def _save_if_changed(obj: Any, values: dict[str, Any]) -> bool:
    """Write a row only when something differs, bumping its version for optimistic locks."""
    if not _assign(obj, values):
        return False
    obj.row_version += 1
    obj.save()
    return True


# --- export ----------------------------------------------------------------------------------
def find_plan(*, year: int, code: str = "", owner: str = "") -> Plan:
    """The one plan of a cycle matching an optional code and owner unit code."""
    plans = Plan.objects.filter(cycle__year=year).select_related("owner", "cycle")
    if code:
        plans = plans.filter(code=code)
    if owner:
        plans = plans.filter(owner__code=owner)
    found = list(plans.order_by("owner__code", "code")[:20])
    if not found:
        raise ApplicationError(_("No plan of the %(year)d cycle matches.") % {"year": year})
    if len(found) > 1:
        raise ApplicationError(
            _("Several plans of the %(year)d cycle match; choose one by its code: %(codes)s.")
            % {"year": year, "codes": ", ".join(f"{p.code} ({p.owner.code})" for p in found)}
        )
    return found[0]


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return pf.canonical_decimal(Decimal(str(value)))
    except InvalidOperation:
        return None


def _rules_from_json(plan: Plan) -> tuple[list[pf.GradeRule], list[pf.VetoRule], pf.StatusRule]:
    grades = [
        pf.GradeRule(
            grade=str(r.get("name") or r.get("grade") or ""),
            min_score=_decimal_or_none(r.get("min_score")) or Decimal(0),
            quota=_decimal_or_none(r.get("quota")),
        )
        for r in plan.grade_rules or []
    ] or pf.default_grade_rules()
    vetoes = [
        pf.VetoRule(
            code=str(v.get("code", "")),
            name=str(v.get("name", "")),
            cap_grade=str(v.get("cap_grade") or ""),
            min_points_lost=_decimal_or_none(v.get("min_points_lost")),
            description=str(v.get("description") or ""),
        )
        for v in plan.veto_rules or []
    ]
    stored = dict(plan.status_rule or {})
    preset = str(stored.get("preset") or "default")
    given: dict[str, Any] = {
        key: _decimal_or_none(stored[key])
        for key in ("green_within_pp", "yellow_within_pp", "yellow_within_share")
        if key in stored
    }
    for key in ("expected_progress", "escalation_periods", "explanation_days"):
        if key in stored:
            given[key] = stored[key]
    return grades, vetoes, pf.status_rule_from(preset, given, {})


def plan_export(*, plan: Plan) -> PlanDocument:
    """A stored plan as a document; importing it gives the same plan."""
    grades, vetoes, status = _rules_from_json(plan)
    doc = PlanDocument(
        cycle=plan.cycle.year,
        cycle_name=plan.cycle.name,
        code=plan.code,
        name=plan.name,
        kind=plan.kind,
        owner=plan.owner.code,
        description=plan.description,
        version=plan.format_version or pf.FORMAT_VERSION,
        weights=pf.Weights(
            pf.canonical_decimal(plan.weight_indicators),
            pf.canonical_decimal(plan.weight_public),
            pf.canonical_decimal(plan.weight_leader),
        ),
        missing_component=plan.missing_component,
        points_total=_decimal_or_none(plan.points_total),
        grade_rules=grades,
        veto_rules=vetoes,
        status_rule=status,
        groups=[
            pf.Group(code=g.code, name=g.name, units=[u.code for u in g.units.all()])
            for g in plan.groups.prefetch_related("units").order_by("order", "code")
        ],
    )
    indicators = list(plan.indicators.prefetch_related("groups").order_by("order", "code"))
    targets: dict[int, list[pf.UnitTarget]] = {}
    for t in (
        IndicatorTarget.objects.filter(indicator__plan=plan)
        .select_related("unit")
        .order_by("unit__code")
    ):
        targets.setdefault(t.indicator_id, []).append(
            pf.UnitTarget(
                unit=t.unit.code,
                target=_decimal_or_none(t.target),
                baseline=_decimal_or_none(t.baseline),
            )
        )
    assignments = list(
        Assignment.objects.filter(indicator__plan=plan)
        .select_related("lead_unit", "responsible_leader__unit", "responsible_person__unit")
        .prefetch_related("supporting_units")
        .order_by("lead_unit__code")
    )
    reference = _person_formatter(assignments)
    by_indicator: dict[int, list[pf.AssignmentDoc]] = {}
    for a in assignments:
        by_indicator.setdefault(a.indicator_id, []).append(
            pf.AssignmentDoc(
                lead_unit=a.lead_unit.code,
                supporting_units=sorted(u.code for u in a.supporting_units.all()),
                responsible_leader=reference(a.responsible_leader, a.lead_unit),
                responsible_person=reference(a.responsible_person, a.lead_unit),
                key_project=a.is_key_project,
                work_team=a.work_team,
                share=pf.canonical_decimal(a.share),
                note=a.note,
            )
        )
    nodes: dict[int, pf.IndicatorDoc] = {}
    for ind in indicators:
        node = pf.IndicatorDoc(
            code=ind.code,
            name=ind.name,
            category=ind.category,
            kind=ind.kind,
            unit_of_measure=ind.unit_of_measure,
            direction=ind.direction,
            accumulation=ind.accumulation,
            target=_decimal_or_none(ind.target),
            target_text=ind.target_text,
            baseline=_decimal_or_none(ind.baseline),
            points=pf.canonical_decimal(ind.points),
            source_level=ind.source_level,
            scoring_rule=ind.scoring_rule,
            scoring_params={
                k: d
                for k, v in (ind.scoring_params or {}).items()
                if (d := _decimal_or_none(v)) is not None
            },
            frequency=ind.frequency,
            evidence_requirement=ind.evidence_requirement,
            description=ind.description,
            is_public=ind.is_public,
            groups=sorted(g.code for g in ind.groups.all()),
            unit_targets=targets.get(ind.pk, []),
            assignments=by_indicator.get(ind.pk, []),
        )
        nodes[ind.pk] = node
    for ind in indicators:
        if ind.parent_id is not None and ind.parent_id in nodes:
            nodes[ind.parent_id].children.append(nodes[ind.pk])
        else:
            doc.indicators.append(nodes[ind.pk])
    pf.complete_document(doc)
    return doc


def _person_formatter(assignments: list[Assignment]) -> Any:
    """A function writing a person as `姓名`, `姓名@单位代码` or `姓名（职务）@单位代码`."""
    persons = [
        p
        for a in assignments
        for p in (a.responsible_leader, a.responsible_person)
        if p is not None
    ]
    counts = {
        (row["unit_id"], row["name"]): row["n"]
        for row in Person.objects.filter(
            unit_id__in={p.unit_id for p in persons}, name__in={p.name for p in persons}
        )
        .values("unit_id", "name")
        .annotate(n=Count("id"))
    }

    def reference(person: Person | None, lead: Unit) -> str:
        if person is None:
            return ""
        title = person.title if counts.get((person.unit_id, person.name), 1) > 1 else ""
        unit = "" if person.unit_id == lead.pk else person.unit.code
        return pf.format_person(person.name, title=title, unit=unit)

    return reference


@transaction.atomic
def plan_export_record(*, actor: Any, plan: Plan, fmt: str, sha256: str) -> None:
    """Audit an export of a plan file (exports are audited like reads of whole plans)."""
    audit_event(
        actor=actor, action="plan.export", obj=plan, after={"format": fmt, "sha256": sha256}
    )
