"""Abuse and off-topic models, rumor/incitement/venting cues; models load offline; training runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qunguan.audit.detectors.base import Document
from qunguan.audit.detectors.classifier import AbuseModelDetector, CueDetector, OfftopicModelDetector
from qunguan.audit.models.ngram import NgramModel

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def abuse() -> AbuseModelDetector:
    return AbuseModelDetector()


@pytest.fixture(scope="module")
def offtopic() -> OfftopicModelDetector:
    return OfftopicModelDetector()


@pytest.fixture(scope="module")
def cues() -> CueDetector:
    return CueDetector()


def test_models_load_from_the_package() -> None:
    for name in ("abuse", "offtopic"):
        model = NgramModel.load(name)
        assert len(model.weights) > 1000
        assert "trained_on" in model.meta
    assert (ROOT / "qunguan" / "audit" / "models" / "LICENSE.cold").exists()


@pytest.mark.parametrize("text", ["你就是个傻逼，滚出去", "河南人都是骗子", "黑鬼滚出中国", "一群蠢猪"])
def test_abuse_model_flags_insults(abuse: AbuseModelDetector, text: str) -> None:
    (f,) = abuse.scan(Document(text))
    assert (f.category, f.rule) == ("abuse", "abuse.model")
    assert f.score >= 0.5
    assert (f.start, f.end) == (0, len(text))


@pytest.mark.parametrize(
    "text",
    ["收到，谢谢王老师", "明天下午三点开党委会", "请各位老师周五前提交课程大纲", "好的老师", "辛苦大家了"],
)
def test_abuse_model_leaves_work_messages(abuse: AbuseModelDetector, text: str) -> None:
    assert list(abuse.scan(Document(text))) == []


@pytest.mark.parametrize(
    "text", ["哈哈哈今天天气真好我们去吃火锅吧", "周末有人一起去看电影吗", "我家猫今天又拆家了"]
)
def test_offtopic_flags_chitchat(offtopic: OfftopicModelDetector, text: str) -> None:
    (f,) = offtopic.scan(Document(text))
    assert (f.category, f.rule) == ("offtopic", "offtopic.message")
    assert f.score >= 0.5


@pytest.mark.parametrize(
    "text", ["收到", "好的老师", "已完成", "1", "请问材料交纸质版还是电子版？", "收到，已转发给学生"]
)
def test_offtopic_leaves_work_replies(offtopic: OfftopicModelDetector, text: str) -> None:
    assert [f for f in offtopic.scan(Document(text)) if f.score >= 0.5] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("听说学校要合并了，内部消息，赶紧转发扩散", {"rumor"}),
        ("不转不是中国人！", {"rumor"}),
        ("明天大家一起去行政楼讨说法", {"incitement"}),
        ("全体罢课，抗议学校乱收费", {"incitement"}),
        ("受够了，凭什么我们天天加班", {"venting"}),
        ("这破学校真是垃圾学校", {"venting"}),
        ("网传学校要合并系谣言，请勿转发", set()),
        ("听说明天下雨，大家记得带伞", set()),
        ("严禁组织或参与非法集会，有诉求请通过正常渠道反映", set()),
        ("明天去博物馆参观，8点校门口集合", set()),
        ("请转发给本班同学：明天上午9点开会", set()),
        ("收到", set()),
    ],
)
def test_cues(cues: CueDetector, text: str, expected: set[str]) -> None:
    assert {f.category for f in cues.scan(Document(text)) if f.score >= 0.5} == expected


@pytest.mark.skipif(not (DATA / "cold" / "train.csv").exists(), reason="shared data not present")
@pytest.mark.parametrize("script", ["train_abuse.py", "train_offtopic.py"])
def test_training_script_runs_on_a_tiny_sample(tmp_path: Path, script: str) -> None:
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / script),
            "--data",
            str(DATA),
            "--out",
            str(tmp_path),
            "--limit",
            "400",
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    name = script.removeprefix("train_").removesuffix(".py")
    model = NgramModel.load(name, tmp_path)
    assert model.weights
    assert 0.0 <= model.score("收到") <= 1.0
