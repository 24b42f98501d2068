"""kaoping.core.jobs in-process (Huey's immediate mode of the tests): the JobRun record, the
claim a worker takes, periodic jobs once per day, and the sweep that requeues lost jobs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.core import jobs as core_jobs
from kaoping.core.models import JobRun
from kaoping.tracking import jobs as tracking_jobs

RECOMPUTE = "kaoping.tracking.jobs.recompute_report_job"
SWEEP = "kaoping.tracking.jobs.daily_sweep_job"

pytestmark = pytest.mark.django_db


def lost_run(name: str, args: list[Any], **fields: Any) -> JobRun:
    """A run whose worker stopped answering an hour ago."""
    long_ago = timezone.now() - timedelta(hours=1)
    return JobRun.objects.create(
        name=name,
        key=fields.pop("key", "lost-task"),
        args=args,
        state=JobRun.State.RUNNING,
        attempts=1,
        worker="elsewhere:1:Worker-1",
        started_at=long_ago,
        heartbeat_at=long_ago,
        **fields,
    )


def test_every_job_is_declared_with_a_run_record() -> None:
    names = set(core_jobs.JOBS)
    assert {
        "kaoping.tracking.jobs.recompute_report_job",
        "kaoping.tracking.jobs.daily_sweep_job",
        "kaoping.scoring.jobs.compute_run_job",
        "kaoping.bulletins.jobs.build_bulletin_job",
        "kaoping.bulletins.jobs.bulletin_schedule_job",
        "kaoping.inspections.jobs.rectification_sweep_job",
        "kaoping.surveys.jobs.survey_purge_job",
    } <= names
    assert all(
        spec.task.retries >= 1 for name, spec in core_jobs.JOBS.items() if "kaoping." in name
    )


def test_a_queued_job_leaves_a_done_run() -> None:
    result = tracking_jobs.recompute_report_job(123456)  # no such report: nothing to do
    assert result.get() == 0
    run = JobRun.objects.get(name=RECOMPUTE)
    assert (run.key, run.args, run.state, run.attempts) == (result.id, [123456], "done", 1)
    assert run.worker and run.finished_at is not None


def test_a_periodic_job_runs_once_a_day_however_many_consumers_queue_it() -> None:
    tracking_jobs.daily_sweep_job()
    tracking_jobs.daily_sweep_job()  # a second consumer's copy
    run = JobRun.objects.get(name=SWEEP)
    assert (run.key, run.state, run.attempts) == (timezone.localdate().isoformat(), "done", 1)
    assert AuditEvent.objects.filter(action="supervision.sweep").count() == 1


def test_a_claim_skips_done_and_live_runs_and_takes_over_stale_ones() -> None:
    assert core_jobs.claim(RECOMPUTE, "k1", [1], "me:1:T") is not None
    assert core_jobs.claim(RECOMPUTE, "k1", [1], "other:2:T") is None  # alive elsewhere
    lost_run(RECOMPUTE, [2], key="k2")
    taken = core_jobs.claim(RECOMPUTE, "k2", [2], "me:1:T")
    assert taken is not None and (taken.attempts, taken.worker) == (2, "me:1:T")
    core_jobs.finish(taken.pk, "me:1:T", JobRun.State.DONE)
    assert core_jobs.claim(RECOMPUTE, "k2", [2], "me:1:T") is None  # done already


def test_a_lost_job_is_queued_again_and_completes() -> None:
    run = lost_run(RECOMPUTE, [123456])
    assert core_jobs.requeue_lost_jobs() == {"requeued": 1, "failed": 0}
    run.refresh_from_db()  # immediate mode: the requeued job ran at once
    assert (run.state, run.attempts, run.requeues) == ("done", 2, 1)
    assert "stopped answering" in run.error


def test_a_live_job_is_left_alone() -> None:
    run = lost_run(RECOMPUTE, [1])
    JobRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now())
    assert core_jobs.requeue_lost_jobs() == {"requeued": 0, "failed": 0}
    run.refresh_from_db()
    assert (run.state, run.requeues) == ("running", 0)


def test_a_job_lost_too_often_fails_for_good() -> None:
    run = lost_run(RECOMPUTE, [1], requeues=3)
    assert core_jobs.requeue_lost_jobs() == {"requeued": 0, "failed": 1}
    run.refresh_from_db()
    assert run.state == "failed" and "4 times" in run.error


def test_a_failing_job_retries_then_fails_with_its_error(monkeypatch: Any) -> None:
    def boom(report_id: int, today: Any = None) -> int:
        raise RuntimeError("figures unavailable")

    monkeypatch.setattr(tracking_jobs, "recompute_after_approval", boom)
    task = tracking_jobs.recompute_report_job.s(7)
    core_jobs.HUEY.enqueue(task)  # Huey keeps the retry for later (immediate mode drops it)
    run = JobRun.objects.get(key=task.id)
    assert (run.state, run.error) == ("retrying", "RuntimeError: figures unavailable")
    last = tracking_jobs.recompute_report_job.task_class(args=(8,), retries=0)
    core_jobs.HUEY.enqueue(last)
    assert JobRun.objects.get(key=last.id).state == "failed"


def test_old_finished_runs_are_forgotten() -> None:
    old = JobRun.objects.create(
        name=RECOMPUTE,
        key="old",
        state=JobRun.State.DONE,
        finished_at=timezone.now() - timedelta(days=core_jobs.KEEP_FINISHED_DAYS + 1),
    )
    recent = JobRun.objects.create(
        name=RECOMPUTE, key="recent", state=JobRun.State.DONE, finished_at=timezone.now()
    )
    core_jobs.requeue_lost_jobs()
    assert list(JobRun.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not JobRun.objects.filter(pk=old.pk).exists()


def test_the_top_office_reads_the_runs_in_the_admin_and_nobody_changes_them(world: Any) -> None:
    from django.test import Client

    from kaoping.org.models import Role
    from tests.factories import user_with_role

    run = JobRun.objects.create(name=RECOMPUTE, key="k", state=JobRun.State.FAILED, error="x")
    office = world.client_for(Role.OFFICE)  # the county's office: a top-level unit
    assert office.get("/admin/core/jobrun/").status_code == 200
    assert office.get(f"/admin/core/jobrun/{run.pk}/change/").status_code == 200
    assert office.get("/admin/core/jobrun/add/").status_code == 403
    assert office.post(f"/admin/core/jobrun/{run.pk}/delete/").status_code == 403
    town_office = Client()
    town_office.force_login(user_with_role(Role.OFFICE, world.town_a, username="town_office"))
    assert town_office.get("/admin/core/jobrun/").status_code == 403
