"""Personal data of respondents (PIPL): every clear-text view is audited.

`reveal_respondent` is the only way to the clear name and phone number; it writes an audit
event naming who saw whose data and why, inside the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.surveys import crypto
from kaoping.surveys.models import Respondent


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
        raise ApplicationError("The survey's personal data has been purged.")
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
