"""A real OpenLDAP server (slapd) and a CAS server double, both on loopback, for the sign-on specs.

``slapd``  a private slapd started for the test session from a generated slapd.conf and an LDIF
           of campus accounts (see ``DIRECTORY``); it is stopped and removed afterwards. Without
           slapd (Debian: ``apt-get install slapd ldap-utils``) the LDAP specs fail under CI=true
           and skip elsewhere, saying so.
``cas``    a CAS 2.0/3.0 server over HTTP (``tests/sso/cas_double.py``).
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.sso.cas_double import CASDouble

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SLAPADD = shutil.which("slapadd") or "/usr/sbin/slapadd"
SCHEMA_DIR = Path("/etc/ldap/schema")
SUFFIX = "dc=example,dc=edu,dc=cn"
PEOPLE = f"ou=people,{SUFFIX}"
SERVICE_DN = f"cn=qunguan,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret-42"
ADMIN_PASSWORD = "admin-secret-42"

# uid -> (employeeNumber, display name, password); T1001 and T2001 are the cast's teachers.
DIRECTORY = {
    "wangjg": ("T1001", "王建国", "ldap-pass-wang-1"),
    "lixl": ("T2001", "李秀兰", "ldap-pass-li-2"),
    "zhangxm": ("2023010101", "张小明", "ldap-pass-zhang-3"),
    "stranger": ("X9999", "校外人员", "ldap-pass-stranger-4"),
}


def _ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # noqa: S324 (LDAP's {SSHA} scheme)
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _ldif() -> str:
    parts = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example\n",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people\n",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n",
        f"dn: {SERVICE_DN}\nobjectClass: person\ncn: qunguan\nsn: qunguan\nuserPassword: {_ssha(SERVICE_PASSWORD)}\n",
    ]
    for uid, (number, name, password) in DIRECTORY.items():
        name_b64 = base64.b64encode(name.encode()).decode()
        parts.append(
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn:: {name_b64}\n"
            f"sn: {uid}\ndisplayName:: {name_b64}\nemployeeNumber: {number}\n"
            f"userPassword: {_ssha(password)}\n"
        )
    return "\n".join(parts)


def _conf(directory: Path, tls: str = "") -> str:
    schemas = "\n".join(f"include {SCHEMA_DIR / n}.schema" for n in ("core", "cosine", "inetorgperson"))
    return f"""{schemas}
{tls}
pidfile {directory}/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "cn=admin,{SUFFIX}"
rootpw {_ssha(ADMIN_PASSWORD)}
directory {directory}/data
access to attrs=userPassword by anonymous auth by self read by * none
access to * by dn.exact="{SERVICE_DN}" read by self read by anonymous auth by * none
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Slapd:
    url: str
    process: subprocess.Popen[bytes]

    def settings(self) -> dict[str, Any]:
        return {
            "QUNGUAN_LDAP_URL": self.url,
            "QUNGUAN_LDAP_BIND_DN": SERVICE_DN,
            "QUNGUAN_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
            "QUNGUAN_LDAP_USER_BASE": PEOPLE,
            "QUNGUAN_LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(uid={username}))",
            "QUNGUAN_LDAP_NUMBER_ATTRIBUTE": "employeeNumber",
            "QUNGUAN_LDAP_TIMEOUT": 5.0,
        }


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}:
        pytest.fail(f"CI=true: the LDAP specs need slapd, but {reason}", pytrace=False)
    pytest.skip(f"{reason} (Debian: apt-get install slapd ldap-utils)")


def _start_slapd(directory: Path, tls: str, urls: list[str]) -> subprocess.Popen[bytes]:
    """Load the directory and start slapd listening on ``urls``; skip (or fail under CI) if it cannot."""
    if not (
        Path(SLAPD).exists() and Path(SLAPADD).exists() and (SCHEMA_DIR / "inetorgperson.schema").exists()
    ):
        _unavailable("slapd is not installed")
    (directory / "data").mkdir()
    conf = directory / "slapd.conf"
    conf.write_text(_conf(directory, tls), encoding="utf-8")
    (directory / "people.ldif").write_text(_ldif(), encoding="utf-8")
    loaded = subprocess.run(
        [SLAPADD, "-f", str(conf), "-l", str(directory / "people.ldif")],
        capture_output=True,
        text=True,
        check=False,
    )
    if loaded.returncode != 0:
        _unavailable(f"slapadd failed: {loaded.stderr.strip()}")
    # -d 0: stay in the foreground (so the fixture owns the process) without debug output.
    process = subprocess.Popen(
        [SLAPD, "-f", str(conf), "-h", " ".join(u + "/" for u in urls), "-d", "0"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 15
    for url in urls:
        port = int(url.rsplit(":", 1)[1])
        while True:
            if process.poll() is not None:
                _unavailable(
                    f"slapd exited: {process.stderr.read().decode(errors='replace') if process.stderr else ''}"
                )
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                process.kill()
                _unavailable("slapd did not start listening within 15 s")
            time.sleep(0.05)
    return process


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    url = f"ldap://127.0.0.1:{_free_port()}"
    process = _start_slapd(tmp_path_factory.mktemp("slapd"), "", [url])
    try:
        yield Slapd(url, process)
    finally:
        _stop(process)


@dataclass
class TLSSlapd:
    """A slapd with a certificate of a CA made for the test session: StartTLS and LDAPS."""

    ldap_url: str  # ldap:// (StartTLS)
    ldaps_url: str
    ca_file: Path  # the CA that signed the server's certificate
    other_ca_file: Path  # a CA that did not
    process: subprocess.Popen[bytes]

    def settings(self, url: str, **tls: Any) -> dict[str, Any]:
        return {**Slapd(url, self.process).settings(), **tls}


def _openssl(*args: str) -> None:
    done = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        _unavailable(f"openssl {args[0]} failed: {done.stderr.strip()}")


def _make_ca(directory: Path, name: str) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-keyout", str(key), "-out", str(cert))  # fmt: skip
    return key, cert


@pytest.fixture(scope="session")
def slapd_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TLSSlapd]:
    if not shutil.which("openssl"):
        _unavailable("openssl is not installed")
    directory = tmp_path_factory.mktemp("slapd-tls")
    ca_key, ca = _make_ca(directory, "qunguan-test-ca")
    _, other_ca = _make_ca(directory, "qunguan-other-ca")
    key, csr, cert = directory / "server.key", directory / "server.csr", directory / "server.pem"
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", str(key), "-out", str(csr))  # fmt: skip
    ext = directory / "san.ext"
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    _openssl("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
             "-days", "2", "-extfile", str(ext), "-out", str(cert))  # fmt: skip
    tls = f"TLSCACertificateFile {ca}\nTLSCertificateFile {cert}\nTLSCertificateKeyFile {key}"
    ldap_url, ldaps_url = f"ldap://127.0.0.1:{_free_port()}", f"ldaps://127.0.0.1:{_free_port()}"
    process = _start_slapd(directory, tls, [ldap_url, ldaps_url])
    try:
        yield TLSSlapd(ldap_url, ldaps_url, ca, other_ca, process)
    finally:
        _stop(process)


@pytest.fixture
def ldap_settings(settings: Any, slapd: Slapd) -> Slapd:
    for name, value in slapd.settings().items():
        setattr(settings, name, value)
    return slapd


@pytest.fixture
def cas(settings: Any) -> Iterator[CASDouble]:
    with CASDouble() as server:
        settings.QUNGUAN_CAS_SERVER_URL = server.base_url
        settings.QUNGUAN_CAS_VERSION = "3"
        settings.QUNGUAN_CAS_NUMBER_ATTRIBUTE = ""
        yield server
