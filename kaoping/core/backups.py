"""Backup and restore: the whole database and every stored file, in one verified archive.

An archive is a .tar.gz holding `manifest.json` (format version, Kaoping version, time,
database engine, the latest applied migration per app, row counts per table, the SHA-256
and size of every other member), the database dump under `database/` and the files of the
default storage under `media/`.

- SQLite: a consistent snapshot taken with sqlite3's online backup API, safe while the
  server runs (WAL); restored with the same API page by page into the target file, so a
  server's open connections and the WAL stay coherent.
- PostgreSQL: `pg_dump --format=custom --no-owner --no-privileges` inside an exported
  snapshot (the counts of the manifest are taken in the same snapshot); restored with
  `pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction`.
  Connection details go to the client tools in PG* environment variables, never on the
  command line.

The functions here take explicit database settings (a Django DATABASES entry) and paths;
they never use Django's connections, so they can be pointed at any database. The
management commands (`kaoping backup`, `kaoping restore`) add the audit events and the
audit-chain check on the configured database.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import IO, Any

import psycopg
from django.utils.translation import gettext as _
from psycopg import sql

from kaoping.core.errors import ApplicationError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_MEMBERS = {
    "sqlite": "database/kaoping.sqlite3",
    "postgresql": "database/kaoping.pgdump",
}
MEDIA_PREFIX = "media/"
# Tables `migrate` fills on an empty database: rows there are not Kaoping data.
BOOKKEEPING_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}
)
CHUNK = 1024 * 1024


class BackupError(ApplicationError):
    """A backup or a restore cannot go on; the message says why.

    Every check of a restore (archive integrity, engine, migrations, empty target) runs
    before anything is changed; only the count check after the restore comes later.
    """


@dataclass(frozen=True)
class DatabaseTarget:
    """Where a database is: a SQLite file, or a PostgreSQL database and how to reach it."""

    engine: str  # "sqlite" or "postgresql"
    name: str
    user: str = ""
    password: str = field(default="", repr=False)
    host: str = ""
    port: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> DatabaseTarget:
        """The target described by one entry of Django's DATABASES."""
        backend = str(settings.get("ENGINE", ""))
        if backend.endswith("sqlite3"):
            engine = "sqlite"
        elif backend.endswith("postgresql"):
            engine = "postgresql"
        else:
            raise BackupError(
                _("Backups support SQLite and PostgreSQL only, not %(engine)s.")
                % {"engine": backend}
            )
        return cls(
            engine=engine,
            name=str(settings.get("NAME") or ""),
            user=str(settings.get("USER") or ""),
            password=str(settings.get("PASSWORD") or ""),
            host=str(settings.get("HOST") or ""),
            port=str(settings.get("PORT") or ""),
            options=dict(settings.get("OPTIONS") or {}),
        )

    def pg_environment(self) -> dict[str, str]:
        """The environment of pg_dump / pg_restore: the connection, password included."""
        env = dict(os.environ)
        values = {
            "PGDATABASE": self.name,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGSSLMODE": str(self.options.get("sslmode", "")),
        }
        env.update({key: value for key, value in values.items() if value})
        return env

    def pg_connect_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of psycopg.connect for this database."""
        kwargs: dict[str, Any] = {"dbname": self.name, "connect_timeout": 10}
        for key, value in (
            ("user", self.user),
            ("password", self.password),
            ("host", self.host),
            ("port", self.port),
            ("sslmode", self.options.get("sslmode")),
        ):
            if value:
                kwargs[key] = value
        return kwargs


@dataclass(frozen=True)
class Manifest:
    """What an archive holds and where it came from."""

    format_version: int
    kaoping_version: str
    created_at: str
    engine: str
    migrations: dict[str, str]
    counts: dict[str, int]
    files: dict[str, dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "kaoping_version": self.kaoping_version,
            "created_at": self.created_at,
            "database_engine": self.engine,
            "migrations": self.migrations,
            "counts": self.counts,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Manifest:
        try:
            return cls(
                format_version=int(data["format_version"]),
                kaoping_version=str(data["kaoping_version"]),
                created_at=str(data["created_at"]),
                engine=str(data["database_engine"]),
                migrations={str(k): str(v) for k, v in dict(data["migrations"]).items()},
                counts={str(k): int(v) for k, v in dict(data["counts"]).items()},
                files={str(k): dict(v) for k, v in dict(data["files"]).items()},
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BackupError(_("The archive's manifest is incomplete or invalid.")) from exc

    @property
    def media_files(self) -> int:
        return sum(1 for name in self.files if name.startswith(MEDIA_PREFIX))


@dataclass(frozen=True)
class BackupSummary:
    """What `create_backup` wrote."""

    path: Path
    manifest: Manifest
    size: int
    sha256: str


@dataclass(frozen=True)
class RestoreSummary:
    """What `restore_backup` restored, and whether the migrations of the code are ahead."""

    manifest: Manifest
    replaced_data: bool
    pending_migrations: bool


def kaoping_version() -> str:
    """The installed Kaoping version."""
    try:
        return metadata.version("kaoping")
    except metadata.PackageNotFoundError:
        return "unknown"


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def media_hashes(*, media_root: Path) -> dict[str, str]:
    """Every regular file under `media_root` (POSIX relative path) and its SHA-256."""
    if not media_root.is_dir():
        return {}
    return {
        path.relative_to(media_root).as_posix(): sha256_of(path)
        for path in sorted(media_root.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


# --- reading a database: tables, counts, migrations -------------------------------------
def _read_only_uri(path: Path) -> str:
    """A SQLite URI opening `path` read-only (special characters escaped)."""
    return f"{path.resolve().as_uri()}?mode=ro"


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [str(row[0]) for row in rows]


def _sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    return {
        # Table names come from sqlite_master, quoted.
        table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        for table in _sqlite_tables(conn)
    }


def _latest_migrations(rows: list[tuple[Any, ...]]) -> dict[str, str]:
    """The latest applied migration per app from (app, name) rows in applied order."""
    latest: dict[str, str] = {}
    for app, name in rows:
        latest[str(app)] = str(name)
    return dict(sorted(latest.items()))


def _sqlite_migrations(conn: sqlite3.Connection) -> dict[str, str]:
    if "django_migrations" not in _sqlite_tables(conn):
        return {}
    rows = conn.execute("SELECT app, name FROM django_migrations ORDER BY applied, id").fetchall()
    return _latest_migrations(rows)


@contextlib.contextmanager
def _pg_connection(target: DatabaseTarget, **kwargs: Any) -> Iterator[psycopg.Connection[Any]]:
    try:
        conn = psycopg.connect(**target.pg_connect_kwargs(), **kwargs)
    except psycopg.Error as exc:
        raise BackupError(
            _("Cannot connect to the PostgreSQL database %(name)s: %(error)s")
            % {"name": target.name, "error": str(exc).strip()}
        ) from exc
    try:
        yield conn
    finally:
        conn.close()


def _pg_state(cursor: psycopg.Cursor[Any]) -> tuple[dict[str, int], dict[str, str]]:
    """Counts per table and latest migrations, read through an open cursor."""
    cursor.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' "
        "ORDER BY table_name"
    )
    tables = [str(row[0]) for row in cursor.fetchall()]
    counts: dict[str, int] = {}
    for table in tables:
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[table] = int(cursor.fetchall()[0][0])
    migrations: dict[str, str] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY applied, id")
        migrations = _latest_migrations(cursor.fetchall())
    return counts, migrations


def database_state(*, database: Mapping[str, Any]) -> tuple[dict[str, int], dict[str, str]]:
    """Rows per table and the latest applied migration per app of a database."""
    target = DatabaseTarget.from_settings(database)
    if target.engine == "sqlite":
        path = Path(target.name)
        if not path.exists():
            return {}, {}
        with contextlib.closing(sqlite3.connect(_read_only_uri(path), uri=True)) as source:
            return _sqlite_counts(source), _sqlite_migrations(source)
    with _pg_connection(target) as conn, conn.cursor() as cursor:
        return _pg_state(cursor)


def kaoping_rows(counts: Mapping[str, int]) -> int:
    """How many rows of Kaoping data the counts show (bookkeeping tables not counted)."""
    return sum(n for table, n in counts.items() if table not in BOOKKEEPING_TABLES)


# --- backup ----------------------------------------------------------------------------
def _dump_sqlite(*, target: DatabaseTarget, dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    source_path = Path(target.name)
    if not source_path.exists():
        raise BackupError(_("The SQLite database %(path)s does not exist.") % {"path": source_path})
    with (
        contextlib.closing(sqlite3.connect(_read_only_uri(source_path), uri=True)) as source,
        contextlib.closing(sqlite3.connect(dump)) as copy,
    ):
        source.backup(copy)
    with contextlib.closing(sqlite3.connect(dump)) as copy:
        # A standalone file: no WAL beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        return _sqlite_counts(copy), _sqlite_migrations(copy)


def _run_pg_tool(args: list[str], *, target: DatabaseTarget) -> None:
    tool = shutil.which(args[0])
    if tool is None:
        raise BackupError(
            _("%(tool)s is not installed (PostgreSQL client tools are needed).") % {"tool": args[0]}
        )
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments without secrets
        [tool, *args[1:]],
        env=target.pg_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s")
            % {"tool": args[0], "error": result.stderr.strip()[-2000:]}
        )


def _dump_postgresql(
    *, target: DatabaseTarget, dump: Path
) -> tuple[dict[str, int], dict[str, str]]:
    # Counts and dump from one exported snapshot, so the manifest describes the dump.
    with _pg_connection(target, autocommit=True) as conn:
        # Explicit, so the isolation level is this one (not a transaction psycopg began).
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            assert row is not None
            snapshot = str(row[0])
            counts, migrations = _pg_state(cursor)
            _run_pg_tool(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                ],
                target=target,
            )
        conn.execute("ROLLBACK")
    return counts, migrations


def _add_file(archive: tarfile.TarFile, *, path: Path, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = path.stat().st_size
    info.mtime = int(path.stat().st_mtime)
    info.mode = 0o600
    with path.open("rb") as stream:
        archive.addfile(info, stream)


def create_backup(*, output: Path, database: Mapping[str, Any], media_root: Path) -> BackupSummary:
    """Write an archive of the database and the files under `media_root` to `output`.

    The archive is written next to `output` under a temporary name and renamed at the end,
    so a failed backup never leaves a half-written file under the requested name.
    """
    target = DatabaseTarget.from_settings(database)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    # The dump is staged beside the archive: /tmp may be small (or in memory).
    with tempfile.TemporaryDirectory(prefix=".kaoping-backup-", dir=output.parent) as work_dir:
        dump = Path(work_dir) / "database"
        if target.engine == "sqlite":
            counts, migrations = _dump_sqlite(target=target, dump=dump)
        else:
            counts, migrations = _dump_postgresql(target=target, dump=dump)
        members: list[tuple[str, Path]] = [(DATABASE_MEMBERS[target.engine], dump)]
        if media_root.is_dir():
            members += [
                (MEDIA_PREFIX + path.relative_to(media_root).as_posix(), path)
                for path in sorted(media_root.rglob("*"))
                if path.is_file() and not path.is_symlink()
            ]
        files = {
            name: {"sha256": sha256_of(path), "size": path.stat().st_size} for name, path in members
        }
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            kaoping_version=kaoping_version(),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            engine=target.engine,
            migrations=migrations,
            counts=counts,
            files=files,
        )
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        try:
            partial.touch(mode=0o600)  # password hashes and personal data: owner only
            with tarfile.open(partial, "w:gz") as archive:
                body = json.dumps(manifest.as_json(), indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size = len(body)
                info.mtime = int(datetime.now(UTC).timestamp())
                info.mode = 0o600
                archive.addfile(info, io.BytesIO(body))
                for name, path in members:
                    _add_file(archive, path=path, name=name)
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return BackupSummary(
        path=output, manifest=manifest, size=output.stat().st_size, sha256=sha256_of(output)
    )


# --- reading and verifying an archive ----------------------------------------------------
def _safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def _copy_hashing(source: IO[bytes], destination: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    destination.parent.mkdir(parents=True, exist_ok=True)
    with destination.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def extract_verified(*, archive: Path, into: Path) -> Manifest:
    """Unpack `archive` into `into`, checking every member against the manifest.

    Raises BackupError when the archive is unreadable, truncated, has a member the
    manifest does not list (or lacks one it lists), or a member whose SHA-256 or size
    differs. Nothing outside `into` is written.
    """
    if not archive.is_file():
        raise BackupError(_("No archive at %(path)s.") % {"path": archive})
    manifest: Manifest | None = None
    seen: dict[str, tuple[str, int]] = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                if not member.isfile() or not _safe_member_name(member.name):
                    raise BackupError(
                        _("The archive holds an unexpected entry: %(name)s") % {"name": member.name}
                    )
                stream = tar.extractfile(member)
                if stream is None:
                    raise BackupError(
                        _("The archive holds an unexpected entry: %(name)s") % {"name": member.name}
                    )
                if member.name == MANIFEST_NAME:
                    manifest = Manifest.from_json(json.loads(stream.read().decode()))
                    continue
                if member.name in seen:
                    raise BackupError(
                        _("The archive holds %(name)s twice.") % {"name": member.name}
                    )
                seen[member.name] = _copy_hashing(stream, into / member.name)
    except (tarfile.TarError, EOFError, OSError, zlib.error, ValueError) as exc:
        if isinstance(exc, BackupError):
            raise
        raise BackupError(
            _("The archive %(path)s is damaged or truncated: %(error)s")
            % {"path": archive, "error": exc}
        ) from exc
    if manifest is None:
        raise BackupError(_("The archive has no manifest.json: not a Kaoping backup."))
    if manifest.format_version != FORMAT_VERSION:
        raise BackupError(
            _("The archive's format version %(found)s is not supported (expected %(expected)s).")
            % {"found": manifest.format_version, "expected": FORMAT_VERSION}
        )
    missing = sorted(set(manifest.files) - set(seen))
    extra = sorted(set(seen) - set(manifest.files))
    if missing or extra:
        raise BackupError(
            _("The archive does not match its manifest: missing %(missing)s, unlisted %(extra)s.")
            % {"missing": ", ".join(missing) or "-", "extra": ", ".join(extra) or "-"}
        )
    for name, (digest, size) in seen.items():
        expected = manifest.files[name]
        if digest != expected.get("sha256") or size != expected.get("size"):
            raise BackupError(
                _("The archive is corrupted: %(name)s does not match its SHA-256 in the manifest.")
                % {"name": name}
            )
    if DATABASE_MEMBERS.get(manifest.engine) not in seen:
        raise BackupError(_("The archive holds no database dump."))
    return manifest


def read_manifest(*, archive: Path) -> Manifest:
    """The manifest of a verified archive (every member checked, nothing kept)."""
    with tempfile.TemporaryDirectory(prefix="kaoping-verify-") as work_dir:
        return extract_verified(archive=archive, into=Path(work_dir))


# --- restore ----------------------------------------------------------------------------
def check_migrations(*, manifest: Manifest, known_migrations: set[tuple[str, str]]) -> bool:
    """Refuse an archive from newer code; say whether the code has migrations it lacks.

    True means the code knows later migrations than the archive's latest: run
    `kaoping migrate` after the restore.
    """
    unknown = sorted(
        f"{app}.{name}"
        for app, name in manifest.migrations.items()
        if (app, name) not in known_migrations
    )
    if unknown:
        raise BackupError(
            _(
                "The archive comes from a newer Kaoping (migrations unknown to this code: "
                "%(unknown)s). Upgrade Kaoping before restoring it."
            )
            % {"unknown": ", ".join(unknown)}
        )
    latest_known: dict[str, str] = {}
    for app, name in sorted(known_migrations):
        latest_known[app] = max(latest_known.get(app, name), name)
    pending = any(manifest.migrations.get(app) != name for app, name in latest_known.items())
    return pending


def _restore_sqlite(*, target: DatabaseTarget, dump: Path) -> None:
    target_path = Path(target.name)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        contextlib.closing(sqlite3.connect(dump)) as source,
        contextlib.closing(sqlite3.connect(target_path, timeout=20)) as destination,
    ):
        # Page by page into the live file: other connections see the new content at once.
        source.backup(destination)
        destination.execute("PRAGMA journal_mode=WAL")


def _restore_postgresql(*, target: DatabaseTarget, dump: Path) -> None:
    _run_pg_tool(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target.name}",
            str(dump),
        ],
        target=target,
    )


def _replace_media(*, staged: Path, media_root: Path) -> None:
    """Put the archive's files in place of everything under `media_root`.

    The files are first copied into a folder inside `media_root` (same file system, which
    may be a mount point, so the folder itself is kept), then moved up in one rename each.
    """
    media_root.mkdir(parents=True, exist_ok=True)
    incoming = media_root / f".kaoping-restore-{os.getpid()}"
    shutil.rmtree(incoming, ignore_errors=True)
    if staged.is_dir():
        shutil.copytree(staged, incoming)
    else:
        incoming.mkdir()
    for entry in media_root.iterdir():
        if entry == incoming:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in incoming.iterdir():
        entry.rename(media_root / entry.name)
    incoming.rmdir()


def restore_backup(
    *,
    archive: Path,
    database: Mapping[str, Any],
    media_root: Path,
    known_migrations: set[tuple[str, str]],
    force: bool = False,
) -> RestoreSummary:
    """Replace the database and the files under `media_root` with an archive's.

    Checked before anything is touched: every member's SHA-256, the engine (the archive's
    must be the target's), the migration state (not newer than `known_migrations`), and
    that the target holds no Kaoping data unless `force`. The counts per table are checked
    after the restore.
    """
    target = DatabaseTarget.from_settings(database)
    with tempfile.TemporaryDirectory(prefix="kaoping-restore-") as work_dir:
        staged = Path(work_dir)
        manifest = extract_verified(archive=archive, into=staged)
        if manifest.engine != target.engine:
            raise BackupError(
                _(
                    "The archive holds a %(archive)s database but this installation uses "
                    "%(target)s. A backup restores into the same engine only; to move between "
                    "engines use `kaoping dumpdata` and `kaoping loaddata`."
                )
                % {"archive": manifest.engine, "target": target.engine}
            )
        pending = check_migrations(manifest=manifest, known_migrations=known_migrations)
        counts, _migrations = database_state(database=database)
        existing = kaoping_rows(counts)
        if existing and not force:
            raise BackupError(
                _(
                    "The target database already holds Kaoping data (%(rows)d rows). Restore "
                    "only into an empty database, or give --force to replace everything."
                )
                % {"rows": existing}
            )
        dump = staged / DATABASE_MEMBERS[manifest.engine]
        if target.engine == "sqlite":
            _restore_sqlite(target=target, dump=dump)
        else:
            _restore_postgresql(target=target, dump=dump)
        _replace_media(staged=staged / MEDIA_PREFIX.rstrip("/"), media_root=media_root)
    restored, _migrations = database_state(database=database)
    differing = sorted(table for table, n in manifest.counts.items() if restored.get(table) != n)
    if differing:
        raise BackupError(
            _("The restored database differs from the archive in the tables: %(tables)s")
            % {"tables": ", ".join(differing)}
        )
    return RestoreSummary(
        manifest=manifest, replaced_data=bool(existing), pending_migrations=pending
    )
