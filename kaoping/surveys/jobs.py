"""Background jobs of the surveys app (Huey): the daily purge of personal data (PIPL).

Idempotent: a project purged already is skipped, so a second run or a retry purges nothing
new (see kaoping.surveys.services.privacy.purge_project: locked, checked and purged in one
transaction per project). `kaoping survey purge` does the same in the foreground.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone
from huey import crontab

from kaoping.core.jobs import periodic_job

logger = logging.getLogger(__name__)


def purge_due_projects(now: datetime | None = None) -> dict[str, int]:
    """Purge the personal data of every closed project past its retention period."""
    from kaoping.surveys.services.privacy import purge_due

    purged = purge_due(now=now or timezone.now(), actor=None)
    summary = {project.code: count for project, count in purged}
    if summary:
        logger.info("Survey personal data purged: %s", summary)
    return summary


# Huey evaluates crontabs in UTC: 18:40 UTC is 02:40 China time, a quiet hour.
@periodic_job(crontab(hour="18", minute="40"), retries=2, retry_delay=600)
def survey_purge_job() -> dict[str, int]:
    """Every night at 02:40 China time."""
    return purge_due_projects()
