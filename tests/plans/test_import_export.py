"""Importing and exporting plans: the commands, the services, idempotency and round trips."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.forms.models import model_to_dict
from django.utils import translation

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import PermissionDeniedError
from kaoping.org.models import Person, Role
from kaoping.plans import planxlsx
from kaoping.plans.importing import (
    PlanFileError,
    parse_plan_file,
    plan_export,
    plan_import,
    render_plan_file,
)
from kaoping.plans.models import (
    Assignment,
    Cycle,
    Indicator,
    IndicatorTarget,
    Plan,
    UnitGroup,
)
from kaoping.plans.planfile import parse_yaml
from tests.factories import PersonFactory
from tests.plans.planfiles import EXAMPLE_YAML, MINI_YAML, edit, line_of

pytestmark = pytest.mark.django_db
EXAMPLE_CODE = "county-2022-file"


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages compared in their msgid form, whatever catalogs are compiled."""
    with translation.override("en"):
        yield


# --- helpers -----------------------------------------------------------------------------------
def import_file(path: Path, *extra: str) -> str:
    out = io.StringIO()
    call_command("importplan", str(path), *extra, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_fails(path: Path, *extra: str) -> list[str]:
    """Run importplan expecting failure; the problem lines it printed."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("importplan", str(path), *extra, stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert str(failure.value) == (
        f"The plan file has {len(lines)} problem(s); nothing was imported."
    )
    return lines


def export_file(path: Path, code: str = EXAMPLE_CODE) -> bytes:
    call_command(
        "exportplan", "--cycle", "2022", "--plan", code, "-o", str(path), stdout=io.StringIO()
    )
    return path.read_bytes()


def database_state() -> dict[str, Any]:
    """Every plan row with its version and times, the many-to-many links and the audit trail."""
    state: dict[str, Any] = {}
    for model in (Cycle, Plan, UnitGroup, Indicator, IndicatorTarget, Assignment):
        state[model.__name__] = sorted(map(repr, model.objects.values()))
    for through in (
        UnitGroup.units.through,
        Indicator.groups.through,
        Assignment.supporting_units.through,
    ):
        state[through.__name__] = sorted(map(repr, through.objects.values()))
    state["audit"] = AuditEvent.objects.count()
    state["changes"] = LogEntry.objects.count()
    return state


def _fields(obj: Any, *exclude: str) -> dict[str, Any]:
    skip = {"id", "created_at", "updated_at", "row_version", *exclude}
    return {k: v for k, v in model_to_dict(obj).items() if k not in skip}


def plan_picture(plan: Plan) -> dict[str, Any]:
    """A plan by natural keys only, to compare plans across imports (ids differ)."""
    indicators = list(plan.indicators.order_by("order"))
    code = {i.pk: i.code for i in indicators}
    return {
        "plan": {
            **_fields(plan, "cycle", "owner", "source_sha256"),
            "cycle": plan.cycle.year,
            "owner": plan.owner.code,
        },
        "groups": [
            (g.code, g.name, g.order, sorted(u.code for u in g.units.all()))
            for g in plan.groups.order_by("order")
        ],
        "indicators": [
            {
                **_fields(i, "plan", "parent", "groups"),
                "parent": code.get(i.parent_id),
                "groups": sorted(g.code for g in i.groups.all()),
            }
            for i in indicators
        ],
        "targets": sorted(
            (t.indicator.code, t.unit.code, t.target, t.baseline)
            for t in IndicatorTarget.objects.filter(indicator__plan=plan)
        ),
        "assignments": sorted(
            (
                a.indicator.code,
                a.lead_unit.code,
                tuple(sorted(u.code for u in a.supporting_units.all())),
                str(a.responsible_leader or ""),
                str(a.responsible_person or ""),
                a.is_key_project,
                a.work_team,
                a.share,
                a.note,
            )
            for a in Assignment.objects.filter(indicator__plan=plan)
        ),
    }


def example_plan() -> Plan:
    return Plan.objects.get(code=EXAMPLE_CODE)


# --- importing ---------------------------------------------------------------------------------
def test_import_creates_the_whole_plan_and_audits_it(world: Any) -> None:
    # given the example file and the county of the shared fixture
    data = EXAMPLE_YAML.read_bytes()
    # when it is imported
    output = import_file(EXAMPLE_YAML)
    # then the plan exists with its rules, groups, tree, targets and assignments
    plan = example_plan()
    assert "Created the plan" in output
    assert (plan.owner, plan.kind, plan.status) == (world.county, "county", Plan.Status.DRAFT)
    assert plan.weight_public == Decimal("0.3") and plan.points_total == Decimal("100")
    assert plan.grade_rules[0] == {"name": "优秀", "min_score": 90, "quota": 0.3}
    assert plan.veto_rules[1] == {
        "code": "lost-points",
        "name": "拖全县后腿",
        "cap_grade": "一般",
        "min_points_lost": 2.5,
    }
    assert plan.status_rule["preset"] == "yinchuan"
    assert plan.source_sha256 == hashlib.sha256(data).hexdigest()
    towns = plan.groups.get(code="towns")
    assert sorted(u.code for u in towns.units.all()) == ["T01", "T02"]
    assert plan.indicators.count() == 10
    a01 = plan.indicators.get(code="A01")
    assert (a01.parent.code, a01.level, a01.category) == ("A", 2, "economic")
    assert a01.target == Decimal("12500.5") and a01.scoring_params == {"cap": 1.2, "floor": 0.6}
    assert list(a01.groups.all()) == [towns]
    assert plan.indicators.get(code="A030201").level == 4
    assert a01.unit_targets.get(unit=world.town_b).baseline == Decimal("6200.25")
    lead = a01.assignments.get(lead_unit=world.town_a)
    assert lead.responsible_leader == world.leader_person
    assert lead.responsible_person.name == "赵干事"
    assert (lead.is_key_project, lead.work_team, lead.share) == (
        True,
        "税收攻坚专班",
        Decimal("0.6"),
    )
    assert list(lead.supporting_units.all()) == [world.dept_a]
    # and one audit event records the import with the file's SHA-256
    event = AuditEvent.objects.get(action="plan.import")
    assert event.object_id == str(plan.pk)
    assert event.after["sha256"] == hashlib.sha256(data).hexdigest()
    assert event.after["changes"]["indicators.created"] == 10


def test_importing_the_same_file_twice_changes_nothing(world: Any) -> None:
    import_file(EXAMPLE_YAML)
    before = database_state()
    output = import_file(EXAMPLE_YAML)
    after = database_state()
    assert "already matches the file; nothing changed" in output
    assert {k: v for k, v in after.items() if k != "audit"} == {
        k: v for k, v in before.items() if k != "audit"
    }
    assert after["audit"] == before["audit"] + 1  # the attempt itself is on record
    assert AuditEvent.objects.filter(action="plan.import").first().after["changes"] == {}


def test_a_changed_file_updates_the_draft_plan(world: Any, tmp_path: Path) -> None:
    # given an imported plan
    import_file(EXAMPLE_YAML)
    plan = example_plan()
    a0301_version = plan.indicators.get(code="A0301").row_version
    # and a new version of the file: a target changed, A02 replaced by A04, one lead unit fewer
    changed = edit(
        EXAMPLE_YAML.read_text(),
        ("target: 12500.5", "target: 13000"),
        (
            "      - code: A02\n        name: 外贸进出口总额增速",
            "      - code: A04\n        name: 进出口总额",
        ),
        ("            share: 0.6\n          - lead_unit: T02\n            share: 0.4\n", ""),
        ("          - {unit: T02, target: 6500.5, baseline: 6200.25}\n", ""),
    )
    path = tmp_path / "plan-v2.yaml"
    path.write_text(changed, encoding="utf-8")
    # when it is imported
    output = import_file(path)
    # then the draft follows the file
    plan.refresh_from_db()
    assert "Updated the plan" in output
    assert sorted(plan.indicators.values_list("code", flat=True)) == [
        "A",
        "A01",
        "A03",
        "A0301",
        "A0302",
        "A030201",
        "A04",
        "B",
        "B01",
        "X",
    ]
    a01 = plan.indicators.get(code="A01")
    assert a01.target == Decimal("13000")
    assert [(a.lead_unit.code, a.share) for a in a01.assignments.all()] == [("T01", 1)]
    assert [t.unit.code for t in a01.unit_targets.all()] == ["T01"]
    assert plan.source_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # and rows the change did not touch keep their version
    assert plan.indicators.get(code="A0301").row_version == a0301_version
    changes = AuditEvent.objects.filter(action="plan.import").first().after["changes"]
    assert changes == {
        "assignments.deleted": 1,
        "assignments.updated": 1,
        "indicators.created": 1,
        "indicators.deleted": 1,
        "indicators.updated": 1,
        "unit_targets.deleted": 1,
    }


def test_a_published_plan_refuses_import(world: Any, tmp_path: Path) -> None:
    import_file(EXAMPLE_YAML)
    Plan.objects.filter(code=EXAMPLE_CODE).update(status=Plan.Status.PUBLISHED)
    path = tmp_path / "plan.yaml"
    path.write_text(
        edit(EXAMPLE_YAML.read_text(), ("target: 12500.5", "target: 1")), encoding="utf-8"
    )
    before = database_state()
    lines = import_fails(path)
    assert lines == [
        f"line {line_of(path.read_text(), 'code: county')}, code: The plan "
        "“示范县2022年度乡镇和部门绩效考评方案” is Published; its rules can no longer "
        "change. Import the file under a new plan code."
    ]
    assert database_state() == before


def test_a_dry_run_reports_and_writes_nothing(world: Any) -> None:
    before = database_state()
    output = import_file(EXAMPLE_YAML, "--dry-run")
    assert "Dry run: nothing was written" in output
    assert "indicators created: 10" in output
    assert database_state() == before


def test_only_the_office_in_scope_may_import(world: Any) -> None:
    doc, problems = parse_yaml(MINI_YAML)
    assert doc is not None and not problems
    with pytest.raises(PermissionDeniedError):
        plan_import(actor=world.users[Role.REPORTER], document=doc)
    assert not Plan.objects.filter(code="mini").exists()
    result = plan_import(actor=world.users[Role.OFFICE], document=doc)
    assert result.created and result.plan.code == "mini"
    assert AuditEvent.objects.get(action="plan.import").actor == world.users[Role.OFFICE]


def test_a_closed_cycle_refuses_import(world: Any) -> None:
    Cycle.objects.filter(year=2022).update(status=Cycle.Status.CLOSED)
    doc, _problems = parse_yaml(MINI_YAML)
    assert doc is not None
    before = database_state()
    with pytest.raises(PlanFileError) as failure:
        plan_import(actor=None, document=doc)
    assert [str(p) for p in failure.value.problems] == ["line 3, cycle: The 2022 cycle is closed."]
    assert database_state() == before


# --- malformed files: every problem located, nothing written ------------------------------------
def _mini_workbook(mutate: Any) -> bytes:
    doc, _problems = parse_yaml(MINI_YAML)
    assert doc is not None
    wb = openpyxl.load_workbook(io.BytesIO(planxlsx.write_xlsx(doc)))
    mutate(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cycle(wb: Any) -> None:
    wb[planxlsx.SHEET_INDICATORS]["B2"] = "A01"


def _formula(wb: Any) -> None:
    wb[planxlsx.SHEET_INDICATORS]["I3"] = "=SUM(1,2)"


def _unit_text(wb: Any) -> None:
    wb[planxlsx.SHEET_GROUPS]["C2"] = "T01、T99"


DEEP = (
    "        assignments:\n          - {lead_unit: T01, responsible_person: 赵干事}\n"
    "        children:\n"
    "          - code: L3\n            name: 三级\n            children:\n"
    "              - code: L4\n                name: 四级\n                children:\n"
    "                  - code: L5\n                    name: 五级\n"
)

MALFORMED: dict[str, tuple[str, Any, list[str]]] = {
    "missing fields": (
        "plan.yaml",
        edit(MINI_YAML, ("name: 小方案\n", ""), ("kind: county\n", "")),
        ["line 1, name: This field is required.", "line 1, kind: This field is required."],
    ),
    "bad numbers": (
        "plan.yaml",
        edit(
            MINI_YAML,
            ("target: 100", "target: 一百"),
            ("        points: 10", "        points: .inf"),
        ),
        [
            "line 18, indicators[A01].target: “一百” is not a number.",
            "line 19, indicators[A01].points: “.inf” is not a finite number.",
        ],
    ),
    "duplicate codes": (
        "plan.yaml",
        edit(
            MINI_YAML,
            ("code: A01", "code: A"),
            (
                "{code: towns, name: 乡镇组, units: [T01, T02]}",
                "{code: towns, name: 乡镇组, units: [T01]}\n"
                "  - {code: towns, name: 又一组, units: [T02]}",
            ),
        ),
        [
            "line 10, groups.code: The code towns is used twice.",
            "line 17, indicators[A].code: The code A is used twice (first at line 12).",
        ],
    ),
    "unknown units and persons": (
        "plan.yaml",
        edit(
            MINI_YAML,
            ("owner: C01", "owner: C99"),
            ("[T01, T02]", "[T01, T98]"),
            ("responsible_person: 赵干事", "responsible_person: 钱干事"),
        ),
        [
            "line 7, owner: There is no unit with the code C99.",
            "line 9, groups.units: There is no unit with the code T98.",
            "line 21, indicators[A01].assignments.responsible_person: 东城镇 has no person named "
            "钱干事.",
        ],
    ),
    "file and database problems together": (
        "plan.yaml",
        edit(MINI_YAML, ("owner: C01", "owner: C99"), ("target: 100", "target: 一百")),
        [
            "line 7, owner: There is no unit with the code C99.",
            "line 18, indicators[A01].target: “一百” is not a number.",
        ],
    ),
    "weights": (
        "plan.yaml",
        edit(
            MINI_YAML,
            ("owner: C01\n", "owner: C01\nweights: {indicators: 0.5, public: 0.3, leader: 0.1}\n"),
        ),
        ["line 8, weights: The component weights must add up to 1 (now 0.9)."],
    ),
    "points": (
        "plan.yaml",
        edit(MINI_YAML, ("owner: C01\n", "owner: C01\npoints_total: 100\n")),
        [
            "line 8, points_total: The top-level indicators add up to 10 points, not the 100 the "
            "plan states."
        ],
    ),
    "too deep": (
        "plan.yaml",
        edit(
            MINI_YAML,
            (
                "        assignments:\n          - {lead_unit: T01, responsible_person: 赵干事}\n",
                DEEP,
            ),
        ),
        [
            "line 28, indicators[L4].children: Indicator trees go at most 4 levels deep; L4 is "
            "on level 4 and cannot have sub-indicators."
        ],
    ),
    "gbk": (
        "plan.yaml",
        MINI_YAML.encode("gbk"),
        [
            "line 5: The file seems to be encoded as GBK/GB18030; save it as UTF-8 and import it "
            "again."
        ],
    ),
    "parent cycle": (
        "plan.xlsx",
        _cycle,
        [
            "sheet “指标”: The plan has no indicators.",
            "sheet “指标”, row 2, 上级代码 (B): The parent codes form a cycle: A → A01 → A.",
        ],
    ),
    "formula": (
        "plan.xlsx",
        _formula,
        [
            "sheet “指标”, row 3, 目标值 (I): The cell holds a formula (=SUM(1,2)); enter the "
            "value itself."
        ],
    ),
    "unknown unit in a workbook": (
        "plan.xlsx",
        _unit_text,
        ["sheet “组别”, row 2, 单位代码 (C): There is no unit with the code T99."],
    ),
    "not a workbook": (
        "plan.xlsx",
        b"format: kaoping-plan\n",
        ["the file: This is not an Excel .xlsx workbook."],
    ),
    "missing sheet": (
        "plan.xlsx",
        lambda wb: wb.remove(wb[planxlsx.SHEET_PLAN]),
        ["sheet “方案”: The workbook has no sheet “方案”."],
    ),
    "a workbook named .yaml": (
        "plan.yaml",
        lambda wb: None,
        [
            "the file: This is an Excel workbook (.xlsx), not a YAML file: name it ….xlsx or "
            "choose the xlsx format."
        ],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_file_is_reported_in_full_and_changes_nothing(
    case: str, world: Any, tmp_path: Path
) -> None:
    # given a malformed plan file
    name, content, expected = MALFORMED[case]
    if callable(content):
        content = _mini_workbook(content)
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = database_state()
    # when it is imported
    lines = import_fails(path)
    # then every problem is printed with its location, and the database is as it was
    assert lines == expected
    assert database_state() == before


@pytest.mark.parametrize("case", list(MALFORMED))
def test_every_reported_problem_is_translated(
    case: str, world: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a gettext that marks what it translated, in every module that reports problems
    from kaoping.plans import importing, planfile, scoring_params
    from kaoping.plans.management.commands import importplan

    def mark(message: str) -> str:
        return "〔译〕" + message

    for module in (importing, planfile, planxlsx, importplan):
        monkeypatch.setattr(module, "_", mark)
    monkeypatch.setattr(scoring_params, "gettext", mark)
    name, content, expected = MALFORMED[case]
    if callable(content):
        content = _mini_workbook(content)
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    # when the malformed file is imported
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"^〔译〕"):
        call_command("importplan", str(path), stdout=io.StringIO(), stderr=err)
    # then each problem line is built from translated pieces only
    lines = err.getvalue().splitlines()
    assert len(lines) == len(expected)
    # (the line's template, its location and its message each went through gettext)
    assert all(line.startswith("〔译〕") and ": 〔译〕" in line for line in lines), lines
    assert all(line.count("〔译〕") >= 3 for line in lines), lines


def test_an_oversized_file_is_refused_unread(world: Any, tmp_path: Path, settings: Any) -> None:
    settings.KAOPING_MAX_PLAN_FILE_BYTES = 100
    path = tmp_path / "plan.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    before = database_state()
    size = path.stat().st_size
    assert import_fails(path) == [
        f"the file: The file is too large: {size} bytes, the limit is 100."
    ]
    assert database_state() == before


def test_an_ambiguous_person_must_be_named_with_the_title(world: Any, tmp_path: Path) -> None:
    # given two persons of the same name in the lead unit
    PersonFactory(unit=world.town_a, name="赵干事", title="统计员")
    path = tmp_path / "plan.yaml"
    path.write_text(MINI_YAML, encoding="utf-8")
    line = line_of(MINI_YAML, "赵干事")
    assert import_fails(path) == [
        f"line {line}, indicators[A01].assignments.responsible_person: 东城镇 has several "
        "persons named 赵干事: write 姓名（职务）@单位代码 to say which."
    ]
    # when the title says which one, it imports
    path.write_text(edit(MINI_YAML, ("赵干事", "赵干事（统计员）@T01")), encoding="utf-8")
    import_file(path)
    person = Assignment.objects.get(indicator__plan__code="mini").responsible_person
    assert (person.name, person.title) == ("赵干事", "统计员")


# --- round trips ---------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["yaml", "xlsx"])
def test_export_then_import_gives_the_same_plan(fmt: str, world: Any, tmp_path: Path) -> None:
    # given a full plan in the database
    import_file(EXAMPLE_YAML)
    picture = plan_picture(example_plan())
    # when it is exported, removed and imported from the exported file
    exported = export_file(tmp_path / f"plan.{fmt}")
    example_plan().delete()
    import_file(tmp_path / f"plan.{fmt}")
    # then the plan is the same, and exporting it again gives the same file content
    assert plan_picture(example_plan()) == picture
    again = export_file(tmp_path / f"again.{fmt}")
    if fmt == "yaml":
        assert again == exported
    else:
        first = parse_plan_file(data=exported, filename="a.xlsx").document
        second = parse_plan_file(data=again, filename="b.xlsx").document
        assert first is not None and first == second
    # and the exported document equals the file it came from
    assert (
        parse_plan_file(data=exported, filename=f"x.{fmt}").document
        == parse_yaml(EXAMPLE_YAML.read_bytes())[0]
    )


def test_a_plan_built_in_the_editor_round_trips(world: Any, tmp_path: Path) -> None:
    # given the shared fixture's plan, built row by row, with rules in the editor's JSON form
    plan = world.plan
    plan.grade_rules = [
        {"name": "优秀", "min_score": 90.0, "quota": 0.3},
        {"name": "合格", "min_score": 0.0},
    ]
    plan.save()
    for order, code in enumerate(("A", "A01", "A02"), start=1):
        plan.indicators.filter(code=code).update(order=order)
    picture = plan_picture(plan)
    # when it is exported and imported back in place of itself
    call_command(
        "exportplan",
        "--cycle",
        "2022",
        "--plan",
        plan.code,
        "-o",
        str(tmp_path / "p.xlsx"),
        stdout=io.StringIO(),
    )
    plan.delete()
    import_file(tmp_path / "p.xlsx")
    # then it is the same plan, except that defaults are now written out
    again = plan_picture(Plan.objects.get(code=plan.code))
    expected_status = {
        "preset": "default",
        "green_within_pp": 0,
        "yellow_within_pp": 10,
        "expected_progress": "seasonal",
        "escalation_periods": [1, 2, 3],
        "explanation_days": 5,
    }
    assert again["plan"].pop("status_rule") == expected_status
    assert picture["plan"].pop("status_rule") == {}
    assert again["plan"].pop("grade_rules") == [
        {"name": "优秀", "min_score": 90, "quota": 0.3},
        {"name": "合格", "min_score": 0},
    ]
    picture["plan"].pop("grade_rules")
    assert again == picture


def test_export_writes_persons_so_they_resolve_again(world: Any) -> None:
    # given a leader from another unit and a namesake in the lead unit
    Person.objects.filter(name="赵干事").update(title="干事")
    PersonFactory(unit=world.town_a, name="赵干事", title="统计员")
    world.assignment_a.responsible_leader = world.leader_person
    world.assignment_a.save()
    # when the plan is exported
    doc = plan_export(plan=world.plan)
    assignment = doc.indicators[0].children[0].assignments[0]
    # then the persons are written so that they name exactly these persons
    assert assignment.responsible_leader == "李副县长@C01"
    assert assignment.responsible_person == "赵干事（干事）"
    assert b"\xe8\xb5\xb5" in render_plan_file(document=doc, fmt="yaml")  # 赵, as UTF-8


def test_exportplan_records_the_export(world: Any, tmp_path: Path) -> None:
    data = export_file(tmp_path / "plan.yaml", code=world.plan.code)
    event = AuditEvent.objects.get(action="plan.export")
    assert event.after == {"format": "yaml", "sha256": hashlib.sha256(data).hexdigest()}


def test_exportplan_asks_which_plan_when_several_match(world: Any, tmp_path: Path) -> None:
    import_file(EXAMPLE_YAML)
    with pytest.raises(CommandError, match="Several plans of the 2022 cycle match"):
        call_command(
            "exportplan", "--cycle", "2022", "-o", str(tmp_path / "x.yaml"), stdout=io.StringIO()
        )
