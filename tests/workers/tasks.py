"""A test-only job the worker tests control: it says which worker took it (a file), waits
until the test releases it (another file), and records that it ran (audit events).

With `hold=True` it waits inside its transaction after a first write, so a worker killed
while it waits shows the write rolled back. Idempotent like Kaoping's jobs: a probe done
already returns at once.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from django.db import transaction

from kaoping.audit.models import AuditEvent
from kaoping.audit.services import audit_event
from kaoping.core.jobs import job, worker_name

WAIT_LIMIT_SECONDS = 120


def _record(action: str, key: str) -> None:
    audit_event(
        actor=None,
        action=action,
        object_type="workers.probe",
        object_id=key,
        object_repr=key,
        after={"worker": worker_name()},
    )


def _wait_for_release(directory: Path, key: str) -> None:
    release = directory / f"release-{key}"
    deadline = time.monotonic() + WAIT_LIMIT_SECONDS
    while not release.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"probe {key} was never released")
        time.sleep(0.05)


@job(retries=0, retry_delay=0)
def probe_job(key: str, hold: bool = False) -> str:
    """Announce, wait for the release, record once."""
    if AuditEvent.objects.filter(action="workers.probe.done", object_id=key).exists():
        return "done already"
    directory = Path(os.environ["KAOPING_TEST_PROBE_DIR"])
    started = directory / f"started-{key}-{os.getpid()}-{threading.current_thread().name}"
    if hold:
        with transaction.atomic():
            _record("workers.probe.part", key)
            started.touch()
            _wait_for_release(directory, key)
            _record("workers.probe.done", key)
    else:
        started.touch()
        _wait_for_release(directory, key)
        with transaction.atomic():
            _record("workers.probe.done", key)
    return worker_name()
