"""Supervision pages: notifications, alerts, supervision notices (督办单), explanations
(说明情况) and 回头看 re-checks.

Views parse input, check the role, call one selector or service and render. Objects outside
the user's data scope answer 404; an action the user may not take is refused by the service
and shown as a message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.core.periods import Period, PeriodError
from kaoping.org.permissions import (
    EXPLANATION_ROLES,
    NOTIFICATION_ROLES,
    REVIEW_ROLES,
    SUPERVISION_ROLES,
    roles_required,
)
from kaoping.tracking import selectors
from kaoping.tracking.models import Alert, Explanation, SupervisionNotice
from kaoping.tracking.services import supervision as services
from kaoping.tracking.supervision_forms import (
    ExplanationReviewForm,
    ExplanationSubmitForm,
    NoticeAnswerForm,
    NoticeCloseForm,
    ReviewForm,
)

PER_PAGE = 50
LEVEL_COLOURS = {"blue": "primary", "yellow": "warning", "red": "danger"}
NOTICE_STATUS_COLOURS = {"open": "danger", "answered": "info", "closed": "secondary"}
EXPLANATION_STATUS_COLOURS = {
    "requested": "warning",
    "submitted": "info",
    "accepted": "success",
    "returned": "danger",
}


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PER_PAGE).get_page(request.GET.get("page"))


def _period_label(text: str) -> str:
    try:
        return Period.parse(text).label()
    except PeriodError:
        return text


def _choice(value: str | None, allowed: list[str]) -> str:
    return value if value in allowed else ""


# --- notifications ----------------------------------------------------------------------------
@require_safe
@roles_required(NOTIFICATION_ROLES)
def notification_list(request: HttpRequest) -> HttpResponse:
    """One's own notifications, newest first; unread ones highlighted."""
    unread_only = request.GET.get("show") == "unread"
    items = selectors.notifications_for_user(user=request.user, unread_only=unread_only)
    return render(
        request,
        "tracking/notifications.html",
        {
            "page": _page(request, items),
            "unread_only": unread_only,
            "unread": selectors.unread_count(user=request.user),
        },
    )


@require_POST
@roles_required(NOTIFICATION_ROLES)
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark a notification read; with `open`, go on to what it is about."""
    notification = selectors.access_notification(user=request.user, pk=pk)
    services.notification_mark_read(actor=request.user, notification=notification)
    target = notification.url
    if (
        request.POST.get("open")
        and target
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return redirect(target)
    return redirect("tracking:notification_list")


@require_POST
@roles_required(NOTIFICATION_ROLES)
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(actor=request.user)
    messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return redirect("tracking:notification_list")


# --- alerts -------------------------------------------------------------------------------------
@require_safe
@roles_required(SUPERVISION_ROLES)
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts of the units in scope: open ones, or all."""
    kind = _choice(request.GET.get("kind"), list(Alert.Kind.values))
    show_all = request.GET.get("state") == "all"
    items = selectors.alerts_for_user(user=request.user, kind=kind, open_only=not show_all)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Alerts"),
            headers=[
                _("Kind"),
                _("Unit"),
                _("Indicator"),
                _("Milestone"),
                _("Period"),
                _("Message"),
                _("Raised at"),
                _("Resolved at"),
            ],
            rows=[
                [
                    a.get_kind_display(),
                    a.unit.name,
                    a.indicator.name if a.indicator_id else "",
                    a.milestone.name if a.milestone_id else "",
                    a.period,
                    a.message,
                    a.created_at,
                    a.resolved_at,
                ]
                for a in items
            ],
            what="tracking.alerts",
        )
    return render(
        request,
        "tracking/alerts.html",
        {
            "page": _page(request, items),
            "kind": kind,
            "kinds": Alert.Kind.choices,
            "show_all": show_all,
        },
    )


# --- supervision notices ------------------------------------------------------------------------
@require_safe
@roles_required(SUPERVISION_ROLES)
def notice_list(request: HttpRequest) -> HttpResponse:
    """Supervision notices of the units in scope, open and red ones first."""
    status = _choice(request.GET.get("status"), list(SupervisionNotice.Status.values))
    level = _choice(request.GET.get("level"), list(SupervisionNotice.Level.values))
    items = selectors.notices_for_user(user=request.user, status=status, level=level)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Supervision notices"),
            headers=[
                _("Level"),
                _("Unit"),
                _("Indicator code"),
                _("Indicator"),
                _("Period"),
                _("Periods red in a row"),
                _("Addressed to"),
                _("Status"),
                _("Issued at"),
            ],
            rows=[
                [
                    n.get_level_display(),
                    n.unit.name,
                    n.indicator.code,
                    n.indicator.name,
                    n.period,
                    n.consecutive_red,
                    n.addressed_to.name if n.addressed_to_id else "",
                    n.get_status_display(),
                    n.created_at,
                ]
                for n in items
            ],
            what="tracking.notices",
        )
    return render(
        request,
        "tracking/notice_list.html",
        {
            "page": _page(request, items),
            "status": status,
            "level": level,
            "statuses": SupervisionNotice.Status.choices,
            "levels": SupervisionNotice.Level.choices,
            "level_colours": LEVEL_COLOURS,
            "status_colours": NOTICE_STATUS_COLOURS,
        },
    )


def _notice_page(
    request: HttpRequest,
    notice: SupervisionNotice,
    *,
    answer_form: NoticeAnswerForm | None = None,
    close_form: NoticeCloseForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    version = {"version": notice.row_version}
    return render(
        request,
        "tracking/notice_detail.html",
        {
            "notice": notice,
            "period_label": _period_label(notice.period),
            "result": selectors.item_result(
                user=user,
                indicator_id=notice.indicator_id,
                unit_id=notice.unit_id,
                period=notice.period,
            ),
            "reviews": selectors.reviews_for_user(user=user).filter(notice=notice),
            "level_colour": LEVEL_COLOURS.get(notice.level, "secondary"),
            "status_colour": NOTICE_STATUS_COLOURS.get(notice.status, "secondary"),
            "can_answer": selectors.can_answer_notice(user, notice),
            "can_close": selectors.can_close_notice(user, notice),
            "can_review": selectors.can_record_review(user, notice.unit_id),
            "answer_form": answer_form or NoticeAnswerForm(initial=version),
            "close_form": close_form or NoticeCloseForm(initial=version),
        },
        status=status,
    )


@require_safe
@roles_required(SUPERVISION_ROLES)
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A notice, the figure behind it, its answer and its re-checks."""
    return _notice_page(request, selectors.access_notice(user=request.user, pk=pk))


@require_POST
@roles_required(SUPERVISION_ROLES)
def notice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit head answers a notice."""
    notice = selectors.access_notice(user=request.user, pk=pk)
    form = NoticeAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.notice_answer(
                actor=request.user,
                notice=notice,
                response=form.cleaned_data["response"],
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The notice was answered."))
            return redirect("tracking:notice_detail", pk=notice.pk)
    return _notice_page(request, notice, answer_form=form, status=400)


@require_POST
@roles_required(SUPERVISION_ROLES)
def notice_close(request: HttpRequest, pk: int) -> HttpResponse:
    """The office closes a notice."""
    notice = selectors.access_notice(user=request.user, pk=pk)
    form = NoticeCloseForm(request.POST)
    if form.is_valid():
        try:
            services.notice_close(
                actor=request.user,
                notice=notice,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The notice was closed."))
            return redirect("tracking:notice_detail", pk=notice.pk)
    return _notice_page(request, notice, close_form=form, status=400)


# --- explanations -----------------------------------------------------------------------------
@require_safe
@roles_required(EXPLANATION_ROLES)
def explanation_list(request: HttpRequest) -> HttpResponse:
    """Explanations of the units in scope: the unit's own to write, the office's to review."""
    status = _choice(request.GET.get("status"), list(Explanation.Status.values))
    items = selectors.explanations_for_user(user=request.user, status=status)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Explanations"),
            headers=[
                _("Status"),
                _("Indicator code"),
                _("Indicator"),
                _("Unit"),
                _("Period"),
                _("Due"),
                _("Submitted"),
            ],
            rows=[
                [
                    e.get_status_display(),
                    e.indicator.code,
                    e.indicator.name,
                    e.unit.name,
                    e.period,
                    e.due,
                    e.submitted_at,
                ]
                for e in items
            ],
            what="tracking.explanations",
        )
    return render(
        request,
        "tracking/explanation_list.html",
        {
            "page": _page(request, items),
            "status": status,
            "statuses": Explanation.Status.choices,
            "status_colours": EXPLANATION_STATUS_COLOURS,
        },
    )


def _explanation_page(
    request: HttpRequest,
    explanation: Explanation,
    *,
    submit_form: ExplanationSubmitForm | None = None,
    review_form: ExplanationReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    version = {"version": explanation.row_version}
    return render(
        request,
        "tracking/explanation_detail.html",
        {
            "explanation": explanation,
            "period_label": _period_label(explanation.period),
            "result": selectors.item_result(
                user=user,
                indicator_id=explanation.indicator_id,
                unit_id=explanation.unit_id,
                period=explanation.period,
            ),
            "reviews": selectors.reviews_for_user(user=user).filter(explanation=explanation),
            "status_colour": EXPLANATION_STATUS_COLOURS.get(explanation.status, "secondary"),
            "can_submit": selectors.can_submit_explanation(user, explanation),
            "can_review": selectors.can_review_explanation(user, explanation),
            "can_recheck": selectors.can_record_review(user, explanation.unit_id),
            "submit_form": submit_form
            or ExplanationSubmitForm(
                initial={**version, "text": explanation.text, "measures": explanation.measures}
            ),
            "review_form": review_form or ExplanationReviewForm(initial=version),
        },
        status=status,
    )


@require_safe
@roles_required(EXPLANATION_ROLES)
def explanation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _explanation_page(request, selectors.access_explanation(user=request.user, pk=pk))


@require_POST
@roles_required(EXPLANATION_ROLES)
def explanation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit submits its explanation."""
    explanation = selectors.access_explanation(user=request.user, pk=pk)
    form = ExplanationSubmitForm(request.POST)
    if form.is_valid():
        try:
            services.explanation_submit(
                actor=request.user,
                explanation=explanation,
                text=form.cleaned_data["text"],
                measures=form.cleaned_data["measures"],
                expected_version=form.cleaned_data["version"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The explanation was submitted to the office."))
            return redirect("tracking:explanation_detail", pk=explanation.pk)
    return _explanation_page(request, explanation, submit_form=form, status=400)


@require_POST
@roles_required(EXPLANATION_ROLES)
def explanation_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The office accepts or returns a submitted explanation."""
    explanation = selectors.access_explanation(user=request.user, pk=pk)
    form = ExplanationReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        review = (
            services.explanation_accept
            if data["decision"] == "accept"
            else services.explanation_return
        )
        try:
            review(
                actor=request.user,
                explanation=explanation,
                note=data["note"],
                expected_version=data["version"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The explanation was accepted.")
                if data["decision"] == "accept"
                else _("The explanation was returned to the unit."),
            )
            return redirect("tracking:explanation_detail", pk=explanation.pk)
    return _explanation_page(request, explanation, review_form=form, status=400)


# --- 回头看 re-checks -------------------------------------------------------------------------
@require_safe
@roles_required(SUPERVISION_ROLES)
def review_list(request: HttpRequest) -> HttpResponse:
    """回头看 re-checks of the units in scope."""
    reviews = selectors.reviews_for_user(user=request.user)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Re-checks"),
            headers=[
                _("Re-checked on"),
                _("Unit"),
                _("Concerning"),
                _("Findings"),
                _("Result"),
                _("Reviewer"),
            ],
            rows=[
                [
                    r.reviewed_on,
                    r.unit.name,
                    f"{r.notice.get_level_display()} · {r.notice.indicator.name}"
                    if r.notice
                    else f"{_('Explanation')} · {r.explanation.indicator.name}"
                    if r.explanation
                    else "",
                    r.findings,
                    r.get_result_display(),
                    str(r.reviewer) if r.reviewer else "",
                ]
                for r in reviews
            ],
            what="tracking.reviews",
        )
    return render(
        request,
        "tracking/review_list.html",
        {
            "page": _page(request, reviews),
            "can_record": request.user.has_role(*REVIEW_ROLES),  # type: ignore[union-attr]
        },
    )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_http_methods(["GET", "POST"])
@roles_required(REVIEW_ROLES)
def review_create(request: HttpRequest) -> HttpResponse:
    """Record a 回头看 re-check of a unit (optionally of one notice or explanation)."""
    user = request.user
    units = selectors.review_units(user=user)
    initial: dict[str, Any] = {}
    notice_id = _int(request.GET.get("notice"))
    explanation_id = _int(request.GET.get("explanation"))
    if notice_id:
        notice = selectors.access_notice(user=user, pk=notice_id)
        initial.update(unit=notice.unit_id, notice=notice.pk)
    if explanation_id:
        explanation = selectors.access_explanation(user=user, pk=explanation_id)
        initial.update(unit=explanation.unit_id, explanation=explanation.pk)
    unit_id = _int(request.POST.get("unit")) or initial.get("unit")
    unit = units.filter(pk=unit_id).first() if unit_id else None
    if unit_id and unit is None:
        raise Http404
    if unit is not None:
        notices, explanations = selectors.review_subjects(user=user, unit=unit)
    else:
        notices = selectors.notices_for_user(user=user).filter(unit__in=units)
        explanations = (
            selectors.explanations_for_user(user=user)
            .filter(unit__in=units)
            .exclude(status=Explanation.Status.REQUESTED)
        )
    form = ReviewForm(
        request.POST or None,
        units=units,
        notices=notices,
        explanations=explanations,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.review_record(
                actor=user,
                unit=data["unit"],
                reviewed_on=data["reviewed_on"],
                findings=data["findings"],
                result=data["result"],
                notice=data["notice"],
                explanation=data["explanation"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The re-check was recorded."))
            return redirect("tracking:review_list")
    return render(request, "tracking/review_form.html", {"form": form})


urlpatterns = [
    path("notifications/", notification_list, name="notification_list"),
    path("notifications/<int:pk>/read/", notification_read, name="notification_read"),
    path("notifications/read-all/", notification_read_all, name="notification_read_all"),
    path("alerts/", alert_list, name="alert_list"),
    path("notices/", notice_list, name="notice_list"),
    path("notices/<int:pk>/", notice_detail, name="notice_detail"),
    path("notices/<int:pk>/answer/", notice_answer, name="notice_answer"),
    path("notices/<int:pk>/close/", notice_close, name="notice_close"),
    path("explanations/", explanation_list, name="explanation_list"),
    path("explanations/<int:pk>/", explanation_detail, name="explanation_detail"),
    path("explanations/<int:pk>/submit/", explanation_submit, name="explanation_submit"),
    path("explanations/<int:pk>/review/", explanation_review, name="explanation_review"),
    path("reviews/", review_list, name="review_list"),
    path("reviews/new/", review_create, name="review_create"),
]
