"""Background jobs of the tracking app (Huey): recompute after an approval, the daily sweep.

Both are idempotent: a job run twice, or retried after a crash, leaves the same figures,
alerts, notices and notifications as one run (see kaoping.tracking.services.supervision:
figures are upserts, alerts, notices, explanations and notifications have unique keys).
The recompute runs in one transaction, so a worker killed mid-way leaves nothing half done;
the sweep takes each plan in its own transaction, and a rerun finishes the plans left.
`kaoping sweep --date YYYY-MM-DD` runs the daily sweep in the foreground.
"""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.utils import timezone
from huey import crontab

from kaoping.core.jobs import job, periodic_job
from kaoping.tracking.models import ProgressReport

logger = logging.getLogger(__name__)


@transaction.atomic
def recompute_after_approval(report_id: int, today: date | None = None) -> int:
    """Recompute the figures an approved report feeds, then alert, escalate and ask for
    explanations on that indicator and unit at once (not waiting for the daily sweep);
    all in one transaction."""
    from kaoping.tracking.services.results import recompute_for_report
    from kaoping.tracking.services.supervision import supervise_plan

    report = (
        ProgressReport.objects.select_related("indicator__plan__cycle")
        .filter(pk=report_id, status=ProgressReport.Status.APPROVED)
        .first()
    )
    if report is None:  # withdrawn or superseded meanwhile: nothing to do
        return 0
    today = today or timezone.localdate()
    stored = recompute_for_report(report=report, today=today)
    plan = report.indicator.plan
    if plan.status == plan.Status.PUBLISHED:
        supervise_plan(
            plan=plan,
            today=today,
            recompute=False,
            unit_ids={report.unit_id},
            indicator_ids={report.indicator_id},
        )
    return stored


@job(retries=2, retry_delay=30)
def recompute_report_job(report_id: int) -> int:
    """Queue `recompute_after_approval` (enqueue it in transaction.on_commit)."""
    return recompute_after_approval(report_id)


def daily_sweep(today: date | None = None) -> dict[str, int]:
    """Recompute, alert, escalate, request explanations and remind (every plan)."""
    from kaoping.tracking.services.supervision import supervision_sweep

    summary = supervision_sweep(today=today or timezone.localdate())
    logger.info("Supervision sweep: %s", summary.as_dict())
    return summary.as_dict()


# Huey evaluates crontabs in UTC (its default `utc=True`): 23:00 UTC is 07:00 in China, before
# the offices open. The sweep itself works on the local date (settings.TIME_ZONE).
@periodic_job(crontab(hour="23", minute="0"), retries=2, retry_delay=300)
def daily_sweep_job() -> dict[str, int]:
    """Every morning at 07:00 China time."""
    return daily_sweep()
