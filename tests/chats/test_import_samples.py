"""Every sample export imports end to end: no rejects, bound to the registered group, audited.

The samples (tests/ingest/samples, copies of the shared ones) describe one invented group on
2024-09-02 in every format; each carries a fake ID number and a phone number.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import ChatMessage, Finding
from qunguan.registry import actions

SAMPLES = Path(__file__).resolve().parents[1] / "ingest" / "samples"
QQ_GROUP = "800100200"
WECHAT_GROUP = "34567890123@chatroom"
WECOM_GROUP = "wrOgQhDgAAxxxxSAMPLExxxxxxxxxxAA"

CASES = [
    ("qq_pc_txt/qq_group_export.txt", "qq_pc_txt", "qq"),
    ("qq_pc_mht/qq_group_export.mht", "qq_pc_mht", "qq"),
    ("qce_json/qce_group_export.json", "qce_json", "qq"),
    ("onebot_v11/event_stream.jsonl", "onebot_v11", "qq"),
    ("memotrace_csv/memotrace_group_utf8.csv", "memotrace_csv", "wechat"),
    ("memotrace_txt/memotrace_group.txt", "memotrace_txt", "wechat"),
    ("chatlog_json/chatlog_group.json", "chatlog_json", "wechat"),
    ("chatlog_csv/chatlog_group.csv", "chatlog_csv", "wechat"),
    ("wecom_archive/wecom_archive_decrypted.jsonl", "wecom_archive", "wecom"),
]


@pytest.fixture
def sample_groups(cast: Any) -> dict[str, Any]:
    """The sample conversation's group, registered on each platform in 作曲系."""
    made = {}
    for platform, account in (("qq", QQ_GROUP), ("wechat", WECHAT_GROUP), ("wecom", WECOM_GROUP)):
        made[platform] = actions.do_register_group(
            None,
            platform=platform,
            account=account,
            name="计算机学院2024级辅导员工作群",
            unit=cast.composition,
            member_scope="辅导员",
            purpose="工作通知",
            owner=cast.teacher_a,
            admins=[cast.teacher_a],
            member_count=40,
        )
    return made


@pytest.mark.parametrize(("sample", "fmt", "platform"), CASES, ids=[c[1] for c in CASES])
def test_sample_imports_cleanly_and_finds_the_personal_data(sample_groups, sample, fmt, platform):
    group = sample_groups[platform]
    summary = do_import_chat_file(None, SAMPLES / sample, group=group)
    batch = summary.batch
    assert batch.format == fmt
    assert batch.rejected == 0, Path(batch.rejects_file).read_text(encoding="utf-8")
    assert batch.stored >= 10
    assert summary.unregistered == {}
    assert set(ChatMessage.objects.values_list("group", flat=True)) == {group.pk}
    found = set(Finding.objects.values_list("category", flat=True))
    assert "privacy.id_card" in found
    if fmt != "wecom_archive":  # the archive sample leaves the phone message out
        assert "privacy.phone" in found


def test_the_same_conversation_exported_twice_is_stored_once(sample_groups):
    group = sample_groups["qq"]
    first = do_import_chat_file(None, SAMPLES / "qq_pc_txt/qq_group_export.txt", group=group).batch
    second = do_import_chat_file(None, SAMPLES / "qq_pc_mht/qq_group_export.mht", group=group).batch
    assert first.stored > 0
    assert second.stored == 0
    assert second.duplicates == second.read


@pytest.mark.parametrize(
    ("sample", "platform"),
    [("onebot_v11/event_stream.jsonl", "qq"), ("wecom_archive/wecom_archive_decrypted.jsonl", "wecom")],
)
def test_formats_that_name_the_group_bind_without_the_group_option(sample_groups, sample, platform):
    summary = do_import_chat_file(None, SAMPLES / sample)
    assert summary.unregistered == {}
    assert set(ChatMessage.objects.values_list("group", flat=True)) == {sample_groups[platform].pk}
