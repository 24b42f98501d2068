"""The questionnaire builder: question validation, skip logic, order, versions and locking,
and custom option sets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.core.errors import ApplicationError
from kaoping.org.models import Role
from kaoping.surveys.models import OptionSet, Question, RespondentGroup, SurveyProject
from kaoping.surveys.services.projects import (
    QuestionInput,
    option_set_create,
    question_add,
    question_delete,
    question_move,
    question_update,
    questionnaire_current,
    questionnaire_new_version,
    questionnaire_update,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(world: Any) -> Any:
    return world.users[Role.OFFICE]


def add(project: SurveyProject, office: Any, **fields: Any) -> Question:
    fields.setdefault("kind", Question.Kind.CHOICE)
    fields.setdefault("text", "您的职业是？")
    if fields["kind"] == Question.Kind.CHOICE:
        fields.setdefault("choices", ["企业主", "居民", "干部"])
    return question_add(
        actor=office, questionnaire=questionnaire_current(project), data=QuestionInput(**fields)
    )


def numbers(project: SurveyProject) -> list[tuple[int, str]]:
    return list(
        questionnaire_current(project).questions.order_by("number").values_list("number", "text")
    )


# --- validation -------------------------------------------------------------------------------
def test_a_question_is_appended_and_audited(project, office) -> None:
    question = add(project, office, groups=[RespondentGroup.BUSINESS_OWNER])
    assert question.number == 3
    assert question.choices == ["企业主", "居民", "干部"]
    assert question.groups == ["business_owner"]
    event = AuditEvent.objects.get(action="survey.question_added")
    assert event.after["text"] == "您的职业是？"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"text": " "}, "needs a text"),
        ({"kind": "essay"}, "Unknown kind"),
        ({"kind": Question.Kind.RATING}, "needs an option set"),
        ({"kind": Question.Kind.UNIT_RATING}, "needs an option set"),
        ({"choices": ["只有一个"]}, "at least two choices"),
        ({"choices": ["是", "是"]}, "only once"),
        ({"choices": ["是", "x" * 61]}, "at most 60"),
        ({"weight": Decimal(-1)}, "weight must be between"),
        ({"groups": ["youth"]}, "Unknown respondent group"),
        ({"show_if_answers": ["是"]}, "Choose the earlier question"),
    ],
)
def test_questions_are_validated(project, office, fields, message) -> None:
    with pytest.raises(ApplicationError, match=message):
        add(project, office, **fields)
    assert questionnaire_current(project).questions.count() == 2


# --- skip logic -------------------------------------------------------------------------------
def test_skip_logic_on_an_earlier_question_and_its_answers(project, office) -> None:
    first = questionnaire_current(project).questions.get(number=1)
    shown = add(
        project,
        office,
        kind=Question.Kind.TEXT,
        text="您不满意的原因是？",
        show_if_question=first,
        show_if_answers=["不太满意", "不满意"],
    )
    assert shown.show_if_question == first
    assert shown.show_if_answers == ["不太满意", "不满意"]


def test_skip_logic_answers_must_be_the_questions_labels(project, office) -> None:
    first = questionnaire_current(project).questions.get(number=1)
    with pytest.raises(ApplicationError, match="“非常差” is not an answer of question 1"):
        add(project, office, show_if_question=first, show_if_answers=["满意", "非常差"])
    with pytest.raises(ApplicationError, match="Choose which answers of question 1"):
        add(project, office, show_if_question=first)


def test_skip_logic_needs_an_earlier_question_with_answers(project, office) -> None:
    open_question = add(project, office, kind=Question.Kind.TEXT, text="意见建议")
    with pytest.raises(ApplicationError, match="offers no answers"):
        add(project, office, show_if_question=open_question, show_if_answers=["x"])
    later = add(project, office)
    second = questionnaire_current(project).questions.get(number=2)
    with pytest.raises(ApplicationError, match="only depend on an earlier question"):
        question_update(
            actor=office,
            question=second,
            data=QuestionInput(
                kind=Question.Kind.RATING,
                text=second.text,
                option_set=second.option_set,
                show_if_question=later,
                show_if_answers=["居民"],
            ),
        )


def test_skip_logic_on_another_questionnaire_is_refused(project, office, world) -> None:
    other = SurveyProject.objects.create(plan=world.plan, code="OTHER", name="另一个")
    elsewhere = other.questionnaires.create(title="问卷")
    foreign = Question.objects.create(
        questionnaire=elsewhere, number=1, text="?", kind="choice", choices=["a", "b"]
    )
    with pytest.raises(ApplicationError, match="same questionnaire"):
        add(project, office, show_if_question=foreign, show_if_answers=["a"])


def test_a_question_others_depend_on_keeps_their_answers(project, office) -> None:
    job = add(project, office)
    add(
        project,
        office,
        kind=Question.Kind.TEXT,
        text="企业规模？",
        show_if_question=job,
        show_if_answers=["企业主"],
    )
    with pytest.raises(ApplicationError, match="Question 4 is shown by answers"):
        question_update(
            actor=office,
            question=job,
            data=QuestionInput(kind=Question.Kind.CHOICE, text=job.text, choices=["居民", "干部"]),
        )
    with pytest.raises(ApplicationError, match="Questions 4 depend on this one"):
        question_delete(actor=office, question=job)
    with pytest.raises(ApplicationError, match="must stay after it"):
        question_move(actor=office, question=job, up=False)


# --- order and deletion -----------------------------------------------------------------------
def test_moving_and_deleting_keep_the_numbers_contiguous(project, office) -> None:
    third = add(project, office, text="第三题")
    question_move(actor=office, question=third, up=True)
    assert [t for _n, t in numbers(project)] == [
        "您对该单位的工作作风是否满意？",
        "第三题",
        "您对该单位的服务效率是否满意？",
    ]
    first = questionnaire_current(project).questions.get(number=1)
    question_move(actor=office, question=first, up=True)  # already first: nothing changes
    question_delete(actor=office, question=first)
    assert numbers(project) == [(1, "第三题"), (2, "您对该单位的服务效率是否满意？")]
    assert AuditEvent.objects.filter(action="survey.question_moved").count() == 1
    assert AuditEvent.objects.get(action="survey.question_deleted").before["number"] == 1


def test_an_update_is_audited_and_checks_the_version(project, office) -> None:
    question = questionnaire_current(project).questions.get(number=2)
    data = QuestionInput(
        kind=Question.Kind.UNIT_RATING,
        text="服务效率",
        option_set=OptionSet.objects.get(code="twelve340"),
        weight=Decimal(2),
    )
    question_update(actor=office, question=question, data=data, expected_version=1)
    question.refresh_from_db()
    assert (question.text, question.option_set.code, question.weight) == (
        "服务效率",
        "twelve340",
        Decimal(2),
    )
    event = AuditEvent.objects.get(action="survey.question_updated")
    assert event.before["text"] == "您对该单位的服务效率是否满意？"
    with pytest.raises(ApplicationError, match="Someone else changed this"):
        question_update(actor=office, question=question, data=data, expected_version=1)


# --- locking and versions ---------------------------------------------------------------------
def test_a_locked_questionnaire_refuses_every_change(project, office) -> None:
    questionnaire = questionnaire_current(project)
    questionnaire.locked_at = timezone.now()
    questionnaire.save()
    first = questionnaire.questions.get(number=1)
    attempts = [
        lambda: add(project, office),
        lambda: question_update(
            actor=office, question=first, data=QuestionInput(kind="text", text="x")
        ),
        lambda: question_delete(actor=office, question=first),
        lambda: question_move(actor=office, question=first, up=False),
        lambda: questionnaire_update(
            actor=office, questionnaire=questionnaire, title="新", introduction=""
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError, match="Version 1 of the questionnaire is locked"):
            attempt()
    assert numbers(project)[0] == (1, "您对该单位的工作作风是否满意？")


def test_a_new_version_copies_the_questions_and_their_skip_logic(project, office) -> None:
    first = questionnaire_current(project).questions.get(number=1)
    add(
        project,
        office,
        kind="text",
        text="原因",
        show_if_question=first,
        show_if_answers=["不满意"],
    )
    copy = questionnaire_new_version(project=project, actor=office)
    assert copy.version == 2
    assert questionnaire_current(project) == copy
    old = project.questionnaires.get(version=1)
    assert old.locked_at is not None
    copied = list(copy.questions.order_by("number"))
    assert [(q.number, q.text) for q in copied] == list(
        old.questions.order_by("number").values_list("number", "text")
    )
    assert copied[2].show_if_question == copied[0]
    assert copied[2].show_if_answers == ["不满意"]
    assert old.questions.count() == 3
    # the copy is the one being edited now
    question_delete(actor=office, question=copied[2])
    assert old.questions.count() == 3
    with pytest.raises(ApplicationError, match="Only the newest questionnaire version"):
        question_delete(actor=office, question=old.questions.get(number=1))
    assert AuditEvent.objects.get(action="survey.questionnaire_version_created").after == {
        "version": 2,
        "questions": 3,
    }


def test_no_new_version_once_fieldwork_started(project, office) -> None:
    SurveyProject.objects.filter(pk=project.pk).update(status=SurveyProject.Status.FIELDWORK)
    project.refresh_from_db()
    with pytest.raises(ApplicationError, match="Fieldwork has started"):
        questionnaire_new_version(project=project, actor=office)
    assert project.questionnaires.count() == 1


def test_title_and_introduction(project, office) -> None:
    questionnaire = questionnaire_current(project)
    questionnaire_update(
        actor=office, questionnaire=questionnaire, title="新标题", introduction="您好！"
    )
    questionnaire.refresh_from_db()
    assert (questionnaire.title, questionnaire.introduction) == ("新标题", "您好！")
    with pytest.raises(ApplicationError, match="needs a title"):
        questionnaire_update(actor=office, questionnaire=questionnaire, title="", introduction="")


# --- option sets ------------------------------------------------------------------------------
def test_a_custom_option_set(office) -> None:
    option_set = option_set_create(
        actor=office,
        name="三级",
        options=[("好", 100.0), ("一般", 60.0), ("差", 0.0), ("说不清", None)],
    )
    assert option_set.options == [["好", 100.0], ["一般", 60.0], ["差", 0.0], ["说不清", None]]
    assert option_set.code.startswith("custom-")
    assert AuditEvent.objects.get(action="survey.option_set_created").after["name"] == "三级"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([("好", 100.0), ("不了解", None)], "at least two answers with a score"),
        ([("好", 100.0), ("好", 0.0)], "only once"),
        ([("好", 100.0), ("差", -1.0)], "between 0 and 1000"),
    ],
)
def test_option_sets_are_validated(office, options, message) -> None:
    with pytest.raises(ApplicationError, match=message):
        option_set_create(actor=office, name="x", options=options)
    assert not OptionSet.objects.filter(name="x").exists()
