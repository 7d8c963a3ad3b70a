"""Upload file names as they were sent, so that a name with a path is refused, not silently cut.

Django's multipart parser keeps only the last part of an upload's name ("../../etc/x.txt"
arrives as "x.txt", ".." not at all), which keeps files inside their folder but hides that a
client sent a path. ``UploadNameMiddleware`` (before the CSRF check, which is the first to read
a form) parses multipart requests with a parser that also records every name holding a path —
``../``, a leading ``/``, a backslash, a drive letter — in ``request.unsafe_upload_names``, so
that an upload page can name the file in a clear error and store nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParser

_DRIVE = re.compile(r"^[A-Za-z]:")


def has_path(name: str) -> bool:
    """Whether an upload's name, as sent, holds a path (``../``, ``/…``, ``\\``, ``C:``) or is ``.``/``..``."""
    name = html.unescape(name)
    return "/" in name or "\\" in name or name.strip() in {".", ".."} or bool(_DRIVE.match(name))


class _NameRecordingParser(MultiPartParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unsafe_names: list[str] = []

    def sanitize_file_name(self, file_name: str) -> str | None:
        if has_path(file_name):
            self.unsafe_names.append(file_name)
        return super().sanitize_file_name(file_name)


class UploadNameMiddleware:
    """Record the names with a path of a multipart request's files in ``request.unsafe_upload_names``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        names: list[str] = []
        request.unsafe_upload_names = names  # type: ignore[attr-defined]
        if request.method == "POST" and request.content_type == "multipart/form-data":

            def parse(meta: Any, post_data: Any) -> Any:
                parser = _NameRecordingParser(meta, post_data, request.upload_handlers, request.encoding)
                result = parser.parse()
                names.extend(parser.unsafe_names)
                return result

            # one request's own parser; Django calls it when the form is first read
            setattr(request, "parse_file_upload", parse)  # noqa: B010
        return self.get_response(request)


def unsafe_upload_names(request: HttpRequest) -> list[str]:
    """Return the file names with a path that the request's form sent (after reading its files)."""
    return list(getattr(request, "unsafe_upload_names", []))
