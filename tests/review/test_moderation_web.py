"""Allow-listing, warnings, cases, search, charts and the export through the web UI."""

from __future__ import annotations

import io
import json
import re

from django.urls import reverse
from openpyxl import load_workbook

from qunguan.audit.labels import category_label
from qunguan.auditlog.events import AuditEvent
from qunguan.auditlog.models import AuditLogEntry
from qunguan.chats import access, cases
from qunguan.chats.models import AllowListEntry, Case, FindingStatus, SenderWarning
from qunguan.chats.privacy import pseudonym
from tests.review.conftest import ID_NUMBER, PHONE


def post(client, name, *args, **data):
    return client.post(reverse(name, args=args), data)


# ── allow-list ────────────────────────────────────────────────────────────────────────────


def test_reviewer_dismisses_and_allow_lists_for_the_unit(review, client_for):
    client = client_for(review.reviewer)
    page = client.get(reverse("review_detail", args=[review.phone.pk])).text
    assert 'id="act-allowlist"' in page
    assert 'value="school"' not in page  # school-wide is the supervisor's decision
    response = post(client, "review_allowlist", review.phone.pk, kind="phrase", scope="unit", note="公开电话")
    assert response.status_code == 302
    assert review.reload(review.phone).status == FindingStatus.DISMISSED
    entry = AllowListEntry.objects.get()
    assert (entry.phrase, entry.unit) == (PHONE, review.cast.composition)
    listing = client.get(reverse("allowlist_list")).text
    assert f"短语“{PHONE}”（作曲系）" in listing
    assert client_for(review.cast.manager_b).get(reverse("allowlist_list")).text.count("data-entry=") == 0


def test_school_wide_by_a_manager_is_refused_with_a_message(review, client_for):
    client = client_for(review.cast.manager_a)
    response = client.post(
        reverse("review_allowlist", args=[review.phone.pk]),
        {"kind": "phrase", "scope": "school"},
        follow=True,
    )
    assert "只有党委宣传部可以设置全校白名单。" in response.text
    assert review.reload(review.phone).status == FindingStatus.OPEN


def test_removing_an_entry_from_the_allow_list_page(review, client_for):
    client = client_for(review.reviewer)
    post(client, "review_allowlist", review.phone.pk, kind="sender_rule", scope="unit")
    entry = AllowListEntry.objects.get()
    assert post(client_for(review.cast.manager_b), "allowlist_remove", entry.pk).status_code == 404
    assert post(client, "allowlist_remove", entry.pk).status_code == 302
    entry.refresh_from_db()
    assert entry.active is False


# ── warnings ──────────────────────────────────────────────────────────────────────────────


def test_reviewer_warns_the_sender_from_the_finding(review, client_for):
    client = client_for(review.reviewer)
    response = post(client, "review_warn", review.phone.pk, text="请勿在工作群发布个人电话。")
    assert response.status_code == 302
    warning = SenderWarning.objects.get()
    assert (warning.text, warning.status) == ("请勿在工作群发布个人电话。", "pending")
    page = client.get(reverse("review_detail", args=[review.phone.pk])).text
    assert "此前已警告 1 次" in page
    assert post(client_for(review.cast.head_a), "review_warn", review.phone.pk).status_code == 403
    assert post(client_for(review.cast.manager_b), "review_warn", review.phone.pk).status_code == 404


# ── cases ─────────────────────────────────────────────────────────────────────────────────


def test_from_finding_to_closed_case_in_the_browser_forms(review, client_for):
    client = client_for(review.reviewer)
    response = post(client, "review_case", review.id_card.pk, title="在工作群发布身份证号")
    case = Case.objects.get()
    assert response["Location"] == reverse("case_detail", args=[case.pk])
    page = client.get(response["Location"]).text
    assert "在工作群发布身份证号" in page
    assert pseudonym(review.id_card.message) in page
    assert "赵四" not in page
    assert ID_NUMBER not in page
    post(client, "case_note", case.pk, kind="education", text="已约谈，批评教育")
    post(client, "case_close", case.pk, outcome="education", note="当事人已删除消息并认识错误")
    case.refresh_from_db()
    assert (case.state, case.outcome) == ("closed", "education")
    page = client.get(reverse("case_detail", args=[case.pk])).text
    assert "已结案" in page
    assert "批评教育" in page
    listing = client.get(reverse("case_list")).text
    assert f'data-case="{case.pk}"' in listing


def test_attaching_a_second_finding_of_the_same_sender(review, client_for, chat_file):
    from qunguan.chats.actions import do_import_chat_file
    from qunguan.chats.models import Finding

    do_import_chat_file(
        None, chat_file("2024-09-06T09:00:00|600100200|10001011|钱五|再说一次13812345678|p2", name="c.pipe")
    )
    second = Finding.objects.filter(message__message_id="p2", category="privacy.phone").get()
    client = client_for(review.reviewer)
    case = cases.do_open_case(review.reviewer, review.phone)
    page = client.get(reverse("review_detail", args=[second.pk])).text
    assert f'<option value="{case.pk}">' in page
    post(client, "review_case", second.pk, case=case.pk)
    assert set(case.findings.all()) == {review.phone, second}


def test_case_pages_are_scoped(review, client_for):
    case = cases.do_open_case(review.reviewer, review.phone)
    assert client_for(review.cast.manager_b).get(reverse("case_detail", args=[case.pk])).status_code == 404
    assert f'data-case="{case.pk}"' not in client_for(review.cast.manager_b).get(reverse("case_list")).text
    head = client_for(review.cast.head_a)
    assert "您只能查看该个案，无权处理。" in head.get(reverse("case_detail", args=[case.pk])).text
    assert post(head, "case_close", case.pk, outcome="education", note="x").status_code == 403
    assert client_for(review.cast.outsider).get(reverse("case_list")).status_code == 403


# ── search ────────────────────────────────────────────────────────────────────────────────


def test_search_page_shows_masked_results_in_scope(review, client_for):
    page = client_for(review.cast.manager_a).get(reverse("message_search"), {"q": "身份证"}).text
    assert "共找到 1 条消息" in page
    assert "<mark>身份证</mark>" in page
    assert ID_NUMBER not in page
    assert "赵四" not in page
    other = client_for(review.cast.manager_b).get(reverse("message_search"), {"q": "身份证"}).text
    assert "没有找到包含该文字的消息" in other
    assert client_for(review.cast.outsider).get(reverse("message_search")).status_code == 403


# ── dashboard and export ──────────────────────────────────────────────────────────────────


def test_dashboard_charts_are_served_locally_with_the_scoped_figures(review, client_for):
    page = client_for(review.cast.manager_a).get(reverse("review_dashboard")).text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/web/vendor/echarts/echarts.min.js" in scripts
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))]
    data = json.loads(
        re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', page).group(1)
    )
    visible = access.visible_findings(review.cast.manager_a)
    assert sum(d["value"] for d in data["byCategory"]) == visible.count()
    assert {d["name"] for d in data["byCategory"]} == {
        category_label(c) for c in visible.values_list("category", flat=True)
    }
    assert data["byUnit"] == {"names": ["作曲系"], "values": [visible.count()]}
    assert data["days"] == ["2024-09-02"]


def test_export_is_masked_scoped_and_logged(review, client_for):
    client = client_for(review.cast.manager_a)
    response = client.get(reverse("review_export"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("编号", "发送时间", "单位", "群组", "发送者（代号）")
    body = "\n".join(str(v) for row in rows[1:] for v in row)
    assert ID_NUMBER not in body
    assert PHONE not in body
    assert "赵四" not in body
    assert {r[0] for r in rows[1:]} == set(
        access.visible_findings(review.cast.manager_a).values_list("pk", flat=True)
    )
    assert review.phone_b.pk not in {r[0] for r in rows[1:]}
    entry = AuditLogEntry.objects.order_by("-seq").first()
    assert entry.event_type == AuditEvent.FINDINGS_EXPORTED


def test_dashboard_counts_warnings_per_sender(review, client_for):
    client = client_for(review.reviewer)
    post(client, "review_warn", review.phone.pk)
    post(client, "review_warn", review.phone.pk, text="第二次提醒")
    page = client.get(reverse("review_dashboard")).text
    table = page[page.index('id="warning-counts"') :]
    assert f'<td class="mono">{pseudonym(review.phone.message)}</td><td>2</td>' in table


def test_supervisor_handles_an_unregistered_groups_finding_school_wide_only(review, client_for):
    client = client_for(review.cast.supervisor)
    page = client.get(reverse("review_detail", args=[review.abuse_unregistered.pk])).text
    assert "未登记群组的审查发现不能立案，请先登记该群组。" in page
    assert 'value="school"' in page
    assert 'value="unit"' not in page
    post(client, "review_allowlist", review.abuse_unregistered.pk, kind="phrase", scope="school")
    entry = AllowListEntry.objects.get()
    f = review.abuse_unregistered
    assert (entry.unit, entry.phrase) == (None, f.message.text[f.start : f.end])


def test_the_chart_library_ships_with_its_licence():
    from django.contrib.staticfiles import finders

    for name in ("echarts.min.js", "LICENSE", "NOTICE.txt"):
        assert finders.find(f"web/vendor/echarts/{name}"), name
    assert finders.find("web/review-charts.js")
