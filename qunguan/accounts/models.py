"""Login accounts and the roles that scope what each account sees.

A user may hold several roles. Unit-scoped roles (unit manager, unit head, reviewer) cover the
unit's whole subtree; the group-admin role covers single groups; the supervisor sees everything.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", "党委宣传部（统筹监管）"
    UNIT_MANAGER = "unit_manager", "单位联络人"
    UNIT_HEAD = "unit_head", "单位负责人"
    GROUP_ADMIN = "group_admin", "群主/管理员"
    REVIEWER = "reviewer", "审核员"


UNIT_ROLES = frozenset({Role.UNIT_MANAGER, Role.UNIT_HEAD, Role.REVIEWER})


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=64, blank=True)
    person = models.OneToOneField(
        "registry.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="account"
    )

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "registry.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "registry.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "unit", "group"], name="unique_role_assignment"),
            models.CheckConstraint(
                name="role_scope_matches_kind",
                condition=(
                    models.Q(role="supervisor", unit__isnull=True, group__isnull=True)
                    | models.Q(role="group_admin", unit__isnull=True, group__isnull=False)
                    | models.Q(
                        role__in=["unit_manager", "unit_head", "reviewer"],
                        unit__isnull=False,
                        group__isnull=True,
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        target = self.unit or self.group or "全校"
        return f"{self.user} · {self.get_role_display()} · {target}"
