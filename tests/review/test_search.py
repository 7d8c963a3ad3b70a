"""Message search: Chinese substrings of any length, scoped by role, filtered, shown masked."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection

from qunguan.chats import search, searchindex
from qunguan.chats.models import ChatMessage
from qunguan.registry.errors import RegistryError
from tests.review.conftest import ID_NUMBER, PHONE


def texts(qs):
    return [m.text for m in qs]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("会议改到下午", ["会议改到下午三点"]),  # trigram index
        ("例会", ["周三例会照常"]),  # two characters: below a trigram
        ("附", ["请查收附件"]),  # one character
        ("不存在的内容", []),
    ],
)
def test_search_finds_chinese_substrings(review, query, expected):
    assert texts(search.search_messages(review.cast.supervisor, query)) == expected


def test_search_is_case_insensitive_for_latin_text(review, chat_file):
    from qunguan.chats.actions import do_import_chat_file

    do_import_chat_file(
        None, chat_file("2024-09-05T09:00:00|600100200|1|甲|请用 WeChat 联系|x1", name="b.pipe")
    )
    assert texts(search.search_messages(review.cast.manager_a, "wechat")) == ["请用 WeChat 联系"]


def test_search_keeps_to_the_users_groups(review):
    assert texts(search.search_messages(review.cast.manager_b, "例会")) == []
    assert texts(search.search_messages(review.cast.group_admin, "例会")) == ["周三例会照常"]
    assert texts(search.search_messages(review.cast.outsider, "例会")) == []
    # Unregistered groups: the supervisor only.
    assert len(search.search_messages(review.cast.supervisor, "你这个")) == 1
    assert len(search.search_messages(review.cast.manager_a, "你这个")) == 0


def test_group_and_date_filters_narrow_the_search(review):
    user = review.cast.supervisor
    assert len(search.search_messages(user, "电话", group=review.cast.group_b)) == 1
    assert len(search.search_messages(user, "电话", group=review.cast.group_a)) == 1
    assert len(search.search_messages(user, "电话", date_from=dt.date(2024, 9, 3))) == 1
    assert len(search.search_messages(user, "电话", date_to=dt.date(2024, 9, 2))) == 1


def test_results_are_masked_and_pseudonymised(review):
    [message] = search.search_messages(review.cast.supervisor, "身份证号")
    shown = search.hit(message, "身份证号")
    assert shown.match == "身份证号"
    assert ID_NUMBER not in shown.before + shown.match + shown.after
    assert "赵四" not in shown.sender
    [phone] = search.search_messages(review.cast.supervisor, PHONE)
    assert PHONE not in search.hit(phone, PHONE).before


def test_an_empty_query_is_refused(review):
    with pytest.raises(RegistryError) as err:
        search.search_messages(review.cast.supervisor, "  ")
    assert err.value.message == "请输入要检索的文字。"


def integrity_check():
    """Raise if the SQLite FTS index disagrees with the messages (no-op on PostgreSQL)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO chats_message_fts(chats_message_fts, rank) VALUES ('integrity-check', 1)"
            )


@pytest.mark.parametrize("indexed_first", [True, False])
def test_the_index_follows_edits_and_deletes(review, indexed_first):
    if indexed_first:
        search.catch_up()
    message = ChatMessage.objects.get(text="周三例会照常")
    message.text = "周四例会照常"
    message.save(update_fields=["text"])
    ChatMessage.objects.filter(text="请查收附件").delete()
    search.catch_up()
    integrity_check()
    assert texts(search.search_messages(review.cast.supervisor, "周四例会")) == ["周四例会照常"]
    assert texts(search.search_messages(review.cast.supervisor, "周三例会")) == []
    assert texts(search.search_messages(review.cast.supervisor, "请查收附件")) == []


def test_messages_imported_after_indexing_are_found_before_the_next_catch_up(review, chat_file):
    from qunguan.chats.actions import do_import_chat_file

    sqlite = connection.vendor == "sqlite"  # PostgreSQL's index follows every insert
    assert search.catch_up() == (ChatMessage.objects.count() if sqlite else 0)
    assert search.catch_up() == 0  # idempotent
    do_import_chat_file(
        None, chat_file("2024-09-08T09:00:00|600100200|1|甲|下周一召开教学研讨会|n1", name="n.pipe")
    )
    assert texts(search.search_messages(review.cast.manager_a, "教学研讨")) == ["下周一召开教学研讨会"]
    assert search.catch_up() == (1 if sqlite else 0)
    integrity_check()
    assert texts(search.search_messages(review.cast.manager_a, "教学研讨")) == ["下周一召开教学研讨会"]
    assert texts(search.search_messages(review.cast.manager_a, "会议改到下午")) == ["会议改到下午三点"]


def test_the_search_index_command_catches_up_and_can_run_twice(review):
    out = io.StringIO()
    call_command("search_index", stdout=out)
    expected = ChatMessage.objects.count() if connection.vendor == "sqlite" else 0
    assert out.getvalue().strip() == f"已索引 {expected} 条新消息。"
    out = io.StringIO()
    call_command("search_index", stdout=out)
    assert out.getvalue().strip() == "已索引 0 条新消息。"


def test_the_backends_trigram_index_is_in_place(db):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name LIKE 'chats_message_fts%'")
            names = {row[0] for row in cursor.fetchall()}
            assert {"chats_message_fts", searchindex.STATE_TABLE, *searchindex.TRIGGERS} <= names
        else:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [searchindex.PG_INDEX])
            [(definition,)] = cursor.fetchall()
            assert "gin_trgm_ops" in definition
