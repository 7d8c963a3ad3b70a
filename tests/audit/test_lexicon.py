"""Lexicon detector: categorised words, evasions, allow-list, official language never political."""

from __future__ import annotations

from pathlib import Path

import pytest

from qunguan.audit.detectors.base import Document
from qunguan.audit.detectors.lexicon import Lexicon, LexiconDetector, LexiconError, parse_lexicon


@pytest.fixture(scope="module")
def detector() -> LexiconDetector:
    return LexiconDetector()


def categories(detector: LexiconDetector, text: str) -> set[str]:
    return {f.category for f in detector.scan(Document(text)) if f.score >= 0.5}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你这个傻逼", {"abuse"}),
        ("你这个傻 逼", {"abuse"}),  # separator evasion
        ("你是sb吧", {"abuse"}),
        ("nmsl", {"abuse"}),
        ("他妈的又要开会", {"vulgar"}),
        ("操你妈", {"vulgar"}),
        ("約炮加我", {"porn"}),  # traditional characters
        ("裸聊视频", {"porn"}),
        ("我要炸学校", {"violence"}),
        ("代开发票，各种票据", {"illegal", "ad"}),
        ("四六级答案考前发", {"illegal"}),
        ("打倒共产党", {"political"}),
        ("刷单返利，一单一结", {"ad"}),
    ],
)
def test_lexicon_reports_each_category(detector: LexiconDetector, text: str, expected: set[str]) -> None:
    assert categories(detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "学习贯彻习近平新时代中国特色社会主义思想主题教育动员会",
        "请各支部书记按时参加党委理论学习中心组学习会",
        "习近平总书记重要讲话精神学习心得请于周五前提交",
        "党委宣传部关于加强社交群组规范管理的通知",
        "反腐败斗争形势依然严峻复杂",
        "请学习《中国共产党章程》",
        "组织观看天安门广场升旗仪式直播",
        "禁毒宣传月活动安排",
        "防范邪教宣传进校园",
        "保卫处组织反恐演练",
        "财务处：报销发票需在本月提交",
        "我的usb坏了",  # "sb" inside an ASCII word
        "《秘密》这首歌下周合唱排练",
        "收到",
        "",
    ],
)
def test_official_language_and_near_misses_are_clean(detector: LexiconDetector, text: str) -> None:
    assert categories(detector, text) == set()


def test_spans_point_into_original_text(detector: LexiconDetector) -> None:
    text = "好的，你这个傻 逼！"
    (finding,) = detector.scan(Document(text))
    assert text[finding.start : finding.end] == "傻 逼"
    assert finding.evidence == "傻**"
    assert finding.rule == "lexicon.abuse"


def test_weak_word_alone_stays_below_threshold(detector: LexiconDetector) -> None:
    assert categories(detector, "这次演出太牛逼了") == set()


def test_deployment_extra_lexicon_and_allow_list(tmp_path: Path) -> None:
    extra = tmp_path / "extra.txt"
    extra.write_text("# 本校补充\n黑 幕\tpolitical\t0.8\n", encoding="utf-8")
    allow = tmp_path / "allow.txt"
    allow.write_text("揭开黑幕\n", encoding="utf-8")
    det = LexiconDetector(Lexicon.load(extra=[extra], allow=[allow]))
    assert categories(det, "学校黑幕") == {"political"}
    assert categories(det, "揭开黑幕的纪录片") == set()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("词\tnope\t0.5", "unknown category"),
        ("词\tporn\tabc", "is not a number"),
        ("词\tporn\t1.5", "outside 0..1"),
        ("词 porn 0.5", "expected term<TAB>category<TAB>weight"),
    ],
)
def test_malformed_lexicon_line_names_file_and_line(line: str, message: str) -> None:
    with pytest.raises(LexiconError, match=rf"words\.txt:2: .*{message}"):
        list(parse_lexicon(["# header", line], "words.txt"))


def test_trigger_chars_cover_every_term(detector: LexiconDetector) -> None:
    anchors = set(detector.trigger_chars)
    assert anchors
    assert len(anchors) < 2000
