"""Reads of public appraisal surveys, each in the user's scope or by assignment."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404

from kaoping.surveys.models import SurveyProject


def projects_for_user(*, user: Any) -> QuerySet[SurveyProject]:
    """Projects of the office's plans, newest cycle first, with their frame and case counts."""
    return (
        SurveyProject.objects.for_user(user)
        .select_related("plan", "plan__cycle")
        .annotate(respondent_count=Count("respondents", distinct=True))
        .order_by("-plan__cycle__year", "code")
    )


def access_project(*, user: Any, pk: int) -> SurveyProject:
    """A project the user may read, or 404."""
    try:
        return projects_for_user(user=user).get(pk=pk)
    except SurveyProject.DoesNotExist:
        raise Http404 from None
