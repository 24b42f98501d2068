"""Sign-in, password change, home redirect and the organisation pages.

Pages outside a user's roles, and units outside their data scope, answer 404. The account
pages follow the separation of administrator duties: the system administrator creates,
resets and deactivates accounts; the security administrator grants and revokes roles and
unlocks accounts; each write goes through kaoping.org.services and its refusal is shown.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from kaoping.core import exports as table_exports
from kaoping.core.errors import ApplicationError
from kaoping.org import selectors, services
from kaoping.org.account_forms import (
    AccountCreateForm,
    ActiveForm,
    PasswordResetForm,
    ReasonForm,
    RoleGrantForm,
)
from kaoping.org.forms import LoginForm, PasswordChangeForm
from kaoping.org.models import Role, Unit, User
from kaoping.org.navigation import home_url_name
from kaoping.org.permissions import (
    ACCOUNT_ROLES,
    ACCOUNT_WRITE_ROLES,
    MY_UNIT_ROLES,
    PORTFOLIO_ROLES,
    ROLE_ADMIN_ROLES,
    UNIT_LIST_ROLES,
    UNIT_PAGE_ROLES,
    roles_required,
)


class LoginView(auth_views.LoginView):
    """The sign-in page; anonymous visitors of `/` land here."""

    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """What django-axes shows a locked account."""
    minutes = int(float(settings.AXES_COOLOFF_TIME) * 60)
    return render(request, "org/locked_out.html", {"minutes": minutes}, status=403)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's home page."""
    return redirect(home_url_name(request.user))


def root(request: HttpRequest) -> HttpResponse:
    """`/`: the login page for anonymous visitors, home for the signed in."""
    if request.user.is_authenticated:
        return redirect(home_url_name(request.user))
    return LoginView.as_view()(request)


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password (forced on first login and on expiry)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                actor=request.user, user=request.user, password=form.cleaned_data["new_password1"]
            )
        except ApplicationError as exc:
            form.add_error("new_password1", str(exc.message))
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(
        request,
        "org/password_change.html",
        {
            "form": form,
            "forced": request.user.must_change_password,
            "policy": settings.KAOPING_PASSWORD_POLICY,
        },
    )


@require_safe
@login_required
def no_work(request: HttpRequest) -> HttpResponse:
    """The home of a role whose work is not in this release's menus (e.g. interviewers)."""
    return render(
        request, "org/no_work.html", {"interviewer": request.user.has_role(Role.INTERVIEWER)}
    )


# --- units ---------------------------------------------------------------------------------
@require_safe
@roles_required(UNIT_LIST_ROLES)
def unit_list(request: HttpRequest) -> HttpResponse:
    """Units in the user's scope, filterable by kind and name or code."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in Unit.Kind.values else ""
    query = request.GET.get("q", "").strip()[:100]
    units = selectors.unit_directory(user=request.user, kind=kind or None, query=query)
    fmt = table_exports.requested_format(request)
    if fmt:
        return table_exports.export_response(
            request=request,
            fmt=fmt,
            title=_("Units"),
            headers=[
                _("Code"),
                _("Unit"),
                _("Kind"),
                _("Region"),
                _("Head"),
                _("People"),
                _("Leads"),
                _("Supports"),
            ],
            rows=[
                [
                    u.code,
                    u.name,
                    u.get_kind_display(),
                    u.region.name if u.region else "",
                    u.head_name or "",
                    u.people_count,
                    u.lead_count,
                    u.support_count,
                ]
                for u in units
            ],
            what="org.units",
        )
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/unit_list.html",
        {
            "page": page,
            "kind": kind,
            "q": query,
            "kinds": Unit.Kind.choices,
            "filtered": bool(kind or query),
        },
    )


def _unit_page(request: HttpRequest, unit: Unit, *, own: bool) -> HttpResponse:
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "own": own,
            "can_list_units": request.user.has_role(*UNIT_LIST_ROLES),
            "parent": selectors.parent_unit(user=request.user, unit=unit),
            "people": selectors.unit_people(user=request.user, unit=unit),
            "assignments": selectors.unit_assignments(user=request.user, unit=unit),
        },
    )


@require_safe
@roles_required(UNIT_PAGE_ROLES)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its people with positions and what it leads or supports in each plan."""
    unit = selectors.access_unit(user=request.user, pk=pk)
    return _unit_page(request, unit, own=False)


@require_safe
@roles_required(MY_UNIT_ROLES)
def my_unit(request: HttpRequest) -> HttpResponse:
    """A reporter's or unit head's own unit page."""
    unit = selectors.unit_of_user(user=request.user)
    if unit is None:
        raise Http404
    return _unit_page(request, unit, own=True)


@require_safe
@roles_required(PORTFOLIO_ROLES)
def portfolio(request: HttpRequest) -> HttpResponse:
    """A leader's units in charge (分管) and the indicators they lead."""
    return render(
        request,
        "org/portfolio.html",
        {
            "units": selectors.portfolio_units(user=request.user),
            "assignments": selectors.portfolio_assignments(user=request.user),
        },
    )


# --- accounts ------------------------------------------------------------------------------
@require_safe
@roles_required(ACCOUNT_ROLES)
def account_list(request: HttpRequest) -> HttpResponse:
    """Accounts and their roles, for the system and security administrators."""
    query = request.GET.get("q", "").strip()[:100]
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    accounts = selectors.accounts_for_admin(user=request.user, query=query, role=role)
    fmt = table_exports.requested_format(request)
    if fmt:
        return _account_export(request, list(accounts), fmt)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    locked = selectors.locked_usernames(usernames=[u.username for u in page])
    return render(
        request,
        "org/account_list.html",
        {
            "page": page,
            "q": query,
            "role": role,
            "roles": Role.choices,
            "locked": locked,
            "can_create": request.user.has_role(*ACCOUNT_WRITE_ROLES),
        },
    )


def _account_export(request: HttpRequest, accounts: list[User], fmt: str) -> HttpResponse:
    """The account list as shown (same selector, same filters), every row, as a file."""
    locked = selectors.locked_usernames(usernames=[u.username for u in accounts])
    rows = []
    for account in accounts:
        person = getattr(account, "person", None)
        grants = [
            str(g.get_role_display()) + (f" · {g.unit.short_name or g.unit.name}" if g.unit else "")
            for g in account.role_grants.all()
        ]
        rows.append(
            [
                account.username,
                account.display_name or (person.name if person else ""),
                person.unit.name if person else "",
                "; ".join(grants),
                _("Active") if account.is_active else _("Deactivated"),
                account.username in locked,
                account.last_login,
            ]
        )
    return table_exports.export_response(
        request=request,
        fmt=fmt,
        title=_("Accounts"),
        headers=[
            _("User name"),
            _("Name"),
            _("Unit"),
            _("Roles"),
            _("State"),
            _("Locked"),
            _("Last sign-in"),
        ],
        rows=rows,
        what="org.accounts",
    )


@require_http_methods(["GET", "POST"])
@roles_required(ACCOUNT_WRITE_ROLES)
def account_create(request: HttpRequest) -> HttpResponse:
    """Create an account (system administrator); it must change its password at first sign-in."""
    form = AccountCreateForm(
        request.POST or None, persons=selectors.persons_for_accounts(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.user_create(
                actor=request.user,
                username=data["username"],
                password=data["password1"],
                display_name=data["display_name"],
                person=data["person"],
                must_change_password=True,
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _("The account %(name)s was created; it must change its password at first sign-in.")
                % {"name": account.username},
            )
            return redirect("org:account_detail", pk=account.pk)
    return render(request, "org/account_create.html", {"form": form})


def _account_page(
    request: HttpRequest, account: User, status: int = 200, **forms: Any
) -> HttpResponse:
    """The account page, with any bound form that failed shown in place of a fresh one."""
    user = request.user
    is_system = user.has_role(*ACCOUNT_WRITE_ROLES)
    is_security = user.has_role(*ROLE_ADMIN_ROLES)
    context = {
        "account": account,
        "grants": list(account.role_grants.all()),
        "locked": account.username in selectors.locked_usernames(usernames=[account.username]),
        "is_self": account.pk == user.pk,
        "is_system": is_system,
        "is_security": is_security,
        "password_form": forms.get("password_form") or (PasswordResetForm() if is_system else None),
        "active_form": forms.get("active_form")
        or (
            ActiveForm(initial={"active": "0" if account.is_active else "1"}) if is_system else None
        ),
        "grant_form": forms.get("grant_form")
        or (RoleGrantForm(units=selectors.units_for_admin(user=user)) if is_security else None),
        "reason_form": forms.get("reason_form") or ReasonForm(),
    }
    return render(request, "org/account_detail.html", context, status=status)


@require_safe
@roles_required(ACCOUNT_ROLES)
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One account: its person, roles, state, and the actions the administrator may take."""
    account = selectors.access_account(user=request.user, pk=pk)
    return _account_page(request, account)


@require_POST
@roles_required(ACCOUNT_WRITE_ROLES)
def account_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a new initial password (system administrator); the owner must change it."""
    account = selectors.access_account(user=request.user, pk=pk)
    form = PasswordResetForm(request.POST)
    if form.is_valid():
        try:
            services.user_set_password(
                actor=request.user,
                user=account,
                password=form.cleaned_data["password1"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            form.add_error("password1", str(exc.message))
        else:
            messages.success(
                request,
                _("The password of %(name)s was reset; it must be changed at the next sign-in.")
                % {"name": account.username},
            )
            return redirect("org:account_detail", pk=account.pk)
    return _account_page(request, account, status=400, password_form=form)


@require_POST
@roles_required(ACCOUNT_WRITE_ROLES)
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    """Deactivate or reactivate an account (system administrator)."""
    account = selectors.access_account(user=request.user, pk=pk)
    form = ActiveForm(request.POST)
    if form.is_valid():
        active = form.cleaned_data["active"]
        if account.pk == request.user.pk and not active:
            form.add_error(None, _("You cannot deactivate your own account."))
        else:
            try:
                services.user_set_active(
                    actor=request.user,
                    user=account,
                    active=active,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    (
                        _("The account %(name)s is active again.")
                        if active
                        else _("The account %(name)s was deactivated.")
                    )
                    % {"name": account.username},
                )
                return redirect("org:account_detail", pk=account.pk)
    return _account_page(request, account, status=400, active_form=form)


@require_POST
@roles_required(ROLE_ADMIN_ROLES)
def account_role_grant(request: HttpRequest, pk: int) -> HttpResponse:
    """Grant a role anchored at a unit (security administrator)."""
    account = selectors.access_account(user=request.user, pk=pk)
    form = RoleGrantForm(request.POST, units=selectors.units_for_admin(user=request.user))
    if form.is_valid():
        try:
            services.role_grant(
                actor=request.user,
                user=account,
                role=form.cleaned_data["role"],
                unit=form.cleaned_data["unit"],
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The role was granted."))
            return redirect("org:account_detail", pk=account.pk)
    return _account_page(request, account, status=400, grant_form=form)


@require_POST
@roles_required(ROLE_ADMIN_ROLES)
def account_role_revoke(request: HttpRequest, pk: int, grant_pk: int) -> HttpResponse:
    """Revoke one role grant (security administrator)."""
    account = selectors.access_account(user=request.user, pk=pk)
    grant = selectors.access_role_grant(user=request.user, account=account, pk=grant_pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.role_revoke(
                actor=request.user, grant=grant, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The role was revoked."))
            return redirect("org:account_detail", pk=account.pk)
    return _account_page(request, account, status=400, reason_form=form)


@require_POST
@roles_required(ROLE_ADMIN_ROLES)
def account_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    """Clear an account's sign-in lockout (security administrator)."""
    account = selectors.access_account(user=request.user, pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            services.user_unlock(
                actor=request.user, user=account, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request, _("The account %(name)s was unlocked.") % {"name": account.username}
            )
            return redirect("org:account_detail", pk=account.pk)
    return _account_page(request, account, status=400, reason_form=form)
