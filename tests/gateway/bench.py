"""Gateway benchmark (``python -m tests.gateway.bench``): a sustained message stream over reverse WebSocket.

Starts ``qunguan gateway`` as its own process on a fresh SQLite database (WAL) with one
registered QQ group, connects the suite's OneBot peer and sends group messages at a steady
rate (default 500/s for 20 s), one in fifty carrying a phone number. Measures, at the peer,
the time from sending such a message to receiving its ``delete_msg``, then checks that every
message was stored. The first ``--warm-up`` seconds (default 2) are sent the same way and must be
stored too, but their recall times are reported apart (``warm_up_recall_ms_max``): the bot has
just connected. Prints one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.gateway.peer import Peer

ROOT = Path(__file__).resolve().parents[2]
GROUP = 600100200
SETUP = """
from qunguan.registry import actions
unit = actions.do_create_unit(None, name="作曲系", kind="college", headcount=60)
owner = actions.do_create_person(None, number="T1001", name="王建国", kind="staff", unit=unit)
actions.do_register_group(None, platform="qq", account="600100200", name="作曲系教职工群", unit=unit,
    member_scope="作曲系全体教职工", purpose="工作通知", owner=owner, admins=[owner])
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=500, help="messages per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--every", type=int, default=50, help="one violating message in EVERY")
    parser.add_argument(
        "--warm-up",
        type=float,
        default=2.0,
        help="seconds sent first at the same rate: stored and counted as lost or not, but their "
        "recall times are reported apart (the first second after a bot connects is not the steady state)",
    )
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="qunguan-bench-gateway-"))
    env = os.environ | {
        "QUNGUAN_DATA_DIR": str(data),
        "QUNGUAN_GATEWAY_TOKEN": "bench",
        "QUNGUAN_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    py = sys.executable
    subprocess.run([py, "-m", "qunguan", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([py, "-m", "qunguan", "shell", "-c", SETUP], cwd=ROOT, env=env, check=True)
    port = _free_port()
    server = subprocess.Popen(
        [py, "-m", "qunguan", "gateway", "--port", str(port), "--no-sync"], cwd=ROOT, env=env
    )
    try:
        peer = None
        for _ in range(200):
            try:
                peer = Peer(f"ws://127.0.0.1:{port}/onebot/v11/ws", token="bench").connect()
                break
            except OSError:
                time.sleep(0.1)
        assert peer is not None, "gateway did not start"
        warm = int(args.rate * args.warm_up)
        total = warm + int(args.rate * args.seconds)
        sent_at: dict[int, float] = {}
        warm_ids: set[int] = set()
        first_id = peer.events.group_message(GROUP, 1, "")["message_id"] + 1
        start = time.monotonic()
        for n in range(total):
            due = start + n / args.rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            text = (
                f"第{n}条：我的电话13800138000"
                if n % args.every == 0
                else f"第{n}条：明天上午九点在302开教研会"
            )
            event = peer.events.group_message(GROUP, 100000 + n, text)  # one message per member: no flooding
            at = peer.send(event)
            if n % args.every == 0:
                sent_at[event["message_id"]] = at
                if n < warm:
                    warm_ids.add(event["message_id"])
        sending = time.monotonic() - start
        db = sqlite3.connect(data / "qunguan.sqlite3", timeout=30)
        deadline = time.monotonic() + 120
        stored = 0
        while time.monotonic() < deadline:
            stored = db.execute("select count(*) from chats_chatmessage").fetchone()[0]
            if stored >= total:
                break
            time.sleep(0.2)
        drained = time.monotonic() - start
        time.sleep(1.0)
        recalls = {a.params["message_id"]: a.at for a in peer.named("delete_msg")}
        latencies = [
            (recalls[m] - t) * 1000 for m, t in sent_at.items() if m in recalls and m not in warm_ids
        ]
        warm_latencies = [
            (recalls[m] - t) * 1000 for m, t in sent_at.items() if m in recalls and m in warm_ids
        ]
        slowest = sorted(
            ((recalls[m] - t) * 1000, m) for m, t in sent_at.items() if m in recalls and m not in warm_ids
        )[-3:]
        pending = db.execute("select count(*) from gateway_inboxevent where state != 'done'").fetchone()[0]
        print(
            json.dumps(
                {
                    "messages": total,
                    "send_rate_per_s": round(total / sending, 1),
                    "stored": stored,
                    "lost": total - stored,
                    "not_handled": pending,
                    "throughput_per_s": round(stored / drained, 1),
                    "violations": len(sent_at),
                    "recalled": len(latencies) + len(warm_latencies),
                    "warm_up_s": args.warm_up,
                    "warm_up_recall_ms_max": round(max(warm_latencies, default=float("nan")), 1),
                    "recall_ms_p50": round(_percentile(latencies, 0.50), 1),
                    "recall_ms_p90": round(_percentile(latencies, 0.90), 1),
                    "recall_ms_p95": round(_percentile(latencies, 0.95), 1),
                    "recall_ms_p99": round(_percentile(latencies, 0.99), 1),
                    "recall_ms_max": round(max(latencies, default=float("nan")), 1),
                    "slowest": [(round(ms, 1), m - first_id) for ms, m in slowest],
                },
                ensure_ascii=False,
            )
        )
        peer.close()
        return 0 if stored == total and len(latencies) + len(warm_latencies) == len(sent_at) else 1
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
