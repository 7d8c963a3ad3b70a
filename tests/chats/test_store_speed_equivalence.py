"""The import's write path stores exactly what a plain, row-by-row insert would store.

The write path binds the columns a run of messages shares once per statement and learns the
ids of new messages without ``RETURNING`` on SQLite; these specifications compare every column
of every stored row with a reference built from the records the obvious way (Django's own
value adaptation, ``ChatRecord.fingerprint()``), and the ids it reports with the rows the
database holds — on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from qunguan.chats import bulk
from qunguan.chats.actions import do_import_chat_file, store_records
from qunguan.chats.models import ChatMessage, ImportBatch
from qunguan.ingest.records import CHINA, ChatRecord

GROUP_A = "600100200"  # the cast's 作曲系教职工群 (QQ)
GROUP_B = "wx-shengyue-001"  # the cast's 声乐系工作群 (WeChat)
INDIA = dt.timezone(dt.timedelta(hours=5, minutes=30))


def _record(line: int, **fields: object) -> ChatRecord:
    values: dict[str, object] = {
        "platform": "qq",
        "sent_at": dt.datetime(2024, 9, 2, 9, 0, line % 60, tzinfo=CHINA),
        "sender_name": "王建国",
        "text": f"第{line}条通知",
        "line": line,
        "sender_id": "10001001",
        "group_account": GROUP_A,
    }
    values.update(fields)
    return ChatRecord(**values)  # type: ignore[arg-type]


# Every shape of record the row builder treats on its own: time zones and fractions of a
# second, message ids or none, groups by account, by name and unknown, over-long columns, kinds.
RECORDS = [
    _record(1),
    _record(2, sent_at=dt.datetime(2024, 12, 31, 23, 59, 59, tzinfo=CHINA), message_id="m-2"),
    _record(3, sent_at=dt.datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=dt.UTC)),
    _record(4, sent_at=dt.datetime(2024, 9, 2, 10, 15, 30, tzinfo=INDIA), text="印度时间"),
    _record(5, sent_at=dt.datetime(2024, 9, 2, 10, 15, 30, 5, tzinfo=INDIA), kind="image", text="[图片]"),
    _record(6, platform="wechat", group_account=GROUP_B, sender_id="wxid_li", sender_name="李芳"),
    _record(7, group_account=None, group_name="作曲系教职工群", sender_id=None, sender_name="无号之人"),
    _record(8, group_account="999000999", group_name="未登记的群", text="未登记群组的消息"),
    _record(9, group_account=None, group_name=None, text="无名群"),
    _record(10, sender_name="长" * 150, sender_id="9" * 80, message_id="x" * 90, recalled=True),
    _record(11, group_account=None, group_name="名" * 120, text="名字太长的群"),
    _record(12, kind="system", text="王建国 撤回了一条消息"),
    _record(13, platform="wechat", group_account=GROUP_B, sender_id="wxid_li", text="换群再换回"),
    _record(14, text="身份证号11010519491231002X"),
]


def _reference(record: ChatRecord) -> tuple[object, ...]:
    """The row a plain insert stores for ``record`` (all but id, batch, group, purged_at)."""
    return (
        record.platform,
        record.fingerprint(),
        (record.message_id or "")[:64],
        (record.sender_id or "")[:64],
        record.sender_name[:100],
        connection.ops.adapt_datetimefield_value(record.sent_at),
        record.kind,
        record.text,
        record.recalled,
    )


def _stored() -> list[tuple[object, ...]]:
    """Every stored message row as the database holds it, in id order.

    On SQLite the time is read as the stored text itself (``|| ''`` keeps the driver from
    turning it into a datetime), so that the text is compared, not what it parses to.
    """
    sent_at = "sent_at || ''" if connection.vendor == "sqlite" else "sent_at"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, platform, fingerprint, message_id, sender_id, sender_name, {sent_at}, kind, text,"  # noqa: S608
            " recalled, group_id, group_account, group_name, batch_id, purged_at"
            " FROM chats_chatmessage ORDER BY id"
        )
        return [tuple(row) for row in cursor.fetchall()]


def test_every_column_of_every_stored_row_is_what_a_plain_insert_stores(cast):
    result = store_records(RECORDS)
    rows = _stored()
    assert [row[0] for row in rows] == [m.pk for m in result.messages]
    # SQLite stores the time as Django's UTC text and the flag as 0 or 1 (equal to False, True).
    assert [row[1:10] for row in rows] == [_reference(record) for record in RECORDS]
    a = (cast.group_a.pk, GROUP_A, "作曲系教职工群")
    b = (cast.group_b.pk, GROUP_B, "声乐系工作群")
    assert [(row[10], row[11], row[12]) for row in rows] == [
        a,
        a,
        a,
        a,
        a,
        b,
        a,
        (None, "999000999", "未登记的群"),
        (None, "", ""),
        a,
        (None, "", "名" * 100),
        a,
        b,
        a,
    ]
    assert {(row[13], row[14]) for row in rows} == {(None, None)}
    assert (result.stored, result.duplicates) == (len(RECORDS), 0)
    assert result.unregistered == {("qq", "999000999"): 1, ("qq", "（未命名）"): 1, ("qq", "名" * 120): 1}


def test_new_messages_get_the_ids_the_database_gave_them_when_some_are_stored_already(cast):
    first = store_records([RECORDS[0], RECORDS[2], RECORDS[4]])
    # Stored ones among new ones, and one repeated inside the list: each stored row uses up an
    # id on SQLite, so the new ids have gaps.
    again = [RECORDS[0], RECORDS[1], RECORDS[2], RECORDS[3], RECORDS[3], RECORDS[4], RECORDS[5]]
    second = store_records(again)
    by_fingerprint = dict(ChatMessage.objects.values_list("fingerprint", "pk"))
    assert [m.fingerprint for m in second.messages] == [
        r.fingerprint() for r in (RECORDS[1], RECORDS[3], RECORDS[5])
    ]
    assert [m.pk for m in second.messages] == [by_fingerprint[m.fingerprint] for m in second.messages]
    assert min(m.pk for m in second.messages) > max(m.pk for m in first.messages)
    assert (second.stored, second.duplicates) == (3, 4)


def test_ids_follow_the_records_across_statements_and_changes_of_group(cast, monkeypatch):
    monkeypatch.setattr(bulk, "SQLITE_ROWS_PER_STATEMENT", 3)
    store_records([RECORDS[5]])
    result = store_records(RECORDS)
    by_fingerprint = dict(ChatMessage.objects.values_list("fingerprint", "pk"))
    assert [m.fingerprint for m in result.messages] == [
        r.fingerprint() for r in RECORDS if r is not RECORDS[5]
    ]
    assert [m.pk for m in result.messages] == [by_fingerprint[m.fingerprint] for m in result.messages]
    assert [m.pk for m in result.messages] == sorted(m.pk for m in result.messages)
    assert (result.stored, result.duplicates) == (len(RECORDS) - 1, 1)


def test_an_import_stores_the_rows_a_plain_insert_stores_and_counts_the_same(cast, chat_file):
    lines = [
        f"2024-09-02T09:{i // 60:02d}:{i % 60:02d}|{GROUP_A}|1000{i % 7}|王建国|第{i}条|m{i}"
        for i in range(40)
    ]
    lines += lines[:5]  # an overlapping export appended
    lines.append("2024-09-02T10:00:00|999000999|10001001|王建国|未登记的群")
    batch = do_import_chat_file(None, chat_file(*lines)).batch
    assert (batch.read, batch.stored, batch.duplicates, batch.rejected) == (46, 41, 5, 0)
    rows = _stored()
    assert {row[13] for row in rows} == {batch.pk}
    expected = [f"第{i}条" for i in range(40)] + ["未登记的群"]
    assert [row[8] for row in rows] == expected
    again = do_import_chat_file(None, chat_file(*lines, name="again.pipe")).batch
    assert (again.read, again.stored, again.duplicates) == (46, 0, 46)
    assert _stored() == rows
    assert ImportBatch.objects.count() == 2


def test_a_groups_messages_are_read_through_the_group_and_time_index(cast):
    names = _index_columns()
    assert ["group_id"] not in names.values()
    assert ["group_id", "sent_at"] in names.values()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            plan = cursor.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM chats_chatmessage WHERE group_id = %s", [cast.group_a.pk]
            ).fetchall()
        index = next(name for name, columns in names.items() if columns == ["group_id", "sent_at"])
        assert index in " ".join(str(step[-1]) for step in plan)


def _index_columns() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ChatMessage._meta.db_table)
    return {
        name: info["columns"]
        for name, info in constraints.items()
        if info["index"] and not info["unique"] and not info["primary_key"]
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite message statement")
def test_a_run_of_one_groups_messages_binds_its_shared_columns_once(cast):
    store_records(RECORDS[:3])
    statement = bulk._SQLITE_MESSAGES[0]._sql(3)
    assert statement.count("?1,") == 3
    assert "RETURNING" not in statement
