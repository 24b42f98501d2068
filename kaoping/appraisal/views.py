"""Leader-evaluation pages (领导评价).

A leader: their ballot sheets (`my_sheets`) and one sheet (`sheet`) to save and submit —
always their own, found by who they are, so no URL names another leader's sheet. The
office: rounds (`round_list`, `round_create`, `round_edit`), one round with its raters,
completion, reminders, opening, closing and results (`round_detail`), and one rater's
completion (`rater_detail`). Everyone else gets 404, as does anything outside the user's
scope. Views parse input, check the role, call one selector or service and render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.appraisal import selectors, services
from kaoping.appraisal.forms import (
    RaterAssignForm,
    RoundForm,
    VersionForm,
    parse_sheet,
    round_initial,
)
from kaoping.appraisal.models import LeaderBallot, LeaderRatingRound
from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError, ConflictError
from kaoping.org.permissions import (
    LEADER_RATING_OFFICE_ROLES,
    LEADER_RATING_ROLES,
    roles_required,
)
from kaoping.org.scopes import data_scope
from kaoping.plans.models import Plan

STATUS_COLOURS = {"draft": "secondary", "open": "success", "closed": "dark"}


def _office_plans(request: HttpRequest) -> QuerySet[Plan]:
    """Plans owned by a unit in the office's own scope (not merely an ancestor's)."""
    qs = Plan.objects.for_user(request.user).select_related("cycle")
    scope = data_scope(request.user)
    if not scope.everything:
        qs = qs.filter(owner_id__in=scope.unit_ids)
    return qs.order_by("-cycle__year", "code")


# --- a leader's sheets ------------------------------------------------------------------------
@require_safe
@roles_required(LEADER_RATING_ROLES)
def my_sheets(request: HttpRequest) -> HttpResponse:
    """One's own ballot sheets: open rounds to rate, closed rounds to look back at."""
    return render(
        request,
        "appraisal/my_sheets.html",
        {
            "sheets": selectors.sheets_for_user(user=request.user),
            "status_colours": STATUS_COLOURS,
        },
    )


def _sheet_page(
    request: HttpRequest,
    rater: Any,
    *,
    posted: Any = None,
    errors: dict[int, str] | None = None,
    error: str = "",
    missing: list[int] | None = None,
    status: int = 200,
) -> HttpResponse:
    round = rater.round
    rows = selectors.sheet_rows(rater=rater)
    entered = []
    for row in rows:
        unit_id = row.unit.pk
        ballot = row.ballot
        if posted is not None:
            values = {
                "score": posted.get(f"score-{unit_id}", ""),
                "level": posted.get(f"level-{unit_id}", ""),
                "comment": posted.get(f"comment-{unit_id}", ""),
                "version": posted.get(f"version-{unit_id}", ""),
            }
        else:
            values = {
                "score": "" if ballot is None or ballot.score is None else ballot.score,
                "level": ballot.level if ballot else "",
                "comment": ballot.comment if ballot else "",
                "version": ballot.row_version if ballot else "",
            }
        entered.append(
            {
                "unit": row.unit,
                "ballot": ballot,
                **values,
                "error": (errors or {}).get(unit_id, ""),
                "missing": unit_id in (missing or []),
            }
        )
    editable = round.status == LeaderRatingRound.Status.OPEN and not rater.is_submitted
    rated = sum(1 for row in rows if row.ballot is not None and row.ballot.is_rated)
    return render(
        request,
        "appraisal/sheet.html",
        {
            "rater": rater,
            "round": round,
            "rows": entered,
            "rated": rated,
            "editable": editable,
            "error": error,
            "levels": LeaderBallot.Level.choices,
            "level_scores": round.level_scores,
            "results": (
                selectors.round_results(user=request.user, round=round)
                if round.status == LeaderRatingRound.Status.CLOSED
                else None
            ),
            "status_colours": STATUS_COLOURS,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@roles_required(LEADER_RATING_ROLES)
def sheet(request: HttpRequest, round_pk: int) -> HttpResponse:
    """One's own ballot sheet of a round: rate, save a draft, submit."""
    rater = selectors.access_sheet(user=request.user, round_pk=round_pk)
    if request.method == "GET":
        return _sheet_page(request, rater)
    submit = request.POST.get("action") == "submit"
    unit_ids = list(rater.units.values_list("pk", flat=True))
    entries = parse_sheet(request.POST, unit_ids)
    try:
        services.sheet_save(actor=request.user, rater=rater, entries=entries, submit=submit)
    except ApplicationError as exc:
        return _sheet_page(
            request,
            rater,
            posted=request.POST,
            errors=exc.extra.get("errors"),
            error=str(exc.message),
            missing=exc.extra.get("missing"),
            status=exc.status_code if isinstance(exc, ConflictError) else 400,
        )
    if submit:
        messages.success(request, _("Your sheet was submitted. Thank you."))
    else:
        messages.success(request, _("Your ratings were saved. Submit the sheet when done."))
    return redirect("appraisal:sheet", round_pk=rater.round_id)


# --- the office -----------------------------------------------------------------------------
@require_safe
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_list(request: HttpRequest) -> HttpResponse:
    """Leader-evaluation rounds of the plans in the office's scope."""
    rounds = selectors.rounds_for_user(user=request.user)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Leader evaluation rounds"),
            headers=[
                _("Round"),
                _("Plan"),
                _("Rating method"),
                _("Sheets submitted"),
                _("Raters"),
                _("Closes on"),
                _("Status"),
            ],
            rows=[
                [
                    r.name,
                    r.plan.name,
                    r.get_method_display(),
                    r.submitted_count,
                    r.rater_count,
                    r.closes_on,
                    r.get_status_display(),
                ]
                for r in rounds
            ],
            what="appraisal.rounds",
        )
    return render(
        request,
        "appraisal/round_list.html",
        {
            "rounds": rounds,
            "status_colours": STATUS_COLOURS,
        },
    )


@require_http_methods(["GET", "POST"])
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_create(request: HttpRequest) -> HttpResponse:
    """Set up a draft round of a plan."""
    plans = _office_plans(request)
    form = RoundForm(request.POST or None, plans=plans)
    if request.method == "POST" and form.is_valid():
        try:
            round = services.round_create(
                actor=request.user, plan=form.cleaned_data["plan"], **form.service_kwargs()
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The round was created. Now add the leaders who rate."))
            return redirect("appraisal:round_detail", pk=round.pk)
    return render(
        request,
        "appraisal/round_form.html",
        {"form": form, "round": None},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft round's settings."""
    round = selectors.access_round(user=request.user, pk=pk)
    if round.status != LeaderRatingRound.Status.DRAFT:
        messages.info(request, _("Only a draft round can be changed."))
        return redirect("appraisal:round_detail", pk=round.pk)
    plans = _office_plans(request)
    form = RoundForm(request.POST or None, plans=plans, editing=True, initial=round_initial(round))
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(
                actor=request.user,
                round=round,
                expected_version=form.cleaned_data["version"],
                **form.service_kwargs(),
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The round was saved."))
            return redirect("appraisal:round_detail", pk=round.pk)
    return render(
        request,
        "appraisal/round_form.html",
        {"form": form, "round": round},
        status=400 if form.errors else 200,
    )


def _round_page(
    request: HttpRequest,
    round: LeaderRatingRound,
    *,
    assign_form: RaterAssignForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    progress = selectors.round_raters(round=round)
    candidates = selectors.leader_accounts(round=round)
    closed = round.status == LeaderRatingRound.Status.CLOSED
    return render(
        request,
        "appraisal/round_detail.html",
        {
            "round": round,
            "progress": progress,
            "submitted": sum(1 for p in progress if p.rater.is_submitted),
            "waiting": sum(1 for p in progress if not p.rater.is_submitted),
            "assign_form": assign_form or RaterAssignForm(users=candidates),
            "can_assign": not closed,
            "results": selectors.round_results(user=request.user, round=round) if closed else None,
            "error": error,
            "status_colours": STATUS_COLOURS,
            "levels": LeaderBallot.Level.choices,
        },
        status=status,
    )


@require_safe
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: its settings, raters and their completion, actions, and results."""
    round = selectors.access_round(user=request.user, pk=pk)
    fmt = table_exports.requested_format(request)
    if fmt and round.status == LeaderRatingRound.Status.CLOSED:
        return _results_export(request, round, fmt)
    return _round_page(request, round)


def _results_export(request: HttpRequest, round: LeaderRatingRound, fmt: str) -> HttpResponse:
    """A closed round's frozen results, as the page shows them (same selector)."""
    results = selectors.round_results(user=request.user, round=round)
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=f"{_('Leader evaluation')}-{round.pk}",
        headers=[
            _("Rank"),
            _("Unit code"),
            _("Unit"),
            _("Score"),
            _("Valid ballots"),
            _("Highest and lowest dropped"),
            _("Dropped ballots"),
        ],
        rows=[
            [
                n,
                r.unit.code,
                r.unit.name,
                r.score,
                r.valid_ballots,
                r.trimmed,
                ", ".join(str(d) for d in r.dropped) if r.trimmed else "",
            ]
            for n, r in enumerate(results, start=1)
        ],
        what=f"appraisal.results:{round.pk}",
    )


def _round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    round = selectors.access_round(user=request.user, pk=pk)
    form = VersionForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        if action == "open":
            services.round_open(actor=request.user, round=round, expected_version=version)
            messages.success(request, _("The round is open; the leaders were told."))
        elif action == "close":
            services.round_close(actor=request.user, round=round, expected_version=version)
            messages.success(request, _("The round is closed and its results are frozen."))
        else:
            sent = services.raters_remind(actor=request.user, round=round)
            messages.success(
                request,
                _("%(count)d leaders with unfinished sheets were reminded.") % {"count": sent},
            )
    except ApplicationError as exc:
        round = selectors.access_round(user=request.user, pk=pk)
        return _round_page(
            request,
            round,
            error=str(exc.message),
            status=exc.status_code if isinstance(exc, ConflictError) else 400,
        )
    return redirect("appraisal:round_detail", pk=round.pk)


@require_POST
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_open(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_action(request, pk, "open")


@require_POST
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_action(request, pk, "close")


@require_POST
@roles_required(LEADER_RATING_OFFICE_ROLES)
def round_remind(request: HttpRequest, pk: int) -> HttpResponse:
    return _round_action(request, pk, "remind")


@require_POST
@roles_required(LEADER_RATING_OFFICE_ROLES)
def rater_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the chosen leader accounts their sheets."""
    round = selectors.access_round(user=request.user, pk=pk)
    form = RaterAssignForm(request.POST, users=selectors.leader_accounts(round=round))
    if form.is_valid():
        try:
            raters = services.raters_assign(
                actor=request.user, round=round, users=form.cleaned_data["users"]
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("%(count)d leaders added.") % {"count": len(raters)})
            return redirect("appraisal:round_detail", pk=round.pk)
    return _round_page(request, round, assign_form=form, status=400)


@require_POST
@roles_required(LEADER_RATING_OFFICE_ROLES)
def rater_remove(request: HttpRequest, pk: int, rater_pk: int) -> HttpResponse:
    """Take a leader off a round before they submit."""
    round = selectors.access_round(user=request.user, pk=pk)
    rater = selectors.access_rater(user=request.user, round=round, pk=rater_pk)
    try:
        services.rater_remove(actor=request.user, rater=rater)
    except ApplicationError as exc:
        return _round_page(request, round, error=str(exc.message), status=400)
    messages.success(request, _("The leader was taken off the round."))
    return redirect("appraisal:round_detail", pk=round.pk)


@require_safe
@roles_required(LEADER_RATING_OFFICE_ROLES)
def rater_detail(request: HttpRequest, pk: int, rater_pk: int) -> HttpResponse:
    """One rater's sheet as the office follows it: which units are rated and which are
    missing. The values themselves are shown only once the round is closed."""
    round = selectors.access_round(user=request.user, pk=pk)
    rater = selectors.access_rater(user=request.user, round=round, pk=rater_pk)
    return render(
        request,
        "appraisal/rater_detail.html",
        {
            "round": round,
            "rater": rater,
            "rows": selectors.sheet_rows(rater=rater),
            "show_values": round.status == LeaderRatingRound.Status.CLOSED,
            "status_colours": STATUS_COLOURS,
        },
    )


urlpatterns = [
    path("leader/", my_sheets, name="my_sheets"),
    path("leader/<int:round_pk>/sheet/", sheet, name="sheet"),
    path("leader/rounds/", round_list, name="round_list"),
    path("leader/rounds/new/", round_create, name="round_create"),
    path("leader/rounds/<int:pk>/", round_detail, name="round_detail"),
    path("leader/rounds/<int:pk>/edit/", round_edit, name="round_edit"),
    path("leader/rounds/<int:pk>/open/", round_open, name="round_open"),
    path("leader/rounds/<int:pk>/close/", round_close, name="round_close"),
    path("leader/rounds/<int:pk>/remind/", round_remind, name="round_remind"),
    path("leader/rounds/<int:pk>/raters/", rater_assign, name="rater_assign"),
    path("leader/rounds/<int:pk>/raters/<int:rater_pk>/", rater_detail, name="rater_detail"),
    path(
        "leader/rounds/<int:pk>/raters/<int:rater_pk>/remove/",
        rater_remove,
        name="rater_remove",
    ),
]
