"""Chinese names of the finding categories and severities, as users read them on screen."""

from __future__ import annotations

from qunguan.audit.finding import Severity

CATEGORY_LABELS: dict[str, str] = {
    "privacy.id_card": "身份证号",
    "privacy.phone": "电话号码",
    "privacy.address": "家庭住址",
    "privacy.birth_date": "出生日期",
    "privacy.bank_card": "银行卡号",
    "secret.doc_number": "文件文号",
    "secret.classified": "涉密标识",
    "porn": "色情低俗",
    "violence": "暴力恐怖",
    "vulgar": "低级趣味",
    "illegal": "违法信息",
    "political": "政治有害",
    "ad": "广告推销",
    "harassment": "骚扰",
    "rumor": "谣言/小道消息",
    "abuse": "谩骂/人身攻击",
    "incitement": "煽动",
    "venting": "泄愤",
    "offtopic": "闲聊",
}
SEVERITY_LABELS: dict[Severity, str] = {
    Severity.LOW: "低",
    Severity.MEDIUM: "中",
    Severity.HIGH: "高",
    Severity.CRITICAL: "严重",
}


def category_label(category: str) -> str:
    """Return the Chinese name of ``category`` (the category itself if it has none)."""
    return CATEGORY_LABELS.get(category, category)
