"""Deterministic generator of synthetic document scans with ground truth.

Makes business licences (营业执照副本), ID-card copies (身份证复印件) and contract first
pages (合同首页) for made-up customers, each as an image (or, for one licence, a PDF with a
real text layer) plus an `X.json` ground truth beside it, and a CRM export with planted
differences (`crm.csv` + `crm_planted.json`). Same seed, same bytes.

How it is put together, so more document types and degradations slot in:
- data: `make_world` draws the customers (company + legal representative) from the seed;
- layout: one `layout_<type>` per document type turns a customer into a `Page` (text,
  boxes and pictures placed in millimetres) and the ground-truth fields;
- render: one `render_<type>` per document type returns (image, fields), by rasterising the
  page (`rasterise`); a `Page` can also be written as a PDF with a text layer (`page_to_pdf`);
- degradations: small named functions image -> image (`DEGRADATIONS`), applied by spec
  strings such as ``"blur(0.6)"``, which are what the ground truth records.

Run: python samples/generate.py --out samples/scans --seed 20261128 --crm samples/crm.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import functools
import hashlib
import io
import json
import logging
import math
import random
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from extractors.codes import (  # noqa: E402  (needs the repo root on sys.path first)
    id_check_char,
    is_valid_id_number,
    is_valid_uscc,
    org_code_check_char,
    uscc_check_char,
    uscc_org_code_ok,
)

DEFAULT_SEED = 20261128
# Documents are "current" as of this date: licences and ID cards are unexpired on it and
# every printed date is before it. A constant, not today(), so output never drifts.
AS_OF = dt.date(2026, 11, 28)
DEFAULT_DPI = 300
# The committed set's mix; --count-per-type K replaces it with K of every type.
DEFAULT_COUNTS = {"business_licence": 3, "id_card": 2, "contract_first_page": 2}

# --- reference data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Division:
    """A county-level division of GB/T 2260 (USCC positions 3-8, ID positions 1-6)."""

    code: str
    province: str  # "" for the municipalities, whose city is the province
    city: str
    district: str

    @property
    def prefix(self) -> str:
        """How an address starts: 浙江省杭州市西湖区 / 北京市朝阳区."""
        return f"{self.province}{self.city}{self.district}"

    @property
    def police(self) -> str:
        """ID-card issuing authority: 杭州市公安局西湖分局 (浦东新区 -> 浦东分局)."""
        short = self.district.removesuffix("新区").removesuffix("区")
        return f"{self.city}公安局{short}分局"

    @property
    def registrar(self) -> str:
        """Licence registering authority: 杭州市西湖区市场监督管理局."""
        return f"{self.city}{self.district}市场监督管理局"


DIVISIONS: tuple[Division, ...] = (
    Division("110105", "", "北京市", "朝阳区"),
    Division("110108", "", "北京市", "海淀区"),
    Division("120101", "", "天津市", "和平区"),
    Division("310104", "", "上海市", "徐汇区"),
    Division("310115", "", "上海市", "浦东新区"),
    Division("500103", "", "重庆市", "渝中区"),
    Division("330106", "浙江省", "杭州市", "西湖区"),
    Division("330102", "浙江省", "杭州市", "上城区"),
    Division("330203", "浙江省", "宁波市", "海曙区"),
    Division("320505", "江苏省", "苏州市", "虎丘区"),
    Division("320106", "江苏省", "南京市", "鼓楼区"),
    Division("440305", "广东省", "深圳市", "南山区"),
    Division("440106", "广东省", "广州市", "天河区"),
    Division("350203", "福建省", "厦门市", "思明区"),
    Division("370202", "山东省", "青岛市", "市南区"),
    Division("420106", "湖北省", "武汉市", "武昌区"),
    Division("430104", "湖南省", "长沙市", "岳麓区"),
    Division("510107", "四川省", "成都市", "武侯区"),
    Division("610113", "陕西省", "西安市", "雁塔区"),
    Division("340104", "安徽省", "合肥市", "蜀山区"),
    Division("210203", "辽宁省", "大连市", "西岗区"),
)

STREETS = (
    "文三路", "学院路", "建国路", "中山路", "人民路", "解放路", "科技园路", "创新大道",
    "长江路", "黄河路", "和平路", "新华路", "东风路", "高新大道", "工业园路", "滨江大道",
    "银湖街", "望江路", "凤凰路", "金桥路",
)
# Characters for the trade name (字号), drawn two at a time.
TRADE_NAME_CHARS = (
    "星澜瑞博华泰恒信远鼎盛宏卓越嘉合汇通晨曦锦程云启明辉睿智天安达源海德荣昌祥和正弘宇凯创"
    "立新元亨利贞鑫鸿峰朗润众联丰禾雅诺思迈驰骏铭昊晟煜"
)


@dataclass(frozen=True)
class Industry:
    name: str  # the industry word in the company name
    scope: str  # 经营范围 as printed


INDUSTRIES: tuple[Industry, ...] = (
    Industry("信息科技", "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
             "软件开发；信息系统集成服务；数据处理服务。"),
    Industry("商贸", "一般项目：日用百货销售；五金产品批发；电子产品销售；办公用品销售；"
             "货物进出口；技术进出口。"),
    Industry("建筑工程", "许可项目：建设工程施工；建设工程设计。一般项目：园林绿化工程施工；"
             "建筑材料销售；工程管理服务。"),
    Industry("食品", "许可项目：食品生产；食品销售。一般项目：食用农产品批发；"
             "食品进出口；包装材料及制品销售。"),
    Industry("物流", "一般项目：普通货物仓储服务；国内货物运输代理；装卸搬运；"
             "供应链管理服务。许可项目：道路货物运输。"),
    Industry("医疗器械", "许可项目：第三类医疗器械经营。一般项目：第一类医疗器械销售；"
             "第二类医疗器械销售；医疗设备租赁。"),
    Industry("文化传媒", "一般项目：组织文化艺术交流活动；广告设计、代理；广告制作；"
             "会议及展览服务；数字内容制作服务。"),
    Industry("环保科技", "一般项目：环境保护专用设备销售；水污染治理；大气污染治理；"
             "技术服务、技术开发。"),
    Industry("餐饮管理", "许可项目：餐饮服务。一般项目：餐饮管理；企业管理咨询；"
             "外卖递送服务。"),
    Industry("电子科技", "一般项目：电子元器件制造；电子元器件批发；集成电路设计；"
             "计算机软硬件及辅助设备零售。"),
)

LLC_TYPES = (
    "有限责任公司(自然人投资或控股)",
    "有限责任公司(自然人独资)",
    "有限责任公司(非自然人投资或控股的法人独资)",
)
JOINT_STOCK_TYPE = "股份有限公司(非上市、自然人投资或控股)"
CAPITALS_WAN = (10, 50, 100, 200, 300, 500, 800, 1000, 1050, 2000, 3000, 5000)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "慕容")
GIVEN_MALE = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林峰建国志文博海"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞英玲燕红萍婷雪琳慧莉颖倩晶洁琴云梅兰秀佳欣怡"
# Weighted: most holders are 汉.
ETHNICITIES = ("汉",) * 12 + ("回", "满", "壮", "蒙古", "土家", "苗")

DEPARTMENTS = ("销售一部", "销售二部", "大客户部", "渠道部")
CUSTOMER_CLASSES = ("重点客户", "普通客户", "潜在客户")
CRM_HEADER = ("客户名称", "统一社会信用代码", "法定代表人", "客户经理", "部门", "联系人",
              "联系电话", "合同编号", "客户分类")

# --- small helpers ----------------------------------------------------------------------

_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def sub_seed(seed: int, *parts: object) -> int:
    """A seed for one part of the output, independent of the order things are drawn in."""
    text = ":".join(str(p) for p in (seed, *parts))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def capital_in_words(wan: int) -> str:
    """Registered capital in 大写: 500 -> 伍佰万元整, 1050 -> 壹仟零伍拾万元整 (wan < 10000)."""
    out: list[str] = []
    pending_zero = False
    for digit, unit in zip(f"{wan:04d}", ("仟", "佰", "拾", ""), strict=True):
        if digit == "0":
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        out.append(_UPPER_DIGITS[int(digit)] + unit)
    return "".join(out) + "万元整"


def cn_date(d: dt.date, *, pad: bool = True) -> str:
    """2015年03月12日 (pad) or 2015年3月12日."""
    if pad:
        return f"{d.year}年{d.month:02d}月{d.day:02d}日"
    return f"{d.year}年{d.month}月{d.day}日"


def add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


# --- the world: customers and their people ------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth: dt.date
    division: Division  # of the registered residence, and so of the ID number
    address: str
    id_number: str
    id_valid_from: dt.date
    id_valid_to: dt.date | None  # None: 长期


@dataclass(frozen=True)
class Company:
    name: str
    uscc: str
    division: Division
    company_type: str
    legal_rep: Person
    capital_wan: int
    capital_text: str
    established: dt.date
    term_end: dt.date | None  # None: 长期
    address: str
    scope: str
    issue_date: dt.date


# Planted CRM differences (crm_planted.json): role -> what the CRM row does.
ROLE_LEGAL_REP_DIFFERS = "legal_rep_differs"
ROLE_LLC_FORM_DIFFERS = "llc_form_differs"
ROLE_BRACKET_WIDTH = "bracket_width"
ROLE_UNKNOWN = "unknown_customer"
ROLE_INVALID_USCC = "invalid_uscc"
ROLE_EMPTY_NAME = "empty_name"


@dataclass(frozen=True)
class Customer:
    company: Company
    role: str | None  # one of the ROLE_* or None for a plain, consistent customer
    manager: str
    department: str
    contact: str
    phone: str
    customer_class: str


@dataclass(frozen=True)
class Job:
    """One document to emit: which type, for which customer, under which file stem."""

    doc_type: str
    customer: int
    stem: str
    degradations: tuple[str, ...]
    as_pdf: bool = False


@dataclass(frozen=True)
class World:
    seed: int
    customers: tuple[Customer, ...]
    firm: Company  # "us": the other party (乙方) of every contract
    jobs: tuple[Job, ...]


def person_name(rng: random.Random, sex: str) -> str:
    """2-4 Han characters: a surname (rarely a compound one) and a 1-2 character given name."""
    surname = rng.choice(COMPOUND_SURNAMES) if rng.random() < 0.06 else rng.choice(SURNAMES)
    pool = GIVEN_MALE if sex == "男" else GIVEN_FEMALE
    given = "".join(rng.choice(pool) for _ in range(rng.choice((1, 2, 2))))
    return surname + given


def street_address(rng: random.Random, division: Division, *, residential: bool) -> str:
    street = f"{division.prefix}{rng.choice(STREETS)}{rng.randint(1, 999)}号"
    if residential:
        return f"{street}{rng.randint(1, 30)}幢{rng.randint(1, 4)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}室"
    return rng.choice((
        street,
        f"{street}{rng.randint(1, 12)}幢{rng.randint(1, 20)}层{rng.randint(1, 20)}0{rng.randint(1, 9)}室",
        f"{street}{rng.choice('ABCD')}座{rng.randint(2, 30)}{rng.randint(0, 2)}{rng.randint(1, 9)}室",
    ))


def make_person(rng: random.Random, home: Division | None = None) -> Person:
    sex = rng.choice(("男", "女"))
    division = home if home is not None and rng.random() < 0.6 else rng.choice(DIVISIONS)
    birth = random_date(rng, dt.date(1950, 1, 1), dt.date(2000, 12, 31))
    # Sequence: the last of its three digits is odd for men, even for women (SPEC.md §3).
    seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if sex == "男" else (0, 2, 4, 6, 8))
    first17 = f"{division.code}{birth:%Y%m%d}{seq:03d}"
    id_number = first17 + id_check_char(first17)
    assert is_valid_id_number(id_number, today=AS_OF), id_number
    # Validity by age at issue (cards here are issued from 16 on): 16-25 ten years, 26-45
    # twenty, older 长期. Redraw until the card is still valid on AS_OF.
    while True:
        valid_from = random_date(rng, max(add_years(birth, 16), dt.date(2006, 1, 1)),
                                 AS_OF - dt.timedelta(days=60))
        age = valid_from.year - birth.year
        years = 10 if age <= 25 else 20 if age <= 45 else None
        valid_to = add_years(valid_from, years) if years else None
        if valid_to is None or valid_to > AS_OF:
            break
    return Person(
        name=person_name(rng, sex),
        sex=sex,
        ethnicity=rng.choice(ETHNICITIES),
        birth=birth,
        division=division,
        address=street_address(rng, division, residential=True),
        id_number=id_number,
        id_valid_from=valid_from,
        id_valid_to=valid_to,
    )


def make_uscc(rng: random.Random, division: Division, established: dt.date) -> str:
    """9 (工商) + 1 (企业) + division + GB 11714 organisation code + check character.

    Companies registered since the USCC reform (October 2015) got `MA…` organisation codes;
    older ones kept their eight-digit code.
    """
    letters = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # the USCC alphabet
    if established >= dt.date(2015, 10, 1):
        org8 = "MA" + "".join(rng.choice(letters) for _ in range(6))
    else:
        org8 = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = f"91{division.code}{org8}{org_code_check_char(org8)}"
    uscc = first17 + uscc_check_char(first17)
    assert is_valid_uscc(uscc) and uscc_org_code_ok(uscc), uscc
    return uscc


def make_company(rng: random.Random, role: str | None, used_names: set[str]) -> Company:
    division = rng.choice(DIVISIONS)
    industry = rng.choice(INDUSTRIES)
    city = division.city.removesuffix("市")
    while True:
        trade = "".join(rng.sample(TRADE_NAME_CHARS, 2))
        if role == ROLE_LLC_FORM_DIFFERS:
            form = "有限责任公司"  # the CRM row will say 有限公司
        else:
            form = rng.choices(("有限公司", "有限责任公司", "股份有限公司"), weights=(6, 3, 1))[0]
        if role == ROLE_BRACKET_WIDTH:
            # 字号（城市）行业有限公司: licences print full-width brackets.
            name = f"{trade}（{city}）{industry.name}{form}"
        else:
            name = f"{city}{trade}{industry.name}{form}"
        if name not in used_names:
            used_names.add(name)
            break
    legal_rep = make_person(rng, home=division)
    earliest = max(dt.date(2008, 1, 1), add_years(legal_rep.birth, 22))
    established = random_date(rng, earliest, dt.date(2023, 12, 31))
    capital_wan = rng.choice(CAPITALS_WAN)
    capital_text = capital_in_words(capital_wan) if rng.random() < 0.6 else f"{capital_wan}万元人民币"
    term_years = rng.choice((None, 20, 30))
    company_type = JOINT_STOCK_TYPE if form == "股份有限公司" else rng.choice(LLC_TYPES)
    return Company(
        name=name,
        uscc=make_uscc(rng, division, established),
        division=division,
        company_type=company_type,
        legal_rep=legal_rep,
        capital_wan=capital_wan,
        capital_text=capital_text,
        established=established,
        # 20 years from 2015-03-12 ends 2035-03-11.
        term_end=add_years(established, term_years) - dt.timedelta(days=1) if term_years else None,
        address=street_address(rng, division, residential=False),
        scope=industry.scope,
        issue_date=random_date(rng, established, AS_OF - dt.timedelta(days=30)),
    )


def plan_jobs(counts: dict[str, int]) -> tuple[list[Job], dict[int, str], int]:
    """Which customer each document is for, and which customers play a planted role.

    Licences go to customers 0..L-1 and ID cards to the legal representatives of customers
    0..I-1 (so the first customers have both); contracts go to the customers after those;
    two more customers exist only as the CRM's bad rows. Each document type's mild recipes
    are cycled over its documents. Returns (jobs, role by customer index, customer count).
    """
    n_lic = counts.get("business_licence", 0)
    n_id = counts.get("id_card", 0)
    n_con = counts.get("contract_first_page", 0)
    jobs: list[Job] = []
    for i in range(n_lic):
        recipe = MILD_RECIPES["business_licence"][i % len(MILD_RECIPES["business_licence"])]
        jobs.append(Job("business_licence", i, f"business_licence_{i + 1:02d}", recipe))
    if n_lic:
        jobs.append(Job("business_licence", 0, "business_licence_01_textlayer", (), as_pdf=True))
    for i in range(n_id):
        recipe = MILD_RECIPES["id_card"][i % len(MILD_RECIPES["id_card"])]
        jobs.append(Job("id_card", i, f"id_card_{i + 1:02d}", recipe))
    first_contract_customer = max(n_lic, n_id)
    for i in range(n_con):
        recipe = MILD_RECIPES["contract_first_page"][i % len(MILD_RECIPES["contract_first_page"])]
        jobs.append(Job("contract_first_page", first_contract_customer + i,
                        f"contract_first_page_{i + 1:02d}", recipe))
    # The further types go to customers who already have documents, so no customer is added:
    # letters, account proofs and archive covers to the licence holders, contract pages to
    # the contracts' customers (page i of contract i).
    holders = max(1, first_contract_customer)
    for doc_type in EXTRA_TYPES:
        recipes = MILD_RECIPES[doc_type]
        for i in range(counts.get(doc_type, 0)):
            if doc_type.startswith("contract_") and n_con:
                customer = first_contract_customer + i % n_con
            else:
                customer = i % holders
            jobs.append(Job(doc_type, customer, f"{doc_type}_{i + 1:02d}", recipes[i % len(recipes)]))
    roles: dict[int, str] = {}
    if n_lic >= 2:
        roles[1] = ROLE_LEGAL_REP_DIFFERS
    if n_lic >= 3:
        roles[2] = ROLE_LLC_FORM_DIFFERS
    if n_con >= 1:
        roles[first_contract_customer] = ROLE_BRACKET_WIDTH
    if n_con >= 2:
        roles[first_contract_customer + n_con - 1] = ROLE_UNKNOWN
    extra = first_contract_customer + n_con
    roles[extra] = ROLE_INVALID_USCC
    roles[extra + 1] = ROLE_EMPTY_NAME
    return jobs, roles, extra + 2


def make_world(seed: int, counts: dict[str, int]) -> World:
    jobs, roles, n_customers = plan_jobs(counts)
    rng = random.Random(sub_seed(seed, "world"))
    used: set[str] = set()
    customers = []
    for i in range(n_customers):
        company = make_company(rng, roles.get(i), used)
        contact = company.legal_rep.name if rng.random() < 0.3 else person_name(rng, rng.choice("男女"))
        customers.append(Customer(
            company=company,
            role=roles.get(i),
            manager=person_name(rng, rng.choice("男女")),
            department=rng.choice(DEPARTMENTS),
            contact=contact,
            phone=f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}",
            customer_class=rng.choice(CUSTOMER_CLASSES),
        ))
    firm = make_company(rng, None, used)
    return World(seed=seed, customers=tuple(customers), firm=firm, jobs=tuple(jobs))


# --- pages: what is drawn where, in millimetres -------------------------------------------

Color = tuple[int, int, int]
BLACK: Color = (20, 20, 20)
SEAL_RED: Color = (214, 40, 40)


@dataclass(frozen=True)
class Text:
    """One line of text; (x, y) is the baseline start (or centre / end for other aligns)."""

    x: float
    y: float
    text: str
    size: float  # points
    family: str = "serif"
    color: Color = BLACK
    align: str = "left"  # left | center | right


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float
    outline: Color | None = None
    fill: Color | None = None
    width: float = 0.3  # mm
    radius: float = 0.0  # mm


@dataclass(frozen=True)
class Picture:
    """A raster drawn by `make(width_px, height_px)` as RGBA. `multiply` blends it like ink
    over what is below (a seal over printed text), instead of covering it."""

    x: float
    y: float
    w: float
    h: float
    make: Callable[[int, int], Image.Image]
    multiply: bool = False


Op = Text | Box | Picture


@dataclass
class Page:
    width: float  # mm
    height: float  # mm
    ops: list[Op] = field(default_factory=list)
    background: Color = (255, 255, 255)
    # Printed values the extractors do not read (yet): written to the ground truth's `extra`.
    extra: dict[str, Any] = field(default_factory=dict)

    def add(self, *ops: Op) -> None:
        self.ops.extend(ops)


# Noto CJK collections: index 2 is the Simplified Chinese face. The PDF backend uses
# WenQuanYi Zen Hei: fpdf2 embeds Noto's CFF outlines with a CMap that pdfminer (and so
# pdfplumber) cannot read back, while a TrueType font extracts fine.
FONT_FILES: dict[str, tuple[str, int]] = {
    "serif": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    "serif_bold": ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", 2),
    "sans": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    "sans_bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", 2),
    "hand": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
}
PDF_FONT = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0)
MM_PER_PT = 25.4 / 72


@functools.lru_cache(maxsize=256)
def font(family: str, size_px: int) -> ImageFont.FreeTypeFont:
    path, index = FONT_FILES[family]
    return ImageFont.truetype(path, size_px, index=index)


def text_width(text: str, size: float, family: str = "serif") -> float:
    """Width in mm of `text` at `size` points (measured at 100 px/pt for precision)."""
    return font(family, round(size * 100)).getlength(text) / 100 * MM_PER_PT


# Characters that may not start a line (Chinese line-breaking rule, 避头点).
_NO_LINE_START = set("，。、；：？！）」』”%")


def wrap(text: str, size: float, width: float, family: str = "serif",
         first_width: float | None = None) -> list[str]:
    """Break `text` into lines no wider than `width` mm (the first no wider than
    `first_width`), character by character as Chinese text breaks."""
    lines: list[str] = []
    current = ""
    for ch in text:
        limit = first_width if first_width is not None and not lines else width
        if current and text_width(current + ch, size, family) > limit and ch not in _NO_LINE_START:
            lines.append(current)
            current = ""
        current += ch
    if current:
        lines.append(current)
    return lines


def paragraph(page: "Page", body: str, left: float, right: float, y: float, size: float, indent: float) -> float:
    """Body text between `left` and `right` mm, its first line indented; returns the y
    below its last line."""
    for k, line in enumerate(wrap(body, size, right - left, first_width=right - left - indent)):
        page.add(Text(left + (indent if k == 0 else 0), y, line, size))
        y += 7.5
    return y


# --- page pictures: seal, QR-like code, emblem, handwriting --------------------------------


def _star(cx: float, cy: float, r: float, rotation: float = -math.pi / 2) -> list[tuple[float, float]]:
    points = []
    for k in range(10):
        radius = r if k % 2 == 0 else r * 0.382
        angle = rotation + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return points


def seal_picture(text: str, seed: int) -> Callable[[int, int], Image.Image]:
    """A round official seal: red ring, star, `text` along the upper arc, uneven ink."""

    def make(w: int, h: int) -> Image.Image:
        size = min(w, h)
        img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        c = size / 2
        ring = size * 0.035
        draw.ellipse((ring / 2, ring / 2, size - ring / 2, size - ring / 2),
                     outline=(*SEAL_RED, 255), width=round(ring))
        draw.polygon(_star(c, c, size * 0.17), fill=(*SEAL_RED, 255))
        # Characters spread over about 230 degrees of the upper arc, upright to the centre.
        span = math.radians(min(230.0, 24.0 * len(text)))
        radius = size * 0.355
        # Glyphs as large as the arc allows, so long authority names do not overlap.
        glyph = font("serif_bold", round(min(size * 0.115, radius * span / len(text) * 0.95)))
        for k, ch in enumerate(text):
            angle = -math.pi / 2 - span / 2 + span * (k + 0.5) / len(text)
            tile = Image.new("RGBA", (round(size * 0.16),) * 2, (0, 0, 0, 0))
            ImageDraw.Draw(tile).text((tile.width / 2, tile.height / 2), ch, font=glyph,
                                      fill=(*SEAL_RED, 255), anchor="mm")
            tile = tile.rotate(-math.degrees(angle) - 90, resample=Image.Resampling.BICUBIC)
            x = c + radius * math.cos(angle) - tile.width / 2
            y = c + radius * math.sin(angle) - tile.height / 2
            img.alpha_composite(tile, (round(x), round(y)))
        # Ink is never even: thin the alpha with smooth random blotches.
        coarse = np.random.default_rng(seed).random((24, 24))
        blotch = Image.fromarray((coarse * 255).astype(np.uint8)).resize(
            (size, size), Image.Resampling.BICUBIC)
        ink = 0.55 + 0.45 * np.asarray(blotch, dtype=np.float32) / 255
        alpha = np.asarray(img.getchannel("A"), dtype=np.float32) * ink
        img.putalpha(Image.fromarray(alpha.clip(0, 255).astype(np.uint8)))
        return img.resize((w, h), Image.Resampling.LANCZOS) if (w, h) != img.size else img

    return make


def qr_picture(seed: int, modules: int = 25) -> Callable[[int, int], Image.Image]:
    """Something that looks like a QR code (finder squares + random modules); not decodable."""

    def make(w: int, h: int) -> Image.Image:
        grid = np.random.default_rng(seed).random((modules, modules)) < 0.5
        for r, c in ((0, 0), (0, modules - 7), (modules - 7, 0)):
            grid[r:r + 7, c:c + 7] = False
            grid[r:r + 7, c] = grid[r:r + 7, c + 6] = True
            grid[r, c:c + 7] = grid[r + 6, c:c + 7] = True
            grid[r + 2:r + 5, c + 2:c + 5] = True
        cells = np.where(grid, 0, 255).astype(np.uint8)
        img = Image.fromarray(cells).resize((w, h), Image.Resampling.NEAREST)
        return img.convert("RGBA")

    return make


def emblem_picture() -> Callable[[int, int], Image.Image]:
    """Stand-in for the national emblem on the ID card's back: red disc, golden stars."""

    def make(w: int, h: int) -> Image.Image:
        img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        draw.ellipse((0, 0, w - 1, h - 1), fill=(200, 30, 30, 255))
        gold = (240, 200, 40, 255)
        draw.polygon(_star(w * 0.5, h * 0.36, w * 0.16), fill=gold)
        for k in range(4):
            angle = math.radians(-60 + k * 40)
            draw.polygon(_star(w * 0.5 + w * 0.3 * math.sin(angle),
                               h * 0.36 - h * 0.2 * math.cos(angle), w * 0.05), fill=gold)
        draw.rectangle((w * 0.3, h * 0.62, w * 0.7, h * 0.75), fill=gold)
        return img

    return make


def handwriting_picture(text: str, angle: float) -> Callable[[int, int], Image.Image]:
    """A line written in blue ink, slightly off the horizontal (e.g. 此复印件与原件一致)."""

    def make(w: int, h: int) -> Image.Image:
        glyph = font("hand", round(h * 0.6))
        tile = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(tile).text((w / 2, h / 2), text, font=glyph, fill=(30, 60, 170, 235),
                                  anchor="mm")
        return tile.rotate(angle, resample=Image.Resampling.BICUBIC)

    return make


# --- layouts: one per document type --------------------------------------------------------

Fields = dict[str, Any]


def layout_business_licence(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """营业执照 (副本), 2019 style: landscape, code top left, two columns of fields,
    registering authority and date bottom right under the authority's seal."""
    co = customer.company
    page = Page(297, 210)
    frame = (150, 95, 50)
    page.add(Box(9, 9, 279, 192, outline=frame, width=1.6), Box(12.5, 12.5, 272, 185, outline=frame, width=0.4))
    page.add(
        Text(22, 30, "统一社会信用代码", 12, "sans"),
        Text(62, 30, co.uscc, 14, "sans_bold"),
        Text(148.5, 50, "营　业　执　照", 40, "serif_bold", align="center"),
        Text(148.5, 63, "（副　本）", 16, "serif", align="center"),
        Picture(246, 20, 26, 26, qr_picture(rng.getrandbits(32))),
    )
    value_size = 12
    step = 10.5

    def column(x_label: float, x_value: float, right: float, y: float, rows: Sequence[tuple[str, str]]) -> None:
        for label, value in rows:
            page.add(Text(x_label, y, label, value_size, "serif_bold"))
            lines = wrap(value, value_size, right - x_value)
            for k, line in enumerate(lines):
                page.add(Text(x_value, y + k * 6.5, line, value_size))
            y += step + (len(lines) - 1) * 6.5

    term = cn_date(co.established) + "至" + (cn_date(co.term_end) if co.term_end else "长期")
    column(24, 52, 150, 84, (
        ("名　　　称", co.name),
        ("类　　　型", co.company_type),
        ("法定代表人", co.legal_rep.name),
        ("经 营 范 围", co.scope),
    ))
    column(160, 187, 278, 84, (
        ("注 册 资 本", co.capital_text),
        ("成 立 日 期", cn_date(co.established)),
        ("营 业 期 限", term),
        ("住　　　所", co.address),
    ))
    authority = co.division.registrar
    page.add(
        Text(150, 164, "登 记 机 关", value_size, "serif_bold"),
        Text(177, 164, authority, value_size),
        Text(240, 180, cn_date(co.issue_date), value_size, align="center"),
        # The seal is stamped on the issue date, clear of the code and the fields.
        Picture(238, 148, 40, 40, seal_picture(authority, rng.getrandbits(32)), multiply=True),
        Text(24, 186, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 8, "sans"),
        Text(24, 191, "市场主体应当于每年1月1日至6月30日通过国家企业信用信息公示系统报送公示年度报告。", 8, "sans"),
        Text(272, 191, "国家市场监督管理总局监制", 8, "sans", align="right"),
    )
    fields: Fields = {
        "uscc": co.uscc,
        "name": co.name,
        "company_type": co.company_type,
        "legal_rep": co.legal_rep.name,
        "registered_capital_text": co.capital_text,
        "registered_capital": co.capital_wan * 10_000,
        "established": co.established.isoformat(),
        "term_start": co.established.isoformat(),
        "term_end": co.term_end.isoformat() if co.term_end else "长期",
        "address": co.address,
        "authority": authority,
        "issue_date": co.issue_date.isoformat(),
    }
    return page, fields


CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, mm
# Copies are commonly made enlarged for legibility; the card's text is tiny at 1:1.
CARD_SCALE = 1.4
LABEL_BLUE: Color = (60, 110, 170)


def layout_id_card(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """A4 copy of a resident ID card: front (人像面) above back (国徽面)."""
    p = customer.company.legal_rep
    page = Page(210, 297)
    s = CARD_SCALE
    w, h = CARD_W * s, CARD_H * s
    x0 = (210 - w) / 2
    front_y, back_y = 40.0, 40.0 + h + 22

    def at(x: float, y: float, top: float) -> tuple[float, float]:
        return x0 + x * s, top + y * s

    # Front: labels in blue, values in black, photo on the right.
    page.add(Box(x0, front_y, w, h, outline=(150, 150, 150), fill=(226, 236, 240), width=0.3, radius=3 * s))
    label, value = 3.1 * s / MM_PER_PT, 3.5 * s / MM_PER_PT  # points from cap height in mm

    def pair(x: float, y: float, lab: str, val: str, top: float, gap: float = 10.0) -> None:
        page.add(Text(*at(x, y, top), lab, label, "sans", LABEL_BLUE),
                 Text(*at(x + gap, y, top), val, value, "sans", BLACK))

    pair(6, 11, "姓 名", p.name, front_y)
    pair(6, 18, "性 别", p.sex, front_y)
    pair(24, 18, "民 族", p.ethnicity, front_y)
    pair(6, 25, "出 生", cn_date(p.birth, pad=False), front_y)
    address_lines = wrap(p.address, value, 40 * s)
    page.add(Text(*at(6, 32, front_y), "住 址", label, "sans", LABEL_BLUE))
    for k, line in enumerate(address_lines):
        page.add(Text(*at(16, 32 + k * 5, front_y), line, value, "sans"))
    page.add(Text(*at(6, 48, front_y), "公民身份号码", label, "sans", LABEL_BLUE),
             Text(*at(28, 48, front_y), p.id_number, 4.0 * s / MM_PER_PT, "sans_bold"),
             Box(*at(58, 7, front_y), 24 * s, 30 * s, fill=(175, 175, 175)))

    # Back: emblem, title, issuing authority, validity.
    valid_to = p.id_valid_to.strftime("%Y.%m.%d") if p.id_valid_to else "长期"
    validity = f"{p.id_valid_from:%Y.%m.%d}-{valid_to}"
    page.add(Box(x0, back_y, w, h, outline=(150, 150, 150), fill=(236, 238, 228), width=0.3, radius=3 * s),
             Picture(*at(5, 4, back_y), 18 * s, 18 * s, emblem_picture()),
             Text(*at(52, 14, back_y), "中华人民共和国", 5.0 * s / MM_PER_PT, "sans_bold", align="center"),
             Text(*at(52, 27, back_y), "居民身份证", 7.5 * s / MM_PER_PT, "sans_bold", align="center"))
    pair(14, 41, "签发机关", p.division.police, back_y, gap=14)
    pair(14, 48, "有效期限", validity, back_y, gap=14)

    if rng.random() < 0.7:
        page.add(Picture(60, back_y + h + 10, 90, 14, handwriting_picture("此复印件与原件一致", rng.uniform(-4, 4))))
    fields: Fields = {
        "name": p.name,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "birth_date": p.birth.isoformat(),
        "address": p.address,
        "id_number": p.id_number,
        "authority": p.division.police,
        "valid_from": p.id_valid_from.isoformat(),
        "valid_to": p.id_valid_to.isoformat() if p.id_valid_to else "长期",
    }
    return page, fields


@dataclass(frozen=True)
class ContractTemplate:
    title: str
    role_a: str  # 甲方's role in brackets
    role_b: str
    subject: str  # what the contract is about, for the body text
    clauses: tuple[tuple[str, str], ...]  # (heading, text)


CONTRACT_TEMPLATES: tuple[ContractTemplate, ...] = (
    ContractTemplate("技术服务合同", "委托方", "受托方", "信息系统运维及技术支持服务", (
        ("第一条　服务内容", "乙方为甲方提供信息系统日常运维、故障排查、数据备份及技术咨询服务，"
         "具体服务范围以本合同附件一《服务清单》为准。"),
        ("第二条　服务期限", "本合同服务期限为壹年，自双方签字盖章之日起计算。"
         "服务期满前三十日内，双方可协商续签事宜。"),
        ("第三条　双方权利义务", "甲方应当为乙方提供开展服务所必需的工作条件和资料；"
         "乙方应当按照约定的标准和时限完成服务，并对在服务过程中知悉的甲方商业秘密负保密义务。"),
    )),
    ContractTemplate("采购合同", "采购方", "供应方", "办公设备及耗材采购", (
        ("第一条　标的物", "乙方向甲方供应办公设备及耗材，货物名称、规格型号、数量及单价"
         "详见本合同附件《采购清单》。"),
        ("第二条　质量标准", "乙方提供的货物应当符合国家标准或行业标准，并为全新、未使用过的原厂正品。"),
        ("第三条　交货方式", "乙方应于本合同生效后十五个工作日内将货物送至甲方指定地点，"
         "运输及保险费用由乙方承担。"),
    )),
    ContractTemplate("物流运输合同", "托运方", "承运方", "货物道路运输", (
        ("第一条　运输货物", "甲方委托乙方运输的货物为日用品及包装材料，"
         "每批货物的品名、数量、重量以甲方出具的托运单为准。"),
        ("第二条　运输要求", "乙方应当按照托运单约定的时间、线路将货物安全运抵目的地，"
         "并由收货人在回单上签字确认。"),
        ("第三条　运费结算", "运费按月结算，乙方于次月五日前向甲方提供对账单及合法有效的增值税专用发票。"),
    )),
)


def layout_contract_first_page(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """First page of a contract: title, number, parties, opening clauses, date, page number."""
    a, b = customer.company, world.firm
    tpl = rng.choice(CONTRACT_TEMPLATES)
    sign_date = random_date(rng, max(a.established, dt.date(2022, 1, 1)), AS_OF - dt.timedelta(days=10))
    contract_no = f"HT-{sign_date.year}-{rng.randint(1, 9999):04d}"
    page = Page(210, 297)
    left, right, size = 25.0, 185.0, 12
    page.add(
        Text(105, 38, tpl.title, 22, "serif_bold", align="center"),
        Text(right, 52, f"合同编号：{contract_no}", 10.5, "serif", align="right"),
        Text(right, 58.5, f"签订日期：{cn_date(sign_date)}", 10.5, "serif", align="right"),
        Text(right, 65, f"签订地点：{a.division.city}{a.division.district}", 10.5, "serif", align="right"),
    )
    y = 80.0
    for tag, role, party in (("甲方", tpl.role_a, a), ("乙方", tpl.role_b, b)):
        page.add(Text(left, y, f"{tag}（{role}）：{party.name}", size, "serif_bold"),
                 Text(left, y + 7.5, f"住所地：{party.address}", size),
                 Text(left, y + 15, f"法定代表人：{party.legal_rep.name}", size))
        y += 26
    indent = text_width("　　", size)
    paragraphs = [("", f"根据《中华人民共和国民法典》及相关法律法规的规定，甲乙双方本着平等自愿、"
                       f"诚实信用的原则，经友好协商，就甲方委托乙方{tpl.subject}事宜，"
                       f"达成如下协议，以资共同遵守。")]
    paragraphs += list(tpl.clauses)
    y += 4
    for heading, body in paragraphs:
        if heading:
            page.add(Text(left, y, heading, size, "serif_bold"))
            y += 8
        y = paragraph(page, body, left, right, y, size, indent)
        y += 3
    page.add(Text(105, 280, "第 1 页　共 4 页", 9, "serif", align="center"))
    fields: Fields = {
        "contract_no": contract_no,
        "party_a": a.name,
        "party_b": b.name,
        "sign_date": sign_date.isoformat(),
        "title": tpl.title,
    }
    return page, fields


# --- layouts of the further types (only made with --count-per-type) ------------------------

AUTH_MATTERS = (
    "代表我单位办理与{firm}之间合同的洽谈、签订及履行相关事宜",
    "代表我单位办理客户资料提交、核对及业务对接相关事宜",
    "代表我单位办理对公账户信息变更及结算业务相关手续",
    "代表我单位参加{firm}组织的供应商资格审核并签署相关文件",
)
ARCHIVE_DEPTS = ("SALE", "SALE", "CRM", "FIN", "LEGAL")
BANKS: tuple[tuple[str, int], ...] = (  # (bank, digits in its account numbers)
    ("中国工商银行股份有限公司", 19),
    ("中国建设银行股份有限公司", 20),
    ("中国农业银行股份有限公司", 19),
    ("中国银行股份有限公司", 12),
    ("招商银行股份有限公司", 15),
    ("交通银行股份有限公司", 21),
)


def _contract_of(customer: Customer, world: World) -> Fields | None:
    """The fields of this customer's contract first page, by redrawing that page with its own
    sub-seed, so the amount and signature pages belong to the same contract."""
    index = world.customers.index(customer)
    job = next((j for j in world.jobs if j.doc_type == "contract_first_page" and j.customer == index), None)
    if job is None:
        return None
    return layout_contract_first_page(customer, world, random.Random(sub_seed(world.seed, "doc", job.stem)))[1]


def _labelled(page: Page, x: float, y: float, label: str, value: str, size: float,
              width: float, step: float = 7.5) -> float:
    """`label：value`, value wrapped under itself; returns the y below it."""
    page.add(Text(x, y, label, size, "serif_bold"))
    x_value = x + text_width(label, size, "serif_bold")
    for k, line in enumerate(wrap(value, size, width - (x_value - x))):
        page.add(Text(x_value, y + k * step, line, size))
        y += step if k else 0
    return y + step


def layout_authorization_letter(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """授权委托书: the company (委托人) authorises an agent (受托人) to act for it; company seal
    on the signature block, the legal representative's signature beside it."""
    co = customer.company
    agent = make_person(rng, home=co.division)
    sign_date = random_date(rng, max(co.established, dt.date(2023, 1, 1)), AS_OF - dt.timedelta(days=10))
    years = rng.choice((1, 1, 2, 3))
    while add_years(sign_date, years) <= AS_OF:  # current on AS_OF, like every document here
        years += 1
    valid_to = add_years(sign_date, years)
    matter = rng.choice(AUTH_MATTERS).format(firm=world.firm.name)
    page = Page(210, 297)
    left, right, size = 25.0, 185.0, 12
    page.add(Text(105, 40, "授 权 委 托 书", 22, "serif_bold", align="center"))
    y = 62.0
    for label, value in (("委托人：", co.name), ("统一社会信用代码：", co.uscc), ("住所：", co.address),
                         ("法定代表人：", co.legal_rep.name)):
        y = _labelled(page, left, y, label, value, size, right - left)
    y += 5
    for label, value in (("受托人：", agent.name), ("性别：", agent.sex),
                         ("身份证号码：", agent.id_number), ("住址：", agent.address)):
        y = _labelled(page, left, y, label, value, size, right - left)
    y += 5
    indent = text_width("　　", size)
    body = (f"现委托{agent.name}作为我单位的合法代理人，以我单位的名义办理下列事项。"
            "受托人在委托权限内签署的一切相关文件和处理的有关事务，我单位均予以承认，"
            "并承担相应的法律责任。受托人无转委托权。")
    y = paragraph(page, body, left, right, y, size, indent)
    y += 4
    y = _labelled(page, left, y, "委托事项：", matter, size, right - left)
    y = _labelled(page, left, y, "有效期至：", cn_date(valid_to), size, right - left)
    y = max(y + 25, 200.0)
    sig_x = 95.0
    page.add(Text(sig_x, y, "委托人（盖章）：", size, "serif_bold"))
    name_lines = wrap(co.name, size, right - sig_x)
    for k, line in enumerate(name_lines):
        page.add(Text(sig_x, y + 8 + k * 7, line, size))
    seal_y = y + 8 - 24
    page.add(Picture(sig_x + 18, seal_y, 42, 42, seal_picture(co.name, rng.getrandbits(32)), multiply=True))
    y += 8 + len(name_lines) * 7 + 10
    page.add(Text(sig_x, y, "法定代表人（签字）：", size, "serif_bold"),
             Picture(sig_x + 44, y - 9, 34, 12, handwriting_picture(co.legal_rep.name, rng.uniform(-5, 5))))
    page.add(Text(sig_x, y + 14, cn_date(sign_date), size))
    fields: Fields = {
        "principal": co.name,
        "principal_uscc": co.uscc,
        "agent_name": agent.name,
        "agent_id_number": agent.id_number,
        "legal_rep": co.legal_rep.name,
    }
    page.extra = {"matter": matter, "valid_to": valid_to.isoformat(), "sign_date": sign_date.isoformat()}
    return page, fields


def layout_contract_amount_page(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """Page 2 of the contract: a price table, then 合同金额 in figures and in 大写 (agreeing)."""
    from extractors.parsing import amount_in_words

    contract = _contract_of(customer, world)
    page = Page(210, 297)
    left, right, size = 25.0, 185.0, 12
    items = []
    names = ("技术服务费", "设备采购", "安装调试", "运维支持", "培训服务", "软件许可", "耗材", "运输费")
    for name in rng.sample(names, rng.randint(2, 4)):
        qty = rng.choice((1, 1, 2, 3, 5, 10, 12, 20))
        unit = Decimal(rng.randint(5, 900) * 100) + (Decimal("0.50") if rng.random() < 0.2 else 0)
        items.append((name, qty, unit))
    total = sum((q * u for _, q, u in items), Decimal(0))
    figures = f"¥{total:,.2f}"
    words = "人民币" + amount_in_words(total)
    y = 30.0
    page.add(Text(left, y, "第四条　合同价款及支付方式", size, "serif_bold"))
    y += 9
    page.add(Text(left, y, "4.1　本合同项下的价款明细如下表（含税）：", size))
    y += 5
    cols = (left, left + 14, left + 70, left + 92, left + 126, right)
    heads = ("序号", "项目名称", "数量", "单价（元）", "金额（元）")
    rows = [heads] + [(str(k + 1), n, str(q), f"{u:,.2f}", f"{q * u:,.2f}") for k, (n, q, u) in enumerate(items)]
    rows.append(("", "合计", "", "", f"{total:,.2f}"))
    row_h = 9.0
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            page.add(Box(cols[c], y, cols[c + 1] - cols[c], row_h, outline=BLACK, width=0.3))
            page.add(Text((cols[c] + cols[c + 1]) / 2, y + 6.3, cell, 10.5,
                          "serif_bold" if r == 0 else "serif", align="center"))
        y += row_h
    y += 10
    page.add(Text(left, y, f"合同金额：{figures}", size, "serif_bold"))
    y += 8
    page.add(Text(left, y, f"大写：{words}", size, "serif_bold"))
    y += 12
    indent = text_width("　　", size)
    advance = (total * Decimal("0.3")).quantize(Decimal("0.01"))
    clauses = (
        "4.2　上述价款已包含税费、运输、安装及售后服务等全部费用，除双方另有书面约定外，"
        "甲方无需向乙方支付其他任何费用。",
        f"4.3　付款方式：本合同签订后十个工作日内，甲方向乙方支付百分之三十作为预付款，"
        f"计人民币{advance:,.2f}元；验收合格后十个工作日内支付其余款项。",
        "4.4　乙方应在每次收款前向甲方开具等额合法有效的增值税专用发票，甲方收到发票后方予付款。",
        "4.5　甲方以银行转账方式付款，乙方收款账户以本合同所载信息为准，变更须提前书面通知甲方。",
    )
    for body in clauses:
        y = paragraph(page, body, left, right, y, size, indent)
        y += 3
    page.add(Text(105, 280, "第 2 页　共 4 页", 9, "serif", align="center"))
    fields: Fields = {
        "amount": int(total) if total == total.to_integral() else float(total),
        "amount_text": figures,
        "amount_in_words": int(total) if total == total.to_integral() else float(total),
        "amount_in_words_text": words,
    }
    page.extra = {"contract_no": contract["contract_no"]} if contract else {}
    return page, fields


def layout_contract_signature_page(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """Last page of the contract: closing clauses, then 甲方 and 乙方 blocks, each with the
    company seal over its name, a signature and the signing date."""
    a, b = customer.company, world.firm
    contract = _contract_of(customer, world)
    if contract is not None:
        sign_date = dt.date.fromisoformat(contract["sign_date"])
    else:
        sign_date = random_date(rng, max(a.established, dt.date(2022, 1, 1)), AS_OF - dt.timedelta(days=10))
    page = Page(210, 297)
    left, right, size = 25.0, 185.0, 12
    y = 32.0
    indent = text_width("　　", size)
    for heading, body in (
        ("第九条　争议解决", f"因本合同引起的或与本合同有关的任何争议，双方应友好协商解决；协商不成的，"
                          f"任何一方均可向{a.division.city}{a.division.district}人民法院提起诉讼。"),
        ("第十条　其他", "本合同未尽事宜，双方可另行签订补充协议，补充协议与本合同具有同等法律效力。"
                       "本合同一式贰份，甲乙双方各执壹份。本合同自双方签字并盖章之日起生效。"),
    ):
        page.add(Text(left, y, heading, size, "serif_bold"))
        y += 8
        y = paragraph(page, body, left, right, y, size, indent)
        y += 3
    page.add(Text(105, y + 4, "（以下无正文）", size, align="center"))
    y += 30
    for tag, party in (("甲方", a), ("乙方", b)):
        page.add(Text(left, y, f"{tag}（盖章）：{party.name}", size, "serif_bold"))
        name_x = left + text_width(f"{tag}（盖章）：", size, "serif_bold")
        seal_x = name_x + rng.uniform(0.1, 0.5) * text_width(party.name, size) - 10
        page.add(Picture(seal_x, y - 22, 42, 42, seal_picture(party.name, rng.getrandbits(32)), multiply=True))
        page.add(Text(left, y + 12, "法定代表人或授权代表（签字）：", size),
                 Picture(left + 68, y + 3, 34, 12, handwriting_picture(party.legal_rep.name, rng.uniform(-6, 6))))
        page.add(Text(left, y + 24, f"签订日期：{cn_date(sign_date)}", size))
        y += 62
    page.add(Text(105, 280, "第 4 页　共 4 页", 9, "serif", align="center"))
    fields: Fields = {"party_a": a.name, "party_b": b.name, "sign_date": sign_date.isoformat()}
    page.extra = {"contract_no": contract["contract_no"]} if contract else {}
    return page, fields


def layout_bank_account_proof(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """开户许可证 (基本存款账户): landscape certificate, 核准号 and 编号 on top, the account's
    fields, the People's Bank seal over the issue date."""
    co = customer.company
    bank, digits = rng.choice(BANKS)
    branch = f"{bank}{co.division.city.removesuffix('市')}{co.division.district.removesuffix('新区').removesuffix('区')}支行"
    account_no = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
    approval_no = f"J{co.division.code[:4]}{rng.randint(0, 999_999_999):09d}"
    serial = f"{co.division.code[:4]}-{rng.randint(0, 99_999_999):08d}"
    issue = random_date(rng, co.established, min(AS_OF - dt.timedelta(days=30), co.established + dt.timedelta(days=90)))
    page = Page(240, 170)
    frame = (40, 100, 150)
    page.add(Box(8, 8, 224, 154, outline=frame, width=1.4), Box(11, 11, 218, 148, outline=frame, width=0.4))
    page.add(Text(120, 36, "开 户 许 可 证", 30, "serif_bold", align="center"),
             Text(22, 52, f"核准号：{approval_no}", 12, "sans"),
             Text(218, 52, f"编号：{serial}", 12, "sans", align="right"))
    page.add(Text(22, 66, f"经审核，{co.name}符合开户条件，准予", 12),
             Text(22, 74, "开立基本存款账户。", 12))
    y = 90.0
    for label, value in (("法定代表人（单位负责人）", co.legal_rep.name), ("存款人名称", co.name),
                         ("开户银行", branch), ("账号", account_no)):
        page.add(Text(30, y, label, 12, "serif_bold"), Text(92, y, value, 12))
        y += 11
    authority = f"中国人民银行{co.division.city.removesuffix('市')}中心支行"
    page.add(Text(150, 146, "发证机关（盖章）", 11), Text(185, 154, cn_date(issue), 11, align="center"),
             Picture(166, 118, 38, 38, seal_picture(authority, rng.getrandbits(32)), multiply=True))
    fields: Fields = {"account_name": co.name, "bank": branch, "account_no": account_no,
                      "approval_no": approval_no}
    page.extra = {"serial_no": serial, "legal_rep": co.legal_rep.name, "issue_date": issue.isoformat()}
    return page, fields


def layout_archive_cover(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """档案袋封面: the firm's archive bag, a table of the customer's details and its contents."""
    co = customer.company
    archive_date = random_date(rng, max(co.established, dt.date(2021, 1, 1)), AS_OF - dt.timedelta(days=5))
    archive_no = f"{archive_date.year}-{rng.choice(ARCHIVE_DEPTS)}-{rng.randint(1, 300):03d}"
    keeper = person_name(rng, rng.choice("男女"))
    page = Page(210, 297, background=(236, 222, 190))  # kraft paper
    left, right = 25.0, 185.0
    page.add(Text(105, 34, world.firm.name, 13, "serif", align="center"),
             Text(105, 52, "客 户 档 案", 30, "serif_bold", align="center"))
    rows = (("客户名称", co.name), ("统一社会信用代码", co.uscc), ("档案编号", archive_no),
            ("归档日期", cn_date(archive_date)), ("保管人", keeper),
            ("保管期限", rng.choice(("长期", "三十年", "十年"))), ("密级", "内部"))
    y, row_h, split = 66.0, 13.0, left + 46
    for label, value in rows:
        page.add(Box(left, y, split - left, row_h, outline=BLACK, width=0.4),
                 Box(split, y, right - split, row_h, outline=BLACK, width=0.4),
                 Text(left + 4, y + 8.8, label, 12, "serif_bold"),
                 Text(split + 4, y + 8.8, value, 12))
        y += row_h
    y += 12
    page.add(Text(left, y, "卷内资料目录", 13, "serif_bold"))
    y += 4
    contents = ["营业执照副本", "法定代表人身份证", "授权委托书", "合同首页", "合同金额页",
                "合同签字盖章页", "对公账户证明", "客户风险评估报告"]
    cols = (left, left + 18, left + 118, right)
    for r, row in enumerate([("序号", "资料名称", "页数")] +
                            [(str(k + 1), c, str(rng.randint(1, 4))) for k, c in enumerate(contents)]):
        for c, cell in enumerate(row):
            page.add(Box(cols[c], y, cols[c + 1] - cols[c], 9, outline=BLACK, width=0.3),
                     Text((cols[c] + cols[c + 1]) / 2, y + 6.3, cell, 10.5,
                          "serif_bold" if r == 0 else "serif", align="center"))
        y += 9
    page.add(Text(105, 278, "档案室制", 10, "serif", align="center"))
    fields: Fields = {"name": co.name, "archive_no": archive_no, "archive_date": archive_date.isoformat(),
                      "keeper": keeper}
    return page, fields


# --- backends: raster and PDF ------------------------------------------------------------


def rasterise(page: Page, dpi: int) -> Image.Image:
    """Draw a page as an RGB image at `dpi`."""

    def px(mm: float) -> int:
        return round(mm / 25.4 * dpi)

    img = Image.new("RGB", (px(page.width), px(page.height)), page.background)
    draw = ImageDraw.Draw(img)
    anchors = {"left": "ls", "center": "ms", "right": "rs"}
    for op in page.ops:
        if isinstance(op, Text):
            glyph = font(op.family, round(op.size / 72 * dpi))
            draw.text((px(op.x), px(op.y)), op.text, font=glyph, fill=op.color, anchor=anchors[op.align])
        elif isinstance(op, Box):
            draw.rounded_rectangle((px(op.x), px(op.y), px(op.x + op.w), px(op.y + op.h)),
                                   radius=px(op.radius), outline=op.outline, fill=op.fill,
                                   width=max(1, px(op.width)))
        else:
            pic = op.make(px(op.w), px(op.h))
            box = (px(op.x), px(op.y))
            if op.multiply:
                ink = Image.new("RGB", pic.size, (255, 255, 255))
                ink.paste(pic, (0, 0), pic)
                region = img.crop((*box, box[0] + pic.width, box[1] + pic.height))
                img.paste(ImageChops.multiply(region, ink), box)
            else:
                img.paste(pic, box, pic)
    return img


# A fixed creation date keeps the PDF's bytes a function of the seed only.
PDF_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def page_to_pdf(page: Page, picture_dpi: int = 300) -> bytes:
    """The page as a one-page PDF whose text is real text (a text layer pdfplumber reads);
    pictures such as the seal are embedded as images."""
    from fpdf import FPDF  # only this path needs fpdf2

    # fontTools complains about the font's bitmap tables it cannot subset; harmless.
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    pdf = FPDF(orientation="L" if page.width > page.height else "P", unit="mm",
               format=(min(page.width, page.height), max(page.width, page.height)))
    pdf.set_creation_date(PDF_DATE)
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=PDF_FONT[0], collection_font_number=PDF_FONT[1])
    pdf.add_page()
    for op in page.ops:
        if isinstance(op, Text):
            pdf.set_font("cjk", size=op.size)
            pdf.set_text_color(*op.color)
            width = pdf.get_string_width(op.text)
            x = op.x - {"left": 0, "center": width / 2, "right": width}[op.align]
            pdf.text(x, op.y, op.text)
        elif isinstance(op, Box):
            pdf.set_line_width(op.width)
            style = ("D" if op.outline else "") + ("F" if op.fill else "")
            if op.outline:
                pdf.set_draw_color(*op.outline)
            if op.fill:
                pdf.set_fill_color(*op.fill)
            pdf.rect(op.x, op.y, op.w, op.h, style=style, round_corners=op.radius > 0,
                     corner_radius=op.radius)
        else:
            pic = op.make(round(op.w / 25.4 * picture_dpi), round(op.h / 25.4 * picture_dpi))
            if op.multiply:
                with pdf.local_context(blend_mode="Multiply"):
                    pdf.image(pic, op.x, op.y, op.w, op.h)
            else:
                pdf.image(pic, op.x, op.y, op.w, op.h)
    return bytes(pdf.output())


# --- renderers: one per document type ------------------------------------------------------

def render_business_licence(customer: Customer, world: World, rng: random.Random,
                            dpi: int = DEFAULT_DPI) -> tuple[Image.Image, Fields]:
    page, fields = layout_business_licence(customer, world, rng)
    return rasterise(page, dpi), fields


def render_business_licence_pdf(customer: Customer, world: World, rng: random.Random) -> tuple[bytes, Fields]:
    page, fields = layout_business_licence(customer, world, rng)
    return page_to_pdf(page), fields


def render_id_card(customer: Customer, world: World, rng: random.Random,
                   dpi: int = DEFAULT_DPI) -> tuple[Image.Image, Fields]:
    page, fields = layout_id_card(customer, world, rng)
    return rasterise(page, dpi), fields


def render_contract_first_page(customer: Customer, world: World, rng: random.Random,
                               dpi: int = DEFAULT_DPI) -> tuple[Image.Image, Fields]:
    page, fields = layout_contract_first_page(customer, world, rng)
    return rasterise(page, dpi), fields


Layout = Callable[[Customer, World, random.Random], tuple[Page, Fields]]
LAYOUTS: dict[str, Layout] = {
    "business_licence": layout_business_licence,
    "id_card": layout_id_card,
    "contract_first_page": layout_contract_first_page,
    "authorization_letter": layout_authorization_letter,
    "contract_amount_page": layout_contract_amount_page,
    "contract_signature_page": layout_contract_signature_page,
    "bank_account_proof": layout_bank_account_proof,
    "archive_cover": layout_archive_cover,
}


def _render(layout: Layout) -> Callable[..., tuple[Image.Image, Fields]]:
    def render(customer: Customer, world: World, rng: random.Random,
               dpi: int = DEFAULT_DPI) -> tuple[Image.Image, Fields]:
        page, fields = layout(customer, world, rng)
        return rasterise(page, dpi), fields

    render.__name__ = layout.__name__.replace("layout_", "render_")
    return render


Renderer = Callable[..., tuple[Image.Image, Fields]]
RENDERERS: dict[str, Renderer] = {
    "business_licence": render_business_licence,
    "id_card": render_id_card,
    "contract_first_page": render_contract_first_page,
    **{t: _render(LAYOUTS[t]) for t in ("authorization_letter", "contract_amount_page",
                                         "contract_signature_page", "bank_account_proof", "archive_cover")},
}


def seal_targets(page: Page, company: Company) -> dict[str, list[tuple[float, float, float, float]]]:
    """Boxes (mm) of the text lines that print the company's name or its USCC."""
    targets: dict[str, list[tuple[float, float, float, float]]] = {}
    for op in page.ops:
        if not isinstance(op, Text):
            continue
        kind = "name" if company.name in op.text else "code" if company.uscc in op.text else None
        if kind is None:
            continue
        w = text_width(op.text, op.size, op.family)
        x0 = op.x - {"left": 0, "center": w / 2, "right": w}[op.align]
        h = op.size * MM_PER_PT
        targets.setdefault(kind, []).append((x0, op.y - 0.9 * h, x0 + w, op.y + 0.15 * h))
    return targets
PDF_RENDERERS: dict[str, Callable[..., tuple[bytes, Fields]]] = {
    "business_licence": render_business_licence_pdf,
}


# --- degradations -------------------------------------------------------------------------


@dataclass
class ScanState:
    """What degradations share: the random source and the image's current resolution."""

    rng: np.random.Generator
    dpi: int
    # Page positions (mm boxes x0, y0, x1, y1) of key lines, by kind ("name", "code"), and the
    # seal's text: what `seal_over` stamps where.
    targets: dict[str, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    seal_text: str = ""


Degradation = Callable[..., Image.Image]  # (image, state, *args) -> image
DEGRADATIONS: dict[str, Degradation] = {}


def degradation(fn: Degradation) -> Degradation:
    """Register `fn` under its own name, for specs like ``"blur(0.6)"``."""
    DEGRADATIONS[fn.__name__] = fn
    return fn


def _from_array(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(arr.clip(0, 255).round().astype(np.uint8))


@degradation
def grayscale(img: Image.Image, state: ScanState) -> Image.Image:
    return img.convert("L")


@degradation
def paper_tint(img: Image.Image, state: ScanState) -> Image.Image:
    """Off-white, slightly uneven paper: multiply by a warm tint with a faint gradient."""
    arr = np.asarray(img, dtype=np.float32)
    w = arr.shape[1]
    shade = 1 - 0.03 * np.linspace(0, 1, w, dtype=np.float32)[None, :] * state.rng.uniform(0.5, 1)
    if arr.ndim == 2:
        return _from_array(arr * 0.965 * shade)
    tint = np.array([0.985, 0.965, 0.92], dtype=np.float32)
    return _from_array(arr * tint[None, None, :] * shade[..., None])


@degradation
def noise(img: Image.Image, state: ScanState, sigma: float = 5.0) -> Image.Image:
    """Sensor noise, gaussian, same on all channels (a scanner's, not a camera's)."""
    arr = np.asarray(img, dtype=np.float32)
    grain = state.rng.normal(0, sigma, arr.shape[:2]).astype(np.float32)
    return _from_array(arr + (grain if arr.ndim == 2 else grain[..., None]))


@degradation
def blur(img: Image.Image, state: ScanState, radius: float = 0.6) -> Image.Image:
    return img.filter(ImageFilter.GaussianBlur(radius))


@degradation
def jpeg(img: Image.Image, state: ScanState, quality: float = 85) -> Image.Image:
    """One JPEG round trip (for artefacts mid-chain; a final jpeg() is the file's encoding)."""
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(quality))
    return Image.open(io.BytesIO(buf.getvalue())).convert(img.mode)


@degradation
def skew(img: Image.Image, state: ScanState, degrees: float = 1.5) -> Image.Image:
    """Page fed at an angle (anticlockwise for positive degrees); the scan keeps its size."""
    fill = 255 if img.mode == "L" else (255, 255, 255)
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=fill)


@degradation
def rotate90(img: Image.Image, state: ScanState) -> Image.Image:
    return img.transpose(Image.Transpose.ROTATE_90)


@degradation
def rotate180(img: Image.Image, state: ScanState) -> Image.Image:
    return img.transpose(Image.Transpose.ROTATE_180)


@degradation
def rotate270(img: Image.Image, state: ScanState) -> Image.Image:
    return img.transpose(Image.Transpose.ROTATE_270)


@degradation
def photocopy(img: Image.Image, state: ScanState) -> Image.Image:
    """A copy of a copy: grey, harder contrast (light tints gone, strokes darker), toner grain."""
    arr = np.asarray(img.convert("L"), dtype=np.float32)
    arr = (arr - 60) * (255 / (225 - 60))  # levels: <=60 black, >=225 white
    arr += state.rng.normal(0, 14, arr.shape).astype(np.float32)
    # Sparse toner specks.
    specks = state.rng.random(arr.shape) < 0.0004
    arr[specks] = 30
    return _from_array(arr)


@degradation
def downscale(img: Image.Image, state: ScanState, dpi: float = 200) -> Image.Image:
    """Rescan at a lower resolution."""
    factor = dpi / state.dpi
    state.dpi = int(dpi)
    size = (max(1, round(img.width * factor)), max(1, round(img.height * factor)))
    return img.resize(size, Image.Resampling.LANCZOS)


@degradation
def seal_over(img: Image.Image, state: ScanState, target: str = "any") -> Image.Image:
    """A company seal stamped across a key line: `name` (the line naming the customer),
    `code` (its USCC line) or `any`. Red ink on colour pages, grey on grey ones. Apply it
    before any geometric degradation: the targets are page positions."""
    boxes = state.targets.get(str(target)) or [b for bs in state.targets.values() for b in bs]
    scale = state.dpi / 25.4
    d = round(42 * scale)
    if boxes:
        x0, y0, x1, y1 = boxes[int(state.rng.integers(len(boxes)))]
        cx = state.rng.uniform(x0, max(x0, x1 - 10)) * scale
        cy = ((y0 + y1) / 2 + state.rng.uniform(-6, 6)) * scale
    else:
        cx, cy = state.rng.uniform(0.3, 0.7) * img.width, state.rng.uniform(0.2, 0.5) * img.height
    pic = seal_picture(state.seal_text or "合同专用章", int(state.rng.integers(2**32)))(d, d)
    pic = pic.rotate(state.rng.uniform(-40, 40), resample=Image.Resampling.BICUBIC)
    box = (round(cx - d / 2), round(cy - d / 2))
    if img.mode == "L":
        alpha = np.asarray(pic.getchannel("A"), dtype=np.float32) / 255
        ink = Image.fromarray((255 - alpha * 115).astype(np.uint8))
    else:
        ink = Image.new("RGB", pic.size, (255, 255, 255))
        ink.paste(pic, (0, 0), pic)
    out = img.copy()
    region = out.crop((*box, box[0] + d, box[1] + d))
    out.paste(ImageChops.multiply(region, ink), box)
    return out


@degradation
def shadow(img: Image.Image, state: ScanState, strength: float = 0.45) -> Image.Image:
    """Uneven light, as on a photographed page: a darkening gradient from a random side and a
    soft shadow blob (a hand, a phone)."""
    arr = np.asarray(img, dtype=np.float32)
    h, w = arr.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    angle = state.rng.uniform(0, 2 * math.pi)
    g = (xx / w - 0.5) * math.cos(angle) + (yy / h - 0.5) * math.sin(angle)
    g = (g - g.min()) / max(1e-6, float(g.max() - g.min()))
    light = 1 - strength * g ** 1.6
    bx, by = state.rng.uniform(0, w), state.rng.uniform(0, h)
    sigma = state.rng.uniform(0.15, 0.35) * min(w, h)
    light *= 1 - strength * 0.5 * np.exp(-((xx - bx) ** 2 + (yy - by) ** 2) / (2 * sigma ** 2))
    return _from_array(arr * (light if arr.ndim == 2 else light[..., None]))


def _perspective_coeffs(src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]) -> list[float]:
    """PIL's 8 coefficients mapping output points `dst` back to input points `src`."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(rows), np.array(rhs))]


@degradation
def perspective(img: Image.Image, state: ScanState, k: float = 5.0) -> Image.Image:
    """A photographed page: each corner moved by up to `k` % of the page's short side, the page
    on a darker background margin (a desk)."""
    w, h = img.size
    jitter = k / 100 * min(w, h)
    m = round(jitter + 0.04 * max(w, h))
    W, H = w + 2 * m, h + 2 * m
    corners = [(0, 0), (w, 0), (w, h), (0, h)]
    dst = [(x + m + state.rng.uniform(-jitter, jitter), y + m + state.rng.uniform(-jitter, jitter))
           for x, y in corners]
    coeffs = _perspective_coeffs(corners, dst)
    warped = img.transform((W, H), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    mask = Image.new("L", img.size, 255).transform((W, H), Image.Transform.PERSPECTIVE, coeffs,
                                                    Image.Resampling.BILINEAR)
    desk = np.full((H, W) if img.mode == "L" else (H, W, 3),
                   78 if img.mode == "L" else (88, 74, 60), dtype=np.float32)
    grain = state.rng.normal(0, 6, (H, W)).astype(np.float32)
    desk = desk + (grain if img.mode == "L" else grain[..., None])
    background = _from_array(desk)
    background.paste(warped, (0, 0), mask)
    return background


_SPEC = re.compile(r"^(?P<name>[a-z_0-9]+)(?:\((?P<args>[^)]*)\))?$")


def parse_degradation(spec: str) -> tuple[Degradation, list[float]]:
    m = _SPEC.match(spec.strip())
    if not m or m["name"] not in DEGRADATIONS:
        raise ValueError(f"unknown degradation {spec!r}; known: {', '.join(sorted(DEGRADATIONS))}")
    args = [_spec_arg(a) for a in m["args"].split(",")] if m["args"] else []
    return DEGRADATIONS[m["name"]], args


def _spec_arg(text: str) -> float | str:
    """A spec argument: a number, or a word such as `name` in ``seal_over(name)``."""
    try:
        return float(text)
    except ValueError:
        return text.strip()


def split_recipe(text: str) -> list[str]:
    """``"skew(3),photocopy,jpeg(40)"`` -> specs, commas inside brackets kept; each checked."""
    specs, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            specs.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        specs.append(cur.strip())
    for spec in specs:
        parse_degradation(spec)
    return specs


def combine_recipes(own: Sequence[str], extra: Sequence[str]) -> tuple[str, ...]:
    """`extra` applied on top of `own`: before the file's encoding (a final jpeg), which
    `extra`'s own final jpeg replaces."""
    if not extra:
        return tuple(own)
    own_final = [own[-1]] if own and own[-1].startswith("jpeg") else []
    body = list(own[:-1] if own_final else own)
    extra_final = [extra[-1]] if extra[-1].startswith("jpeg") else []
    extra_body = list(extra[:-1] if extra_final else extra)
    return tuple(body + extra_body + (extra_final or own_final))


def hard_recipe(rng: random.Random, dpi: int) -> tuple[str, ...]:
    """A random mix of the heavy degradations (--hard): seal over the name or code, grey or
    photocopy, uneven light, perspective or a skew up to 5 degrees, a quarter or half turn,
    grain, blur, 150-300 dpi, JPEG 30-50."""
    specs: list[str] = []
    if rng.random() < 0.6:
        specs.append(rng.choice(("seal_over(name)", "seal_over(code)")))
    r = rng.random()
    if r < 0.3:
        specs.append("photocopy")
    elif r < 0.65:
        specs.append("grayscale")
    if rng.random() < 0.4:
        specs.append("paper_tint")
    if rng.random() < 0.5:
        specs.append(f"shadow({rng.uniform(0.25, 0.55):.2f})")
    if rng.random() < 0.35:
        specs.append(f"perspective({rng.uniform(2, 7):.1f})")
    elif rng.random() < 0.75:
        specs.append(f"skew({rng.uniform(1, 5) * rng.choice((-1, 1)):.1f})")
    if rng.random() < 0.3:
        specs.append(rng.choice(("rotate90", "rotate180", "rotate270")))
    if rng.random() < 0.6:
        specs.append(f"noise({rng.randint(5, 12)})")
    if rng.random() < 0.5:
        specs.append(f"blur({rng.uniform(0.6, 1.4):.1f})")
    target_dpi = rng.choice((150, 200, 250, 300))
    if target_dpi < dpi:
        specs.append(f"downscale({target_dpi})")
    specs.append(f"jpeg({rng.randint(30, 50)})")
    return tuple(specs)


def degrade(img: Image.Image, specs: Sequence[str], state: ScanState) -> Image.Image:
    for spec in specs:
        fn, args = parse_degradation(spec)
        img = fn(img, state, *args)
    return img


# The committed set's degradations, cycled per document type: mild, text stays readable.
# Clean ones are 8-bit grey PNG; a trailing jpeg(q) makes the file a JPEG of quality q.
MILD_RECIPES: dict[str, list[tuple[str, ...]]] = {
    "business_licence": [
        ("grayscale", "blur(0.6)"),
        ("paper_tint", "noise(4)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
    ],
    "id_card": [
        ("paper_tint", "noise(4)", "blur(0.6)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
    ],
    "contract_first_page": [
        ("grayscale", "blur(0.5)"),
        ("grayscale", "paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
    ],
    "authorization_letter": [
        ("paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "blur(0.5)"),
    ],
    "contract_amount_page": [
        ("grayscale", "blur(0.5)"),
        ("grayscale", "paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
    ],
    "contract_signature_page": [
        ("paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
    ],
    "bank_account_proof": [
        ("paper_tint", "noise(4)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "blur(0.6)"),
    ],
    "archive_cover": [
        ("noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "noise(4)", "blur(0.6)", "downscale(200)", "jpeg(85)"),
    ],
}
# Types made only with --count-per-type (the committed mix keeps DEFAULT_COUNTS).
EXTRA_TYPES = ("authorization_letter", "contract_amount_page", "contract_signature_page",
               "bank_account_proof", "archive_cover")
ALL_TYPES = (*DEFAULT_COUNTS, *EXTRA_TYPES)


def save_scan(img: Image.Image, specs: Sequence[str], state: ScanState, stem: Path) -> Path:
    """Apply `specs` and write the file: .jpg when the last spec is jpeg(q) (the encoding
    itself, not a round trip), otherwise .png."""
    final_quality = None
    if specs and specs[-1].startswith("jpeg"):
        _, args = parse_degradation(specs[-1])
        final_quality = int(args[0]) if args else 85
        specs = specs[:-1]
    img = degrade(img, specs, state)
    dpi = (state.dpi, state.dpi)
    if final_quality is not None:
        path = stem.with_suffix(".jpg")
        img.save(path, "JPEG", quality=final_quality, dpi=dpi)
    else:
        path = stem.with_suffix(".png")
        img.save(path, "PNG", dpi=dpi, optimize=True)
    return path


# --- output -------------------------------------------------------------------------------


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# What each planted role does to the CRM: (field, CRM column, expected verdict, note).
PLANTS: dict[str, tuple[str | None, str | None, str, str]] = {
    ROLE_LEGAL_REP_DIFFERS: ("legal_rep", "法定代表人", "mismatch",
                             "CRM names another person as legal representative"),
    ROLE_LLC_FORM_DIFFERS: ("name", "客户名称", "minor",
                            "有限责任公司 on the licence, 有限公司 in the CRM: a real difference, minor (SPEC.md §3)"),
    ROLE_BRACKET_WIDTH: ("name", "客户名称", "minor",
                         "full-width （） on the document, half-width () in the CRM: equal after normalisation, "
                         "so minor (issue #4: differs only in what normalisation removes)"),
    ROLE_UNKNOWN: (None, None, "unknown_customer", "documents for a customer the CRM has no row for"),
    ROLE_INVALID_USCC: ("uscc", "统一社会信用代码", "invalid_row", "CRM row whose USCC fails its check character"),
    ROLE_EMPTY_NAME: ("name", "客户名称", "invalid_row", "CRM row with an empty customer name"),
}
VERDICTS = {
    "mismatch": "a real difference to report",
    "minor": "a difference that is only width, brackets or spaces, or only the company form (有限责任公司 vs 有限公司)",
    "unknown_customer": "documents whose customer has no CRM row",
    "invalid_row": "a CRM row that cannot be used as reference",
}


def crm_values(customer: Customer, rng: random.Random) -> dict[str, str]:
    """The CRM's name, USCC and legal representative for a customer, planted role applied."""
    co = customer.company
    values = {"name": co.name, "uscc": co.uscc, "legal_rep": co.legal_rep.name}
    if customer.role == ROLE_LEGAL_REP_DIFFERS:
        while values["legal_rep"] == co.legal_rep.name:
            values["legal_rep"] = person_name(rng, co.legal_rep.sex)
    elif customer.role == ROLE_LLC_FORM_DIFFERS:
        values["name"] = co.name.removesuffix("有限责任公司") + "有限公司"
    elif customer.role == ROLE_BRACKET_WIDTH:
        values["name"] = co.name.replace("（", "(").replace("）", ")")
    elif customer.role == ROLE_EMPTY_NAME:
        values["name"] = ""
    elif customer.role == ROLE_INVALID_USCC:
        # Change the check character only: still the right shape, wrong checksum.
        wrong = next(ch for ch in "0123456789ABCDEFGHJKLMNPQRTUWXY" if ch != co.uscc[17])
        values["uscc"] = co.uscc[:17] + wrong
        assert not is_valid_uscc(values["uscc"])
    return values


def write_crm(world: World, files_by_customer: dict[int, list[str]],
              contract_no: dict[int, str], crm_path: Path) -> None:
    """The CRM export (UTF-8 with BOM and CRLF, as Excel writes CSV) and, beside it,
    `<stem>_planted.json` listing the differences planted on purpose."""
    rng = random.Random(sub_seed(world.seed, "crm"))
    rows: list[list[str]] = []
    planted: list[dict[str, Any]] = []
    for i, c in enumerate(world.customers):
        crm_line = None
        values = crm_values(c, rng)
        if c.role != ROLE_UNKNOWN:
            rows.append([values["name"], values["uscc"], values["legal_rep"], c.manager, c.department,
                         c.contact, c.phone, contract_no.get(i, ""), c.customer_class])
            crm_line = len(rows) + 1  # line 1 is the header
        if c.role is None:
            continue
        field_name, column, expected, note = PLANTS[c.role]
        documents = files_by_customer.get(i, [])
        document_values = {"name": c.company.name, "uscc": c.company.uscc,
                           "legal_rep": c.company.legal_rep.name}
        planted.append({
            "kind": c.role,
            "customer": c.company.name,
            "field": field_name,
            "crm_column": column,
            "document_value": document_values[field_name] if field_name and documents else None,
            "crm_value": values[field_name] if field_name and crm_line else None,
            "crm_line": crm_line,
            "documents": documents,
            "expected": expected,
            "note": note,
        })
    crm_path.parent.mkdir(parents=True, exist_ok=True)
    with crm_path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(CRM_HEADER)
        writer.writerows(rows)
    _write_json(crm_path.with_name(f"{crm_path.stem}_planted.json"),
                {"seed": world.seed, "crm": crm_path.name, "verdicts": VERDICTS, "planted": planted})


def generate(out_dir: Path | str, seed: int = DEFAULT_SEED, count_per_type: int | None = None,
             *, crm_path: Path | str | None = None, dpi: int = DEFAULT_DPI,
             degrade: str | Sequence[str] | None = None, hard: bool = False) -> list[Path]:
    """Write the scans (and their X.json ground truth) into `out_dir`; with `crm_path`, also
    the CRM export and its `_planted.json`. `count_per_type` None means the committed mix
    (DEFAULT_COUNTS); K means K documents of every type in ALL_TYPES. `hard` replaces each
    document's mild recipe by a random mix of heavy degradations (`hard_recipe`); `degrade`
    (``"skew(3),photocopy,jpeg(40)"`` or a list of specs) is applied on top of whichever
    recipe the document has. Returns the document files written (png/jpg/pdf), in order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    counts = DEFAULT_COUNTS if count_per_type is None else dict.fromkeys(ALL_TYPES, count_per_type)
    extra = split_recipe(degrade) if isinstance(degrade, str) else list(degrade or ())
    for spec in extra:
        parse_degradation(spec)
    world = make_world(seed, counts)
    written: list[Path] = []
    files_by_customer: dict[int, list[str]] = {}
    contract_no: dict[int, str] = {}
    for job in world.jobs:
        customer = world.customers[job.customer]
        # The PDF twin of a licence draws the same page: same sub-seed as the image.
        rng = random.Random(sub_seed(seed, "doc", job.stem.removesuffix("_textlayer")))
        extra_truth: dict[str, Any] = {}
        if job.as_pdf:
            data, fields = PDF_RENDERERS[job.doc_type](customer, world, rng)
            path = (out / job.stem).with_suffix(".pdf")
            path.write_bytes(data)
            specs: tuple[str, ...] = job.degradations
        else:
            page, fields = LAYOUTS[job.doc_type](customer, world, rng)
            extra_truth = page.extra
            img = rasterise(page, dpi)
            state = ScanState(np.random.default_rng(sub_seed(seed, "scan", job.stem)), dpi,
                              targets=seal_targets(page, customer.company),
                              seal_text=customer.company.name)
            specs = job.degradations
            if hard:
                specs = hard_recipe(random.Random(sub_seed(seed, "hard", job.stem)), dpi)
            specs = combine_recipes(specs, extra)
            path = save_scan(img, specs, state, out / job.stem)
        truth: dict[str, Any] = {
            "doc_type": job.doc_type,
            "customer": customer.company.name,
            "fields": fields,
            "degradations": list(specs),
            "seed": seed,
        }
        if extra_truth:
            truth["extra"] = extra_truth
        _write_json(path.with_suffix(".json"), truth)
        if job.doc_type == "contract_first_page":
            contract_no[job.customer] = fields["contract_no"]
        files_by_customer.setdefault(job.customer, []).append(path.name)
        written.append(path)
    if crm_path is not None:
        write_crm(world, files_by_customer, contract_no, Path(crm_path))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the scans and X.json files")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--count-per-type", type=int, default=None, metavar="K",
                        help=f"K documents of every type in {', '.join(ALL_TYPES)} (default: {DEFAULT_COUNTS})")
    parser.add_argument("--crm", type=Path, default=None, metavar="FILE",
                        help="also write the CRM export here, and FILE's stem + _planted.json beside it")
    parser.add_argument("--dpi", type=int, default=DEFAULT_DPI, help="rendering resolution")
    parser.add_argument("--degrade", default=None, metavar="RECIPE",
                        help="comma-separated degradations applied on top of each document's recipe, "
                             "e.g. 'skew(3),photocopy,jpeg(40)'; known: " + ", ".join(sorted(DEGRADATIONS)))
    parser.add_argument("--hard", action="store_true",
                        help="give each document a random mix of heavy degradations instead of its mild recipe")
    args = parser.parse_args(argv)
    if args.degrade is not None:
        try:
            split_recipe(args.degrade)
        except ValueError as e:
            parser.error(str(e))
    for path in generate(args.out, args.seed, args.count_per_type, crm_path=args.crm, dpi=args.dpi,
                         degrade=args.degrade, hard=args.hard):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
