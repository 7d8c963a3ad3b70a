"""Importing chat records: stored once, bound to registered groups, audited, rejects kept, logged."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ChatMessage, Finding, ImportState
from qunguan.ingest.formats import FormatError
from qunguan.ops.heap import YOUNG_THRESHOLD
from qunguan.registry.errors import RegistryError

GROUP_A = "600100200"  # the cast's 作曲系教职工群


def test_messages_are_stored_bound_to_their_group_and_audited(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|请各位老师周五前提交材料。|m1",
        f"2024-09-02T09:10:02|{GROUP_A}|10001004|赵四|我的身份证号是11010519491231002X|m2",
    )
    summary = do_import_chat_file(cast.manager_a, path)
    batch = summary.batch
    assert (batch.state, batch.read, batch.stored, batch.duplicates, batch.rejected) == ("done", 2, 2, 0, 0)
    messages = list(ChatMessage.objects.order_by("sent_at"))
    assert [m.group for m in messages] == [cast.group_a, cast.group_a]
    assert messages[0].sender_name == "王建国"
    finding = Finding.objects.get(category="privacy.id_card")
    assert (finding.message, finding.group, finding.severity) == (messages[1], cast.group_a, 4)  # critical
    assert "11010519491231002X" not in finding.evidence
    assert not Finding.objects.filter(message=messages[0]).exists()
    assert batch.findings == Finding.objects.count()


def test_importing_the_same_file_twice_stores_each_message_once(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1",
        f"2024-09-02T09:00:06|{GROUP_A}|10001002|李芳|收到|m2",
    )
    do_import_chat_file(None, path)
    again = do_import_chat_file(None, path).batch
    assert (again.read, again.stored, again.duplicates) == (2, 0, 2)
    assert ChatMessage.objects.count() == 2


def test_overlapping_exports_without_ids_are_merged_by_fingerprint(cast, chat_file):
    first = chat_file(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到",
        f"2024-09-02T09:01:00|{GROUP_A}|10001002|李芳|好的",
        name="a.pipe",
    )
    second = chat_file(
        f"2024-09-02T09:01:00|{GROUP_A}|10001002|李芳|好的",
        f"2024-09-02T09:02:00|{GROUP_A}|10001003|张三|明白",
        name="b.pipe",
    )
    do_import_chat_file(None, first)
    batch = do_import_chat_file(None, second).batch
    assert (batch.stored, batch.duplicates) == (1, 1)
    assert ChatMessage.objects.count() == 3


def test_unreadable_lines_are_kept_in_a_rejects_file_and_the_rest_imports(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1",
        "这一行坏了",
        f"2024-09-02T09:00:06|{GROUP_A}|10001002|李芳|好的|m2",
    )
    batch = do_import_chat_file(None, path).batch
    assert (batch.stored, batch.rejected) == (2, 1)
    rejects = batch.rejects_file
    lines = Path(rejects).read_text(encoding="utf-8").splitlines()
    assert lines[1].split("\t") == ["2", "不是 时间|群号|发送者号|发送者|内容 格式", "这一行坏了"]


def test_a_file_without_a_group_account_binds_by_name_or_by_the_group_option(cast, chat_file):
    path = chat_file("2024-09-02T09:00:05||10001001|王建国|收到|m1")
    do_import_chat_file(cast.manager_a, path)
    assert (
        ChatMessage.objects.get().group == cast.group_a
    )  # 作曲系教职工群, the one visible group by that name
    other = chat_file("2024-09-02T09:00:07||10001001|王建国|好的|m9", name="b.pipe")
    do_import_chat_file(None, other, group=cast.group_b)
    assert ChatMessage.objects.get(message_id="m9").group == cast.group_b


def test_messages_of_an_unregistered_group_are_stored_unbound_and_reported(cast, chat_file):
    path = chat_file("2024-09-02T09:00:05|999888777|10001001|王建国|收到|m1")
    summary = do_import_chat_file(cast.manager_a, path)
    assert summary.unregistered == {("qq", "999888777"): 1}
    message = ChatMessage.objects.get()
    assert (message.group, message.group_account) == (None, "999888777")


def test_a_manager_cannot_import_into_a_sibling_units_group(cast, chat_file):
    path = chat_file("2024-09-02T09:00:05||10001001|王建国|收到|m1")
    with pytest.raises(RegistryError) as caught:
        do_import_chat_file(cast.manager_b, path, group=cast.group_a)
    assert caught.value.code == "out_of_scope"
    sibling = chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1", name="b.pipe")
    batch = do_import_chat_file(cast.manager_b, sibling).batch
    assert (batch.stored, batch.rejected) == (0, 1)
    assert not ChatMessage.objects.exists()


def test_a_recall_marks_the_recalled_message(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:10:02|{GROUP_A}|10001004|赵四|身份证号11010519491231002X|m2",
        f"2024-09-02T09:10:40|{GROUP_A}|10001004|赵四|撤回了一条消息|m3|recall:m2",
    )
    do_import_chat_file(None, path)
    assert ChatMessage.objects.get(message_id="m2").recalled is True
    assert ChatMessage.objects.get(message_id="m3").kind == "recall"


def test_an_unknown_format_stores_nothing(cast, tmp_path):
    path = tmp_path / "notes.bin"
    path.write_bytes(b"\x00\x01 not a chat export")
    with pytest.raises(FormatError, match="无法识别"):
        do_import_chat_file(None, path)
    assert not ChatMessage.objects.exists()


def test_each_import_writes_one_audit_entry_with_its_counts(cast, chat_file):
    path = chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1", "坏行")
    do_import_chat_file(cast.manager_a, path)
    entry = AuditLogEntry.objects.latest("seq")
    assert entry.event_type == AuditEvent.CHATS_IMPORTED
    assert entry.actor == cast.manager_a
    assert entry.after["stored"] == 1
    assert entry.after["rejected"] == 1


def test_large_files_are_stored_in_several_transactions(cast, chat_file, settings):
    settings.QUNGUAN_IMPORT_BATCH_MESSAGES = 100
    n = 100 * 2 + 7
    lines = [f"2024-09-02T09:00:00|{GROUP_A}|1|甲|第{i}条通知|id{i}" for i in range(n)]
    calls = []
    summary = do_import_chat_file(None, chat_file(*lines), progress=lambda pos, count: calls.append(count))
    assert summary.batch.stored == n
    assert calls == [100, 200, n]
    assert summary.batch.state == ImportState.DONE


def test_a_transaction_size_under_100_messages_is_refused_at_start():
    env = {**os.environ, "QUNGUAN_IMPORT_BATCH_MESSAGES": "10"}
    result = subprocess.run(
        [sys.executable, "-c", "import qunguan.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "QUNGUAN_IMPORT_BATCH_MESSAGES=10: expected a number of messages, at least 100" in result.stderr


def test_the_settled_heap_is_out_of_the_collectors_way_while_an_import_runs_and_collections_are_spaced(
    cast, chat_file
):
    gc.unfreeze()  # (whatever an earlier spec left)
    thresholds = gc.get_threshold()
    seen = []
    path = chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1")
    do_import_chat_file(
        None, path, progress=lambda pos, count: seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
    )
    assert seen
    assert all(count > 0 and young >= YOUNG_THRESHOLD for count, young in seen)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == thresholds


def test_no_stored_evidence_holds_a_phone_or_id_number(cast, chat_file):
    # The abuse model's verdict and the rumour cue judge a message as a whole and quote its
    # head as evidence: the quote must come from the masked text.
    insult = "13812345678 你这种人真是恶心，滚吧，没人想理你"
    rumor = "13912345678 听说明天全校停课，内部消息，赶紧转发给大家"
    path = chat_file(
        f"2024-09-02T20:00:05|{GROUP_A}|10001001|王建国|{insult}|m1",
        f"2024-09-02T20:01:05|{GROUP_A}|10001002|李芳|我的身份证号是11010519491231002X|m2",
        f"2024-09-02T20:02:05|{GROUP_A}|10001003|赵四|{rumor}|m3",
    )
    do_import_chat_file(None, path)
    evidence = " ".join(Finding.objects.values_list("evidence", flat=True))
    assert Finding.objects.filter(category="privacy.phone").count() == 2
    assert Finding.objects.filter(rule="abuse.model").exists()
    assert Finding.objects.filter(category="rumor").exists()
    assert "13812345678" not in evidence
    assert "13912345678" not in evidence
    assert "11010519491231002X" not in evidence
