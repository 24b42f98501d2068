"""Reads of the bulletins app, narrowed to the user's data scope.

The office reads every bulletin (drafts too) and the schedules of the plans its units own;
leaders, inspectors and unit heads read issued bulletins of the plans in their scope.
Out-of-scope objects answer 404 (`access_*`), never 403.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from kaoping.bulletins.models import Bulletin, BulletinSchedule
from kaoping.plans.models import Plan
from kaoping.plans.selectors import plans_for_user
from kaoping.tracking.selectors import is_office_for


def bulletins_for_user(
    *, user: Any, plan: Plan | None = None, period: str = "", issued_only: bool = False
) -> QuerySet[Bulletin]:
    """Bulletins the user may read, newest first."""
    qs = Bulletin.objects.for_user(user).select_related(
        "plan", "plan__cycle", "plan__owner", "created_by", "issued_by"
    )
    if issued_only:
        qs = qs.filter(status=Bulletin.Status.ISSUED)
    if plan is not None:
        qs = qs.filter(plan=plan)
    if period:
        qs = qs.filter(period=period)
    return qs.order_by("-created_at", "-pk")


def access_bulletin(*, user: Any, pk: int) -> Bulletin:
    """Fetch a bulletin the user may read, or 404."""
    try:
        return bulletins_for_user(user=user).get(pk=pk)
    except Bulletin.DoesNotExist:
        raise Http404 from None


def can_manage(user: Any, bulletin: Bulletin) -> bool:
    """The office of the plan's owner edits, issues and discards bulletins."""
    return is_office_for(user, bulletin.plan.owner_id)


def office_plans(*, user: Any) -> QuerySet[Plan]:
    """The plans whose bulletins the user may generate (the office's own plans)."""
    plans = plans_for_user(user=user)
    own = [plan.pk for plan in plans if is_office_for(user, plan.owner_id)]
    return plans.filter(pk__in=own)


def schedules_for_user(*, user: Any) -> QuerySet[BulletinSchedule]:
    return (
        BulletinSchedule.objects.for_user(user)
        .select_related("plan", "plan__cycle")
        .order_by("-plan__cycle__year", "plan__code", "period_kind")
    )


def access_schedule(*, user: Any, pk: int) -> BulletinSchedule:
    try:
        return schedules_for_user(user=user).get(pk=pk)
    except BulletinSchedule.DoesNotExist:
        raise Http404 from None
