"""Encoding sniffing: BOMs, UTF-8, GB18030 and BOM-less UTF-16, as chat exports come."""

from __future__ import annotations

import io

import pytest

from qunguan.ingest.text import guess_encoding, open_text

TEXT = "2024-09-02 9:00:05 王建国-辅导员(10001001)\r\n请各位同学按时提交材料。\r\n"


@pytest.mark.parametrize(
    "data",
    [
        ("\ufeff" + TEXT).encode("utf-8"),
        TEXT.encode("utf-8"),
        TEXT.encode("gb18030"),
        ("\ufeff" + TEXT).encode("utf-16-le"),
        TEXT.encode("utf-16-le"),
    ],
    ids=["utf8-bom", "utf8", "gb18030", "utf16-bom", "utf16-no-bom"],
)
def test_every_common_encoding_reads_back_the_same_text(data):
    reader = open_text(io.BytesIO(data))
    assert reader.read().lstrip("\ufeff") == TEXT


def test_a_utf8_character_cut_by_the_sample_is_still_utf8():
    data = TEXT.encode("utf-8")
    cut = data[: data.index("王".encode()) + 2]
    assert guess_encoding(cut) == "utf-8"


def test_undecodable_bytes_do_not_stop_reading():
    reader = open_text(io.BytesIO(b"\xff\xfe\xfd ok\n".replace(b"\xff\xfe", b"\xff\x00")))
    assert "ok" in reader.read()
