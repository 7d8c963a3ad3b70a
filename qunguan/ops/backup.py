"""Backups of an installation: the database and the uploaded files, in one verified archive.

An archive (``qunguan-YYYYmmdd-HHMMSS.tar.gz``, mode 600: it holds personal data) contains

* ``manifest.json`` — format, creation time, database engine and server version, the latest
  applied migration of each app, and the size and SHA-256 of every other member;
* ``database.sqlite3`` (SQLite, copied with the online backup API while the site runs) or
  ``database.pgdump`` (PostgreSQL, ``pg_dump --format=custom`` of the server's own major version);
* ``uploads/…`` — the files under ``MEDIA_ROOT`` (rules documents, signed scans, roster files).

With a key file (``qunguan backup --encrypt-key FILE``) the archive is written encrypted
(``….tar.gz.enc``, ``qunguan.ops.encryption``) and ``qunguan restore --key FILE`` decrypts it
into the data directory before the same checks.

Restoring checks every checksum before anything is touched, refuses an archive of the other
engine, replaces the database (SQLite: backup API into the live file; PostgreSQL: every table
dropped, then ``pg_restore --single-transaction``) and swaps the uploads directory in whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from qunguan.ops import encryption

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
UPLOADS = "uploads"
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore could not be done; the message is Chinese and names the file."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    encrypted: bool
    engine: str
    database_bytes: int
    uploads: int
    uploads_bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def engine() -> str:
    """Return ``sqlite`` or ``postgresql`` for the configured database; raise for anything else."""
    vendor = connection.vendor
    if vendor not in {"sqlite", "postgresql"}:
        raise BackupError(f"不支持备份 {vendor} 数据库（只支持 SQLite 与 PostgreSQL）。")
    return vendor


def _latest_migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return dict(sorted(latest.items()))


# --- PostgreSQL tools ----------------------------------------------------------------------


def _server_major() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def pg_tool(name: str) -> str:
    """Return the path of ``pg_dump`` / ``pg_restore`` matching the server's major version.

    Debian keeps each version in /usr/lib/postgresql/N/bin; PATH's tool is used when it is at
    least as new as the server. Raises ``BackupError`` naming the versions otherwise.
    """
    major = _server_major()
    candidates = [f"/usr/lib/postgresql/{major}/bin/{name}"]
    if found := shutil.which(name):
        candidates.append(found)
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        output = subprocess.run(  # noqa: S603 (a fixed PostgreSQL tool path)
            [candidate, "--version"], capture_output=True, text=True, check=False
        ).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", output)
        if match and int(match.group(1)) >= major:
            return candidate
    raise BackupError(
        f"找不到与 PostgreSQL 服务器（版本 {major}）相配的 {name}；"
        f"请安装 postgresql-client-{major}（Debian/Ubuntu）。"
    )


def _pg_env() -> dict[str, str]:
    db = connections["default"].settings_dict
    env = dict(os.environ)
    for key, value in {
        "PGHOST": db.get("HOST"),
        "PGPORT": db.get("PORT"),
        "PGUSER": db.get("USER"),
        "PGPASSWORD": db.get("PASSWORD"),
        "PGDATABASE": db.get("NAME"),
        "PGSSLMODE": (db.get("OPTIONS") or {}).get("sslmode"),
    }.items():
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], what: str) -> None:
    # The command is a PostgreSQL tool from pg_tool() with arguments built here, no shell
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(
            f"{what} 失败（{Path(command[0]).name} 退出码 {result.returncode}）：{result.stderr.strip()}"
        )


# --- creating ------------------------------------------------------------------------------


def _dump_database(staging: Path, kind: str) -> Path:
    if kind == "sqlite":
        target = staging / SQLITE_MEMBER
        source = sqlite3.connect(str(connection.settings_dict["NAME"]))
        copy = sqlite3.connect(str(target))
        try:
            with copy:
                source.backup(copy)  # a consistent snapshot even while the site writes (WAL)
        finally:
            copy.close()
            source.close()
        return target
    target = staging / PGDUMP_MEMBER
    _run(
        [pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)],
        "pg_dump ",
    )
    return target


def _upload_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def default_archive_path(directory: Path | None = None, *, encrypted: bool = False) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = ".tar.gz.enc" if encrypted else ".tar.gz"
    return Path(directory or settings.QUNGUAN_BACKUP_DIR) / f"qunguan-{stamp}{suffix}"


def create_backup(output: Path | None = None, *, key: bytes | None = None) -> BackupSummary:
    """Write a backup archive to ``output`` (a file, or a directory for a dated name); return a summary.

    With ``key`` (a key file's passphrase, ``encryption.read_key``) the archive is encrypted.
    """
    kind = engine()
    if output is None or output.is_dir() or str(output).endswith(os.sep):
        output = default_archive_path(output, encrypted=key is not None)
    output.parent.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix=".qunguan-backup-", dir=output.parent) as tmp:
        staging = Path(tmp)
        database = _dump_database(staging, kind)
        uploads = _upload_files()
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "product": "qunguan",
            "created": timezone.now().isoformat(),
            "engine": kind,
            "server_version": connection.pg_version if kind == "postgresql" else sqlite3.sqlite_version,  # type: ignore[attr-defined]
            "migrations": _latest_migrations(),
            "database": {
                "member": database.name,
                "size": database.stat().st_size,
                "sha256": _sha256(database),
            },
            "uploads": [
                {"path": p.relative_to(media).as_posix(), "size": p.stat().st_size, "sha256": _sha256(p)}
                for p in uploads
            ],
        }
        partial = staging / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(dt.datetime.now(dt.UTC).timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
            archive.add(database, arcname=database.name)
            for path in uploads:
                archive.add(path, arcname=f"{UPLOADS}/{path.relative_to(media).as_posix()}")
        partial.chmod(0o600)
        if key is not None:
            sealed = staging / "archive.tar.gz.enc"
            encryption.encrypt_file(partial, sealed, key)
            partial.unlink()
            partial = sealed
        os.replace(partial, output)  # a half-written archive never carries the final name
    return BackupSummary(
        path=output,
        encrypted=key is not None,
        engine=kind,
        database_bytes=manifest["database"]["size"],
        uploads=len(manifest["uploads"]),
        uploads_bytes=sum(u["size"] for u in manifest["uploads"]),
    )


# --- verifying and restoring ---------------------------------------------------------------


def created_at(manifest: dict[str, Any]) -> str:
    """Return when the backup was made, in local (Beijing) time: ``2026-03-02 02:30:00``."""
    return timezone.localtime(dt.datetime.fromisoformat(manifest["created"])).strftime("%Y-%m-%d %H:%M:%S")


def _safe_member(name: str, archive: Path) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"{archive}：备份中含有不安全的路径 {name}，拒绝恢复。")
    return path


def read_manifest(archive: Path) -> dict[str, Any]:
    """Return the archive's manifest; raise ``BackupError`` for a file that is not a qunguan backup."""
    if not archive.is_file():
        raise BackupError(f"{archive}：文件不存在。")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(member.read().decode("utf-8"))
    except (tarfile.TarError, KeyError, OSError, EOFError, ValueError) as exc:
        raise BackupError(f"{archive}：不是群管的备份文件（{exc}）。") from exc
    if manifest.get("product") != "qunguan" or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive}：不是群管的备份文件，或备份格式 {manifest.get('format')} 不受支持。")
    return manifest


def extract_verified(archive: Path, into: Path) -> dict[str, Any]:
    """Extract ``archive`` into ``into`` and check every member against the manifest; return the manifest.

    Raises ``BackupError`` naming the first member that is missing, unexpected or altered.
    """
    manifest = read_manifest(archive)
    expected = {manifest["database"]["member"]: manifest["database"]}
    expected |= {f"{UPLOADS}/{u['path']}": u for u in manifest["uploads"]}
    seen: set[str] = set()
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            path = _safe_member(member.name, archive)
            if member.name == MANIFEST or member.isdir():
                continue
            if not member.isfile() or member.name not in expected:
                raise BackupError(f"{archive}：备份中有清单之外的内容 {member.name}，拒绝恢复。")
            target = into.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            assert source is not None  # a regular file always has content
            with target.open("wb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
            if _sha256(target) != expected[member.name]["sha256"]:
                raise BackupError(f"{archive}：{member.name} 的校验值不符，备份已损坏，拒绝恢复。")
            seen.add(member.name)
    if missing := sorted(set(expected) - seen):
        raise BackupError(f"{archive}：备份缺少 {missing[0]}，拒绝恢复。")
    return manifest


def plain_archive(archive: Path, key_file: Path | None, scratch: Path) -> Path:
    """Return the path of ``archive`` as a plain .tar.gz: itself, or decrypted into ``scratch``.

    Raises ``BackupError`` for an encrypted archive without a key file, an unusable key file,
    a wrong key and an altered encrypted archive.
    """
    if not encryption.is_encrypted(archive):
        return archive
    if key_file is None:
        raise BackupError(f"{archive}：备份已加密，请用 --key 指定备份时所用的密钥文件。")
    plain = scratch / "decrypted.tar.gz"
    try:
        encryption.decrypt_file(archive, plain, encryption.read_key(key_file), key_path=key_file)
    except encryption.EncryptionError as exc:
        raise BackupError(str(exc)) from exc
    return plain


def _check_not_newer(archive: Path, manifest: dict[str, Any]) -> None:
    """Refuse a backup whose database has migrations this version of qunguan does not know."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            f"{archive}：备份来自更新版本的群管（数据库迁移 {unknown[0]} 本版本没有），请先升级程序再恢复。"
        )


def _restore_sqlite(database: Path) -> None:
    live = Path(connection.settings_dict["NAME"])
    connections.close_all()
    source = sqlite3.connect(str(database))
    target = sqlite3.connect(str(live), timeout=30)
    try:
        with target:
            source.backup(target)  # page by page into the live file; WAL readers see old or new, never half
    finally:
        target.close()
        source.close()


def _restore_postgresql(dump: Path) -> None:
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")
    connections.close_all()
    _run(
        [
            pg_tool("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--dbname",
            _pg_env()["PGDATABASE"],
            str(dump),
        ],
        "pg_restore",
    )


def _swap_uploads(extracted: Path) -> None:
    media = Path(settings.MEDIA_ROOT)
    media.parent.mkdir(parents=True, exist_ok=True)
    incoming = Path(tempfile.mkdtemp(prefix=".uploads-restore-", dir=media.parent))
    source = extracted / UPLOADS
    if source.is_dir():
        shutil.copytree(source, incoming, dirs_exist_ok=True)
    retired = media.parent / f".uploads-replaced-{os.getpid()}"
    if media.exists():
        os.replace(media, retired)
    os.replace(incoming, media)
    shutil.rmtree(retired, ignore_errors=True)


def restore_backup(archive: Path, *, key_file: Path | None = None) -> dict[str, Any]:
    """Replace the database and the uploaded files with the archive's; return its manifest.

    ``key_file`` decrypts an encrypted archive. Raises ``BackupError`` before changing anything
    when the archive is damaged, not a qunguan backup, of the other database engine, or
    encrypted and the key file is missing or wrong.
    """
    kind = engine()
    with tempfile.TemporaryDirectory(prefix=".qunguan-restore-", dir=Path(settings.DATA_DIR)) as tmp:
        scratch = Path(tmp)
        extracted = scratch / "extracted"
        extracted.mkdir()
        manifest = extract_verified(plain_archive(archive, key_file, scratch), extracted)
        if manifest["engine"] != kind:
            raise BackupError(
                f"{archive}：这是 {manifest['engine']} 数据库的备份，当前使用的是 {kind}，不能直接恢复。"
            )
        _check_not_newer(archive, manifest)
        database = extracted / manifest["database"]["member"]
        if kind == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database)
        _swap_uploads(extracted)
    return manifest
