"""Marking tasks and their photos for the public progress page (/public/, kaoping.public).

Only the office marks, for tasks of units in its scope; nothing is public unless marked. A
photo is an image evidence file of one of the task's milestones; anything else (PDFs, Office
files, report evidence) never goes public. Every change is audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError, PermissionDeniedError
from kaoping.org.models import Role
from kaoping.tracking.models import Evidence, Task

# The image types evidence accepts (kaoping.tracking.evidence): the only files shown publicly.
PHOTO_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
SUMMARY_LENGTH = 2000


def is_photo(evidence: Evidence) -> bool:
    return evidence.content_type in PHOTO_CONTENT_TYPES


def can_mark_public(user: Any, task: Task) -> bool:
    """The office, for a task of a unit in its scope."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not (user.is_superuser or user.has_role(Role.OFFICE)):
        return False
    return Task.objects.for_user(user).filter(pk=task.pk).exists()


def _refuse() -> PermissionDeniedError:
    return PermissionDeniedError(_("Only the performance office marks items public."))


@transaction.atomic
def task_set_public(*, actor: Any, task: Task, is_public: bool, summary: str = "") -> Task:
    """Show a task on the public progress page (with its public summary), or take it off."""
    if not can_mark_public(actor, task):
        raise _refuse()
    summary = summary.strip()
    if len(summary) > SUMMARY_LENGTH:
        raise ApplicationError(
            _("The public summary is too long (at most %(n)d characters).") % {"n": SUMMARY_LENGTH}
        )
    if "\x00" in summary:
        raise ApplicationError(_("The text contains a NUL character."))
    before = {"is_public": task.is_public, "public_summary": task.public_summary}
    Task.objects.filter(pk=task.pk).update(is_public=is_public, public_summary=summary)
    task.is_public, task.public_summary = is_public, summary
    audit_event(
        actor=actor,
        action="task.public" if is_public else "task.unpublic",
        obj=task,
        before=before,
        after={"is_public": is_public, "public_summary": summary},
    )
    return task


@transaction.atomic
def evidence_set_public(*, actor: Any, evidence: Evidence, is_public: bool) -> Evidence:
    """Show a milestone photo of a task on the public page, or hide it again."""
    milestone = evidence.milestone
    if milestone is None:
        raise ApplicationError(_("Only photos of a task's milestones can be shown publicly."))
    if not can_mark_public(actor, milestone.task):
        raise _refuse()
    if is_public and not is_photo(evidence):
        raise ApplicationError(_("Only photos (JPEG, PNG, GIF, WebP) can be shown publicly."))
    before = {"is_public": evidence.is_public}
    Evidence.objects.filter(pk=evidence.pk).update(is_public=is_public)
    evidence.is_public = is_public
    audit_event(
        actor=actor,
        action="evidence.public" if is_public else "evidence.unpublic",
        obj=evidence,
        before=before,
        after={"is_public": is_public, "task": milestone.task_id},
    )
    return evidence
