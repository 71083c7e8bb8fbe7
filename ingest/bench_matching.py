"""Matching at scale: resolve documents against a CRM of N (1,000,000) customers.

`build_crm` fills a catalogue with N synthetic customers (names drawn from ~60 cities, 2-3
character trade names over GB2312's 3,755 level-1 characters, 40 industry words and 4
company forms, so names are as varied as a real register's) and their name keys;
`time_matching` resolves documents three ways, timing each `resolve_customer` call on the
production directory (`CatalogueDirectory`, SQL through the catalogue's indexes):

- uscc: the document's USCC is read (an index lookup);
- name: no USCC, the name read right (blocking keys, then rapidfuzz on the candidates);
- name+ocr_error: no USCC, one character of the trade name misread, the legal rep right.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz import fuzz

from extractors.codes import org_code_check_char, uscc_check_char
from extractors.parsing import name_keys, normalise_name
from extractors.records import Extraction, Field, IncomingFile

CITIES = (
    "北京", "上海", "天津", "重庆", "杭州", "宁波", "温州", "南京", "苏州", "无锡", "常州", "合肥", "福州", "厦门",
    "泉州", "南昌", "济南", "青岛", "烟台", "郑州", "洛阳", "武汉", "宜昌", "长沙", "株洲", "广州", "深圳", "珠海",
    "佛山", "东莞", "中山", "南宁", "桂林", "海口", "成都", "绵阳", "贵阳", "昆明", "西安", "兰州", "西宁", "银川",
    "乌鲁木齐", "拉萨", "呼和浩特", "石家庄", "唐山", "保定", "太原", "大同", "沈阳", "大连", "长春", "吉林", "哈尔滨",
    "大庆", "徐州", "扬州", "嘉兴", "绍兴", "金华", "台州",
)
INDUSTRIES = (
    "信息科技", "网络科技", "电子科技", "生物科技", "环保科技", "新能源科技", "智能科技", "商贸", "贸易", "实业", "建筑工程",
    "建设工程", "装饰工程", "食品", "餐饮管理", "物流", "供应链管理", "医疗器械", "医药", "文化传媒", "广告", "教育科技",
    "企业管理咨询", "投资管理", "物业管理", "房地产开发", "汽车销售", "机械设备", "电气", "化工", "纺织", "服饰",
    "家居", "农业开发", "旅游开发", "酒店管理", "人力资源", "劳务派遣", "印刷", "包装材料",
)
FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林峰建国志文博海芳娜敏静丽艳娟霞英玲燕红萍婷雪琳慧莉颖倩晶洁琴云梅兰秀佳欣怡"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def level1_hanzi() -> str:
    """GB2312's level-1 characters (the 3,755 most common), in code order."""
    out = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(out)


def _uscc(rng: random.Random) -> str:
    division = f"{rng.randint(11, 65):02d}{rng.randint(1, 20):02d}{rng.randint(1, 30):02d}"
    org8 = "".join(rng.choice(USCC_ALPHABET) for _ in range(8))
    try:
        check9 = org_code_check_char(org8)
    except (KeyError, ValueError):
        org8 = "".join(rng.choice("0123456789") for _ in range(8))
        check9 = org_code_check_char(org8)
    first17 = f"91{division}{org8}{check9}"
    return first17 + uscc_check_char(first17)


def synthetic_customers(n: int, seed: int = 1):
    """(name, uscc, legal_rep) for n customers, names and USCCs unique."""
    rng = random.Random(seed)
    hanzi = level1_hanzi()
    names, usccs = set(), set()
    while len(names) < n:
        trade = "".join(rng.choice(hanzi) for _ in range(rng.choice((2, 2, 3))))
        name = f"{rng.choice(CITIES)}{trade}{rng.choice(INDUSTRIES)}{rng.choice(FORMS)}"
        if name in names:
            continue
        uscc = _uscc(rng)
        if uscc in usccs:
            continue
        names.add(name)
        usccs.add(uscc)
        yield name, uscc, rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_crm(database_url: str, n: int, *, seed: int = 1, chunk: int = 20_000) -> float:
    """Fill a new catalogue with n customers and their name keys; returns seconds taken."""
    from sqlalchemy import func, insert, select

    from .catalogue import Customer, CustomerNameKey, open_catalogue

    sessions = open_catalogue(database_url)
    t0 = time.perf_counter()
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(Customer)):
            raise ValueError(f"{database_url} already holds customers")
        batch: list[dict] = []
        next_id = 1

        def flush():
            nonlocal batch
            if not batch:
                return
            session.execute(insert(Customer), batch)
            keys = [{"key": k, "customer_id": row["id"]} for row in batch for k in name_keys(row["name"])]
            session.execute(insert(CustomerNameKey), keys)
            session.commit()
            batch = []

        for name, uscc, rep in synthetic_customers(n, seed):
            batch.append({"id": next_id, "name": name, "uscc": uscc, "legal_rep": rep, "contacts": [], "contract_nos": []})
            next_id += 1
            if len(batch) >= chunk:
                flush()
        flush()
    return time.perf_counter() - t0


@dataclass
class MatchingTimes:
    customers: int
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # seconds per call
    right: dict[str, int] = field(default_factory=dict)
    # For misread names: the rapidfuzz score of the right customer, and of the best wrong
    # candidate: the evidence for NAME_THRESHOLD.
    right_scores: list[float] = field(default_factory=list)
    wrong_scores: list[float] = field(default_factory=list)

    def format(self) -> str:
        lines = [f"resolve_customer against {self.customers:,} customers (CatalogueDirectory, one session, after the first pass):"]
        everything = [t for ts in self.by_kind.values() for t in ts]
        for kind, ts in [*self.by_kind.items(), ("all", everything)]:
            if not ts:
                continue
            q = statistics.quantiles(ts, n=20) if len(ts) >= 20 else [max(ts)] * 19
            right = sum(self.right.values()) if kind == "all" else self.right.get(kind, 0)
            lines.append(f"  {kind:<16} median {1000 * statistics.median(ts):6.2f} ms   p95 {1000 * q[18]:6.2f} ms   "
                         f"right customer {right}/{len(ts)}")
        if self.right_scores:
            from matchers.crm import NAME_THRESHOLD

            r, w = self.right_scores, self.wrong_scores
            lines.append(
                f"  misread names vs NAME_THRESHOLD {NAME_THRESHOLD:g}: right customer scores min {min(r):.1f}, median "
                f"{statistics.median(r):.1f}, {sum(x >= NAME_THRESHOLD for x in r)}/{len(r)} at or above; best wrong candidate "
                f"median {statistics.median(w):.1f}, {sum(x >= NAME_THRESHOLD for x in w)}/{len(w)} at or above "
                f"(those need the legal rep to agree)"
            )
        return "\n".join(lines)


def _extraction(fields: dict[str, str]) -> Extraction:
    incoming = IncomingFile(Path("bench"), "0" * 64, 0, "png", "bench.png")
    return Extraction(incoming, "business_licence", 1.0, {k: Field(v, v, 1.0, 1) for k, v in fields.items()})


def _misread(name: str, rng: random.Random, hanzi: str) -> str:
    """The name with one character of its trade name (after the city) replaced."""
    city = next(c for c in sorted(CITIES, key=len, reverse=True) if name.startswith(c))
    i = len(city) + rng.randrange(2)
    other = rng.choice(hanzi)
    while other == name[i]:
        other = rng.choice(hanzi)
    return name[:i] + other + name[i + 1 :]


def time_matching(database_url: str, queries: int = 300, *, seed: int = 2) -> MatchingTimes:
    from sqlalchemy import func, select

    from matchers.crm import resolve_customer

    from .catalogue import CatalogueDirectory, Customer, open_catalogue

    sessions = open_catalogue(database_url)
    rng = random.Random(seed)
    hanzi = level1_hanzi()
    with sessions() as session:
        n = session.scalar(select(func.count()).select_from(Customer))
        ids = rng.sample(range(1, n + 1), min(queries, n))
        rows = [session.get(Customer, i) for i in ids]
        out = MatchingTimes(n)
        directory = CatalogueDirectory(session)
        for k, row in enumerate(rows):
            kind = ("uscc", "name", "name+ocr_error")[k % 3]
            if kind == "uscc":
                ex = _extraction({"uscc": row.uscc, "name": row.name})
            elif kind == "name":
                ex = _extraction({"name": row.name, "legal_rep": row.legal_rep})
            else:
                ex = _extraction({"name": _misread(row.name, rng, hanzi), "legal_rep": row.legal_rep})
            t0 = time.perf_counter()
            match = resolve_customer(ex, directory)
            out.by_kind.setdefault(kind, []).append(time.perf_counter() - t0)
            if kind == "name+ocr_error":
                read = normalise_name(ex.value("name"))
                scores = {c.id: fuzz.ratio(read, normalise_name(c.name)) for c in directory.name_candidates(ex.value("name"))}
                out.right_scores.append(fuzz.ratio(read, normalise_name(row.name)))
                out.wrong_scores.append(max((v for cid, v in scores.items() if cid != row.id), default=0.0))
            if match.customer is not None and match.customer.id == row.id:
                out.right[kind] = out.right.get(kind, 0) + 1
    return out


def run(n: int, workdir: Path, queries: int = 300, database_url: str | None = None) -> str:
    url = database_url or f"sqlite:///{workdir / f'crm-{n}.db'}"
    lines = []
    from sqlalchemy import func, select

    from .catalogue import Customer, open_catalogue

    with open_catalogue(url)() as session:
        have = session.scalar(select(func.count()).select_from(Customer))
    if have == 0:
        took = build_crm(url, n)
        lines.append(f"built {n:,} customers with name keys in {took:.0f} s ({url.split('///')[-1] if url.startswith('sqlite') else 'database'})")
    elif have != n:
        raise ValueError(f"{url} holds {have} customers, not {n}: give another --workdir")
    # The first pass reads the database from disk as the OS cache has it (cold after a
    # reboot or other work); the second, with other documents, is the steady state of a
    # server whose catalogue is in memory (1,000,000 customers with keys: ~1 GB).
    first = time_matching(url, queries, seed=99)
    everything = [t for ts in first.by_kind.values() for t in ts]
    lines.append(f"first pass, as the OS cache found the database: median {1000 * statistics.median(everything):.2f} ms, "
                 f"max {1000 * max(everything):.0f} ms over {len(everything)} documents")
    lines.append(time_matching(url, queries).format())
    lines.append(f"(measured {dt.datetime.now():%Y-%m-%d %H:%M})")
    return "\n".join(lines)
