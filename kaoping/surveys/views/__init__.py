"""Public appraisal pages (filled in by the survey issue's pieces)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from kaoping.org.permissions import SURVEY_OFFICE_ROLES, roles_required
from kaoping.surveys import selectors


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_for_user(user=request.user)
    return render(request, "surveys/project_list.html", {"projects": projects})
