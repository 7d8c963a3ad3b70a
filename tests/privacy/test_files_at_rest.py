"""Files the product writes with personal data in them: masked where a person only needs to
see what went wrong, and readable by the service account alone (mode 600, folders 700)."""

from __future__ import annotations

import stat
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from qunguan.chats.actions import do_import_chat_file
from tests.privacy.conftest import BANK_CARD, BANK_CARD_MASKED, ID_MASKED, ID_NUMBER, PHONE, PHONE_MASKED

GROUP_A = "600100200"  # the cast's 作曲系教职工群


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_rejects_file_keeps_line_and_reason_with_personal_numbers_masked(cast, data_dir, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1",
        f"这一行坏了 王建国 {PHONE} 身份证{ID_NUMBER} 卡号{BANK_CARD} 学号20230101",
    )
    batch = do_import_chat_file(cast.manager_a, path).batch

    rejects = Path(batch.rejects_file)
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[1].split("\t") == [
        "2",
        "不是 时间|群号|发送者号|发送者|内容 格式",
        f"这一行坏了 王建国 {PHONE_MASKED} 身份证{ID_MASKED} 卡号{BANK_CARD_MASKED} 学号20230101",
    ]
    assert (mode(rejects), mode(rejects.parent)) == (0o600, 0o700)


def test_uploaded_files_are_stored_for_the_service_account_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    name = default_storage.save("approvals/7/签字扫描件.pdf", ContentFile(b"%PDF-1.4 scan"))

    stored = Path(default_storage.path(name))
    assert (mode(stored), mode(stored.parent)) == (0o600, 0o700)


def test_an_export_written_by_a_command_is_mode_600(cast, tmp_path):
    output = tmp_path / "filing.xlsx"
    call_command("export_filing", unit="作曲系", fmt="xlsx", output=str(output))

    assert output.read_bytes()[:2] == b"PK"
    assert mode(output) == 0o600
