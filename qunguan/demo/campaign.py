"""The demo's March filing campaign (年度填报, 3(7)): opened by 宣传部, units in every state.

作曲系 is still filling it in (the ``zuoqu`` login can try the flow), 声乐系's was returned with
a comment (the ``shengyue`` login sees it), 器乐系's waits for 宣传部 (the ``xuanchuan`` login can
accept or return it), 教务处's
was accepted with a correction that reached the registry; the other units have not started, so
once 10 March has passed they stand out as overdue on the board. Every step is an action.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from qunguan.campaigns import actions
from qunguan.campaigns.models import Campaign, Filing
from qunguan.registry.models import Unit

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A stand-in for the signed and stamped form: the smallest file that is a real PDF.
SIGNED_FORM = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _on(year: int, month: int, day: int, now: dt.datetime) -> dt.datetime:
    """Return 10 o'clock of the day in Beijing time, or ``now`` if that is still to come."""
    return min(dt.datetime(year, month, day, 10, tzinfo=SHANGHAI), now)


def _signed_form(unit: Unit) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"{unit.name}-备案登记表-签字盖章.pdf", SIGNED_FORM)


def _submit(filing: Filing, at: dt.datetime) -> Filing:
    actions.do_confirm_remaining(None, filing, now=at)
    actions.do_upload_scan(None, filing, _signed_form(filing.unit))
    return actions.do_submit_filing(None, filing, now=at)


def open_demo_campaign(*, now: dt.datetime | None = None) -> Campaign:
    """Open this year's campaign (deadline 10 March) and take four units to different states.

    Every step is taken as the system (``actor=None``), like the rest of the demo build.
    """
    now = now or timezone.now()
    year = timezone.localdate(now).year
    campaign = actions.do_open_campaign(None, year=year, now=_on(year, 3, 1, now))
    filings = {f.unit.name: f for f in campaign.filings.select_related("unit")}

    vocal = filings["声乐系"]
    _submit(vocal, _on(year, 3, 4, now))
    actions.do_return_filing(
        None,
        vocal,
        comment="请核对“声乐2024级2班班级群”的现有人数，并补充签字页的单位公章。",
        now=_on(year, 3, 5, now),
    )

    _submit(filings["器乐系"], _on(year, 3, 6, now))

    academic = filings["教务处"]
    first = academic.entries.order_by("pk").first()
    if first is not None:
        purpose = f"{first.snapshot.get('purpose') or '工作通知'}；期末考试安排"
        actions.do_review_entry(None, first, changes={"purpose": purpose}, now=_on(year, 3, 3, now))
    _submit(academic, _on(year, 3, 3, now))
    actions.do_accept_filing(None, academic, comment="材料齐全，同意备案。", now=_on(year, 3, 4, now))
    return campaign
