"""recompute_report_job is all or nothing: a failure (or a killed worker) half way through
keeps none of it, and the rerun does it all once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from typing import Any

import pytest

from kaoping.audit.models import AuditEvent
from kaoping.plans.models import Plan
from kaoping.tracking import jobs
from kaoping.tracking.models import (
    Alert,
    Explanation,
    Notification,
    ProgressReport,
    SupervisionNotice,
    TrackingResult,
)
from kaoping.tracking.services import supervision

AFTER_Q1 = date(2022, 4, 20)


def counts() -> dict[str, int]:
    return {
        "figures": TrackingResult.objects.count(),
        "alerts": Alert.objects.count(),
        "notices": SupervisionNotice.objects.count(),
        "explanations": Explanation.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def test_a_recompute_failing_after_the_figures_keeps_none_of_them(
    world: Any, monkeypatch: Any
) -> None:
    Plan.objects.filter(pk=world.plan.pk).update(status=Plan.Status.PUBLISHED)
    report = ProgressReport.objects.create(
        indicator=world.indicator_a,
        unit=world.town_a,
        period="2022Q1",
        status=ProgressReport.Status.APPROVED,
        value=D(10),
    )
    seen: list[int] = []
    real_supervise = supervision.supervise_plan

    def dies_after_the_figures(**kwargs: Any) -> Any:
        seen.append(TrackingResult.objects.filter(report=report).count())
        raise RuntimeError("worker lost")

    monkeypatch.setattr(supervision, "supervise_plan", dies_after_the_figures)
    with pytest.raises(RuntimeError):
        jobs.recompute_after_approval(report.pk, today=AFTER_Q1)
    assert seen == [1]  # the figures were written inside the job's transaction...
    assert not TrackingResult.objects.filter(report=report).exists()  # ...and rolled back
    monkeypatch.setattr(supervision, "supervise_plan", real_supervise)
    assert jobs.recompute_after_approval(report.pk, today=AFTER_Q1) == 1
    after_one = counts()
    assert after_one["alerts"] == 1  # 10 of 100 is far behind at the end of Q1
    assert jobs.recompute_after_approval(report.pk, today=AFTER_Q1) == 1  # a rerun
    assert counts() == after_one
