"""Data for the worker tests, written by a subprocess against the workers' database:
`python -m tests.workers.scenario seed --reports N --runs N --bulletins N` prints the ids
of approved reports (for recompute_report_job), score runs left "computing" (for
compute_run_job) and bulletins left "generating" (for build_bulletin_job), as JSON.

The services queue their jobs after the commit; here those queues are patched out, so the
test process alone decides what is queued, and when.
"""

from __future__ import annotations

import argparse
import json
import os
import uuid
from decimal import Decimal
from typing import Any
from unittest import mock


def seed(reports: int, runs: int, bulletins: int) -> dict[str, list[int]]:
    from kaoping.bulletins import jobs as bulletin_jobs
    from kaoping.bulletins.services import bulletin_generate
    from kaoping.org.models import Role, Unit
    from kaoping.plans.models import Indicator, Plan, UnitGroup
    from kaoping.scoring import jobs as scoring_jobs
    from kaoping.scoring.services import score_run_start
    from kaoping.tracking.models import ProgressReport
    from tests.factories import (
        AssignmentFactory,
        IndicatorFactory,
        PlanFactory,
        make_unit,
        user_with_role,
    )

    tag = uuid.uuid4().hex[:6]
    county = make_unit(f"C{tag}", f"县{tag}", Unit.Kind.COUNTY)
    towns = [make_unit(f"T{tag}{n}", f"镇{tag}{n}", Unit.Kind.TOWN, county) for n in range(3)]
    office = user_with_role(Role.OFFICE, county, username=f"office{tag}")
    plan = PlanFactory(owner=county, code=f"plan-{tag}", status=Plan.Status.PUBLISHED)
    group = UnitGroup.objects.create(plan=plan, code="towns", name="乡镇组", order=1)
    group.units.set(towns)
    indicator = IndicatorFactory(
        plan=plan, points=Decimal(20), target=Decimal(100), frequency=Indicator.Frequency.QUARTERLY
    )
    indicator.groups.set([group])
    ids: dict[str, Any] = {"reports": [], "runs": [], "bulletins": []}
    for town in towns:
        AssignmentFactory(indicator=indicator, lead_unit=town)
    for n in range(reports):
        town = towns[n % len(towns)]
        period = f"2022Q{1 + (n // len(towns)) % 4}"
        report = ProgressReport.objects.create(
            indicator=indicator,
            unit=town,
            period=period,
            status=ProgressReport.Status.APPROVED,
            value=Decimal(20 + 10 * n),
        )
        ids["reports"].append(report.pk)
    with mock.patch.object(scoring_jobs, "compute_run_job", lambda run_id: None):
        for _n in range(runs):
            ids["runs"].append(score_run_start(actor=office, plan=plan, background=True).pk)
    with mock.patch.object(bulletin_jobs, "build_bulletin_job", lambda bulletin_id: None):
        for n in range(bulletins):
            period = f"2022Q{1 + n % 4}"
            bulletin = bulletin_generate(plan=plan, period=period, actor=office)
            ids["bulletins"].append(bulletin.pk)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["seed"])
    parser.add_argument("--reports", type=int, default=0)
    parser.add_argument("--runs", type=int, default=0)
    parser.add_argument("--bulletins", type=int, default=0)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.workers.worker_settings")
    import django

    django.setup()
    print(json.dumps(seed(options.reports, options.runs, options.bulletins)))


if __name__ == "__main__":
    main()
