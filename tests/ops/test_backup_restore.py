"""``qunguan backup`` / ``qunguan restore``: a verified round trip of database and uploaded files.

Runs on SQLite, and on PostgreSQL when the suite runs under ``scripts/with_postgres.py``.
"""

from __future__ import annotations

import io
import json
import re
import stat
import tarfile
from pathlib import Path

import pytest

from tests.ops.conftest import ON_POSTGRES, Installation, copy_of

SEED = """
from qunguan.registry import actions
unit = actions.do_create_unit(None, name="作曲系", kind="college", headcount=60)
actions.do_create_person(None, number="T1001", name="王建国", kind="staff", unit=unit, phone="13800138000")
"""
PEOPLE = """
from qunguan.registry.models import Person
print(sorted(Person.objects.values_list("number", "name")))
"""
EVENTS = """
from qunguan.auditlog.models import AuditLogEntry
print([e.event_type for e in AuditLogEntry.objects.order_by("seq")])
"""
RULES = "rules/1/作曲系教职工群管理办法.pdf"


def seed(site: Installation) -> None:
    site.python(SEED)
    (site.uploads / RULES).parent.mkdir(parents=True)
    (site.uploads / RULES).write_bytes(b"%PDF-1.4 rules " * 100)


def back_up(site: Installation, *args: str) -> Path:
    result = site.qunguan("backup", *args)
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(
        r"备份已写入：(\S+)（(sqlite|postgresql) 数据库 [\d.]+ MB，上传文件 1 个）\n", result.stdout
    )
    assert match, result.stdout
    return Path(match.group(1))


@pytest.fixture(scope="module")
def seeded_archive(_template: Installation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One backup of a seeded installation, for the specs about archives that are refused."""
    with copy_of(_template, tmp_path_factory.mktemp("seeded") / "data") as site:
        seed(site)
        return back_up(site)


def test_backup_then_restore_brings_back_the_database_and_the_uploaded_files(installation):
    seed(installation)
    before_people = installation.python(PEOPLE)
    archive = back_up(installation)
    assert archive.parent == installation.data_dir / "backups"

    # Life goes on: a person added, the rules document replaced by another file.
    installation.python(
        "from qunguan.registry import actions\nfrom qunguan.registry.models import Unit\n"
        "actions.do_create_person(None, number='T1002', name='后来者', kind='staff', unit=Unit.objects.get())"
    )
    (installation.uploads / RULES).unlink()
    (installation.uploads / "later.txt").write_text("after the backup", encoding="utf-8")
    assert installation.python(PEOPLE) != before_people

    result = installation.qunguan("restore", "--yes", str(archive))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"已从 {archive} 恢复")

    assert installation.python(PEOPLE) == before_people == "[('T1001', '王建国')]\n"
    files = sorted(
        p.relative_to(installation.uploads).as_posix() for p in installation.uploads.rglob("*") if p.is_file()
    )
    assert files == [RULES]
    assert (installation.uploads / RULES).read_bytes() == b"%PDF-1.4 rules " * 100
    # The restore is the newest entry of the restored, unbroken audit log.
    events = json.loads(installation.python(EVENTS))
    assert events[-1] == 1301  # BACKUP_RESTORED
    verify = installation.qunguan("verify-log")
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_the_archive_is_private_and_lists_what_it_holds(installation):
    seed(installation)
    archive = back_up(installation, "--output", str(installation.data_dir / "nightly.tar.gz"))
    assert archive == installation.data_dir / "nightly.tar.gz"
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600  # it holds personal data
    with tarfile.open(archive) as tar:
        names = sorted(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    member = "database.pgdump" if ON_POSTGRES else "database.sqlite3"
    assert names == sorted(["manifest.json", member, f"uploads/{RULES}"])
    assert manifest["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["database"]["member"] == member
    assert manifest["uploads"][0]["path"] == RULES
    assert manifest["migrations"]["registry"]
    check = installation.qunguan("restore", "--check", str(archive))
    assert check.returncode == 0, check.stderr
    assert check.stdout.startswith(f"备份完好：{archive}")


def test_restore_asks_before_overwriting(installation, seeded_archive):
    result = installation.qunguan("restore", str(seeded_archive), stdin="no\n")
    assert result.returncode == 1
    assert "已取消，未做任何改动。" in result.stderr


def test_a_damaged_archive_is_refused_before_anything_changes(installation, seeded_archive, tmp_path):
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(seeded_archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.startswith("uploads/"):
                data = data.replace(b"rules", b"RULES", 1)
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    result = installation.qunguan("restore", "--yes", str(damaged))
    assert result.returncode == 1
    assert f"{damaged}：uploads/{RULES} 的校验值不符，备份已损坏，拒绝恢复。" in result.stderr
    assert installation.python(PEOPLE) == "[]\n"  # nothing was touched


def test_a_file_that_is_not_a_backup_is_refused_with_its_name(installation, tmp_path):
    bogus = tmp_path / "notes.tar.gz"
    bogus.write_text("not an archive", encoding="utf-8")
    result = installation.qunguan("restore", "--yes", str(bogus))
    assert result.returncode == 1
    assert f"{bogus}：不是群管的备份文件" in result.stderr


def rewrite(archive: Path, target: Path, change_manifest) -> Path:  # type: ignore[no-untyped-def]
    """Copy ``archive`` to ``target`` with its manifest passed through ``change_manifest``."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "manifest.json":
                manifest = json.loads(data)
                change_manifest(manifest)
                data = json.dumps(manifest).encode()
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


def test_a_backup_from_a_newer_version_is_refused(installation, seeded_archive, tmp_path):
    newer = rewrite(
        seeded_archive, tmp_path / "newer.tar.gz", lambda m: m["migrations"].update(registry="9999_future")
    )
    result = installation.qunguan("restore", "--yes", str(newer))
    assert result.returncode == 1
    assert (
        f"{newer}：备份来自更新版本的群管（数据库迁移 registry.9999_future 本版本没有），请先升级程序再恢复。"
        in result.stderr
    )


def test_a_backup_of_the_other_engine_is_refused(installation, seeded_archive, tmp_path):
    other = "sqlite" if ON_POSTGRES else "postgresql"
    foreign = rewrite(seeded_archive, tmp_path / "foreign.tar.gz", lambda m: m.update(engine=other))
    result = installation.qunguan("restore", "--yes", str(foreign))
    assert result.returncode == 1
    current = "postgresql" if ON_POSTGRES else "sqlite"
    assert f"{foreign}：这是 {other} 数据库的备份，当前使用的是 {current}，不能直接恢复。" in result.stderr
