"""Secret detectors (第二条（三）): 文号 and classification marks, near misses beside positives."""

from __future__ import annotations

import pytest

from qunguan.audit import Auditor


@pytest.fixture(scope="module")
def auditor() -> Auditor:
    return Auditor()


def spans(auditor: Auditor, text: str, category: str) -> list[str]:
    return [text[f.start : f.end] for f in auditor.scan(text) if f.category == category]


DOC_NUMBER_CASES = [
    ("院党宣〔2022〕6号", ["院党宣〔2022〕6号"]),
    ("根据川教函[2021]12号文件精神", ["川教函[2021]12号"]),
    ("国办发〔2019〕3号", ["国办发〔2019〕3号"]),
    ("请传达学习教高厅函（2020）15号通知", ["教高厅函（2020）15号"]),
    ("按照院党发【2023】21号要求执行", ["院党发【2023】21号"]),
    ("院办〔2024〕第3号", ["院办〔2024〕第3号"]),
    ("院党组﹝2021﹞8号", ["院党组﹝2021﹞8号"]),
    ("川音院发〔二〇二二〕七号", ["川音院发〔二〇二二〕七号"]),
    ("院党宣 〔 2022 〕 6 号", ["院党宣 〔 2022 〕 6 号"]),
    ("院財發〔2022〕5號", ["院財發〔2022〕5號"]),
    ("〔2022〕6号文件", ["〔2022〕6号"]),
]
DOC_NUMBER_NEAR_MISSES = [
    "2022年度工作总结（2022）",
    "（2021）川01民初123号案件",
    "第(2022)届毕业生",
    "本周五（4月15日）下午开会",
    "请于2022年6月6号前提交",
    "（2023）年度考核结果公布",
    "参考文献[2021]第12页",
]


@pytest.mark.parametrize(("text", "expected"), DOC_NUMBER_CASES)
def test_doc_number_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "secret.doc_number") == expected


@pytest.mark.parametrize("text", DOC_NUMBER_NEAR_MISSES)
def test_doc_number_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "secret.doc_number") == []


def test_doc_number_evidence_masks_digits_only(auditor: Auditor) -> None:
    (f,) = [f for f in auditor.scan("院党宣〔2022〕6号") if f.category == "secret.doc_number"]
    assert f.evidence == "院党宣〔****〕*号"
    assert f.explanation == "疑似公文发文字号，按保密规定不得在工作群发布文件标题、文号及内容"


CLASSIFIED_CASES = [
    ("这份是机密★1年的文件", ["机密★1年"]),
    ("绝密★长期", ["绝密★长期"]),
    ("機密★一年", ["機密★一年"]),
    ("机 密 ★ 3 年", ["机 密 ★ 3 年"]),
    ("密级：机密", ["密级：机密"]),
    ("内部资料 注意保存", ["内部资料 注意保存"]),
    ("内部资料，请勿外传", ["内部资料，请勿外传"]),
    ("把涉密文件拍照发群里吧", ["涉密文件"]),
    ("我把那份绝密文件截图发一下", ["绝密文件"]),
    ("这是机密文件，大家看看", ["机密文件"]),
]
CLASSIFIED_NEAR_MISSES = [
    "听了首歌《秘密》很好听",
    "我有个小秘密不告诉你",
    "秘密花园主题展览周末开放",
    "密码忘了怎么办",
    "涉密文件不得上网，请大家严格遵守",
    "严禁在群内转发涉密材料",
    "请勿将机密文件拍照上传",
    "这是商业机密哈哈",
    "内部资料库已经更新",
    "秘密文件夹里有照片",
    "电影《绝密任务》今晚上映",
    "涉密信息不上网、上网信息不涉密",
]


@pytest.mark.parametrize(("text", "expected"), CLASSIFIED_CASES)
def test_classified_found(auditor: Auditor, text: str, expected: list[str]) -> None:
    assert spans(auditor, text, "secret.classified") == expected


@pytest.mark.parametrize("text", CLASSIFIED_NEAR_MISSES)
def test_classified_near_misses_ignored(auditor: Auditor, text: str) -> None:
    assert spans(auditor, text, "secret.classified") == []
