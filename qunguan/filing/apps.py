from django.apps import AppConfig


class FilingConfig(AppConfig):
    name = "qunguan.filing"
    label = "filing"
    verbose_name = "备案登记表"
