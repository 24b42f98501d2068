"""Background jobs of the inspections app (Huey): the daily overdue-rectification sweep.

Idempotent: a run twice on the same day, or a retry, escalates and notifies nothing new
(see kaoping.inspections.services.rectification_escalate_overdue: each plan in one
transaction, each escalation a conditional update, notifications once per level).
"""

from __future__ import annotations

import logging
from datetime import date

from django.utils import timezone
from huey import crontab

from kaoping.core.jobs import periodic_job

logger = logging.getLogger(__name__)


def overdue_sweep(today: date | None = None) -> dict[str, int]:
    """Escalate overdue rectifications blue → yellow → red and tell who answers for them."""
    from kaoping.inspections.services import rectification_escalate_overdue

    summary = rectification_escalate_overdue(actor=None, today=today or timezone.localdate())
    logger.info("Rectification sweep: %s", summary)
    return summary


# Huey evaluates crontabs in UTC: 23:10 UTC is 07:10 China time, after tracking's sweep.
@periodic_job(crontab(hour="23", minute="10"), retries=2, retry_delay=300)
def rectification_sweep_job() -> dict[str, int]:
    """Every morning at 07:10 China time."""
    return overdue_sweep()
