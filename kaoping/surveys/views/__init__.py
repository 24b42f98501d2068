"""Public appraisal pages (filled in by the survey issue's pieces)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kaoping.core import exports as table_exports
from kaoping.org.permissions import SURVEY_OFFICE_ROLES, roles_required
from kaoping.surveys import selectors


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def project_list(request: HttpRequest) -> HttpResponse:
    projects = selectors.projects_for_user(user=request.user)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Public appraisal surveys"),
            headers=[_("Code"), _("Survey"), _("Plan"), _("Kind"), _("Respondents"), _("Status")],
            rows=[
                [
                    p.code,
                    p.name,
                    p.plan.name,
                    p.get_kind_display(),
                    p.respondent_count,
                    p.get_status_display(),
                ]
                for p in projects
            ],
            what="surveys.projects",
        )
    return render(request, "surveys/project_list.html", {"projects": projects})
