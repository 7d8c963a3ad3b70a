"""Single sign-on (统一身份认证): from a directory identity to the roster person's account.

LDAP and CAS both end here: the directory names a 工号/学号, the roster (花名册) knows the
person with that number, and the person's account carries the roles. A roster person without
an account gets one on first sign-on (no roles, no local password) unless the deployment turns
that off; a number that is not on the roster is refused with a message the user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from qunguan.accounts.models import User
from qunguan.registry.models import Person


class SignOnRefused(Exception):
    """The directory vouched for the user, but qunguan will not let them in; ``message`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class DirectoryIdentity:
    """Who the directory says the user is: ``source`` is "ldap" or "cas"."""

    source: str
    login: str
    number: str
    display_name: str = ""


SOURCE_LABELS = {"ldap": "LDAP", "cas": "CAS"}


def account_for(identity: DirectoryIdentity) -> User:
    """Return the active account of the roster person named by ``identity``; create it if allowed.

    Raises ``SignOnRefused`` (codes ``no_number``, ``not_in_roster``, ``no_account``,
    ``username_taken``, ``inactive``).
    """
    from qunguan.accounts.actions import do_create_sso_account  # actions import this module's types

    number = identity.number.strip()
    if not number:
        raise SignOnRefused("no_number", "统一身份认证没有提供您的工号/学号，请联系信息化部门。")
    person = Person.objects.filter(number=number).first()
    if person is None:
        raise SignOnRefused(
            "not_in_roster", f"工号/学号 {number} 不在花名册中，请联系本单位联络人补录后再登录。"
        )
    user = User.objects.filter(person=person).first()
    if user is None:
        if not settings.QUNGUAN_SSO_CREATE_ACCOUNTS:
            raise SignOnRefused(
                "no_account", f"{person.name}（{number}）尚未开通群管账号，请联系党委宣传部。"
            )
        if User.objects.filter(username=number).exists():
            raise SignOnRefused(
                "username_taken", f"用户名 {number} 已被另一个账号占用，请联系党委宣传部处理。"
            )
        user = do_create_sso_account(None, person=person, source=identity.source)
    if not user.is_active:
        raise SignOnRefused("inactive", "您的群管账号已停用，请联系党委宣传部。")
    return user
