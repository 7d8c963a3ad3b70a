"""Structured logs: ``QUNGUAN_LOG_FORMAT=json`` writes one JSON object a line for a log collector.

Every handler in ``settings.LOGGING`` also runs ``PersonalDataFilter``: a log line may quote a
message, a card or an address typed by someone, and log files are kept, copied and shipped to
collectors that the product's access rules do not reach, so ID, phone and bank card numbers
are masked before any handler formats the record.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any, TextIO

from qunguan.privacy_at_rest import mask_text, mask_values

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class StderrHandler(logging.StreamHandler):
    """A console handler that writes to ``sys.stderr`` as it is when a record is written.

    ``logging.StreamHandler`` keeps the stream it was configured with. Django configures logging
    again on every ``django.setup()`` (each ``qunguan`` command run in the same process), and a
    stream swapped in meanwhile — a test's captured output, a redirected console — would be kept
    after it is closed. A stream given with ``setStream`` is used until ``sys.stderr`` is given back.
    """

    def __init__(self, level: int = logging.NOTSET) -> None:
        logging.Handler.__init__(self, level)
        self._stream: TextIO | None = None

    @property
    def stream(self) -> TextIO:
        return self._stream if self._stream is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO | None) -> None:
        self._stream = None if value is None or value is sys.stderr else value


class JsonFormatter(logging.Formatter):
    """Format a record as ``{"time", "level", "logger", "message", ...extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            # The text PersonalDataFilter masked, when it ran; else formatted here.
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class PersonalDataFilter(logging.Filter):
    """Mask ID, phone and bank card numbers in a record's message, extras and traceback.

    The message is formatted with its arguments first (``getMessage``) and masked whole, so a
    number split over the format string and an argument is still found; the record then
    carries the masked text and no arguments. Always lets the record through.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # arguments that do not fit the format: keep them apart
            message = f"{record.msg} {record.args!r}"
        record.msg = mask_text(message)
        record.args = None
        for key, value in list(vars(record).items()):
            if (
                key not in _STANDARD
                and not key.startswith("_")
                and isinstance(value, str | dict | list | tuple)
            ):
                setattr(record, key, mask_values(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
