"""Demo conversations: a month of generated chat in some demo groups, imported like a real export.

The messages come from the benchmark corpus generator (notices, replies, chit-chat and a few
percent of personal data, 文号, ads and insults, all synthetic); senders are members of the
group's unit from the demo roster. They are written as a generic-format JSONL file and go through
``do_import_chat_file``, so the demo's findings are made exactly as a liaison's import makes them.

Chit-chat is scattered over the month, a few lines a day, as in a real work group; one evening
in a few groups it turns into a run of chatter (扎堆闲聊, 2(7)), which the shipped policy reports
once per run.

One more export comes from a QQ group that is not in the registry (a class group a student set
up on their own), so the demo shows the unregistered-group breach of 1(1).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path

from qunguan.audit.corpus import generate
from qunguan.chats.actions import ImportSummary, do_import_chat_file
from qunguan.registry.models import Group, Person
from qunguan.registry.models import Platform as GroupPlatform

SEED = 20240902
MESSAGES_PER_GROUP = 120
DAYS = 30
# A higher share of problem messages than real chat, so that the review queue has work to show.
SENSITIVE_SHARE = 0.08
# An evening's run of chatter among three members, in every RUN_EVERY-th demo group.
CHATTER_RUN = (
    "晚上有人去吃火锅吗",
    "去哪家吃",
    "学校后门新开的那家，评价挺好",
    "我去我去！",
    "几点啊，我七点才下课",
    "那就七点半后门见",
    "要不要叫上小王",
    "他今天出差了哈哈哈",
    "那我们四个人够了",
    "记得带伞，晚上要下雨",
)
RUN_EVERY = 3


def chat_groups(groups: Iterable[Group], limit: int = 8) -> list[Group]:
    """Return the demo groups that get conversations: active QQ and WeChat groups, by name."""
    live = [
        g
        for g in groups
        if g.status != "dissolved" and g.platform in (GroupPlatform.QQ, GroupPlatform.WECHAT)
    ]
    return sorted(live, key=lambda g: g.name)[:limit]


def _sender_id(group: Group, person: Person) -> str:
    # QQ numbers are digits; WeChat ids look like wxid_…; both derived from the roster number so
    # that the same person has the same id in every demo group.
    digits = "".join(ch for ch in person.number if ch.isdigit())
    return (
        f"3{int(digits or 0) % 10**9:09d}"
        if group.platform == GroupPlatform.QQ
        else f"wxid_{person.number.lower()}"
    )


def write_conversation(
    group: Group, members: list[Person], path: Path, today: dt.date, seed: int, chatter_run: bool = False
) -> None:
    """Write ``MESSAGES_PER_GROUP`` messages of ``group`` over the last ``DAYS`` days to ``path``.

    With ``chatter_run``, ``CHATTER_RUN`` follows too: three members, one evening, a minute or
    so between lines.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    start = dt.datetime.combine(today - dt.timedelta(days=DAYS), dt.time(0, 0))
    texts = list(generate(MESSAGES_PER_GROUP, seed=seed, sensitive_share=SENSITIVE_SHARE))
    # Work chat happens between 7:00 and 23:00.
    minutes = sorted(rng.randrange(DAYS) * 1440 + rng.randrange(7 * 60, 23 * 60) for _ in texts)
    lines = [
        (start + dt.timedelta(minutes=minute, seconds=rng.randrange(60)), rng.choice(members), text)
        for minute, text in zip(minutes, texts, strict=True)
    ]
    if chatter_run:
        run_rng = random.Random(seed + 1)  # noqa: S311 - reproducible demo data, not security
        talkers = run_rng.sample(members, k=min(3, len(members)))
        when = start + dt.timedelta(days=run_rng.randrange(1, DAYS), hours=20)
        for i, text in enumerate(CHATTER_RUN):
            when += dt.timedelta(seconds=run_rng.randrange(40, 110))
            lines.append((when, talkers[i % len(talkers)], text))
        lines.sort(key=lambda line: line[0])
    with path.open("w", encoding="utf-8") as fh:
        for n, (when, person, text) in enumerate(lines):
            row = {
                "time": when.strftime("%Y-%m-%d %H:%M:%S"),
                "group": group.account,
                "sender_id": _sender_id(group, person),
                "sender_name": person.name,
                "text": text,
                "message_id": f"demo-{group.pk}-{n}",
                "platform": group.platform,
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def import_demo_chats(groups: Iterable[Group], today: dt.date) -> list[ImportSummary]:
    """Generate and import the demo conversations; return one summary per group."""
    summaries = []
    with tempfile.TemporaryDirectory(prefix="qunguan-demo-") as tmp:
        for i, group in enumerate(chat_groups(groups)):
            members = list(Person.objects.filter(unit__path__startswith=group.unit.path)[:40])
            if not members:
                continue
            path = Path(tmp) / f"{group.account}.jsonl"
            write_conversation(group, members, path, today, SEED + group.pk, chatter_run=i % RUN_EVERY == 0)
            summaries.append(do_import_chat_file(None, path, format_name="generic"))
        path = Path(tmp) / f"{UNREGISTERED_ACCOUNT}.jsonl"
        if _write_unregistered(path, today):
            summaries.append(do_import_chat_file(None, path, format_name="generic"))
    return summaries


UNREGISTERED_ACCOUNT = "786543210"
UNREGISTERED_LINES = ["大家好，这是咱们班的小群", "收到", "明天几点集合？", "八点半，琴房门口", "好的"]


def _write_unregistered(path: Path, today: dt.date) -> bool:
    """Write a short conversation of a QQ group the registry lacks; False when there are no students."""
    students = list(Person.objects.filter(kind="student").order_by("number")[:3])
    if not students:
        return False
    start = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(19, 0))
    with path.open("w", encoding="utf-8") as fh:
        for n, text in enumerate(UNREGISTERED_LINES):
            person = students[n % len(students)]
            row = {
                "time": (start + dt.timedelta(minutes=2 * n)).strftime("%Y-%m-%d %H:%M:%S"),
                "group": UNREGISTERED_ACCOUNT,
                "sender_id": f"3{int(''.join(c for c in person.number if c.isdigit()) or 0) % 10**9:09d}",
                "sender_name": person.name,
                "text": text,
                "message_id": f"demo-unregistered-{n}",
                "platform": "qq",
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    return True
