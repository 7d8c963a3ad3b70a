from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "qunguan.incidents"
    label = "incidents"
    verbose_name = "账号事件"
