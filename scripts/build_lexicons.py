"""Build the shipped, curated lexicons in ``qunguan/audit/data/lexicons/`` from konsheng + our curation.

Sources (licences allow shipping a derived list): the konsheng Sensitive-lexicon (MIT, LICENSE copied
next to the output), our own curated terms below, and clean text used only to THROW TERMS OUT:
LCCC chit-chat (MIT), COLD safe rows (Apache-2.0) and our generated work-group messages.

Why so aggressive: the konsheng lists are recall-oriented and full of everyday words (时间, 系统,
联系), leaders' names and official vocabulary (党, 政策, 会议). A university party committee's
work chat uses those all day, so a term survives only when

* its category is known (by source file, or by category markers for the mixed lists),
* it is at least two characters (four for plain ASCII words) and not a bare number,
* it names no leader unless it also carries a hostile marker (打倒, 下台 …),
* it never occurs in our work messages or the allow-list, and it is rare in LCCC and COLD safe rows.

Output: one ``<category>.txt`` per category, lines ``term<TAB>category<TAB>weight`` (the format
deployments use for extra lexicons), ``allow.txt`` (one phrase per line), ``illegal_domains.txt``
and ``README.md`` with the counts. Deterministic: sorted output, no timestamps.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections import Counter, defaultdict
from pathlib import Path

import ahocorasick

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_common import load_cold, load_lccc, normalizer  # noqa: E402
from train_offtopic import work_messages  # noqa: E402

CATEGORIES = ("porn", "violence", "vulgar", "illegal", "political", "ad", "abuse")

# Source file → (category, weight). Files not listed are "mixed" and categorised by markers.
SOURCE_FILES = {
    "色情类型.txt": ("porn", 0.8),
    "色情词库.txt": ("porn", 0.8),
    "暴恐词库.txt": ("violence", 0.75),
    "涉枪涉爆.txt": ("illegal", 0.8),
    "广告类型.txt": ("ad", 0.5),
    "政治类型.txt": ("political", 0.7),
    "反动词库.txt": ("political", 0.8),
    "贪腐词库.txt": ("political", 0.6),
    "民生词库.txt": (None, 0.0),
}
MIXED_WEIGHT = 0.6

# Markers that put a term of a mixed list (or 民生词库) into a category; first match wins, in
# this order, so that e.g. 法轮 goes to illegal (邪教) before the political markers see it.
MARKERS: list[tuple[str, re.Pattern[str]]] = [
    (
        "porn",
        re.compile(
            r"做爱|性交|乱伦|淫|屄|阴茎|阴道|阴唇|阴蒂|口交|肛交|强奸|轮奸|迷奸|裸聊|裸体|援交|一夜情|偷拍|自慰|"
            r"奶子|鸡巴|肉棒|潮吹|约炮|群交|性奴|色情|黄片|成人电影|av女优|爆乳|巨乳|乳交|嫖|卖淫|妓|包夜|小姐服务|"
            r"操逼|插逼|肏|激情视频|三级片|床戏|性爱|性服务"
        ),
    ),
    (
        "illegal",
        re.compile(
            r"枪|弹药|炸药|雷管|火药|冰毒|海洛因|摇头丸|大麻|k粉|麻古|氯胺酮|吗啡|鸦片|毒品|代开发票|假证|办证|假币|"
            r"洗钱|赌博|博彩|六合彩|时时彩|百家乐|赌场|赌球|迷药|迷幻|窃听|监听|针孔|套现|高利贷|替考|代考|"
            r"出售答案|考试答案|身份证出售|卖肾|售肾|代孕|法轮|轮功|大法弟子|全能神|门徒会|邪教|李洪志|发票|"
            r"黑客攻击|木马|私服|外挂"
        ),
    ),
    (
        "violence",
        re.compile(
            r"炸弹|爆炸|恐怖|杀人|砍人|血洗|屠杀|圣战|人肉炸弹|袭击|斩首|绑架|报复社会|自杀|自焚|爆头|砍死|捅死|"
            r"杀光|灭门|纵火|投毒|恐袭"
        ),
    ),
    (
        "political",
        re.compile(
            r"共产党|中共|共党|共匪|gcd|六四|天安门事件|民运|民主运动|藏独|台独|港独|疆独|东突|政变|颠覆|推翻|打倒|"
            r"下台|专制|独裁|暴政|反共|退党|三退|九评|自由门|无界浏览|达赖|热比娅|刘晓波|零八宪章|08宪章|"
            r"八九|89学潮|学潮|坦克人|文革|支那|共残|共铲|党魁|红朝|暴君|维权|上访|游行|示威|静坐"
        ),
    ),
    (
        "ad",
        re.compile(
            r"代开|代办|代写|刷单|兼职日结|网赚|加微|加v|微信号|招代理|日赚|月入|贷款|信用卡|减肥|增高|丰胸|"
            r"彩票|投注|返利|佣金|代购|低价出售|免费领取"
        ),
    ),
]

# Leaders' and officials' names appear in ordinary notices (学习习近平总书记重要讲话精神). A term
# containing one survives only with a hostile marker next to it.
LEADER_NAMES = (
    "习近平",
    "近平",
    "李克强",
    "李强",
    "温家宝",
    "胡锦涛",
    "江泽民",
    "毛泽东",
    "邓小平",
    "周恩来",
    "朱镕基",
    "李鹏",
    "王岐山",
    "赵乐际",
    "王沪宁",
    "蔡奇",
    "丁薛祥",
    "李希",
    "韩正",
    "栗战书",
    "汪洋",
    "俞正声",
    "张德江",
    "刘云山",
    "张高丽",
    "彭丽媛",
    "吴邦国",
    "贾庆林",
    "曾庆红",
    "习仲勋",
    "刘少奇",
    "朱德",
    "华国锋",
    "胡耀邦",
    "赵紫阳",
    "杨尚昆",
    "李先念",
    "乔石",
    "李瑞环",
    "罗干",
    "吴官正",
    "贺国强",
    "周永康",
    "薄熙来",
    "令计划",
    "孙政才",
    "郭伯雄",
    "徐才厚",
    "总书记",
    "主席",
    "总理",
    "书记",
    "委员长",
)
HOSTILE = re.compile(
    r"打倒|下台|独裁|暴政|去死|屠夫|杀人|狗|猪|包子|蛤蟆|倒台|垮台|滚|暴君|贼|匪|畜|婊|"
    r"操|干死|该死|王八|魔|淫|贪官"
)

# Official vocabulary that must never be flagged, in any category. Matches inside these phrases
# are suppressed at scan time too (the detector loads allow.txt into the same automaton).
ALLOW = [
    "党委",
    "党委书记",
    "党委副书记",
    "党委会",
    "党委会议",
    "党委常委",
    "党委宣传部",
    "党委组织部",
    "党委办公室",
    "党总支",
    "党支部",
    "党支部书记",
    "支部书记",
    "书记",
    "副书记",
    "校党委",
    "院党委",
    "基层党组织",
    "党组织",
    "党员",
    "党员大会",
    "党员干部",
    "预备党员",
    "入党",
    "入党申请书",
    "入党积极分子",
    "发展党员",
    "党建",
    "党建工作",
    "党课",
    "党日",
    "主题党日",
    "党史",
    "党史学习教育",
    "党纪",
    "党纪学习教育",
    "党风廉政建设",
    "全面从严治党",
    "从严治党",
    "党的领导",
    "党中央",
    "以习近平同志为核心的党中央",
    "习近平新时代中国特色社会主义思想",
    "习近平总书记",
    "习近平总书记重要讲话精神",
    "总书记重要讲话",
    "中国特色社会主义",
    "社会主义核心价值观",
    "马克思主义",
    "马克思主义学院",
    "毛泽东思想",
    "邓小平理论",
    "三个代表重要思想",
    "科学发展观",
    "党的二十大",
    "党的二十大精神",
    "二十届三中全会",
    "中国共产党",
    "共产党员",
    "中国共产党章程",
    "党章",
    "共青团",
    "团委",
    "校团委",
    "学习贯彻",
    "学习强国",
    "理论学习中心组",
    "民主生活会",
    "组织生活会",
    "三会一课",
    "意识形态",
    "意识形态工作",
    "网络意识形态",
    "统战",
    "统战部",
    "纪委",
    "纪检监察",
    "巡视",
    "巡察",
    "整改",
    "反腐败",
    "党风廉政",
    "廉政",
    "廉洁",
    "政策",
    "会议",
    "会议通知",
    "政府",
    "人民政府",
    "国务院",
    "教育部",
    "教育厅",
    "国家安全",
    "国家安全教育日",
    "保密",
    "保密工作",
    "总理",
    "国家主席",
    "主席",
    "委员长",
    "人大",
    "政协",
    "全国人大",
    "中央八项规定",
    "八项规定",
    "铸牢中华民族共同体意识",
    "民族团结",
    "宗教工作",
    "防范邪教",
    "反邪教",
    "反恐",
    "防恐",
    "反恐演练",
    "消防演练",
    "禁毒",
    "禁毒宣传",
    "禁毒教育",
    "防范电信网络诈骗",
    "反诈",
    "校园安全",
    "安全教育",
    "心理健康",
    "天安门广场",
    "升旗仪式",
    "国旗",
    "国歌",
    "爱国主义教育",
    "红色教育",
    "革命传统",
    "天安门",
    "游行检阅",
    "维权服务",
    "消费者权益",
    "劳动教育",
    "考试",
    "期末考试",
    "奖学金",
    "助学金",
    "辅导员",
    "班主任",
    "监考",
    "网络安全",
    "信息安全",
    "枪声",
    "秘密",
    "小秘密",
    "情歌",
    "歌曲",
    "演出",
    "音乐会",
    "合唱",
    "独唱",
    "声乐",
    "钢琴",
    "舞蹈",
]

# Our own curated terms (category, weight): insults, vulgar words and lures the public lists miss,
# with common evasions (homophones, pinyin initials). ASCII terms only match as whole words.
CURATED: dict[str, dict[str, float]] = {
    "abuse": {
        "傻逼": 0.95,
        "傻b": 0.9,
        "傻比": 0.9,
        "煞笔": 0.9,
        "沙比": 0.85,
        "傻叉": 0.9,
        "傻x": 0.85,
        "sb": 0.7,
        "shabi": 0.85,
        "脑残": 0.85,
        "弱智": 0.75,
        "智障": 0.8,
        "白痴": 0.75,
        "蠢货": 0.85,
        "蠢猪": 0.9,
        "笨蛋": 0.5,
        "废物": 0.75,
        "人渣": 0.9,
        "败类": 0.75,
        "贱人": 0.9,
        "贱货": 0.9,
        "婊子": 0.9,
        "绿茶婊": 0.9,
        "心机婊": 0.9,
        "死全家": 0.95,
        "全家死光": 0.95,
        "你妈死了": 0.95,
        "nmsl": 0.9,
        "去死吧": 0.85,
        "滚蛋": 0.75,
        "滚犊子": 0.8,
        "狗东西": 0.9,
        "狗杂种": 0.95,
        "杂种": 0.85,
        "畜生": 0.85,
        "畜牲": 0.85,
        "禽兽不如": 0.85,
        "王八蛋": 0.9,
        "龟儿子": 0.85,
        "狗日的": 0.9,
        "不要脸": 0.65,
        "臭不要脸": 0.85,
        "贱种": 0.95,
        "下贱": 0.7,
        "舔狗": 0.7,
        "普信男": 0.75,
        "普信女": 0.75,
        "田园女权": 0.8,
        "女拳": 0.75,
        "男拳": 0.7,
        "国男": 0.6,
        "蝈蝻": 0.85,
        "龟男": 0.8,
        "母狗": 0.9,
        "公狗": 0.6,
        "猪头": 0.55,
        "死胖子": 0.8,
        "黑鬼": 0.95,
        "黑皮": 0.6,
        "尼哥": 0.9,
        "黑蛆": 0.95,
        "白皮猪": 0.95,
        "阿三": 0.6,
        "棒子": 0.55,
        "小日本": 0.7,
        "日本鬼子": 0.7,
        "洋垃圾": 0.8,
        "南蛮": 0.7,
        "北佬": 0.6,
        "捞仔": 0.6,
        "偷井盖": 0.5,
        "地域黑": 0.6,
        "乡巴佬": 0.7,
        "土鳖": 0.75,
        "穷逼": 0.9,
        "屌丝": 0.55,
        "基佬": 0.75,
        "死gay": 0.9,
        "娘炮": 0.8,
        "变态": 0.55,
        "恶心人": 0.6,
        "真恶心": 0.6,
        "滚出": 0.6,
        "丢人现眼": 0.6,
        "猪狗不如": 0.9,
        "没教养": 0.6,
        "有病吧": 0.6,
        "神经病": 0.65,
        "脑子进水": 0.7,
        "脑子有病": 0.75,
        "低能": 0.75,
        "低能儿": 0.85,
        "贱民": 0.85,
        "劣等": 0.75,
        "劣等民族": 0.95,
        "蛆": 0.0,
        "卖国贼": 0.6,
        "汉奸": 0.6,
        "走狗": 0.6,
        "废柴": 0.55,
        "窝囊废": 0.75,
        "狗娘养的": 0.95,
        "狗腿子": 0.7,
        "叼毛": 0.85,
        "吊毛": 0.8,
        "死妈": 0.95,
        "cnm": 0.85,
        "tmd": 0.6,
        "rnm": 0.85,
        "wcnm": 0.9,
        "你算什么东西": 0.8,
        "什么玩意": 0.5,
        "闭嘴": 0.45,
        "活该": 0.5,
        "贱": 0.0,
        "骚货": 0.9,
        "骚逼": 0.95,
        "荡妇": 0.85,
        "黑猩猩": 0.6,
        "猴子": 0.0,
        "倭寇": 0.6,
        "蛮夷": 0.6,
        "直男癌": 0.7,
        "渣男": 0.6,
        "渣女": 0.6,
        "剩女": 0.5,
        "拜金女": 0.6,
        "小仙女": 0.45,
        "打拳": 0.5,
        "黑人都": 0.5,
        "女人都": 0.4,
        "男人都": 0.4,
        "河南人都": 0.6,
        "东北人都": 0.6,
        "上海人都": 0.5,
        "去死": 0.7,
    },
    "vulgar": {
        "他妈的": 0.7,
        "他妈": 0.45,
        "tmd": 0.6,
        "妈的": 0.5,
        "卧槽": 0.55,
        "我靠": 0.3,
        "我操": 0.7,
        "操你": 0.9,
        "操你妈": 0.95,
        "草泥马": 0.85,
        "草你妈": 0.95,
        "日你": 0.8,
        "日你妈": 0.95,
        "尼玛": 0.5,
        "你妹": 0.4,
        "特么": 0.5,
        "麻痹": 0.55,
        "马勒戈壁": 0.85,
        "屁眼": 0.7,
        "鸡巴": 0.9,
        "jb": 0.6,
        "吊毛": 0.8,
        "装逼": 0.6,
        "牛逼": 0.3,
        "逼格": 0.0,
        "蛋疼": 0.4,
        "扯淡": 0.45,
        "放屁": 0.5,
        "狗屁": 0.55,
        "屌": 0.0,
        "屌爆": 0.5,
        "吃屎": 0.75,
        "wtf": 0.5,
        "fuck": 0.7,
        "shit": 0.6,
        "我日": 0.6,
        "老子": 0.3,
        "滚你妈": 0.95,
        "去你妈的": 0.95,
        "去你的": 0.4,
        "nnd": 0.6,
        "奶奶的": 0.45,
        "龟孙": 0.75,
        "撒比": 0.85,
        "瓜皮": 0.5,
        "逗比": 0.4,
        "二逼": 0.85,
        "装b": 0.6,
    },
    "porn": {
        "约炮": 0.9,
        "裸聊": 0.95,
        "一夜情": 0.8,
        "援交": 0.9,
        "黄网": 0.9,
        "色情网站": 0.9,
        "看片": 0.5,
        "成人视频": 0.85,
        "激情视频": 0.9,
        "av女优": 0.9,
        "福利姬": 0.85,
        "小黄片": 0.9,
        "开房": 0.5,
        "上门服务": 0.8,
        "特殊服务": 0.8,
        "全套服务": 0.9,
        "包夜": 0.8,
        "外围女": 0.85,
        "裸照": 0.85,
    },
    "violence": {
        "砍死你": 0.95,
        "弄死你": 0.9,
        "杀了你": 0.9,
        "捅死": 0.9,
        "打死你": 0.85,
        "炸学校": 0.95,
        "炸了学校": 0.95,
        "报复社会": 0.95,
        "同归于尽": 0.8,
        "血洗": 0.9,
        "灭门": 0.9,
        "爆你头": 0.85,
        "割喉": 0.9,
        "泼硫酸": 0.95,
        "砍人": 0.9,
        "杀人放火": 0.85,
        "恐怖袭击": 0.9,
        "制作炸弹": 0.95,
        "跳楼": 0.6,
        "想自杀": 0.8,
        "自杀方法": 0.95,
        "烧炭自杀": 0.95,
    },
    "illegal": {
        "代开发票": 0.95,
        "办假证": 0.95,
        "假证": 0.8,
        "代考": 0.9,
        "替考": 0.9,
        "枪手代考": 0.95,
        "考试答案": 0.7,
        "出售答案": 0.9,
        "四六级答案": 0.9,
        "买卖学位": 0.9,
        "论文代写": 0.85,
        "代写论文": 0.85,
        "网络赌博": 0.9,
        "网赌": 0.9,
        "赌球": 0.85,
        "百家乐": 0.85,
        "时时彩": 0.85,
        "贷款口子": 0.85,
        "校园贷": 0.7,
        "裸贷": 0.95,
        "套现": 0.7,
        "出售银行卡": 0.95,
        "收银行卡": 0.9,
        "收购银行卡": 0.95,
        "出租银行卡": 0.95,
        "跑分": 0.7,
        "洗钱": 0.85,
        "冰毒": 0.95,
        "大麻": 0.8,
        "k粉": 0.9,
        "摇头丸": 0.95,
        "迷药": 0.9,
        "窃听器": 0.85,
        "针孔摄像": 0.85,
        "买卖身份证": 0.95,
        "出售身份证": 0.95,
        "翻墙软件": 0.6,
    },
    "ad": {
        "兼职日结": 0.9,
        "日结工资": 0.8,
        "刷单": 0.9,
        "刷单返利": 0.95,
        "网络兼职": 0.8,
        "手机兼职": 0.85,
        "在家赚钱": 0.8,
        "轻松月入": 0.9,
        "日赚": 0.8,
        "躺赚": 0.8,
        "招代理": 0.85,
        "诚招代理": 0.9,
        "微商": 0.6,
        "代购": 0.6,
        "优惠券": 0.5,
        "点赞返现": 0.9,
        "好评返现": 0.9,
        "免费领取": 0.6,
        "扫码领取": 0.85,
        "加微信领取": 0.9,
        "私信领取": 0.8,
        "限时特价": 0.8,
        "包邮": 0.5,
        "低价出售": 0.7,
        "贷款": 0.0,
        "无抵押贷款": 0.9,
        "无需抵押": 0.8,
        "秒到账": 0.8,
        "拉人头": 0.85,
        "投资理财": 0.6,
        "稳赚不赔": 0.9,
        "高额回报": 0.85,
        "内部渠道": 0.6,
        "代写": 0.75,
        "代做作业": 0.9,
        "代课": 0.5,
        "助力砍价": 0.8,
        "帮忙砍一刀": 0.85,
        "砍一刀": 0.7,
        "拼多多": 0.5,
        "淘宝店": 0.6,
        "微店": 0.6,
    },
    "political": {
        "打倒共产党": 0.95,
        "共匪": 0.9,
        "共产党下台": 0.95,
        "推翻共产党": 0.95,
        "推翻政府": 0.9,
        "颠覆政权": 0.85,
        "反共": 0.8,
        "支那猪": 0.95,
        "支那": 0.7,
        "台独": 0.7,
        "藏独": 0.7,
        "港独": 0.7,
        "疆独": 0.7,
        "光复香港": 0.9,
        "时代革命": 0.6,
        "五毛党": 0.7,
        "五毛": 0.5,
        "党棍": 0.8,
    },
}
DROP_TERMS = {t for d in CURATED.values() for t, w in d.items() if w <= 0.0}

# Words that DESCRIBE a topic rather than solicit, insult or agitate: news, a safety notice or a
# class on law uses them (强奸案, 防范自杀, 发票报销, 国民党史). Alone they are no violation.
DESCRIPTIVE = set(
    [
        "强奸",
        "轮奸",
        "自杀",
        "杀人",
        "屠杀",
        "大屠杀",
        "发票",
        "死刑",
        "主权",
        "穆斯林",
        "伊斯兰",
        "清真",
        "国民党",
        "共产党",
        "抗议",
        "上访",
        "激情",
        "高潮",
        "屁股",
        "内裤",
        "乳房",
        "裸体",
        "性欲",
        "性爱",
        "发生关系",
        "阉割",
        "假币",
        "特供",
        "打砸抢",
        "爆炸案",
        "恐怖袭击",
        "跳楼",
        "媚外",
        "招聘",
        "打倒",
        "卖淫",
        "维权",
        "游行",
        "示威",
        "静坐",
        "爆炸",
        "恐怖",
        "袭击",
        "绑架",
        "毒品",
        "赌博",
        "枪击",
        "枪支",
        "子弹",
        "炸药",
        "独立",
        "民主",
        "自由",
        "人权",
        "宗教",
        "基督",
        "佛教",
        "道教",
        "暴动",
        "骚乱",
        "拆迁",
        "纠纷",
        "打人",
        "盗窃",
        "腐败",
        "贪污",
        "落马",
        "双规",
        "强拆",
        "城管",
        "信访",
        "罢工",
        "兼职",
        "代理",
        "客服",
        "网购",
        "淘宝",
        "全职",
        "性别",
        "性感",
        "色狼",
        "同性恋",
        "中共",
        "下台",
        "起诉",
        "判决",
        "咖啡因",
        "兴奋剂",
        "吗啡",
        "访民",
        "避孕",
        "避孕套",
        "月经",
        "怀孕",
        "流产",
        "安全套",
        "裸露",
        "胸部",
        "下体",
        "私处",
        "情色",
        "色情",
        "黄色",
        "成人",
        "暴力",
        "血腥",
        "恐怖分子",
        "土匪",
    ]
)

ASCII_WORD = re.compile(r"[0-9a-z]+")
# Template debris in the public lists ("代开发票{mod}", "xx*"): never typed by a person.
JUNK = re.compile(r"[{}\[\]*<>()|\\]")


def _read(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def categorise(term: str) -> str | None:
    """Return the category the markers give ``term`` (first match wins), or None."""
    for category, pattern in MARKERS:
        if pattern.search(term):
            return category
    return None


def names_leader_without_hostility(term: str) -> bool:
    """True when ``term`` names a leader or an office but carries no hostile marker."""
    return any(name in term for name in LEADER_NAMES) and not HOSTILE.search(term)


def occurrences(terms: list[str], texts: list[str]) -> Counter[str]:
    """Return, for each term, how many of ``texts`` contain it (one automaton pass per text)."""
    automaton = ahocorasick.Automaton()
    for t in terms:
        automaton.add_word(t, t)
    automaton.make_automaton()
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update({t for _, t in automaton.iter(text)})
    return counts


def build(data: Path, out: Path) -> dict[str, int]:
    """Build the lexicon files into ``out``; return the number of terms per category."""
    norm = normalizer()
    vocab_dir = data / "sensitive_lexicon_konsheng" / "Vocabulary"
    candidates: dict[str, tuple[str, float, str]] = {}  # normalised term → (category, weight, origin)

    for path in sorted(vocab_dir.glob("*.txt")):
        if path.name == "非法网址.txt":
            continue
        category, weight = SOURCE_FILES.get(path.name, (None, MIXED_WEIGHT))
        for raw in _read(path):
            term = norm(raw)
            cat = category or categorise(term)
            if cat is None:
                continue
            w = weight or MIXED_WEIGHT
            if term not in candidates or candidates[term][1] < w:
                candidates[term] = (cat, w, "konsheng")
    for cat, terms in CURATED.items():
        for raw, weight in terms.items():
            term = norm(raw)
            if weight > 0:
                candidates[term] = (cat, weight, "curated")

    allow = sorted({norm(a) for a in ALLOW})
    allow_set = set(allow)
    work = [norm(t) for t in work_messages(3000, seed=11)] + [
        norm(t) for t in work_messages(600, holdout=True)
    ]
    lccc = [norm(t) for t in load_lccc(data / "chitchat_lccc_toy" / "toy_train.txt")]
    cold_texts, cold_labels = load_cold(data / "cold" / "train.csv")
    cold_safe = [norm(t) for t, y in zip(cold_texts, cold_labels, strict=True) if y == 0]
    cold_off = [norm(t) for t, y in zip(cold_texts, cold_labels, strict=True) if y == 1]

    terms = sorted(candidates)
    in_work = occurrences(terms, work + allow)
    in_lccc = occurrences(terms, lccc)
    in_safe = occurrences(terms, cold_safe)
    in_off = occurrences(terms, cold_off)

    dropped: Counter[str] = Counter()
    kept: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for term in terms:
        cat, weight, origin = candidates[term]
        reason = None
        if term in DROP_TERMS or term in allow_set or term in DESCRIPTIVE:
            reason = "allow-list"
        elif len(term) < 2:
            reason = "single character"
        elif term.isdigit():
            reason = "number"
        elif JUNK.search(term):
            reason = "markup"
        elif ASCII_WORD.fullmatch(term) and len(term) < 4 and origin != "curated":
            reason = "short ascii"
        elif names_leader_without_hostility(term) and cat in ("political", "violence", "illegal"):
            reason = "leader name"
        elif in_work[term]:
            reason = "in work messages"
        elif origin != "curated" and in_lccc[term] >= 2:
            reason = "in chit-chat"
        elif origin != "curated" and in_safe[term] >= 1 and in_safe[term] >= in_off[term]:
            reason = "in COLD safe rows"
        elif origin == "curated" and cat in ("abuse", "vulgar") and in_lccc[term] >= 5:
            reason = "common in chit-chat"
        if reason:
            dropped[reason] += 1
            continue
        # Terms seen once in clean chit-chat are kept but weighed down: they are ambiguous.
        if in_lccc[term] or in_safe[term] > in_off[term]:
            weight *= 0.6
        kept[cat].append((term, round(weight, 2)))

    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for cat in CATEGORIES:
        rows = sorted(kept[cat])
        counts[cat] = len(rows)
        (out / f"{cat}.txt").write_text("".join(f"{t}\t{cat}\t{w}\n" for t, w in rows), encoding="utf-8")
    (out / "allow.txt").write_text("".join(f"{a}\n" for a in allow), encoding="utf-8")
    domains = sorted({d.strip().lower() for d in _read(vocab_dir / "非法网址.txt") if "." in d})
    (out / "illegal_domains.txt").write_text("".join(f"{d}\n" for d in domains), encoding="utf-8")
    shutil.copyfile(data / "sensitive_lexicon_konsheng" / "LICENSE", out / "LICENSE.konsheng")
    # Character frequencies of clean chat: the detector picks each term's rarest character as
    # the engine's prefilter trigger, so that most clean messages skip the automaton entirely.
    freq: Counter[str] = Counter()
    for text in lccc + work:
        freq.update(text)
    top = sorted(freq.items(), key=lambda kv: (-kv[1], kv[0]))[:5000]
    (out / "charfreq.txt").write_text("".join(f"{c}\t{n}\n" for c, n in top if c.strip()), encoding="utf-8")
    counts["allow"] = len(allow)
    counts["illegal_domains"] = len(domains)

    lines = [
        "# Shipped lexicons (generated by scripts/build_lexicons.py — do not edit by hand)",
        "",
        "Built from the konsheng Sensitive-lexicon (https://github.com/konsheng/Sensitive-lexicon,",
        "commit 5a8da94c, MIT — see LICENSE.konsheng) filtered against clean text, plus terms curated by",
        "the qunguan team. Format: `term<TAB>category<TAB>weight` (weight 0..1), terms already normalised.",
        "",
        "| file | terms |",
        "|---|---|",
        *[f"| {k}.txt | {v} |" for k, v in counts.items()],
        "",
        "Terms dropped while filtering: " + ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) + ".",
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "qunguan" / "audit" / "data" / "lexicons")
    args = parser.parse_args(argv)
    counts = build(args.data, args.out)
    for k, v in counts.items():
        print(f"{k:>16} {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
