"""The fast readers of the import benchmark's formats give exactly what the plain readers gave.

QQ PC .txt and MemoTrace CSV are read in chunks of lines, with cached dates and records built
without the dataclass's per-field ``object.__setattr__``; every record (fields, line numbers)
and every reject must be what the line-at-a-time readers kept in ``_reference_readers`` yield,
on the samples, on the benchmark's generated exports and on arbitrary input. Fingerprints are
stored across versions, so they are pinned too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import pickle
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qunguan.ingest.formats._reading import LINE_LIMIT, bounded_lines, line_batches
from qunguan.ingest.formats.memotrace_csv import MemoTraceCsv
from qunguan.ingest.formats.qq_pc_txt import QQPCText
from qunguan.ingest.records import CHINA, ChatRecord, Reject, make_record, utc_second
from qunguan.ingest.text import open_text
from tests.ingest import _reference_readers as reference

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = Path(__file__).parent / "samples"
QQ_SAMPLE = SAMPLES / "qq_pc_txt" / "qq_group_export.txt"
CSV_SAMPLE = SAMPLES / "memotrace_csv" / "memotrace_group_utf8.csv"
MESSAGES = 6_000  # per generated file: four files, 24,000 messages


def bench_import():  # the benchmark's own writers, so the spec reads what the benchmark reads
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bench_import as module
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return module


def qq_fast(data: bytes) -> list[ChatRecord | Reject]:
    return list(QQPCText().read(io.BytesIO(data)))


def qq_plain(data: bytes) -> list[ChatRecord | Reject]:
    return list(reference.read_qq_text(open_text(io.BytesIO(data))))


def csv_fast(data: bytes) -> list[ChatRecord | Reject]:
    return list(MemoTraceCsv().read(io.BytesIO(data)))


def csv_plain(data: bytes) -> list[ChatRecord | Reject]:
    return list(reference.read_memotrace_csv(open_text(io.BytesIO(data))))


def assert_same(fast: list[ChatRecord | Reject], plain: list[ChatRecord | Reject]) -> None:
    assert len(fast) == len(plain)
    for got, expected in zip(fast, plain, strict=True):
        assert type(got) is type(expected)
        assert got == expected
        if isinstance(got, ChatRecord):
            assert isinstance(expected, ChatRecord)
            assert got.fingerprint() == expected.fingerprint()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    writers = bench_import()
    folder = tmp_path_factory.mktemp("generated")
    files = {}
    for unique in (False, True):
        for name, writer in (("qq", writers.write_qq_txt), ("csv", writers.write_memotrace_csv)):
            path = folder / f"{name}-{unique}"
            writer(path, MESSAGES, 20240902, unique)
            files[f"{name}-{'unique' if unique else 'repeated'}"] = path.read_bytes()
    return files


# ---- QQ PC .txt ---------------------------------------------------------------------------------


def test_qq_sample_reads_as_the_plain_reader_reads_it():
    data = QQ_SAMPLE.read_bytes()
    assert_same(qq_fast(data), qq_plain(data))


@pytest.mark.parametrize("texts", ["repeated", "unique"])
def test_qq_benchmark_export_reads_as_the_plain_reader_reads_it(generated, texts):
    data = generated[f"qq-{texts}"]
    fast = qq_fast(data)
    assert len(fast) == MESSAGES
    assert_same(fast, qq_plain(data))


@pytest.mark.parametrize("codec", ["gb18030", "utf-16", "utf-16-le"])
def test_qq_other_encodings_read_as_the_plain_reader_reads_them(codec):
    data = QQ_SAMPLE.read_bytes().decode("utf-8-sig").encode(codec)
    assert_same(qq_fast(data), qq_plain(data))


QQ_PIECES = [
    "2024-09-02 9:00:05 王建国(10001001)",
    "2024-09-02 09:00:05 李(0012)",
    "2024-9-2 23:59:59 张三<zhang@example.com>",
    "2024-09-02 12:00:00 PM 【管理员】A(B)(0012)",
    "2024-09-02 9:00:05 PM  名字(1)",
    "2024-09-02 9:00:05 上午 名字(1)",
    "2024-09-02 9:00:05上午 名字(1)",
    "2024-09-02 9:60:05 分钟(1)",
    "2024-09-02 24:00:05 小时(1)",
    "2024-02-30 9:00:05 坏日期(1)",
    "２０２４-０９-０２ ９:００:０５ 全角(1)",
    "2024-09-02 9:00:05 无号",
    "2024-09-02  9:00:05 两个空格(1)",
    "2024-09-02 9:00:05 系统消息(10000)",
    "2024-09-02 9:00:05 (10001001)",
    "=" * 64,
    "消息对象:群",
    "消息对象:",
    "消息分组:我的QQ群",
    "消息记录（此消息记录为文本格式，不支持重新导入）",
    "[图片]",
    "[图片]对方已成功接收了你发送的离线文件",
    "赵四撤回了一条消息",
    "",
    "   ",
    "123 数字开头的正文",
    "\ufeff正文",
]
LINE_ENDS = st.sampled_from(["\r\n", "\n", "\r", "\u2028", "\x0b"])


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.tuples(st.one_of(st.sampled_from(QQ_PIECES), st.text(max_size=20)), LINE_ENDS), max_size=40),
    st.booleans(),
)
def test_qq_arbitrary_lines_read_as_the_plain_reader_reads_them(lines, final_end):
    text = "".join(line + end for line, end in lines)
    if not final_end and lines:
        text = text[: -len(lines[-1][1])]
    data = text.encode("utf-8", "surrogatepass")
    assert_same(qq_fast(data), qq_plain(data))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=1500))
def test_qq_arbitrary_bytes_read_as_the_plain_reader_reads_them(data):
    assert_same(qq_fast(data), qq_plain(data))


def test_qq_overlong_lines_and_chunk_edges_read_as_the_plain_reader_reads_them():
    header = "2024-09-02 9:00:05 王建国(10001001)\r\n"
    for body in ("啊" * (LINE_LIMIT - 1), "啊" * LINE_LIMIT, "啊" * (2 * LINE_LIMIT - 1), "x" * 70_000):
        data = (header + body + "\r\n短\r\n" + header + "尾").encode()
        assert_same(qq_fast(data), qq_plain(data))


# ---- MemoTrace CSV ------------------------------------------------------------------------------

HEADER_12 = (
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
)
HEADER_9 = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime"
HEADER_TALKER = HEADER_12 + ",StrTalker"
HEADER_CHINESE = "消息ID,类型,发送人,时间,内容,备注,昵称,更多信息"


def test_csv_sample_reads_as_the_plain_reader_reads_it():
    data = CSV_SAMPLE.read_bytes()
    assert_same(csv_fast(data), csv_plain(data))


@pytest.mark.parametrize("texts", ["repeated", "unique"])
def test_csv_benchmark_export_reads_as_the_plain_reader_reads_it(generated, texts):
    data = generated[f"csv-{texts}"]
    fast = csv_fast(data)
    assert len(fast) == MESSAGES
    assert_same(fast, csv_plain(data))


CSV_CELLS = [
    "1",
    "3",
    "10000",
    "49",
    "0",
    "57",
    "1725238805",
    "1725238805000",
    "2024-09-02 09:00:05",
    "",
    "x",
    "wxid_abc:\n你好",
    "wxid_abc",
    "张三",
    "34567890123@chatroom",
    '"带,逗号"',
    '"多\n行"',
    '"坏"引号',
    '"',
    "<msg><appmsg><title>标题</title><type>57</type></appmsg></msg>",
    '"张三" 撤回了一条消息',
    "文本",
    "引用消息",
    "撤回消息",
]


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([HEADER_12, HEADER_9, HEADER_TALKER, HEADER_CHINESE, '"Type",StrContent', "a,b"]),
    st.lists(
        st.tuples(
            st.lists(st.one_of(st.sampled_from(CSV_CELLS), st.text(max_size=6)), max_size=14),
            st.sampled_from(["\r\n", "\n", "\r", "\x0b"]),
        ),
        max_size=30,
    ),
)
def test_csv_arbitrary_rows_read_as_the_plain_reader_reads_them(header, rows):
    text = "\ufeff" + header + "\r\n" + "".join(",".join(cells) + end for cells, end in rows)
    data = text.encode("utf-8", "surrogatepass")
    assert_same(csv_fast(data), csv_plain(data))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=800))
def test_csv_arbitrary_bytes_read_as_the_plain_reader_reads_them(data):
    data = (HEADER_12 + "\r\n").encode() + data
    assert_same(csv_fast(data), csv_plain(data))


def test_csv_runaway_quotes_and_overlong_lines_read_as_the_plain_reader_reads_them():
    good = "".join(f"{i},7,1,0,0,{1725238805 + i},,第{i}条,,,张三,wxid_z\r\n" for i in range(1_500))
    for bad in (
        '9,7,1,0,0,1725238805,,"没有闭合\r\n',
        '9,7,1,0,0,1725238805,,"引号"后面,,,张三,wxid_z\r\n',
        "9,7,1,0,0,1725238805,," + "x" * LINE_LIMIT + ",,,张三,wxid_z\r\n",
        '9,7,1,0,0,1725238805,,"' + "y" * (LINE_LIMIT + 5) + "\r\n",
        "9,7,1,0,0,1725238805,," + "z" * 70_000 + ",,,张三,wxid_z\r\n",
    ):
        data = (HEADER_12 + "\r\n" + good + bad + good + bad).encode()
        assert_same(csv_fast(data), csv_plain(data))


# ---- the lines under both ----------------------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(
    st.lists(st.sampled_from(["a", "好", "\r", "\n", "\r\n", "\x0b", "\u2028"]), max_size=60).map("".join),
    st.integers(min_value=3, max_value=12),
    st.data(),
)
def test_line_batches_give_the_lines_bounded_lines_gives(text, limit, data):
    chunk = data.draw(st.integers(min_value=1, max_value=limit - 2))

    def wrapper() -> io.TextIOWrapper:
        return io.TextIOWrapper(io.BytesIO(text.encode()), encoding="utf-8", newline="")

    expected = list(bounded_lines(wrapper(), limit))
    got = [line for batch in line_batches(wrapper(), limit, keepends=True, chunk=chunk) for line in batch]
    assert got == expected
    bare = [line for batch in line_batches(wrapper(), limit, chunk=chunk) for line in batch]
    assert bare == [line if line is None else line.rstrip("\r\n") for line in expected]


# ---- the record itself -------------------------------------------------------------------------

RECORD = ChatRecord(
    platform="qq",
    sent_at=dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
    sender_name="王建国",
    text="收到",
    line=7,
    sender_id="10001001",
    group_name="计算机学院2024级辅导员工作群",
)


def test_a_record_stays_a_frozen_dataclass_with_its_fields_repr_equality_and_hash():
    assert [f.name for f in dataclasses.fields(ChatRecord)][:5] == [
        "platform",
        "sent_at",
        "sender_name",
        "text",
        "line",
    ]
    assert repr(RECORD).startswith("ChatRecord(platform='qq', sent_at=datetime.datetime(2024, 9, 2, 9, 0, 5")
    same = ChatRecord(
        "qq", RECORD.sent_at, "王建国", "收到", 7, "text", "10001001", None, None, RECORD.group_name
    )
    assert same == RECORD
    assert hash(same) == hash(RECORD)
    assert dataclasses.replace(RECORD, text="好") != RECORD
    assert pickle.loads(pickle.dumps(RECORD)) == RECORD  # noqa: S301 - our own bytes
    with pytest.raises(dataclasses.FrozenInstanceError):
        RECORD.text = "改"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ChatRecord("qq", RECORD.sent_at, "王建国")  # type: ignore[call-arg]


def test_a_record_made_the_readers_way_is_a_chat_record_like_any_other():
    made = make_record(
        "qq", RECORD.sent_at, "王建国", "收到", 7, sender_id="10001001", group_name=RECORD.group_name
    )
    assert type(made) is ChatRecord
    assert made == RECORD
    assert hash(made) == hash(RECORD)
    assert repr(made) == repr(RECORD)
    assert made.fingerprint() == RECORD.fingerprint()
    assert pickle.loads(pickle.dumps(made)) == RECORD  # noqa: S301 - our own bytes
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.text = "改"  # type: ignore[misc]


def test_fingerprints_of_the_samples_are_those_stored_before():
    qq = [item for item in qq_fast(QQ_SAMPLE.read_bytes()) if isinstance(item, ChatRecord)]
    wechat = [item for item in csv_fast(CSV_SAMPLE.read_bytes()) if isinstance(item, ChatRecord)]
    ends = (qq[0], qq[-1], wechat[0], wechat[-1])
    # Since ``chats.0010`` a fingerprint without a message id is the UTC second and the first 18
    # digits of what was stored before (the samples have no message ids).
    seconds = (utc_second(r.sent_at).replace("-", "").replace("T", "").replace(":", "") for r in ends)
    assert tuple(r.fingerprint() for r in ends) == tuple(
        second + before[:18] for second, before in zip(seconds, PINNED_FINGERPRINTS, strict=True)
    )


# As the readers before this change gave them (the first and last message of each sample).
PINNED_FINGERPRINTS = (
    "2a4c2d59480dfedf7dad1113b2937552",
    "7222304c8d6cda150f0b398ea514616d",
    "8a44e9f28e4ea8dcb5e7533f61dce1fa",
    "dd9f7302407cb4784b21fb3cf1a02675",
)


@pytest.mark.parametrize(
    "moment",
    [
        dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA),
        dt.datetime(2024, 9, 2, 7, 59, 59, 999_999, tzinfo=CHINA),
        dt.datetime(2024, 1, 1, 0, 0, 0, tzinfo=CHINA),
        dt.datetime(2024, 3, 1, 3, 30, 0, tzinfo=CHINA),
        dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=45))),
        dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=dt.UTC),
    ],
)
def test_the_utc_second_is_the_iso_form_of_the_utc_time(moment):
    assert utc_second(moment) == moment.astimezone(dt.UTC).isoformat()[:19]
    record = dataclasses.replace(RECORD, sent_at=moment)
    assert record.fingerprint() == record.fingerprint(moment.astimezone(dt.UTC).isoformat()[:19])


def test_the_utc_second_at_the_start_of_the_calendar_fails_as_before():
    moment = dt.datetime(1, 1, 1, 5, 0, 0, tzinfo=CHINA)
    with pytest.raises(OverflowError):
        moment.astimezone(dt.UTC)
    with pytest.raises(OverflowError):
        utc_second(moment)
