"""How an import writes its rows: what is stored reads back exactly, and the batch counts hold.

The import writes messages and findings with batch SQL statements rather than model instances;
these specifications read the rows back through the models and compare them with what the
file said, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.db import connection

from qunguan.chats.actions import do_import_chat_file, store_records
from qunguan.chats.models import ChatMessage, Finding, FindingStatus
from qunguan.ingest.records import CHINA, ChatRecord, utc_second

GROUP_A = "600100200"  # the cast's 作曲系教职工群


def test_stored_messages_read_back_as_the_file_wrote_them(cast, chat_file):
    path = chat_file(
        f"2024-09-02T09:00:05+08:00|{GROUP_A}|10001001|王建国|请各位老师周五前提交材料。|m1",
        f"2024-12-31T23:59:59|{GROUP_A}|10001004|赵四|我的身份证号是11010519491231002X|m2",
    )
    do_import_chat_file(None, path)
    first, second = ChatMessage.objects.order_by("sent_at")
    assert first.sent_at == dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA)
    assert second.sent_at == dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=CHINA)
    assert (first.group, first.platform, first.group_account, first.message_id) == (
        cast.group_a,
        "qq",
        GROUP_A,
        "m1",
    )
    assert (first.sender_id, first.sender_name, first.kind, first.recalled) == (
        "10001001",
        "王建国",
        "text",
        False,
    )
    assert first.text == "请各位老师周五前提交材料。"
    assert first.batch is not None
    assert first.purged_at is None
    finding = Finding.objects.get(message=second)
    assert (finding.status, finding.handled_by, finding.note) == (FindingStatus.OPEN, None, "")
    assert finding.created_at is not None
    assert finding.group == cast.group_a


def test_a_message_repeated_inside_one_batch_is_stored_once(cast, chat_file):
    line = f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到"
    batch = do_import_chat_file(None, chat_file(line, line, line)).batch
    assert (batch.read, batch.stored, batch.duplicates) == (3, 1, 2)
    assert ChatMessage.objects.count() == 1


def test_a_message_outside_the_importers_units_counts_as_duplicate_once_it_is_stored(cast, chat_file):
    stored = f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1"
    do_import_chat_file(None, chat_file(stored, name="all.pipe"))
    newer = f"2024-09-02T09:05:00|{GROUP_A}|10001002|李芳|好的|m2"
    batch = do_import_chat_file(cast.manager_b, chat_file(stored, newer, name="sibling.pipe")).batch
    # The stored message is a duplicate for anyone; only the new one is refused.
    assert (batch.stored, batch.duplicates, batch.rejected) == (0, 1, 1)
    assert ChatMessage.objects.count() == 1


def test_storing_live_records_returns_the_stored_messages_and_findings_with_their_ids(cast):
    records = [
        ChatRecord(
            platform="qq",
            sent_at=dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
            sender_name="赵四",
            text="我的身份证号是11010519491231002X",
            line=1,
            sender_id="10001004",
            message_id="live-1",
            group_account=GROUP_A,
        ),
        ChatRecord(
            platform="qq",
            sent_at=dt.datetime(2024, 9, 2, 9, 0, 6, tzinfo=CHINA),
            sender_name="王建国",
            text="收到",
            line=2,
            sender_id="10001001",
            message_id="live-2",
            group_account=GROUP_A,
        ),
    ]
    result = store_records(records)
    assert [m.pk for m in result.messages] == list(
        ChatMessage.objects.order_by("pk").values_list("pk", flat=True)
    )
    assert [m.fingerprint for m in result.messages] == [r.fingerprint() for r in records]
    assert result.messages[0].group == cast.group_a
    stored = {f.pk: f for f in Finding.objects.all()}
    assert result.findings
    assert {f.pk for f in result.findings} == set(stored)
    assert all(f.message.pk == result.messages[0].pk for f in result.findings)
    again = store_records(records)
    assert (again.messages, again.findings, again.duplicates) == ([], [], 2)


# Fingerprints are stored: a database filled by an earlier version de-duplicates against new
# imports only while the same record gives the same fingerprint. Each record with what the first
# version stored and what it stores since ``chats.0010`` (the UTC second in front, for a message
# without an id); the migration must turn the one into the other, and neither may change.
PINNED_FINGERPRINTS = [
    (
        ChatRecord(
            platform="qq",
            sent_at=dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
            sender_name="王建国-辅导员",
            text="请各位老师周五前提交材料。",
            line=3,
            sender_id="10001001",
            group_name="计算机学院2024级辅导员工作群",
        ),
        "671f3059e9e1c383175f412a615d4544",
        "20240902010005671f3059e9e1c38317",
    ),
    (
        ChatRecord(
            platform="wechat",
            sent_at=dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=CHINA),
            sender_name="李芳",
            text="[图片]",
            line=9,
            kind="image",
            sender_id="wxid_abc",
            group_account="34567890123@chatroom",
        ),
        "eaa5c557ac0f2a42e03721f36da8f64d",
        "20241231155959eaa5c557ac0f2a42e0",
    ),
    (
        ChatRecord(
            platform="qq",
            sent_at=dt.datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=dt.UTC),
            sender_name="赵四",
            text="多行\n正文 \ud800",
            line=1,
        ),
        "bd1380baa65eda3fbf2201e7c547cad3",
        "20250101000000bd1380baa65eda3fbf",
    ),
    (
        ChatRecord(
            platform="qq",
            sent_at=dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
            sender_name="王建国",
            text="收到",
            line=3,
            message_id="7391",
            group_account=GROUP_A,
        ),
        "69b43afb09eb96b9c801f063c719c2bb",
        "69b43afb09eb96b9c801f063c719c2bb",
    ),
]


def test_fingerprints_stay_what_was_pinned():
    assert [record.fingerprint() for record, _, _ in PINNED_FINGERPRINTS] == [
        pinned for _, _, pinned in PINNED_FINGERPRINTS
    ]
    assert [record.fingerprint(utc_second(record.sent_at)) for record, _, _ in PINNED_FINGERPRINTS] == [
        pinned for _, _, pinned in PINNED_FINGERPRINTS
    ]


def test_the_migration_gives_stored_messages_the_fingerprints_an_import_now_computes(cast):
    rewrite = import_module("qunguan.chats.migrations.0010_fingerprint_time_prefix").rewrite_fingerprints
    for record, first_version, _ in PINNED_FINGERPRINTS:
        ChatMessage.objects.create(
            platform=record.platform,
            fingerprint=first_version,
            message_id=record.message_id or "",
            sender_name=record.sender_name,
            sent_at=record.sent_at,
            text="",  # purged by retention: the rewrite needs the time and the old fingerprint only
        )
    assert rewrite(connection) == 3  # the message with an id keeps its fingerprint
    assert list(ChatMessage.objects.order_by("pk").values_list("fingerprint", flat=True)) == [
        record.fingerprint() for record, _, _ in PINNED_FINGERPRINTS
    ]


@pytest.mark.parametrize(
    ("sent_at", "second"),
    [
        (dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA), "20240902010005"),
        (dt.datetime(2025, 1, 1, 0, 0, 0, 999999, tzinfo=dt.UTC), "20250101000000"),
        (dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=dt.UTC), "19691231235959"),
        (dt.datetime(900, 3, 1, tzinfo=dt.UTC), "09000301000000"),
        (dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC), "99991231235959"),
    ],
)
def test_the_migration_and_the_import_agree_on_the_second_in_front(cast, sent_at, second):
    """Whole UTC seconds (a fraction never rounds up), four-digit years at both ends of the calendar."""
    rewrite = import_module("qunguan.chats.migrations.0010_fingerprint_time_prefix").rewrite_fingerprints
    ChatMessage.objects.create(platform="qq", fingerprint="0123456789abcdef0123456789abcdef", sent_at=sent_at)
    rewrite(connection)
    record = ChatRecord(platform="qq", sent_at=sent_at, sender_name="王建国", text="收到", line=1)
    assert record.fingerprint()[:14] == second
    assert ChatMessage.objects.get().fingerprint == second + "0123456789abcdef01"


def test_an_import_stores_the_pinned_fingerprint(cast, chat_file):
    do_import_chat_file(None, chat_file(f"2024-09-02T09:00:05+08:00|{GROUP_A}|10001001|王建国|收到"))
    record = ChatRecord(
        platform="qq",
        sent_at=dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
        sender_name="王建国",
        text="收到",
        line=1,
        sender_id="10001001",
        group_account=GROUP_A,
    )
    assert list(ChatMessage.objects.values_list("fingerprint", flat=True)) == [record.fingerprint()]
    assert record.fingerprint() == "2024090201000563433dc9c8b148978e"


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite connection settings")
def test_an_import_leaves_the_connections_sqlite_settings_as_it_found_them(cast, chat_file):
    def current() -> tuple[int, int]:
        with connection.cursor() as cursor:
            return (
                cursor.execute("PRAGMA cache_size").fetchone()[0],
                cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0],
            )

    before = current()
    seen: list[tuple[int, int]] = []
    path = chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1")
    do_import_chat_file(None, path, progress=lambda position, messages: seen.append(current()))
    assert seen == [(-65536, 65536)]
    assert current() == before


def test_only_the_messages_of_no_registered_group_are_indexed_by_account(cast, chat_file):
    """Registering an unregistered group finds its messages by account through a partial index,
    which the messages of registered groups (nearly all of an import) never write to."""
    do_import_chat_file(
        None,
        chat_file(
            f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|收到|m1",
            "2024-09-02T09:00:06|700700700|10001002|李芳|好的|m2",
        ),
    )
    unbound = ChatMessage.objects.filter(group__isnull=True, platform="qq", group_account="700700700")
    assert unbound.count() == 1
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            (definition,) = cursor.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'chats_message_unbound_account'"
            ).fetchone()
        else:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'chats_message_unbound_account'"
            )
            (definition,) = cursor.fetchone()
            cursor.execute("SET LOCAL enable_seqscan = off")  # (a table of two rows is read whole)
    condition = definition.upper().partition(" WHERE ")[2]
    assert "GROUP_ID" in condition
    assert "IS NULL" in condition
    assert "chats_message_unbound_account" in unbound.explain()


def test_a_finding_is_indexed_for_the_queues_and_its_message_only(cast, chat_file):
    """The findings an import writes take an entry in the queue indexes and the message's, not in
    an index of their group alone (the queue indexes begin with it) nor of their handler (none
    yet): the handler's index is partial, for handled findings only."""
    do_import_chat_file(None, chat_file(f"2024-09-02T09:00:05|{GROUP_A}|10001001|王建国|电话13812345678|m1"))
    assert Finding.objects.count() == 1
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Finding._meta.db_table)
        if connection.vendor == "sqlite":
            (definition,) = cursor.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'chats_finding_handled_by'"
            ).fetchone()
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'chats_finding_handled_by'")
            (definition,) = cursor.fetchone()
    indexed = sorted(tuple(c["columns"]) for c in constraints.values() if c["index"] and not c["primary_key"])
    assert indexed == [
        ("category", "severity", "sent_at", "id"),
        ("group_id", "category", "severity", "sent_at", "id"),
        ("group_id", "status", "severity", "sent_at", "id"),
        ("handled_by_id",),
        ("message_id",),
        ("status", "severity", "sent_at", "id"),
    ]
    condition = definition.upper().partition(" WHERE ")[2]
    assert "HANDLED_BY_ID" in condition
    assert "IS NOT NULL" in condition


def test_migrating_drops_the_findings_group_and_handler_indexes(transactional_db):
    """``chats.0012`` drops the two indexes by name on both databases; undone, it makes them again."""
    from django.core.management import call_command

    def names() -> set[str]:
        with connection.cursor() as cursor:
            return set(connection.introspection.get_constraints(cursor, Finding._meta.db_table))

    old = {"chats_finding_group_id_1778ffb6", "chats_finding_handled_by_id_ed80be4b"}
    try:
        call_command("migrate", "chats", "0011", verbosity=0)
        assert old <= names()
        assert "chats_finding_handled_by" not in names()
    finally:
        call_command("migrate", verbosity=0)
    assert not old & names()
    assert "chats_finding_handled_by" in names()
