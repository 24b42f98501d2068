"""`kaoping generate`: a deterministic synthetic province in an empty database."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from kaoping.core.errors import ApplicationError
from kaoping.demo.generate import (
    DEFAULT_PASSWORD,
    GenerateSummary,
    figures_checksum,
    generate_province,
    office_username,
)
from kaoping.org.models import Unit, User
from kaoping.org.scopes import data_scope
from kaoping.surveys import crypto
from kaoping.surveys.models import Respondent
from kaoping.tracking.models import ProgressReport

pytestmark = pytest.mark.django_db

SMALL = {"towns": 2, "departments": 3}


def _generate_and_roll_back(seed: int) -> GenerateSummary:
    """Generate into the (empty) test database, then undo it: a fresh database each time."""
    with transaction.atomic():
        summary = generate_province(counties=2, seed=seed, **SMALL)
        transaction.set_rollback(True)
    return summary


def test_same_seed_gives_the_same_counts_and_figures() -> None:
    first = _generate_and_roll_back(seed=11)
    assert not Unit.objects.exists()  # rolled back: the second run starts from empty
    second = _generate_and_roll_back(seed=11)
    assert first.counts == second.counts
    assert first.checksum == second.checksum
    assert first.counts["progress_reports"] > 0 and first.counts["respondents"] > 0


def test_another_seed_gives_other_figures() -> None:
    assert _generate_and_roll_back(seed=1).checksum != _generate_and_roll_back(seed=2).checksum


def test_it_builds_the_tree_and_the_report_states() -> None:
    summary = generate_province(counties=2, seed=3, **SMALL)
    assert summary.counts["units"] == 1 + 2 * (1 + 2 + 3)
    problems = Unit.objects.find_problems()  # treebeard: paths, depths and child counts agree
    assert all(not group for group in problems), problems
    county = Unit.objects.get(code="C002")
    assert [u.code for u in Unit.objects.get_children(county)] == [
        "C002-D01",
        "C002-D02",
        "C002-D03",
        "C002-T01",
        "C002-T02",
    ]
    statuses = set(ProgressReport.objects.values_list("status", flat=True))
    assert {"approved", "submitted", "draft"} <= statuses
    assert summary.checksum == figures_checksum()


def test_it_refuses_a_database_that_is_not_empty() -> None:
    Unit.objects.add_root(create_kwargs={"code": "X", "name": "已有单位", "kind": "county"})
    with pytest.raises(ApplicationError, match=r"not empty|不是空的"):
        generate_province(counties=1, seed=0, **SMALL)
    assert Unit.objects.count() == 1


def test_the_office_of_county_2_sees_only_county_2() -> None:
    generate_province(counties=3, seed=5, **SMALL)
    office = User.objects.get(username=office_username(2))
    assert office.check_password(DEFAULT_PASSWORD)
    scope = data_scope(office)
    county_2 = set(Unit.objects.filter(code__startswith="C002").values_list("pk", flat=True))
    assert set(scope.unit_ids) == county_2
    visible = set(Unit.objects.for_user(office).values_list("code", flat=True))
    assert visible and all(code.startswith("C002") for code in visible - {"GP"})
    reporter = User.objects.get(username="c002_t01_reporter")
    assert set(data_scope(reporter).unit_ids) == {Unit.objects.get(code="C002-T01").pk}


def test_respondents_phones_are_encrypted_masked_and_fingerprinted() -> None:
    generate_province(counties=1, seed=9, **SMALL)
    respondent = Respondent.objects.first()
    assert respondent is not None
    phone = crypto.decrypt(respondent.phone_encrypted)
    assert phone not in respondent.phone_encrypted
    assert respondent.phone_masked == crypto.mask_phone(phone)
    assert respondent.phone_hash == crypto.phone_fingerprint(phone)
    assert crypto.mask_name(crypto.decrypt(respondent.name_encrypted)) == respondent.name_masked


def test_the_command_prints_json_and_refuses_a_second_run() -> None:
    out = StringIO()
    call_command("generate", "--counties=1", "--towns=1", "--departments=1", "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["counts"]["units"] == 4
    assert summary["total_rows"] == sum(summary["counts"].values())
    with pytest.raises(CommandError, match=r"not empty|不是空的"):
        call_command("generate", "--counties=1", stdout=StringIO())
