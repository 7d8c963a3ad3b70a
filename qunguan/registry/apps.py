from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "qunguan.registry"
    label = "registry"
    verbose_name = "群组登记"
