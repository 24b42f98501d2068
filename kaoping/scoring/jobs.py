"""Background jobs of the scoring app (Huey): compute a big plan's run off the web request.

`score_run_start` computes a county's run at once; for a province-sized plan the office starts
the run with `background=True`, which stores it as "computing" and queues `compute_run_job`.

Idempotent: the run is locked and computed in one transaction, and a run no longer
"computing" is left alone, so a retry, a duplicate or a rerun after a lost worker stores its
lines once; a worker killed mid-way rolls the transaction back. After the last retry (or
too many lost workers) the run is marked failed with the error (kaoping.core.jobs).
"""

from __future__ import annotations

from kaoping.core.jobs import job


def mark_failed(run_id: int, *, error: str) -> None:
    """The job gave up: show the run as failed, with the error."""
    from kaoping.scoring.services import score_run_fail

    score_run_fail(run_id=run_id, error=error)


@job(retries=2, retry_delay=60, on_failure=mark_failed)
def compute_run_job(run_id: int) -> str:
    """Compute a run left "computing" (idempotent: a run already computed is left alone)."""
    from kaoping.scoring.services import score_run_compute

    run = score_run_compute(run_id=run_id)
    return run.status
