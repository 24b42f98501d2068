"""Real consumers for the worker tests: a database of their own, queues of their own.

The consumers are `python -m kaoping run_huey` subprocesses with the settings in
tests/workers/worker_settings.py. They cannot see pytest-django's test database (in memory on
SQLite, inside an uncommitted transaction otherwise), so these tests use a database of their
own, migrated once per session: a SQLite file in a temporary folder, or, when the test run is
on PostgreSQL (KAOPING_DATABASE_URL), a `test_kaoping_workers_<pid>` database on the same
server, dropped at the end. Data is written by a subprocess too (tests/workers/scenario.py);
the test process queues jobs with a Huey instance of its own (not in immediate mode) and
reads the outcome with plain SQL.

Queues: a Huey name unique to the test (`kaoping-test-<pid>-<random>`) on the Redis database
KAOPING_TEST_REDIS (default redis://127.0.0.1:6379/15), flushed at the end (only that name's
keys), or a SQLite job file in the temporary folder. Redis tests skip, saying why, when no
Redis answers there.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("KAOPING_TEST_REDIS", "redis://127.0.0.1:6379/15")
# One Fernet key for every process of these tests (not a credential: test data only).
PII_KEY = "d29ya2VyLXRlc3RzLW9ubHktbm90LWEtcmVhbC1rZXk="
WAIT_SECONDS = 90  # an upper bound for polling, never an assertion on time
# Short, so a killed worker's job is found lost within seconds.
JOB_TIMING = {
    "KAOPING_JOB_HEARTBEAT_SECONDS": "1",
    "KAOPING_JOB_STALE_SECONDS": "4",
    "KAOPING_JOB_MAX_REQUEUES": "3",
}


def redis_answers() -> str:
    """'' when Redis answers at REDIS_URL, else why not."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except Exception as exc:
        return f"Redis does not answer at {REDIS_URL} ({type(exc).__name__})"
    return ""


def wait_until(check: Callable[[], Any], what: str, seconds: float = WAIT_SECONDS) -> Any:
    """Poll `check` until it returns something true; fail saying `what` was awaited."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Waited in vain for {what}")
        time.sleep(0.2)


# --- the workers' database ----------------------------------------------------------------------
@dataclass
class WorkerDatabase:
    """The database the consumers use, and plain-SQL reads of it from the test process."""

    url: str
    sqlite_path: Path | None
    folder: Path

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if self.sqlite_path is not None:
            with sqlite3.connect(self.sqlite_path, timeout=20) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as db:
            return db.execute(sql, params).fetchall()

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.rows(sql, *params)[0][0]

    def audit_count(self, action: str, object_id: Any) -> int:
        return int(
            self.scalar(
                "SELECT count(*) FROM audit_auditevent WHERE action = %s AND object_id = %s",
                action,
                str(object_id),
            )
        )


@pytest.fixture(scope="session")
def worker_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("workers")


@pytest.fixture(scope="session")
def worker_database(worker_folder: Path) -> Iterator[WorkerDatabase]:
    """Created and migrated once: a SQLite file, or a PostgreSQL database of this run."""
    server = os.environ.get("KAOPING_DATABASE_URL", "")
    if server.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"test_kaoping_workers_{os.getpid()}"
        parts = urlsplit(server)
        url = urlunsplit(parts._replace(path=f"/{name}"))
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        database = WorkerDatabase(url, None, worker_folder)
    else:
        path = worker_folder / "kaoping.sqlite3"
        database = WorkerDatabase(f"sqlite:///{path}", path, worker_folder)
    manage(database, [sys.executable, "-m", "kaoping", "migrate", "--noinput", "-v", "0"])
    yield database
    if database.sqlite_path is None:
        import psycopg

        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def base_environment(database: WorkerDatabase, folder: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("KAOPING_", "DJANGO_", "PYTEST"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.workers.worker_settings",
            "PYTHONPATH": str(ROOT),
            "KAOPING_DATA_DIR": str(folder),
            "KAOPING_DATABASE_URL": database.url,
            "KAOPING_SECRET_KEY": "test-secret-key-for-the-worker-tests-" + "x" * 20,
            "KAOPING_PII_KEYS": PII_KEY,
            "KAOPING_TEST_PROBE_DIR": str(folder),
            "KAOPING_LOG_LEVEL": "INFO",
            **JOB_TIMING,
        }
    )
    return env


def manage(database: WorkerDatabase, command: list[str], **extra: str) -> str:
    """Run a command with the workers' settings and database; its standard output."""
    env = {**base_environment(database, database.folder), **extra}
    done = subprocess.run(  # noqa: S603
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(command[2:])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def seed(database: WorkerDatabase, **counts: int) -> dict[str, list[int]]:
    """Approved reports, computing score runs and generating bulletins (their ids)."""
    options = [f"--{name}={value}" for name, value in counts.items()]
    out = manage(database, [sys.executable, "-m", "tests.workers.scenario", "seed", *options])
    return json.loads(out.strip().splitlines()[-1])


# --- queues and consumers ----------------------------------------------------------------------
@dataclass
class Workers:
    """One test's queue (its own Huey name), the consumers serving it, and a producer."""

    database: WorkerDatabase
    folder: Path
    storage: str  # "redis" or "sqlite"
    name: str = field(default_factory=lambda: f"kaoping-test-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    consumers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    producer: Any = None
    _wrappers: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from huey import RedisHuey, SqliteHuey

        if self.storage == "redis":
            self.producer = RedisHuey(self.name, url=REDIS_URL)
        else:
            self.producer = SqliteHuey(self.name, filename=str(self.folder / "jobs.sqlite3"))

    def environment(self) -> dict[str, str]:
        env = base_environment(self.database, self.folder)
        env["KAOPING_HUEY_NAME"] = self.name
        if self.storage == "redis":
            env["KAOPING_REDIS_URL"] = REDIS_URL
        return env

    def start(self, threads: int = 2) -> subprocess.Popen[bytes]:
        """A consumer process (`run_huey -w threads`, periodic tasks off)."""
        log = (self.folder / f"consumer-{len(self.consumers)}.log").open("wb")
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "kaoping", "run_huey", "-w", str(threads), "-k", "thread", "-n"],
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.consumers.append(process)
        return process

    def enqueue(self, task_wrapper: Any, *args: Any) -> str:
        """Queue a Kaoping job by name, as the web process would; returns the task id."""
        name = f"{task_wrapper.func.__module__}.{task_wrapper.func.__name__}"
        if name not in self._wrappers:
            self._wrappers[name] = self.producer.task(
                context=True,
                retries=task_wrapper.retries,
                retry_delay=task_wrapper.retry_delay,
            )(task_wrapper.func)
        return str(self._wrappers[name](*args).id)

    def started(self, key: str) -> list[tuple[int, str]]:
        """(pid, thread) of each worker that announced it started probe `key`."""
        out = []
        for path in self.folder.glob(f"started-{key}-*"):
            pid, thread = path.name[len(f"started-{key}-") :].split("-", 1)
            out.append((int(pid), thread))
        return out

    def release(self, key: str) -> None:
        (self.folder / f"release-{key}").touch()

    def stop(self) -> None:
        for process in self.consumers:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)  # graceful: finish the job at hand
        for process in self.consumers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with suppress(Exception):
            self.producer.flush()  # this test's queue, schedule and results only

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.folder.glob("consumer-*.log"))


@pytest.fixture
def workers_factory(
    worker_database: WorkerDatabase, tmp_path: Path
) -> Iterator[Callable[[str], Workers]]:
    made: list[Workers] = []

    def make(storage: str) -> Workers:
        if storage == "redis" and (why := redis_answers()):
            pytest.skip(why)
        workers = Workers(worker_database, tmp_path, storage)
        made.append(workers)
        return workers

    yield make
    for workers in made:
        workers.stop()
