#!/usr/bin/env python3
"""Make sure Debian's Chromium and ChromeDriver are there for the browser tests.

    python scripts/ensure_chromium.py [--no-smoke]

Checks /usr/bin/chromium and /usr/bin/chromedriver (override with $QUNGUAN_CHROMIUM and
$QUNGUAN_CHROMEDRIVER). When one is missing and we run as root with apt-get, installs Debian's
``chromium`` and ``chromium-driver``, with Latin and CJK fonts (apt-get update && apt-get install -y; set
QUNGUAN_BROWSER_NO_INSTALL=1 to forbid that). Then checks that both report the same major
version and that Chromium really renders a page headless (skip with --no-smoke).

When the browser cannot be made available:
  * CI=true                     -> exit 3 with a clear message (never a skip);
  * QUNGUAN_ALLOW_NO_BROWSER=1  -> a warning, exit 0 (the browser tests then skip themselves);
  * otherwise                   -> exit 3 with a clear message.

Only the standard library is used. Nothing is ever downloaded except Debian's packages:
the tests use the system chromedriver and never Selenium Manager.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

PREFIX = "[ensure_chromium]"
EXIT_NO_BROWSER = 3
CHROMIUM = os.environ.get("QUNGUAN_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QUNGUAN_CHROMEDRIVER", "/usr/bin/chromedriver")
# Fonts: Latin and CJK, so that the screenshots of the Chinese UI are legible.
APT_PACKAGES = ["chromium", "chromium-driver", "fonts-liberation", "fonts-wqy-zenhei"]
# The flags the browser tests use (tests/browser/conftest.py); without the background-networking
# ones Chromium keeps trying to reach Google's hosts, which a closed network refuses.
HEADLESS_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class NoBrowser(Exception):
    pass


def log(msg: str) -> None:
    print(f"{PREFIX} {msg}", file=sys.stderr, flush=True)


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def missing() -> list[str]:
    return [p for p in (CHROMIUM, CHROMEDRIVER) if not executable(p)]


def install() -> None:
    if truthy("QUNGUAN_BROWSER_NO_INSTALL"):
        raise NoBrowser("QUNGUAN_BROWSER_NO_INSTALL=1 forbids installing them")
    if os.geteuid() != 0:
        raise NoBrowser(
            "not root, so cannot install them: run `sudo apt-get install chromium chromium-driver`"
        )
    if not shutil.which("apt-get"):
        raise NoBrowser("apt-get is not available to install Debian's chromium and chromium-driver")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    log("installing Debian's chromium and chromium-driver (apt-get update && apt-get install)")
    started = time.monotonic()
    for cmd in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES],
    ):
        rc = subprocess.run(cmd, env=env, stdout=sys.stderr, check=False).returncode
        if rc != 0:
            raise NoBrowser(f"`{' '.join(cmd)}` failed with exit code {rc}")
    log(f"installed chromium and chromium-driver in {time.monotonic() - started:.1f}s")


def version(path: str) -> str:
    proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60, check=False)
    out = proc.stdout.strip() or proc.stderr.strip()
    if proc.returncode != 0:
        raise NoBrowser(f"`{path} --version` failed (exit {proc.returncode}): {out} {proc.stderr.strip()}")
    return out


def major(text: str) -> str:
    m = re.search(r"(\d+)\.\d+\.\d+", text)
    return m.group(1) if m else "?"


def smoke() -> None:
    """Render a data: URL headless and read the DOM back."""
    with tempfile.TemporaryDirectory(prefix="qunguan-chromium-") as profile:
        cmd = [
            CHROMIUM,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            "--dump-dom",
            "data:text/html,<title>t</title><p id=x>qunguan-smoke</p>",
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)
        except subprocess.TimeoutExpired as exc:
            raise NoBrowser("headless Chromium did not render a data: URL within 90s") from exc
    if "qunguan-smoke" not in proc.stdout:
        raise NoBrowser(
            f"headless Chromium did not render a data: URL (exit {proc.returncode}):\n{proc.stderr[-2000:]}"
        )


def ensure(do_smoke: bool) -> None:
    if missing():
        log(f"missing: {', '.join(missing())}")
        install()
        if missing():
            raise NoBrowser(f"still missing after the install: {', '.join(missing())}")
    browser, driver = version(CHROMIUM), version(CHROMEDRIVER)
    log(f"{browser} at {CHROMIUM}; {driver.split(' (')[0]} at {CHROMEDRIVER}")
    if major(browser) != major(driver):
        raise NoBrowser(f"Chromium ({browser}) and ChromeDriver ({driver}) differ in major version")
    if do_smoke:
        started = time.monotonic()
        smoke()
        log(f"headless Chromium rendered a page in {time.monotonic() - started:.1f}s")


def main(argv: list[str]) -> int:
    if any(a in {"-h", "--help"} for a in argv):
        print(__doc__, file=sys.stderr)
        return 0
    try:
        ensure(do_smoke="--no-smoke" not in argv)
    except (NoBrowser, OSError, subprocess.SubprocessError) as exc:
        if truthy("CI"):
            log(
                f"ERROR: Chromium/ChromeDriver not usable: {exc}. CI=true: browser tests are required, failing."
            )
            return EXIT_NO_BROWSER
        if truthy("QUNGUAN_ALLOW_NO_BROWSER"):
            log(f"WARNING: Chromium/ChromeDriver not usable: {exc}.")
            log("WARNING: QUNGUAN_ALLOW_NO_BROWSER=1: the browser tests will skip themselves.")
            return 0
        log(
            f"ERROR: Chromium/ChromeDriver not usable: {exc}. "
            "(Set QUNGUAN_ALLOW_NO_BROWSER=1 to skip the browser tests outside CI.)"
        )
        return EXIT_NO_BROWSER
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
