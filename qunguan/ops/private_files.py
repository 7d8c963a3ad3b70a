"""Files the product writes that hold personal data: readable by the service account only.

Rejects files, exports written by a command and backup archives are created with mode 600
(folders 700) whatever the umask, so another account on the server cannot read them. The
mode is set when the file is created, never after: there is no moment when the file exists
with the umask's wider mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and its parents) if needed, make it mode 700, and return it."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    path.chmod(DIR_MODE)
    return path


def open_private(path: Path, *, encoding: str = "utf-8") -> IO[str]:
    """Open ``path`` for writing text, created (or emptied) with mode 600; return the stream."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode on O_CREAT; and the umask
    return os.fdopen(fd, "w", encoding=encoding)


def write_private(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path``, created (or emptied) with mode 600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(content)


__all__ = ["DIR_MODE", "FILE_MODE", "open_private", "private_dir", "write_private"]
