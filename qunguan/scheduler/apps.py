from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "qunguan.scheduler"
    label = "scheduler"
    verbose_name = "定时任务"

    def ready(self) -> None:
        # The job table registers itself on import; every process that runs jobs loads the apps.
        from qunguan.scheduler import jobs  # noqa: F401
