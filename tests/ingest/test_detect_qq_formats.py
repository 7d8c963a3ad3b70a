"""``detect`` picks the QQ reader for each QQ sample, whatever other formats are registered beside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from qunguan.ingest.formats import FORMATS, FormatError, detect

SAMPLES = Path(__file__).parent / "samples"


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("qq_pc_txt/qq_group_export.txt", "qq_pc_txt"),
        ("qq_pc_mht/qq_group_export.mht", "qq_pc_mht"),
        ("qce_json/qce_group_export.json", "qce_json"),
        ("onebot_v11/event_stream.jsonl", "onebot_v11"),
    ],
)
def test_detect_picks_the_qq_format_of_each_sample(path, name):
    assert detect(SAMPLES / path).name == name


@pytest.mark.parametrize(
    "path",
    [
        "onebot_v11/api_requests.ws.jsonl",
        "onebot_v11/api_responses.ws.jsonl",
        "onebot_v11/get_group_info.response.json",
        "onebot_v11/get_group_member_list.response.json",
    ],
)
def test_bot_api_frames_are_not_mistaken_for_a_chat_export(path):
    with pytest.raises(FormatError, match="无法识别"):
        detect(SAMPLES / path)


def test_the_qq_formats_are_registered_with_chinese_labels():
    for name in ("qq_pc_txt", "qq_pc_mht", "qce_json", "onebot_v11"):
        assert FORMATS[name].name == name
        assert any("\u4e00" <= ch <= "\u9fff" for ch in FORMATS[name].label)
