"""Encrypted backups: ``qunguan backup --encrypt-key FILE`` and ``qunguan restore --key FILE``.

The round trip runs on SQLite, and on PostgreSQL when the suite runs under
``scripts/with_postgres.py`` (the installation of tests/ops/conftest.py).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from qunguan.ops import encryption
from qunguan.ops.backup import BackupError, plain_archive
from tests.privacy.conftest import PHONE

KEY = "b7Qm1x9Zr2kP4vT6wY8aC0eG3iK5nS7u\n"
SEED = f"""
from qunguan.registry import actions
from qunguan.registry.models import Person
unit = actions.do_create_unit(None, name="作曲系", kind="college", headcount=60)
actions.do_create_person(None, number="T1001", name="王建国", kind="staff", unit=unit, phone="{PHONE}")
"""
PEOPLE = """
from qunguan.registry.models import Person
print(sorted(Person.objects.values_list("number", "name", "phone")))
"""


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "backup.key"
    path.write_text(KEY, encoding="utf-8")
    return path


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """1 KiB chunks, so that a few KiB of data make an archive of several chunks."""
    monkeypatch.setattr(encryption, "CHUNK", 1024)


def sealed(tmp_path: Path, data: bytes, key: bytes = KEY.strip().encode()) -> Path:
    plain, target = tmp_path / "plain.bin", tmp_path / "sealed.enc"
    plain.write_bytes(data)
    encryption.encrypt_file(plain, target, key)
    return target


def test_an_encrypted_archive_decrypts_to_the_same_bytes(tmp_path, small_chunks):
    data = os.urandom(5000)  # five chunks, the last one short
    archive = sealed(tmp_path, data)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    assert data not in archive.read_bytes()

    encryption.decrypt_file(archive, tmp_path / "back.bin", KEY.strip().encode())

    assert (tmp_path / "back.bin").read_bytes() == data


@pytest.mark.parametrize("size", [0, 1024])  # empty, and exactly one full chunk
def test_edge_sizes_round_trip(tmp_path, small_chunks, size):
    archive = sealed(tmp_path, b"x" * size)
    encryption.decrypt_file(archive, tmp_path / "back.bin", KEY.strip().encode())
    assert (tmp_path / "back.bin").read_bytes() == b"x" * size


def test_a_wrong_key_is_refused_naming_the_key_file(tmp_path):
    archive = sealed(tmp_path, b"backup")
    other = tmp_path / "other.key"
    with pytest.raises(encryption.EncryptionError) as refused:
        encryption.decrypt_file(archive, tmp_path / "out", b"another passphrase, long enough", key_path=other)
    assert str(refused.value) == f"{archive}：无法解密：密钥文件 {other} 与备份不符，或备份已损坏。"


@pytest.mark.parametrize("damage", ["flip a byte", "cut the last chunk", "swap two chunks"])
def test_an_altered_archive_is_refused(tmp_path, small_chunks, damage):
    archive = sealed(tmp_path, os.urandom(3000))  # three chunks
    blob = bytearray(archive.read_bytes())
    header, size = 32, 1024 + 16
    chunks = [blob[i : i + size] for i in range(header, len(blob), size)]
    if damage == "flip a byte":
        chunks[1][5] ^= 1
    elif damage == "cut the last chunk":
        chunks.pop()
    else:
        chunks[0], chunks[1] = chunks[1], chunks[0]
    archive.write_bytes(bytes(blob[:header]) + b"".join(chunks))

    with pytest.raises(encryption.EncryptionError, match="无法解密"):
        encryption.decrypt_file(archive, tmp_path / "out", KEY.strip().encode())


def test_a_short_or_missing_key_file_is_refused_with_its_name(tmp_path):
    short = tmp_path / "short.key"
    short.write_text("secret\n", encoding="utf-8")
    with pytest.raises(encryption.EncryptionError) as too_short:
        encryption.read_key(short)
    assert str(too_short.value) == (
        f"{short}：密钥太短（6 个字符，至少 16 个）；可用 openssl rand -base64 32 生成一个。"
    )
    with pytest.raises(
        encryption.EncryptionError, match=re.escape(f"{tmp_path / 'none.key'}：无法读取密钥文件")
    ):
        encryption.read_key(tmp_path / "none.key")


def test_an_encrypted_archive_without_a_key_is_refused(tmp_path):
    archive = sealed(tmp_path, b"backup")
    with pytest.raises(BackupError) as refused:
        plain_archive(archive, None, tmp_path)
    assert str(refused.value) == f"{archive}：备份已加密，请用 --key 指定备份时所用的密钥文件。"


def test_backup_with_a_key_then_restore_with_it_brings_the_data_back(installation, key_file):
    # Two processes, not five: each command runs through call_command in a process of its own.
    made = installation.python(
        SEED
        + f"""
import io
from django.core.management import call_command
out = io.StringIO()
call_command("backup", "--encrypt-key", {str(key_file)!r}, stdout=out)
Person.objects.all().delete()
print(out.getvalue(), end="")
"""
    )
    match = re.fullmatch(r"备份已写入：(\S+)（\w+ 数据库 [\d.]+ MB，上传文件 0 个，已加密）\n", made)
    assert match, made
    archive = Path(match.group(1))
    assert archive.name.endswith(".tar.gz.enc")
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    content = archive.read_bytes()
    assert PHONE.encode() not in content
    assert "王建国".encode() not in content

    restored = installation.python(
        f"""
import io
from django.core.management import call_command
checked = io.StringIO()
call_command("restore", "--check", "--key", {str(key_file)!r}, {str(archive)!r}, stdout=checked)
print(checked.getvalue(), end="")
call_command("restore", "--yes", "--key", {str(key_file)!r}, {str(archive)!r}, stdout=io.StringIO())
"""
        + PEOPLE
    )

    checked, people = restored.splitlines()
    assert checked.startswith(f"备份完好：{archive}")
    assert people == f"[('T1001', '王建国', '{PHONE}')]"
