"""Benchmark the hot pages of the web UI against the production server on loopback.

    .venv/bin/python scripts/bench_web.py                        # starts gunicorn on the configured database
    .venv/bin/python scripts/bench_web.py --clients 8 --rounds 20
    .venv/bin/python scripts/bench_web.py --rate 10 --duration 120 --target-ms 200   # open loop
    .venv/bin/python scripts/bench_web.py --proof --target-ms 200   # what make bench-scale judges
    .venv/bin/python scripts/bench_web.py --url http://127.0.0.1:8000   # a server already running

Logs in as the supervisor (党委宣传部) and as a unit liaison (单位联络人) — by default the two
accounts ``scripts/gen_scale.py`` creates — and requests the dashboard, the registry list (first
page, a filtered page, a search) and the review queue (default and filtered). Prints p50/p95/p99
per page and role and exits 1 when a page answered other than 200 or, with ``--target-ms``, when
a p95 is above the target.

Two load models:

- closed loop (the default): ``--clients`` clients per role, each sending its next request when
  the last one answered, every page ``--rounds`` times, in turns. With more clients than cores
  this measures how requests queue for the cores, not how fast a page answers.
- open loop (``--rate R``): R requests a second in all, for ``--duration`` seconds, arriving at
  exponential intervals (a Poisson process, as independent users do), each a page and role drawn
  at random. A request is sent at its scheduled time by one of ``--threads`` threads, whatever
  the earlier ones are doing, and its latency is counted from that scheduled time: a slow answer
  cannot hold back the next requests and hide its own effect (no coordinated omission). Reports
  the rate achieved and how late the client sent (its own limit, should it have one).

``--proof`` runs, against one server, the loads ``make bench-scale`` judges (``PROOF``): one
closed-loop client per role, then open loop at 10 and at 20 requests a second, each to pass with
every p95 under ``--target-ms`` (200 by default); then four closed-loop clients per role, printed
for information only. It exits 1 when a judged load fails or any request fails.

The server is gunicorn as in ``deploy/systemd/qunguan-web.service`` (sync workers, ``--workers``),
started with this process's environment (``QUNGUAN_DATA_DIR`` or ``DATABASE_URL``) and stopped
at the end. Beside it runs what the scheduler unit runs for the pages: the ``checks_cache`` job
(once a minute, its schedule, in one long-lived process as ``qunguan scheduler`` is), which keeps
the shared check result fresh so that no page request computes it, as in production; measuring
starts after its first run. ``--no-scheduler`` leaves it out.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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


# What the scheduler does for the pages, in one long-lived process as ``qunguan scheduler`` is: the
# ``checks_cache`` job's function, once a minute (its schedule), without the scheduler's lease and
# bookkeeping rows — a lease left by a run stopped at the end of a benchmark would keep the next
# benchmark's job from running for 15 minutes, and its pages would compute the checks themselves.
JOB_LOOP = """
import sys, time, django
django.setup()
from django.utils import timezone
from qunguan.scheduler.jobs import checks_cache
every = float(sys.argv[1])
while True:
    started = time.monotonic()
    checks_cache(timezone.now())
    print("ran", flush=True)
    time.sleep(max(0.0, every - (time.monotonic() - started)))
"""


class ChecksCacheJob:
    """Run the scheduler's ``checks_cache`` job whenever it is due, until stopped (as the unit does)."""

    def __init__(self, every_s: float = 60.0) -> None:
        self.every_s = every_s
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChecksCacheJob:
        """Start the job and wait for its first run, so that measuring starts as production runs:
        a shared result at most a minute old, recomputed every minute."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "qunguan.settings"}
        cmd = [str(BIN / "python"), "-c", JOB_LOOP, str(self.every_s)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        print("定时任务 checks_cache：等待第一次运行完成…", flush=True)
        if not self.proc.stdout.readline():
            raise SystemExit("定时任务 checks_cache 没有运行（进程已退出）。")
        # keep reading what it says, so that it never waits on a full pipe
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


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


def roles_of(args: argparse.Namespace) -> list[tuple[str, str]]:
    return [("宣传部", args.supervisor), ("联络人", args.liaison)]


def warm_up(args: argparse.Namespace, url: str) -> None:
    """One pass per role and worker (worker start-up, first queries), not counted."""
    print(f"服务 {url}：预热中（每个工作进程第一次读取检查结果）…", flush=True)
    for _role, username in roles_of(args):
        s = login(url, username, args.password)
        for _ in range(args.workers):
            for _name, path in PAGES:
                s.get(url + path, timeout=120)


def report(args: argparse.Namespace, timings: dict[tuple[str, str], list[float]], errors: list[str]) -> int:
    """Print p50/p95/p99/max per page and role; return 1 on an error or a p95 above the target."""
    print(f"{'角色':<6}{'页面':<16}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    over = []
    for role, _u in roles_of(args):
        for name, _p in PAGES:
            v = timings.get((role, name), [])
            if not v:
                print(f"{role:<6}{name:<16}{0:>5}")
                continue
            p95 = percentile(v, 95)
            print(
                f"{role:<6}{name:<16}{len(v):>5}{statistics.median(v):>9.0f}{p95:>9.0f}"
                f"{percentile(v, 99):>9.0f}{max(v):>9.0f}"
            )
            if args.target_ms and p95 > args.target_ms:
                over.append(f"{role} {name}: p95 {p95:.0f} ms")
    every = [x for v in timings.values() for x in v]
    if every:
        print(
            f"{'全部':<6}{'':<16}{len(every):>5}{statistics.median(every):>9.0f}{percentile(every, 95):>9.0f}"
            f"{percentile(every, 99):>9.0f}{max(every):>9.0f}"
        )
    print(f"错误 {len(errors)} 个")
    for e in errors[:20]:
        print("错误:", e)
    if over:
        print(f"高于目标 {args.target_ms:.0f} ms:", "；".join(over))
    elif args.target_ms:
        print(f"每个页面和角色的 p95 都低于 {args.target_ms:.0f} ms。")
    return 1 if errors or over else 0


def run_open(args: argparse.Namespace, url: str) -> int:
    """Open loop: ``--rate`` requests a second at exponential intervals (see the module)."""
    roles = roles_of(args)
    rng = random.Random(args.seed)
    schedule: list[tuple[float, str, str, str]] = []
    at = 0.0
    while True:
        at += rng.expovariate(args.rate)
        if at >= args.duration:
            break
        role, _username = rng.choice(roles)
        name, path = rng.choice(PAGES)
        schedule.append((at, role, name, path))
    cookies = {role: login(url, username, args.password).cookies for role, username in roles}
    local = threading.local()
    timings: dict[tuple[str, str], list[float]] = {}
    late: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def send(due: float, role: str, name: str, path: str) -> None:
        sessions = local.__dict__.setdefault("sessions", {})
        if role not in sessions:
            s = requests.Session()
            s.cookies.update(cookies[role])
            sessions[role] = s
        sent = time.perf_counter()
        try:
            r = sessions[role].get(url + path, timeout=120)
            error = None if r.status_code == 200 else f"HTTP {r.status_code}"
        except requests.RequestException as err:
            error = type(err).__name__
        took = (time.perf_counter() - due) * 1000  # from the scheduled start
        with lock:
            late.append((sent - due) * 1000)
            timings.setdefault((role, name), []).append(took)
            if error:
                errors.append(f"{role} {name} {path}: {error}")

    threads = args.threads or max(32, int(args.rate * 4))
    print(
        f"开环：{args.rate:g} 请求/秒（指数间隔），{args.duration:g} 秒，共计划 {len(schedule)} 个请求；"
        f"{threads} 个发送线程",
        flush=True,
    )
    start = time.perf_counter() + 0.5
    cpu = time.process_time()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for at, role, name, path in schedule:
            due = start + at
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            pool.submit(send, due, role, name, path)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    n = sum(len(v) for v in timings.values())
    print(
        f"\n开环 {args.rate:g} 请求/秒：计划 {len(schedule)} 个请求（{len(schedule) / args.duration:.1f} 请求/秒），"
        f"完成 {n} 个，用时 {wall:.1f} 秒，达到 {n / wall:.1f} 请求/秒；"
        f"发送晚于计划 p99 {percentile(late, 99):.1f} ms、最多 {max(late, default=0):.1f} ms；"
        f"压测客户端 CPU {cpu * 1000 / max(n, 1):.1f} ms/请求"
    )
    return report(args, timings, errors)


# ``--proof``, what ``make bench-scale`` runs (why these: docs/benchmarks.md, "10,000,000 messages"):
# (title, settings, whether a p95 above the target fails the proof).
PROOF: list[tuple[str, dict[str, float], bool]] = [
    # 100 rounds: 100 answers a page and role, so that the p95 is not simply the slowest one (the
    # nearest-rank p95 of 20 answers is their maximum).
    ("闭环：每个角色 1 个客户端（共 2 个，与核数相同）", {"clients": 1, "rounds": 100, "rate": 0}, True),
    ("开环：10 请求/秒", {"rate": 10}, True),
    ("开环：20 请求/秒", {"rate": 20}, True),
    (
        "闭环：每个角色 4 个客户端（共 8 个，仅供参考，不判定）",
        {"clients": 4, "rounds": 10, "rate": 0},
        False,
    ),
]


def run_proof(args: argparse.Namespace, url: str) -> int:
    """Run every load of ``PROOF`` against one server; return 1 when a judged one fails."""
    target = args.target_ms or 200.0
    results = []
    for title, overrides, judged in PROOF:
        print(f"\n===== {title} =====", flush=True)
        phase = argparse.Namespace(**{**vars(args), **overrides, "target_ms": target if judged else 0})
        rc = run_open(phase, url) if phase.rate else run_closed(phase, url)
        results.append((title, judged, rc))
    print(f"\n===== 结论（p95 目标 {target:.0f} ms）=====")
    for title, judged, rc in results:
        verdict = (
            ("通过" if rc == 0 else "未通过") if judged else ("仅供参考" if rc == 0 else "仅供参考（有错误）")
        )
        print(f"{verdict:<10}{title}")
    # a judged load above the target, or a failed request in any load
    return 1 if any(rc for _title, _judged, rc in results) else 0


def run(args: argparse.Namespace, url: str) -> int:
    warm_up(args, url)
    if args.proof:
        return run_proof(args, url)
    if args.rate:
        return run_open(args, url)
    return run_closed(args, url)


def run_closed(args: argparse.Namespace, url: str) -> int:
    """Closed loop: ``--clients`` clients per role, each waiting for its answer (see the module)."""
    roles = roles_of(args)
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
        f"\n闭环：{args.clients} 个并发客户端 × 2 个角色，每页 {args.rounds} 轮；{n} 个请求用时 {wall:.1f} 秒"
        f"（{n / wall:.1f} 请求/秒）"
    )
    return report(args, timings, errors)


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
        "--rate", type=float, default=0, help="开环：每秒请求数（合计，指数间隔到达）；不给则为闭环"
    )
    parser.add_argument("--duration", type=float, default=120, help="开环：施压秒数")
    parser.add_argument("--threads", type=int, default=0, help="开环：发送线程数（默认 max(32, 4×速率)）")
    parser.add_argument("--seed", type=int, default=2026, help="开环：到达时间与页面抽取的随机种子")
    parser.add_argument(
        "--proof",
        action="store_true",
        help="依次运行 make bench-scale 的各项负载（闭环每角色 1 个、开环 10 与 20 请求/秒判定；闭环每角色 4 个仅供参考）",
    )
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
