"""A deterministic generator of realistic work-group chat messages, for benchmarks.

``generate(n, seed=…)`` yields ``n`` messages drawn from the mix a university work group
sees: notices (meetings, deadlines, 腾讯会议 numbers, rooms, dates), short replies
(收到/好的/+1), questions, chit-chat — and a few percent carrying what the audit engine
looks for: phone and ID numbers (synthetic, valid checksums), 文号, classification marks,
addresses, ads and insults. All personal data is synthetic. Same seed, same messages.

Run ``python -m qunguan.audit.corpus --n 20`` to see a sample.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator

_UNITS = [
    "音乐学院",
    "舞蹈学院",
    "学生处",
    "教务处",
    "宣传部",
    "组织部",
    "团委",
    "后勤处",
    "图书馆",
    "研究生院",
    "作曲系",
    "声乐系",
    "艺术管理学院",
    "信息中心",
    "财务处",
    "保卫处",
]
_PLACES = [
    "行政楼301",
    "图书馆报告厅",
    "音乐厅",
    "教学楼A栋205",
    "综合楼四楼会议室",
    "学术报告厅",
    "新校区礼堂",
    "第二会议室",
    "琴房楼102",
    "体育馆",
]
_TOPICS = [
    "意识形态工作",
    "期末考试安排",
    "党史学习教育",
    "安全稳定工作",
    "招生宣传",
    "毕业生就业",
    "疫情防控",
    "宿舍安全检查",
    "奖助学金评定",
    "教学质量评估",
    "社交群组规范管理",
    "年度考核",
    "预算执行",
    "实验室安全",
    "国庆假期值班",
]
_NAMES = [
    "张老师",
    "李老师",
    "王主任",
    "刘书记",
    "陈老师",
    "杨处长",
    "赵同学",
    "黄老师",
    "周老师",
    "吴辅导员",
]
_REPLIES = [
    "收到",
    "收到！",
    "好的",
    "好的，谢谢老师",
    "已完成",
    "+1",
    "收到，马上处理",
    "明白",
    "已提交",
    "👌",
    "收到🙏",
    "好的好的",
    "谢谢",
    "辛苦了",
    "已转发给班级同学",
    "今天下午可以吗？",
    "请问截止时间是哪天？",
    "我们系已经报送了",
    "材料已发邮箱",
    "请假一天，事由已报备",
    "马上到",
    "在路上了",
    "[图片]",
    "[文件] 附件1：登记表.xlsx",
    "@全体成员 请注意查收",
]
_CHAT = [
    "今天食堂的饭还不错",
    "周末有人一起去爬山吗",
    "哈哈哈哈笑死我了",
    "下雨了记得带伞",
    "这个电影挺好看的推荐一下",
    "有没有人知道快递点几点关门",
    "奶茶买一送一了",
    "好困啊昨晚没睡好",
    "楼下的猫又来了",
    "晚上吃火锅吗",
    "今天的夕阳好美",
    "明天降温大家多穿点",
    "我的耳机落在琴房了",
    "谁有充电宝借一下",
    "考完试去哪玩",
    "刚刚那首歌叫什么名字",
    "这周好忙啊",
    "新开的那家面馆不错",
    "听了首歌《秘密》很好听",
    "我有个小秘密不告诉你",
    "密码忘了怎么办",
]


def _id_number(rng: random.Random) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    area = rng.choice(["510105", "510107", "110105", "440305", "320102", "510302", "500103"])
    birth = f"{rng.randint(1960, 2005)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body = area + birth + f"{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


def _mobile(rng: random.Random) -> str:
    return rng.choice(["138", "139", "158", "186", "135", "177", "199"]) + f"{rng.randint(0, 99_999_999):08d}"


def _notice(rng: random.Random) -> str:
    unit, place, topic = rng.choice(_UNITS), rng.choice(_PLACES), rng.choice(_TOPICS)
    month, day, hour = rng.randint(1, 12), rng.randint(1, 28), rng.randint(8, 17)
    kind = rng.randrange(6)
    if kind == 0:
        return (
            f"【通知】{unit}定于{month}月{day}日{hour}:00在{place}召开{topic}专题会议，"
            f"请各单位负责人准时参加，不得缺席。"
        )
    if kind == 1:
        meeting = f"{rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        return f"各位老师：今天{hour}:30线上召开{topic}推进会，腾讯会议号：{meeting}，请提前5分钟入会。"
    if kind == 2:
        return (
            f"请各班于{month}月{day}日前将{topic}材料报送至{unit}，电子版发邮箱，纸质版交{place}。"
            f"逾期未交的将予以通报。"
        )
    if kind == 3:
        return f"本周{topic}共有{rng.randint(100, 5000)}人次参与，完成率{rng.randint(60, 100)}%，感谢大家的支持！"
    if kind == 4:
        return (
            f"@全体成员 {topic}相关文件已上传群文件，请认真学习并于{year(rng)}年{month}月{day}日前"
            f"完成心得体会（不少于{rng.choice([800, 1000, 1500])}字）。"
        )
    return f"学号{rng.randint(2019, 2024)}0{rng.randint(10000, 99999)}的同学请尽快到{unit}领取{topic}材料。"


def year(rng: random.Random) -> int:
    """Return a plausible notice year."""
    return rng.randint(2019, 2025)


def _sensitive(rng: random.Random) -> str:
    kind = rng.randrange(9)
    name = rng.choice(_NAMES)
    if kind == 0:
        return f"{name}的手机号是{_mobile(rng)}，有事直接联系"
    if kind == 1:
        m = _mobile(rng)
        return f"报名请联系 {m[:3]} {m[3:7]} {m[7:]}"
    if kind == 2:
        return f"请核对身份证号：{_id_number(rng)}，有误及时说"
    if kind == 3:
        return f"根据院党宣〔{year(rng)}〕{rng.randint(1, 40)}号文件精神，请各支部认真组织学习"
    if kind == 4:
        return "这份是机密★1年的文件，先别外传"
    if kind == 5:
        return (
            f"家住成都市武侯区玉林小区{rng.randint(1, 20)}栋{rng.randint(1, 4)}单元{rng.randint(101, 2802)}"
        )
    if kind == 6:
        return "兼职刷单日结，加V私聊 wx123456，扫码进群领红包"
    if kind == 7:
        return "你就是个傻逼，滚出去"
    return f"他出生日期是{rng.randint(1990, 2004)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"


def generate(n: int, seed: int = 20220420, sensitive_share: float = 0.03) -> Iterator[str]:
    """Yield ``n`` synthetic chat messages; the same ``seed`` gives the same messages."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not security
    for _ in range(n):
        r = rng.random()
        if r < sensitive_share:
            yield _sensitive(rng)
        elif r < 0.30:
            yield _notice(rng)
        elif r < 0.70:
            yield rng.choice(_REPLIES)
        else:
            msg = rng.choice(_CHAT)
            if rng.random() < 0.3:
                msg += rng.choice(["～", "😂", "！！", "?", "[表情]", "哈哈"])
            yield msg


def main(argv: list[str] | None = None) -> int:
    """Print a sample of the corpus; return 0."""
    parser = argparse.ArgumentParser(prog="python -m qunguan.audit.corpus")
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20220420)
    args = parser.parse_args(argv)
    for msg in generate(args.n, args.seed):
        print(msg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
