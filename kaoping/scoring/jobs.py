"""Background jobs of the scoring app (Huey): compute a big plan's run off the web request.

`score_run_start` computes a county's run at once; for a province-sized plan the office starts
the run with `background=True`, which stores it as "computing" and queues `compute_run_job`.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=1, retry_delay=30)
def compute_run_job(run_id: int) -> str:
    """Compute a run left "computing" (idempotent: a run already computed is left alone)."""
    from kaoping.scoring.services import score_run_compute

    run = score_run_compute(run_id=run_id)
    return run.status
