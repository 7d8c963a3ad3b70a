"""Link/ad detector: lures, contact ids, price pitches, blocklisted and official links."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qunguan.audit.detectors.base import Document
from qunguan.audit.detectors.links import (
    _CUES,
    LinkDetector,
    candidate_cues,
    host_of,
    is_official,
)


@pytest.fixture(scope="module")
def detector() -> LinkDetector:
    return LinkDetector()


def rules(detector: LinkDetector, text: str) -> set[str]:
    return {f.rule for f in detector.scan(Document(text)) if f.score >= 0.5}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("兼职日结，加我微信abc12345", {"ad.lure", "ad.contact_id", "ad.pitch"}),
        ("加V：wxid_9988aa，低价代购", {"ad.lure", "ad.contact_id", "ad.pitch"}),
        ("扫码进群领红包", {"ad.lure"}),
        ("原价199，特价仅需39元，包邮！", {"ad.pitch", "ad.price"}),
        ("点击 http://www.0000-qq.cn 领取福利", {"link.blocklisted"}),
        ("t.cn/A6xyz 点这里领奖", {"link.shortener"}),
        ("ｈｔｔｐ://ｗｗｗ.0000-qq.cn", {"link.blocklisted"}),  # full-width evasion
        ("在家躺赚，零成本无门槛", {"ad.pitch"}),
        ("私聊我有优惠券", {"ad.lure", "ad.pitch"}),
    ],
)
def test_ads_are_reported(detector: LinkDetector, text: str, expected: set[str]) -> None:
    assert rules(detector, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "请登录 https://jwc.xxx.edu.cn 查看期末考试安排",
        "腾讯会议：https://meeting.tencent.com/dm/abc123，会议号 123-456-789",
        "问卷链接：https://www.wjx.cn/vm/abc.aspx，请于周五前填写",
        "报名费50元，请交给班长",
        "有问题请联系王老师，QQ 12345678",
        "请扫码签到参加本次讲座",
        "教育部官网 www.moe.gov.cn 发布了新政策",
        "收到",
        "会议时间 14:30，地点主楼201",
    ],
)
def test_university_notices_are_not_ads(detector: LinkDetector, text: str) -> None:
    assert rules(detector, text) == set()


def test_unknown_link_alone_is_below_threshold(detector: LinkDetector) -> None:
    assert rules(detector, "参考资料 https://example.com/a.pdf") == set()


@pytest.mark.parametrize(
    ("url", "host", "official"),
    [
        ("https://JWC.scu.edu.cn/x", "jwc.scu.edu.cn", True),
        ("www.moe.gov.cn", "www.moe.gov.cn", True),
        ("https://meeting.tencent.com/dm/1", "meeting.tencent.com", True),
        ("http://edu.cn.evil.com", "edu.cn.evil.com", False),
    ],
)
def test_host_and_official(url: str, host: str, official: bool) -> None:
    assert host_of(url) == host
    assert is_official(host) is official


def test_span_and_evidence(detector: LinkDetector) -> None:
    text = "福利 http://www.0000-qq.cn 快来"
    (f,) = [f for f in detector.scan(Document(text)) if f.rule == "link.blocklisted"]
    assert text[f.start : f.end] == "http://www.0000-qq.cn"
    assert f.category == "ad"


PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("index", range(len(_CUES)))
@PROPERTY
@given(data=st.data())
def test_every_match_of_a_cue_makes_it_a_candidate(index: int, data: st.DataObject) -> None:
    # The scan runs only the cues candidate_cues names: a cue it missed would be a lost finding.
    cue = _CUES[index]
    text = (
        data.draw(st.text(max_size=6))
        + data.draw(st.from_regex(cue.pattern))
        + data.draw(st.text(max_size=6))
    )
    if cue.pattern.search(text):
        assert candidate_cues(text) >> index & 1, text
