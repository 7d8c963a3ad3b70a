#!/usr/bin/env python3
"""Run a command against a private, throw-away PostgreSQL cluster.

    python scripts/with_postgres.py -- CMD ARGS...

Creates a cluster with initdb in a temporary directory, starts it with pg_ctl on a free
loopback port (its unix socket lives in the same directory), creates a role and a database,
exports ``DATABASE_URL=postgres://...`` for CMD, runs CMD, and always stops the cluster and
removes the directory again -- also when CMD fails or the run is interrupted. The exit code
is CMD's.

The cluster is tuned for tests, not durability (fsync, full_page_writes and
synchronous_commit are off).

Finding the server: ``$QUNGUAN_PG_BINDIR`` (authoritative when set: nothing else is searched
and nothing is installed), else ``pg_config --bindir``, ``initdb`` on PATH and
``/usr/lib/postgresql/*/bin`` (newest first). When none is found and we run as root on a
Debian-like system, Debian's ``postgresql`` package is installed with apt-get (unless
``QUNGUAN_PG_NO_INSTALL=1``); the default cluster that the package starts is stopped again.

PostgreSQL refuses to run as root: as root, the server runs as the ``postgres`` system user
(created by Debian's package) or, failing that, as a ``qunguan-test`` system user created here.

When PostgreSQL cannot be made available:
  * CI=true                      -> exit 3 with a clear message (never a skip);
  * QUNGUAN_ALLOW_NO_POSTGRES=1  -> a warning, CMD is NOT run, exit 0;
  * otherwise                    -> exit 3 with a clear message.

Only the standard library is used, so any python3 can run this script.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PREFIX = "[with_postgres]"
EXIT_NO_POSTGRES = 3
DB_NAME = "qunguan"
DB_USER = "qunguan"
FALLBACK_USER = "qunguan-test"
SERVER_SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "synchronous_commit": "off",
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
    "shared_buffers": "128MB",
    "logging_collector": "off",
    "log_min_messages": "warning",
    "timezone": "'UTC'",
}


def log(msg: str) -> None:
    print(f"{PREFIX} {msg}", file=sys.stderr, flush=True)


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


class NoPostgres(Exception):
    """PostgreSQL's server programs are not available and could not be installed."""


# --------------------------------------------------------------------------- finding the server


def _has_server(bindir: Path) -> bool:
    return all(os.access(bindir / prog, os.X_OK) for prog in ("initdb", "pg_ctl", "postgres"))


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def candidate_bindirs() -> list[Path]:
    found: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=20, check=True
            ).stdout.strip()
            if out:
                found.append(Path(out))
    initdb = shutil.which("initdb")
    if initdb:
        found.append(Path(initdb).resolve().parent)
    found += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True)]
    found += [Path("/usr/local/pgsql/bin")]
    return found


def find_bindir() -> Path | None:
    override = os.environ.get("QUNGUAN_PG_BINDIR")
    if override:
        return Path(override) if _has_server(Path(override)) else None
    for bindir in candidate_bindirs():
        if _has_server(bindir):
            return bindir
    return None


def _online_debian_clusters() -> list[tuple[str, str]]:
    """(version, name) of the running clusters that Debian's postgresql-common manages."""
    if not shutil.which("pg_lsclusters"):
        return []
    try:
        out = subprocess.run(
            ["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    fields = (line.split() for line in out.splitlines())
    return [(f[0], f[1]) for f in fields if len(f) >= 4 and f[3].startswith("online")]


def install_postgres() -> None:
    """Install Debian's postgresql package; stop the default cluster it starts."""
    if not shutil.which("apt-get"):
        raise NoPostgres("PostgreSQL server not found and apt-get is not available to install it")
    before = set(_online_debian_clusters())
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log("PostgreSQL server not found; installing Debian's postgresql (apt-get update && apt-get install)")
    started = time.monotonic()
    for cmd in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"],
    ):
        # stdout to our stderr: CMD's stdout stays clean for whoever parses it.
        rc = subprocess.run(cmd, env=env, stdout=sys.stderr, check=False).returncode
        if rc != 0:
            raise NoPostgres(f"`{' '.join(cmd)}` failed with exit code {rc}")
    log(f"installed postgresql in {time.monotonic() - started:.1f}s")
    # The package creates and (where it can) starts a default cluster on port 5432. We never use
    # it -- our cluster is private and on another port -- but leave nothing of ours running.
    for version, name in sorted(set(_online_debian_clusters()) - before):
        subprocess.run(
            ["pg_ctlcluster", version, name, "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        log(f"stopped Debian's default cluster {version}/{name} (not used by this run)")


def ensure_bindir() -> Path:
    bindir = find_bindir()
    if bindir:
        return bindir
    if os.environ.get("QUNGUAN_PG_BINDIR"):
        raise NoPostgres(
            f"QUNGUAN_PG_BINDIR={os.environ['QUNGUAN_PG_BINDIR']} has no initdb/pg_ctl/postgres "
            "(unset it to search the usual places)"
        )
    if truthy("QUNGUAN_PG_NO_INSTALL"):
        raise NoPostgres("PostgreSQL server not found (and QUNGUAN_PG_NO_INSTALL=1 forbids installing it)")
    if os.geteuid() != 0:
        raise NoPostgres(
            "PostgreSQL server not found (looked at pg_config --bindir, PATH, /usr/lib/postgresql/*/bin); "
            "install it, e.g. `sudo apt-get install postgresql`, or set QUNGUAN_PG_BINDIR"
        )
    install_postgres()
    bindir = find_bindir()
    if not bindir:
        raise NoPostgres("postgresql was installed but initdb/pg_ctl/postgres are still not found")
    return bindir


# --------------------------------------------------------------------------- the server user


@dataclass(frozen=True)
class RunAs:
    """Whom the server processes run as; ``uid is None`` means: as ourselves."""

    uid: int | None = None
    gid: int | None = None
    name: str = ""

    def popen_kwargs(self) -> dict:
        if self.uid is None:
            return {}
        return {"user": self.uid, "group": self.gid, "extra_groups": []}


def server_user() -> RunAs:
    if os.geteuid() != 0:
        return RunAs()
    for name in ("postgres", FALLBACK_USER):
        with contextlib.suppress(KeyError):
            pw = pwd.getpwnam(name)
            if pw.pw_uid != 0:
                return RunAs(pw.pw_uid, pw.pw_gid, name)
    log(f"running as root: creating the system user {FALLBACK_USER!r} to run the server")
    subprocess.run(
        [
            "useradd",
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
            FALLBACK_USER,
        ],
        check=True,
    )
    pw = pwd.getpwnam(FALLBACK_USER)
    return RunAs(pw.pw_uid, pw.pw_gid, FALLBACK_USER)


def _world_traversable(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o001 for p in [path, *path.parents])


def make_tempdir(run_as: RunAs) -> Path:
    base = Path(tempfile.gettempdir())
    # The server user must reach the directory, and the socket path must fit in sun_path (107 bytes).
    if (run_as.uid is not None and not _world_traversable(base)) or len(str(base)) > 60:
        base = Path("/tmp")  # noqa: S108 - a private mkdtemp directory inside it
    path = Path(tempfile.mkdtemp(prefix="qunguan-pg-", dir=base))
    if run_as.uid is not None:
        os.chown(path, run_as.uid, run_as.gid if run_as.gid is not None else -1)
    return path


# --------------------------------------------------------------------------- the cluster


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, bindir: Path, run_as: RunAs) -> None:
        self.bindir = bindir
        self.run_as = run_as
        self.dir = make_tempdir(run_as)
        self.data = self.dir / "data"
        self.logfile = self.dir / "server.log"
        self.port = 0
        self.password = secrets.token_hex(16)
        self.running = False

    # All server-side programs run as the server user, with a neutral environment.
    def _env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in {"PATH", "TZ"}}
        return {**keep, "LC_ALL": "C", "LANG": "C", "HOME": str(self.dir), "PGTZ": "UTC"}

    def _run(self, args: list[str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args,
            env=self._env(),
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the terminal is ours to handle, not the server's
            **self.run_as.popen_kwargs(),
        )

    def _check(self, what: str, proc: subprocess.CompletedProcess[str]) -> None:
        if proc.returncode != 0:
            raise RuntimeError(
                f"{what} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.logfile.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n--- server log (tail) ---\n" + "\n".join(text) if text else ""

    def initdb(self) -> None:
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self.run_as.uid is not None:
            os.chown(pwfile, self.run_as.uid, self.run_as.gid if self.run_as.gid is not None else -1)
        pwfile.chmod(0o600)
        proc = self._run(
            [
                str(self.bindir / "initdb"),
                "--pgdata",
                str(self.data),
                "--username",
                "postgres",
                "--pwfile",
                str(pwfile),
                "--auth-local",
                "trust",  # the socket lives in our 0700 temp dir: only we can reach it
                "--auth-host",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        pwfile.unlink()
        self._check("initdb", proc)
        settings = {**SERVER_SETTINGS, "unix_socket_directories": f"'{self.dir}'"}
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n# qunguan test cluster\n")
            conf.writelines(f"{k} = {v}\n" for k, v in settings.items())

    def start(self) -> None:
        last = ""
        for _attempt in range(5):  # the free port can be taken between probing and binding
            self.port = free_port()
            proc = self._run(
                [
                    str(self.bindir / "pg_ctl"),
                    "--pgdata",
                    str(self.data),
                    "--log",
                    str(self.logfile),
                    "--options",
                    f"-p {self.port}",
                    "--wait",
                    "--timeout",
                    "60",
                    "start",
                ]
            )
            if proc.returncode == 0:
                self.running = True
                return
            last = proc.stdout + proc.stderr + self.log_tail()
            if "already in use" not in last:
                break
        raise RuntimeError(f"pg_ctl start failed:\n{last}")

    def psql(self, sql: str) -> None:
        psql = self.bindir / "psql"
        if not os.access(psql, os.X_OK):
            psql = Path(shutil.which("psql") or "psql")
        proc = self._run(
            [
                str(psql),
                "--no-psqlrc",
                "--quiet",
                "-v",
                "ON_ERROR_STOP=1",
                "--host",
                str(self.dir),
                "--port",
                str(self.port),
                "--username",
                "postgres",
                "--dbname",
                "postgres",
                "--command",
                sql,
            ]
        )
        self._check("psql", proc)

    def create_database(self) -> None:
        # CREATEDB: pytest-django creates test_<name> (and test_<name>_gwN under xdist).
        self.psql(f"CREATE ROLE {DB_USER} LOGIN CREATEDB PASSWORD '{self.password}'")
        # pg_signal_backend: DROP DATABASE … WITH (FORCE) of a test database may have to end a
        # session of another (restricted) role the test made, still closing when the test ends.
        self.psql(f"GRANT pg_signal_backend TO {DB_USER}")
        self.psql(f"CREATE DATABASE {DB_NAME} OWNER {DB_USER}")

    @property
    def url(self) -> str:
        return f"postgres://{DB_USER}:{self.password}@127.0.0.1:{self.port}/{DB_NAME}"

    def version(self) -> str:
        proc = self._run([str(self.bindir / "postgres"), "--version"])
        return proc.stdout.strip()

    def stop(self) -> None:
        if self.running and self.data.exists():
            for mode in ("fast", "immediate"):
                proc = self._run(
                    [
                        str(self.bindir / "pg_ctl"),
                        "--pgdata",
                        str(self.data),
                        "--mode",
                        mode,
                        "--wait",
                        "stop",
                    ],
                    timeout=60,
                )
                if proc.returncode == 0:
                    break
            self._kill_leftover()
        self.running = False

    def _kill_leftover(self) -> None:
        pidfile = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int(pidfile.read_text().split()[0])
            os.kill(pid, signal.SIGKILL)
            log(f"postmaster {pid} did not stop; killed it")

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.dir.exists():
            log(f"could not remove {self.dir}")


@contextlib.contextmanager
def private_cluster() -> Iterator[Cluster]:
    bindir = ensure_bindir()
    run_as = server_user()
    t0 = time.monotonic()
    cluster = Cluster(bindir, run_as)
    try:
        cluster.initdb()
        t1 = time.monotonic()
        cluster.start()
        cluster.create_database()
        t2 = time.monotonic()
        who = f" as {run_as.name!r}" if run_as.name else ""
        log(
            f"{cluster.version()} from {bindir}{who} on 127.0.0.1:{cluster.port} in {cluster.dir} "
            f"(initdb {t1 - t0:.1f}s, start+createdb {t2 - t1:.1f}s)"
        )
        yield cluster
    finally:
        t3 = time.monotonic()
        try:
            cluster.stop()
        finally:
            cluster.remove()
        log(f"stopped and removed the cluster in {time.monotonic() - t3:.1f}s")


# --------------------------------------------------------------------------- running CMD


def run_command(cmd: list[str], env: dict[str, str]) -> int:
    """Run CMD in the foreground; forward SIGTERM/SIGHUP to it. Returns its exit code."""
    children: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, _frame: object) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signum)

    def ignore(_signum: int, _frame: object) -> None:
        # A Ctrl-C in the terminal reaches CMD directly (same process group); we just wait for it.
        # (Raising KeyboardInterrupt here could lose CMD's exit status inside Popen.wait.)
        pass

    # Installed before the fork: exec() resets Python-level handlers to the default for CMD.
    handlers = {signal.SIGTERM: forward, signal.SIGHUP: forward, signal.SIGINT: ignore}
    old = {s: signal.signal(s, h) for s, h in handlers.items()}
    try:
        try:
            children.append(subprocess.Popen(cmd, env=env))
        except OSError as exc:
            log(f"cannot run {cmd[0]!r}: {exc}")
            return 127
        rc = children[0].wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    return rc if rc >= 0 else 128 - rc


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__, file=sys.stderr)
        return 2

    # Turn SIGTERM/SIGHUP into exceptions while we set up, so that the `finally` clean-up runs.
    def bail(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    for s in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, bail)
    try:
        with private_cluster() as cluster:
            env = dict(os.environ, DATABASE_URL=cluster.url, QUNGUAN_TEST_POSTGRES="1")
            return run_command(argv, env)
    except NoPostgres as exc:
        if truthy("CI"):
            log(f"ERROR: {exc}. CI=true: PostgreSQL tests are required, failing.")
            return EXIT_NO_POSTGRES
        if truthy("QUNGUAN_ALLOW_NO_POSTGRES"):
            log(f"WARNING: {exc}.")
            log(
                f"WARNING: QUNGUAN_ALLOW_NO_POSTGRES=1: NOT running {' '.join(argv)!r}; "
                "PostgreSQL is untested!"
            )
            return 0
        log(f"ERROR: {exc}. (Set QUNGUAN_ALLOW_NO_POSTGRES=1 to skip the PostgreSQL run outside CI.)")
        return EXIT_NO_POSTGRES
    except KeyboardInterrupt:
        log("interrupted; cluster stopped and removed")
        return 130
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        log(f"ERROR: could not start the private PostgreSQL cluster: {exc}")
        return EXIT_NO_POSTGRES


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
