"""Which questions of a questionnaire apply to one respondent (pure: no ORM, no clock).

A question applies when it is asked of the respondent's group (an empty `groups` means
everyone) and, if it has skip logic, when the question it depends on applies and was answered
with one of `show_if_answers` (any answer, when that list is empty). A question depending on
one that does not come before it never applies. Answers to questions that do not apply are
dropped (`keep_applicable`), so what a respondent skipped leaves nothing behind.

Answers are keyed by question number: an option's label (rating, single choice), a text
(open answer), or for a unit-rating question a mapping of appraised unit id → label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

UNIT_RATING = "unit_rating"
TEXT = "text"

AnswerValue = str | Mapping[int, str]
Answers = Mapping[int, AnswerValue]


@dataclass(frozen=True)
class FlowQuestion:
    """What the flow needs to know of a question."""

    number: int
    kind: str
    groups: tuple[str, ...] = ()
    show_if_question: int | None = None
    show_if_answers: tuple[str, ...] = ()
    required: bool = True
    options: tuple[str, ...] = ()


def answer_labels(value: AnswerValue | None) -> set[str]:
    """The non-empty labels (or text) an answer consists of."""
    if value is None:
        return set()
    if isinstance(value, str):
        return {value} if value.strip() else set()
    return {label for label in value.values() if label and label.strip()}


def applicable_questions(
    questions: Iterable[FlowQuestion], *, group: str, answers: Answers
) -> list[FlowQuestion]:
    """The questions asked of a respondent of `group` given the answers so far, by number."""
    shown: dict[int, FlowQuestion] = {}
    for question in sorted(questions, key=lambda q: q.number):
        if question.groups and group not in question.groups:
            continue
        parent = question.show_if_question
        if parent is not None:
            if parent >= question.number or parent not in shown:
                continue
            given = answer_labels(answers.get(parent))
            if not given:
                continue
            if question.show_if_answers and not given & set(question.show_if_answers):
                continue
        shown[question.number] = question
    return list(shown.values())


def keep_applicable(
    questions: Iterable[FlowQuestion], *, group: str, answers: Answers
) -> dict[int, AnswerValue]:
    """The answers to the questions that apply (hidden questions' answers dropped).

    One pass is enough: a question whose parent is hidden is hidden too, so an answer that is
    dropped never decided whether a kept question shows.
    """
    numbers = {q.number for q in applicable_questions(questions, group=group, answers=answers)}
    return {n: v for n, v in answers.items() if n in numbers}


def is_answered(question: FlowQuestion, value: AnswerValue | None, units: Sequence[int]) -> bool:
    """A complete answer: every unit rated for a unit-rating question, otherwise non-empty."""
    if question.kind == UNIT_RATING:
        if not units:
            return True  # no appraised unit to ask about
        if value is None or isinstance(value, str):
            return False
        return all((value.get(unit) or "").strip() for unit in units)
    if value is None:
        return False
    return isinstance(value, str) and bool(value.strip())


def missing_required(
    questions: Iterable[FlowQuestion],
    *,
    group: str,
    answers: Answers,
    units: Sequence[int] = (),
) -> list[int]:
    """Numbers of the applicable required questions without a complete answer."""
    return [
        q.number
        for q in applicable_questions(questions, group=group, answers=answers)
        if q.required and not is_answered(q, answers.get(q.number), units)
    ]
