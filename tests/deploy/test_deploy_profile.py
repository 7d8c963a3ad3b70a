"""The production profile in deploy/: systemd units, the nginx site, the environment template.

What an IT office copies onto a server must name commands that exist and settings that are
documented, and nginx must accept the site as shipped.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from qunguan.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
NGINX_SITE = DEPLOY / "nginx" / "qunguan.conf"
ENV_TEMPLATE = DEPLOY / "env.example"
# Names that look like settings in the deploy files: every one must be documented in .env.example.
SETTING_NAME = re.compile(
    r"\b(QUNGUAN_[A-Z0-9_]+|DATABASE_URL|SECRET_KEY(?:_FILE)?|ALLOWED_HOSTS|CSRF_TRUSTED_ORIGINS)\b"
)


def documented_settings() -> set[str]:
    """Return the variables .env.example documents (each as a ``NAME=`` line, set or commented)."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))


def unit_directives(path: Path) -> dict[str, str]:
    """Return a unit file's directives (the last wins), with backslash continuations joined."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if "=" in line and not line.lstrip().startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found[key.strip()] = value.strip()
    return found


def test_web_gateway_and_scheduler_units_are_shipped() -> None:
    names = {p.name for p in UNITS}
    assert {"qunguan-web.service", "qunguan-gateway.service", "qunguan-scheduler.service"} <= names


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_starts_an_existing_qunguan_command(unit: Path) -> None:
    directives = unit_directives(unit)
    argv = shlex.split(directives["ExecStart"])
    program = Path(argv[0])
    assert program.parent == Path("/opt/qunguan/.venv/bin"), "programs come from the install's venv"
    if program.name == "qunguan":
        assert argv[1] in COMMANDS, f"{unit.name}: qunguan {argv[1]} is not a qunguan command"
    else:
        assert program.name == "gunicorn", f"{unit.name}: unexpected program {program.name}"
        assert argv[1] == "qunguan.wsgi:application"
    assert directives["User"] == "qunguan"
    assert directives["EnvironmentFile"] == "/etc/qunguan/env"


def test_gunicorn_is_a_pinned_dependency_with_a_campus_sized_worker_count() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^\s*"gunicorn==[0-9.]+",$', pyproject, flags=re.MULTILINE)
    argv = shlex.split(unit_directives(DEPLOY / "systemd" / "qunguan-web.service")["ExecStart"])
    workers = int(argv[argv.index("--workers") + 1])
    assert 2 <= workers <= 17
    assert argv[argv.index("--bind") + 1].startswith("127.0.0.1:"), "gunicorn stays behind nginx"


def test_access_logs_name_the_path_and_never_the_query_string() -> None:
    argv = shlex.split(unit_directives(DEPLOY / "systemd" / "qunguan-web.service")["ExecStart"])
    line = argv[argv.index("--access-logformat") + 1].replace("%%", "%")
    assert "%(U)s" in line
    assert not {"%(r)s", "%(q)s", "%(f)s"} & set(re.findall(r"%\([a-z]+\)s", line))
    site = NGINX_SITE.read_text(encoding="utf-8")
    access_log = re.search(r"^\s*access_log\s+/var/log/\S+\s+(\w+);", site, flags=re.MULTILINE)
    assert access_log is not None, "the site's access log names its format"
    log_format = re.search(rf"log_format {access_log.group(1)}(.*?);", site, flags=re.DOTALL)
    assert log_format is not None
    assert "$uri" in log_format.group(1)
    variables = set(re.findall(r"\$[a-z_]+", log_format.group(1)))
    assert not {"$request", "$request_uri", "$args", "$query_string", "$http_referer"} & variables


@pytest.mark.parametrize(
    "path",
    [*UNITS, NGINX_SITE, ENV_TEMPLATE, *sorted((DEPLOY / "logrotate").iterdir())],
    ids=lambda p: p.name,
)
def test_every_setting_the_deploy_files_mention_is_documented(path: Path) -> None:
    mentioned = set(SETTING_NAME.findall(path.read_text(encoding="utf-8")))
    assert mentioned - documented_settings() == set()


def test_the_environment_template_sets_the_production_profile_on_postgresql() -> None:
    values = dict(
        line.split("=", 1)
        for line in ENV_TEMPLATE.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    )
    assert values["QUNGUAN_PROFILE"] == "production"
    assert values["DATABASE_URL"].startswith("postgres://")
    assert values["QUNGUAN_DATA_DIR"] == "/var/lib/qunguan"


def _nginx_size(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit.lower()]


def test_nginx_body_limit_matches_the_apps_upload_limits() -> None:
    site = NGINX_SITE.read_text(encoding="utf-8")
    limit = _nginx_size(re.search(r"client_max_body_size\s+(\S+);", site).group(1))  # type: ignore[union-attr]
    largest = max(settings.QUNGUAN_MAX_UPLOAD_BYTES, settings.QUNGUAN_FILING_SCAN_MAX_BYTES)
    # the multipart envelope around the largest file, but not much more
    assert largest < limit <= largest + 2 * 1024 * 1024


def test_nginx_serves_collected_static_files_and_never_the_uploads() -> None:
    site = NGINX_SITE.read_text(encoding="utf-8")
    static = re.search(r"location /static/ \{\s*alias (\S+);", site)
    assert static is not None
    assert static.group(1) == "/var/lib/qunguan/static/"
    assert settings.STATIC_URL == "/static/"
    assert "uploads" in str(settings.MEDIA_ROOT)
    assert settings.MEDIA_ROOT != settings.STATIC_ROOT
    for directive in re.findall(r"(?:root|alias)\s+(\S+);", site):
        assert "uploads" not in directive
    assert re.search(r"location \^~ /uploads/ \{\s*return 404;", site)


def test_nginx_restricts_metrics_and_forwards_the_proxy_headers() -> None:
    site = NGINX_SITE.read_text(encoding="utf-8")
    metrics = re.search(r"location = /metrics \{(.*?)\n    \}", site, flags=re.DOTALL)
    assert metrics is not None
    assert "deny all;" in metrics.group(1)
    for block in (metrics.group(1), site.split("location / {", 1)[1]):
        assert "proxy_set_header X-Forwarded-Proto $scheme;" in block
        assert "proxy_set_header Host $host;" in block
        assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in block


@pytest.mark.skipif(
    shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx-light)"
)
def test_nginx_accepts_the_site_as_shipped(tmp_path: Path) -> None:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=qunguan.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = NGINX_SITE.read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    site = re.sub(r"(access_log|error_log)\s+/var/log/nginx/[^\s;]+", rf"\1 {tmp_path}/nginx.log", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_gunicorn_serves_the_application_named_in_the_web_unit(tmp_path: Path) -> None:
    gunicorn = Path(sys.executable).parent / "gunicorn"
    port = _free_port()
    env = {**os.environ, "QUNGUAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "qunguan.settings"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [str(gunicorn), "qunguan.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as reply:
                    assert reply.status == 200
                    assert b'"ok"' in reply.read()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
                time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_units_as_shipped(tmp_path: Path) -> None:
    # The programs stand in for the install's venv, which does not exist on a build machine.
    bin_dir = tmp_path / "venv-bin"
    bin_dir.mkdir()
    for program in ("qunguan", "gunicorn"):
        stub = bin_dir / program
        stub.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stub.chmod(0o755)
    units = tmp_path / "units"
    units.mkdir()
    for source in sorted((DEPLOY / "systemd").iterdir()):
        text = source.read_text(encoding="utf-8").replace("/opt/qunguan/.venv/bin/", f"{bin_dir}/")
        (units / source.name).write_text(text, encoding="utf-8")
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in units.iterdir())],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


def _wait_for(url: str, process: subprocess.Popen[bytes], context: ssl.SSLContext | None = None) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            assert time.monotonic() < deadline, f"{url} did not answer within 30 s"
            time.sleep(0.2)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the redirect itself is what is checked


def _fetch(url: str, context: ssl.SSLContext, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
    """Return (status, headers, body) of one request with Host qunguan.test, redirects not followed."""
    request = urllib.request.Request(url, headers={"Host": "qunguan.test"}, **kwargs)  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.mark.skipif(
    shutil.which("nginx") is None or shutil.which("openssl") is None,
    reason="nginx and openssl are needed (apt-get install nginx-light)",
)
def test_the_site_behind_nginx_serves_static_files_proxies_the_app_and_hides_the_uploads(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    (data / "uploads" / "group-rules").mkdir(parents=True)
    (data / "uploads" / "group-rules" / "rules.pdf").write_bytes(b"%PDF-1.4 secret rules")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("QUNGUAN_", "DATABASE_URL"))},
        "QUNGUAN_PROFILE": "production",
        "QUNGUAN_DATA_DIR": str(data),
        "ALLOWED_HOSTS": "qunguan.test",
        "CSRF_TRUSTED_ORIGINS": "https://qunguan.test",
        "SECRET_KEY": "spec-only-" + "k" * 50,
        "DJANGO_SETTINGS_MODULE": "qunguan.settings",
    }
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "qunguan"), "collectstatic", "--noinput", "-v0"], env=env, cwd=tmp_path, check=True
    )
    app_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=qunguan.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = NGINX_SITE.read_text(encoding="utf-8")
    site = site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
    site = re.sub(r"listen (\[::\]:)?443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;", site, count=1)
    site = re.sub(r"\s+listen \[::\]:443 ssl http2;", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
    site = site.replace("server_name qunguan.example.edu.cn;", "server_name qunguan.test;")
    site = site.replace("alias /var/lib/qunguan/static/;", f"alias {data}/static/;")
    site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
    site = re.sub(r"(access_log|error_log)\s+/var/log/nginx/[^\s;]+", rf"\1 {tmp_path}/nginx.log", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the test's private tmp dir
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    gunicorn = subprocess.Popen(
        [str(bin_dir / "gunicorn"), "qunguan.wsgi:application", "--bind", f"127.0.0.1:{app_port}", "--workers", "1"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    nginx = subprocess.Popen(
        ["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    tls = ssl.create_default_context()
    tls.check_hostname = False
    tls.verify_mode = ssl.CERT_NONE  # the throwaway certificate above
    base = f"https://127.0.0.1:{https_port}"
    try:
        _wait_for(f"http://127.0.0.1:{app_port}/healthz", gunicorn)
        _wait_for(f"{base}/healthz", nginx, tls)

        status, _, body = _fetch(f"{base}/healthz", tls)
        assert (status, json.loads(body)) == (200, {"status": "ok"})

        status, headers, body = _fetch(f"{base}/static/web/qunguan.css", tls)
        assert status == 200
        assert "immutable" in headers["Cache-Control"]
        assert body == (data / "static" / "web" / "qunguan.css").read_bytes()

        for path in (
            "/uploads/group-rules/rules.pdf",
            "/uploads/",
            "/static/../uploads/group-rules/rules.pdf",
        ):
            status, _, body = _fetch(f"{base}{path}", tls)
            assert status == 404, path
            assert b"secret rules" not in body

        status, _, _ = _fetch(f"{base}/healthz?q=13800138000", tls)
        assert status == 200
        assert "13800138000" not in (tmp_path / "nginx.log").read_text(encoding="utf-8")

        status, _, _ = _fetch(f"{base}/metrics", tls)
        assert status == 403  # nginx lets loopback through; the app wants the token from a proxy

        too_big = b"x" * (22 * 1024 * 1024)
        status, _, _ = _fetch(f"{base}/api/audit/scan-docx", tls, data=too_big, method="POST")
        assert status == 413

        status, headers, _ = _fetch(f"http://127.0.0.1:{http_port}/healthz", tls)
        assert status == 301
        assert headers["Location"].startswith("https://qunguan.test/")
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
            process.wait(timeout=10)
