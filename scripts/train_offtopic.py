"""Train the off-topic (闲聊 vs 工作) model shipped in ``qunguan/audit/models/offtopic.*``.

Positives (off-topic) are LCCC chit-chat (MIT, ``shared/data/chitchat_lccc_toy``); negatives are
realistic messages of a university work group, generated here from templates we wrote ourselves
(notices, replies such as 收到/已完成/好的老师, questions about a task). The same generator is used
by ``build_lexicons.py`` as "clean official text" to throw out noisy lexicon terms, and by
``eval_models.py`` with a disjoint set of templates as a held-out set.

Run: ``.venv/bin/python scripts/train_offtopic.py [--data ../shared/data] [--out qunguan/audit/models]``.
Deterministic: a fixed seed, the same output bytes on every run.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

UNITS = [
    "党委宣传部",
    "党委组织部",
    "学生工作部",
    "教务处",
    "科研处",
    "人事处",
    "财务处",
    "后勤处",
    "保卫处",
    "图书馆",
    "校团委",
    "研究生院",
    "国际交流处",
    "音乐学院",
    "作曲系",
    "声乐系",
    "器乐系",
    "舞蹈学院",
    "艺术管理学院",
    "数字媒体学院",
    "马克思主义学院",
    "继续教育学院",
    "党政办公室",
    "工会",
    "招生就业处",
    "信息中心",
    "资产管理处",
    "离退休工作处",
    "纪委办公室",
    "流行音乐学院",
    "音乐教育学院",
    "基础部",
]
MEETINGS = [
    "党委理论学习中心组学习会",
    "党委会",
    "校长办公会",
    "支部委员会",
    "主题党日活动",
    "组织生活会",
    "民主生活会",
    "教职工大会",
    "辅导员例会",
    "班主任工作会",
    "期末考试工作部署会",
    "专题学习会",
    "全面从严治党工作会议",
    "意识形态工作专题会",
    "安全稳定工作会",
    "招生工作协调会",
    "学位评定委员会会议",
    "教学工作例会",
    "党风廉政建设工作会议",
    "师德师风专题培训",
    "新生入学教育筹备会",
    "毕业生就业推进会",
    "党支部书记培训班",
    "发展党员工作培训会",
    "学科建设研讨会",
    "巡视整改推进会",
    "统战工作座谈会",
]
TOPICS = [
    "学习贯彻习近平新时代中国特色社会主义思想",
    "学习贯彻党的二十大精神",
    "学习贯彻党的二十届三中全会精神",
    "深入学习习近平总书记重要讲话精神",
    "党纪学习教育",
    "主题教育",
    "意识形态工作责任制落实",
    "全面从严治党主体责任",
    "中央八项规定精神",
    "师德师风建设",
    "课程思政建设",
    "校园安全稳定",
    "网络意识形态安全",
    "社交群组规范管理",
    "党建工作述职评议",
    "基层党组织建设",
    "干部作风建设",
    "铸牢中华民族共同体意识",
    "党史学习教育",
    "廉政风险防控",
    "国家安全教育日",
    "保密工作",
    "防范电信网络诈骗",
    "心理健康教育",
    "就业创业工作",
    "招生宣传",
    "学风建设",
    "劳动教育",
]
DOCS = [
    "《关于开展年度述职评议考核工作的通知》",
    "《学生手册》",
    "《教职工考勤管理办法》",
    "年度工作总结模板",
    "党员信息采集表",
    "奖学金评定细则",
    "期末考试安排表",
    "课表",
    "值班表",
    "会议纪要",
    "学习心得体会模板",
    "教学日历",
    "调课申请表",
    "科研项目申报书",
    "经费报销单",
    "入党申请书",
    "思想汇报",
    "团员评议表",
    "助学金申请表",
    "实习鉴定表",
    "毕业论文开题报告",
    "社交群组备案登记表",
    "消防安全检查表",
    "宿舍卫生检查表",
]
TASKS = [
    "报送材料",
    "填写信息采集表",
    "提交学习心得",
    "完成网上答题",
    "上交思想汇报",
    "核对成绩",
    "提交课程大纲",
    "上报值班安排",
    "报名参加培训",
    "完成师德承诺书签字",
    "确认监考安排",
    "提交教学日历",
    "更新党员信息",
    "完成安全隐患自查",
    "报送社交群组备案表",
    "提交年度考核表",
    "上交奖学金申请材料",
    "完成问卷调查",
    "核对学生名单",
    "提交报销单据",
    "整理档案材料",
    "填报就业去向",
    "做好会议记录",
]
PLACES = [
    "行政楼三楼会议室",
    "图书馆报告厅",
    "音乐厅",
    "主楼201",
    "学术交流中心",
    "党员活动室",
    "教学楼A302",
    "综合楼五楼会议室",
    "线上腾讯会议",
    "学生活动中心",
    "新校区行政楼一楼",
    "演艺厅",
    "各学院会议室",
]
PEOPLE = [
    "王老师",
    "李老师",
    "张书记",
    "刘主任",
    "陈院长",
    "杨老师",
    "赵处长",
    "黄老师",
    "周老师",
    "吴书记",
    "徐老师",
    "孙主任",
    "马老师",
    "朱老师",
    "胡老师",
    "郭院长",
    "何老师",
    "林老师",
    "罗书记",
    "高老师",
]
ROLES = [
    "各位老师",
    "各位同学",
    "各支部书记",
    "各位辅导员",
    "各班班长",
    "各位党员同志",
    "各单位联络人",
    "各位班主任",
    "全体教职工",
    "各学院",
    "各位委员",
    "各位负责人",
]
DAYS = [
    "今天",
    "明天",
    "本周五",
    "下周一",
    "下周三",
    "本周内",
    "3月8日",
    "6月20日",
    "周四",
    "月底前",
    "9月1日",
    "本月15日",
    "11月3日",
    "后天",
    "下周二",
]
TIMES = [
    "上午9:00",
    "下午2:30",
    "下午3点",
    "上午10点",
    "晚上7点",
    "中午12点前",
    "下午5点前",
    "14:00",
    "8:30",
    "下午4点半",
]
CLASSES = [
    "2022级作曲1班",
    "2023级声乐2班",
    "2021级音乐学班",
    "2024级舞蹈编导班",
    "研究生一年级",
    "2023级录音艺术班",
    "2022级钢琴班",
    "2024级新生",
]

TRAIN_TEMPLATES = [
    "【通知】{role}：定于{day}{time}在{place}召开{meeting}，请准时参加，不得无故缺席。",
    "{role}好，{day}{time}在{place}召开{meeting}，主题为{topic}，请相互转告。",
    "关于{topic}的通知：请{role}于{day}前{task}，逾期不再受理。",
    "请各单位于{day}{time}前{task}，联系人：{person}。",
    "{person}：{doc}已上传群文件，请{role}下载后填写，{day}前交至{unit}。",
    "收到",
    "收到，谢谢{person}",
    "好的，收到",
    "好的老师",
    "收到，马上办理",
    "已完成",
    "已提交",
    "已报送",
    "收到，{day}前完成",
    "好的，我这边{day}提交",
    "{unit}已收到",
    "已上传，请{person}查收",
    "{person}，{doc}我已经发到您邮箱了，请查收。",
    "请问{doc}是交纸质版还是电子版？",
    "请问{meeting}需要带笔记本吗？",
    "{person}，请问{task}的截止时间是{day}吗？",
    "老师您好，我们{unit}的材料{day}提交可以吗？",
    "提醒：{day}{time}{meeting}，地点{place}，请大家不要迟到。",
    "{unit}关于开展{topic}的工作安排已经下发，请各位认真阅读并抓好落实。",
    "本周{meeting}请各支部书记汇报{topic}落实情况，每人发言不超过5分钟。",
    "{class_}同学请注意：期末考试安排已发布，请登录教务系统查看考场和座位号。",
    "请{class_}班长{day}前统计本班{task}情况并报辅导员。",
    "奖学金评定工作开始，请符合条件的同学{day}前向班委提交申请材料。",
    "请大家按时参加{meeting}，因故不能参加的须向{person}书面请假。",
    "{meeting}会议纪要已整理完毕，请参会同志核对后签字。",
    "{role}：根据学校安排，{day}起开展{topic}专项检查，请提前做好准备。",
    "{person}，会议室已经预订好了，{day}{time}，{place}。",
    "好的，我们支部{day}开展主题党日活动，主题是{topic}。",
    "通知：{day}全校停电检修，请各位老师提前保存工作文件。",
    "请各位辅导员{day}前完成学生{task}，并督促学生按时返校。",
    "这周的值班表已经排好了，请大家查看群文件，如需调班请联系{person}。",
    "已按要求修改，请{person}再审核一下。",
    "材料已签字盖章，明天送到{unit}。",
    "请各位党员同志{day}前在学习强国完成本月学习任务。",
    "{unit}发布：{doc}已更新，请以最新版本为准。",
    "请{role}认真组织{topic}，{day}前报送总结材料和照片。",
    "老师好，{class_}的名单已经核对完毕，共45人，无误。",
    "{person}，报销单已经填好了，需要您签字。",
    "收到，我会通知到每位同学。",
    "明白，按要求执行。",
    "谢谢老师，已知悉。",
    "知悉",
    "已阅",
    "1",
    "收到[OK]",
    "好的，辛苦了",
    "{day}的{meeting}改到{place}举行，时间不变。",
    "请大家在本群只发布工作信息，不要闲聊，谢谢配合。",
    "本学期教学检查将于{day}开始，请各位老师做好教案和课件准备。",
    "{unit}：请各学院{day}前报送{topic}工作台账。",
    "请新任班干部{day}{time}到{place}参加培训。",
    "{person}您好，科研项目申报书我修改好了，麻烦您看一下。",
    "请未提交{doc}的同志抓紧时间，今天下班前必须交齐。",
    "已收到大家的材料，还差{unit}两位老师没有交。",
    "会议链接已发群里，请提前五分钟进入会议室。",
    "我们{unit}{day}下午有课，能否调整{meeting}的时间？",
    "按照学校党委统一部署，{day}开展{topic}集中学习，请各支部认真组织。",
    # Bare acknowledgements: in a work group they answer a notice. Chit-chat has them too, so
    # they must weigh nothing either way, not lean to chatter through the bias.
    "好的",
    "好的好的",
    "明白",
    "明白了",
    "辛苦了",
    "辛苦了{person}",
    "谢谢",
    "谢谢老师",
    "嗯嗯",
    "好",
    "ok",
    "OK",
    "收到收到",
    "收到！",
    "好的！",
    "没问题",
    "可以",
    "同意",
    "没问题，{day}给您",
    "[图片]",
    "[文件]",
    "[链接]",
    "今天下午可以吗？",
    "{person}在吗？",
    "我看一下",
    "稍等",
    "马上",
    "在路上了",
    "我这边没问题",
]

HOLDOUT_TEMPLATES = [
    "各位老师，{meeting}推迟到{day}{time}，地点不变，请周知。",
    "{person}，我们{unit}的{doc}已经填好，稍后发您审核。",
    "麻烦各位{day}前把{task}的情况反馈给我，谢谢！",
    "收到，正在整理中",
    "收到，已转发给学生",
    "好的，明白了",
    "已按时提交，请查收",
    "请{class_}的同学{day}{time}到{place}参加{topic}专题讲座。",
    "{role}：{doc}模板已更新，请重新下载填写。",
    "关于{meeting}的材料请{day}前报{unit}汇总。",
    "{person}，{task}我们已经完成了，附件是汇总表。",
    "温馨提示：{day}起学校开展{topic}，请大家积极参与。",
    "请问{meeting}是线上还是线下？",
    "请问{doc}需要几份？",
    "{unit}提醒：各位老师请于{day}前{task}。",
    "今天的{meeting}会议记录由{person}负责整理。",
    "感谢各位的配合，本次{task}工作已全部完成。",
]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        unit=rng.choice(UNITS),
        meeting=rng.choice(MEETINGS),
        topic=rng.choice(TOPICS),
        doc=rng.choice(DOCS),
        task=rng.choice(TASKS),
        place=rng.choice(PLACES),
        person=rng.choice(PEOPLE),
        role=rng.choice(ROLES),
        day=rng.choice(DAYS),
        time=rng.choice(TIMES),
        class_=rng.choice(CLASSES),
    )


def work_messages(n: int, seed: int = 7, holdout: bool = False) -> list[str]:
    """Return ``n`` generated work-group messages (deterministic for a seed).

    ``holdout=True`` uses templates never seen in training, for an honest off-topic evaluation.
    """
    rng = random.Random(seed)
    templates = HOLDOUT_TEMPLATES if holdout else TRAIN_TEMPLATES
    return [_fill(rng.choice(templates), rng) for _ in range(n)]


def main(argv: list[str] | None = None) -> int:
    from train_common import SEED, fit, load_lccc, save

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "qunguan" / "audit" / "models")
    parser.add_argument("--limit", type=int, default=0, help="use only this many rows per class (tests)")
    args = parser.parse_args(argv)

    chat = load_lccc(args.data / "chitchat_lccc_toy" / "toy_train.txt")
    work = work_messages(len(chat) // 2, seed=7)
    if args.limit:
        chat, work = chat[: args.limit], work[: args.limit]
    vocab, weights, bias = fit(
        chat + work, [1] * len(chat) + [0] * len(work), c=1.0, max_features=30_000, class_weight="balanced"
    )
    meta = {
        "task": "offtopic: LCCC chit-chat (1) vs work-group messages (0)",
        "trained_on": f"LCCC toy_train {len(chat)} utterances (MIT, thu-coai/CDial-GPT); {len(work)} generated work messages",
        "seed": SEED,
    }
    save(args.out / "offtopic", vocab, weights, bias, threshold=0.5, meta=meta)
    print(
        f"offtopic: {len(vocab)} features from {len(chat)} chit-chat and {len(work)} work messages -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
