"""Background jobs of the bulletins app (Huey): build a bulletin's content, and the daily run
of the bulletin schedules.

Both are idempotent: a bulletin already built is left alone (its final write is conditional
on its still being "generating", so of two concurrent builds one writes, audits and
notifies), and a schedule drafts one bulletin per period however often the daily job runs
(checked, and a unique constraint). A build that fails for good marks the bulletin failed
with the error (kaoping.core.jobs).
"""

from __future__ import annotations

import logging
from datetime import date

from django.utils import timezone
from huey import crontab

from kaoping.core.jobs import job, periodic_job

logger = logging.getLogger(__name__)


def mark_failed(bulletin_id: int, *, error: str) -> None:
    """The job gave up: show the bulletin as failed, with the error."""
    from kaoping.bulletins.services import bulletin_fail

    bulletin_fail(bulletin_id=bulletin_id, error=error)


@job(retries=2, retry_delay=30, on_failure=mark_failed)
def build_bulletin_job(bulletin_id: int) -> str:
    """Build a bulletin left "generating"; returns its status afterwards."""
    from kaoping.bulletins.services import bulletin_build

    return bulletin_build(bulletin_id=bulletin_id).status


def scheduled_run(today: date | None = None) -> int:
    """Draft the bulletins of the schedules due today; returns how many were started."""
    from kaoping.bulletins.services import schedules_run

    started = schedules_run(today=today or timezone.localdate())
    logger.info("Bulletin schedules: %d drafts started", len(started))
    return len(started)


# Huey evaluates crontabs in UTC: 23:20 UTC is 07:20 China time, after the tracking sweep.
@periodic_job(crontab(hour="23", minute="20"), retries=2, retry_delay=300)
def bulletin_schedule_job() -> int:
    """Every morning at 07:20 China time."""
    return scheduled_run()
