from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "qunguan.campaigns"
    label = "campaigns"
    verbose_name = "年度填报"
