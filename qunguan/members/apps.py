from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "qunguan.members"
    label = "members"
    verbose_name = "群成员"

    def ready(self) -> None:
        # Registering the member checks with the registry's @registry_check list: the dashboard,
        # `qunguan check` and the API read that list, so importing the module is all it takes.
        from qunguan.members import checks  # noqa: F401
