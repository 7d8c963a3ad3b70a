from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "qunguan.api"
    label = "api"
    verbose_name = "接口"
