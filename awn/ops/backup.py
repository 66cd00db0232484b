"""Backups of the database and the attachment store in one encrypted archive, their verification, restore, and
the restore drill (RELIABILITY.md B1 and B3; docs/operations.md).

The archive (`awn-<UTC time>.awnbak`) is a gzipped tar encrypted with Fernet (AWN_BACKUP_KEY), in chunks so that
no backup has to fit in memory:

    b"AWNBAK1\\n", then records of [4-byte length][Fernet token, base64-decoded]
    each token's plain text: [8-byte chunk index][1-byte "last chunk" flag][up to 4 MiB of the tar]

Every chunk is authenticated, numbered and the last one marked, so a reordered, truncated or altered archive is
refused. Inside the tar: `manifest.json`, the database (`db.sqlite3` from SQLite's online backup API, or
`db.pgdump` from `pg_dump -Fc`) and `media/…` (the attachment blobs the database refers to, and any other file
under MEDIA_ROOT).

The manifest is written from the same snapshot as the database copy (SQLite: one read transaction around the
online backup; PostgreSQL: `pg_dump --snapshot` of an exported REPEATABLE READ snapshot), with every table's row
count and a checksum of sampled rows, and the SHA-256 of every file in the archive.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import connections
from django.utils.translation import gettext_lazy as _

from awn.core.errors import DomainError, lazy_format

MAGIC = b"AWNBAK1\n"
CHUNK = 4 * 1024 * 1024
FORMAT = 1
SAMPLE_ROWS = 10  # per table: the first, the middle and the last ten rows by primary key
ATTACHMENT_TABLE = "tickets_attachment"
ATTACHMENT_PREFIX = "attachments/"


class BackupError(DomainError):
    code = "backup_failed"
    default_message = _("The backup could not be made.")


# --- configuration -------------------------------------------------------------------------------------------


def fernet() -> MultiFernet:
    """AWN_BACKUP_KEY: one Fernet key, or several separated by commas (the first encrypts; all decrypt)."""
    raw = str(getattr(settings, "AWN_BACKUP_KEY", "") or "")
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    if not keys:
        raise BackupError(
            _(
                "AWN_BACKUP_KEY is not set: backups are encrypted. Create a key with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'` "
                "and keep a copy away from the backups."
            )
        )
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise BackupError(_("AWN_BACKUP_KEY is not a valid Fernet key (32 bytes, URL-safe base64).")) from exc


def backup_dir() -> Path:
    return Path(getattr(settings, "AWN_BACKUP_DIR", "") or Path(settings.VAR_DIR) / "backups")


def backup_keep() -> int:
    return max(1, int(getattr(settings, "AWN_BACKUP_KEEP", 7)))


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


# --- encryption in chunks ------------------------------------------------------------------------------------


def encrypt_stream(source: BinaryIO, target: BinaryIO, crypto: MultiFernet) -> None:
    target.write(MAGIC)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        token = crypto.encrypt(struct.pack(">QB", index, 1 if last else 0) + chunk)
        raw = base64.urlsafe_b64decode(token)
        target.write(struct.pack(">I", len(raw)))
        target.write(raw)
        if last:
            return
        chunk, index = following, index + 1


def decrypt_stream(source: BinaryIO, target: BinaryIO, crypto: MultiFernet) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError(_("This file is not an Awn backup."))
    expected = 0
    while True:
        head = source.read(4)
        if len(head) < 4:
            raise BackupError(_("The backup is truncated: its last part is missing."))
        (length,) = struct.unpack(">I", head)
        raw = source.read(length)
        if len(raw) < length:
            raise BackupError(_("The backup is truncated: its last part is missing."))
        try:
            plain = crypto.decrypt(base64.urlsafe_b64encode(raw))
        except InvalidToken as exc:
            raise BackupError(
                _("The backup cannot be decrypted: wrong AWN_BACKUP_KEY, or the file was altered.")
            ) from exc
        index, last = struct.unpack(">QB", plain[:9])
        if index != expected:
            raise BackupError(_("The backup's parts are out of order: the file was altered."))
        target.write(plain[9:])
        if last:
            if source.read(1):
                raise BackupError(_("The backup has data after its end: the file was altered."))
            return
        expected += 1


# --- what a database holds: row counts and sampled checksums --------------------------------------------------


@dataclass
class Dialect:
    """The few statements that differ between SQLite and PostgreSQL, over a DB-API cursor."""

    vendor: str
    cursor: Any

    def q(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def tables(self) -> list[str]:
        if self.vendor == "sqlite":
            self.cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        else:
            self.cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
                "AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        return [str(r[0]) for r in self.cursor.fetchall()]

    def primary_key(self, table: str) -> str | None:
        if self.vendor == "sqlite":
            self.cursor.execute(f"PRAGMA table_info({self.q(table)})")
            keys = [r[1] for r in self.cursor.fetchall() if r[5]]
        else:
            self.cursor.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary",
                [self.q(table)],
            )
            keys = [r[0] for r in self.cursor.fetchall()]
        return str(keys[0]) if len(keys) == 1 else None

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self.vendor == "sqlite":
            sql = sql.replace("%s", "?")
        self.cursor.execute(sql, params)
        return [tuple(r) for r in self.cursor.fetchall()]


def _row_digest(rows: list[tuple[Any, ...]]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps([_plain(v) for v in row], default=str, ensure_ascii=False).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, bytes | memoryview):
        return hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return value


def table_stats(dialect: Dialect) -> dict[str, dict[str, Any]]:
    """Per table: its row count and a SHA-256 of its sampled rows (first, middle and last by primary key)."""
    stats: dict[str, dict[str, Any]] = {}
    for table in dialect.tables():
        t = dialect.q(table)
        count = int(dialect.fetch(f"SELECT COUNT(*) FROM {t}")[0][0])  # noqa: S608 - names from the catalogue
        entry: dict[str, Any] = {"rows": count}
        pk = dialect.primary_key(table)
        if pk and count:
            k = dialect.q(pk)
            rows = dialect.fetch(f"SELECT * FROM {t} ORDER BY {k} LIMIT {SAMPLE_ROWS}")  # noqa: S608
            rows += dialect.fetch(
                f"SELECT * FROM {t} ORDER BY {k} LIMIT {SAMPLE_ROWS} OFFSET {count // 2}"  # noqa: S608
            )
            rows += dialect.fetch(f"SELECT * FROM {t} ORDER BY {k} DESC LIMIT {SAMPLE_ROWS}")  # noqa: S608
            entry["sample"] = _row_digest(rows)
            entry["sampled"] = len(rows)
        stats[table] = entry
    return stats


def attachment_rows(dialect: Dialect) -> list[tuple[str, str]]:
    """(stored file name, sha256) of every attachment row."""
    if ATTACHMENT_TABLE not in dialect.tables():
        return []
    return [
        (str(name), str(sha))
        for name, sha in dialect.fetch(f"SELECT file, sha256 FROM {dialect.q(ATTACHMENT_TABLE)}")  # noqa: S608
    ]


# --- the database: SQLite and PostgreSQL -------------------------------------------------------------------------


def _vendor() -> str:
    return str(connections["default"].vendor)


def pg_env(settings_dict: dict[str, Any], database: str | None = None) -> dict[str, str]:
    """libpq's environment for pg_dump/pg_restore: the password never appears in a command line."""
    env = {**os.environ}
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    env["PGDATABASE"] = database or str(settings_dict["NAME"])
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def pg_connect(settings_dict: dict[str, Any], database: str | None = None, autocommit: bool = False) -> Any:
    import psycopg

    return psycopg.connect(
        host=settings_dict.get("HOST") or None,
        port=settings_dict.get("PORT") or None,
        user=settings_dict.get("USER") or None,
        password=settings_dict.get("PASSWORD") or None,
        dbname=database or settings_dict["NAME"],
        connect_timeout=10,
        autocommit=autocommit,
    )


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        # The tool's own message (it names tables, never a password: that is in the environment).
        raise BackupError(
            lazy_format(_("%(tool)s failed: %(error)s"), tool=command[0], error=result.stderr[-500:])
        )


@contextmanager
def _database_snapshot(workdir: Path) -> Iterator[tuple[str, dict[str, Any], list[tuple[str, str]]]]:
    """Copy the database into `workdir` and read its manifest from the very same snapshot."""
    connection = connections["default"]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw: sqlite3.Connection = connection.connection
        target = workdir / "db.sqlite3"
        with sqlite3.connect(target) as copy:
            raw.backup(copy)  # the online backup API: a consistent copy while others keep writing
        copy.close()
        # The manifest is read from the copy, with plain values (Django's connection converts dates and
        # booleans), exactly as the drill will read the restored file.
        with sqlite3.connect(target) as db:
            dialect = Dialect("sqlite", db.cursor())
            stats = table_stats(dialect)
            files = attachment_rows(dialect)
        db.close()
        yield "db.sqlite3", stats, files
    elif connection.vendor == "postgresql":
        settings_dict = connection.settings_dict
        with pg_connect(settings_dict) as pg:
            pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            snapshot = pg.execute("SELECT pg_export_snapshot()").fetchone()[0]
            dialect = Dialect("postgresql", pg.cursor())
            stats = table_stats(dialect)
            files = attachment_rows(dialect)
            _run(
                ["pg_dump", "-Fc", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                 "-f", str(workdir / "db.pgdump")],
                pg_env(settings_dict),
            )  # fmt: skip
            pg.rollback()
        yield "db.pgdump", stats, files
    else:
        raise BackupError(
            lazy_format(_("Backups of %(vendor)s databases are not supported."), vendor=connection.vendor)
        )


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def media_files(referenced: set[str]) -> tuple[list[str], int]:
    """The files under MEDIA_ROOT to keep: attachment blobs that a row of the snapshot names (a blob written after
    the snapshot would be an orphan in the backup), and every other file. Also: how many blobs were left out."""
    root = media_root()
    keep: list[str] = []
    left_out = 0
    if not root.exists():
        return keep, 0
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        name = path.relative_to(root).as_posix()
        if name.startswith(ATTACHMENT_PREFIX) and name not in referenced:
            left_out += 1
            continue
        keep.append(name)
    return keep, left_out


# --- backup, verify, rotate ------------------------------------------------------------------------------------


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    size: int
    removed: list[Path] = field(default_factory=list)


def backup_create(*, directory: Path | None = None, keep: int | None = None) -> BackupResult:
    """Write a new encrypted backup, verify it, then keep only the newest `keep` backups of the directory."""
    crypto = fernet()
    started = time.monotonic()
    directory = directory or backup_dir()
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    name = f"awn-{now:%Y%m%dT%H%M%S}{now.microsecond // 1000:03d}Z.awnbak"
    with tempfile.TemporaryDirectory(prefix="awn-backup-", dir=directory) as tmp:
        work = Path(tmp)
        with _database_snapshot(work) as (db_name, stats, attachments):
            referenced = {f for f, _sha in attachments}
            files, left_out = media_files(referenced)
            missing = sorted(referenced - set(files))
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": now.isoformat(),
                "vendor": _vendor(),
                "database": {"file": db_name, "sha256": _sha256_file(work / db_name)},
                "tables": stats,
                "media": {},
                "attachments": {
                    "rows": len(attachments),
                    "missing_blobs": len(missing),
                    "left_out": left_out,
                },
            }
            plain = work / "backup.tar.gz"
            with tarfile.open(plain, "w:gz", compresslevel=3) as tar:
                tar.add(work / db_name, arcname=db_name)
                for rel in files:
                    path = media_root() / rel
                    manifest["media"][rel] = _sha256_file(path)
                    tar.add(path, arcname=f"media/{rel}")
                data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size = len(data)
                info.mtime = int(now.timestamp())
                tar.addfile(info, io.BytesIO(data))
        partial = directory / (name + ".part")
        with plain.open("rb") as source, partial.open("wb") as target:
            encrypt_stream(source, target, crypto)
            target.flush()
            os.fsync(target.fileno())
        partial.rename(directory / name)
    final = directory / name
    backup_verify(final)
    removed = backup_rotate(directory, keep or backup_keep())
    return BackupResult(final, manifest, time.monotonic() - started, final.stat().st_size, removed)


def backup_list(directory: Path | None = None) -> list[Path]:
    directory = directory or backup_dir()
    return sorted(directory.glob("awn-*.awnbak")) if directory.exists() else []


def backup_rotate(directory: Path, keep: int) -> list[Path]:
    backups = backup_list(directory)
    old = backups[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


@contextmanager
def opened(archive: Path) -> Iterator[tuple[Path, dict[str, Any]]]:
    """Decrypt and unpack `archive` into a temporary directory, every file checked against the manifest."""
    crypto = fernet()
    if not archive.is_file():
        raise BackupError(lazy_format(_("No backup at %(path)s."), path=str(archive)))
    with tempfile.TemporaryDirectory(prefix="awn-restore-") as tmp:
        work = Path(tmp)
        plain = work / "backup.tar.gz"
        with archive.open("rb") as source, plain.open("wb") as target:
            decrypt_stream(source, target, crypto)
        out = work / "content"
        try:
            with tarfile.open(plain, "r:gz") as tar:
                tar.extractall(out, filter="data")
        except (tarfile.TarError, gzip.BadGzipFile, EOFError) as exc:
            raise BackupError(_("The backup's content is damaged.")) from exc
        plain.unlink()
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        _check_files(out, manifest)
        yield out, manifest


def _check_files(out: Path, manifest: dict[str, Any]) -> None:
    problems = []
    database = manifest["database"]
    if _sha256_file(out / database["file"]) != database["sha256"]:
        problems.append(database["file"])
    for rel, sha in manifest["media"].items():
        path = out / "media" / rel
        if not path.is_file() or _sha256_file(path) != sha:
            problems.append(rel)
    present = {p.relative_to(out / "media").as_posix() for p in (out / "media").rglob("*") if p.is_file()}
    problems += sorted(present - set(manifest["media"]))
    if problems:
        raise BackupError(
            lazy_format(
                _("The backup does not match its manifest: %(files)s"), files=", ".join(problems[:10])
            )
        )


def backup_verify(archive: Path) -> dict[str, Any]:
    """Decrypt the whole archive and check every file's checksum against the manifest (and SQLite's own
    integrity check, or that pg_restore can read the dump). Returns the manifest."""
    with opened(archive) as (out, manifest):
        database = out / manifest["database"]["file"]
        if manifest["vendor"] == "sqlite":
            with sqlite3.connect(database) as db:
                result = db.execute("PRAGMA integrity_check").fetchone()[0]
            db.close()
            if result != "ok":
                raise BackupError(_("The database in the backup is damaged."))
        else:
            _run(["pg_restore", "--list", str(database)], {**os.environ})
        return dict(manifest)


# --- restore ------------------------------------------------------------------------------------------------------


@dataclass
class RestoreTarget:
    """Where a restore writes: a SQLite file or a PostgreSQL database, and a media directory."""

    vendor: str
    media: Path
    sqlite_path: Path | None = None
    pg_settings: dict[str, Any] | None = None
    pg_database: str | None = None
    live: bool = False  # the configured database of this deployment

    def dialect(self) -> tuple[Dialect, Callable[[], None]]:
        if self.vendor == "sqlite":
            assert self.sqlite_path is not None
            db = sqlite3.connect(self.sqlite_path)
            return Dialect("sqlite", db.cursor()), db.close
        assert self.pg_settings is not None
        pg = pg_connect(self.pg_settings, self.pg_database, autocommit=True)
        return Dialect("postgresql", pg.cursor()), pg.close


def live_target(media: Path | None = None) -> RestoreTarget:
    connection = connections["default"]
    return RestoreTarget(
        vendor=connection.vendor,
        media=media or media_root(),
        sqlite_path=Path(str(connection.settings_dict["NAME"])) if connection.vendor == "sqlite" else None,
        pg_settings=dict(connection.settings_dict) if connection.vendor == "postgresql" else None,
        pg_database=str(connection.settings_dict["NAME"]),
        live=True,
    )


def _restore_database(out: Path, manifest: dict[str, Any], target: RestoreTarget) -> None:
    source = out / manifest["database"]["file"]
    if manifest["vendor"] != target.vendor:
        raise BackupError(
            lazy_format(
                _("This backup is of a %(backup)s database; this deployment uses %(target)s."),
                backup=manifest["vendor"],
                target=target.vendor,
            )
        )
    if target.vendor == "sqlite":
        with sqlite3.connect(source) as backup_db:
            if target.live:
                connection = connections["default"]
                connection.close()
                connection.ensure_connection()
                backup_db.backup(connection.connection)  # the online backup API, into the open database
            else:
                assert target.sqlite_path is not None
                with sqlite3.connect(target.sqlite_path) as db:
                    backup_db.backup(db)
                db.close()
        backup_db.close()
        return
    assert target.pg_settings is not None
    if target.live:
        connections["default"].close()
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists", "--single-transaction",
         "--exit-on-error", "-d", str(target.pg_database), str(source)],
        pg_env(target.pg_settings, target.pg_database),
    )  # fmt: skip


def _restore_media(out: Path, manifest: dict[str, Any], media: Path, replace: bool) -> None:
    if replace and media.exists():
        shutil.rmtree(media)
    for rel in manifest["media"]:
        target = media / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / "media" / rel, target)


def backup_restore(archive: Path, target: RestoreTarget, *, replace_media: bool = True) -> dict[str, Any]:
    """Restore the database and the attachment store of `archive` into `target`. Returns the manifest."""
    with opened(archive) as (out, manifest):
        _restore_database(out, manifest, target)
        _restore_media(out, manifest, target.media, replace_media)
        return dict(manifest)
