"""`kaoping unlockuser USERNAME` / `kaoping unlockuser --ip ADDRESS`: clear a lockout.

The security administrator unlocks in the application; this is the same service run from
the server (e.g. when the security administrator is the one locked out). Audited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kaoping.org import services
from kaoping.org.models import User


class Command(BaseCommand):
    help = "Clear the failed sign-ins that lock an account or a network address."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="The account to unlock.")
        parser.add_argument("--ip", help="A network address to unlock instead.")
        parser.add_argument(
            "--reason", default="kaoping unlockuser", help="Why, for the audit trail."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, address, reason = options["username"], options["ip"], options["reason"]
        if bool(username) == bool(address):
            raise CommandError("Give either a user name or --ip ADDRESS.")
        if address:
            removed = services.address_unlock(actor=None, ip_address=address, reason=reason)
            self.stdout.write(f"{address}: {removed} failed sign-in record(s) removed.")
            return
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No account {username}.")
        removed = services.user_unlock(actor=None, user=user, reason=reason)
        self.stdout.write(f"{username}: {removed} failed sign-in record(s) removed.")
