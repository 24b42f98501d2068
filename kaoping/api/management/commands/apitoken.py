"""`kaoping apitoken create --user NAME --name LABEL [--days N]` / `list [--user NAME]` /
`revoke PREFIX_OR_ID [--reason TEXT]`: API tokens for systems, from the server.

`create` prints the token once; only its SHA-256 is kept. Every create and revoke is audited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from kaoping.api import selectors, services
from kaoping.api.models import ApiToken
from kaoping.core.errors import ApplicationError
from kaoping.org.models import User


class Command(BaseCommand):
    help = "Create, list or revoke API tokens (docs/api.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Make a token and print it once.")
        create.add_argument("--user", required=True, help="The account the token acts as.")
        create.add_argument("--name", required=True, help="What uses the token, e.g. 'OA sync'.")
        create.add_argument("--days", type=int, help="Valid this many days (default: no limit).")
        listing = actions.add_parser("list", help="List tokens (never the tokens themselves).")
        listing.add_argument("--user", default="", help="Only this account's tokens.")
        revoke = actions.add_parser("revoke", help="Revoke a token for good.")
        revoke.add_argument("token", help="The token's prefix (kp_…) or id.")
        revoke.add_argument("--reason", default="kaoping apitoken revoke", help="For the audit.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc

    def _create(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No account {options['user']}.")
        issued = services.token_create(
            actor=None, user=user, name=options["name"], days=options["days"]
        )
        expires = issued.token.expires_at
        self.stdout.write(issued.key)
        self.stderr.write(
            f"Token {issued.token.prefix}… (id {issued.token.pk}) for {user.username}, "
            + (
                f"valid until {timezone.localtime(expires):%Y-%m-%d %H:%M}."
                if expires
                else "no expiry."
            )
            + " It is shown only now: store it in the calling system's secrets."
        )

    def _list(self, options: dict[str, Any]) -> None:
        rows = selectors.tokens_for_user(username=options["user"])
        for token in rows:
            self.stdout.write(
                "\t".join(
                    [
                        str(token.pk),
                        token.prefix,
                        token.user.username,
                        token.name,
                        _state(token),
                        _when(token.created_at),
                        _when(token.last_used_at),
                        _when(token.expires_at),
                    ]
                )
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        ref = options["token"].strip()
        qs = (
            ApiToken.objects.filter(pk=int(ref))
            if ref.isdigit()
            else ApiToken.objects.filter(prefix=ref.rstrip("…"))
        )
        matches = list(qs.select_related("user")[:2])
        if not matches:
            raise CommandError(f"No token {ref}.")
        if len(matches) > 1:
            raise CommandError(f"More than one token starts {ref}: give its id.")
        token = services.token_revoke(actor=None, token=matches[0], reason=options["reason"])
        self.stdout.write(f"Token {token.prefix}… ({token.user.username}, {token.name}) revoked.")


def _state(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return "expired"
    if not token.user.is_active:
        return "user-inactive"
    return "active"


def _when(moment: Any) -> str:
    return "-" if moment is None else f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
