"""Secret detectors (涉密信息, regulation 第二条（三）): document numbers (发文字号 / 文号),
classification marks (密级标志) and talk of passing classified files into a group.

The regulation forbids posting a classified file's title, 文号, content or 传达落实情况. A 文号
has a fixed grammar — 机关代字 + 〔年份〕 + 序号 + 号 (院党宣〔2022〕6号) — so it is matched
structurally. A classification mark is 密级 + ★ + 保密期限 (机密★1年). The bare words 秘密 or 机密
are everyday language (a song called 《秘密》, 小秘密, 商业机密) and never fire alone; neither
do reminders of the rule itself ("涉密文件不得上网").
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from qunguan.audit.detectors.base import Detector, Document
from qunguan.audit.finding import Finding, Severity
from qunguan.audit.mask import mask_span

_OPEN = "〔［\\[(【﹝〖{"
_CLOSE = "〕］\\])】﹞〗}"
# 机关代字: 1–8 Chinese characters right before the bracket (院党宣, 川教函, 国办发, 教高厅函).
_DOC_NUMBER = re.compile(
    r"(?P<code>[\u4e00-\u9fff]{1,8})?\s?"
    rf"(?P<open>[{_OPEN}])\s?(?P<year>(?:19|20)[0-9]{{2}})\s?[{_CLOSE}]\s?"
    r"第?\s?(?P<seq>[0-9]{1,4}|[一二三四五六七八九十百〇零]{1,5})\s?号"
)
# Words that precede a 文号 in a sentence but are not part of the 机关代字.
_LEAD = re.compile(
    r"^.*(?:根据|按照|依据|依照|参照|对照|详见|印发|转发|下发|传达|学习|收到|关于|文件|通知|精神|落实|贯彻|执行"
    r"|请|见|即|据|是|为|的|和|及|与|以|照|看)"
)
_NOT_CODE = re.compile(r"(?:年度|年|届|期|第)$")

_MARK = re.compile(
    r"(?P<level>绝密|机密|秘密)\s?(?:★|☆|\*|级)\s?(?P<term>[0-9一二三四五六七八九十]{1,3}\s?年|长期)?"
)
_MARK_LABEL = re.compile(r"密级\s?[：:]?\s?(?:为\s?)?(?:绝密|机密|秘密)")
_FILE_WORDS = re.compile(
    r"(?:绝密|机密|秘密|涉密|保密|密件)(?:文件(?!夹)|材料|资料|文电|件|会议|内容|信息)|国家秘密|密级文件"
)
_INTERNAL = re.compile(
    r"(?:内部资料|内部文件|内部材料|内部参考|内部刊物)[^。！？\n]{0,10}?"
    r"(?:注意保密|注意保存|妥善保管|请勿外传|不得外传|严禁外传|请勿转发|不得转发|严禁转发|不要外传|切勿外传|请勿扩散|不得扩散)"
)
_PASS_ON = re.compile(
    r"拍照|拍下|拍个照|截图|截屏|扫描|发群|发到群|发在群|发群里|传到群|上传|转发|传一下|发一下|传达|发给大家|群里发"
)
# A reminder of the rule is not a leak: "涉密文件不得上网", "严禁在群内转发涉密材料".
_NEGATION = re.compile(r"不得|禁止|严禁|不要|切勿|请勿|不准|不能|不可|防止|杜绝|不许|勿|不上网|不涉密|别")


def _negated(text: str, start: int, end: int) -> bool:
    window = text[max(0, start - 10) : min(len(text), end + 8)]
    return _NEGATION.search(window) is not None


class DocNumberDetector(Detector):
    """Document numbers (发文字号 / 文号) such as 院党宣〔2022〕6号 or 川教函[2021]12号."""

    name = "doc_number"
    categories = ("secret.doc_number",)
    trigger_chars = "〔［[(（【﹝〖"
    min_digits = 5  # four-digit year + a serial number
    trigger_regex = r"[〔［\[(（【﹝〖{｛]\s?(?:[12１２][0-9０-９]|二[〇零○O0]|一九)"

    def scan(self, doc: Document) -> Iterator[Finding]:
        norm = doc.normalized
        for m in _DOC_NUMBER.finditer(norm):
            code = m.group("code") or ""
            start = m.start()
            if code:
                lead = _LEAD.match(code)
                if lead:
                    start += lead.end()
                    code = code[lead.end() :]
            if code and _NOT_CODE.search(code):
                continue
            if not code:
                # Without an issuing-office code only the dedicated 〔〕/﹝﹞ brackets are typical.
                if m.group("open") not in "〔﹝":
                    continue
                score = 0.7
            else:
                score = 0.95 if m.group("open") in "〔﹝[【" else 0.85
            s, e = doc.to_original(start, m.end())
            yield Finding(
                "secret.doc_number",
                "secret.doc_number.grammar",
                Severity.HIGH,
                s,
                e,
                mask_span("secret.doc_number", doc.text[s:e]),
                score,
                "疑似公文发文字号，按保密规定不得在工作群发布文件标题、文号及内容",
            )


class ClassifiedDetector(Detector):
    """Classification marks (机密★1年, 密级：秘密), 内部资料 注意保密, and talk of passing
    classified files on (涉密文件拍照发群)."""

    name = "classified"
    categories = ("secret.classified",)
    trigger_chars = "密内"
    # [绝機机秘涉保]\W{0,2}密|密\W{0,2}[级級件]|内\W{0,2}部 with a plain character first in each
    # alternative, so that the regex engine jumps between occurrences of those characters.
    trigger_regex = "|".join(f"{c}\\W{{0,2}}密" for c in "绝機机秘涉保") + r"|密\W{0,2}[级級件]|内\W{0,2}部"

    def scan(self, doc: Document) -> Iterator[Finding]:
        norm = doc.normalized
        spans: list[tuple[int, int, float, str, str]] = []
        for m in _MARK.finditer(norm):
            term = m.group("term")
            star = "★" in m.group(0) or "☆" in m.group(0)
            # "机密级" / "秘密*" without a period: a mark only if not negated.
            if not (star or term) and _negated(norm, m.start(), m.end()):
                continue
            spans.append((m.start(), m.end(), 0.97 if star else 0.9, "mark", "疑似密级标志"))
        for m in _MARK_LABEL.finditer(norm):
            spans.append((m.start(), m.end(), 0.95, "mark", "疑似密级标志"))
        for m in _INTERNAL.finditer(norm):
            spans.append((m.start(), m.end(), 0.9, "internal", "“内部资料”类保密标注"))
        for m in _FILE_WORDS.finditer(norm):
            if _negated(norm, m.start(), m.end()):
                continue
            lo, hi = max(0, m.start() - 15), min(len(norm), m.end() + 15)
            if _PASS_ON.search(norm, lo, hi):
                spans.append((m.start(), m.end(), 0.9, "pass_on", "涉及传达、转发或拍照上传涉密文件"))
            elif m.group(0).startswith(("绝密", "机密")) or m.group(0) in ("国家秘密", "密级文件"):
                spans.append((m.start(), m.end(), 0.8, "file", "提及涉密文件"))
        spans.sort(key=lambda t: (t[0], -t[1]))
        last_end = -1
        for s, e, score, rule, what in spans:
            if s < last_end:
                continue
            last_end = e
            o_s, o_e = doc.to_original(s, e)
            yield Finding(
                "secret.classified",
                f"secret.classified.{rule}",
                Severity.CRITICAL,
                o_s,
                o_e,
                mask_span("secret.classified", doc.text[o_s:o_e]),
                score,
                f"{what}，涉密信息不上网，不得在工作群发布",
            )
