"""Shared steps of the campaign specifications: open a campaign, fill a filing, make a scan."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile

from qunguan.campaigns import actions
from qunguan.campaigns.models import Campaign, Filing

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
YEAR = 2026
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    """Return ``hour`` o'clock of ``day`` in Beijing time."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)


def scan(content: bytes = PDF, name: str = "备案登记表-签字盖章.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def open_campaign(cast, **kwargs) -> Campaign:
    return actions.do_open_campaign(cast.supervisor, year=YEAR, now=at(dt.date(YEAR, 3, 1)), **kwargs)


def filing_of(campaign: Campaign, unit) -> Filing:
    return campaign.filings.get(unit=unit)


def complete(user, filing: Filing) -> Filing:
    """Confirm every group, upload the signed form and submit, as the unit's liaison."""
    actions.do_confirm_remaining(user, filing)
    actions.do_upload_scan(user, filing, scan())
    return actions.do_submit_filing(user, filing, now=at(dt.date(YEAR, 3, 5)))
