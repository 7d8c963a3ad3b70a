"""The reading helpers every format module shares (``qunguan.ingest.formats._reading``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from qunguan.ingest.formats._reading import epoch_time, json_list, json_object, numbered_lines
from qunguan.ingest.records import CHINA

MOMENT = dt.datetime(2024, 9, 2, 9, 0, 5, tzinfo=CHINA)
SECONDS = int(MOMENT.timestamp())


@pytest.mark.parametrize(
    ("value", "millis"),
    [
        (SECONDS, False),  # OneBot "time", QCE (after dividing its ms)
        (float(SECONDS), False),
        (f"{SECONDS}", False),  # MemoTrace CSV "CreateTime" cell
        (f" {SECONDS} ", False),
        (SECONDS * 1000, True),  # WeCom "msgtime"
        (f"{SECONDS * 1000}", True),
    ],
)
def test_epoch_time_reads_seconds_or_millis_as_numbers_or_digit_strings(value, millis):
    assert epoch_time(value, millis=millis) == MOMENT


@pytest.mark.parametrize(
    "value",
    [
        True,
        None,
        "",
        "1725238805.5",
        "二〇二四",
        "1e9",
        float("nan"),
        float("inf"),
        0,
        915148799,
        4102444800,
        [SECONDS],
    ],
    ids=repr,
)
def test_epoch_time_refuses_what_is_not_a_plausible_chat_time(value):
    assert epoch_time(value) is None


def test_epoch_time_is_in_china_time():
    moment = epoch_time(SECONDS)
    assert moment is not None
    assert moment.utcoffset() == dt.timedelta(hours=8)


def test_numbered_lines_counts_from_one_keeps_line_ends_and_skips_an_overlong_line_by_number():
    text = io.StringIO("一\r\n" + "x" * 50 + "\n三\n")
    assert list(numbered_lines(text, limit=10)) == [(1, "一\r\n"), (2, None), (3, "三\n")]


@pytest.mark.parametrize(("value", "expected"), [({"a": 1}, {"a": 1}), (None, {}), ([1], {}), ("{}", {})])
def test_json_object_is_the_value_only_when_it_is_an_object(value, expected):
    assert json_object(value) == expected


@pytest.mark.parametrize(("value", "expected"), [([1], [1]), (None, []), ({"a": 1}, []), ("[]", [])])
def test_json_list_is_the_value_only_when_it_is_an_array(value, expected):
    assert json_list(value) == expected
