"""The contract of a chat-export format."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import BinaryIO, ClassVar

from qunguan.ingest.records import ChatRecord, Reject


class FormatError(ValueError):
    """The file is not in any known format, or not in the one asked for (one Chinese sentence)."""


class ChatFormat(ABC):
    """One export format: how to recognise its files and how to read them.

    ``read`` is a generator over the whole file in constant memory (one message at a time, never
    the whole file in a list, except for formats that are a single JSON document). It never
    raises for bad content: what it cannot read becomes a ``Reject`` with the line number, and
    reading goes on with the next message.
    """

    name: ClassVar[str]  # "qq_pc_txt": what --format takes
    label: ClassVar[str]  # "QQ 电脑版导出（.txt）": what users read

    @classmethod
    @abstractmethod
    def sniff(cls, head: bytes, filename: str) -> bool:
        """Return True if a file starting with ``head`` (up to 64 KiB) named ``filename`` is this format."""

    @abstractmethod
    def read(self, stream: BinaryIO) -> Iterator[ChatRecord | Reject]:
        """Yield the records (and rejects) of the binary ``stream``, in file order."""
