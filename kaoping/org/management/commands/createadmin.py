"""`kaoping createadmin --role system_admin|security_admin|auditor USERNAME`.

Creates one of the separated administrators (三员分立) with a one-time password printed
once; the account must change it at its first sign-in. Kaoping ships with no superuser:
these three accounts, made on the server, are how an installation starts. With --reset the
command gives an existing administrator a new one-time password instead, and --deactivate
closes an administrator account; no administrator can do either to another in the pages.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kaoping.core.errors import ApplicationError
from kaoping.org import services
from kaoping.org.models import ADMIN_ROLES, User

_ALPHABETS = (string.ascii_uppercase, string.ascii_lowercase, string.digits, "-_.!@#%+=")


def one_time_password(length: int = 20) -> str:
    """A random password with every character class, long enough for any policy."""
    rng = secrets.SystemRandom()
    chars = [rng.choice(alphabet) for alphabet in _ALPHABETS]
    pool = "".join(_ALPHABETS)
    chars += [rng.choice(pool) for _ in range(max(length, 16) - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


class Command(BaseCommand):
    help = "Create a separated administrator (system, security or audit) with a one-time password."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "--role", choices=sorted(ADMIN_ROLES), help="The administrator role of a new account."
        )
        parser.add_argument("--display-name", default="", help="The name shown in the pages.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Give an existing administrator a new one-time password.",
        )
        parser.add_argument(
            "--deactivate",
            action="store_true",
            help="Deactivate an existing administrator (e.g. one who left); nothing is deleted.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        if options["deactivate"]:
            user = _existing_administrator(username)
            services.user_set_active(
                actor=None, user=user, active=False, reason="kaoping createadmin --deactivate"
            )
            self.stdout.write(f"{username}: deactivated.")
            return
        password = one_time_password(_policy_length())
        try:
            with transaction.atomic():
                if options["reset"]:
                    user = _existing_administrator(username)
                    services.user_set_password(
                        actor=None,
                        user=user,
                        password=password,
                        reason="kaoping createadmin --reset",
                    )
                else:
                    if not options["role"]:
                        raise CommandError("--role is required to create an administrator.")
                    user = services.user_create(
                        actor=None,
                        username=username,
                        password=password,
                        display_name=options["display_name"],
                        must_change_password=True,
                    )
                    services.role_grant(actor=None, user=user, role=options["role"])
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"{username}: {', '.join(sorted(user.roles))}")
        self.stdout.write("One-time password (shown once; it must be changed at first sign-in):")
        self.stdout.write(password)


def _policy_length() -> int:
    from django.conf import settings

    return max(int(settings.KAOPING_PASSWORD_POLICY["min_length"]) + 4, 20)


def _existing_administrator(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No account {username}.")
    if not user.has_role(*ADMIN_ROLES):
        raise CommandError(
            f"{username} is not an administrator; the system administrator resets it in the "
            "application."
        )
    return user
