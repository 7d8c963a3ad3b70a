"""Recognising QQ PC 消息管理器 .txt and 留痕 MemoTrace .txt exports, and telling them apart.

Both write ``DATE TIME SENDER`` headers with the body below, so each variant a user brings (no
BOM, GB18030, CRLF or LF, a conversation cut out of the middle of an export, a first message that
is long or a system line, a file whose first lines decide nothing) is built here from the shared
samples and must be read by the right reader; a plain text file by neither; and a file that could
be either is refused with an error naming both and the ``--format`` that forces each.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from qunguan.ingest.formats import FORMATS, FormatError, detect, get
from qunguan.ingest.records import ChatRecord
from qunguan.ingest.text import SNIFF_BYTES

SAMPLES = Path(__file__).parent / "samples"
# Both samples as text with LF line ends and no BOM; each test chooses its own bytes.
QQ = (SAMPLES / "qq_pc_txt" / "qq_group_export.txt").read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
MEMOTRACE = (SAMPLES / "memotrace_txt" / "memotrace_group.txt").read_text("utf-8")

NOTICE = (
    "【通知】关于做好2024级新生入学教育工作的说明\n"
    "一、时间安排：9月2日至9月6日，每天上午8:30集合。\n"
    "二、地点：学术报告厅。\n"
    "三、要求：各班班长提前清点人数，2024-09-06 17:00 前上报。\n"
)


def starting_at(text: str, line: str) -> str:
    """Return ``text`` from the line that starts with ``line``: a conversation cut out of an export."""
    return text[text.index(f"\n{line}") + 1 :]


def long_notice(lines: int) -> str:
    """Return a notice body of ``lines`` lines with no time line in it (a long pasted document)."""
    return "".join(
        f"第{n}条：请各单位按照学校统一部署，认真落实群组规范管理的各项要求。\n" for n in range(lines)
    )


def write(tmp_path: Path, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / "聊天记录.txt"
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


def claimed_by(path: Path) -> list[str]:
    """Return the names of every format whose sniffer claims the file (detect takes the first)."""
    head = path.read_bytes()[:SNIFF_BYTES]
    return [cls.name for cls in FORMATS.values() if cls.sniff(head, path.name)]


# ---- QQ PC 消息管理器 .txt ---------------------------------------------------------------------

QQ_PC_TXT_VARIANTS: dict[str, tuple[Callable[[], str], str, str]] = {
    "as exported: UTF-8 with BOM, CRLF": (lambda: QQ, "utf-8-sig", "\r\n"),
    "re-saved without BOM": (lambda: QQ, "utf-8", "\r\n"),
    "re-saved as GB18030": (lambda: QQ, "gb18030", "\r\n"),
    "UTF-16 with BOM, as older clients write": (lambda: QQ, "utf-16", "\r\n"),
    "LF line ends": (lambda: QQ, "utf-8", "\n"),
    "title and banner cut off": (lambda: starting_at(QQ, "2024-09-02 9:01:40"), "utf-8", "\r\n"),
    "cut in the middle of a body": (lambda: starting_at(QQ, "收到，王老师"), "gb18030", "\r\n"),
    "first message is a system line": (
        lambda: starting_at(QQ, "2024-09-02 9:10:40 系统消息"),
        "utf-8",
        "\r\n",
    ),
    "first message is an afternoon system line": (
        lambda: starting_at(QQ, "2024-09-02 14:30:00 系统消息"),
        "utf-8",
        "\n",
    ),
    "first message has a multi-line body quoting a padded time": (
        lambda: (
            "2024-09-02 8:00:00 王建国-辅导员(10001001)\n"
            + NOTICE
            + "\n2024-09-03 09:00:00 开会\n请准时参加。\n\n"
            + starting_at(QQ, "2024-09-02 9:01:12")
        ),
        "utf-8",
        "\r\n",
    ),
    "80 lines of a notice before the first header": (
        lambda: long_notice(80) + "\n" + starting_at(QQ, "2024-09-02 12:01:33"),
        "utf-8",
        "\r\n",
    ),
    "TIM's 上午/下午 clock without title": (
        lambda: re.sub(
            r"^(\d{4}-\d{2}-\d{2}) (\d):", r"\1 上午 0\2:", starting_at(QQ, "2024-09-02 9:00:05"), flags=re.M
        ),
        "utf-8",
        "\r\n",
    ),
    "English 12-hour clock without title": (
        lambda: re.sub(
            r"^(\d{4}-\d{2}-\d{2}) (\d:\d{2}:\d{2}) ",
            r"\1 \2 AM ",
            starting_at(QQ, "2024-09-02 9:00:05"),
            flags=re.M,
        ),
        "utf-8",
        "\r\n",
    ),
    "only afternoon headers, each with a QQ number": (
        lambda: "".join(
            f"2024-09-02 {hour}:05:00 王建国-辅导员(10001001)\n第{hour}点的提醒\n\n" for hour in range(10, 18)
        ),
        "utf-8",
        "\r\n",
    ),
}


@pytest.mark.parametrize("variant", QQ_PC_TXT_VARIANTS)
def test_detect_picks_qq_pc_txt_for_every_variant_of_a_qq_export(tmp_path, variant):
    build, encoding, newline = QQ_PC_TXT_VARIANTS[variant]
    path = write(tmp_path, build(), encoding, newline)
    assert detect(path).name == "qq_pc_txt"
    assert claimed_by(path) == ["qq_pc_txt"]


def test_a_qq_cut_whose_first_64_kib_is_one_long_body_is_read_on_until_a_header_decides(tmp_path):
    notice = long_notice(1500)
    assert len(notice.encode()) > SNIFF_BYTES
    path = write(tmp_path, notice + "\n" + starting_at(QQ, "2024-09-02 9:01:12"), "utf-8", "\r\n")
    assert claimed_by(path) == []
    assert detect(path).name == "qq_pc_txt"


def test_the_detected_reader_reads_a_cut_out_qq_conversation(tmp_path):
    path = write(tmp_path, starting_at(QQ, "2024-09-02 9:10:40 系统消息"), "gb18030", "\r\n")
    with path.open("rb") as stream:
        items = list(detect(path)().read(stream))
    assert [(r.sender_name, r.kind) for r in items if isinstance(r, ChatRecord)][:2] == [
        ("系统消息", "recall"),
        ("王建国-辅导员", "text"),
    ]


# ---- 留痕 MemoTrace .txt -------------------------------------------------------------------------

MEMOTRACE_TXT_VARIANTS: dict[str, tuple[Callable[[], str], str, str]] = {
    "as exported: UTF-8 without BOM, LF": (lambda: MEMOTRACE, "utf-8", "\n"),
    "with a BOM": (lambda: MEMOTRACE, "utf-8-sig", "\n"),
    "re-saved as GB18030": (lambda: MEMOTRACE, "gb18030", "\r\n"),
    "written on Windows: CRLF": (lambda: MEMOTRACE, "utf-8", "\r\n"),
    "cut from the middle at a header": (lambda: starting_at(MEMOTRACE, "2024-09-02 09:01:40"), "utf-8", "\n"),
    "cut in the middle of a body": (lambda: starting_at(MEMOTRACE, "收到，王老师"), "utf-8", "\n"),
    "first message is a system line": (
        lambda: starting_at(MEMOTRACE, '2024-09-02 09:10:40 "赵四-2班"'),
        "utf-8",
        "\n",
    ),
    "first message is an afternoon system line": (
        lambda: starting_at(MEMOTRACE, '2024-09-02 14:30:00 "王建国-辅导员"'),
        "utf-8",
        "\r\n",
    ),
    "first message has a multi-line body": (
        lambda: "2024-09-02 08:30:00 王建国-辅导员\n" + NOTICE + "\n" + MEMOTRACE,
        "utf-8",
        "\n",
    ),
    "first 90 lines are afternoon messages from names ending in a number": (
        lambda: (
            "".join(
                f"2024-09-01 {14 + n % 3}:{n:02d}:00 陈老师({2019 + n % 2})\n请查收第{n}份材料\n\n"
                for n in range(30)
            )
            + MEMOTRACE
        ),
        "utf-8",
        "\n",
    ),
    "only afternoon messages": (lambda: starting_at(MEMOTRACE, "2024-09-02 12:01:33"), "utf-8", "\n"),
}


@pytest.mark.parametrize("variant", MEMOTRACE_TXT_VARIANTS)
def test_detect_picks_memotrace_txt_for_every_variant_of_a_memotrace_export(tmp_path, variant):
    build, encoding, newline = MEMOTRACE_TXT_VARIANTS[variant]
    path = write(tmp_path, build(), encoding, newline)
    assert detect(path).name == "memotrace_txt"
    assert claimed_by(path) == ["memotrace_txt"]


def test_the_detected_reader_reads_a_memotrace_file_that_opens_with_a_system_line(tmp_path):
    path = write(tmp_path, starting_at(MEMOTRACE, '2024-09-02 14:30:00 "王建国-辅导员"'), "gb18030", "\r\n")
    with path.open("rb") as stream:
        items = list(detect(path)().read(stream))
    assert [(r.sender_name, r.kind) for r in items if isinstance(r, ChatRecord)] == [
        ("系统消息", "system"),
        ("陈小明", "text"),
    ]


# ---- neither ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        NOTICE,
        long_notice(200),
        # A log: time lines one after another, never a body below a header.
        "".join(f"2024-09-02 09:00:{s:02d} INFO 服务已启动 worker-{s}\n" for s in range(20)),
    ],
    ids=["a notice", "a long document", "a server log"],
)
def test_a_plain_text_file_is_neither_export(tmp_path, text):
    path = write(tmp_path, text)
    with pytest.raises(FormatError) as raised:
        detect(path)
    labels = "、".join(cls.label for cls in FORMATS.values())
    assert str(raised.value) == f"无法识别“聊天记录.txt”的格式（支持：{labels}），可用 --format 指定"


# ---- could be either ------------------------------------------------------------------------------

AMBIGUOUS = (
    "无法确定“聊天记录.txt”的格式：它可能是QQ 电脑版消息管理器导出（.txt），也可能是留痕 MemoTrace 导出（.txt）"
    "（消息头的时间和发送者两种写法都有）。请用 --format qq_pc_txt 或 --format memotrace_txt 指定"
)


@pytest.mark.parametrize(
    "text",
    [
        # Unpadded QQ hours and padded MemoTrace hours in equal measure.
        starting_at(QQ, "2024-09-02 9:00:05") + "\n" + MEMOTRACE,
        # Only afternoon hours, which both write alike: half the senders with a QQ number, half without.
        "".join(
            f"2024-09-02 {hour}:05:00 {'王建国(10001001)' if hour % 2 else '王建国'}\n提醒\n\n"
            for hour in range(10, 18)
        ),
    ],
    ids=["mixed clocks", "mixed senders"],
)
def test_a_file_that_could_be_either_export_names_both_and_how_to_force_one(tmp_path, text):
    path = write(tmp_path, text)
    assert claimed_by(path) == []
    with pytest.raises(FormatError) as raised:
        detect(path)
    assert str(raised.value) == AMBIGUOUS


def test_the_format_the_error_names_reads_the_ambiguous_file(tmp_path):
    path = write(tmp_path, starting_at(QQ, "2024-09-02 9:00:05") + "\n" + MEMOTRACE)
    with path.open("rb") as stream:
        items = list(get("memotrace_txt")().read(stream))
    assert any(isinstance(item, ChatRecord) and item.sender_name == "陈小明" for item in items)
