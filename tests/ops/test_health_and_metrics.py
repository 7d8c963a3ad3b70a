"""Liveness, readiness (/health), Prometheus metrics (/metrics) and structured logs."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys

import pytest

from qunguan.chats.actions import do_import_chat_file
from qunguan.ops.logs import JsonFormatter
from tests.chatfixtures import PipeFormat, chat_data_dir, chat_file, fresh_auditor, pipe_format
from tests.ops.conftest import Installation

__all__ = ["PipeFormat", "chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]

ID_NUMBER = "11010519491231002X"


def test_healthz_says_the_process_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_health_reports_database_migrations_and_data_directory(client, db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["ok"] for name, check in body["checks"].items()} == {
        "database": True,
        "migrations": True,
        "data_dir": True,
    }
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_fails_with_503_naming_an_unwritable_data_directory(client, db, settings, tmp_path):
    settings.DATA_DIR = tmp_path / "gone"
    response = client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["data_dir"]["ok"] is False
    assert body["checks"]["data_dir"]["detail"].startswith(f"数据目录 {tmp_path / 'gone'} 不可写")
    assert body["checks"]["database"]["ok"] is True


def test_health_names_pending_migrations(tmp_path):
    empty = Installation(tmp_path, "")  # a data directory whose database was never migrated
    out = empty.python(
        "import json; from qunguan.ops.health import run_checks; ok, c = run_checks(); "
        "print(json.dumps([ok, c['migrations']], ensure_ascii=False))"
    )
    ok, migrations = json.loads(out)
    assert ok is False
    assert migrations["ok"] is False
    assert re.fullmatch(r"有 \d+ 个数据库迁移尚未执行（.+），请运行 qunguan upgrade", migrations["detail"])


@pytest.fixture
def audited(cast, chat_file, chat_data_dir, fresh_auditor):
    path = chat_file(
        f"2024-03-01T09:00:00|600100200|1001|王老师|我的身份证号 {ID_NUMBER}|m1",
        "2024-03-01T09:01:00|600100200|1002|李老师|收到，明天开会|m2",
        "not a record",
    )
    do_import_chat_file(cast.supervisor, path, format_name="pipe_test")
    return cast


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert match, f"{name} missing from:\n{text}"
    return float(match.group(1))


def test_metrics_from_this_machine_in_prometheus_text_format(client, audited):
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    assert "# TYPE qunguan_messages_audited_total counter" in text
    assert metric(text, "qunguan_messages_audited_total") == 2
    assert metric(text, 'qunguan_findings_total{category="privacy.id_card",status="open"}') == 1
    assert metric(text, "qunguan_review_queue_size") >= 1
    assert metric(text, 'qunguan_chat_imports_total{state="done"}') == 1
    assert metric(text, "qunguan_groups") == 2
    for line in text.splitlines():  # every line is a comment or "name{labels} value"
        assert line.startswith("# ") or re.fullmatch(
            r'[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? \S+', line
        )


@pytest.mark.parametrize(
    "meta",
    [
        {"REMOTE_ADDR": "10.20.30.40"},
        # Behind nginx every request comes from 127.0.0.1: a forwarded one is not local.
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "10.20.30.40"},
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "10.20.30.40"},
    ],
)
def test_metrics_are_refused_to_other_machines_without_a_token(client, db, meta):
    response = client.get("/metrics", **meta)
    assert response.status_code == 403
    assert "QUNGUAN_METRICS_TOKEN" in response.content.decode()


def test_with_a_token_metrics_need_it_from_anywhere(client, db, settings):
    settings.QUNGUAN_METRICS_TOKEN = "scrape-token-123"
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="10.1.1.1", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    bare = client.get("/metrics", REMOTE_ADDR="10.1.1.1", HTTP_AUTHORIZATION="scrape-token-123")
    assert bare.status_code == 403
    right = client.get("/metrics", REMOTE_ADDR="10.1.1.1", HTTP_AUTHORIZATION="Bearer scrape-token-123")
    assert right.status_code == 200


def test_json_log_lines_carry_level_logger_message_and_extra_fields():
    record = logging.LogRecord(
        "qunguan.gateway", logging.WARNING, __file__, 1, "连接断开 %s", ("peer",), None
    )
    record.group = "600100200"
    line = JsonFormatter().format(record)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "qunguan.gateway"
    assert entry["message"] == "连接断开 peer"
    assert entry["group"] == "600100200"
    assert entry["time"].endswith("+00:00")


def test_log_format_json_switches_the_console_to_json_lines(tmp_path):
    code = (
        "import django, logging, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'qunguan.settings'; django.setup(); "
        "logging.getLogger('qunguan.ops').warning('备份完成', extra={'archive': 'a.tar.gz'})"
    )
    env = Installation(tmp_path, "").env() | {"QUNGUAN_LOG_FORMAT": "json"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert (entry["message"], entry["archive"], entry["level"]) == ("备份完成", "a.tar.gz", "WARNING")


def test_a_bad_log_format_is_named(tmp_path):
    env = Installation(tmp_path, "").env() | {"QUNGUAN_LOG_FORMAT": "xml"}
    result = subprocess.run(
        [sys.executable, "-m", "qunguan", "upgrade"], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "QUNGUAN_LOG_FORMAT='xml'" in result.stderr


def test_metrics_show_the_gateway_inbox_and_its_lag(client, db):
    from qunguan.gateway.handling import receive
    from qunguan.gateway.protocol import decode

    event = json.dumps(
        {
            "time": 1709254800,
            "self_id": 10000,
            "post_type": "message",
            "message_type": "group",
            "group_id": 600100200,
            "user_id": 1001,
            "message_id": 1,
            "message": "收到",
            "raw_message": "收到",
        }
    )
    receive("10000", event, decode(event, limit=1_000_000))
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert metric(text, 'qunguan_gateway_inbox_events{state="pending"}') == 1
    assert metric(text, "qunguan_gateway_lag_seconds") >= 0
    assert "# TYPE qunguan_gateway_lag_seconds gauge" in text
