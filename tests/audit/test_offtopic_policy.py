"""Off-topic chatter (2(7) 不扎堆闲聊) under the shipped policy: a run is one finding, a line is none.

A deployment that wants every chatty line reported switches the single-message detector on in
its policy file, for every group or for one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qunguan.audit import Auditor, MessageContext, load_policy

CHATTER = [
    "哈哈哈笑死我了",
    "今晚吃什么好呢",
    "周末去看电影吗",
    "我也想去玩",
    "这个视频太搞笑了",
    "你们看球赛了吗",
    "好想放假啊",
    "奶茶店新品好喝吗",
    "晚上一起打游戏吗",
    "我家猫今天又拆家了",
]


def offtopic_rules(auditor: Auditor, group: str = "10001", start: float = 1000.0) -> list[str]:
    """Feed CHATTER to ``group`` (three members, half a minute apart); return the off-topic rules."""
    rules = []
    for i, text in enumerate(CHATTER):
        ctx = MessageContext(group=group, sender=f"u{i % 3}", timestamp=start + i * 30)
        rules += [f.rule for f in auditor.scan(text, ctx) if f.category == "offtopic"]
    return rules


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_policy_reports_no_single_chatty_message() -> None:
    auditor = Auditor()
    assert "offtopic_model" not in auditor.detector_names
    assert "offtopic_burst" in auditor.detector_names
    for text in CHATTER:
        assert [f for f in auditor.scan(text) if f.category == "offtopic"] == []


def test_shipped_policy_reports_a_run_of_chatter_once() -> None:
    assert offtopic_rules(Auditor()) == ["offtopic.burst"]


def test_shipped_policy_keeps_other_findings_of_a_chatty_message() -> None:
    found = Auditor().scan("周末一起去唱K吧，哈哈哈太开心了，我的电话13812345678")
    assert [f.category for f in found] == ["privacy.phone"]


def test_a_deployment_can_switch_single_messages_on(tmp_path: Path) -> None:
    auditor = Auditor(load_policy(write(tmp_path, "[detectors]\ndisabled = []\n")))
    assert [f.rule for f in auditor.scan("周末有人一起去爬山吗，天气超好")] == ["offtopic.message"]
    rules = offtopic_rules(auditor)
    assert rules.count("offtopic.burst") == 1
    assert rules.count("offtopic.message") >= 5


def test_single_messages_can_be_switched_on_for_one_group(tmp_path: Path) -> None:
    path = write(tmp_path, '[groups."20002".detectors]\ndisabled = []\n')
    auditor = Auditor(load_policy(path))
    assert "offtopic.message" in offtopic_rules(auditor, group="20002")
    assert offtopic_rules(auditor, group="10001") == ["offtopic.burst"]


def test_a_deployment_can_switch_chatter_off_entirely(tmp_path: Path) -> None:
    path = write(tmp_path, "[categories.offtopic]\nenabled = false\n")
    assert offtopic_rules(Auditor(load_policy(path))) == []


DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.mark.skipif(not (DATA / "chitchat_lccc_toy").exists(), reason="shared data not present")
def test_the_measured_working_day_gets_one_finding_per_run_and_none_elsewhere() -> None:
    # The ``workday`` set of ``make eval`` (scripts/eval_offtopic.py): real LCCC chatter in runs,
    # asides and lone lines among work traffic.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
    from eval_offtopic import gold_runs, scan, workday_conversations

    messages = workday_conversations(DATA)
    runs = gold_runs(messages)
    found = list(scan(messages, Auditor()))
    assert len(runs) == 8
    run_of = {i: r for r, run in enumerate(runs) for i in run}
    assert sorted(run_of.get(i, -1) for i, _ in found) == list(range(8))  # -1: outside every run
    assert {rule for _, rule in found} == {"offtopic.burst"}


def test_a_deployment_disabled_list_replaces_the_shipped_one(tmp_path: Path) -> None:
    # Not merged: a deployment that switches the link detector off and names nothing else
    # gets the single-message chatter rule back, as docs/operators-guide.md warns.
    policy = load_policy(write(tmp_path, '[detectors]\ndisabled = ["links"]\n'))
    assert policy.disabled_detectors == ("links",)
    names = Auditor(policy).detector_names
    assert "links" not in names
    assert "offtopic_model" in names


def test_a_deployment_keeps_single_messages_off_by_naming_the_model_again(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, '[detectors]\ndisabled = ["links", "offtopic_model"]\n'))
    names = Auditor(policy).detector_names
    assert "links" not in names
    assert "offtopic_model" not in names
    assert offtopic_rules(Auditor(policy)) == ["offtopic.burst"]


def test_a_group_disabled_list_replaces_the_deployment_one_for_that_group_only(tmp_path: Path) -> None:
    path = write(tmp_path, '[groups."20002".detectors]\ndisabled = ["links"]\n')
    auditor = Auditor(load_policy(path))
    lure = "加我微信领取优惠券，私聊我"
    assert {f.category for f in auditor.scan(lure, MessageContext(group="10001"))} == {"ad"}
    # …and there the chatter model, no longer disabled, judges the lure chatty instead.
    assert [f.rule for f in auditor.scan(lure, MessageContext(group="20002"))] == ["offtopic.message"]
    assert "offtopic.message" in offtopic_rules(auditor, group="20002")
    assert "offtopic.message" not in offtopic_rules(auditor, group="10001")


def test_the_shipped_policy_names_the_single_message_model_in_its_disabled_list() -> None:
    assert load_policy().disabled_detectors == ("offtopic_model",)
