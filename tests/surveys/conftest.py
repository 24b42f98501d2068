"""Survey fixtures: a project on the world's plan appraising its four units, a questionnaire
with two unit-rating questions on the five-level preset, and a helper adding respondents."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.utils import translation

from kaoping.surveys import crypto
from kaoping.surveys.models import (
    Frame,
    OptionSet,
    Question,
    Questionnaire,
    Respondent,
    RespondentGroup,
    SurveyProject,
)


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are matched in English, whatever the translations say."""
    with translation.override("en"):
        yield


@pytest.fixture
def project(world: Any) -> SurveyProject:
    project = SurveyProject.objects.create(
        plan=world.plan,
        code="T-ZH",
        name="示范县2022年度综合评议",
        feeds_scoring=True,
        created_by=world.users["office"],
    )
    project.units.set([world.town_a, world.town_b, world.dept_a, world.dept_b])
    questionnaire = Questionnaire.objects.create(project=project, title="综合评议问卷")
    five = OptionSet.objects.get(code="five_level")
    Question.objects.create(
        questionnaire=questionnaire,
        number=1,
        text="您对该单位的工作作风是否满意？",
        option_set=five,
    )
    Question.objects.create(
        questionnaire=questionnaire,
        number=2,
        text="您对该单位的服务效率是否满意？",
        option_set=five,
    )
    return project


def add_respondents(
    project: SurveyProject,
    group: str,
    strata: dict[str, int],
    *,
    census: bool = False,
    start: int = 0,
) -> list[Respondent]:
    """`strata[name]` respondents per stratum in one new frame of `group`; phones are distinct
    mobiles 139xxxxxxxx numbered from `start`."""
    digest = hashlib.sha256(f"{project.pk}:{group}:{start}:{sorted(strata.items())}".encode())
    frame = Frame.objects.create(
        project=project,
        group=group,
        census=census or group in (RespondentGroup.DEPUTY, RespondentGroup.MEMBER),
        file_name=f"{group}.xlsx",
        sha256=digest.hexdigest(),
    )
    made = []
    n = start
    for stratum, count in strata.items():
        for _ in range(count):
            phone = f"139{n:08d}"
            name = f"测试{n}"
            made.append(
                Respondent(
                    project=project,
                    frame=frame,
                    group=group,
                    stratum=stratum,
                    name_encrypted=crypto.encrypt(name),
                    phone_encrypted=crypto.encrypt(phone),
                    phone_hash=crypto.phone_fingerprint(phone),
                    name_masked=crypto.mask_name(name),
                    phone_masked=crypto.mask_phone(phone),
                )
            )
            n += 1
    Respondent.objects.bulk_create(made)
    frame.rows = frame.imported = len(made)
    frame.save(update_fields=["rows", "imported"])
    return list(Respondent.objects.filter(frame=frame))
