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
    # Single sign-on (统一身份认证).
    USER_CREATED_BY_SSO = 130
    USER_SIGNED_ON = 131

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
    # Handovers, official marking and restores (qunguan.registry, 405–409).
    GROUP_HANDED_OVER = 405
    GROUP_RESTORED = 406
    GROUP_MARKED_OFFICIAL = 407
    GROUPS_IMPORTED = 410

    APPROVAL_RECORDED = 500
    APPROVAL_CHANGED = 501
    # The request workflow (审批流程, qunguan.approvals, 502–549).
    APPROVAL_REQUEST_CREATED = 502
    APPROVAL_REQUEST_REVISED = 503
    APPROVAL_REQUEST_SUBMITTED = 504
    APPROVAL_REQUEST_APPROVED = 505
    APPROVAL_REQUEST_REJECTED = 506
    APPROVAL_REQUEST_FILED = 507
    APPROVAL_COMMENTED = 508
    APPROVAL_ATTACHMENT_ADDED = 509

    FILING_EXPORTED = 600
    # The annual filing campaign (年度填报, qunguan.campaigns, 610–649).
    CAMPAIGN_OPENED = 610
    CAMPAIGN_CLOSED = 611
    FILING_ENTRY_CONFIRMED = 620
    FILING_ENTRY_CORRECTED = 621
    FILING_ENTRIES_CONFIRMED = 622
    FILING_SCAN_UPLOADED = 623
    FILING_SUBMITTED = 624
    FILING_ACCEPTED = 625
    FILING_RETURNED = 626
    FILING_GROUPS_ADDED = 627
    FILING_REMINDERS_SENT = 630
    CAMPAIGN_FILING_EXPORTED = 640
    CAMPAIGN_SUMMARY_EXPORTED = 641
    CAMPAIGN_DEADLINE_CHANGED = 642
    PERSONAL_DATA_REVEALED = 700

    CHATS_IMPORTED = 800
    CHATS_IMPORT_INTERRUPTED = 801

    # Handling findings in the review queue (审查队列).
    FINDING_DISMISSED = 810
    FINDING_CONFIRMED = 811
    FINDING_ESCALATED = 812
    FINDING_REOPENED = 813
    FINDING_SENDER_REVEALED = 814

    # Moderation beyond the single decision: allow-list, warnings, cases, exports (815–859).
    ALLOWLIST_ENTRY_ADDED = 815
    ALLOWLIST_ENTRY_REMOVED = 816
    SENDER_WARNED = 820
    WARNING_DELIVERED = 821
    CASE_OPENED = 830
    CASE_FINDING_ATTACHED = 831
    CASE_NOTE_ADDED = 832
    CASE_STATE_CHANGED = 833
    CASE_CLOSED = 834
    FINDINGS_EXPORTED = 840

    # Unregistered groups (未登记群组) seen in imports or by the gateway (860–879).
    UNREGISTERED_GROUP_SEEN = 860
    UNREGISTERED_GROUP_REGISTERED = 861
    UNREGISTERED_GROUP_DISMISSED = 862
    # Message retention, reopened unregistered groups, scheduled gateway syncs (870–879).
    MESSAGES_PURGED = 870
    UNREGISTERED_GROUP_REOPENED = 871
    GATEWAY_SYNC_REQUESTED = 872

    # Group membership (群成员, qunguan.members).
    MEMBERS_IMPORTED = 900
    REMOVAL_LIST_EXPORTED = 901

    # Account incidents (账号事件, qunguan.incidents, 1200–1219).
    ACCOUNT_INCIDENT_REPORTED = 1200
    ACCOUNT_INCIDENT_CHANGED = 1201
    ACCOUNT_INCIDENT_CLOSED = 1202

    # The live QQ gateway (qunguan.gateway), 1000–1049.
    GATEWAY_MESSAGE_RECALLED = 1000
    GATEWAY_MEMBER_WARNED = 1001
    GATEWAY_MEMBER_MUTED = 1002
    GATEWAY_ACTION_FAILED = 1003
    GATEWAY_JOIN_DECIDED = 1010
    GATEWAY_GROUPS_SYNCED = 1020
    GATEWAY_SANCTION_APPLIED = 1030
    GATEWAY_ANNOUNCEMENT_POSTED = 1031
    GATEWAY_CARD_SET = 1032
    GATEWAY_SANCTION_LIFTED = 1040
    # Text read from image messages (图片文字, qunguan.gateway.ocr, 1060–1069).
    GATEWAY_IMAGE_TEXT_READ = 1060
    # Member notices between syncs (成员变动, 1070–1079).
    GATEWAY_MEMBER_JOINED = 1070
    GATEWAY_MEMBER_LEFT = 1071
    GATEWAY_ADMIN_CHANGED = 1072
    GATEWAY_BOT_REMOVED = 1073

    # Notifications (通知, qunguan.notify, 1050–1099).
    NOTIFY_PREFERENCES_CHANGED = 1050
    NOTIFY_DELIVERY_RESENT = 1051
    NOTIFY_PURGED = 1052

    # The scheduler (定时任务, qunguan.scheduler, 1100–1119).
    SCHEDULER_JOB_FAILED = 1100
    SCHEDULER_CHECKS_SUMMARIZED = 1101

    # Operations (运行维护): backups, restores and upgrades of the installation.
    BACKUP_CREATED = 1300
    BACKUP_RESTORED = 1301
    DATABASE_UPGRADED = 1302

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
    AuditEvent.USER_CREATED_BY_SSO: "统一身份认证首次登录开通账号",
    AuditEvent.USER_SIGNED_ON: "统一身份认证登录",
    AuditEvent.BACKUP_CREATED: "创建备份",
    AuditEvent.BACKUP_RESTORED: "从备份恢复",
    AuditEvent.DATABASE_UPGRADED: "升级数据库结构",
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
    AuditEvent.GROUP_HANDED_OVER: "群主/管理员转交",
    AuditEvent.GROUP_RESTORED: "恢复已解散群组",
    AuditEvent.GROUP_MARKED_OFFICIAL: "登记为官方群",
    AuditEvent.APPROVAL_RECORDED: "登记审批",
    AuditEvent.APPROVAL_CHANGED: "修改审批",
    AuditEvent.APPROVAL_REQUEST_CREATED: "新建审批申请",
    AuditEvent.APPROVAL_REQUEST_REVISED: "修改审批申请",
    AuditEvent.APPROVAL_REQUEST_SUBMITTED: "提交审批申请",
    AuditEvent.APPROVAL_REQUEST_APPROVED: "批准审批申请",
    AuditEvent.APPROVAL_REQUEST_REJECTED: "驳回审批申请",
    AuditEvent.APPROVAL_REQUEST_FILED: "审批备案",
    AuditEvent.APPROVAL_COMMENTED: "审批留言",
    AuditEvent.APPROVAL_ATTACHMENT_ADDED: "上传审批附件",
    AuditEvent.FILING_EXPORTED: "导出备案登记表",
    AuditEvent.CAMPAIGN_OPENED: "发起年度填报",
    AuditEvent.CAMPAIGN_CLOSED: "结束年度填报",
    AuditEvent.FILING_ENTRY_CONFIRMED: "确认填报群组",
    AuditEvent.FILING_ENTRY_CORRECTED: "更正填报群组",
    AuditEvent.FILING_ENTRIES_CONFIRMED: "批量确认填报群组",
    AuditEvent.FILING_SCAN_UPLOADED: "上传签字盖章登记表",
    AuditEvent.FILING_SUBMITTED: "提交年度填报",
    AuditEvent.FILING_ACCEPTED: "通过年度填报",
    AuditEvent.FILING_RETURNED: "退回年度填报",
    AuditEvent.FILING_GROUPS_ADDED: "填报补充新登记群组",
    AuditEvent.FILING_REMINDERS_SENT: "发送填报截止提醒",
    AuditEvent.CAMPAIGN_FILING_EXPORTED: "导出单位年度填报",
    AuditEvent.CAMPAIGN_SUMMARY_EXPORTED: "导出全校填报汇总表",
    AuditEvent.CAMPAIGN_DEADLINE_CHANGED: "变更年度填报截止日期",
    AuditEvent.PERSONAL_DATA_REVEALED: "查看个人信息",
    AuditEvent.CHATS_IMPORTED: "导入聊天记录",
    AuditEvent.CHATS_IMPORT_INTERRUPTED: "聊天记录导入中断",
    AuditEvent.MEMBERS_IMPORTED: "导入群成员名单",
    AuditEvent.REMOVAL_LIST_EXPORTED: "导出待清理成员名单",
    AuditEvent.SCHEDULER_JOB_FAILED: "定时任务运行失败",
    AuditEvent.SCHEDULER_CHECKS_SUMMARIZED: "记录每日登记检查汇总",
    AuditEvent.FINDING_DISMISSED: "审查发现标为误报",
    AuditEvent.FINDING_CONFIRMED: "确认审查发现",
    AuditEvent.FINDING_ESCALATED: "上报审查发现",
    AuditEvent.FINDING_REOPENED: "重新打开审查发现",
    AuditEvent.FINDING_SENDER_REVEALED: "查看发送者身份",
    AuditEvent.ACCOUNT_INCIDENT_REPORTED: "报告账号事件",
    AuditEvent.ACCOUNT_INCIDENT_CHANGED: "处理账号事件",
    AuditEvent.ACCOUNT_INCIDENT_CLOSED: "关闭账号事件",
    AuditEvent.GATEWAY_MESSAGE_RECALLED: "机器人撤回消息",
    AuditEvent.GATEWAY_MEMBER_WARNED: "机器人群内提醒",
    AuditEvent.GATEWAY_MEMBER_MUTED: "机器人禁言成员",
    AuditEvent.GATEWAY_ACTION_FAILED: "机器人处置失败",
    AuditEvent.GATEWAY_JOIN_DECIDED: "处理加群申请",
    AuditEvent.GATEWAY_GROUPS_SYNCED: "同步QQ群信息",
    AuditEvent.GATEWAY_SANCTION_APPLIED: "全校联动处置",
    AuditEvent.GATEWAY_ANNOUNCEMENT_POSTED: "发布群公告",
    AuditEvent.GATEWAY_CARD_SET: "设置群名片",
    AuditEvent.GATEWAY_SANCTION_LIFTED: "解除全校联动处置",
    AuditEvent.GATEWAY_IMAGE_TEXT_READ: "识别图片文字",
    AuditEvent.GATEWAY_MEMBER_JOINED: "成员入群",
    AuditEvent.GATEWAY_MEMBER_LEFT: "成员退群",
    AuditEvent.GATEWAY_ADMIN_CHANGED: "群管理员变动",
    AuditEvent.GATEWAY_BOT_REMOVED: "机器人被移出群",
    AuditEvent.ALLOWLIST_ENTRY_ADDED: "加入白名单",
    AuditEvent.ALLOWLIST_ENTRY_REMOVED: "移出白名单",
    AuditEvent.SENDER_WARNED: "警告发送者",
    AuditEvent.WARNING_DELIVERED: "警告送达结果",
    AuditEvent.CASE_OPENED: "立案",
    AuditEvent.CASE_FINDING_ATTACHED: "个案关联审查发现",
    AuditEvent.CASE_NOTE_ADDED: "个案记录",
    AuditEvent.CASE_STATE_CHANGED: "个案状态变更",
    AuditEvent.CASE_CLOSED: "结案",
    AuditEvent.FINDINGS_EXPORTED: "导出审查发现",
    AuditEvent.UNREGISTERED_GROUP_SEEN: "发现未登记群组",
    AuditEvent.UNREGISTERED_GROUP_REGISTERED: "登记未登记群组",
    AuditEvent.UNREGISTERED_GROUP_DISMISSED: "认定为非工作群",
    AuditEvent.MESSAGES_PURGED: "按保留期限清除消息内容",
    AuditEvent.UNREGISTERED_GROUP_REOPENED: "重新打开未登记群组",
    AuditEvent.GATEWAY_SYNC_REQUESTED: "请求机器人同步群信息",
    AuditEvent.NOTIFY_PREFERENCES_CHANGED: "修改通知设置",
    AuditEvent.NOTIFY_DELIVERY_RESENT: "重新发送通知",
    AuditEvent.NOTIFY_PURGED: "按保留期限清除通知",
}
