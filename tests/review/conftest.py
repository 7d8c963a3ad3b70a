"""The review queue's fixtures: the cast plus a reviewer, and findings made by a real import.

``review`` imports one small export through ``do_import_chat_file`` (as production does):

- 作曲系教职工群 (group_a): twelve ordinary messages around two that leak personal data —
  赵四 posts an ID number at 09:10, 钱五 a mobile number at 09:11;
- 声乐系工作群 (group_b, WeChat): 孙六 posts a phone number;
- an unregistered QQ group 999999999: an insult.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from qunguan.accounts.actions import do_grant_role
from qunguan.accounts.models import Role, User
from qunguan.chats.actions import do_import_chat_file
from qunguan.chats.models import Finding
from tests.chatfixtures import PipeFormat, chat_data_dir, chat_file, fresh_auditor, pipe_format
from tests.conftest import Cast, make_user

__all__ = ["PipeFormat", "chat_data_dir", "chat_file", "fresh_auditor", "pipe_format"]

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
GROUP_A = "600100200"
GROUP_B = "wechat:wx-shengyue-001"
UNREGISTERED = "999999999"
ID_NUMBER = "11010519491231002X"
PHONE = "13812345678"
PHONE_B = "139 0013 9000"

BEFORE = ["请各位老师周五前提交材料。", "收到", "好的", "明白", "会议改到下午三点", "材料已提交"]
AFTER = ["谢谢", "请查收附件", "好的，马上处理", "周三例会照常", "已通知学生", "收到"]


def conversation_lines() -> list[str]:
    """The export: group_a's conversation, then group_b's and the unregistered group's messages."""
    lines = [
        f"2024-09-02T09:0{i}:00|{GROUP_A}|1000100{i}|老师{i}|{text}|a-before-{i}"
        for i, text in enumerate(BEFORE)
    ]
    lines.append(f"2024-09-02T09:10:00|{GROUP_A}|10001010|赵四|我的身份证号是{ID_NUMBER}|a-id")
    lines.append(f"2024-09-02T09:11:00|{GROUP_A}|10001011|钱五|有事打我电话{PHONE}|a-phone")
    lines += [
        f"2024-09-02T09:2{i}:00|{GROUP_A}|1000102{i}|同事{i}|{text}|a-after-{i}"
        for i, text in enumerate(AFTER)
    ]
    lines.append(f"2024-09-03T10:00:00|{GROUP_B}|20002001|孙六|联系电话 {PHONE_B} 王老师|b-phone")
    lines.append(f"2024-09-04T11:00:00|{UNREGISTERED}|30003001|路人|你这个傻逼|u-abuse")
    return lines


@dataclass
class Review:
    cast: Cast
    reviewer: User
    id_card: Finding  # group_a, critical, 赵四
    phone: Finding  # group_a, high, 钱五
    phone_b: Finding  # group_b (声乐系)
    abuse_unregistered: Finding  # an unregistered group

    def reload(self, finding: Finding) -> Finding:
        return Finding.objects.get(pk=finding.pk)


@pytest.fixture
def review(cast: Cast, chat_file: Callable[..., Path], chat_data_dir: Path, fresh_auditor: None) -> Review:
    do_import_chat_file(None, chat_file(*conversation_lines()))
    reviewer = make_user("shenhe", "作曲系 审核员")
    do_grant_role(None, reviewer, Role.REVIEWER, unit=cast.composition)
    # The message's abuse finding the queue lists (its row stands for the others of the message).
    abuse = Finding.objects.filter(category="abuse", group__isnull=True).order_by("-severity", "-pk").first()
    assert abuse is not None
    return Review(
        cast=cast,
        reviewer=reviewer,
        id_card=Finding.objects.get(category="privacy.id_card"),
        phone=Finding.objects.get(category="privacy.phone", group=cast.group_a),
        phone_b=Finding.objects.get(category="privacy.phone", group=cast.group_b),
        abuse_unregistered=abuse,
    )


@pytest.fixture
def client_for(cast: Any) -> Callable[[Any], Client]:
    """``client_for(user)`` -> a test client logged in as that user."""

    def make(user: Any) -> Client:
        client = Client()
        client.force_login(user, backend=MODEL_BACKEND)
        return client

    return make
