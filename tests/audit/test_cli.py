"""``qunguan scan`` / ``qunguan redact`` through their entry functions and ``python -m``."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from qunguan.audit.cli import redact_main, scan_main


def run_scan(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], stdin: str, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = scan_main(["-", *args])
    out, err = capsys.readouterr()
    return code, out, err


def privacy_and_secret(line: dict) -> list[str]:  # type: ignore[type-arg]
    return [f["category"] for f in line["findings"] if f["category"].startswith(("privacy.", "secret."))]


def test_json_output_one_object_per_line_in_order(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin = '电话13800138000\n{"text": "机密★1年", "group": "42"}\n\n{"not_text": 1}\n'
    code, out, _ = run_scan(monkeypatch, capsys, stdin, "--json")
    assert code == 0
    lines = [json.loads(x) for x in out.splitlines()]
    assert [x["line"] for x in lines] == [1, 2, 3, 4]
    assert privacy_and_secret(lines[0]) == ["privacy.phone"]
    assert privacy_and_secret(lines[1]) == ["secret.classified"]
    phone = next(f for f in lines[0]["findings"] if f["category"] == "privacy.phone")
    assert set(phone) == {"category", "rule", "severity", "start", "end", "evidence", "score", "explanation"}
    assert (phone["start"], phone["end"], phone["evidence"]) == (2, 13, "138****8000")


def test_fail_on_sets_exit_status(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_scan(monkeypatch, capsys, "身份证11010519491231002X\n", "--fail-on", "critical")[0] == 1
    assert run_scan(monkeypatch, capsys, "收到\n", "--fail-on", "low")[0] in (0, 1)
    assert run_scan(monkeypatch, capsys, "机密★1年\n", "--fail-on", "high")[0] == 1


def test_table_output_names_category_and_masked_evidence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_scan(monkeypatch, capsys, "电话13800138000\n")
    assert code == 0
    assert "privacy.phone" in out
    assert "138****8000" in out
    assert "13800138000" not in out


def test_missing_file_is_one_error_line_and_status_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert scan_main([str(tmp_path / "absent.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("qunguan scan: error: cannot read")


def test_non_utf8_file_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "gbk.txt"
    path.write_bytes("电话".encode("gbk"))
    assert scan_main([str(path)]) == 2
    assert "is not UTF-8 text" in capsys.readouterr().err


def test_bad_policy_is_an_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[defaults]\naction = "explode"\n', encoding="utf-8")
    src = tmp_path / "in.txt"
    src.write_text("hi\n", encoding="utf-8")
    assert scan_main([str(src), "--policy", str(policy)]) == 2
    assert f"{policy}:2: unknown action 'explode'" in capsys.readouterr().err


def test_redact_masks_plain_and_jsonl_lines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(
        sys, "stdin", io.StringIO('电话13812345678\n{"text": "身份证510104198706233314", "id": 7}\n')
    )
    assert redact_main(["-"]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first == "电话138****5678"
    assert json.loads(second) == {"text": "身份证5101**********3314", "id": 7}


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("电话13800138000\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "qunguan.audit", "scan", str(src), "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr
    assert privacy_and_secret(json.loads(proc.stdout)) == ["privacy.phone"]
