"""Personal data at rest (个人信息的存放与脱敏): logs, rejects files, exports, backups, the audit log.

The numbers used throughout: a mobile, a resident ID number with a valid check digit, and a
bank card number passing Luhn — what the audit engine reports in a message — beside a staff
number (工号) and a timestamp that nothing masks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chatfixtures import chat_data_dir, chat_file, fresh_auditor, pipe_format
from tests.ops.conftest import _template, installation

__all__ = ["_template", "chat_data_dir", "chat_file", "fresh_auditor", "installation", "pipe_format"]

PHONE = "13800138000"
PHONE_MASKED = "138****8000"
ID_NUMBER = "11010519491231002X"
ID_MASKED = "1101**********002X"
BANK_CARD = "6222021234567890128"
BANK_CARD_MASKED = "***************0128"


@pytest.fixture
def data_dir(chat_data_dir: Path, fresh_auditor: None) -> Path:
    """DATA_DIR in the test's own folder, and a fresh auditor for imports."""
    return chat_data_dir
