from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "qunguan.gateway"
    label = "gateway"
    verbose_name = "QQ 机器人网关"
