"""``qunguan import``: a summary per file, --json for scripts, exit 3 when lines were rejected."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

GROUP_A = "600100200"


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_chats", *args, stdout=out)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_json_summary_names_every_count(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|电话13800138000|m1",
        "坏行",
        "2024-09-02T09:00:06|999888777|10001002|李芳|好的|m2",
    )
    code, out = run(str(path), "--json")
    assert code == 3
    summary = json.loads(out)
    assert summary["read"] == 2
    assert summary["stored"] == 2
    assert summary["rejected"] == 1
    assert summary["findings"] >= 1
    assert summary["format"] == "pipe_test"
    assert summary["unregistered_groups"] == [{"platform": "qq", "group": "999888777", "messages": 1}]


def test_a_clean_file_exits_zero_with_a_chinese_summary(cast, chat_file):
    code, out = run(str(chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1")))
    assert code == 0
    assert "读取 1 条，新存入 1 条，重复跳过 0 条" in out


def test_errors_are_one_line(cast, chat_file, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_chats", str(tmp_path / "missing.txt"))
    with pytest.raises(CommandError, match="没有群号为 123 的已登记群组"):
        call_command("import_chats", str(chat_file("x")), "--group", "123")
    unknown = tmp_path / "what.bin"
    unknown.write_bytes(b"\x00\x01")
    with pytest.raises(CommandError, match="无法识别"):
        call_command("import_chats", str(unknown))
