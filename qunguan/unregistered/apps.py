from django.apps import AppConfig


class UnregisteredConfig(AppConfig):
    name = "qunguan.unregistered"
    label = "unregistered"
    verbose_name = "未登记群组"
