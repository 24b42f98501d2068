"""compute_run_job: idempotent, retried, and a run it gives up on is shown failed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import OperationalError
from django.utils import timezone

from kaoping.audit.models import AuditEvent
from kaoping.core import jobs as core_jobs
from kaoping.core.models import JobRun
from kaoping.scoring import jobs, services
from kaoping.scoring.models import ScoreRun

JOB = "kaoping.scoring.jobs.compute_run_job"


def computing(scored: Any) -> ScoreRun:
    """A run left "computing" for the job (on_commit does not fire in the test)."""
    run = services.score_run_start(actor=scored.users["office"], plan=scored.plan, background=True)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.COMPUTING
    return run


def audits(run: ScoreRun, action: str) -> int:
    return AuditEvent.objects.filter(action=action, object_id=str(run.pk)).count()


def test_the_job_computes_once_however_often_it_runs(scored: Any) -> None:
    run = computing(scored)
    assert jobs.compute_run_job(run.pk).get() == ScoreRun.Status.DONE
    assert jobs.compute_run_job(run.pk).get() == ScoreRun.Status.DONE  # a duplicate
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE and run.results.count() == 4
    assert audits(run, "score_run.compute") == 1
    assert list(JobRun.objects.filter(name=JOB).values_list("state", flat=True)) == ["done"] * 2


def test_a_failure_with_retries_left_keeps_the_run_computing(scored: Any, monkeypatch: Any) -> None:
    run = computing(scored)

    def down(*, run_id: int) -> ScoreRun:
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "score_run_compute", down)
    task = jobs.compute_run_job.s(run.pk)
    assert task.retries >= 1
    core_jobs.HUEY.enqueue(task)
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.COMPUTING
    assert JobRun.objects.get(key=task.id).state == JobRun.State.RETRYING


def test_the_last_failure_marks_the_run_failed_with_the_error(
    scored: Any, monkeypatch: Any
) -> None:
    run = computing(scored)

    def down(*, run_id: int) -> ScoreRun:
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "score_run_compute", down)
    core_jobs.HUEY.enqueue(jobs.compute_run_job.task_class(args=(run.pk,), retries=0))
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.FAILED
    assert run.error == "OperationalError: the database went away"
    assert audits(run, "score_run.fail") == 1
    assert JobRun.objects.get(name=JOB).state == JobRun.State.FAILED


def test_a_run_lost_with_its_workers_too_often_is_marked_failed(scored: Any) -> None:
    run = computing(scored)
    long_ago = timezone.now() - timedelta(hours=1)
    JobRun.objects.create(
        name=JOB,
        key="t1",
        args=[run.pk],
        state=JobRun.State.RUNNING,
        attempts=4,
        requeues=3,
        worker="gone:1:Worker-1",
        heartbeat_at=long_ago,
    )
    assert core_jobs.requeue_lost_jobs() == {"requeued": 0, "failed": 1}
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.FAILED and "stopped answering" in run.error


def test_failing_a_run_done_meanwhile_changes_nothing(scored: Any) -> None:
    run = computing(scored)
    services.score_run_compute(run_id=run.pk)
    services.score_run_fail(run_id=run.pk, error="late")
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE and run.error == ""
    assert audits(run, "score_run.fail") == 0
