"""URLs of the web UI (Chinese, server-rendered)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from qunguan.accounts.forms import LoginForm
from qunguan.gateway import views as bot_views
from qunguan.incidents import views as incident_views
from qunguan.notify import views as notify_views
from qunguan.web.views import approvals as approval_views
from qunguan.web.views import (
    auditlog,
    cases,
    chat_upload,
    dashboard,
    groups,
    members,
    review,
    review_stats,
    roster,
    search,
    selfcheck,
    units,
    unregistered,
)
from qunguan.web.views import campaigns as campaign_views
from qunguan.web.views import inbox as inbox_views

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("groups/", groups.group_list, name="group_list"),
    path("groups/new/", groups.group_register, name="group_register"),
    path("groups/<int:group_id>/", groups.group_detail, name="group_detail"),
    path("groups/<int:group_id>/edit/", groups.group_edit, name="group_edit"),
    path("groups/<int:group_id>/dissolve/", groups.group_dissolve, name="group_dissolve"),
    path("groups/<int:group_id>/rules/", groups.group_rules_upload, name="group_rules_upload"),
    path("groups/<int:group_id>/rules/download/", groups.group_rules_download, name="group_rules_download"),
    path("groups/<int:group_id>/members/", members.group_members, name="group_members"),
    path("groups/<int:group_id>/members/import/", members.group_members_import, name="group_members_import"),
    path(
        "groups/<int:group_id>/members/removals.<str:fmt>",
        members.group_removals_download,
        name="group_removals_download",
    ),
    path("units/", units.unit_tree, name="unit_tree"),
    path("units/<int:unit_id>/filing.<str:fmt>", units.filing_export, name="filing_export"),
    path("roster/", roster.roster_list, name="roster_list"),
    path("roster/import/", roster.roster_import, name="roster_import"),
    path("roster/import/confirm/", roster.roster_import_confirm, name="roster_import_confirm"),
    path("selfcheck/", selfcheck.selfcheck, name="selfcheck"),
    path("chats/upload/", chat_upload.chat_upload, name="chat_upload"),
    path(
        "chats/imports/<int:batch_id>/rejects/", chat_upload.chat_import_rejects, name="chat_import_rejects"
    ),
    path("unregistered/", unregistered.unregistered_list, name="unregistered_list"),
    path("unregistered/<int:sighting_id>/", unregistered.unregistered_detail, name="unregistered_detail"),
    path(
        "unregistered/<int:sighting_id>/register/",
        unregistered.unregistered_register,
        name="unregistered_register",
    ),
    path(
        "unregistered/<int:sighting_id>/dismiss/",
        unregistered.unregistered_dismiss,
        name="unregistered_dismiss",
    ),
    path(
        "unregistered/<int:sighting_id>/reopen/",
        unregistered.unregistered_reopen,
        name="unregistered_reopen",
    ),
    path("review/", review.review_list, name="review_list"),
    path("review/bulk/", review.review_bulk, name="review_bulk"),
    path("review/<int:finding_id>/", review.review_detail, name="review_detail"),
    path("review/<int:finding_id>/reveal/", review.review_reveal, name="review_reveal"),
    path("review/dashboard/", review_stats.review_dashboard, name="review_dashboard"),
    path("review/export.xlsx", review_stats.review_export, name="review_export"),
    path("review/allowlist/", review_stats.allowlist_list, name="allowlist_list"),
    path("review/allowlist/<int:entry_id>/remove/", review_stats.allowlist_remove, name="allowlist_remove"),
    path("review/<int:finding_id>/allowlist/", review.review_allowlist, name="review_allowlist"),
    path("review/<int:finding_id>/warn/", review.review_warn, name="review_warn"),
    path("review/<int:finding_id>/case/", review.review_case, name="review_case"),
    path("review/<int:finding_id>/<slug:action>/", review.review_act, name="review_act"),
    path("cases/", cases.case_list, name="case_list"),
    path("cases/<int:case_id>/", cases.case_detail, name="case_detail"),
    path("cases/<int:case_id>/note/", cases.case_note, name="case_note"),
    path("cases/<int:case_id>/handle/", cases.case_handle, name="case_handle"),
    path("cases/<int:case_id>/close/", cases.case_close, name="case_close"),
    path("search/", search.message_search, name="message_search"),
    path("audit-log/", auditlog.audit_log, name="audit_log"),
    path("campaigns/", campaign_views.campaign_list, name="campaign_list"),
    path("campaigns/open/", campaign_views.campaign_open, name="campaign_open"),
    path("campaigns/<int:campaign_id>/", campaign_views.campaign_board, name="campaign_board"),
    path("campaigns/<int:campaign_id>/close/", campaign_views.campaign_close, name="campaign_close"),
    path("campaigns/<int:campaign_id>/deadline/", campaign_views.campaign_deadline, name="campaign_deadline"),
    path(
        "campaigns/<int:campaign_id>/summary.xlsx", campaign_views.campaign_summary, name="campaign_summary"
    ),
    path("campaigns/filings/<int:filing_id>/", campaign_views.campaign_filing, name="campaign_filing"),
    path(
        "campaigns/filings/<int:filing_id>/entries/<int:entry_id>/",
        campaign_views.campaign_entry,
        name="campaign_entry",
    ),
    path(
        "campaigns/filings/<int:filing_id>/confirm-all/",
        campaign_views.campaign_confirm_all,
        name="campaign_confirm_all",
    ),
    path(
        "campaigns/filings/<int:filing_id>/add-groups/",
        campaign_views.campaign_add_groups,
        name="campaign_add_groups",
    ),
    path("campaigns/filings/<int:filing_id>/scan/", campaign_views.campaign_scan, name="campaign_scan"),
    path(
        "campaigns/filings/<int:filing_id>/scan/download/",
        campaign_views.campaign_scan_download,
        name="campaign_scan_download",
    ),
    path("campaigns/filings/<int:filing_id>/submit/", campaign_views.campaign_submit, name="campaign_submit"),
    path("campaigns/filings/<int:filing_id>/decide/", campaign_views.campaign_decide, name="campaign_decide"),
    path(
        "campaigns/filings/<int:filing_id>/filing.<str:fmt>",
        campaign_views.campaign_filing_export,
        name="campaign_filing_export",
    ),
    path("approvals/", approval_views.approval_list, name="approval_list"),
    path("approvals/new/", approval_views.approval_new, name="approval_new"),
    path("approvals/<int:approval_id>/", approval_views.approval_detail, name="approval_detail"),
    path("approvals/<int:approval_id>/edit/", approval_views.approval_edit, name="approval_edit"),
    path(
        "approvals/<int:approval_id>/files/<int:attachment_id>/",
        approval_views.approval_attachment,
        name="approval_attachment",
    ),
    path("approvals/<int:approval_id>/<slug:step>/", approval_views.approval_step, name="approval_step"),
    path("groups/<int:group_id>/dissolution/", approval_views.group_dissolution, name="group_dissolution"),
    path(
        "groups/<int:group_id>/dissolution/evidence/",
        approval_views.group_dissolution_evidence,
        name="group_dissolution_evidence",
    ),
    path("groups/<int:group_id>/restore/", approval_views.group_restore, name="group_restore"),
    path("incidents/", incident_views.incident_list, name="incident_list"),
    path("incidents/new/", incident_views.incident_report, name="incident_report"),
    path("incidents/<int:incident_id>/", incident_views.incident_detail, name="incident_detail"),
    path("bots/", bot_views.bot_list, name="bot_list"),
    path("bots/groups/<int:group_id>/", bot_views.bot_group, name="bot_group"),
    path("bots/groups/<int:group_id>/announce/", bot_views.bot_announce, name="bot_announce"),
    path("bots/groups/<int:group_id>/card/", bot_views.bot_card, name="bot_card"),
    path("bots/sanctions/", bot_views.sanction_list, name="sanction_list"),
    path("bots/sanctions/<int:sanction_id>/lift/", bot_views.sanction_lift, name="sanction_lift"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read-all/", inbox_views.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("inbox/settings/", inbox_views.notify_prefs, name="notify_prefs"),
    path("inbox/failed/", notify_views.failed_deliveries, name="failed_deliveries"),
    path("inbox/failed/<int:delivery_id>/resend/", notify_views.resend_delivery, name="resend_delivery"),
    path("inbox/<int:notification_id>/", inbox_views.inbox_detail, name="inbox_detail"),
    path("inbox/<int:notification_id>/read/", inbox_views.inbox_mark_read, name="inbox_mark_read"),
]
