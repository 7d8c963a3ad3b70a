"""Reading the text back out of a PDF the filing writer made, in pure Python (no poppler, no pypdf).

Enough of PDF for reportlab's own output: objects, ASCII85 and Flate streams, the ToUnicode CMaps of its
embedded TrueType subsets, and the ``Tf`` / ``Tj`` operators of its page contents. The text comes
back through the font's own ToUnicode map, as a PDF reader's copy and search would see it.
"""

from __future__ import annotations

import base64
import re
import zlib

OBJECT_START = re.compile(rb"(\d+) 0 obj\b")
STREAM_START = re.compile(rb"stream\r?\n")
FONT_REF = re.compile(rb"/(F\d+(?:\+\d+)?) (\d+) 0 R")
TOKEN = re.compile(rb"/(F\d+(?:\+\d+)?)\s+[\d.]+\s+Tf|\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Return each object as (its dictionary text, its decoded stream or None)."""
    out: dict[int, tuple[bytes, bytes | None]] = {}
    pos = 0
    while (m := OBJECT_START.search(pdf, pos)) is not None:
        stream = STREAM_START.search(pdf, m.end())
        close = pdf.index(b"endobj", m.end())
        if stream is None or stream.start() > close:
            out[int(m.group(1))] = (pdf[m.end() : close], None)
            pos = close
            continue
        body = pdf[m.end() : stream.start()]
        length = int(re.search(rb"/Length (\d+)", body).group(1))  # type: ignore[union-attr]
        data = pdf[stream.end() : stream.end() + length]
        if b"/ASCII85Decode" in body:
            data = base64.a85decode(data.strip().removesuffix(b"~>"))
        if b"/FlateDecode" in body:
            data = zlib.decompress(data)
        out[int(m.group(1))] = (body, data)
        pos = pdf.index(b"endobj", stream.end() + length)
    return out


def _cmap(data: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for code, uni in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            table[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, start in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", section):
            first = int.from_bytes(bytes.fromhex(start.decode()), "big")
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(first + i)
    return table


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i : i + 1]
        if ch != b"\\":
            out += ch
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(0), 8))
            i += 1 + len(octal.group(0))
        else:
            nxt = raw[i + 1 : i + 2]
            out += ESCAPES.get(nxt, nxt)
            i += 2
    return bytes(out)


def embedded_font_names(pdf: bytes) -> list[str]:
    """Return the /FontName of every font whose program is embedded (/FontFile2: TrueType)."""
    return [
        m.group(1).decode()
        for body, _ in objects(pdf).values()
        if b"/FontFile2" in body
        for m in [re.search(rb"/FontName /(\S+)", body)]
        if m
    ]


def extract_text(pdf: bytes) -> str:
    """Return the text of every page, each string drawn on its own line."""
    objs = objects(pdf)
    maps: dict[bytes, dict[int, str]] = {}
    for body, _ in objs.values():
        for name, num in FONT_REF.findall(body):
            font = objs.get(int(num), (b"", None))[0]
            ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
            if ref is not None:
                stream = objs[int(ref.group(1))][1]
                maps[name] = _cmap(stream or b"")
            else:
                maps.setdefault(name, {})
    lines: list[str] = []
    for body, data in objs.values():
        if data is None or b"/Length1" in body or b"Tf" not in data:
            continue
        table: dict[int, str] = {}
        for m in TOKEN.finditer(data):
            if m.group(1) is not None:
                table = maps.get(m.group(1), {})
            else:
                raw = _unescape(m.group(2))
                lines.append("".join(table.get(b, chr(b)) for b in raw))
    return "\n".join(lines)
