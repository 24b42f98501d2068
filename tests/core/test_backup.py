"""`kaoping backup` / `kaoping restore`: the database and the stored files round-trip.

The databases here are not pytest-django's test database: each is a real Kaoping database
(a SQLite file in a temporary folder, or a scratch PostgreSQL database) migrated and filled
by a `kaoping` subprocess, backed up and restored by the real commands in subprocesses,
and checked through `kaoping.core.backups`' functions on explicit paths and settings.
The refusals are checked in-process on explicit paths, where nothing touches Django's
connections.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
import pytest
from django.db.migrations.loader import MigrationLoader
from django.utils import translation

from kaoping.core.backups import (
    BackupError,
    database_state,
    extract_verified,
    media_hashes,
    restore_backup,
)

REPOSITORY = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get(
    "KAOPING_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)

# Migrates the configured database and fills it with a little of everything: units (and
# their auditlog change records), a user with a role, hash-chained audit events, evidence
# files stored by content hash as kaoping.tracking.evidence does; then `kaoping backup`
# (call_command in the same process: one Django start-up fewer) to the archive in argv[1].
POPULATE = """
import hashlib
import sys
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
call_command("migrate", verbosity=0)
from kaoping.audit.services import audit_event
from kaoping.org.models import Role, Unit
from tests.factories import make_unit, user_with_role
county = make_unit("C01", "示范县", Unit.Kind.COUNTY)
town = make_unit("T01", "东城镇", Unit.Kind.TOWN, county)
user = user_with_role(Role.OFFICE, county, username="office")
for n in range(5):
    audit_event(actor=user, action="test.event", obj=town, reason=f"第{n}次", after={"n": n})
for body in (b"%PDF-1.4 evidence one", "佐证材料二".encode(), bytes(range(256)) * 40):
    digest = hashlib.sha256(body).hexdigest()
    default_storage.save(f"evidence/{digest[:2]}/{digest}", ContentFile(body))
call_command("backup", "-o", sys.argv[1])
"""


@dataclass
class Installation:
    """A Kaoping data folder and its database, as the `kaoping` commands see them."""

    data_dir: Path
    database_url: str | None = None  # None: SQLite in data_dir

    @property
    def database(self) -> dict[str, Any]:
        url = self.database_url or f"sqlite:///{self.data_dir / 'kaoping.sqlite3'}"
        return dict(environ.Env.db_url_config(url))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "kaoping.sqlite3"

    @property
    def media_root(self) -> Path:
        return self.data_dir / "media"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "KAOPING_DATABASE_URL"}
        env.update(
            DJANGO_SETTINGS_MODULE="kaoping.settings",
            KAOPING_DATA_DIR=str(self.data_dir),
            KAOPING_SECRET_KEY="backup-test-secret-key-" + "x" * 40,
            KAOPING_LOG_LEVEL="WARNING",
            PYTHONPATH=str(REPOSITORY),
        )
        if self.database_url:
            env["KAOPING_DATABASE_URL"] = self.database_url
        return env

    def python(self, *args: str) -> subprocess.CompletedProcess[str]:
        """This interpreter with ARGS, in this installation's environment."""
        return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
            [sys.executable, *args],
            cwd=REPOSITORY,
            env=self.environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def audit_actions(self) -> list[str]:
        """The actions of the audit events, oldest first (read without Django)."""
        query = "SELECT action FROM audit_auditevent ORDER BY id"
        if self.database_url is None:
            with contextlib.closing(sqlite3.connect(self.sqlite_path)) as conn:
                return [row[0] for row in conn.execute(query)]
        import psycopg

        with psycopg.connect(self.database_url) as conn:
            return [row[0] for row in conn.execute(query)]

    def counts(self) -> dict[str, int]:
        return database_state(database=self.database)[0]


@dataclass
class Backup:
    """An archive written by `kaoping backup` and what its source held at that moment."""

    archive: Path
    source: Installation
    counts: dict[str, int]
    files: dict[str, str]


def known_migrations() -> set[tuple[str, str]]:
    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (the online backup API, as the command)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rewrite_archive(
    archive: Path,
    output: Path,
    *,
    manifest: Callable[[dict[str, Any]], None] | None = None,
    member: tuple[str, Callable[[bytes], bytes]] | None = None,
) -> Path:
    """A copy of `archive` with the manifest and/or one member's bytes changed."""
    with tarfile.open(archive, "r:gz") as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar]  # type: ignore[union-attr]
    with tarfile.open(output, "w:gz") as tar:
        for info, body in members:
            if info.name == "manifest.json" and manifest is not None:
                data = json.loads(body)
                manifest(data)
                body = json.dumps(data).encode()
            if member is not None and info.name == member[0]:
                body = member[1](body)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    return output


def take_backup(source: Installation, archive: Path) -> Backup:
    """Migrate and fill `source`, and back it up with the command."""
    result = source.python("-c", POPULATE, str(archive))
    assert result.returncode == 0, result.stderr
    assert archive.stat().st_mode & 0o777 == 0o600  # password hashes inside: owner only
    assert source.audit_actions()[-1] == "system.backup"
    # The source now holds one event more than the archive: the backup's, after the snapshot.
    counts = source.counts()
    counts["audit_auditevent"] -= 1
    return Backup(
        archive=archive,
        source=source,
        counts=counts,
        files=media_hashes(media_root=source.media_root),
    )


def expected_after_restore(counts: dict[str, int]) -> dict[str, int]:
    """What the restore leaves: the archive's rows plus its own system.restore event."""
    return {**counts, "audit_auditevent": counts["audit_auditevent"] + 1}


# `kaoping restore`, `kaoping verifyaudit`, `kaoping restore` again (without --force), as
# call_command in one process (one Django start-up instead of three); prints each outcome.
RESTORE_TWICE = """
import sys
import django
django.setup()
from django.core.management import CommandError, call_command
from django.utils import translation
translation.activate("en")  # the msgids, whatever the catalogue says
call_command("restore", sys.argv[1])
print("== verifyaudit")
call_command("verifyaudit")
print("== restore again")
try:
    call_command("restore", sys.argv[1])
except CommandError as exc:
    print("refused:", exc)
"""


def assert_round_trip(backup: Backup, target: Installation) -> None:
    """Restore into `target` with the command; the data, files and audit chain are back."""
    result = target.python("-c", RESTORE_TWICE, str(backup.archive))
    assert result.returncode == 0, result.stderr
    restored, verified, again = result.stdout.split("== ")
    # The archive's five events verified (the backup's own event came after the snapshot),
    # then the restore's event appended to the restored chain, which verifies end to end.
    assert re.search(r"\b5\b", restored), restored
    assert "Audit chain intact: 6 event(s) verified." in verified
    assert target.audit_actions() == ["test.event"] * 5 + ["system.restore"]
    assert target.counts() == expected_after_restore(backup.counts)
    assert media_hashes(media_root=target.media_root) == backup.files
    assert len(backup.files) == 3
    # The second restore was refused: the target holds data now, and --force was not given.
    assert "refused:" in again
    assert "--force" in again


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages as their English msgids, so the checks hold once they are translated."""
    with translation.override("en"):
        yield


# --- SQLite --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory: pytest.TempPathFactory) -> Backup:
    root = tmp_path_factory.mktemp("backup-sqlite")
    return take_backup(Installation(root / "source"), root / "kaoping-backup.tar.gz")


def test_manifest_describes_the_archive(sqlite_backup: Backup, tmp_path: Path) -> None:
    manifest = extract_verified(archive=sqlite_backup.archive, into=tmp_path)
    assert manifest.format_version == 1
    assert manifest.kaoping_version
    assert manifest.created_at.endswith("+00:00")
    assert manifest.engine == "sqlite"
    assert manifest.migrations["audit"] == "0003_append_only"
    assert manifest.counts == sqlite_backup.counts
    assert manifest.counts["audit_auditevent"] == 5
    assert manifest.counts["auditlog_logentry"] > 0
    assert {name for name in manifest.files if name.startswith("media/")} == {
        f"media/{name}" for name in sqlite_backup.files
    }
    for name, entry in manifest.files.items():
        assert file_hash(tmp_path / name) == entry["sha256"]


def test_sqlite_round_trip(sqlite_backup: Backup, tmp_path: Path) -> None:
    assert_round_trip(sqlite_backup, Installation(tmp_path / "target"))


def test_non_empty_target_refused_without_force_replaced_with_it(
    sqlite_backup: Backup, tmp_path: Path
) -> None:
    target = Installation(tmp_path / "target")
    sqlite_copy(sqlite_backup.source.sqlite_path, target.sqlite_path)
    with sqlite3.connect(target.sqlite_path) as conn:
        conn.execute("DELETE FROM org_unit WHERE code = 'T01'")
    (target.media_root / "other").mkdir(parents=True)
    (target.media_root / "other" / "stray.txt").write_bytes(b"not in the archive")
    before = file_hash(target.sqlite_path)

    with pytest.raises(BackupError, match="--force"):
        restore_backup(
            archive=sqlite_backup.archive,
            database=target.database,
            media_root=target.media_root,
            known_migrations=known_migrations(),
        )
    assert file_hash(target.sqlite_path) == before
    assert (target.media_root / "other" / "stray.txt").exists()

    summary = restore_backup(
        archive=sqlite_backup.archive,
        database=target.database,
        media_root=target.media_root,
        known_migrations=known_migrations(),
        force=True,
    )
    assert summary.replaced_data
    assert target.counts() == sqlite_backup.counts
    assert media_hashes(media_root=target.media_root) == sqlite_backup.files


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "missing member"])
def test_corrupted_archive_refused_nothing_changed(
    sqlite_backup: Backup, tmp_path: Path, damage: str
) -> None:
    archive = sqlite_backup.archive
    evidence = "media/" + sorted(sqlite_backup.files)[0]
    if damage == "flipped byte":
        broken = rewrite_archive(
            archive,
            tmp_path / "broken.tar.gz",
            member=(evidence, lambda body: bytes([body[0] ^ 1]) + body[1:]),
        )
        message = "corrupted"
    elif damage == "truncated":
        broken = tmp_path / "broken.tar.gz"
        broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
        message = "damaged or truncated"
    else:
        broken = rewrite_archive(
            archive,
            tmp_path / "broken.tar.gz",
            manifest=lambda m: m["files"].update({"media/evidence/zz/gone": m["files"][evidence]}),
        )
        message = "does not match its manifest"
    # Even with --force, a damaged archive changes nothing.
    target = Installation(tmp_path / "target")
    sqlite_copy(sqlite_backup.source.sqlite_path, target.sqlite_path)
    before = file_hash(target.sqlite_path)
    with pytest.raises(BackupError, match=message):
        restore_backup(
            archive=broken,
            database=target.database,
            media_root=target.media_root,
            known_migrations=known_migrations(),
            force=True,
        )
    assert file_hash(target.sqlite_path) == before
    assert not target.media_root.exists()


def test_other_engine_refused(sqlite_backup: Backup, tmp_path: Path) -> None:
    postgres = {"ENGINE": "django.db.backends.postgresql", "NAME": "kaoping_never_touched"}
    with pytest.raises(BackupError, match="dumpdata"):
        restore_backup(
            archive=sqlite_backup.archive,
            database=postgres,
            media_root=tmp_path / "media",
            known_migrations=known_migrations(),
        )
    assert not (tmp_path / "media").exists()


def test_archive_from_newer_code_refused(sqlite_backup: Backup, tmp_path: Path) -> None:
    newer = rewrite_archive(
        sqlite_backup.archive,
        tmp_path / "newer.tar.gz",
        manifest=lambda m: m["migrations"].update({"audit": "0099_from_the_future"}),
    )
    target = Installation(tmp_path / "target")
    with pytest.raises(BackupError, match="newer Kaoping"):
        restore_backup(
            archive=newer,
            database=target.database,
            media_root=target.media_root,
            known_migrations=known_migrations(),
        )
    assert not target.sqlite_path.exists()


# --- PostgreSQL ------------------------------------------------------------------------------
def postgres_answers() -> bool:
    import psycopg

    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.Error:
        return False
    return shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


@pytest.fixture
def scratch_databases() -> Iterator[tuple[str, str]]:
    """Two empty PostgreSQL databases beside KAOPING_TEST_POSTGRES's, dropped afterwards."""
    if not postgres_answers():
        pytest.skip(f"PostgreSQL (and pg_dump/pg_restore) not reachable at {POSTGRES_URL}")
    import psycopg
    from psycopg import sql

    names = [f"kaoping_backup_test_{os.getpid()}_{suffix}" for suffix in ("a", "b")]
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for name in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = urlsplit(POSTGRES_URL)
    try:
        yield (
            base._replace(path=f"/{names[0]}").geturl(),
            base._replace(path=f"/{names[1]}").geturl(),
        )
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            for name in names:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )


def test_postgresql_round_trip(scratch_databases: tuple[str, str], tmp_path: Path) -> None:
    source_url, target_url = scratch_databases
    backup = take_backup(Installation(tmp_path / "source", source_url), tmp_path / "pg.tar.gz")
    manifest = extract_verified(archive=backup.archive, into=tmp_path / "unpacked")
    assert manifest.engine == "postgresql"
    assert manifest.counts == backup.counts
    assert_round_trip(backup, Installation(tmp_path / "target", target_url))


# --- evidence read back through the application after a restore ----------------------------
# A reporter's report with an evidence file attached by the real service (its row, its bytes
# stored by content hash, its audit event), then `kaoping backup` to argv[1].
POPULATE_REPORT = """
import sys
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
call_command("migrate", verbosity=0)
from kaoping.org.models import Role, Unit
from kaoping.plans.models import Plan
from kaoping.tracking.services import reports
from tests.factories import (
    AssignmentFactory, IndicatorFactory, PlanFactory, make_unit, user_with_role,
)
county = make_unit("C01", "示范县", Unit.Kind.COUNTY)
town = make_unit("T01", "东城镇", Unit.Kind.TOWN, county)
reporter = user_with_role(Role.REPORTER, town, username="reporter")
plan = PlanFactory(owner=county, code="county-2022", status=Plan.Status.PUBLISHED)
indicator = IndicatorFactory(plan=plan, code="A01", name="税收收入")
AssignmentFactory(indicator=indicator, lead_unit=town)
report = reports.report_create_draft(
    actor=reporter, indicator=indicator, unit=town, period="2022Q3", value="75.5"
)
body = bytes.fromhex(sys.argv[2])
upload = SimpleUploadedFile("三季度佐证.pdf", body, content_type="application/pdf")
reports.evidence_attach(actor=reporter, report=report, upload=upload)
call_command("backup", "-o", sys.argv[1])
"""

# Sign the reporter in and download the evidence through the site's own view (middleware,
# permission checks, storage): prints the status, the file name header and the bytes in hex.
READ_EVIDENCE = """
import django
django.setup()
from django.test import Client
from django.urls import reverse
from kaoping.org.models import User
from kaoping.tracking.models import Evidence
evidence = Evidence.objects.get()
client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(username="reporter"))
response = client.get(reverse("tracking:report_evidence", args=[evidence.pk]), secure=True)
print(response.status_code)
print(response["Content-Disposition"])
print(b"".join(response.streaming_content).hex())
"""

EVIDENCE_BODY = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n" + "佐证".encode()


def assert_evidence_round_trip(source: Installation, target: Installation, archive: Path) -> None:
    """Back up a report with evidence from `source`, restore it into the fresh `target` (its
    own data folder), and download the evidence there through the application."""
    made = source.python("-c", POPULATE_REPORT, str(archive), EVIDENCE_BODY.hex())
    assert made.returncode == 0, made.stderr
    restored = target.python("-m", "kaoping", "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert target.data_dir != source.data_dir
    read = target.python("-c", READ_EVIDENCE)
    assert read.returncode == 0, read.stderr
    status, disposition, body = read.stdout.splitlines()[-3:]
    assert status == "200"
    assert "attachment" in disposition
    assert bytes.fromhex(body) == EVIDENCE_BODY


def test_sqlite_restore_serves_evidence_through_the_app(tmp_path: Path) -> None:
    assert_evidence_round_trip(
        Installation(tmp_path / "source"), Installation(tmp_path / "fresh"), tmp_path / "a.tar.gz"
    )


def test_postgresql_restore_serves_evidence_through_the_app(
    scratch_databases: tuple[str, str], tmp_path: Path
) -> None:
    source_url, target_url = scratch_databases
    assert_evidence_round_trip(
        Installation(tmp_path / "source", source_url),
        Installation(tmp_path / "fresh", target_url),
        tmp_path / "pg.tar.gz",
    )
