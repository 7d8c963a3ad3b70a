"""Generate a large school straight into the configured database, for the scale benchmark.

    .venv/bin/python scripts/gen_scale.py                       # 10,000 groups, 50,000 people, 10M messages
    .venv/bin/python scripts/gen_scale.py --messages 1000000    # a quicker run
    DATABASE_URL=postgres://… .venv/bin/python scripts/gen_scale.py

The database must be empty of groups (a fresh ``QUNGUAN_DATA_DIR`` or database); the script
runs the migrations first. Rows are written with raw ``executemany`` (SQLite) or ``COPY``
(PostgreSQL) in id order, so every index grows at its end. The message search index: on
SQLite it has no insert trigger (``chats/searchindex.py``), so nothing needs dropping; the
script then builds it in one pass with ``searchindex.catch_up`` unless ``--no-search-index``
(``qunguan search-index`` does the same later). On PostgreSQL the trigram GIN index is dropped
before the load and created again after it.

Two accounts are made through the actions for the web benchmark: ``scale-supervisor`` (党委宣传部)
and ``scale-liaison`` (unit manager of the first college), password ``--password``.

Prints rows/s per table and the total time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qunguan.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.management.color import no_style  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from qunguan.accounts.actions import do_create_user, do_grant_role  # noqa: E402
from qunguan.approvals.models import Approval  # noqa: E402
from qunguan.chats import searchindex  # noqa: E402
from qunguan.chats.models import Case, ChatMessage, Finding  # noqa: E402
from qunguan.members.models import Member, MemberSnapshot  # noqa: E402
from qunguan.registry.models import Group, Person, Unit  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彩春菊兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝丽阳妮宝贝初程梵罡恒鸿桦骅剑娇纪宽苛灵玛媚琪晴容睿烁堂唯威韦雯苇萱阅彦宇雨洋忠宗曼紫逸贤蝶菡绿蓝儿翠烟"
COLLEGES = [
    "作曲系",
    "声乐系",
    "器乐系",
    "钢琴系",
    "音乐学系",
    "舞蹈学院",
    "戏剧影视学院",
    "美术学院",
    "数字媒体艺术学院",
    "流行音乐学院",
]
OFFICES = [
    "党委办公室",
    "校长办公室",
    "组织部",
    "宣传部",
    "学生工作部",
    "教务处",
    "科研处",
    "人事处",
    "财务处",
    "后勤处",
]
PURPOSES = ["工作通知", "教学安排", "班级事务", "科研协作", "学生管理", "活动组织", "值班联络", "招生宣传"]
# Ordinary work chat: notices, replies, questions (the kinds the audit corpus draws on).
TEXTS = [
    "收到",
    "好的",
    "辛苦了",
    "[图片]",
    "明白，马上处理",
    "请各位老师于本周五下午三点到三楼会议室参加教研室会议",
    "通知：下周一起执行新的课表，请同学们相互转告",
    "请班长统计一下本周实践课的出勤情况，周四前报给我",
    "今天的排练改到音乐厅二楼，请准时到场",
    "麻烦把材料发我邮箱，谢谢",
    "关于期末考试安排的通知已发在附件，请查收",
    "各位同学注意按时提交作业",
    "请问下午的讲座在哪个教室？",
    "已提交",
    "好的老师",
]
# (category, rule, severity, evidence, explanation) of the findings, roughly in the share real
# chats show them: mostly chatter bursts, personal data and ads; a few secrets and abuse.
FINDINGS = [
    ("offtopic", "offtopic.burst", 1, "闲聊", "连续闲聊与工作无关"),
    ("offtopic", "offtopic.burst", 1, "闲聊", "连续闲聊与工作无关"),
    ("privacy.phone", "privacy.phone.mobile", 3, "138****5678", "消息中含有手机号码"),
    ("privacy.phone", "privacy.phone.mobile", 3, "139****1234", "消息中含有手机号码"),
    ("privacy.id_card", "privacy.id_card", 4, "5101**********1234", "消息中含有居民身份证号"),
    ("ad", "ad.contact_lure", 2, "加V", "疑似广告引流"),
    ("ad", "ad.link", 2, "http://…", "疑似广告链接"),
    ("secret.doc_number", "secret.doc_number", 3, "院党宣〔2022〕6号", "消息中含有文号"),
    ("abuse", "abuse.model", 2, "**", "疑似辱骂"),
    ("rumor", "rumor.cue", 2, "听说", "疑似小道消息"),
    ("privacy.address", "privacy.address", 3, "成都市**区", "消息中含有家庭住址"),
]


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Loader:
    """Bulk writes of whole rows: the model's concrete columns, given values merged over defaults."""

    def __init__(self, chunk: int = 20_000) -> None:
        self.chunk = chunk
        self.pg = connection.vendor == "postgresql"
        self.counts: dict[str, tuple[int, float]] = {}

    def columns(self, model: type[models.Model]) -> list[models.Field[Any, Any]]:
        return [f for f in model._meta.concrete_fields]

    def defaults(self, model: type[models.Model]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        stamp = now_utc()
        for f in self.columns(model):
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                out[f.attname] = stamp
            elif f.has_default():
                value = f.get_default()
                out[f.attname] = value.name if hasattr(value, "name") and value is not None else value
            elif f.null:
                out[f.attname] = None
            else:
                out[f.attname] = ""
        return out

    def load(self, model: type[models.Model], given: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Write ``rows`` (values for the ``given`` attnames, in that order); return the count."""
        cols = self.columns(model)
        base = self.defaults(model)
        names = [f.attname for f in cols]
        missing = [n for n in given if n not in names]
        if missing:
            raise SystemExit(f"{model.__name__} 没有字段 {missing}")
        position = {n: i for i, n in enumerate(given)}
        # one tuple template per table: given values at their places, defaults elsewhere
        pick = [(position.get(n), base.get(n)) for n in names]
        table = model._meta.db_table
        started = time.perf_counter()
        n = 0

        # SQLite keeps Django's text form of a time (naive UTC, "YYYY-MM-DD HH:MM:SS"), not the
        # sqlite3 module's default adapter's (with "+00:00"), so string comparisons stay right.
        times = [k for k, f in enumerate(cols) if isinstance(f, models.DateTimeField)] if not self.pg else []

        def full(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[Any, ...]]:
            for r in rows:
                row = [r[i] if i is not None else d for i, d in pick]
                for k in times:
                    if row[k] is not None:
                        row[k] = str(row[k].replace(tzinfo=None))
                yield tuple(row)

        batch: list[tuple[Any, ...]] = []
        for row in full(rows):
            batch.append(row)
            if len(batch) >= self.chunk:
                self._write(table, names, batch)
                n += len(batch)
                batch = []
        if batch:
            self._write(table, names, batch)
            n += len(batch)
        took = time.perf_counter() - started
        prev = self.counts.get(table, (0, 0.0))
        self.counts[table] = (prev[0] + n, prev[1] + took)
        return n

    def _write(self, table: str, names: list[str], batch: list[tuple[Any, ...]]) -> None:
        quoted = ", ".join(connection.ops.quote_name(n) for n in names)
        with connection.cursor() as cursor:
            if self.pg:
                raw = cursor.cursor  # psycopg 3
                with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", batch)  # noqa: S608


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def generate(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    loader = Loader()
    stamp = now_utc()
    today = timezone.localdate()
    t0 = time.perf_counter()

    # --- units: 10 colleges with classes, 10 offices, under one party committee each side
    units: list[tuple[Any, ...]] = []
    unit_path: dict[int, str] = {}
    class_units: list[int] = []
    staff_units: list[int] = []
    next_id = 1

    def add_unit(name: str, kind: str, parent: int | None, headcount: int) -> int:
        nonlocal next_id
        uid = next_id
        next_id += 1
        path = (unit_path[parent] if parent else "/") + f"{uid}/"
        unit_path[uid] = path
        units.append((uid, name, kind, parent, path, headcount))
        return uid

    top_college = add_unit("教学单位党委", "party_committee", None, 0)
    top_office = add_unit("机关党委", "party_committee", None, 0)
    colleges = [add_unit(n, "college", top_college, 120) for n in COLLEGES]
    offices = [add_unit(n, "office", top_office, 40) for n in OFFICES]
    staff_units = colleges + offices
    # classes of about 30 students, as many as the students need
    classes_per_college = max(1, (args.people - args.people // 10) // 30 // len(colleges))
    for c in colleges:
        for i in range(classes_per_college):
            class_units.append(add_unit(f"{2022 + i % 4}级{i + 1}班", "class", c, 30))
    with transaction.atomic():
        loader.load(Unit, ["id", "name", "kind", "parent_id", "path", "headcount"], units)

    # --- people: a tenth staff, the rest students in classes
    n_staff = args.people // 10
    people: list[tuple[Any, ...]] = []
    unit_people: dict[int, list[int]] = {}
    for pid in range(1, args.people + 1):
        staff = pid <= n_staff
        uid = staff_units[pid % len(staff_units)] if staff else class_units[pid % len(class_units)]
        unit_people.setdefault(uid, []).append(pid)
        number = f"{'T' if staff else 'S'}{pid:08d}"
        phone = f"13{rng.randrange(10**8, 10**9)}"
        people.append((pid, number, person_name(rng), "staff" if staff else "student", uid, phone, True))
    with transaction.atomic():
        loader.load(Person, ["id", "number", "name", "kind", "unit_id", "phone", "active"], people)

    # --- groups over every unit; a class has one or two, the rest go to colleges and offices
    all_units = staff_units + class_units
    groups: list[tuple[Any, ...]] = []
    admins: list[tuple[Any, ...]] = []
    group_unit: dict[int, int] = {}
    official_done: set[int] = set()
    for gid in range(1, args.groups + 1):
        uid = all_units[gid % len(all_units)] if gid % 3 else rng.choice(staff_units)
        group_unit[gid] = uid
        pool = unit_people.get(uid) or unit_people[staff_units[0]]
        owner = rng.choice(pool)
        platform = "qq" if gid % 5 else "wechat"
        temporary = gid % 17 == 0
        members = rng.choice((12, 25, 30, 40, 60, 90, 140, 160)) if gid % 23 else 220
        official = uid not in official_done and gid % 4 == 0
        if official:
            official_done.add(uid)
        groups.append(
            (
                gid,
                platform,
                f"{700000000 + gid}",
                f"{rng.choice(PURPOSES)}群{gid}",
                uid,
                official,
                "本单位教职工" if uid in staff_units else "本班学生",
                rng.choice(PURPOSES),
                owner,
                today - dt.timedelta(days=rng.randrange(30, 2000)),
                members,
                "temporary" if temporary else "active",
                today + dt.timedelta(days=rng.randrange(-60, 120)) if temporary else None,
                True,
                "{姓名}",
                stamp,
                stamp,
            )
        )
        for k, person in enumerate(sorted(set(rng.sample(pool, min(2, len(pool)))))):
            admins.append((gid * 2 + k, gid, person))
    with transaction.atomic():
        loader.load(
            Group,
            [
                "id",
                "platform",
                "account",
                "name",
                "unit_id",
                "is_official",
                "member_scope",
                "purpose",
                "owner_id",
                "created_on",
                "member_count",
                "status",
                "end_date",
                "running_normally",
                "naming_convention",
                "registered_at",
                "updated_at",
            ],
            groups,
        )
        loader.load(Group.admins.through, ["id", "group_id", "person_id"], admins)

    # --- approvals for most oversize groups (3(2)), cases later
    approvals = []
    aid = 0
    for g in groups:
        if g[10] > 150 and g[0] % 3:
            aid += 1
            approvals.append(
                (
                    aid,
                    "oversize",
                    g[0],
                    "filed",
                    "人数超过150人，确需保留",
                    g[10] + 20,
                    stamp,
                    stamp,
                    stamp,
                    1,
                )
            )
    with transaction.atomic():
        loader.load(
            Approval,
            [
                "id",
                "kind",
                "group_id",
                "state",
                "reason",
                "max_members",
                "submitted_at",
                "decided_at",
                "filed_at",
                "submissions",
            ],
            approvals,
        )

    # --- member snapshots: the latest list of most groups, members drawn from the unit's people
    snapshots: list[tuple[Any, ...]] = []
    member_rows: list[tuple[Any, ...]] = []
    mid = 0
    for g in groups:
        gid = g[0]
        if gid % 10 == 0:
            continue  # never imported
        size = min(g[10], args.members_per_snapshot)
        snapshots.append(
            (
                gid,
                gid,
                stamp - dt.timedelta(days=rng.randrange(1, 90)),
                "onebot",
                "members.json",
                size,
                "{姓名}",
                stamp,
            )
        )
        pool = unit_people.get(group_unit[gid]) or unit_people[staff_units[0]]
        chosen = rng.sample(pool, min(size, len(pool)))
        for j, person in enumerate(chosen):
            mid += 1
            verified = j % 20 != 0
            member_rows.append(
                (
                    mid,
                    gid,
                    f"{10_000_000 + person}",
                    person_name(rng),
                    "member",
                    "verified" if verified else "unknown",
                    person if verified else None,
                )
            )
    with transaction.atomic():
        loader.load(
            MemberSnapshot,
            [
                "id",
                "group_id",
                "taken_at",
                "source_format",
                "file_name",
                "member_count",
                "naming_convention",
                "created_at",
            ],
            snapshots,
        )
        loader.load(
            Member, ["id", "snapshot_id", "platform_id", "card", "role", "status", "person_id"], member_rows
        )

    # --- messages and findings, group by group in time order
    group_weights = [rng.paretovariate(1.2) for _ in groups]
    total_weight = sum(group_weights)
    per_group = [int(args.messages * w / total_weight) for w in group_weights]
    per_group[0] += args.messages - sum(per_group)
    start = stamp - dt.timedelta(days=args.days)
    span = args.days * 86400
    finding_share = args.finding_share
    state = {"mid": 0, "fid": 0}
    open_findings: list[int] = []

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in searchindex.PG_DROP:
                cursor.execute(sql)

    def message_rows() -> Iterator[tuple[Any, ...]]:
        for g, n in zip(groups, per_group, strict=True):
            gid, platform, account, name = g[0], g[1], g[2], g[3]
            unbound = gid % 500 == 0  # a few groups the importer could not bind
            offsets = sorted(rng.randrange(span) for _ in range(n))
            for off in offsets:
                state["mid"] += 1
                m = state["mid"]
                yield (
                    m,
                    None if unbound else gid,
                    platform,
                    account,
                    name,
                    f"{m:032x}",
                    f"m{m}",
                    f"{10_000_000 + (m * 7919) % args.people}",
                    person_name(rng),
                    start + dt.timedelta(seconds=off),
                    "text",
                    TEXTS[m % len(TEXTS)],
                    False,
                )

    finding_rows: list[tuple[Any, ...]] = []
    msg_cols = [
        "id",
        "group_id",
        "platform",
        "group_account",
        "group_name",
        "fingerprint",
        "message_id",
        "sender_id",
        "sender_name",
        "sent_at",
        "kind",
        "text",
        "recalled",
    ]
    find_cols = [
        "id",
        "message_id",
        "group_id",
        "category",
        "rule",
        "severity",
        "start",
        "end",
        "evidence",
        "score",
        "explanation",
        "status",
        "sent_at",
        "created_at",
    ]
    recent = stamp - dt.timedelta(days=30)

    def with_findings(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            if rng.random() < finding_share:
                state["fid"] += 1
                cat, rule, sev, ev, expl = rng.choice(FINDINGS)
                # old findings are mostly decided; the last month's mostly wait
                if row[9] >= recent:
                    status = "open" if rng.random() < 0.8 else "confirmed"
                else:
                    status = rng.choice(("dismissed", "dismissed", "confirmed", "escalated", "open"))
                if status == "open":
                    open_findings.append(state["fid"])
                sent = row[9]  # the finding's copy of its message's time (the queue's sort key)
                finding_rows.append(
                    (state["fid"], row[0], row[1], cat, rule, sev, 0, 2, ev, 0.9, expl, status, sent, sent)
                )
            yield row

    chunk = 200_000
    it = with_findings(message_rows())
    while True:
        block = [r for _, r in zip(range(chunk), it, strict=False)]
        if not block:
            break
        with transaction.atomic():
            loader.load(ChatMessage, msg_cols, block)
            loader.load(Finding, find_cols, finding_rows)
        finding_rows.clear()
        done = state["mid"]
        print(f"  消息 {done:,} / {args.messages:,}", flush=True)

    # --- cases on a share of the escalated findings' senders
    case_rows = []
    step = max(1, args.groups // max(1, args.cases))
    for cid, gid in enumerate(range(1, args.groups + 1, step), start=1):
        state_ = "open" if cid % 3 else "closed"
        case_rows.append(
            (
                cid,
                "qq",
                f"{10_000_000 + cid}",
                person_name(rng),
                group_unit[gid],
                gid,
                "多次发送违规信息",
                state_,
                stamp,
            )
        )
    with transaction.atomic():
        loader.load(
            Case,
            [
                "id",
                "platform",
                "sender_id",
                "sender_name",
                "unit_id",
                "group_id",
                "title",
                "state",
                "opened_at",
            ],
            case_rows,
        )

    # Sequences (PostgreSQL) must continue after the explicit ids.
    if connection.vendor == "postgresql":
        sql = connection.ops.sequence_reset_sql(
            no_style(),
            [
                Unit,
                Person,
                Group,
                Group.admins.through,
                Approval,
                MemberSnapshot,
                Member,
                ChatMessage,
                Finding,
                Case,
            ],
        )
        with connection.cursor() as cursor:
            for s in sql:
                cursor.execute(s)
    load_took = time.perf_counter() - t0

    t1 = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for s in searchindex.PG_CREATE:
                cursor.execute(s)
            cursor.execute("ANALYZE")
    elif args.search_index:
        with transaction.atomic():
            searchindex.catch_up(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    index_took = time.perf_counter() - t1

    # --- accounts for the web benchmark, through the actions
    supervisor = do_create_user(
        None, username="scale-supervisor", password=args.password, display_name="宣传部（压测）"
    )
    do_grant_role(None, supervisor, "supervisor")
    liaison = do_create_user(
        None, username="scale-liaison", password=args.password, display_name="作曲系联络人（压测）"
    )
    do_grant_role(None, liaison, "unit_manager", unit=Unit.objects.get(pk=colleges[0]))

    total = time.perf_counter() - t0
    print()
    print(f"数据库: {connection.vendor}  ({connection.settings_dict['NAME']})")
    print(f"{'表':<32}{'行数':>12}{'秒':>9}{'行/秒':>12}")
    for table, (n, took) in loader.counts.items():
        print(f"{table:<32}{n:>12,}{took:>9.1f}{n / took if took else 0:>12,.0f}")
    n_rows = sum(n for n, _ in loader.counts.values())
    print(f"写入 {n_rows:,} 行用时 {load_took:.1f} 秒（{n_rows / load_took:,.0f} 行/秒）")
    print(f"检索索引与统计信息用时 {index_took:.1f} 秒；总用时 {total:.1f} 秒")
    print(
        f"审查发现 {state['fid']:,} 条（{state['fid'] / max(1, state['mid']):.1%}），其中待处理 {len(open_findings):,} 条"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="生成大规模学校数据（用于规模压测）")
    parser.add_argument("--groups", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--messages", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=365, help="消息分布在最近多少天")
    parser.add_argument("--finding-share", type=float, default=0.02, help="含审查发现的消息比例")
    parser.add_argument("--members-per-snapshot", type=int, default=40)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--password", default="scale-bench-2026")
    parser.add_argument("--no-search-index", dest="search_index", action="store_false")
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    if connection.vendor == "sqlite":
        # A large page cache keeps the indexes of the message table in memory during the load.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -1000000")
    if Group.objects.exists():
        print("错误：数据库中已有群组；请使用空的数据目录或数据库。", file=sys.stderr)
        return 2
    generate(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
