"""Off-topic findings as a reviewer meets them: one per chatty message, or one per run of chatter.

    python scripts/eval_offtopic.py [--data ../shared/data] [--markdown]

Regulation 2(7) forbids 扎堆闲聊 — chatter in bunches — not a single friendly line in a work
group. Two sets of conversations are scanned message by message through the whole ``Auditor``
(with a ``MessageContext``: group, sender, time), every message labelled chit-chat or work:

* ``demo``: conversations made the way ``qunguan demo`` makes them (``qunguan.audit.corpus``:
  120 messages per group over 30 days, 8 groups, 8 % problem messages) — chit-chat is scattered
  over the month, a few lines a day;
* ``workday``: 12 groups over one working day of work traffic (notices from the held-out
  templates of ``scripts/train_offtopic.py``, replies such as 收到/好的) where 8 groups get a run
  of 8–30 chit-chat lines from 2–4 members 20–150 s apart (now and then a work reply between
  them), and every group a few brief asides (2–3 chatty lines) and isolated chatty lines. The chit-chat is real: utterances of the LCCC
  ``valid`` dialogues (MIT, ``toy_data.json``), which the off-topic model never saw.

A run (the gold standard of 扎堆闲聊) is a maximal sequence of chit-chat messages, each within
10 minutes of the previous one, of at least 8 messages from at least 2 senders; chatter between
runs is not a run. For each rule (``offtopic.message``: one finding per chatty message;
``offtopic.burst``: the conversation rule) we report the findings per 1,000 messages, the share
of findings on a chit-chat message ("the model is right"), the share inside a run ("it is what
2(7) forbids"), the share of runs with at least one finding and the findings per caught run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_offtopic import work_messages  # noqa: E402

from qunguan.audit import Auditor, load_policy  # noqa: E402
from qunguan.audit.corpus import _CHAT, _REPLIES, generate  # noqa: E402
from qunguan.audit.detectors.base import MessageContext  # noqa: E402

RUN_MIN_MESSAGES = 8
RUN_MIN_SENDERS = 2
RUN_GAP_SECONDS = 600.0
RULES = ("offtopic.message", "offtopic.burst")
# What the corpus generator appends to three in ten chatty lines.
_CHAT_SUFFIXES = ("～", "😂", "！！", "?", "[表情]", "哈哈")


@dataclass(frozen=True, slots=True)
class Message:
    group: str
    sender: str
    t: float
    text: str
    chat: bool


def demo_conversations(groups: int = 8, per_group: int = 120, days: int = 30) -> list[Message]:
    """Return conversations made as ``qunguan.demo.chats.write_conversation`` makes them."""
    chat_texts = set(_CHAT)
    out: list[Message] = []
    for g in range(groups):
        rng = random.Random(20240902 + g)
        texts = list(generate(per_group, seed=20240902 + g, sensitive_share=0.08))
        minutes = sorted(rng.randrange(days) * 1440 + rng.randrange(7 * 60, 23 * 60) for _ in texts)
        for minute, text in zip(minutes, texts, strict=True):
            chat = text in chat_texts or any(text == c + s for c in _CHAT for s in _CHAT_SUFFIXES)
            sender = f"m{rng.randrange(40)}"
            out.append(Message(f"demo{g}", sender, minute * 60.0 + rng.randrange(60), text, chat))
    return out


def lccc_valid_utterances(data: Path) -> list[str]:
    """Return the utterances of the LCCC ``valid`` dialogues, in order, spaces removed."""
    dialogues = json.loads((data / "chitchat_lccc_toy" / "toy_data.json").read_text(encoding="utf-8"))
    return [u.replace(" ", "").strip() for d in dialogues["valid"] for u in d if u.replace(" ", "").strip()]


def workday_conversations(data: Path, groups: int = 12) -> list[Message]:
    """Return a working day of 12 groups: work traffic, runs of chatter, asides, lone lines."""
    rng = random.Random(31)
    chatter = iter(lccc_valid_utterances(data))
    notices = iter(work_messages(4000, seed=303, holdout=True))
    out: list[Message] = []
    for g in range(groups):
        group = f"work{g}"
        members = [f"g{g}u{i}" for i in range(30)]
        t = 8 * 3600.0
        events: list[tuple[str, int]] = [("work", 0)] * 90 + [("aside", 0)] * 3 + [("lone", 0)] * 4
        if g < 8:
            events.append(("run", rng.randrange(RUN_MIN_MESSAGES, 31)))
        rng.shuffle(events)
        for kind, size in events:
            t += rng.uniform(60, 600)
            if kind == "work":
                author = rng.choice(members)
                text = next(notices) if rng.random() < 0.35 else rng.choice(_REPLIES)
                out.append(Message(group, author, t, text, False))
                continue
            n = {"lone": 1, "aside": rng.randrange(2, 4), "run": size}[kind]
            talkers = rng.sample(members, k=1 if n == 1 else rng.randrange(2, 5))
            for i in range(n):
                if i:
                    t += rng.uniform(20, 150)
                    if kind == "run" and rng.random() < 0.15:  # someone answers a notice meanwhile
                        out.append(Message(group, rng.choice(members), t, rng.choice(_REPLIES), False))
                        t += rng.uniform(5, 30)
                out.append(Message(group, talkers[i % len(talkers)], t, next(chatter), True))
    return out


def gold_runs(messages: list[Message]) -> list[tuple[int, ...]]:
    """Return the runs of 扎堆闲聊 as tuples of message indexes (see the module docstring)."""
    by_group: dict[str, list[int]] = {}
    for i, m in enumerate(messages):
        if m.chat:
            by_group.setdefault(m.group, []).append(i)
    runs: list[tuple[int, ...]] = []
    for indexes in by_group.values():
        current: list[int] = []
        for i in [*indexes, -1]:
            if i >= 0 and current and messages[i].t - messages[current[-1]].t <= RUN_GAP_SECONDS:
                current.append(i)
                continue
            senders = {messages[j].sender for j in current}
            if len(current) >= RUN_MIN_MESSAGES and len(senders) >= RUN_MIN_SENDERS:
                runs.append(tuple(current))
            current = [i]
    return runs


def scan(messages: list[Message], auditor: Auditor) -> Iterator[tuple[int, str]]:
    """Yield (message index, rule) for every off-topic finding, messages fed in time order."""
    order = sorted(range(len(messages)), key=lambda i: (messages[i].t, i))
    for i in order:
        m = messages[i]
        ctx = MessageContext(group=m.group, sender=m.sender, timestamp=m.t)
        for f in auditor.scan(m.text, ctx):
            if f.category == "offtopic":
                yield i, f.rule


def measure(messages: list[Message], auditor: Auditor) -> list[tuple[str, ...]]:
    """Return one row per rule: findings, per 1,000, on chatter, in a run, runs caught, per run."""
    runs = gold_runs(messages)
    run_of = {i: r for r, run in enumerate(runs) for i in run}
    found = list(scan(messages, auditor))
    rows: list[tuple[str, ...]] = []
    for rule in RULES:
        hits = [i for i, r in found if r == rule]
        n = len(hits)
        on_chat = sum(messages[i].chat for i in hits)
        in_run = [run_of[i] for i in hits if i in run_of]
        caught = len(set(in_run))

        def share(k: int, total: int) -> str:
            return f"{k / total:.3f}" if total else "–"

        rows.append(
            (
                rule,
                str(len(messages)),
                str(sum(m.chat for m in messages)),
                str(len(runs)),
                str(n),
                f"{n / len(messages) * 1000:.1f}",
                share(on_chat, n),
                share(len(in_run), n),
                share(caught, len(runs)),
                f"{len(in_run) / caught:.2f}" if caught else "–",
            )
        )
    return rows


HEADER = (
    "rule",
    "messages",
    "chit-chat",
    "runs",
    "findings",
    "per 1,000 msgs",
    "on chit-chat",
    "in a run (precision)",
    "runs caught (recall)",
    "findings per caught run",
)


def evaluate(data: Path) -> list[tuple[str, ...]]:
    """Return the rows for both sets under both policies (single messages on, shipped default)."""
    shipped = load_policy()
    single = shipped.replace(
        disabled_detectors=tuple(d for d in shipped.disabled_detectors if d != "offtopic_model")
    )
    rows: list[tuple[str, ...]] = []
    for name, messages in (("demo", demo_conversations()), ("workday", workday_conversations(data))):
        for label, policy in (("single messages on", single), ("shipped default", shipped)):
            for row in measure(messages, Auditor(policy)):
                rows.append((name, label, *row))
    return rows


def render(rows: list[tuple[str, ...]], markdown: bool) -> str:
    header = ("set", "policy", *HEADER)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows]) + "\n"
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    print(render(evaluate(args.data), args.markdown))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
