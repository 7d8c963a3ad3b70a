"""The fuzz targets of ``make fuzz`` (``scripts/fuzz/``) hold on their seeds and on the crashes found.

Keeps the harnesses from rotting without atheris in ``make test``: every target takes the sample
files it is seeded with, and empty or garbled input, without raising. An input that once made a
reader crash under ``make fuzz`` stays here as a spec.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT.parent / "shared" / "samples"


def _targets() -> dict[str, Callable[[bytes], None]]:
    spec = importlib.util.spec_from_file_location(
        "qunguan_fuzz_targets", ROOT / "scripts" / "fuzz" / "targets.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    found: dict[str, Callable[[bytes], None]] = module.targets()
    return found


TARGETS = _targets()
GARBLED = [b"", b"\x00", b"\xff\xfe\x00\x00", "群聊\r\n\x00消息".encode(), b"{" * 5000, b"<html>" * 200]


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_takes_empty_and_garbled_input(name: str) -> None:
    for data in GARBLED:
        TARGETS[name](data)


@pytest.mark.parametrize("name", sorted(n for n in TARGETS if (SAMPLES / n).is_dir()))
def test_every_reader_target_takes_its_sample_files(name: str) -> None:
    for path in sorted((SAMPLES / name).rglob("*")):
        if path.is_file():
            TARGETS[name](path.read_bytes())


MHT_NUL_CHARSET = (
    b"From: <Save by Tencent MsgMgr>\r\nSubject: Tencent IM Message\r\nMIME-Version: 1.0\r\n"
    b'Content-Type:multipart/related;\r\n\tcharset="utf\x00-8"\r\n\ttype="text/html";\r\n'
    b'\tboundary="----=_NextPart_01"\r\n\r\n------=_NextPart_01\r\nContent-Type:text/html\r\n'
    b"Content-Transfer-Encoding:7bit\r\n\r\n<html><body><table><tr><td>x</td></tr></table></body></html>\r\n"
    b"------=_NextPart_01--\r\n"
)


def test_mht_export_whose_charset_holds_a_nul_byte_is_read_without_raising() -> None:
    TARGETS["qq_pc_mht"](MHT_NUL_CHARSET)
