"""The generic format (通用格式): exactly what docs/import-formats.md specifies, CSV and JSON Lines."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.ingest import formats
from qunguan.ingest.formats.generic import Generic
from qunguan.ingest.records import CHINA, ChatRecord, Reject

SAMPLES = Path(__file__).parent / "samples"
DOC = Path(__file__).resolve().parents[2] / "docs" / "import-formats.md"
HEADER = "time,group,sender_id,sender_name,text"
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def read(data: bytes | str) -> list[ChatRecord | Reject]:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(Generic().read(io.BytesIO(raw)))


def records(data: bytes | str) -> list[ChatRecord]:
    items = read(data)
    assert all(isinstance(item, ChatRecord) for item in items), items
    return [item for item in items if isinstance(item, ChatRecord)]


def doc_example(language: str) -> str:
    match = re.search(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert match is not None
    return match.group(1)


# ---- the documented examples -------------------------------------------------------------------


def test_the_documented_csv_example_reads_as_documented():
    got = records(doc_example("csv"))
    assert [
        (r.line, r.platform, r.group_account, r.sender_id, r.sender_name, r.message_id, r.kind) for r in got
    ] == [
        (2, "qq", "800100200", "10001001", "王建国-辅导员", "m-0001", "text"),
        (4, "wechat", "34567890123@chatroom", "wxid_zhangsan03", "张三-1班班长", None, "text"),
    ]
    assert got[0].text == "【通知】请各位班长周五前提交信息汇总表。\n模板见群文件。"
    assert got[0].sent_at == dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA)
    assert got[1].sent_at == dt.datetime(2024, 9, 2, 9, 1, 12, tzinfo=CHINA)


def test_the_documented_jsonl_example_gives_the_same_records_as_the_csv():
    from_csv = records(doc_example("csv"))
    from_jsonl = records(doc_example("json"))
    assert [r.line for r in from_jsonl] == [1, 2]
    assert [r.fingerprint() for r in from_jsonl] == [r.fingerprint() for r in from_csv]


@pytest.mark.parametrize("language", ["csv", "json"])
def test_detect_picks_generic_for_the_documented_examples(tmp_path, language):
    path = tmp_path / f"export.{language}"
    path.write_text(doc_example(language), encoding="utf-8")
    assert formats.detect(path) is Generic


# ---- what the sniff claims ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_line",
    [
        HEADER,
        f"{HEADER},message_id",
        f"{HEADER},platform",
        f"{HEADER},message_id,platform",
        '{"time": "2024-09-02 09:00:05", "group": "", "sender_id": "1", "sender_name": "a", "text": "x"}',
    ],
)
def test_sniff_claims_exactly_the_documented_header_or_keys(first_line):
    assert Generic.sniff(f"\ufeff{first_line}\r\n".encode(), "x")


@pytest.mark.parametrize(
    "first_line",
    [
        "time,group,sender_id,sender_name",
        f"{HEADER},platform,message_id",
        f"{HEADER},kind",
        "time,sender_id,group,sender_name,text",
        "Time,Group,Sender_ID,Sender_Name,Text",
        '{"time": "2024-09-02 09:00:05", "group": "", "sender_id": "1", "sender_name": "a"}',
        '{"time": "x", "group": "", "sender_id": "1", "sender_name": "a", "text": "x", "kind": "text"}',
    ],
)
def test_sniff_refuses_near_misses(first_line):
    assert not Generic.sniff(f"{first_line}\n".encode(), "x")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SAMPLES.glob("*/*") if p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_sniff_claims_no_other_formats_file(path):
    assert not Generic.sniff(path.read_bytes()[: 64 * 1024], path.name)


# ---- fields ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("2024-09-02 09:00:05", dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA)),
        ("2024-09-02T09:00", dt.datetime(2024, 9, 2, 9, 0, tzinfo=CHINA)),
        ("2024-09-02T01:00:05Z", dt.datetime(2024, 9, 2, 1, 0, 5, tzinfo=dt.UTC)),
        ("2024-09-02T09:00:05.250+08:00", dt.datetime(2024, 9, 2, 9, 0, 5, 250000, tzinfo=CHINA)),
    ],
)
def test_times_are_iso_8601_and_china_time_without_an_offset(time, expected):
    (record,) = records(f"{HEADER}\n{time},800100200,1001,张三,好\n")
    assert record.sent_at == expected


@pytest.mark.parametrize(
    ("group", "sender_id", "platform"),
    [
        ("800100200", "", "qq"),
        ("34567890123@chatroom", "", "wechat"),
        ("wrOgQhDgAAxxxx", "", "wecom"),
        ("", "wxid_abc", "wechat"),
        ("", "10001001", "qq"),
    ],
)
def test_the_platform_is_told_from_the_ids_when_the_column_is_absent(group, sender_id, platform):
    (record,) = records(f"{HEADER}\n2024-09-02 09:00:05,{group},{sender_id},张三,好\n")
    assert record.platform == platform
    assert record.group_account == (group or None)


def test_the_sender_name_defaults_to_the_id():
    (record,) = records(f"{HEADER}\n2024-09-02 09:00:05,800100200,10001001,,好\n")
    assert record.sender_name == "10001001"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("2024-09-02,800100200,1,张三,好", "时间“2024-09-02”不是 ISO 8601 格式的日期和时间"),
        ("昨天 9 点,800100200,1,张三,好", "时间“昨天 9 点”不是 ISO 8601 格式的日期和时间"),
        ("2024-09-02 09:00:05,800100200,,,好", "sender_id 和 sender_name 至少要填一个"),
        ("2024-09-02 09:00:05,,,张三,好", "看不出是哪个平台的记录，请加 platform 列（qq、wechat 或 wecom）"),
        ("2024-09-02 09:00:05,800100200,1,张三", "这一行有 4 列，表头有 5 列"),
    ],
)
def test_bad_rows_are_rejected_with_their_line_and_the_rest_is_read(row, reason):
    items = read(f"{HEADER}\n{row}\n2024-09-02 09:00:06,800100200,1,张三,后面\n")
    assert isinstance(items[0], Reject)
    assert (items[0].line, items[0].reason) == (2, reason)
    assert isinstance(items[1], ChatRecord)
    assert (items[1].line, items[1].text) == (3, "后面")


def test_an_unknown_platform_is_rejected():
    (reject,) = read(f"{HEADER},platform\n2024-09-02 09:00:05,800100200,1,张三,好,line\n")
    assert isinstance(reject, Reject)
    assert reject.reason == "平台“line”不认识，应为 qq、wechat 或 wecom"


def test_a_csv_with_another_header_reads_nothing():
    (reject,) = read("time,text\n2024-09-02 09:00:05,好\n")
    assert isinstance(reject, Reject)
    assert reject.line == 1


def test_an_unterminated_quote_at_the_end_is_rejected_with_its_line():
    items = read(
        f'{HEADER}\n2024-09-02 09:00:05,800100200,1,张三,好\n2024-09-02 09:00:06,800100200,1,张三,"没写完\n'
    )
    assert isinstance(items[1], Reject)
    assert (items[1].line, items[1].reason) == (3, "引号没有闭合，一直到文件末尾，这条记录无法读取")


def test_a_gb18030_csv_reads_like_utf8():
    (record,) = records(f"{HEADER}\n2024-09-02 09:00:05,800100200,1,张三,老师好\n".encode("gb18030"))
    assert record.text == "老师好"


def test_jsonl_numbers_nulls_and_bad_lines():
    good = {
        "time": "2024-09-02 09:00:05",
        "group": 800100200,
        "sender_id": 1001,
        "sender_name": None,
        "text": "好",
    }
    items = read(
        json.dumps(good)
        + "\n{broken\n"
        + json.dumps({**good, "extra": 1})
        + "\n"
        + json.dumps({"time": "2024-09-02 09:00:05"})
        + "\n"
        + json.dumps({**good, "text": 5})
        + "\n"
    )
    first = items[0]
    assert isinstance(first, ChatRecord)
    assert (first.group_account, first.sender_id, first.sender_name, first.platform) == (
        "800100200",
        "1001",
        "1001",
        "qq",
    )
    assert [(i.line, i.reason) for i in items[1:] if isinstance(i, Reject)] == [
        (2, "这一行不是合法的 JSON"),
        (3, "有未知的键 extra"),
        (4, "缺少键 group、sender_id、sender_name、text"),
        (5, "time 和 text 必须是字符串"),
    ]


# ---- robustness --------------------------------------------------------------------------------


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_after_the_header_never_raises(body):
    for item in read(f"{HEADER}\n{body}"):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.text(max_size=400))
def test_arbitrary_text_never_raises(text):
    for item in read(text):
        assert isinstance(item, ChatRecord | Reject)


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=12), st.lists(st.integers(), max_size=2)
)


@PROPERTY
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(
                ["time", "group", "sender_id", "sender_name", "text", "message_id", "platform", "x"]
            ),
            _VALUES,
        ),
        max_size=5,
    )
)
def test_arbitrary_jsonl_values_never_raise(objects):
    for item in read("".join(json.dumps(o) + "\n" for o in objects)):
        assert isinstance(item, ChatRecord | Reject)


@PROPERTY
@given(st.binary(max_size=600), st.text(max_size=20))
def test_sniff_never_raises(head, filename):
    assert Generic.sniff(head, filename) in (True, False)


@PROPERTY
@given(st.binary(max_size=600))
def test_arbitrary_bytes_never_raise(data):
    for item in read(data):
        assert isinstance(item, ChatRecord | Reject)
