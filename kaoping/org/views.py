"""Sign-in, password change, home redirect and the organisation pages."""

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
from django.views.decorators.http import require_http_methods

from kaoping.core.errors import ApplicationError
from kaoping.org import selectors, services
from kaoping.org.forms import LoginForm, PasswordChangeForm
from kaoping.org.models import Role, Unit
from kaoping.org.navigation import home_url_name


class LoginView(auth_views.LoginView):
    """The sign-in page; anonymous visitors of `/` land here."""

    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any,
               **kwargs: Any) -> HttpResponse:
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
            services.user_set_password(actor=request.user, user=request.user,
                                       password=form.cleaned_data["new_password1"])
        except ApplicationError as exc:
            form.add_error("new_password1", str(exc.message))
        else:
            update_session_auth_hash(request, request.user)
            messages.success(request, _("Your password has been changed."))
            return redirect("home")
    return render(request, "org/password_change.html", {
        "form": form, "forced": request.user.must_change_password,
        "policy": settings.KAOPING_PASSWORD_POLICY,
    })


@login_required
def no_work(request: HttpRequest) -> HttpResponse:
    """The home of a role whose work is not in this release's menus (e.g. interviewers)."""
    return render(request, "org/no_work.html")


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """Units in the user's scope, filterable by kind and name."""
    kind = request.GET.get("kind", "")
    query = request.GET.get("q", "").strip()
    units = selectors.units_for_user(user=request.user, kind=kind or None, query=query)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "org/unit_list.html", {
        "page": page, "kind": kind, "q": query, "kinds": Unit.Kind.choices,
    })


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its people and its assignments in the current plans."""
    unit = selectors.access_unit(user=request.user, pk=pk)
    from kaoping.plans.selectors import assignments_for_unit

    return render(request, "org/unit_detail.html", {
        "unit": unit,
        "people": selectors.unit_people(user=request.user, unit=unit),
        "assignments": assignments_for_unit(user=request.user, unit=unit),
    })


@login_required
def my_unit(request: HttpRequest) -> HttpResponse:
    """A reporter's or unit head's own unit page."""
    unit = selectors.unit_of_user(user=request.user)
    if unit is None:
        raise Http404
    return unit_detail(request, unit.pk)


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """A leader's units in charge (分管) and what they answer for."""
    if not request.user.has_role(Role.LEADER):
        raise Http404
    from kaoping.plans.selectors import assignments_in_scope

    return render(request, "org/portfolio.html", {
        "units": selectors.portfolio_units(user=request.user),
        "assignments": assignments_in_scope(user=request.user)[:200],
    })


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    """Accounts and their roles, for the system and security administrators."""
    if not request.user.has_role(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN):
        raise Http404
    query = request.GET.get("q", "").strip()
    accounts = selectors.accounts_for_admin(user=request.user, query=query)
    page = Paginator(accounts, 50).get_page(request.GET.get("page"))
    return render(request, "org/account_list.html", {"page": page, "q": query})
