"""`kaoping backup -o FILE`: the database and the evidence files in one verified archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from kaoping.audit.models import ChainHead
from kaoping.audit.services import audit_event
from kaoping.core.backups import BackupError, create_backup


def media_root() -> Path:
    """The folder of the default storage (evidence and other uploads)."""
    try:
        return Path(default_storage.path(""))
    except NotImplementedError as exc:
        raise CommandError(
            _(
                "The default storage is not a local folder: back up the object storage "
                "with its own tools; this command covers local files only."
            )
        ) from exc


class Command(BaseCommand):
    help = "Write the whole database and every stored file to one .tar.gz archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", required=True, help="the archive to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = create_backup(
                output=Path(options["output"]),
                database=connections["default"].settings_dict,
                media_root=media_root(),
            )
        except BackupError as exc:
            raise CommandError(str(exc.message)) from exc
        manifest = summary.manifest
        head = ChainHead.objects.filter(id=1).values_list("last_hash", flat=True).first()
        audit_event(
            actor=None,
            action="system.backup",
            object_type="system",
            object_repr=summary.path.name,
            after={
                "archive": str(summary.path),
                "sha256": summary.sha256,
                "size": summary.size,
                "engine": manifest.engine,
                "created_at": manifest.created_at,
                "audit_head_hash": head or "",
            },
        )
        self.stdout.write(
            _("Backup written to %(path)s (%(size)s bytes, SHA-256 %(sha)s).")
            % {"path": summary.path, "size": summary.size, "sha": summary.sha256}
        )
        self.stdout.write(
            _("Database %(engine)s: %(tables)d tables, %(rows)d rows; %(files)d stored files.")
            % {
                "engine": manifest.engine,
                "tables": len(manifest.counts),
                "rows": sum(manifest.counts.values()),
                "files": manifest.media_files,
            }
        )
        self.stdout.write(_("Audit chain head: %(hash)s") % {"hash": head or "-"})
