"""Per-address lockout on top of django-axes' per-account lockout."""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def address_locked(ip_address: str | None) -> bool:
    """True when an address has failed too often within the cool-off time, whatever account."""
    if not ip_address:
        return False
    since = timezone.now() - timedelta(hours=float(settings.AXES_COOLOFF_TIME))
    failures = (
        AccessAttempt.objects.filter(ip_address=ip_address, attempt_time__gte=since).aggregate(
            total=Sum("failures_since_start")
        )["total"]
        or 0
    )
    return failures >= settings.KAOPING_LOCKOUT_IP_FAILURES
