"""Personal data of respondents (PIPL): every clear-text view is audited; it is purged after
the retention period.

`reveal_respondent` is the only way to the clear name and phone number; it writes an audit
event naming who saw whose data and why, inside the caller's transaction. `purge_project`
deletes a closed project's personal data (the daily job `kaoping.surveys.jobs` and
`kaoping survey purge` call it for projects past `closed_at + retention_days`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.surveys import crypto
from kaoping.surveys.models import CallAttempt, Respondent, SurveyProject


@dataclass(frozen=True)
class Revealed:
    name: str
    phone: str


@transaction.atomic
def reveal_respondent(*, user: Any, respondent: Respondent, purpose: str) -> Revealed:
    """The clear name and phone of a respondent, for `purpose` (e.g. "dial"), audited.

    Refused once the project's personal data has been purged. Callers check that the user may
    see this respondent (an interviewer their own case; the office its project).
    """
    if respondent.project.purged_at is not None:
        raise ApplicationError(_("The survey's personal data has been purged."))
    revealed = Revealed(
        name=crypto.decrypt(respondent.name_encrypted),
        phone=crypto.decrypt(respondent.phone_encrypted),
    )
    audit_event(
        actor=user,
        action="survey.personal_data_viewed",
        obj=respondent,
        object_repr=str(respondent),
        reason=purpose,
        after={"project": respondent.project.code, "purpose": purpose},
    )
    return revealed


@transaction.atomic
def purge_project(*, project: SurveyProject, actor: Any) -> int:
    """Delete the personal data of a closed project; the number of respondents purged.

    Names, phone numbers (encrypted and masked), the list references and the interviewers'
    call notes go; the phone fingerprint becomes `purged:<id>` (unique, meaningless). What
    the results need stays: groups, strata, units, weights, cases, answers. A project
    purged already is left alone (0, nothing audited again).
    """
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    if project.status != SurveyProject.Status.CLOSED:
        raise ApplicationError(
            _("Only a closed survey's personal data can be purged; this one is “%(status)s”.")
            % {"status": project.get_status_display()}
        )
    if project.purged_at is not None:
        return 0
    respondents = Respondent.objects.filter(project=project).update(
        name_encrypted="",
        phone_encrypted="",
        name_masked="",
        phone_masked="",
        external_ref="",
        phone_hash=Concat(Value("purged:"), Cast("pk", output_field=CharField())),
    )
    notes = CallAttempt.objects.filter(case__project=project).exclude(note="").update(note="")
    project.purged_at = timezone.now()
    project.save(update_fields=["purged_at", "updated_at"])
    audit_event(
        actor=actor,
        action="survey.personal_data_purged",
        obj=project,
        after={"project": project.code, "respondents": respondents, "call_notes": notes},
    )
    return respondents


def projects_due_for_purge(now: datetime) -> list[SurveyProject]:
    """Closed projects whose retention period has run out and whose data is still kept."""
    candidates = SurveyProject.objects.filter(
        status=SurveyProject.Status.CLOSED,
        closed_at__isnull=False,
        closed_at__lte=now,
        purged_at__isnull=True,
    ).order_by("closed_at", "code")
    return [
        p
        for p in candidates
        if p.closed_at is not None and p.closed_at + timedelta(days=p.retention_days) <= now
    ]


def purge_due(*, now: datetime, actor: Any = None) -> list[tuple[SurveyProject, int]]:
    """Purge every project due at `now` (the daily job and `kaoping survey purge`)."""
    return [(p, purge_project(project=p, actor=actor)) for p in projects_due_for_purge(now)]
