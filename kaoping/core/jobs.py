"""Background jobs that survive their worker: Huey tasks with a JobRun record each.

Huey pops a task off the queue before running it, so a worker killed mid-job (kill -9, out
of memory, the machine restarting) loses the task, and a failed task's last retry ends in a
log line. Every Kaoping job is therefore declared with `job` or `periodic_job` below, which
wrap Huey's `db_task` / `db_periodic_task` and keep a `JobRun` row (kaoping.core.models):

- **start**: the worker claims the run (state "running", attempts + 1, its host:pid:thread)
  unless it is done already or another worker holds it with a fresh heartbeat; a daemon
  thread then refreshes `heartbeat_at` every `KAOPING_JOB_HEARTBEAT_SECONDS`;
- **end**: "done"; or, on an exception, "retrying" while Huey has retries left and "failed"
  (with the error) after the last one, when the job's `on_failure` also marks its object
  failed (a score run, a bulletin) so the office sees it;
- **lost**: `requeue_lost_jobs` (every minute, and when a consumer starts) queues again each
  run still "running" whose heartbeat is older than `KAOPING_JOB_STALE_SECONDS`; after
  `KAOPING_JOB_MAX_REQUEUES` losses the run fails instead.

A run is identified by the job's name and a key: the Huey task id (so each enqueue is its own
run), or for a periodic job the day it runs for, so that several consumers (each of which
enqueues the periodic jobs) run a daily job once. The job bodies are idempotent (see
docs/jobs.md): a rerun after a lost worker, or the rare rerun of a job that had in fact
finished, changes nothing more.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task
from huey.signals import SIGNAL_INTERRUPTED

from kaoping.core.models import JobRun

logger = logging.getLogger(__name__)

State = JobRun.State
ERROR_LIMIT = 2000
KEEP_FINISHED_DAYS = 90


def job_settings() -> dict[str, int]:
    """Heartbeat interval, staleness and requeue limit (settings.KAOPING_JOBS)."""
    return {
        "heartbeat_seconds": 15,
        "stale_seconds": 120,
        "max_requeues": 3,
        **getattr(settings, "KAOPING_JOBS", {}),
    }


@dataclass(frozen=True)
class JobSpec:
    """What the requeue sweep needs to know of a job: its Huey task and failure handler."""

    name: str
    task: Any  # huey TaskWrapper
    periodic: bool
    on_failure: Callable[..., None] | None
    periodic_key: Callable[[], str] | None = None

    def key_of(self, task: Any) -> str:
        """The run key of a Huey task of this job (see the module doc)."""
        given = (task.kwargs or {}).get("job_key")
        if given:
            return str(given)
        return self.periodic_key() if self.periodic_key is not None else str(task.id)


# Filled once at import time by the decorators (like Huey's own task registry).
JOBS: dict[str, JobSpec] = {}


def worker_name() -> str:
    """host:pid:thread of the running worker."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:200]


def local_day() -> str:
    """A daily periodic job's key: the local date it runs on."""
    return timezone.localdate().isoformat()


# --- claiming and finishing a run ---------------------------------------------------------------
def reconnect_if_broken() -> None:
    """After a job's error, drop this thread's connection if the error broke it (never
    inside a transaction: a job run inline, as in the tests, is inside its caller's)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def claim(name: str, key: str, args: list[Any], worker: str) -> JobRun | None:
    """Start a run as `worker`; None when it is done already or held by a live worker."""
    now = timezone.now()
    try:
        with transaction.atomic():
            run, created = JobRun.objects.get_or_create(
                name=name,
                key=key,
                defaults={
                    "args": args,
                    "state": State.RUNNING,
                    "attempts": 1,
                    "worker": worker,
                    "started_at": now,
                    "heartbeat_at": now,
                },
            )
    except IntegrityError:  # created meanwhile by another worker (PostgreSQL)
        run, created = JobRun.objects.get(name=name, key=key), False
    if created:
        return run
    cutoff = now - timedelta(seconds=job_settings()["stale_seconds"])
    claimed = (
        JobRun.objects.filter(pk=run.pk)
        .filter(
            Q(state__in=[State.RETRYING, State.REQUEUED])
            | Q(state=State.RUNNING, heartbeat_at__lt=cutoff)
        )
        .update(
            state=State.RUNNING,
            attempts=F("attempts") + 1,
            worker=worker,
            started_at=now,
            heartbeat_at=now,
            finished_at=None,
        )
    )
    if not claimed:
        return None
    run.refresh_from_db()
    return run


def finish(run_id: int, worker: str, state: str, error: str = "") -> None:
    """Record how the run ended (only if this worker still holds it). A run done keeps the
    last error or requeue reason, so the record says what it went through."""
    reconnect_if_broken()
    changes: dict[str, Any] = {"state": state, "finished_at": timezone.now()}
    if error:
        changes["error"] = error[:ERROR_LIMIT]
    JobRun.objects.filter(pk=run_id, worker=worker, state=State.RUNNING).update(**changes)


class Heartbeat:
    """A daemon thread refreshing a running JobRun's heartbeat until stopped."""

    def __init__(self, run_id: int, worker: str) -> None:
        self.run_id, self.worker = run_id, worker
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"heartbeat-{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        if not HUEY.immediate:  # inline (tests, immediate mode): nothing can lose the job
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        if self.thread.is_alive():
            self.thread.join()

    def _beat(self) -> None:
        interval = job_settings()["heartbeat_seconds"]
        try:
            while not self.stopped.wait(interval):
                try:
                    JobRun.objects.filter(
                        pk=self.run_id, worker=self.worker, state=State.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except Exception:  # a busy SQLite file: the next beat will do
                    logger.warning("Job run %s: heartbeat not written", self.run_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def run_tracked(
    spec: JobSpec, task: Any, key: str, args: tuple[Any, ...], fn: Callable[..., Any]
) -> Any:
    """Run a job body under a claimed JobRun (see the module doc); retries are Huey's, and
    the Huey `task`'s retries left tell whether a failure is the last."""
    worker = worker_name()
    run = claim(spec.name, key, list(args), worker)
    if run is None:
        logger.info("Job %s [%s] is done or running elsewhere: skipped", spec.name, key)
        return None
    with Heartbeat(run.pk, worker):
        try:
            result = fn(*args)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            final = not getattr(task, "retries", 0)
            finish(run.pk, worker, State.FAILED if final else State.RETRYING, error)
            if final:
                fail(spec, list(args), error)
            raise
    finish(run.pk, worker, State.DONE)
    return result


def fail(spec: JobSpec, args: list[Any], error: str) -> None:
    """Let the job mark its object failed, so the failure shows where the office looks."""
    if spec.on_failure is None:
        logger.error("Job %s%s failed for good: %s", spec.name, tuple(args), error)
        return
    try:
        reconnect_if_broken()
        spec.on_failure(*args, error=error)
    except Exception:
        logger.exception("Job %s%s: recording the failure failed", spec.name, tuple(args))


# --- declaring jobs -----------------------------------------------------------------------------
def job(
    *,
    retries: int,
    retry_delay: int,
    on_failure: Callable[..., None] | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """A Huey task with a JobRun record; `on_failure(*args, error=...)` after the last retry.

    `.call_local(*args)` still runs the bare function (no record), as with `db_task`."""

    def decorator(fn: Callable[..., Any]) -> Any:
        name = f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def body(*args: Any, task: Any = None, job_key: str | None = None) -> Any:
            spec = JOBS[name]
            return run_tracked(spec, task, spec.key_of(task), args, fn)

        wrapped = db_task(retries=retries, retry_delay=retry_delay, context=True)(body)
        wrapped.call_local = fn
        JOBS[name] = JobSpec(name, wrapped, False, on_failure)
        return wrapped

    return decorator


def periodic_job(
    schedule: Callable[[datetime], bool],
    *,
    retries: int,
    retry_delay: int,
    key: Callable[[], str] = local_day,
) -> Callable[[Callable[..., Any]], Any]:
    """A periodic Huey task with a JobRun record keyed by `key()` (by default the local
    day): every consumer enqueues periodic tasks, and the key makes them run once."""

    def decorator(fn: Callable[..., Any]) -> Any:
        name = f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def body(task: Any = None, job_key: str | None = None) -> Any:
            spec = JOBS[name]
            return run_tracked(spec, task, spec.key_of(task), (), fn)

        wrapped = db_periodic_task(
            schedule, retries=retries, retry_delay=retry_delay, context=True
        )(body)
        wrapped.call_local = fn
        JOBS[name] = JobSpec(name, wrapped, True, None, key)
        return wrapped

    return decorator


# --- finding lost jobs --------------------------------------------------------------------------
def requeue_lost_jobs(now: datetime | None = None) -> dict[str, int]:
    """Queue again the runs whose worker stopped answering; fail those lost too often.
    Also forgets finished runs older than KEEP_FINISHED_DAYS."""
    now = now or timezone.now()
    config = job_settings()
    cutoff = now - timedelta(seconds=config["stale_seconds"])
    summary = {"requeued": 0, "failed": 0}
    lost = JobRun.objects.filter(state=State.RUNNING, heartbeat_at__lt=cutoff)
    for run in lost:
        spec = JOBS.get(run.name)
        still_lost = JobRun.objects.filter(pk=run.pk, state=State.RUNNING, heartbeat_at__lt=cutoff)
        why = f"worker {run.worker} stopped answering"
        if spec is None or run.requeues >= config["max_requeues"]:
            error = why if spec is not None else f"{why}; unknown job"
            error = f"{error} ({run.requeues + 1} times)"
            if still_lost.update(state=State.FAILED, error=error, finished_at=now):
                summary["failed"] += 1
                if spec is not None:
                    fail(spec, list(run.args), error)
            continue
        if not still_lost.update(state=State.REQUEUED, requeues=F("requeues") + 1, error=why):
            continue  # it answered, or another sweep took it
        task = spec.task.s(*run.args, job_key=run.key)
        try:
            spec.task.huey.enqueue(task)
        except Exception:  # the queue is down: leave it lost for the next sweep
            logger.exception("Requeueing job run %s failed", run.pk)
            JobRun.objects.filter(pk=run.pk, state=State.REQUEUED).update(
                state=State.RUNNING, requeues=F("requeues") - 1
            )
            continue
        logger.warning("Job %s [%s] requeued: %s", run.name, run.key, why)
        summary["requeued"] += 1
    JobRun.objects.filter(
        state__in=[State.DONE, State.FAILED],
        finished_at__lt=now - timedelta(days=KEEP_FINISHED_DAYS),
    ).delete()
    return summary


@db_periodic_task(crontab(minute="*"))
def requeue_lost_jobs_job() -> dict[str, int]:
    """Every minute (on each consumer; the conditional updates make that harmless)."""
    return requeue_lost_jobs()


@HUEY.signal(SIGNAL_INTERRUPTED)
def release_interrupted(signal: str, task: Any, *args: Any) -> None:
    """A consumer stopping at once (SIGTERM) leaves its jobs in flight unfinished: mark
    their runs lost now, so the next sweep or consumer start queues them again without
    waiting for the heartbeat to go stale."""
    spec = JOBS.get(f"{type(task).__module__}.{type(task).__name__}")
    if spec is None:
        return
    try:
        JobRun.objects.filter(
            name=spec.name,
            key=spec.key_of(task),
            state=State.RUNNING,
            worker__startswith=f"{socket.gethostname()}:{os.getpid()}:",
        ).update(heartbeat_at=timezone.now() - timedelta(days=1))
    except Exception:  # shutting down: the stale heartbeat will tell the same later
        logger.exception("Marking the interrupted job %s failed", task)


@HUEY.on_startup()
def requeue_lost_jobs_at_start() -> None:
    """A starting worker picks up what a dead one left (a consumer restarted after a crash)."""
    try:
        requeue_lost_jobs()
    except Exception:
        logger.exception("Looking for lost jobs at start-up failed")
    finally:
        close_old_connections()
