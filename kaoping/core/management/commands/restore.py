"""`kaoping restore FILE`: put back the database and the evidence files of a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from kaoping.audit.selectors import verify_chain
from kaoping.audit.services import audit_event
from kaoping.core.backups import BackupError, restore_backup, sha256_of
from kaoping.core.management.commands.backup import media_root


class Command(BaseCommand):
    help = (
        "Restore a `kaoping backup` archive into an empty database (or, with --force, "
        "replace everything), then verify the audit trail."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the archive written by `kaoping backup`")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace the existing data and files (everything in them is lost)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        force = bool(options["force"])
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        if force:
            self.stdout.write(
                _(
                    "--force: the database and the stored files will be REPLACED by the "
                    "archive's; whatever they hold now is lost."
                )
            )
        connections.close_all()
        try:
            summary = restore_backup(
                archive=archive,
                database=connections["default"].settings_dict,
                media_root=media_root(),
                known_migrations=known,
                force=force,
            )
        except BackupError as exc:
            raise CommandError(str(exc.message)) from exc
        finally:
            connections.close_all()
        manifest = summary.manifest
        chain = verify_chain()
        # Written after the restore, into the restored chain.
        audit_event(
            actor=None,
            action="system.restore",
            object_type="system",
            object_repr=archive.name,
            reason=_("Replaced existing data (--force)") if summary.replaced_data else "",
            after={
                "archive": str(archive.resolve()),
                "sha256": sha256_of(archive),
                "backup_created_at": manifest.created_at,
                "kaoping_version": manifest.kaoping_version,
                "replaced_data": summary.replaced_data,
                "audit_chain_intact": chain.intact,
                "audit_events_verified": chain.checked,
            },
        )
        self.stdout.write(
            _(
                "Restored %(path)s (backup of %(created)s, Kaoping %(version)s): "
                "%(tables)d tables, %(rows)d rows, %(files)d stored files."
            )
            % {
                "path": archive,
                "created": manifest.created_at,
                "version": manifest.kaoping_version,
                "tables": len(manifest.counts),
                "rows": sum(manifest.counts.values()),
                "files": manifest.media_files,
            }
        )
        if summary.replaced_data:
            self.stdout.write(_("The data that was there before has been replaced."))
        if summary.pending_migrations:
            self.stdout.write(
                _("The backup predates this code's migrations: run `kaoping migrate` now.")
            )
        if not chain.intact:
            raise CommandError(
                _("Audit chain NOT intact after the restore: broken at event %(id)s.")
                % {"id": chain.first_broken_id if chain.first_broken_id is not None else "head"}
            )
        self.stdout.write(_("Audit chain intact: %(n)d event(s) verified.") % {"n": chain.checked})
