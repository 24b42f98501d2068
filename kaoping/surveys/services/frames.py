"""Respondent lists (frames): importing a file, deleting a list, the masked export and the
reads of the lists and respondents pages.

An import checks the whole file (kaoping.surveys.frames) and the project's other lists
(the same phone number in any list of the project is refused); by default any problem
refuses the file and saves nothing; with `import_valid_rows` the valid rows are saved and
the problems kept with the list. Names and phones are stored encrypted, with their masks
and the phone's keyed fingerprint; the audit records counts, never personal data.

(The reads live here beside the writes because kaoping/surveys/selectors.py is shared by
the survey areas; each narrows to the user's scope like a selector.)
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from kaoping.audit.services import audit_event
from kaoping.core.errors import ApplicationError
from kaoping.org.models import Unit
from kaoping.plans.planxlsx import escape_text
from kaoping.surveys import crypto
from kaoping.surveys import frames as parsing
from kaoping.surveys.models import (
    Frame,
    Respondent,
    RespondentGroup,
    SampleDraw,
    SurveyProject,
)

BATCH_SIZE = 1000
CENSUS_GROUPS = frozenset({RespondentGroup.DEPUTY, RespondentGroup.MEMBER})


class FrameImportError(ApplicationError):
    """A list that cannot be imported; `problems` lists every reason with row and column."""

    def __init__(self, message: str, problems: list[parsing.Problem]) -> None:
        super().__init__(message, extra={"problems": [p.as_dict() for p in problems]})
        self.problems = problems


def max_upload_bytes() -> int:
    """The size limit of an uploaded list: the smaller of the upload and workbook limits."""
    return min(int(settings.KAOPING_MAX_UPLOAD_BYTES), int(settings.KAOPING_MAX_WORKBOOK_BYTES))


def census_default(group: str) -> bool:
    """Deputies and members are taken whole unless the office says otherwise."""
    return group in CENSUS_GROUPS


def frames_editable_reason(project: SurveyProject) -> str:
    """Why lists of the project cannot be imported or deleted now ("" when they can)."""
    if project.status != SurveyProject.Status.DRAFT:
        return _(
            "Lists can be imported or removed only while the survey is being prepared; "
            "this survey is “%(status)s”."
        ) % {"status": project.get_status_display()}
    if SampleDraw.objects.filter(project=project, superseded_at__isnull=True).exists():
        return _(
            "The sample has been drawn already: a list changed now would not be in the draw. "
            "Lists can change only before the draw."
        )
    return ""


@transaction.atomic
def frame_import(
    *,
    project: SurveyProject,
    actor: Any,
    data: bytes,
    filename: str,
    group: str,
    census: bool | None = None,
    import_valid_rows: bool = False,
) -> Frame:
    """Import a list of respondents of one group into a project in preparation.

    Raises FrameImportError (every problem located) when the file is refused.
    """
    project = SurveyProject.objects.select_for_update().get(pk=project.pk)
    if group not in RespondentGroup.values:
        raise ApplicationError(_("Choose the respondent group of the list."))
    if reason := frames_editable_reason(project):
        raise ApplicationError(reason)
    sha256 = hashlib.sha256(data).hexdigest()
    earlier = Frame.objects.filter(project=project, sha256=sha256).first()
    if earlier is not None:
        raise ApplicationError(
            _(
                "This file was imported already, as the list “%(name)s” of %(date)s; "
                "delete that list first to import it again."
            )
            % {"name": earlier.file_name, "date": earlier.created_at.date().isoformat()}
        )
    parsed = parsing.read_frame(data, filename=filename, group=group, max_bytes=max_upload_bytes())
    if parsed.fatal:
        raise FrameImportError(
            _("The file cannot be imported; nothing was saved."), parsed.problems
        )
    fingerprints = {row.phone: crypto.phone_fingerprint(row.phone) for row in parsed.rows}
    taken = _fingerprints_in_project(project, fingerprints.values())
    rows: list[parsing.FrameRow] = []
    problems = list(parsed.problems)
    phone_column = parsed.columns.get("phone", "")
    for row in parsed.rows:
        frame_name = taken.get(fingerprints[row.phone])
        if frame_name is not None:
            problems.append(
                parsing.Problem(
                    row.row,
                    phone_column,
                    _("The phone number is already in this survey (list “%(list)s”).")
                    % {"list": frame_name},
                )
            )
        else:
            rows.append(row)
    problems.sort(key=lambda p: p.row)  # stable: columns stay in file order within a row
    if problems and not import_valid_rows:
        raise FrameImportError(
            _(
                "The file has %(n)d problem(s); nothing was saved. Correct the file, or tick "
                "“import the valid rows” to import the %(valid)d valid rows and keep the "
                "problems with the list."
            )
            % {"n": len(problems), "valid": len(rows)},
            problems,
        )
    if not rows:
        raise FrameImportError(
            _("No row of the file can be imported; nothing was saved."), problems
        )
    frame = Frame.objects.create(
        project=project,
        group=group,
        census=census_default(group) if census is None else census,
        file_name=filename[:255],
        sha256=sha256,
        rows=parsed.rows_read,
        imported=len(rows),
        problems=[p.as_dict() for p in problems],
        imported_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    units = _unit_matcher(project)
    made: list[Respondent] = []
    for row in rows:
        unit = units.get(row.stratum)
        made.append(
            Respondent(
                project=project,
                frame=frame,
                group=group,
                stratum=(unit.name[: parsing.STRATUM_MAX] if unit else row.stratum),
                unit=unit,
                weight=row.weight,
                name_encrypted=crypto.encrypt(row.name),
                phone_encrypted=crypto.encrypt(row.phone),
                phone_hash=fingerprints[row.phone],
                name_masked=crypto.mask_name(row.name),
                phone_masked=crypto.mask_phone(row.phone),
                external_ref=row.external_ref,
            )
        )
    Respondent.objects.bulk_create(made, batch_size=BATCH_SIZE)
    audit_event(
        actor=actor,
        action="survey.frame_imported",
        obj=frame,
        object_repr=f"{project.code} {frame.file_name}",
        after={
            "project": project.code,
            "group": group,
            "census": frame.census,
            "file_name": frame.file_name,
            "sha256": sha256,
            "rows": frame.rows,
            "imported": frame.imported,
            "problems": len(problems),
            "matched_units": sum(1 for r in made if r.unit_id is not None),
        },
    )
    return frame


def _fingerprints_in_project(project: SurveyProject, fingerprints: Iterable[str]) -> dict[str, str]:
    """Fingerprints already in the project's lists → the file name of the list holding it."""
    found: dict[str, str] = {}
    values = list(fingerprints)
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        for phone_hash, file_name in Respondent.objects.filter(
            project=project, phone_hash__in=chunk
        ).values_list("phone_hash", "frame__file_name"):
            found[phone_hash] = file_name
    return found


def _unit_matcher(project: SurveyProject) -> dict[str, Unit]:
    """Units of the plan's county by code, name and short name (the name wins on a clash)."""
    owner = project.plan.owner
    county = owner
    while county.kind != Unit.Kind.COUNTY and county.get_parent() is not None:
        county = county.get_parent()
    units = list(Unit.objects.filter(path__startswith=county.path, is_active=True).order_by("path"))
    index: dict[str, Unit] = {}
    for attribute in ("code", "short_name", "name"):
        for unit in units:
            key = str(getattr(unit, attribute) or "").strip()
            if key:
                index[key] = unit
    return index


@transaction.atomic
def frame_delete(*, frame: Frame, actor: Any) -> int:
    """Delete a list and its respondents (before the draw); the number of respondents."""
    project = SurveyProject.objects.select_for_update().get(pk=frame.project_id)
    if reason := frames_editable_reason(project):
        raise ApplicationError(reason)
    if frame.respondents.filter(cases__isnull=False).exists():
        raise ApplicationError(
            _("People of this list were drawn in an earlier sample; the list stays on record.")
        )
    count = frame.respondents.count()
    audit_event(
        actor=actor,
        action="survey.frame_deleted",
        obj=frame,
        object_repr=f"{project.code} {frame.file_name}",
        before={
            "project": project.code,
            "group": frame.group,
            "file_name": frame.file_name,
            "sha256": frame.sha256,
            "respondents": count,
        },
    )
    frame.respondents.all().delete()
    frame.delete()
    return count


# --- files ---------------------------------------------------------------------------------------
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def frame_template() -> bytes:
    """An empty list workbook with the column headers and a sheet of instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(list(parsing.TEMPLATE_HEADERS))
    for index, width in enumerate((10, 12, 16, 18, 8), start=1):
        cell = ws.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        ws.column_dimensions[cell.column_letter].width = width
    for row in range(2, 1002):  # phone numbers as text, so no digit is lost
        ws.cell(row=row, column=3).number_format = "@"
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for line in (
        "每行一人。必填：姓名、手机号（11位手机号，或带区号的固定电话）。",
        "镇（街道）：居民名单必填；人大代表、政协委员、干部、企业主名单可填所在单位，不填则为“全县”。",
        "编号、户数（权重，正数，不填为1）可不填。列名也可写作：电话、手机、联系电话、乡镇、单位、所在单位、权重。",
        "同一号码在本次评议的名单中只能出现一次；同一文件不能重复导入。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _export_headers() -> list[str]:
    return [
        _("Reference"),
        _("Name"),
        _("Phone"),
        _("Respondent group"),
        _("Town or unit"),
        _("Matched unit"),
        _("Weight"),
        _("List"),
    ]


@transaction.atomic
def respondents_export(
    *, project: SurveyProject, actor: Any, group: str = "", stratum: str = ""
) -> bytes:
    """The project's respondents (masked only) as a workbook; audited as an export."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Respondents"))
    ws.append(_export_headers())
    respondents = project_respondents(project=project, group=group, stratum=stratum)
    labels = dict(RespondentGroup.choices)
    count = 0
    for r in respondents.iterator(chunk_size=2000):
        ws.append(
            [
                escape_text(r.external_ref),
                escape_text(r.name_masked or "—"),
                escape_text(r.phone_masked or "—"),
                str(labels.get(r.group, r.group)),
                escape_text(r.stratum),
                escape_text(r.unit.name) if r.unit else "",
                r.weight,
                escape_text(r.frame.file_name),
            ]
        )
        count += 1
    audit_event(
        actor=actor,
        action="survey.respondents_exported",
        obj=project,
        after={"project": project.code, "rows": count, "group": group, "stratum": stratum},
    )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- reads ---------------------------------------------------------------------------------------
def project_frames(*, project: SurveyProject) -> QuerySet[Frame]:
    """The lists of a project the caller may read (found through access_project)."""
    return (
        Frame.objects.filter(project=project)
        .select_related("imported_by")
        .annotate(respondent_count=Count("respondents"))
        .order_by("group", "created_at")
    )


def access_frame(*, user: Any, pk: int) -> Frame:
    """A list the user may read, or 404."""
    try:
        return Frame.objects.for_user(user).select_related("project", "imported_by").get(pk=pk)
    except Frame.DoesNotExist:
        raise Http404 from None


def access_respondent(*, user: Any, pk: int) -> Respondent:
    """A respondent the user (the office of the project's county) may read, or 404."""
    try:
        return Respondent.objects.for_user(user).select_related("project", "frame").get(pk=pk)
    except Respondent.DoesNotExist:
        raise Http404 from None


def project_respondents(
    *, project: SurveyProject, group: str = "", stratum: str = ""
) -> QuerySet[Respondent]:
    """A project's respondents, filtered by group and stratum, in list order."""
    qs = Respondent.objects.filter(project=project).select_related("unit", "frame")
    if group:
        qs = qs.filter(group=group)
    if stratum:
        qs = qs.filter(stratum=stratum)
    return qs.order_by("group", "stratum", "pk")


def project_strata(*, project: SurveyProject, group: str = "") -> list[str]:
    """The strata of a project's respondents (of one group, if given), sorted."""
    qs = Respondent.objects.filter(project=project)
    if group:
        qs = qs.filter(group=group)
    return sorted(qs.order_by().values_list("stratum", flat=True).distinct())


def group_counts(*, project: SurveyProject) -> dict[str, int]:
    """Respondents per group."""
    rows = (
        Respondent.objects.filter(project=project)
        .values("group")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["group"]: row["n"] for row in rows}
