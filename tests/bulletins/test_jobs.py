"""build_bulletin_job: one build however many run, and a build it gives up on is shown."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError

from kaoping.audit.models import AuditEvent
from kaoping.bulletins import content, jobs, services
from kaoping.bulletins.models import Bulletin, BulletinSchedule
from kaoping.core import jobs as core_jobs
from kaoping.core.models import JobRun
from kaoping.org.models import Role
from kaoping.tracking.models import Notification


def generating(county: Any, schedule: BulletinSchedule | None = None) -> Bulletin:
    """A bulletin left "generating" (on_commit does not fire in the test)."""
    return services.bulletin_generate(
        plan=county.plan, period="2022Q3", actor=county.users[Role.OFFICE], schedule=schedule
    )


def audits(bulletin: Bulletin, action: str) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(bulletin.pk)).count()


def test_the_last_failure_marks_the_bulletin_failed_with_the_error(
    county: Any, monkeypatch: Any
) -> None:
    bulletin = generating(county)

    def down(*, bulletin_id: int, today: Any = None) -> Bulletin:
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "bulletin_build", down)
    retried = jobs.build_bulletin_job.s(bulletin.pk)
    core_jobs.HUEY.enqueue(retried)
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.GENERATING  # a retry is due
    assert JobRun.objects.get(key=retried.id).state == JobRun.State.RETRYING
    core_jobs.HUEY.enqueue(jobs.build_bulletin_job.task_class(args=(bulletin.pk,), retries=0))
    bulletin.refresh_from_db()
    assert bulletin.status == Bulletin.Status.FAILED
    assert bulletin.error == "OperationalError: the database went away"
    assert audits(bulletin, "bulletin.fail") == 1


def test_of_two_builds_at_once_one_stores_audits_and_notifies(
    county: Any, monkeypatch: Any
) -> None:
    schedule = BulletinSchedule.objects.create(
        plan=county.plan, period_kind=BulletinSchedule.Kind.QUARTERLY, day_of_month=8
    )
    bulletin = generating(county, schedule)
    real_build = content.build_sections
    builds: list[int] = []

    def the_other_worker_finishes_first(**kwargs: Any) -> Any:
        builds.append(1)
        if len(builds) == 1:  # while this build works, another worker does a whole build
            services.bulletin_build(bulletin_id=bulletin.pk)
        return real_build(**kwargs)

    monkeypatch.setattr(content, "build_sections", the_other_worker_finishes_first)
    assert jobs.build_bulletin_job(bulletin.pk).get() == Bulletin.Status.DRAFT
    assert len(builds) == 2 and audits(bulletin, "bulletin.build") == 1
    notified = Notification.objects.filter(dedupe_key=f"bulletin:{bulletin.pk}:draft")
    assert notified.count() == notified.values("user").distinct().count() >= 1
    assert jobs.build_bulletin_job(bulletin.pk).get() == Bulletin.Status.DRAFT  # and again
    assert audits(bulletin, "bulletin.build") == 1
