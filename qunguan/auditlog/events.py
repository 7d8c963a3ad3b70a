"""Audit event types: a stable enum, stored as integers — never renumber an existing member."""

from __future__ import annotations

import enum


class AuditEvent(enum.IntEnum):
    USER_CREATED = 100
    USER_ROLE_GRANTED = 101
    USER_ROLE_REVOKED = 102
    USER_PASSWORD_CHANGED = 103
    USER_LOGGED_IN = 110
    USER_LOGIN_FAILED = 111
    API_TOKEN_CREATED = 120
    API_TOKEN_REVOKED = 121

    UNIT_CREATED = 200
    UNIT_CHANGED = 201

    PERSON_CREATED = 300
    PERSON_CHANGED = 301
    ROSTER_IMPORTED = 310

    GROUP_REGISTERED = 400
    GROUP_CHANGED = 401
    GROUP_ADMINS_CHANGED = 402
    GROUP_DISSOLVED = 403
    GROUP_RULES_UPLOADED = 404
    GROUPS_IMPORTED = 410

    APPROVAL_RECORDED = 500
    APPROVAL_CHANGED = 501

    FILING_EXPORTED = 600
    PERSONAL_DATA_REVEALED = 700

    CHATS_IMPORTED = 800

    # Handling findings in the review queue (审查队列).
    FINDING_DISMISSED = 810
    FINDING_CONFIRMED = 811
    FINDING_ESCALATED = 812
    FINDING_REOPENED = 813
    FINDING_SENDER_REVEALED = 814

    # Group membership (群成员, qunguan.members).
    MEMBERS_IMPORTED = 900
    REMOVAL_LIST_EXPORTED = 901

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self, self.name.lower())


EVENT_LABELS: dict[AuditEvent, str] = {
    AuditEvent.USER_CREATED: "创建账号",
    AuditEvent.USER_ROLE_GRANTED: "授予角色",
    AuditEvent.USER_ROLE_REVOKED: "撤销角色",
    AuditEvent.USER_PASSWORD_CHANGED: "修改密码",
    AuditEvent.USER_LOGGED_IN: "登录",
    AuditEvent.USER_LOGIN_FAILED: "登录失败",
    AuditEvent.API_TOKEN_CREATED: "创建接口令牌",
    AuditEvent.API_TOKEN_REVOKED: "吊销接口令牌",
    AuditEvent.UNIT_CREATED: "新建单位",
    AuditEvent.UNIT_CHANGED: "修改单位",
    AuditEvent.PERSON_CREATED: "新增人员",
    AuditEvent.PERSON_CHANGED: "修改人员",
    AuditEvent.ROSTER_IMPORTED: "导入花名册",
    AuditEvent.GROUP_REGISTERED: "登记群组",
    AuditEvent.GROUP_CHANGED: "修改群组",
    AuditEvent.GROUP_ADMINS_CHANGED: "变更管理员",
    AuditEvent.GROUP_DISSOLVED: "解散群组",
    AuditEvent.GROUP_RULES_UPLOADED: "上传管理办法",
    AuditEvent.GROUPS_IMPORTED: "批量导入群组",
    AuditEvent.APPROVAL_RECORDED: "登记审批",
    AuditEvent.APPROVAL_CHANGED: "修改审批",
    AuditEvent.FILING_EXPORTED: "导出备案登记表",
    AuditEvent.PERSONAL_DATA_REVEALED: "查看个人信息",
    AuditEvent.CHATS_IMPORTED: "导入聊天记录",
    AuditEvent.MEMBERS_IMPORTED: "导入群成员名单",
    AuditEvent.REMOVAL_LIST_EXPORTED: "导出待清理成员名单",
    AuditEvent.FINDING_DISMISSED: "审查发现标为误报",
    AuditEvent.FINDING_CONFIRMED: "确认审查发现",
    AuditEvent.FINDING_ESCALATED: "上报审查发现",
    AuditEvent.FINDING_REOPENED: "重新打开审查发现",
    AuditEvent.FINDING_SENDER_REVEALED: "查看发送者身份",
}
