"""Member-list fixtures: the shared samples (copies under tests/ingest/samples) and small CSV lists."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "ingest" / "samples"
ONEBOT_SAMPLE = SAMPLES / "onebot_v11" / "get_group_member_list.response.json"
WECOM_SAMPLE = SAMPLES / "wecom_groupchat" / "groupchat_get.response.json"
HEADER = ["群名片", "昵称", "QQ号或微信号", "角色", "入群时间"]


def write_members(path: Path, rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> Path:
    """Write a member list CSV (header first) and return its path."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# The 作曲系 group of the cast: its teacher, its student, a 声乐系 teacher and a stranger.
COMPOSITION_MEMBERS = [
    ["王建国", "王老师", "10001001", "群主", "2022-09-01 08:00"],
    ["张小明", "小明", "10001002", "", "2023-09-01"],
    ["李秀兰", "李老师", "10001003", "成员", ""],
    ["路人甲", "甲", "10001004", "成员", ""],
]
