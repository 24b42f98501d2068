"""The demo county's progress bulletin (进度通报) of 2022Q3, issued by the office.

What the county performance office would have sent round after the supervision sweep of
2022-10-15: the bulletin of the 2022 county plan at 2022Q3, built from the demo's figures as
at the sweep day and issued, so its Word, PDF and Excel files are archived and the bulletins
page shows an example from the start. Everything goes through the bulletin services (the
office generates, the build runs here rather than in a worker, the office issues), so the
audit trail reads as if the office had done it. Loaded once: nothing is written when the
plan already has a bulletin of that period.
"""

from __future__ import annotations

from kaoping.bulletins import services
from kaoping.bulletins.models import Bulletin
from kaoping.demo import data
from kaoping.demo.progress import SWEEP_DAY
from kaoping.org.models import User
from kaoping.plans.models import Plan

YEAR = 2022
PERIOD = "2022Q3"


def load_bulletins() -> dict[str, int]:
    """Generate, build and issue the 2022Q3 bulletin of the 2022 county plan if missing."""
    created = {"bulletins_issued": 0}
    office = User.objects.filter(username="office").first()
    plan = (
        Plan.objects.filter(cycle__year=YEAR, owner__code=data.COUNTY, kind=Plan.Kind.COUNTY)
        .exclude(status=Plan.Status.DRAFT)
        .first()
    )
    if office is None or plan is None or Bulletin.objects.filter(plan=plan, period=PERIOD).exists():
        return created
    bulletin = services.bulletin_generate(plan=plan, period=PERIOD, actor=office)
    # The job queued for the build finds it built and leaves it alone (it is idempotent).
    built = services.bulletin_build(bulletin_id=bulletin.pk, today=SWEEP_DAY)
    if built.status != Bulletin.Status.DRAFT:
        return created
    services.bulletin_issue(bulletin=built, actor=office)
    created["bulletins_issued"] = 1
    return created
