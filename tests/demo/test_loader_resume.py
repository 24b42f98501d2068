"""The loader on a database that already holds part of the demo, or an expired demo account."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from kaoping.demo import data
from kaoping.demo.loader import load_demo
from kaoping.org import services as org_services
from kaoping.org.models import Unit, User
from kaoping.plans import services as plan_services
from kaoping.plans.models import Indicator, Plan

pytestmark = pytest.mark.django_db


def test_a_draft_plan_of_the_demo_is_completed_and_published() -> None:
    # given the county and a draft of its 2022 provincial plan with one category only
    county = org_services.unit_create(
        actor=None, code=data.COUNTY, name="示范县", kind=Unit.Kind.COUNTY
    )
    cycle = plan_services.cycle_get_or_create(actor=None, year=2022, name="2022年度")
    draft = plan_services.plan_create(
        actor=None,
        cycle=cycle,
        owner=county,
        code="provincial-2022",
        name="草稿",
        kind=Plan.Kind.PROVINCIAL,
    )
    plan_services.indicator_create(
        actor=None,
        plan=draft,
        code="A",
        name="经济建设",
        category=Indicator.Category.ECONOMIC,
        points=Decimal("40"),
    )
    # when the demo is loaded
    summary = load_demo()
    # then the draft keeps its name, gains the rest of the tree and is published
    draft.refresh_from_db()
    assert draft.status == Plan.Status.PUBLISHED and draft.name == "草稿"
    assert draft.indicators.filter(code="A").count() == 1
    assert draft.indicators.filter(name="外贸进出口总额").exists()
    assert draft.indicators.count() == Plan.objects.get(code="provincial-2021").indicators.count()
    assert summary.counts["plans"] == 4 and summary.created["plans"] == 3


def test_an_expired_demo_password_is_restored() -> None:
    load_demo()
    user = User.objects.get(username="jmj_reporter")
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=400), must_change_password=True
    )
    load_demo()
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.password_changed_at > timezone.now() - timedelta(minutes=5)
    assert user.check_password(settings.KAOPING_DEMO_PASSWORD)
