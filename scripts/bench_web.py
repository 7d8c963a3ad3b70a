"""Benchmark the hot pages of the web UI against the production server on loopback.

    .venv/bin/python scripts/bench_web.py                        # starts gunicorn on the configured database
    .venv/bin/python scripts/bench_web.py --clients 8 --rounds 20
    .venv/bin/python scripts/bench_web.py --url http://127.0.0.1:8000   # a server already running

Logs in as the supervisor (党委宣传部) and as a unit liaison (单位联络人) — by default the two
accounts ``scripts/gen_scale.py`` creates — and has ``--clients`` concurrent clients per role
request the dashboard, the registry list (first page, a filtered page, a search) and the review
queue (default and filtered), every page ``--rounds`` times, in turns. Prints p50/p95/p99 per page
and role and exits 1 when a page answered other than 200 or, with ``--target-ms``, when a p95 is
above the target.

The server is gunicorn as in ``deploy/systemd/qunguan-web.service`` (sync workers, ``--workers``),
started with this process's environment (``QUNGUAN_DATA_DIR`` or ``DATABASE_URL``) and stopped
at the end. Beside it runs what the scheduler unit runs for the pages: the ``checks_cache`` job
(``qunguan tick --job checks_cache`` whenever it is due), which keeps the shared check result
fresh so that no page request computes it, as in production; ``--no-scheduler`` leaves it out.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PAGES = [
    ("总览", "/"),
    ("群组登记 第1页", "/groups/"),
    ("群组登记 筛选", "/groups/?platform=wechat&status=temporary"),
    ("群组登记 第5页", "/groups/?page=5"),
    ("群组登记 搜索", "/groups/?q=%E7%BE%A4123"),
    ("审查队列 默认", "/review/"),
    ("审查队列 筛选", "/review/?category=privacy.phone&severity=3&status=all"),
    ("审查队列 第3页", "/review/?page=3"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qunguan.settings"}
    cmd = [
        str(BIN / "gunicorn"),
        "qunguan.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "120",
        "--error-logfile",
        "-",
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/healthz", timeout=10)
            return proc, url
        except requests.RequestException:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("网页服务在 120 秒内没有启动。")


class ChecksCacheJob:
    """Run the scheduler's ``checks_cache`` job whenever it is due, until stopped (as the unit does)."""

    def __init__(self, every_s: float = 15.0) -> None:
        self.every_s = every_s
        self.stop = threading.Event()
        self.runs = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qunguan.settings"}
        cmd = [str(BIN / "python"), "-m", "qunguan", "tick", "--job", "checks_cache"]
        while not self.stop.is_set():
            subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, check=False)
            self.runs += 1
            self.stop.wait(self.every_s)

    def __enter__(self) -> ChecksCacheJob:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=120)


def login(url: str, username: str, password: str) -> requests.Session:
    s = requests.Session()
    page = s.get(url + "/accounts/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if token is None:
        raise SystemExit("登录页没有 CSRF 令牌。")
    r = s.post(
        url + "/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": url + "/accounts/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if r.status_code != 302:
        raise SystemExit(f"账号 {username} 登录失败（HTTP {r.status_code}）。")
    return s


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def run(args: argparse.Namespace, url: str) -> int:
    roles = [("宣传部", args.supervisor), ("联络人", args.liaison)]
    timings: dict[tuple[str, str], list[float]] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def client(role: str, username: str, offset: int) -> None:
        s = login(url, username, args.password)
        for rnd in range(args.rounds):
            for i in range(len(PAGES)):
                name, path = PAGES[(i + offset + rnd) % len(PAGES)]
                t = time.perf_counter()
                r = s.get(url + path, timeout=120)
                took = (time.perf_counter() - t) * 1000
                with lock:
                    if r.status_code != 200:
                        errors.append(f"{role} {name} {path}: HTTP {r.status_code}")
                    timings.setdefault((role, name), []).append(took)

    print(f"服务 {url}：预热中（每个工作进程第一次读取检查结果）…", flush=True)
    # Warm-up: one pass per role (worker start-up, first queries) that is not counted.
    for _role, username in roles:
        s = login(url, username, args.password)
        for _ in range(args.workers):
            for _name, path in PAGES:
                s.get(url + path, timeout=120)
    started = time.perf_counter()
    threads = [
        threading.Thread(target=client, args=(role, username, c))
        for role, username in roles
        for c in range(args.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    n = sum(len(v) for v in timings.values())
    print(
        f"\n{args.clients} 个并发客户端 × 2 个角色，每页 {args.rounds} 轮；{n} 个请求用时 {wall:.1f} 秒（{n / wall:.1f} 请求/秒）"
    )
    print(f"{'角色':<6}{'页面':<16}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    over = []
    for role, _u in roles:
        for name, _p in PAGES:
            v = timings.get((role, name), [])
            p95 = percentile(v, 95)
            print(
                f"{role:<6}{name:<16}{len(v):>5}{statistics.median(v):>9.0f}{p95:>9.0f}"
                f"{percentile(v, 99):>9.0f}{max(v):>9.0f}"
            )
            if args.target_ms and p95 > args.target_ms:
                over.append(f"{role} {name}: p95 {p95:.0f} ms")
    for e in errors[:20]:
        print("错误:", e)
    if over:
        print(f"高于目标 {args.target_ms} ms:", "；".join(over))
    return 1 if errors or over else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="网页热点页面压测（p50/p95/p99）")
    parser.add_argument("--url", help="已在运行的服务地址；不给则启动 gunicorn")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn 工作进程数")
    parser.add_argument("--clients", type=int, default=4, help="每个角色的并发客户端数")
    parser.add_argument("--rounds", type=int, default=10, help="每个客户端请求每个页面的轮数")
    parser.add_argument("--supervisor", default="scale-supervisor")
    parser.add_argument("--liaison", default="scale-liaison")
    parser.add_argument("--password", default="scale-bench-2026")
    parser.add_argument("--target-ms", type=float, default=0, help="p95 目标（毫秒）；超出则退出码为 1")
    parser.add_argument(
        "--no-scheduler",
        dest="scheduler",
        action="store_false",
        help="不在压测期间运行定时任务 checks_cache（默认运行，同生产环境）",
    )
    args = parser.parse_args(argv)
    if args.url:
        return run(args, args.url.rstrip("/"))
    proc, url = start_server(args.workers)
    try:
        if not args.scheduler:
            return run(args, url)
        with ChecksCacheJob():
            return run(args, url)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    raise SystemExit(main())
