"""The rectification sweep job: two sweeps at once escalate (audit, notify) once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kaoping.audit.models import AuditEvent
from kaoping.inspections import services
from kaoping.inspections.models import Rectification
from kaoping.tracking.models import Notification
from tests.inspections.test_rectifications import DEADLINE, open_one


def test_a_sweep_overtaken_by_another_escalates_nothing_again(insp: Any, monkeypatch: Any) -> None:
    r = open_one(insp)
    day = DEADLINE + timedelta(days=2)
    real_escalate = services._escalate_plan
    overtaken: list[int] = []

    def another_sweep_first(items: list[Rectification], *args: Any) -> None:
        if not overtaken:  # this sweep has read the rectifications; another one runs now
            overtaken.append(1)
            services.rectification_escalate_overdue(today=day)
        real_escalate(items, *args)

    monkeypatch.setattr(services, "_escalate_plan", another_sweep_first)
    summary = services.rectification_escalate_overdue(today=day)
    assert summary["escalated"] == 0 and summary["notifications"] == 0
    r.refresh_from_db()
    assert r.escalation_level == "blue"
    escalations = AuditEvent.objects.filter(
        action="inspection.rectification_escalate", object_id=str(r.pk)
    )
    assert escalations.count() == 1
    assert (
        Notification.objects.filter(dedupe_key__startswith=f"rectification:{r.pk}:overdue:").count()
        == 2
    )
