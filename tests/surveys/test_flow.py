"""Which questions apply (kaoping.surveys.flow): groups, skip logic, dropped answers, required
answers; properties checked with hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kaoping.surveys.flow import (
    FlowQuestion,
    applicable_questions,
    keep_applicable,
    missing_required,
)

Q1 = FlowQuestion(1, "choice", options=("是", "否"))
Q2 = FlowQuestion(2, "rating", show_if_question=1, show_if_answers=("是",), options=("好", "差"))
Q3 = FlowQuestion(3, "choice", groups=("business_owner",), options=("是", "否"))
Q4 = FlowQuestion(4, "text", show_if_question=2, show_if_answers=("差",), required=False)
Q5 = FlowQuestion(5, "unit_rating", options=("满意", "不满意", "不了解"))
QUESTIONS = [Q5, Q3, Q1, Q4, Q2]  # any order in, number order out


def numbers(questions: list[FlowQuestion]) -> list[int]:
    return [q.number for q in questions]


def test_groups_limit_questions() -> None:
    resident = applicable_questions(QUESTIONS, group="resident", answers={})
    owner = applicable_questions(QUESTIONS, group="business_owner", answers={})
    assert numbers(resident) == [1, 5]
    assert numbers(owner) == [1, 3, 5]


def test_skip_logic_follows_answers_and_chains() -> None:
    assert numbers(applicable_questions(QUESTIONS, group="resident", answers={1: "否"})) == [1, 5]
    assert numbers(applicable_questions(QUESTIONS, group="resident", answers={1: "是"})) == [
        1,
        2,
        5,
    ]
    both = applicable_questions(QUESTIONS, group="resident", answers={1: "是", 2: "差"})
    assert numbers(both) == [1, 2, 4, 5]
    # the chain breaks when its first link hides: 4 depends on 2, which depends on 1
    hidden = applicable_questions(QUESTIONS, group="resident", answers={1: "否", 2: "差"})
    assert numbers(hidden) == [1, 5]


def test_skip_logic_on_a_unit_rating_and_on_any_answer() -> None:
    follow = FlowQuestion(6, "text", show_if_question=5, show_if_answers=("不满意",))
    any_answer = FlowQuestion(7, "text", show_if_question=5)
    qs = [Q5, follow, any_answer]
    assert numbers(applicable_questions(qs, group="r", answers={})) == [5]
    rated = {5: {10: "满意", 11: "不满意"}}
    assert numbers(applicable_questions(qs, group="r", answers=rated)) == [5, 6, 7]
    assert numbers(applicable_questions(qs, group="r", answers={5: {10: "满意"}})) == [5, 7]


def test_forward_or_unknown_dependency_never_applies() -> None:
    forward = FlowQuestion(1, "text", show_if_question=2)
    orphan = FlowQuestion(3, "text", show_if_question=9)
    target = FlowQuestion(2, "text")
    assert numbers(
        applicable_questions([forward, target, orphan], group="r", answers={2: "x", 9: "y"})
    ) == [2]


def test_hidden_answers_are_dropped() -> None:
    kept = keep_applicable(
        QUESTIONS, group="resident", answers={1: "否", 2: "差", 4: "太慢", 3: "是"}
    )
    assert kept == {1: "否"}


def test_missing_required_counts_every_unit() -> None:
    answers = {1: "是", 5: {10: "满意"}}
    assert missing_required(QUESTIONS, group="resident", answers=answers, units=[10, 11]) == [2, 5]
    answers = {1: "是", 2: "差", 5: {10: "满意", 11: "不了解"}}
    # 4 applies but is optional
    assert missing_required(QUESTIONS, group="resident", answers=answers, units=[10, 11]) == []
    assert missing_required(QUESTIONS, group="resident", answers={1: "  "}, units=[]) == [1]


# --- properties -----------------------------------------------------------------------------
GROUPS = ("resident", "cadre", "deputy")
LABELS = ("a", "b", "c")


@st.composite
def questionnaires(draw: st.DrawFn) -> list[FlowQuestion]:
    count = draw(st.integers(min_value=1, max_value=8))
    made = []
    for number in range(1, count + 1):
        parent = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=count)))
        made.append(
            FlowQuestion(
                number=number,
                kind="choice",
                groups=tuple(draw(st.lists(st.sampled_from(GROUPS), max_size=2, unique=True))),
                show_if_question=parent,
                show_if_answers=tuple(
                    draw(st.lists(st.sampled_from(LABELS), max_size=2, unique=True))
                ),
                required=draw(st.booleans()),
                options=LABELS,
            )
        )
    return made


answer_maps = st.dictionaries(st.integers(min_value=1, max_value=8), st.sampled_from(LABELS))


@given(questionnaires(), st.sampled_from(GROUPS), answer_maps)
def test_applicable_questions_are_sound(
    questions: list[FlowQuestion], group: str, answers: dict[int, str]
) -> None:
    shown = applicable_questions(questions, group=group, answers=answers)
    shown_numbers = numbers(shown)
    assert shown_numbers == sorted(shown_numbers)
    for q in shown:
        assert not q.groups or group in q.groups
        if q.show_if_question is not None:
            # its parent comes before it, is shown and was answered as the rule wants
            assert q.show_if_question in shown_numbers
            assert q.show_if_question < q.number
            given_answer = answers.get(q.show_if_question)
            assert given_answer
            assert not q.show_if_answers or given_answer in q.show_if_answers
    # a question without a group limit or skip logic is always shown
    for q in questions:
        if not q.groups and q.show_if_question is None:
            assert q.number in shown_numbers


@given(questionnaires(), st.sampled_from(GROUPS), answer_maps)
def test_dropping_hidden_answers_changes_nothing_shown(
    questions: list[FlowQuestion], group: str, answers: dict[int, str]
) -> None:
    kept = keep_applicable(questions, group=group, answers=answers)
    assert set(kept) <= set(answers)
    assert numbers(applicable_questions(questions, group=group, answers=kept)) == numbers(
        applicable_questions(questions, group=group, answers=answers)
    )
    assert keep_applicable(questions, group=group, answers=kept) == kept
    missing = missing_required(questions, group=group, answers=kept)
    shown = applicable_questions(questions, group=group, answers=kept)
    assert missing == [q.number for q in shown if q.required and q.number not in kept]
