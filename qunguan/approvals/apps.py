from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "qunguan.approvals"
    label = "approvals"
    verbose_name = "审批"
