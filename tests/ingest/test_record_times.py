"""The import's time helpers give exactly what the standard library gives, faster.

``timestamp`` (the conversation rules' clock for each imported message) and ``utc_second`` (the
fingerprint's second) take the hour of a China-time moment from a cache; the result must be the
very float ``datetime.timestamp()`` returns and the very text of the UTC ISO form, for every
moment an export can hold.
"""

from __future__ import annotations

import datetime as dt
import random

from qunguan.ingest.records import CHINA, timestamp, utc_second

OTHER_ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-7))]


def _moments(count: int) -> list[dt.datetime]:
    rng = random.Random(20240902)
    return [
        dt.datetime(
            rng.randrange(1950, 2100),
            rng.randrange(1, 13),
            rng.randrange(1, 29),
            rng.randrange(24),
            rng.randrange(60),
            rng.randrange(60),
            tzinfo=CHINA,
        )
        for _ in range(count)
    ]


def test_the_timestamp_of_a_china_time_moment_is_the_standard_librarys_float():
    for moment in _moments(3000):
        got = timestamp(moment)
        assert type(got) is float
        assert got == moment.timestamp(), moment


def test_the_timestamp_of_the_same_hour_is_right_for_every_second_of_it():
    start = dt.datetime(2024, 12, 31, 23, 0, 0, tzinfo=CHINA)
    for second in range(0, 3600, 7):
        moment = start + dt.timedelta(seconds=second)
        assert timestamp(moment) == moment.timestamp()


def test_fractions_of_a_second_and_other_zones_take_the_plain_way():
    for moment in _moments(200):
        with_fraction = moment.replace(microsecond=123457)
        assert timestamp(with_fraction) == with_fraction.timestamp()
        for zone in OTHER_ZONES:
            elsewhere = moment.replace(tzinfo=zone)
            assert timestamp(elsewhere) == elsewhere.timestamp()


def test_the_utc_second_is_the_iso_form_of_the_utc_moment():
    for moment in _moments(2000):
        assert utc_second(moment) == moment.astimezone(dt.UTC).isoformat()[:19]
        elsewhere = moment.replace(tzinfo=OTHER_ZONES[1])
        assert utc_second(elsewhere) == elsewhere.astimezone(dt.UTC).isoformat()[:19]
