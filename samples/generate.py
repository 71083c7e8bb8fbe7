"""Deterministic generator of synthetic document scans with ground truth.

Makes business licences (营业执照副本), ID-card copies (身份证复印件) and contract first
pages (合同首页) for made-up customers, each as an image (or, for one licence, a PDF with a
real text layer) plus an `X.json` ground truth beside it, and a CRM export with planted
differences (`crm.csv` + `crm_planted.json`). Same seed, same bytes. With --count-per-type K,
K documents of every type in ALL_TYPES: also authorisation letters, contract amount and
signature pages, account proofs, archive covers, and industry qualifications (资质证明) and
address proofs (经营地址证明).

Layouts (`VARIANTS`). The committed mix (no --count-per-type) and `--layouts base` use each
type's standard layout only (`LAYOUTS`), so earlier sets come out byte for byte. With
--count-per-type the layouts are varied (`--layouts varied`): each document draws one of its
type's layouts from its own sub-seed (`pick_layout`), and the ground truth records it as
`layout`. Ground-truth keys stay the type's; a field a layout does not print is left out.
- business_licence: `standard` (2019 副本: code top left, two columns, QR, spaced labels);
  `compact_2019` (same format set otherwise: code in two lines above the title, unspaced
  labels, QR with its caption); `format_2016` (code and 证照编号 on top, one column of fields,
  经营范围 on the right, QR bottom left; issued 2015-10 to 2019-02, 工商局 authority while it
  existed); `old_registration_no` (企业法人营业执照 before the USCC reform: portrait, 15-digit
  注册号 as `registration_no` and no `uscc`, 法定代表人姓名, 实收资本, 公司类型, the authority
  only in its seal, so no `authority`; only companies registered before 2015-10).
- id_card: `standard` (front above back), `side_by_side` (1:1 on A4 portrait or enlarged on
  A4 landscape), `front_only` (no authority/validity), `back_only` (only authority, validity).
- authorization_letter: `standard` (label：value lines), `table` (a grid: 委托单位, 被委托人,
  单位地址, 委托期限), `statement` (法定代表人授权书: the parties in running text).
- contract_first_page: `standard`, `roles_first` (委托方（甲方）：…, 编号 top left, 签订时间, sans).
- contract_amount_page: `standard` (table, 合同金额/大写), `inline` (item lines, 合同总价 and
  人民币大写 lines; `amount_in_words_text` without the 人民币 prefix, as printed).
- contract_signature_page: `standard`, `columns` (the parties side by side, 日期：…).
- bank_account_proof: `standard` (开户许可证), `account_info` (基本存款账户信息 table: 账户名称,
  基本存款账户编号 for the 核准号), `bank_letter` (开户证明: 户名/账号/开户行 lines, no 核准号).
- archive_cover: `standard` (table), `handwritten` (单位名称/档案号 … on ruled lines, values
  in blue "ink", dates 2024.05.12).
- qualification: `food_permit` (食品经营许可证, JY + 14 digits), `iso9001` (质量管理体系认证证书,
  组织名称), `construction` (建筑业企业资质证书, D + 9 digits, 有效期); fields `cert_name`,
  `cert_no`, `holder`, `holder_uscc`, `valid_to`.
- address_proof: `lease` (房屋租赁合同 first page: 出租方/承租方, 房屋坐落), `property_cert`
  (不动产权证书 opened: 权利人 the customer, 坐落 in the register table); field `address`.

How it is put together, so more document types and degradations slot in:
- data: `make_world` draws the customers (company + legal representative) from the seed;
- layout: `layout_<type>` functions turn a customer into a `Page` (text, boxes and pictures
  placed in millimetres) and the ground-truth fields; `Page.seal_codes` names printed codes
  besides the USCC that `seal_over(code)` may cover;
- render: one `render_<type>` per document type returns (image, fields), by rasterising the
  page (`rasterise`); a `Page` can also be written as a PDF with a text layer (`page_to_pdf`);
- degradations: small named functions image -> image (`DEGRADATIONS`), applied by spec
  strings such as ``"blur(0.6)"``, which are what the ground truth records. `exif_rotate(o)`
  stores the pixels turned and writes EXIF Orientation o (6, 8 or 3) into the file, as a
  phone does; with varied layouts --hard draws it now and then (from its own sub-seed, so the
  rest of each hard recipe is unchanged).

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
    is_valid_registration_no,
    is_valid_uscc,
    org_code_check_char,
    registration_no_check_digit,
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
    # Printed codes other than the customer's USCC whose lines `seal_over(code)` may hit
    # (a registration number, a certificate number, an ID number).
    seal_codes: list[str] = field(default_factory=list)

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
    return page, _licence_fields(co, authority, co.issue_date)


CARD_W, CARD_H = 85.6, 54.0  # ISO/IEC 7810 ID-1, mm
# Copies are commonly made enlarged for legibility; the card's text is tiny at 1:1.
CARD_SCALE = 1.4
LABEL_BLUE: Color = (60, 110, 170)


def _id_front(page: Page, p: Person, x0: float, top: float, s: float) -> Fields:
    """The card's front (人像面) at (x0, top) mm, `s` times its real size: labels in blue,
    values in black, photo on the right. Returns the fields it prints."""
    w, h = CARD_W * s, CARD_H * s

    def at(x: float, y: float) -> tuple[float, float]:
        return x0 + x * s, top + y * s

    page.add(Box(x0, top, w, h, outline=(150, 150, 150), fill=(226, 236, 240), width=0.3, radius=3 * s))
    label, value = 3.1 * s / MM_PER_PT, 3.5 * s / MM_PER_PT  # points from cap height in mm

    def pair(x: float, y: float, lab: str, val: str) -> None:
        page.add(Text(*at(x, y), lab, label, "sans", LABEL_BLUE),
                 Text(*at(x + 10.0, y), val, value, "sans", BLACK))

    pair(6, 11, "姓 名", p.name)
    pair(6, 18, "性 别", p.sex)
    pair(24, 18, "民 族", p.ethnicity)
    pair(6, 25, "出 生", cn_date(p.birth, pad=False))
    address_lines = wrap(p.address, value, 40 * s)
    page.add(Text(*at(6, 32), "住 址", label, "sans", LABEL_BLUE))
    for k, line in enumerate(address_lines):
        page.add(Text(*at(16, 32 + k * 5), line, value, "sans"))
    page.add(Text(*at(6, 48), "公民身份号码", label, "sans", LABEL_BLUE),
             Text(*at(28, 48), p.id_number, 4.0 * s / MM_PER_PT, "sans_bold"),
             Box(*at(58, 7), 24 * s, 30 * s, fill=(175, 175, 175)))
    return {
        "name": p.name,
        "sex": p.sex,
        "ethnicity": p.ethnicity,
        "birth_date": p.birth.isoformat(),
        "address": p.address,
        "id_number": p.id_number,
    }


def _id_back(page: Page, p: Person, x0: float, top: float, s: float) -> Fields:
    """The card's back (国徽面): emblem, title, issuing authority, validity."""
    w, h = CARD_W * s, CARD_H * s

    def at(x: float, y: float) -> tuple[float, float]:
        return x0 + x * s, top + y * s

    label, value = 3.1 * s / MM_PER_PT, 3.5 * s / MM_PER_PT
    valid_to = p.id_valid_to.strftime("%Y.%m.%d") if p.id_valid_to else "长期"
    validity = f"{p.id_valid_from:%Y.%m.%d}-{valid_to}"
    page.add(Box(x0, top, w, h, outline=(150, 150, 150), fill=(236, 238, 228), width=0.3, radius=3 * s),
             Picture(*at(5, 4), 18 * s, 18 * s, emblem_picture()),
             Text(*at(52, 14), "中华人民共和国", 5.0 * s / MM_PER_PT, "sans_bold", align="center"),
             Text(*at(52, 27), "居民身份证", 7.5 * s / MM_PER_PT, "sans_bold", align="center"))
    for y, lab, val in ((41, "签发机关", p.division.police), (48, "有效期限", validity)):
        page.add(Text(*at(14, y), lab, label, "sans", LABEL_BLUE),
                 Text(*at(28, y), val, value, "sans", BLACK))
    return {
        "authority": p.division.police,
        "valid_from": p.id_valid_from.isoformat(),
        "valid_to": p.id_valid_to.isoformat() if p.id_valid_to else "长期",
    }


def layout_id_card(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """A4 copy of a resident ID card: front (人像面) above back (国徽面)."""
    p = customer.company.legal_rep
    page = Page(210, 297)
    s = CARD_SCALE
    w, h = CARD_W * s, CARD_H * s
    x0 = (210 - w) / 2
    front_y, back_y = 40.0, 40.0 + h + 22
    fields = _id_front(page, p, x0, front_y, s)
    fields.update(_id_back(page, p, x0, back_y, s))
    if rng.random() < 0.7:
        page.add(Picture(60, back_y + h + 10, 90, 14, handwriting_picture("此复印件与原件一致", rng.uniform(-4, 4))))
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


def _contract_basics(customer: Customer, rng: random.Random) -> tuple[ContractTemplate, dt.date, str]:
    """What every first-page layout draws first, in this order: template, signing date,
    number; so `_contract_of` finds the same contract whichever layout printed it."""
    tpl = rng.choice(CONTRACT_TEMPLATES)
    sign_date = random_date(rng, max(customer.company.established, dt.date(2022, 1, 1)),
                            AS_OF - dt.timedelta(days=10))
    return tpl, sign_date, f"HT-{sign_date.year}-{rng.randint(1, 9999):04d}"


def layout_contract_first_page(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """First page of a contract: title, number, parties, opening clauses, date, page number."""
    a, b = customer.company, world.firm
    tpl, sign_date, contract_no = _contract_basics(customer, rng)
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


def _signing(customer: Customer, world: World, rng: random.Random) -> tuple[Fields | None, dt.date]:
    """A signature page's contract (None if the customer has no first page) and its signing
    date: the contract's, else one drawn after the company was established."""
    contract = _contract_of(customer, world)
    if contract is not None:
        return contract, dt.date.fromisoformat(contract["sign_date"])
    established = customer.company.established
    return None, random_date(rng, max(established, dt.date(2022, 1, 1)), AS_OF - dt.timedelta(days=10))


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
    contract, sign_date = _signing(customer, world, rng)
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


# --- layout variants and the further types' designs ------------------------------------------
#
# With varied layouts (the default with --count-per-type) each document draws one of its
# type's layouts (`VARIANTS`) from its own sub-seed. Every variant prints realistic labels,
# also ones `extractors/doc_types.toml` does not list: the benchmark measures layouts the
# extractor was not written against. Ground-truth keys stay those of the type; a field a
# variant does not print is left out.

USCC_REFORM = dt.date(2015, 10, 1)  # USCCs replace the 15-digit 注册号 from here on
LICENCE_2019 = dt.date(2019, 3, 1)  # the current licence format from here on
HAND_BLUE: Color = (30, 60, 170)


def _district_short(division: Division) -> str:
    return division.district.removesuffix("新区").removesuffix("区")


def old_registrar(division: Division) -> str:
    """The registering authority before the 2018 merger: 杭州市工商行政管理局西湖分局."""
    return f"{division.city}工商行政管理局{_district_short(division)}分局"


def make_registration_no(rng: random.Random, division: Division) -> str:
    """A pre-2015 工商注册号: the registering authority's division code, 000, a five-digit
    sequence and the GS 15-2006 check digit (ISO 7064 MOD 11,10)."""
    first14 = f"{division.code}000{rng.randint(1, 99_999):05d}"
    code = first14 + registration_no_check_digit(first14)
    assert is_valid_registration_no(code), code
    return code


def _licence_fields(co: Company, authority: str | None, issue: dt.date, *,
                    registration_no: str | None = None) -> Fields:
    """A licence's ground truth in the standard layout's key order; the registration number
    takes the USCC's place on an old-format licence; no `authority` when only its seal names
    it."""
    fields: Fields = {"registration_no": registration_no} if registration_no else {"uscc": co.uscc}
    fields.update({
        "name": co.name,
        "company_type": co.company_type,
        "legal_rep": co.legal_rep.name,
        "registered_capital_text": co.capital_text,
        "registered_capital": co.capital_wan * 10_000,
        "established": co.established.isoformat(),
        "term_start": co.established.isoformat(),
        "term_end": co.term_end.isoformat() if co.term_end else "长期",
        "address": co.address,
    })
    if authority is not None:
        fields["authority"] = authority
    fields["issue_date"] = issue.isoformat()
    return fields


def _licence_term(co: Company) -> str:
    return cn_date(co.established) + "至" + (cn_date(co.term_end) if co.term_end else "长期")


def _column(page: Page, x_label: float, x_value: float, right: float, y: float,
            rows: Sequence[tuple[str, str]], size: float, step: float, line: float,
            label_family: str = "serif_bold") -> float:
    """Label and value side by side, the value wrapped under itself; returns the y below."""
    for label, value in rows:
        page.add(Text(x_label, y, label, size, label_family))
        lines = wrap(value, size, right - x_value)
        for k, text in enumerate(lines):
            page.add(Text(x_value, y + k * line, text, size))
        y += step + (len(lines) - 1) * line
    return y


def layout_business_licence_compact(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """营业执照 (副本), 2019 format as another print shop sets it: the code in two lines at top
    left above the title with the copy's number (1-1), the QR box top right with its caption,
    unspaced labels in narrower columns, smaller type, a heavier frame."""
    co = customer.company
    page = Page(297, 210)
    frame = (176, 128, 64)
    page.add(Box(7, 7, 283, 196, outline=frame, width=2.4), Box(11.5, 11.5, 274, 187, outline=frame, width=0.3))
    copies = rng.choice((1, 1, 2, 3))
    page.add(
        Text(20, 23, "统一社会信用代码", 10, "sans"),
        Text(20, 30.5, co.uscc, 13, "sans_bold"),
        Text(20, 37, f"（{rng.randint(1, copies)}-{copies}）", 10, "sans"),
        Text(148.5, 46, "营业执照", 36, "serif_bold", align="center"),
        Text(148.5, 58, "（副本）", 15, "serif", align="center"),
        Picture(251, 16, 25, 25, qr_picture(rng.getrandbits(32))),
        Text(263.5, 45, "扫描市场主体身份码", 6.5, "sans", align="center"),
        Text(263.5, 48.5, "了解更多登记、备案、", 6.5, "sans", align="center"),
        Text(263.5, 52, "许可、监管信息", 6.5, "sans", align="center"),
    )
    size, step, line = 11.0, 9.5, 6.0
    _column(page, 22, 47, 140, 76, (("名称", co.name), ("类型", co.company_type),
                                    ("法定代表人", co.legal_rep.name), ("经营范围", co.scope)), size, step, line)
    _column(page, 152, 176, 280, 76, (("注册资本", co.capital_text), ("成立日期", cn_date(co.established)),
                                      ("营业期限", _licence_term(co)), ("住所", co.address)), size, step, line)
    authority = co.division.registrar
    page.add(
        Text(152, 166, "登记机关", size, "serif_bold"),
        Text(172, 166, authority, size),
        Text(236, 183, cn_date(co.issue_date), size, align="center"),
        Picture(216, 150, 40, 40, seal_picture(authority, rng.getrandbits(32)), multiply=True),
        Text(20, 193, "国家企业信用信息公示系统网址：http://www.gsxt.gov.cn", 7.5, "sans"),
        Text(276, 193, "国家市场监督管理总局监制", 7.5, "sans", align="right"),
    )
    return page, _licence_fields(co, authority, co.issue_date)


def layout_business_licence_2016(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """营业执照 (副本), 2016 format (三证合一, before the 2019 redesign): the code top left and
    the 证照编号 top right, one column of fields on the left, 经营范围 on its own on the right,
    the QR box bottom left, the registering authority and date bottom right. Issued between
    the reform and the 2019 redesign."""
    co = customer.company
    issue = random_date(rng, max(co.established, USCC_REFORM), LICENCE_2019 - dt.timedelta(days=1))
    authority = old_registrar(co.division) if issue < dt.date(2018, 6, 1) else co.division.registrar
    page = Page(297, 210)
    frame = (140, 90, 40)
    page.add(Box(10, 10, 277, 190, outline=frame, width=1.2))
    serial = f"{co.division.code[:2]}0000000{issue.year}{rng.randint(0, 9_999_999):07d}"
    size = 11.5
    page.add(
        Text(22, 27, "统一社会信用代码", 10.5, "sans"),
        Text(56, 27, co.uscc, 12.5, "sans_bold"),
        Text(275, 27, f"证照编号：{serial}", 9.5, "sans", align="right"),
        Text(148.5, 50, "营　业　执　照", 38, "serif_bold", align="center"),
        Text(148.5, 62, "（副　本）", 15, "serif", align="center"),
    )
    _column(page, 24, 60, 165, 82, (
        ("名　　　称", co.name),
        ("类　　　型", co.company_type),
        ("住　　　所", co.address),
        ("法定代表人", co.legal_rep.name),
        ("注 册 资 本", co.capital_text),
        ("成 立 日 期", cn_date(co.established)),
        ("营 业 期 限", _licence_term(co)),
    ), size, 10.0, 6.5)
    page.add(Text(178, 82, "经 营 范 围", size, "serif_bold"))
    for k, text in enumerate(wrap(co.scope, size, 100)):
        page.add(Text(178, 90 + k * 6.5, text, size))
    page.add(
        Picture(24, 160, 26, 26, qr_picture(rng.getrandbits(32))),
        Text(54, 176, "企业信用信息公示系统网址：", 8, "sans"),
        Text(54, 181, "http://www.gsxt.gov.cn", 8, "sans"),
        Text(176, 168, "登记机关", size, "serif_bold"),
        Text(198, 168, authority, size),
        Text(244, 184, cn_date(issue), size, align="center"),
        Picture(224, 151, 38, 38, seal_picture(authority, rng.getrandbits(32)), multiply=True),
        Text(275, 195, "国家工商行政管理总局监制", 8, "sans", align="right"),
    )
    return page, _licence_fields(co, authority, issue)


def layout_business_licence_old(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """企业法人营业执照 (副本) from before the USCC reform: portrait, emblem on top, the 15-digit
    注册号 instead of a USCC, one column of spaced labels with 法定代表人姓名, 实收资本 and
    公司类型, the 工商局's seal over the date (its name printed nowhere else), the annual
    inspection note. Only for companies registered before the reform."""
    co = customer.company
    regno = make_registration_no(rng, co.division)
    issue = random_date(rng, co.established, min(USCC_REFORM - dt.timedelta(days=1),
                                                 co.established + dt.timedelta(days=3 * 365)))
    smaller = [c for c in CAPITALS_WAN if c < co.capital_wan]
    paid = co.capital_wan if rng.random() < 0.5 or not smaller else rng.choice(smaller)
    paid_text = capital_in_words(paid) if co.capital_text.endswith("万元整") else f"{paid}万元人民币"
    authority = old_registrar(co.division)
    page = Page(210, 297)
    frame = (120, 80, 40)
    page.add(Box(10, 10, 190, 277, outline=frame, width=1.0), Box(13, 13, 184, 271, outline=frame, width=0.3),
             Picture(92, 20, 26, 26, emblem_picture()),
             Text(105, 62, "企业法人营业执照", 28, "serif_bold", align="center"),
             Text(105, 73, "（副　　本）", 14, "serif", align="center"),
             Text(186, 87, f"注册号　{regno}", 12, "sans", align="right"))
    _column(page, 26, 66, 186, 103, (
        ("名　　　　称", co.name),
        ("住　　　　所", co.address),
        ("法定代表人姓名", co.legal_rep.name),
        ("注 册 资 本", co.capital_text),
        ("实 收 资 本", paid_text),
        ("公 司 类 型", co.company_type),
        ("经 营 范 围", co.scope),
        ("营 业 期 限", _licence_term(co)),
        ("成 立 日 期", cn_date(co.established)),
    ), 12, 11.0, 6.8)
    page.add(Text(112, 240, "登 记 机 关", 12, "serif_bold"),
             Text(160, 258, cn_date(issue), 12, align="center"),
             Picture(138, 226, 42, 42, seal_picture(authority, rng.getrandbits(32)), multiply=True),
             Text(26, 270, "请于每年三月一日至六月三十日参加年度检验。", 8.5, "sans"),
             Text(186, 280, "中华人民共和国国家工商行政管理总局监制", 8, "sans", align="right"))
    page.seal_codes = [regno]
    page.extra = {"paid_in_capital_text": paid_text, "authority": authority}
    return page, _licence_fields(co, None, issue, registration_no=regno)


def _copy_note(page: Page, rng: random.Random, x: float, y: float) -> None:
    if rng.random() < 0.7:
        page.add(Picture(x, y, 90, 14, handwriting_picture("此复印件与原件一致", rng.uniform(-4, 4))))


def layout_id_card_side_by_side(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """ID-card copy with front and back side by side: at real size on A4 portrait, or
    enlarged on A4 landscape."""
    p = customer.company.legal_rep
    if rng.random() < 0.5:
        page, s, gap, top = Page(210, 297), 1.0, 8.0, rng.uniform(25, 60)
    else:
        page, s, gap, top = Page(297, 210), 1.4, 12.0, rng.uniform(30, 50)
    w, h = CARD_W * s, CARD_H * s
    x0 = (page.width - 2 * w - gap) / 2
    fields = _id_front(page, p, x0, top, s)
    fields.update(_id_back(page, p, x0 + w + gap, top, s))
    _copy_note(page, rng, page.width / 2 - 45, top + h + 10)
    page.seal_codes = [p.id_number]
    return page, fields


def _one_side(customer: Customer, rng: random.Random, front: bool) -> tuple[Page, Fields]:
    p = customer.company.legal_rep
    page = Page(210, 297)
    s = rng.choice((1.0, 1.4))
    w, h = CARD_W * s, CARD_H * s
    x0, top = (210 - w) / 2 + rng.uniform(-20, 20), rng.uniform(30, 90)
    fields = (_id_front if front else _id_back)(page, p, x0, top, s)
    _copy_note(page, rng, 60, top + h + 10)
    if front:
        page.seal_codes = [p.id_number]
    return page, fields


def layout_id_card_front(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """ID-card copy of the front (人像面) only: name, sex, ethnicity, birth, address, number."""
    return _one_side(customer, rng, front=True)


def layout_id_card_back(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """ID-card copy of the back (国徽面) only: issuing authority and validity."""
    return _one_side(customer, rng, front=False)


def _grid(page: Page, left: float, split: float, right: float, y: float,
          rows: Sequence[tuple[str, str]], size: float, min_h: float = 11.0, line: float = 6.5) -> float:
    """A two-column table: label cell | value cell (wrapped); returns the y below it."""
    for label, value in rows:
        lines = wrap(value, size, right - split - 6)
        h = max(min_h, len(lines) * line + 4.5)
        page.add(Box(left, y, split - left, h, outline=BLACK, width=0.35),
                 Box(split, y, right - split, h, outline=BLACK, width=0.35),
                 Text(left + 3, y + h / 2 + size * MM_PER_PT * 0.35, label, size, "serif_bold"))
        top = y + (h - len(lines) * line) / 2 + line * 0.78
        for k, text in enumerate(lines):
            page.add(Text(split + 3, top + k * line, text, size))
        y += h
    return y


def _letter_basics(customer: Customer, world: World, rng: random.Random) -> tuple[Person, dt.date, dt.date, str]:
    """Agent, signing date, valid-to date and matter, drawn as the standard letter draws them."""
    co = customer.company
    agent = make_person(rng, home=co.division)
    sign_date = random_date(rng, max(co.established, dt.date(2023, 1, 1)), AS_OF - dt.timedelta(days=10))
    years = rng.choice((1, 1, 2, 3))
    while add_years(sign_date, years) <= AS_OF:
        years += 1
    return agent, sign_date, add_years(sign_date, years), rng.choice(AUTH_MATTERS).format(firm=world.firm.name)


def _letter_fields(co: Company, agent: Person) -> Fields:
    return {"principal": co.name, "principal_uscc": co.uscc, "agent_name": agent.name,
            "agent_id_number": agent.id_number, "legal_rep": co.legal_rep.name}


def layout_authorization_letter_table(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """授权委托书 as a form: a table of 委托单位 / 被委托人 details, a short statement, the
    company seal and the legal representative's signature."""
    co = customer.company
    agent, sign_date, valid_to, matter = _letter_basics(customer, world, rng)
    page = Page(210, 297)
    left, right, size = 20.0, 190.0, 11
    page.add(Text(105, 34, rng.choice(("授权委托书", "法人授权委托书")), 20, "serif_bold", align="center"))
    phone = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
    y = _grid(page, left, left + 40, right, 46, (
        ("委托单位", co.name),
        ("统一社会信用代码", co.uscc),
        ("单位地址", co.address),
        ("法定代表人", co.legal_rep.name),
        ("被委托人", agent.name),
        ("性别", agent.sex),
        ("身份证号码", agent.id_number),
        ("联系电话", phone),
        ("委托事项", matter),
        ("委托期限", f"自{cn_date(sign_date)}至{cn_date(valid_to)}"),
    ), size)
    body = ("兹委托上述被委托人代表我单位办理委托事项，被委托人在委托期限内所签署的文件及办理的"
            "相关事务，我单位均予承认并承担相应法律责任。")
    y = paragraph(page, body, left, right, y + 12, size, text_width("　　", size))
    y = max(y + 18, 215.0)
    page.add(Text(100, y, "委托单位（盖章）：", size, "serif_bold"),
             Picture(118, y - 16, 42, 42, seal_picture(co.name, rng.getrandbits(32)), multiply=True),
             Text(100, y + 16, "法定代表人（签字）：", size, "serif_bold"),
             Picture(142, y + 7, 34, 12, handwriting_picture(co.legal_rep.name, rng.uniform(-5, 5))),
             Text(100, y + 30, cn_date(sign_date, pad=False), size))
    page.extra = {"matter": matter, "valid_to": valid_to.isoformat(), "sign_date": sign_date.isoformat()}
    return page, _letter_fields(co, agent)


def layout_authorization_letter_statement(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """法定代表人授权书 (as in tender files): the parties named in running text, not after labels;
    授权单位 seal, signatures of the legal representative and the 被授权人."""
    co = customer.company
    agent, sign_date, valid_to, matter = _letter_basics(customer, world, rng)
    page = Page(210, 297)
    left, right, size = 28.0, 182.0, 12.5
    page.add(Text(105, 42, "法定代表人授权书", 22, "serif_bold", align="center"))
    indent = text_width("　　", size)
    y = 64.0
    for body in (
        (f"本授权书声明：{co.name}（统一社会信用代码：{co.uscc}）法定代表人{co.legal_rep.name}，"
         f"现授权委托{agent.name}（身份证号码：{agent.id_number}）为本单位的合法代理人，"
         f"{matter}。"),
        ("代理人在上述授权范围内所签署的一切文件和处理与之有关的一切事务，本单位均予以承认。"
         "代理人无转委托权。特此授权。"),
        f"本授权书自签发之日起生效，有效期至{cn_date(valid_to)}。",
    ):
        for k, text in enumerate(wrap(body, size, right - left, first_width=right - left - indent)):
            page.add(Text(left + (indent if k == 0 else 0), y, text, size))
            y += 8.5
        y += 4
    y = max(y + 20, 170.0)
    page.add(Text(left, y, "授权单位（盖章）：", size, "serif_bold"),
             Text(left + text_width("授权单位（盖章）：", size, "serif_bold"), y, co.name, size),
             Picture(left + 62, y - 22, 42, 42, seal_picture(co.name, rng.getrandbits(32)), multiply=True),
             Text(left, y + 18, "法定代表人（签字或盖章）：", size, "serif_bold"),
             Picture(left + 66, y + 8, 34, 12, handwriting_picture(co.legal_rep.name, rng.uniform(-5, 5))),
             Text(left, y + 34, "被授权人（签字）：", size, "serif_bold"),
             Picture(left + 46, y + 24, 30, 12, handwriting_picture(agent.name, rng.uniform(-5, 5))),
             Text(left, y + 50, f"日期：{cn_date(sign_date)}", size))
    page.extra = {"matter": matter, "valid_to": valid_to.isoformat(), "sign_date": sign_date.isoformat()}
    return page, _letter_fields(co, agent)


def _account_basics(co: Company, rng: random.Random) -> tuple[str, str, str, dt.date]:
    bank, digits = rng.choice(BANKS)
    branch = f"{bank}{co.division.city.removesuffix('市')}{_district_short(co.division)}支行"
    account_no = str(rng.randint(1, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(digits - 1))
    opened = random_date(rng, co.established, min(AS_OF - dt.timedelta(days=30), co.established + dt.timedelta(days=90)))
    return branch, account_no, f"J{co.division.code[:4]}{rng.randint(0, 999_999_999):09d}", opened


def layout_bank_account_proof_info(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """基本存款账户信息 (what banks print since account licences were abolished in 2019): an A5
    sheet, a table with 账户名称, 账号, 开户银行 and 基本存款账户编号 (the former 核准号), the
    branch's business seal."""
    co = customer.company
    branch, account_no, approval_no, opened = _account_basics(co, rng)
    page = Page(210, 148)
    page.add(Text(105, 24, "基本存款账户信息", 20, "serif_bold", align="center"))
    y = _grid(page, 18, 70, 192, 34, (
        ("账户名称", co.name),
        ("账号", account_no),
        ("开户银行", branch),
        ("基本存款账户编号", approval_no),
        ("法定代表人（单位负责人）", co.legal_rep.name),
        ("开户日期", cn_date(opened)),
    ), 11, min_h=10.5)
    page.add(Text(120, y + 16, "开户银行（盖章）", 11),
             Text(150, y + 26, cn_date(opened), 11, align="center"),
             Picture(128, y - 4, 36, 36, seal_picture(branch + "业务专用章", rng.getrandbits(32)), multiply=True))
    page.extra = {"legal_rep": co.legal_rep.name, "issue_date": opened.isoformat()}
    return page, {"account_name": co.name, "bank": branch, "account_no": account_no, "approval_no": approval_no}


def layout_bank_account_proof_letter(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """开户证明 on the bank's letter paper: a sentence, then 户名 / 账号 / 开户行 lines with
    spaced labels; no 核准号; the branch's seal over the date."""
    co = customer.company
    branch, account_no, _, opened = _account_basics(co, rng)
    issued = random_date(rng, max(opened, AS_OF - dt.timedelta(days=400)), AS_OF - dt.timedelta(days=3))
    page = Page(210, 297)
    left, right, size = 25.0, 185.0, 12
    page.add(Text(left, 22, branch, 10.5, "sans"), Box(left, 25, right - left, 0.5, fill=(40, 80, 150)),
             Text(105, 50, "开 户 证 明", 22, "serif_bold", align="center"))
    y = paragraph(page, f"兹证明{co.name}（统一社会信用代码：{co.uscc}）于{cn_date(opened)}在我行"
                  f"开立人民币基本存款账户，账户信息如下：", left, right, 70, size, text_width("　　", size))
    y += 6
    for label, value in (("户　　名：", co.name), ("账　　号：", account_no), ("开 户 行：", branch),
                         ("账户性质：", "基本存款账户")):
        y = _labelled(page, left + 10, y, label, value, size, right - left - 10, step=9)
    y = paragraph(page, "特此证明。", left, right, y + 4, size, text_width("　　", size))
    page.add(Text(right, y + 30, branch, size, align="right"),
             Text(right, y + 40, cn_date(issued), size, align="right"),
             Picture(right - 50, y + 8, 40, 40, seal_picture(branch, rng.getrandbits(32)), multiply=True))
    page.extra = {"issue_date": issued.isoformat(), "opened": opened.isoformat()}
    return page, {"account_name": co.name, "bank": branch, "account_no": account_no}


def layout_archive_cover_handwritten(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """档案袋封面 filled in by hand: printed labels on ruled lines (单位名称, 档案号, …), the
    values written in blue ink, dates with dots."""
    co = customer.company
    archive_date = random_date(rng, max(co.established, dt.date(2021, 1, 1)), AS_OF - dt.timedelta(days=5))
    archive_no = f"{archive_date.year}-{rng.choice(ARCHIVE_DEPTS)}-{rng.randint(1, 300):03d}"
    keeper = person_name(rng, rng.choice("男女"))
    page = Page(210, 297, background=(228, 208, 168))
    left, right = 28.0, 182.0
    page.add(Text(105, 40, "档　案　袋", 28, "serif_bold", align="center"),
             Text(105, 52, world.firm.name, 11, "serif", align="center"))
    y = 80.0
    for label, value in (("单位名称", co.name), ("档 案 号", archive_no),
                         ("归档日期", f"{archive_date:%Y.%m.%d}"), ("保 管 人", keeper),
                         ("保管期限", rng.choice(("长期", "30年", "10年"))), ("页　　数", str(rng.randint(8, 40)))):
        page.add(Text(left, y, f"{label}：", 13, "serif_bold"),
                 Box(left + 28, y + 1.5, right - left - 28, 0.35, fill=BLACK),
                 Text(left + 32, y - 1 + rng.uniform(-0.8, 0.8), value, 14, "hand", HAND_BLUE))
        y += 17
    page.add(Text(105, 270, "（档案袋内资料请按目录顺序排放）", 10, "serif", align="center"))
    return page, {"name": co.name, "archive_no": archive_no, "archive_date": archive_date.isoformat(), "keeper": keeper}


def layout_contract_first_page_roles(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """Contract first page set otherwise: 编号 top left, the parties as 委托方（甲方）… with their
    codes and contacts, narrower margins in sans type, 签订时间 and 签订地点 after the opening."""
    a, b = customer.company, world.firm
    tpl, sign_date, contract_no = _contract_basics(customer, rng)
    page = Page(210, 297)
    left, right, size = 20.0, 190.0, 11
    page.add(Text(left, 20, f"编号：{contract_no}", 10, "sans"),
             Text(105, 40, tpl.title, 20, "sans_bold", align="center"))
    y = 58.0
    for tag, role, party in (("甲方", tpl.role_a, a), ("乙方", tpl.role_b, b)):
        page.add(Text(left, y, f"{role}（{tag}）：{party.name}", size, "sans_bold"),
                 Text(left, y + 7, f"统一社会信用代码：{party.uscc}", size, "sans"),
                 Text(left, y + 14, f"地址：{party.address}", size, "sans"),
                 Text(left, y + 21, f"联系人：{party.legal_rep.name}", size, "sans"))
        y += 32
    page.add(Text(left, y, f"签订时间：{cn_date(sign_date, pad=False)}", size, "sans"),
             Text(left + 85, y, f"签订地点：{a.division.city}", size, "sans"))
    y += 12
    indent = text_width("　　", size)
    body = (f"甲乙双方根据《中华人民共和国民法典》等有关法律规定，经平等协商，就{tpl.subject}事宜"
            f"订立本合同，共同信守。")
    for k, text in enumerate(wrap(body, size, right - left, "sans", first_width=right - left - indent)):
        page.add(Text(left + (indent if k == 0 else 0), y, text, size, "sans"))
        y += 7
    for heading, clause in tpl.clauses:
        y += 3
        page.add(Text(left, y, heading, size, "sans_bold"))
        y += 7
        for text in wrap(clause, size, right - left, "sans"):
            page.add(Text(left, y, text, size, "sans"))
            y += 7
    page.add(Text(right, 285, "第1页/共4页", 9, "sans", align="right"))
    return page, {"contract_no": contract_no, "party_a": a.name, "party_b": b.name,
                  "sign_date": sign_date.isoformat(), "title": tpl.title}


def layout_contract_amount_page_inline(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """Contract price page without a table: items as lines, then 合同总价 in figures and
    人民币大写 on the next line (without the 人民币 prefix)."""
    from extractors.parsing import amount_in_words

    contract = _contract_of(customer, world)
    page = Page(210, 297)
    left, right, size = 22.0, 188.0, 11.5
    names = ("技术服务费", "设备采购", "安装调试", "运维支持", "培训服务", "软件许可", "耗材", "运输费")
    items = []
    for name in rng.sample(names, rng.randint(2, 4)):
        qty = rng.choice((1, 1, 2, 3, 5, 10, 12, 20))
        unit = Decimal(rng.randint(5, 900) * 100) + (Decimal("0.50") if rng.random() < 0.2 else 0)
        items.append((name, qty, unit))
    total = sum((q * u for _, q, u in items), Decimal(0))
    figures = f"¥{total:,.2f}"
    words = amount_in_words(total)
    y = 28.0
    page.add(Text(left, y, "第三条　合同价款", size, "serif_bold"))
    y += 9
    for k, (n, q, u) in enumerate(items, start=1):
        page.add(Text(left + 8, y, f"{k}. {n}：数量{q}，单价¥{u:,.2f}，小计¥{q * u:,.2f}", size))
        y += 7.5
    y += 4
    page.add(Text(left, y, f"合同总价：{figures}（含税）", size, "serif_bold"))
    y += 8
    page.add(Text(left, y, f"人民币大写：{words}", size, "serif_bold"))
    y += 12
    indent = text_width("　　", size)
    for body in ("上述价款为固定总价，已包含乙方履行本合同所需的全部费用，合同履行期间不作调整。",
                 "付款方式：合同签订后十五日内甲方支付合同总价的百分之五十，验收合格后十五日内支付剩余款项。",
                 "乙方收款账户信息以乙方加盖公章的书面通知为准。"):
        y = paragraph(page, body, left, right, y, size, indent) + 2
    page.add(Text(105, 285, "- 2 -", 9, "serif", align="center"))
    num = int(total) if total == total.to_integral() else float(total)
    page.extra = {"contract_no": contract["contract_no"]} if contract else {}
    return page, {"amount": num, "amount_text": figures, "amount_in_words": num, "amount_in_words_text": words}


def layout_contract_signature_page_columns(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """Signature page with the two parties side by side: 甲方（盖章）: above the name, the
    signature line, 日期: under each; seals over the names."""
    a, b = customer.company, world.firm
    contract, sign_date = _signing(customer, world, rng)
    page = Page(210, 297)
    left, right, size = 22.0, 188.0, 11.5
    y = paragraph(page, "本合同一式肆份，甲乙双方各执贰份，具有同等法律效力。本合同经双方法定代表人或"
                  "授权代表签字并加盖公章后生效。", left, right, 40, size, text_width("　　", size))
    page.add(Text(105, y + 6, "（以下无正文，为签署页）", size, align="center"))
    y += 40
    for x, tag, party in ((left, "甲方", a), (110.0, "乙方", b)):
        page.add(Text(x, y, f"{tag}（盖章）：", size, "serif_bold"))
        lines = wrap(party.name, size, 76)
        for k, text in enumerate(lines):
            page.add(Text(x, y + 9 + k * 7, text, size))
        page.add(Picture(x + rng.uniform(5, 30), y - 12, 40, 40, seal_picture(party.name, rng.getrandbits(32)),
                         multiply=True))
        yy = y + 9 + len(lines) * 7 + 12
        page.add(Text(x, yy, "法定代表人或委托代理人：", size),
                 Picture(x + 20, yy + 3, 34, 12, handwriting_picture(party.legal_rep.name, rng.uniform(-6, 6))),
                 Text(x, yy + 26, f"日期：{cn_date(sign_date)}", size))
    page.add(Text(105, 285, "- 4 -", 9, "serif", align="center"))
    page.extra = {"contract_no": contract["contract_no"]} if contract else {}
    return page, {"party_a": a.name, "party_b": b.name, "sign_date": sign_date.isoformat()}


# --- qualification (资质证明): industry permits and certificates ------------------------------

PROVINCE_SHORT = {"11": "京", "12": "津", "31": "沪", "50": "渝", "33": "浙", "32": "苏", "44": "粤", "35": "闽",
                  "37": "鲁", "42": "鄂", "43": "湘", "51": "川", "61": "陕", "34": "皖", "21": "辽"}
FOOD_BUSINESS_FORMS = ("食品销售经营者（批发兼零售）", "食品销售经营者（网络经营）", "餐饮服务经营者（中型餐馆）",
                       "单位食堂（职工食堂）")
FOOD_ITEMS = ("预包装食品（含冷藏冷冻食品）销售，散装食品（不含冷藏冷冻食品）销售",
              "预包装食品（不含冷藏冷冻食品）销售，保健食品销售",
              "热食类食品制售，冷食类食品制售，自制饮品制售")
ISO_SCOPES = {
    "信息科技": "计算机软件开发及技术服务", "商贸": "日用百货、五金产品、电子产品的销售",
    "建筑工程": "建筑工程施工及园林绿化工程施工", "食品": "预包装食品的销售", "物流": "普通货物道路运输及仓储服务",
    "医疗器械": "第二类、第三类医疗器械的销售", "文化传媒": "广告设计、制作及会议会展服务",
    "环保科技": "环境保护专用设备的销售及技术服务", "餐饮管理": "餐饮管理服务", "电子科技": "电子元器件的设计与销售",
}
CONSTRUCTION_GRADES = ("建筑工程施工总承包贰级", "建筑工程施工总承包叁级", "市政公用工程施工总承包叁级",
                       "建筑装修装饰工程专业承包贰级", "地基基础工程专业承包叁级", "环保工程专业承包叁级")


def _cert_dates(rng: random.Random, co: Company, years: int) -> tuple[dt.date, dt.date]:
    """Issue date and valid-to date (the day before `years` later), still valid on AS_OF."""
    earliest = max(co.established, add_years(AS_OF, -years) + dt.timedelta(days=30))
    issue = random_date(rng, earliest, AS_OF - dt.timedelta(days=20))
    return issue, add_years(issue, years) - dt.timedelta(days=1)


def _qualification_fields(cert_name: str, cert_no: str, co: Company, valid_to: dt.date) -> Fields:
    return {"cert_name": cert_name, "cert_no": cert_no, "holder": co.name, "holder_uscc": co.uscc,
            "valid_to": valid_to.isoformat()}


def layout_qualification_food(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """食品经营许可证 (正本, 2015 format): landscape, emblem and title on top, the operator's
    details on the left (经营者名称, 社会信用代码（身份证号码）, 法定代表人（负责人）, 住所, …),
    许可证编号 and the supervising office on the right, 有效期至 bottom right under the seal."""
    co = customer.company
    issue, valid_to = _cert_dates(rng, co, 5)
    cert_no = f"JY{rng.choice('123')}{co.division.code}{rng.randint(1, 999_999):06d}{rng.randint(0, 9)}"
    authority = co.division.registrar
    page = Page(297, 210)
    frame = (40, 110, 60)
    page.add(Box(8, 8, 281, 194, outline=frame, width=1.8), Box(12, 12, 273, 186, outline=frame, width=0.4),
             Picture(138.5, 16, 20, 20, emblem_picture()),
             Text(148.5, 52, "食品经营许可证", 34, "serif_bold", align="center"))
    size = 11.5
    _column(page, 24, 84, 176, 72, (
        ("经营者名称", co.name),
        ("社会信用代码（身份证号码）", co.uscc),
        ("法定代表人（负责人）", co.legal_rep.name),
        ("住　　所", co.address),
        ("经营场所", co.address),
        ("主体业态", rng.choice(FOOD_BUSINESS_FORMS)),
        ("经营项目", rng.choice(FOOD_ITEMS)),
    ), size, 10.0, 6.5)
    officers = "、".join(person_name(rng, rng.choice("男女")) for _ in range(2))
    _column(page, 188, 220, 280, 72, (
        ("许可证编号", cert_no),
        ("日常监督管理机构", f"{co.division.district}市场监督管理局"),
        ("日常监督管理人员", officers),
        ("投诉举报电话", "12315"),
        ("发证机关", authority),
        ("签 发 人", person_name(rng, rng.choice("男女"))),
    ), 10.5, 10.0, 6.0)
    page.add(Picture(228, 140, 40, 40, seal_picture(authority, rng.getrandbits(32)), multiply=True),
             Text(248, 172, cn_date(issue), size, align="center"),
             Text(248, 184, f"有效期至　{cn_date(valid_to)}", size, align="center"),
             Text(148.5, 196, "国家食品药品监督管理总局监制", 8, "sans", align="center"))
    page.seal_codes = [cert_no]
    page.extra = {"issue_date": issue.isoformat(), "authority": authority}
    return page, _qualification_fields("食品经营许可证", cert_no, co, valid_to)


def layout_qualification_iso(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """质量管理体系认证证书 (ISO 9001) of a certification body: portrait, the body on top, title
    in Chinese and English, 证书编号, "兹证明" then 组织名称 / 统一社会信用代码 / 注册地址 /
    认证范围, the dates with 有效期至, the body's seal."""
    co = customer.company
    issue, valid_to = _cert_dates(rng, co, 3)
    first_issue = random_date(rng, max(co.established, add_years(issue, -9)), issue) if rng.random() < 0.5 else issue
    body = "".join(rng.sample(TRADE_NAME_CHARS, 2)) + rng.choice(("认证有限公司", "认证中心有限公司", "质量认证有限公司"))
    cert_no = f"{rng.randint(1, 999):03d}{rng.randint(10, 99)}Q{rng.randint(0, 99_999):05d}R{rng.randint(0, 3)}{rng.choice('MS')}"
    industry = next((k for k in ISO_SCOPES if k in co.name), "商贸")
    page = Page(210, 297)
    frame = (30, 70, 140)
    left, right, size = 28.0, 182.0, 12
    page.add(Box(10, 10, 190, 277, outline=frame, width=2.0), Box(14, 14, 182, 269, outline=frame, width=0.5),
             Text(105, 34, body, 14, "serif_bold", align="center"),
             Text(105, 56, "质量管理体系认证证书", 26, "serif_bold", align="center"),
             Text(105, 65, "QUALITY MANAGEMENT SYSTEM CERTIFICATE", 10, "sans", align="center"),
             Text(105, 78, f"证书编号：{cert_no}", 12, "sans", align="center"),
             Text(left, 96, "兹证明", size, "serif_bold"))
    y = _column(page, left, left + 44, right, 108, (
        ("组织名称：", co.name),
        ("统一社会信用代码：", co.uscc),
        ("注册地址：", co.address),
        ("经营地址：", co.address),
    ), size, 10.5, 7.0)
    y = paragraph(page, "质量管理体系符合标准：GB/T 19001-2016/ISO 9001:2015", left, right, y + 2, size, 0)
    y = _column(page, left, left + 44, right, y + 4, (("认证覆盖范围：", ISO_SCOPES[industry]),), size, 10.5, 7.0)
    y = _column(page, left, left + 44, right, y + 6, (
        ("初次发证日期：", cn_date(first_issue)),
        ("本次发证日期：", cn_date(issue)),
        ("有效期至：", cn_date(valid_to)),
    ), size, 9.0, 7.0)
    y = paragraph(page, "本证书有效期内，获证组织须定期接受监督审核并经审核合格，此证书方继续有效。",
                  left, right, y + 6, 9.5, 0)
    page.add(Picture(128, 212, 44, 44, seal_picture(body, rng.getrandbits(32)), multiply=True),
             Text(150, 262, body, 11, align="center"),
             Text(105, 276, "本证书信息可在国家认证认可监督管理委员会官方网站（www.cnca.gov.cn）上查询", 8, "sans",
                  align="center"))
    page.seal_codes = [cert_no]
    page.extra = {"issue_date": issue.isoformat(), "first_issue_date": first_issue.isoformat(), "body": body}
    return page, _qualification_fields("质量管理体系认证证书", cert_no, co, valid_to)


def layout_qualification_construction(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """建筑业企业资质证书 (2015 format): landscape, 证书编号 top left and 有效期 top right of the
    title, the company (企业名称, 详细地址, 统一社会信用代码（或营业执照注册号）, …) on the left,
    资质类别及等级 on the right, the housing department's seal over the date."""
    co = customer.company
    issue, valid_to = _cert_dates(rng, co, 5)
    cert_no = f"D{rng.choice('23')}{co.division.code[:2]}{rng.randint(0, 999_999):06d}"
    dept = (f"{co.division.province}住房和城乡建设厅" if co.division.province
            else f"{co.division.city}住房和城乡建设委员会")
    page = Page(297, 210)
    frame = (150, 40, 40)
    size = 11.5
    page.add(Box(9, 9, 279, 192, outline=frame, width=1.4), Box(12.5, 12.5, 272, 185, outline=frame, width=0.4),
             Text(148.5, 42, "建筑业企业资质证书", 30, "serif_bold", align="center"),
             Text(24, 58, f"证书编号：{cert_no}", size, "sans"),
             Text(273, 58, f"有效期：{cn_date(valid_to)}", size, "sans", align="right"))
    capital = f"{co.capital_wan}万元人民币"
    nature = "股份有限公司" if "股份" in co.company_type else "有限责任公司"
    _column(page, 24, 102, 168, 78, (
        ("企业名称", co.name),
        ("详细地址", co.address),
        ("统一社会信用代码（或营业执照注册号）", co.uscc),
        ("法定代表人", co.legal_rep.name),
        ("注册资本", capital),
        ("经济性质", nature),
    ), size, 10.5, 6.5)
    page.add(Text(176, 78, "资质类别及等级", size, "serif_bold"))
    for k, grade in enumerate(rng.sample(CONSTRUCTION_GRADES, rng.randint(1, 3))):
        page.add(Text(176, 88 + k * 7.5, grade, size))
    page.add(Text(196, 162, "发证机关：", size, "serif_bold"),
             Picture(214, 146, 42, 42, seal_picture(dept, rng.getrandbits(32)), multiply=True),
             Text(236, 184, cn_date(issue), size, align="center"),
             Picture(24, 160, 24, 24, qr_picture(rng.getrandbits(32))),
             Text(148.5, 196, "中华人民共和国住房和城乡建设部制", 8, "sans", align="center"))
    page.seal_codes = [cert_no]
    page.extra = {"issue_date": issue.isoformat(), "authority": dept}
    return page, _qualification_fields("建筑业企业资质证书", cert_no, co, valid_to)


QUALIFICATION_DESIGNS: dict[str, Layout] = {
    "food_permit": layout_qualification_food,
    "iso9001": layout_qualification_iso,
    "construction": layout_qualification_construction,
}


def layout_qualification(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """资质证明: one of the designs (`QUALIFICATION_DESIGNS`), chosen by `rng`."""
    return QUALIFICATION_DESIGNS[rng.choice(sorted(QUALIFICATION_DESIGNS))](customer, world, rng)


# --- address_proof (经营地址证明): a lease's first page or a property certificate ----------------


def _premises(co: Company, rng: random.Random) -> str:
    """Where the customer operates: mostly its registered address, sometimes elsewhere in its
    district (a registered-vs-actual gap)."""
    return co.address if rng.random() < 0.7 else street_address(rng, co.division, residential=False)


def layout_address_proof_lease(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """房屋租赁合同, first page: 出租方（甲方） a person or a property company, 承租方（乙方）
    the customer with its code, then 第一条 房屋基本情况 with 房屋坐落, area, use, term, rent."""
    co = customer.company
    address = _premises(co, rng)
    start = random_date(rng, max(co.established, AS_OF - dt.timedelta(days=3 * 365)), AS_OF - dt.timedelta(days=15))
    years = rng.choice((1, 2, 3, 5))
    while add_years(start, years) <= AS_OF:
        years += 1
    end = add_years(start, years) - dt.timedelta(days=1)
    if rng.random() < 0.5:
        landlord = make_person(rng, home=co.division)
        landlord_lines = [f"出租方（甲方）：{landlord.name}", f"身份证号码：{landlord.id_number}"]
        landlord_name = landlord.name
    else:
        landlord_name = f"{co.division.city.removesuffix('市')}{''.join(rng.sample(TRADE_NAME_CHARS, 2))}置业有限公司"
        landlord_lines = [f"出租方（甲方）：{landlord_name}", f"法定代表人：{person_name(rng, rng.choice('男女'))}"]
    area = Decimal(rng.randint(3_000, 90_000)) / 100
    rent = rng.randint(30, 900) * 100
    page = Page(210, 297)
    left, right, size = 25.0, 185.0, 12
    page.add(Text(105, 38, "房屋租赁合同", 22, "serif_bold", align="center"))
    y = 52.0
    if rng.random() < 0.5:
        page.add(Text(right, y, f"合同编号：ZL{start:%Y%m}{rng.randint(1, 999):03d}", 10.5, align="right"))
    y += 14
    for text in landlord_lines:
        page.add(Text(left, y, text, size, "serif_bold" if text.startswith("出租方") else "serif"))
        y += 7.5
    y += 3
    for text in (f"承租方（乙方）：{co.name}", f"统一社会信用代码：{co.uscc}", f"法定代表人：{co.legal_rep.name}"):
        page.add(Text(left, y, text, size, "serif_bold" if text.startswith("承租方") else "serif"))
        y += 7.5
    y += 4
    indent = text_width("　　", size)
    y = paragraph(page, "根据《中华人民共和国民法典》及有关法律法规的规定，甲、乙双方在平等、自愿、协商一致的"
                  "基础上，就乙方承租甲方房屋事宜，订立本合同。", left, right, y, size, indent) + 3
    page.add(Text(left, y, "第一条　房屋基本情况", size, "serif_bold"))
    y += 8
    y = _labelled(page, left, y, "房屋坐落：", address, size, right - left)
    y = _labelled(page, left, y, "建筑面积：", f"{area}平方米", size, right - left)
    y = _labelled(page, left, y, "房屋用途：", rng.choice(("办公", "商业", "仓储", "办公及仓储")), size, right - left)
    y += 3
    page.add(Text(left, y, "第二条　租赁期限", size, "serif_bold"))
    y += 8
    y = paragraph(page, f"租赁期限自{cn_date(start)}起至{cn_date(end)}止，共{years}年。", left, right, y, size, indent) + 3
    page.add(Text(left, y, "第三条　租金及支付方式", size, "serif_bold"))
    y += 8
    y = paragraph(page, f"月租金为人民币{rent:,}元，按季度支付，乙方应于每季度首月五日前将当季租金支付至甲方指定账户。",
                  left, right, y, size, indent) + 3
    page.add(Text(left, y, "第四条　租赁保证金", size, "serif_bold"))
    y += 8
    paragraph(page, "乙方应于本合同签订之日向甲方支付相当于两个月租金的保证金。租赁期满乙方结清各项费用并"
              "交还房屋后，甲方应将保证金无息退还乙方。", left, right, y, size, indent)
    page.add(Text(105, 280, "第 1 页　共 3 页", 9, "serif", align="center"))
    page.extra = {"landlord": landlord_name, "lease_start": start.isoformat(), "lease_end": end.isoformat(),
                  "registered_address": address == co.address}
    return page, {"address": address}


def layout_address_proof_property(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """不动产权证书 owned by the customer, copied open on A4 landscape: the registration page
    (the grant text, the registry's seal and date, the booklet number) on the left, the
    register page on the right (浙（2021）杭州市不动产权第0123456号 above a table: 权利人,
    共有情况, 坐落, 不动产单元号, 权利类型, …)."""
    co = customer.company
    address = _premises(co, rng)
    issue = random_date(rng, max(co.established, dt.date(2016, 1, 1)), AS_OF - dt.timedelta(days=20))
    province = PROVINCE_SHORT.get(co.division.code[:2], "")
    city = co.division.city
    number = f"{province}（{issue.year}）{city}不动产权第{rng.randint(1, 9_999_999):07d}号"
    registry = f"{city}{co.division.district}不动产登记中心" if rng.random() < 0.5 else f"{city}自然资源和规划局"
    page = Page(297, 210)
    page.add(Box(10, 12, 136, 186, outline=(120, 120, 120), width=0.4),
             Box(151, 12, 136, 186, outline=(120, 120, 120), width=0.4))
    # Left page: the grant.
    for k, text in enumerate(wrap("根据《中华人民共和国民法典》等法律法规，为保护不动产权利人合法权益，对不动产权利人"
                                  "申请登记的本证所列不动产权利，经审查核实，准予登记，颁发此证。", 11, 110)):
        page.add(Text(22, 60 + k * 8, text, 11))
    page.add(Text(60, 130, "登记机构（章）", 11),
             Picture(74, 112, 40, 40, seal_picture(registry, rng.getrandbits(32)), multiply=True),
             Text(94, 160, cn_date(issue), 11, align="center"),
             Text(22, 186, "中华人民共和国自然资源部监制", 8, "sans"),
             Text(132, 186, f"编号NO D{co.division.code[:2]}{rng.randint(0, 999_999_999):09d}", 9, "sans",
                  align="right"))
    # Right page: the register.
    unit = (f"{co.division.code}{rng.randint(1, 999):03d}{rng.randint(1, 999):03d}GB{rng.randint(1, 99_999):05d}"
            f"F{rng.randint(1, 99_999_999):08d}")
    land = Decimal(rng.randint(50_000, 900_000)) / 100
    floor = Decimal(rng.randint(3_000, 90_000)) / 100
    use_from = random_date(rng, dt.date(2000, 1, 1), issue)
    page.add(Text(219, 26, number, 11, "serif_bold", align="center"))
    _grid(page, 156, 182, 282, 32, (
        ("权利人", co.name),
        ("共有情况", "单独所有"),
        ("坐落", address),
        ("不动产单元号", unit),
        ("权利类型", "国有建设用地使用权/房屋所有权"),
        ("权利性质", "出让/市场化商品房"),
        ("用途", "商务金融用地/办公"),
        ("面积", f"共有宗地面积{land}㎡/房屋建筑面积{floor}㎡"),
        ("使用期限", f"国有建设用地使用权{cn_date(use_from)}起{cn_date(add_years(use_from, 40))}止"),
        ("权利其他状况", "房屋结构：钢筋混凝土结构"),
    ), 9.5, min_h=9.0, line=5.2)
    page.extra = {"certificate_no": number, "holder": co.name, "issue_date": issue.isoformat(),
                  "registered_address": address == co.address}
    return page, {"address": address}


ADDRESS_PROOF_DESIGNS: dict[str, Layout] = {
    "lease": layout_address_proof_lease,
    "property_cert": layout_address_proof_property,
}


def layout_address_proof(customer: Customer, world: World, rng: random.Random) -> tuple[Page, Fields]:
    """经营地址证明: one of the designs (`ADDRESS_PROOF_DESIGNS`), chosen by `rng`."""
    return ADDRESS_PROOF_DESIGNS[rng.choice(sorted(ADDRESS_PROOF_DESIGNS))](customer, world, rng)


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
    "qualification": layout_qualification,
    "address_proof": layout_address_proof,
}
# Each type's layouts, by name; with varied layouts every document draws one (`pick_layout`).
# "standard" is the type's `LAYOUTS` entry, the only one the committed set uses.
VARIANTS: dict[str, dict[str, Layout]] = {
    "business_licence": {
        "standard": layout_business_licence,
        "compact_2019": layout_business_licence_compact,
        "format_2016": layout_business_licence_2016,
        "old_registration_no": layout_business_licence_old,
    },
    "id_card": {
        "standard": layout_id_card,
        "side_by_side": layout_id_card_side_by_side,
        "front_only": layout_id_card_front,
        "back_only": layout_id_card_back,
    },
    "contract_first_page": {"standard": layout_contract_first_page, "roles_first": layout_contract_first_page_roles},
    "authorization_letter": {
        "standard": layout_authorization_letter,
        "table": layout_authorization_letter_table,
        "statement": layout_authorization_letter_statement,
    },
    "contract_amount_page": {"standard": layout_contract_amount_page, "inline": layout_contract_amount_page_inline},
    "contract_signature_page": {"standard": layout_contract_signature_page,
                                "columns": layout_contract_signature_page_columns},
    "bank_account_proof": {
        "standard": layout_bank_account_proof,
        "account_info": layout_bank_account_proof_info,
        "bank_letter": layout_bank_account_proof_letter,
    },
    "archive_cover": {"standard": layout_archive_cover, "handwritten": layout_archive_cover_handwritten},
    "qualification": QUALIFICATION_DESIGNS,
    "address_proof": ADDRESS_PROOF_DESIGNS,
}
# Layouts that only fit some customers: licence formats by when the company was registered.
VARIANT_FITS: dict[tuple[str, str], Callable[[Customer], bool]] = {
    ("business_licence", "format_2016"): lambda c: c.company.established < LICENCE_2019,
    ("business_licence", "old_registration_no"): lambda c: c.company.established < USCC_REFORM,
}


def pick_layout(seed: int, doc_type: str, stem: str, customer: Customer) -> str:
    """The layout a document gets with varied layouts: drawn from its own sub-seed among the
    type's layouts that fit the customer, so adding documents reshuffles no other."""
    names = [n for n in VARIANTS[doc_type] if VARIANT_FITS.get((doc_type, n), lambda c: True)(customer)]
    return random.Random(sub_seed(seed, "layout", stem)).choice(names)


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
                                         "contract_signature_page", "bank_account_proof", "archive_cover",
                                         "qualification", "address_proof")},
}


def seal_targets(page: Page, company: Company) -> dict[str, list[tuple[float, float, float, float]]]:
    """Boxes (mm) of the text lines that print the company's name or its USCC."""
    targets: dict[str, list[tuple[float, float, float, float]]] = {}
    for op in page.ops:
        if not isinstance(op, Text):
            continue
        kind = ("name" if company.name in op.text else
                "code" if company.uscc in op.text or any(c in op.text for c in page.seal_codes) else None)
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
    # Set by `exif_rotate`: the EXIF Orientation tag the saved file carries.
    exif_orientation: int | None = None


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


# EXIF Orientation (tag 0x0112) -> how the stored pixels are turned from upright, so that a
# viewer applying the tag (PIL.ImageOps.exif_transpose) shows the page upright again.
EXIF_ORIENTATION_TAG = 0x0112
_EXIF_TURNS = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


@degradation
def exif_rotate(img: Image.Image, state: ScanState, orientation: float = 6) -> Image.Image:
    """A phone photo held sideways: the pixels are stored turned and the file's EXIF
    Orientation tag (6: show turned 90 degrees clockwise, 8: anticlockwise, 3: 180) says how to
    turn them upright. The tag is written when the file is saved (`save_scan`)."""
    o = int(orientation)
    if o not in _EXIF_TURNS:
        raise ValueError(f"exif_rotate: orientation {o} is not one of 3, 6, 8")
    state.exif_orientation = o
    return img.transpose(_EXIF_TURNS[o])


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


def hard_recipe(rng: random.Random, dpi: int, photo_rng: random.Random | None = None) -> tuple[str, ...]:
    """A random mix of the heavy degradations (--hard): seal over the name or code, grey or
    photocopy, uneven light, perspective or a skew up to 5 degrees, a quarter or half turn,
    grain, blur, 150-300 dpi, JPEG 30-50. With `photo_rng` (varied layouts), a page not
    turned otherwise is sometimes a phone photo stored turned with an EXIF Orientation tag
    (`exif_rotate`), more often when it is photographed (perspective); drawn from its own
    source so the rest of the mix is what it was without it."""
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
    if photo_rng is not None:
        photographed = any(s.startswith("perspective") for s in specs)
        turned = any(s.startswith("rotate") for s in specs)
        if photo_rng.random() < (0.5 if photographed else 0.2) and not turned:
            at = next(k for k, s in enumerate(specs) if s.startswith(("downscale", "jpeg")))
            specs.insert(at, f"exif_rotate({photo_rng.choice((6, 8, 3))})")
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
    "qualification": [
        ("paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
        ("grayscale", "blur(0.6)"),
    ],
    "address_proof": [
        ("grayscale", "blur(0.5)"),
        ("grayscale", "paper_tint", "noise(3)", "blur(0.5)", "downscale(200)", "jpeg(85)"),
    ],
}
# Types made only with --count-per-type (the committed mix keeps DEFAULT_COUNTS); the last
# two only with varied layouts (the default there), so `--layouts base` remakes older sets.
NEW_TYPES = ("qualification", "address_proof")
EXTRA_TYPES = ("authorization_letter", "contract_amount_page", "contract_signature_page",
               "bank_account_proof", "archive_cover", *NEW_TYPES)
ALL_TYPES = (*DEFAULT_COUNTS, *EXTRA_TYPES)
BASE_TYPES = tuple(t for t in ALL_TYPES if t not in NEW_TYPES)
LAYOUT_MODES = ("base", "varied")


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
    # Only a turned photo carries EXIF (its Orientation tag): other files' bytes are as before.
    options: dict[str, Any] = {}
    if state.exif_orientation is not None:
        exif = Image.Exif()
        exif[EXIF_ORIENTATION_TAG] = state.exif_orientation
        options["exif"] = exif.tobytes()
    if final_quality is not None:
        path = stem.with_suffix(".jpg")
        img.save(path, "JPEG", quality=final_quality, dpi=dpi, **options)
    else:
        path = stem.with_suffix(".png")
        img.save(path, "PNG", dpi=dpi, optimize=True, **options)
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
             degrade: str | Sequence[str] | None = None, hard: bool = False,
             layouts: str | None = None) -> list[Path]:
    """Write the scans (and their X.json ground truth) into `out_dir`; with `crm_path`, also
    the CRM export and its `_planted.json`. `count_per_type` None means the committed mix
    (DEFAULT_COUNTS); K means K documents of every type in ALL_TYPES. `hard` replaces each
    document's mild recipe by a random mix of heavy degradations (`hard_recipe`); `degrade`
    (``"skew(3),photocopy,jpeg(40)"`` or a list of specs) is applied on top of whichever
    recipe the document has. `layouts`: "varied" (the default with `count_per_type`) draws
    each document's layout among its type's `VARIANTS`, adds the NEW_TYPES and lets --hard
    turn phone photos by EXIF (`exif_rotate`); "base" (the default for the committed mix)
    uses the standard layouts only, as before the variants, so older sets come out the
    same. Returns the document files written (png/jpg/pdf), in order."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if layouts is None:
        layouts = "base" if count_per_type is None else "varied"
    if layouts not in LAYOUT_MODES:
        raise ValueError(f"layouts must be one of {', '.join(LAYOUT_MODES)}, not {layouts!r}")
    varied = layouts == "varied"
    types = ALL_TYPES if varied else BASE_TYPES
    counts = DEFAULT_COUNTS if count_per_type is None else dict.fromkeys(types, count_per_type)
    extra = split_recipe(degrade) if isinstance(degrade, str) else list(degrade or ())
    for spec in extra:
        parse_degradation(spec)
    world = make_world(seed, counts)
    written: list[Path] = []
    files_by_customer: dict[int, list[str]] = {}
    contract_no: dict[int, str] = {}
    for job in world.jobs:
        customer = world.customers[job.customer]
        # The PDF twin of a licence draws the same page: same sub-seed (and layout) as the image.
        base_stem = job.stem.removesuffix("_textlayer")
        rng = random.Random(sub_seed(seed, "doc", base_stem))
        variant = pick_layout(seed, job.doc_type, base_stem, customer) if varied else None
        layout = VARIANTS[job.doc_type][variant] if variant else LAYOUTS[job.doc_type]
        extra_truth: dict[str, Any] = {}
        if job.as_pdf:
            if variant:
                page, fields = layout(customer, world, rng)
                data, extra_truth = page_to_pdf(page), page.extra
            else:
                data, fields = PDF_RENDERERS[job.doc_type](customer, world, rng)
            path = (out / job.stem).with_suffix(".pdf")
            path.write_bytes(data)
            specs: tuple[str, ...] = job.degradations
        else:
            page, fields = layout(customer, world, rng)
            extra_truth = page.extra
            img = rasterise(page, dpi)
            state = ScanState(np.random.default_rng(sub_seed(seed, "scan", job.stem)), dpi,
                              targets=seal_targets(page, customer.company),
                              seal_text=customer.company.name)
            specs = job.degradations
            if hard:
                photo_rng = random.Random(sub_seed(seed, "photo", job.stem)) if varied else None
                specs = hard_recipe(random.Random(sub_seed(seed, "hard", job.stem)), dpi, photo_rng)
            specs = combine_recipes(specs, extra)
            path = save_scan(img, specs, state, out / job.stem)
        truth: dict[str, Any] = {
            "doc_type": job.doc_type,
            "customer": customer.company.name,
            **({"layout": variant} if variant else {}),
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
    parser.add_argument("--layouts", choices=LAYOUT_MODES, default=None,
                        help="varied: each document draws one of its type's layouts, plus the types "
                             f"{' and '.join(NEW_TYPES)} and EXIF-turned photos under --hard (default with "
                             "--count-per-type); base: the standard layouts only, as sets made before the "
                             "variants (default for the committed mix)")
    args = parser.parse_args(argv)
    if args.degrade is not None:
        try:
            split_recipe(args.degrade)
        except ValueError as e:
            parser.error(str(e))
    for path in generate(args.out, args.seed, args.count_per_type, crm_path=args.crm, dpi=args.dpi,
                         degrade=args.degrade, hard=args.hard, layouts=args.layouts):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
