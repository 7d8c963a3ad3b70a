from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "qunguan.notify"
    label = "notify"
    verbose_name = "通知"
