"""Real `kaoping run_huey` consumers: several at once on Redis, one on the SQLite job file
(what a county runs), and a consumer killed with SIGKILL in the middle of a job."""

from __future__ import annotations

import os
import signal
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from kaoping.bulletins.jobs import build_bulletin_job
from kaoping.scoring.jobs import compute_run_job
from kaoping.tracking.jobs import recompute_report_job
from tests.workers.conftest import JOB_TIMING, WorkerDatabase, Workers, seed, wait_until
from tests.workers.tasks import probe_job

PROBE = "tests.workers.tasks.probe_job"


def runs_by_key(database: WorkerDatabase, keys: list[str]) -> dict[str, dict[str, Any]]:
    marks = ", ".join(["%s"] * len(keys))
    columns = ("key", "name", "state", "attempts", "requeues", "worker", "error")
    # Only constant column names and placeholders are formatted into the statement.
    sql = f"SELECT {', '.join(columns)} FROM core_jobrun WHERE key IN ({marks})"  # noqa: S608
    rows = database.rows(sql, *keys)
    return {row[0]: dict(zip(columns, row, strict=True)) for row in rows}


def all_done(workers: Workers, keys: list[str]) -> bool:
    runs = runs_by_key(workers.database, keys)
    failed = [run for run in runs.values() if run["state"] == "failed"]
    if failed:
        pytest.fail(f"Jobs failed: {failed}\n{workers.logs()}")
    return len(runs) == len(keys) and all(run["state"] == "done" for run in runs.values())


def queue_real_jobs(workers: Workers, ids: dict[str, list[int]], twice: bool) -> list[str]:
    """Queue the seeded jobs (each bulletin build twice when `twice`); their task ids."""
    keys = []
    for bulletin_id in ids["bulletins"]:
        for _copy in range(2 if twice else 1):
            keys.append(workers.enqueue(build_bulletin_job, bulletin_id))
    keys += [workers.enqueue(compute_run_job, run_id) for run_id in ids["runs"]]
    keys += [workers.enqueue(recompute_report_job, report_id) for report_id in ids["reports"]]
    return keys


def assert_built_once(database: WorkerDatabase, ids: dict[str, list[int]]) -> None:
    """Every job's result is there, and written (and audited) once."""
    for bulletin_id in ids["bulletins"]:
        status = database.scalar("SELECT status FROM bulletins_bulletin WHERE id = %s", bulletin_id)
        assert status == "draft"
        assert database.audit_count("bulletin.build", bulletin_id) == 1
    for run_id in ids["runs"]:
        assert (
            database.scalar("SELECT status FROM scoring_scorerun WHERE id = %s", run_id) == "done"
        )
        assert database.audit_count("score_run.compute", run_id) == 1
        units = database.scalar("SELECT count(*) FROM scoring_unitresult WHERE run_id = %s", run_id)
        assert units == 3  # the three towns, once each
    for report_id in ids["reports"]:
        stored = database.scalar(
            "SELECT count(*) FROM tracking_trackingresult WHERE report_id = %s", report_id
        )
        assert stored == 1


def test_several_consumers_share_the_redis_queue_and_each_job_runs_once(
    workers_factory: Any, worker_database: WorkerDatabase
) -> None:
    workers = workers_factory("redis")
    ids = seed(worker_database, reports=3, runs=2, bulletins=3)
    first, second = workers.start(threads=2), workers.start(threads=2)
    # Given four probes that each wait to be released: only four worker threads can hold
    # them at once, two in each consumer.
    tag = uuid.uuid4().hex[:8]
    probes = [f"share-{tag}-{n}" for n in range(4)]
    probe_keys = [workers.enqueue(probe_job, key) for key in probes]
    wait_until(lambda: all(workers.started(key) for key in probes), "four probes running")
    holders = {holder for key in probes for holder in workers.started(key)}
    assert len(holders) == 4
    assert {pid for pid, _thread in holders} == {first.pid, second.pid}
    for key in probes:
        workers.release(key)
    # When the real jobs are queued (every bulletin build twice) beside them
    keys = queue_real_jobs(workers, ids, twice=True)
    wait_until(lambda: all_done(workers, probe_keys + keys), "every job done")
    # Then each ran once where it matters: one draft, one score computation, one figure
    assert_built_once(worker_database, ids)
    runs = runs_by_key(worker_database, probe_keys + keys)
    assert all(run["attempts"] == 1 and run["requeues"] == 0 for run in runs.values())
    workers_seen = {run["worker"].split(":")[1] for run in runs.values()}
    assert {str(first.pid), str(second.pid)} <= workers_seen
    assert all(worker_database.audit_count("workers.probe.done", key) == 1 for key in probes)


def test_the_sqlite_job_file_serves_a_county(
    workers_factory: Any, worker_database: WorkerDatabase
) -> None:
    workers = workers_factory("sqlite")
    ids = seed(worker_database, reports=2, runs=1, bulletins=2)
    workers.start(threads=2)
    keys = queue_real_jobs(workers, ids, twice=True)
    wait_until(lambda: all_done(workers, keys), "every job done")
    assert_built_once(worker_database, ids)


def heartbeat_age(database: WorkerDatabase, key: str) -> float:
    value = database.scalar("SELECT heartbeat_at FROM core_jobrun WHERE key = %s", key)
    beat = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if beat.tzinfo is None:
        beat = beat.replace(tzinfo=UTC)
    return (datetime.now(UTC) - beat).total_seconds()


@pytest.mark.parametrize("storage", ["redis", "sqlite"])
def test_a_job_whose_worker_is_killed_reruns_once(
    storage: str, workers_factory: Any, worker_database: WorkerDatabase
) -> None:
    workers = workers_factory(storage)
    doomed = workers.start(threads=1)
    probe = f"kill-{uuid.uuid4().hex[:8]}"
    # Given a job that has written half its work in its transaction and waits
    task_id = workers.enqueue(probe_job, probe, True)
    wait_until(lambda: workers.started(probe), "the probe to start")
    assert [pid for pid, _thread in workers.started(probe)] == [doomed.pid]
    # When its consumer is killed outright
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait()
    run = runs_by_key(worker_database, [task_id])[task_id]
    assert (run["state"], run["attempts"]) == ("running", 1)
    assert f":{doomed.pid}:" in run["worker"]
    stale = int(JOB_TIMING["KAOPING_JOB_STALE_SECONDS"])
    wait_until(lambda: heartbeat_age(worker_database, task_id) > stale, "the heartbeat to go stale")
    workers.release(probe)
    survivor = workers.start(threads=2)
    # Then a starting consumer finds the lost run, queues it again, and it completes once
    wait_until(lambda: all_done(workers, [task_id]), "the lost job to rerun")
    run = runs_by_key(worker_database, [task_id])[task_id]
    assert (run["attempts"], run["requeues"]) == (2, 1)
    assert f":{survivor.pid}:" in run["worker"]
    assert worker_database.audit_count("workers.probe.done", probe) == 1
    # the killed attempt's half-written work was rolled back with its transaction
    assert worker_database.audit_count("workers.probe.part", probe) == 1


def test_a_job_interrupted_by_sigterm_reruns_when_a_consumer_starts(
    workers_factory: Any, worker_database: WorkerDatabase
) -> None:
    workers = workers_factory("redis")
    stopped = workers.start(threads=1)
    probe = f"term-{uuid.uuid4().hex[:8]}"
    task_id = workers.enqueue(probe_job, probe)
    wait_until(lambda: workers.started(probe), "the probe to start")
    # SIGTERM stops a Huey consumer at once; it marks the run lost on its way out
    stopped.send_signal(signal.SIGTERM)
    stopped.wait()
    run = runs_by_key(worker_database, [task_id])[task_id]
    assert run["state"] == "running"
    stale = int(JOB_TIMING["KAOPING_JOB_STALE_SECONDS"])
    assert heartbeat_age(worker_database, task_id) > stale  # no need to wait for it
    workers.release(probe)
    workers.start(threads=1)
    wait_until(lambda: all_done(workers, [task_id]), "the interrupted job to rerun")
    run = runs_by_key(worker_database, [task_id])[task_id]
    assert (run["attempts"], run["requeues"]) == (2, 1)
    assert worker_database.audit_count("workers.probe.done", probe) == 1
