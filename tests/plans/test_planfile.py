"""The plan file format: reading, validation with located problems, writing, round trips."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kaoping.plans import importing, planfile, planxlsx
from kaoping.plans.planfile import Problem, parse_yaml
from kaoping.plans.planxlsx import read_xlsx, write_xlsx
from tests.plans.planfiles import EXAMPLE_YAML, MINI_YAML, edit, line_of, located


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages compared in their msgid form, whatever catalogs are compiled."""
    with translation.override("en"):
        yield


def parse_ok(text: str | bytes) -> planfile.PlanDocument:
    doc, problems = parse_yaml(text)
    assert problems == []
    assert doc is not None
    return doc


def messages(text: str | bytes) -> list[str]:
    return [str(p) for p in parse_yaml(text)[1]]


# --- reading a good file ------------------------------------------------------------------
def test_example_file_reads_without_problems_and_fills_defaults() -> None:
    # given the example plan of docs/plan-format.md
    # when it is read
    doc = parse_ok(EXAMPLE_YAML.read_bytes())
    # then every part is there, decimals exact, the tree and the defaults filled in
    assert (doc.cycle, doc.code, doc.owner, doc.kind) == (2022, "county-2022-file", "C01", "county")
    assert doc.weights.indicators == Decimal("0.6")
    assert [r.grade for r in doc.grade_rules] == ["优秀", "良好", "一般", "较差"]
    assert doc.veto_rules[0].cap_grade == "较差"  # no cap given: the lowest grade
    assert doc.veto_rules[1].min_points_lost == Decimal("2.5")
    assert (doc.status_rule.green_within_pp, doc.status_rule.yellow_within_pp) == (
        Decimal("10"),
        Decimal("30"),
    )  # the yinchuan preset's thresholds
    codes = [(node.code, level) for node, _parent, level in doc.walk()]
    assert codes[:4] == [("A", 1), ("A01", 2), ("A02", 2), ("A03", 2)]
    a01 = doc.indicators[0].children[0]
    assert a01.category == "economic"  # inherited from A
    assert a01.scoring_rule == "target_completion"  # a leaf's default
    assert doc.indicators[0].scoring_rule == "sum_children"  # a parent's default
    assert a01.target == Decimal("12500.5") and a01.baseline == Decimal("11800.25")
    assert a01.scoring_params == {"cap": Decimal("1.2"), "floor": Decimal("0.6")}
    assert [t.unit for t in a01.unit_targets] == ["T01", "T02"]
    assert a01.assignments[0].responsible_leader == "李副县长@C01"
    assert a01.assignments[0].share == Decimal("0.6")
    assert a01.is_public is True


def test_a_file_without_rules_gets_the_domain_defaults() -> None:
    doc = parse_ok(MINI_YAML)
    assert [(r.grade, r.min_score, r.quota) for r in doc.grade_rules] == [
        ("优秀", Decimal(90), Decimal("0.3")),
        ("良好", Decimal(80), None),
        ("一般", Decimal(60), None),
        ("较差", Decimal(0), None),
    ]
    assert (doc.weights.indicators, doc.weights.public, doc.weights.leader) == (
        Decimal("0.6"),
        Decimal("0.3"),
        Decimal("0.1"),
    )
    assert doc.missing_component == "renormalise"
    assert doc.status_rule.preset == "default"
    assert (doc.status_rule.green_within_pp, doc.status_rule.yellow_within_pp) == (0, 10)
    assert doc.status_rule.escalation_periods == [1, 2, 3]
    assert doc.veto_rules == []


def test_a_utf8_bom_is_accepted() -> None:
    doc = parse_ok(b"\xef\xbb\xbf" + MINI_YAML.encode())
    assert doc.name == "小方案"


def test_codes_keep_what_was_written_even_when_yaml_reads_a_number() -> None:
    # given codes that YAML 1.1 would read as an octal number and as a float
    text = edit(MINI_YAML, ("code: A01", "code: 010"), ("code: A\n", "code: 1.10\n"))
    doc = parse_ok(text)
    assert doc.indicators[0].code == "1.10"
    assert doc.indicators[0].children[0].code == "010"


def test_the_chinese_category_names_are_accepted() -> None:
    doc = parse_ok(edit(MINI_YAML, ("category: economic", "category: 经济建设")))
    assert doc.indicators[0].category == "economic"


def test_the_example_in_the_format_reference_is_the_example_file() -> None:
    # given the reference document's example
    reference = (Path(__file__).parents[2] / "docs" / "plan-format.md").read_text()
    block = reference.split("```yaml\n", 1)[1].split("```", 1)[0]
    # then it reads without problems and is the plan of the example file
    assert parse_ok(block) == parse_ok(EXAMPLE_YAML.read_bytes())


# --- round trips ------------------------------------------------------------------------------
def test_yaml_round_trip_gives_an_equal_document_and_identical_text() -> None:
    doc = parse_ok(EXAMPLE_YAML.read_bytes())
    text = planfile.dump_yaml(doc)
    again = parse_ok(text)
    assert again == doc
    assert planfile.dump_yaml(again) == text


def test_xlsx_round_trip_gives_an_equal_document() -> None:
    doc = parse_ok(EXAMPLE_YAML.read_bytes())
    data = write_xlsx(doc)
    again, problems = read_xlsx(data)
    assert problems == []
    assert again == doc
    assert read_xlsx(write_xlsx(again))[0] == doc


def test_xlsx_keeps_long_decimals_exact_as_text_cells() -> None:
    # given a target with more digits than a spreadsheet's double keeps
    doc = parse_ok(edit(MINI_YAML, ("target: 100", "target: 1234567890123456.1234")))
    # when it goes through a workbook
    data = write_xlsx(doc)
    again, problems = read_xlsx(data)
    # then it comes back exactly, because it was written as text
    assert problems == []
    assert again is not None
    assert again.indicators[0].children[0].target == Decimal("1234567890123456.1234")
    sheet = openpyxl.load_workbook(io.BytesIO(data))[planxlsx.SHEET_INDICATORS]
    assert sheet["I3"].value == "1234567890123456.1234"


@settings(max_examples=40, deadline=None)
@given(
    st.decimals(
        min_value=Decimal("-999999999999.9999"),
        max_value=Decimal("999999999999.9999"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_decimals_round_trip_exactly_through_yaml_and_excel(value: Decimal) -> None:
    doc = parse_ok(MINI_YAML)
    doc.indicators[0].children[0].baseline = value
    via_yaml = parse_ok(planfile.dump_yaml(doc))
    via_xlsx, problems = read_xlsx(write_xlsx(doc))
    assert problems == []
    assert via_xlsx is not None
    assert via_yaml.indicators[0].children[0].baseline == value
    assert via_xlsx.indicators[0].children[0].baseline == value


# --- formula injection ------------------------------------------------------------------------
def test_export_escapes_formula_like_text_and_import_restores_it() -> None:
    # given names that a spreadsheet would take for formulas
    doc = parse_ok(
        edit(
            MINI_YAML,
            ("name: 税收收入", "name: '=HYPERLINK(\"http://x\")'"),
            ("name: 经济建设", "name: '-负增长'"),
        )
    )
    # when the plan is written as a workbook
    data = write_xlsx(doc)
    sheet = openpyxl.load_workbook(io.BytesIO(data))[planxlsx.SHEET_INDICATORS]
    # then the cells hold text with one leading apostrophe, no formula
    assert sheet["C2"].value == "'-负增长"
    assert sheet["C3"].value == '\'=HYPERLINK("http://x")'
    assert sheet["C3"].data_type == "s"
    # and reading it back restores the names
    again, problems = read_xlsx(data)
    assert problems == []
    assert again is not None
    assert again.indicators[0].name == "-负增长"
    assert again.indicators[0].children[0].name == '=HYPERLINK("http://x")'


def test_a_formula_cell_is_refused_with_its_location() -> None:
    # given a workbook whose points cell is a formula
    doc = parse_ok(MINI_YAML)
    wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(doc)))
    wb[planxlsx.SHEET_INDICATORS]["L3"] = "=5+5"
    out = io.BytesIO()
    wb.save(out)
    # when it is read
    _document, problems = read_xlsx(out.getvalue())
    # then the formula is reported where it is, and never evaluated
    assert located(problems) == [
        ("指标", 3, "分值 (L)", "The cell holds a formula (=5+5); enter the value itself.")
    ]


# --- malformed YAML: every problem, located ----------------------------------------------------
def test_missing_required_fields_are_each_reported() -> None:
    text = edit(
        MINI_YAML, ("name: 小方案\n", ""), ("kind: county\n", ""), ("        name: 税收收入\n", "")
    )
    problems = parse_yaml(text)[1]
    assert located(problems) == [
        ("", 1, "name", "This field is required."),
        ("", 1, "kind", "This field is required."),
        ("", line_of(text, "code: A01"), "indicators[A01].name", "This field is required."),
    ]


def test_bad_numbers_are_reported_with_their_lines() -> None:
    text = edit(
        MINI_YAML,
        ("target: 100", "target: .nan"),
        ("points: 10\n    children", "points: 十分\n    children"),
        ("        points: 10", "        points: 1.234"),
    )
    problems = parse_yaml(text)[1]
    assert located(problems) == [
        ("", line_of(text, "points: 十分"), "indicators[A].points", "“十分” is not a number."),
        (
            "",
            line_of(text, "target: .nan"),
            "indicators[A01].target",
            "“.nan” is not a finite number.",
        ),
        (
            "",
            line_of(text, "points: 1.234"),
            "indicators[A01].points",
            "1.234 has too many decimal places: at most 2.",
        ),
    ]


def test_duplicate_codes_name_both_places() -> None:
    text = edit(MINI_YAML, ("code: A01", "code: A"))
    problems = parse_yaml(text)[1]
    assert located(problems) == [
        (
            "",
            line_of(text, "- code: A", 2),
            "indicators[A].code",
            f"The code A is used twice (first at line {line_of(text, '- code: A')}).",
        ),
    ]


def test_weights_that_do_not_add_up_to_one_are_refused() -> None:
    text = edit(
        MINI_YAML,
        ("owner: C01\n", "owner: C01\nweights: {indicators: 0.6, public: 0.3, leader: 0.2}\n"),
    )
    assert located(parse_yaml(text)[1]) == [
        (
            "",
            line_of(text, "weights:"),
            "weights",
            "The component weights must add up to 1 (now 1.1).",
        ),
    ]


def test_points_must_add_up_as_the_plan_requires() -> None:
    # given a stated total that the top level misses and children above their parent
    text = edit(
        MINI_YAML,
        ("owner: C01\n", "owner: C01\npoints_total: 100\n"),
        ("        points: 10", "        points: 12"),
    )
    problems = parse_yaml(text)[1]
    assert located(problems) == [
        (
            "",
            line_of(text, "points_total"),
            "points_total",
            "The top-level indicators add up to 10 points, not the 100 the plan states.",
        ),
        (
            "",
            line_of(text, "points: 10"),
            "indicators[A].points",
            "The sub-indicators of A carry 12 points, more than its own 10.",
        ),
    ]


def test_trees_deeper_than_four_levels_are_refused() -> None:
    deep = (
        "      - code: A01\n        name: 税收收入\n        target: 100\n        points: 10\n"
        "        children:\n"
        "          - code: L3\n            name: 三级\n            children:\n"
        "              - code: L4\n                name: 四级\n                children:\n"
        "                  - code: L5\n                    name: 五级\n"
    )
    text = edit(
        MINI_YAML,
        (
            "      - code: A01\n        name: 税收收入\n        target: 100\n        points: 10\n",
            deep,
        ),
    )
    problems = parse_yaml(text)[1]
    assert (
        "",
        line_of(text, "children:", 4),
        "indicators[L4].children",
        "Indicator trees go at most 4 levels deep; L4 is on level 4 and cannot have "
        "sub-indicators.",
    ) in located(problems)


def test_enum_values_and_scoring_parameters_are_checked() -> None:
    text = edit(
        MINI_YAML,
        (
            "        points: 10",
            "        points: 10\n        kind: 数量\n"
            "        scoring_rule: efficacy\n"
            "        scoring_params: {satisfactory: 12}",
        ),
    )
    problems = parse_yaml(text)[1]
    assert len(problems) == 2
    assert problems[0].line == line_of(text, "kind: 数量")
    assert problems[0].field == "indicators[A01].kind"
    assert problems[0].message.startswith("“数量” is not allowed here; allowed: quantitative,")
    assert (problems[1].line, problems[1].field) == (
        line_of(text, "scoring_params"),
        "indicators[A01].scoring_params",
    )
    assert "“not_allowed”" in problems[1].message and "required" in problems[1].message


def test_unknown_and_repeated_fields_are_reported() -> None:
    text = edit(MINI_YAML, ("        target: 100", "        taget: 100\n        name: 又一个"))
    assert located(parse_yaml(text)[1]) == [
        (
            "",
            line_of(text, "taget"),
            "indicators[A01].taget",
            "Unknown field “taget”. Did you mean “target”?",
        ),
        (
            "",
            line_of(text, "name: 又一个"),
            "indicators[A01].name",
            f"The field “name” is given twice (first on line {line_of(text, 'name: 税收收入')}).",
        ),
    ]


def test_a_gbk_file_gets_a_clear_message() -> None:
    data = MINI_YAML.encode("gbk")
    assert located(parse_yaml(data)[1]) == [
        (
            "",
            line_of(MINI_YAML, "小方案"),
            "",
            "The file seems to be encoded as GBK/GB18030; save it as UTF-8 and import it again.",
        ),
    ]


def test_yaml_aliases_are_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n" + MINI_YAML
    assert located(parse_yaml(bomb)[1]) == [
        ("", 2, "", "YAML anchors and aliases (&, *) are not allowed in plan files."),
    ]


def test_yaml_tags_are_refused() -> None:
    text = edit(MINI_YAML, ("name: 小方案", "name: !!python/object:os.system 小方案"))
    problems = parse_yaml(text)[1]
    assert located(problems) == [
        (
            "",
            line_of(text, "name: !!"),
            "name",
            "YAML tags such as tag:yaml.org,2002:python/object:os.system are not allowed.",
        ),
    ]


def test_tags_on_mappings_are_refused_too() -> None:
    text = edit(
        MINI_YAML,
        (
            "        assignments:\n          - {lead",
            "        assignments:\n          - !!python/object:x {lead",
        ),
    )
    line = line_of(text, "!!python")
    assert located(parse_yaml(text)[1]) == [
        (
            "",
            line,
            "indicators[A01].assignments",
            "YAML tags such as tag:yaml.org,2002:python/object:x are not allowed.",
        ),
        ("", line, "indicators[A01].assignments.lead_unit", "This field is required."),
    ]


def test_invalid_yaml_is_reported_with_its_line() -> None:
    text = edit(MINI_YAML, ("        target: 100", "        target: [100"))
    problems = parse_yaml(text)[1]
    assert len(problems) == 1
    assert problems[0].message.startswith("This is not valid YAML:")
    assert problems[0].line is not None and problems[0].line > line_of(text, "target: [100") - 1


def test_another_format_or_a_newer_version_is_refused() -> None:
    other = edit(MINI_YAML, ("format: kaoping-plan", "format: something-else"))
    assert located(parse_yaml(other)[1]) == [
        ("", 1, "format", "This is not a Kaoping plan file: “format” must be kaoping-plan."),
    ]
    newer = edit(MINI_YAML, ("version: 1", "version: 2"))
    assert located(parse_yaml(newer)[1]) == [
        ("", 2, "version", "This file has format version 2; this Kaoping reads version 1."),
    ]


def test_an_oversized_file_is_refused_before_it_is_read() -> None:
    data = MINI_YAML.encode()
    problems = parse_yaml(data + b"#" * 100, max_bytes=len(data))[1]
    assert [p.message for p in problems] == [
        f"The file is too large: {len(data) + 100} bytes, the limit is {len(data)}."
    ]


def test_group_and_assignment_rules() -> None:
    text = edit(
        MINI_YAML,
        (
            "  - {code: towns, name: 乡镇组, units: [T01, T02]}",
            "  - {code: towns, name: 乡镇组, units: [T01, T02]}\n"
            "  - {code: more, name: 又一组, units: [T02]}",
        ),
        (
            "          - {lead_unit: T01, responsible_person: 赵干事}",
            "          - {lead_unit: T01, supporting_units: [T01], share: 0.5}\n"
            "          - {lead_unit: T01, groups: x}",
        ),
    )
    problems = located(parse_yaml(text)[1])
    more = line_of(text, "code: more")
    second = line_of(text, "groups: x")
    assert problems == [
        (
            "",
            more,
            "groups.units",
            "The unit T02 is already in group towns: a unit is ranked in one group only.",
        ),
        (
            "",
            line_of(text, "supporting_units"),
            "indicators[A01].assignments.supporting_units",
            "The lead unit T01 cannot also be a supporting unit.",
        ),
        (
            "",
            line_of(text, "supporting_units"),
            "indicators[A01].assignments.share",
            "The shares of the lead units of A01 must add up to 1 (now 1.5).",
        ),
        ("", second, "indicators[A01].assignments.groups", "Unknown field “groups”."),
        (
            "",
            second,
            "indicators[A01].assignments.lead_unit",
            "The unit T01 already leads this indicator.",
        ),
    ]


# --- malformed workbooks ---------------------------------------------------------------------
def _workbook(mutate: Any) -> bytes:
    doc = parse_ok(MINI_YAML)
    wb = openpyxl.load_workbook(io.BytesIO(write_xlsx(doc)))
    mutate(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_data_that_is_not_a_workbook_is_refused() -> None:
    assert located(read_xlsx(b"just some text")[1]) == [
        ("", None, "", "This is not an Excel .xlsx workbook.")
    ]
    assert located(read_xlsx(b"PK\x03\x04broken")[1]) == [
        (
            "",
            None,
            "",
            "This is not an Excel .xlsx workbook (the file is damaged or another kind of zip).",
        )
    ]
    assert located(read_xlsx(b"\xd0\xcf\x11\xe0" + b"\0" * 100)[1]) == [
        (
            "",
            None,
            "",
            "This is an old .xls workbook: save it as .xlsx (Excel Workbook) and import that.",
        )
    ]


def test_missing_sheets_and_columns_are_reported() -> None:
    no_sheet = _workbook(lambda wb: wb.remove(wb[planxlsx.SHEET_INDICATORS]))
    assert located(read_xlsx(no_sheet)[1]) == [
        ("指标", None, "", "The workbook has no sheet “指标”.")
    ]

    def drop_column(wb: Any) -> None:
        wb[planxlsx.SHEET_INDICATORS]["C1"] = "名字"

    problems = located(read_xlsx(_workbook(drop_column))[1])
    assert problems == [
        ("指标", None, "", "The plan has no indicators."),
        ("指标", 1, "名字 (C)", "Unknown column “名字”."),
        ("指标", 1, "名称", "The column “名称” is missing."),
        ("分工", 2, "指标代码 (A)", "There is no indicator with the code A01."),
    ]


def test_cycles_and_unknown_parents_in_the_indicator_sheet() -> None:
    def loop(wb: Any) -> None:
        ws = wb[planxlsx.SHEET_INDICATORS]
        ws["B2"] = "A01"  # A's parent is A01, whose parent is A
        ws.append(["B01", "Z", "孤儿", "party"])

    problems = located(read_xlsx(_workbook(loop))[1])
    assert ("指标", 2, "上级代码 (B)", "The parent codes form a cycle: A → A01 → A.") in problems
    assert ("指标", 4, "上级代码 (B)", "There is no indicator with the code Z.") in problems


def test_bad_cells_in_the_workbook_are_located_by_sheet_row_and_column() -> None:
    def spoil(wb: Any) -> None:
        wb[planxlsx.SHEET_PLAN]["B11"] = "零点六"  # weights.indicators
        wb[planxlsx.SHEET_INDICATORS]["L3"] = "abc"
        wb[planxlsx.SHEET_INDICATORS].append(["A01", "A", "重复"])

    problems = located(read_xlsx(_workbook(spoil))[1])
    assert problems[:3] == [
        ("方案", 11, "weights.indicators", "“零点六” is not a number."),
        ("指标", 3, "分值 (L)", "“abc” is not a number."),
        ("指标", 4, "代码 (A)", "The code A01 is used twice (first on row 3)."),
    ]


# --- messages --------------------------------------------------------------------------------
MALFORMED_YAML = [
    edit(MINI_YAML, ("name: 小方案\n", "")),
    edit(MINI_YAML, ("target: 100", "target: 十")),
    edit(MINI_YAML, ("code: A01", "code: A")),
    edit(MINI_YAML, ("owner: C01\n", "owner: C01\nweights: {indicators: 1, public: 1}\n")),
    MINI_YAML.encode("gbk"),
    "a: &a [1]\nb: *a\n",
    "format: [",
]


@pytest.mark.parametrize("text", MALFORMED_YAML)
def test_every_problem_message_goes_through_translation(
    text: str | bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a gettext that marks what it translated
    for module in (planfile, planxlsx, importing):
        monkeypatch.setattr(module, "_", lambda message: "〔译〕" + message)
    # when a malformed file is read
    problems: list[Problem] = parse_yaml(text)[1]
    # then there are problems and every message came from the catalog
    assert problems
    assert all(p.message.startswith("〔译〕") for p in problems), problems
    assert all(str(p).startswith("〔译〕") for p in problems)


def test_problems_read_with_their_location() -> None:
    problem = Problem(7, "分值 (L)", "“abc” is not a number.", "指标")
    assert str(problem) == "sheet “指标”, row 7, 分值 (L): “abc” is not a number."
    assert str(Problem(3, "name", "This field is required.")) == (
        "line 3, name: This field is required."
    )
    assert str(Problem(None, "", "The file is empty.")) == "the file: The file is empty."


def test_empty_file() -> None:
    assert messages(b"") == ["the file: The file is empty."]
