"""Survey pages: respondent lists (frames) and respondents, for the performance office only.

`frames`: a project's lists with their counts and problems, the upload form and the template
workbook; `frame_detail`: one list and the problems kept with it; `frame_delete` (POST, before
the draw); `respondents`: the masked people, filtered by group and stratum, 50 a page;
`respondent_reveal`: the clear name and phone of one person, shown once after a purpose is
given (audited); `respondents_export`: the masked list as .xlsx (audited). Everyone else,
and any project outside the office's scope, gets 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core.errors import ApplicationError
from kaoping.core.forms import BootstrapFormMixin
from kaoping.core.spreadsheets import XLSX_CONTENT_TYPE
from kaoping.org.permissions import SURVEY_OFFICE_ROLES, roles_required
from kaoping.surveys import selectors
from kaoping.surveys.models import RespondentGroup, SurveyProject
from kaoping.surveys.services import frames as services
from kaoping.surveys.services.privacy import reveal_respondent

READ_WRITE = require_http_methods(["GET", "POST"])
PAGE_SIZE = 50
MAX_PROBLEMS_SHOWN = 500
CENSUS_CHOICES = [
    ("auto", gettext_lazy("By the group: deputies and members everyone, other lists sampled")),
    ("yes", gettext_lazy("Everyone on this list is interviewed (census)")),
    ("no", gettext_lazy("People are drawn at random from this list")),
]
PURPOSES = [
    ("verify", gettext_lazy("Check an entry of the list")),
    ("request", gettext_lazy("The person's own request (access, correction)")),
    ("callback", gettext_lazy("Call-back check of an interview")),
    ("complaint", gettext_lazy("Handle a complaint")),
    ("other", gettext_lazy("Other")),
]


class FrameUploadForm(BootstrapFormMixin, forms.Form):
    """A list file, its respondent group, census and what to do with problem rows."""

    group = forms.ChoiceField(label=gettext_lazy("Respondent group"), choices=[])
    file = forms.FileField(
        label=gettext_lazy("List file (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv," + XLSX_CONTENT_TYPE}),
    )
    census = forms.ChoiceField(
        label=gettext_lazy("Who is interviewed"), choices=CENSUS_CHOICES, initial="auto"
    )
    import_valid_rows = forms.BooleanField(
        label=gettext_lazy("Import the valid rows"),
        required=False,
        help_text=gettext_lazy(
            "Rows with problems are left out and listed with the list. Without this, any "
            "problem refuses the whole file."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        group = self.fields["group"]
        assert isinstance(group, forms.ChoiceField)
        group.choices = [("", "—"), *RespondentGroup.choices]

    def census_value(self) -> bool | None:
        return {"auto": None, "yes": True, "no": False}[self.cleaned_data["census"]]


class RevealForm(BootstrapFormMixin, forms.Form):
    """Why the clear name and phone are needed (kept in the audit trail)."""

    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=PURPOSES)
    detail = forms.CharField(
        label=gettext_lazy("Details"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Required for “Other”. Recorded with your name in the audit trail."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("purpose") == "other" and not cleaned.get("detail", "").strip():
            self.add_error("detail", _("Say why the personal data is needed."))
        return cleaned

    def purpose_text(self) -> str:
        label = str(dict(PURPOSES)[self.cleaned_data["purpose"]])
        detail = self.cleaned_data.get("detail", "").strip()
        return f"{label}: {detail}" if detail else label


def _base_context(project: SurveyProject) -> dict[str, Any]:
    return {
        "project": project,
        "project_url": reverse("surveys:project_detail", args=[project.pk]),
        "group_labels": dict(RespondentGroup.choices),
    }


@READ_WRITE
@roles_required(SURVEY_OFFICE_ROLES)
def frames(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's lists and the upload form; a refused file's problems are listed here."""
    project = selectors.access_project(user=request.user, pk=pk)
    form = FrameUploadForm(request.POST or None, request.FILES or None)
    context = _base_context(project)
    blocked = services.frames_editable_reason(project)
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = services.max_upload_bytes()
        if upload.size > limit:
            form.add_error(
                "file",
                _("The file is too large: %(size)d bytes, the limit is %(max)d.")
                % {"size": upload.size, "max": limit},
            )
        else:
            try:
                frame = services.frame_import(
                    project=project,
                    actor=request.user,
                    data=upload.read(),
                    filename=upload.name or "",
                    group=form.cleaned_data["group"],
                    census=form.census_value(),
                    import_valid_rows=form.cleaned_data["import_valid_rows"],
                )
            except services.FrameImportError as exc:
                context["failure"] = exc.message
                context["problems"] = exc.problems[:MAX_PROBLEMS_SHOWN]
                context["problems_hidden"] = max(0, len(exc.problems) - MAX_PROBLEMS_SHOWN)
                status = 422
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = 400
            else:
                if frame.problems:
                    messages.warning(
                        request,
                        _(
                            "%(imported)d respondents were imported; %(n)d problem(s) were "
                            "kept with the list."
                        )
                        % {"imported": frame.imported, "n": len(frame.problems)},
                    )
                else:
                    messages.success(
                        request,
                        _("%(imported)d respondents were imported.") % {"imported": frame.imported},
                    )
                return redirect("surveys:frame_detail", pk=frame.pk)
    elif request.method == "POST":
        status = 400
    context.update(
        {
            "frames": services.project_frames(project=project),
            "by_group": services.group_counts(project=project),
            "form": form,
            "blocked": blocked,
            "max_bytes": services.max_upload_bytes(),
        }
    )
    return render(request, "surveys/frames.html", context, status=status)


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def frame_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The empty list workbook with the column headers."""
    selectors.access_project(user=request.user, pk=pk)
    response = HttpResponse(services.frame_template(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, "受访者名单模板.xlsx")
    return response


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def frame_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One list: its counts and the problems kept when it was imported."""
    frame = services.access_frame(user=request.user, pk=pk)
    context = _base_context(frame.project)
    context.update(
        {
            "frame": frame,
            "problems": frame.problems[:MAX_PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(frame.problems) - MAX_PROBLEMS_SHOWN),
            "respondent_count": frame.respondents.count(),
            "blocked": services.frames_editable_reason(frame.project),
        }
    )
    return render(request, "surveys/frame_detail.html", context)


@require_POST
@roles_required(SURVEY_OFFICE_ROLES)
def frame_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a list and its respondents (before the draw)."""
    frame = services.access_frame(user=request.user, pk=pk)
    project = frame.project
    try:
        count = services.frame_delete(frame=frame, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("surveys:frame_detail", pk=frame.pk)
    messages.success(
        request,
        _("The list “%(name)s” and its %(n)d respondents were deleted.")
        % {"name": frame.file_name, "n": count},
    )
    return redirect("surveys:frames", pk=project.pk)


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def respondents(request: HttpRequest, pk: int) -> HttpResponse:
    """The project's respondents, masked, by group and stratum."""
    project = selectors.access_project(user=request.user, pk=pk)
    group = request.GET.get("group", "")
    if group not in RespondentGroup.values:
        group = ""
    stratum = request.GET.get("stratum", "")[:60]
    people = services.project_respondents(project=project, group=group, stratum=stratum)
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    context = _base_context(project)
    context.update(
        {
            "page": page,
            "group": group,
            "stratum": stratum,
            "groups": RespondentGroup.choices,
            "strata": services.project_strata(project=project, group=group),
            "by_group": services.group_counts(project=project),
        }
    )
    return render(request, "surveys/respondents.html", context)


@READ_WRITE
@roles_required(SURVEY_OFFICE_ROLES)
def respondent_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask why (GET), then show the clear name and phone once (POST, audited)."""
    respondent = services.access_respondent(user=request.user, pk=pk)
    form = RevealForm(request.POST or None)
    context = _base_context(respondent.project)
    context.update({"respondent": respondent, "form": form})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                context["revealed"] = reveal_respondent(
                    user=request.user, respondent=respondent, purpose=form.purpose_text()
                )
                context["revealed_at"] = timezone.now()
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
                status = 400
        else:
            status = 400
    response = render(request, "surveys/respondent_reveal.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@roles_required(SURVEY_OFFICE_ROLES)
def respondents_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The masked respondents (as filtered on the page) as an .xlsx workbook."""
    project = selectors.access_project(user=request.user, pk=pk)
    group = request.GET.get("group", "")
    if group not in RespondentGroup.values:
        group = ""
    stratum = request.GET.get("stratum", "")[:60]
    data = services.respondents_export(
        project=project, actor=request.user, group=group, stratum=stratum
    )
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{project.code}-受访者.xlsx"
    )
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("<int:pk>/lists/", frames, name="frames"),
    path("<int:pk>/lists/template/", frame_template, name="frame_template"),
    path("lists/<int:pk>/", frame_detail, name="frame_detail"),
    path("lists/<int:pk>/delete/", frame_delete, name="frame_delete"),
    path("<int:pk>/respondents/", respondents, name="respondents"),
    path("<int:pk>/respondents/export/", respondents_export, name="respondents_export"),
    path("respondents/<int:pk>/reveal/", respondent_reveal, name="respondent_reveal"),
]
