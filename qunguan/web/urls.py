"""URLs of the web UI (Chinese, server-rendered)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from qunguan.web.views import auditlog, dashboard, groups, members, review, roster, selfcheck, units

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True),
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
    path("review/", review.review_list, name="review_list"),
    path("review/bulk/", review.review_bulk, name="review_bulk"),
    path("review/<int:finding_id>/", review.review_detail, name="review_detail"),
    path("review/<int:finding_id>/reveal/", review.review_reveal, name="review_reveal"),
    path("review/<int:finding_id>/<slug:action>/", review.review_act, name="review_act"),
    path("audit-log/", auditlog.audit_log, name="audit_log"),
]
