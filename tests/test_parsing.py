"""Tests for extractors/parsing.py. Expected values are worked out by hand or taken from the
banking rules for 大写 amounts, never copied from what the code returns."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from extractors.parsing import (
    Term,
    amount_in_words,
    company_form_difference,
    normalise_name,
    parse_chinese_number,
    parse_date,
    parse_money,
    parse_money_currency,
    parse_id_card_term,
    parse_term,
    strip_cjk_spaces,
    to_halfwidth,
)

# --- strip_cjk_spaces ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("杭 州 星 澜 信 息", "杭州星澜信息"),
        ("2015 年 03 月 12 日", "2015年03月12日"),
        ("注册资本 500 万元", "注册资本500万元"),
        ("ISO 9001", "ISO 9001"),
        ("ISO 9001 认证", "ISO 9001认证"),
        ("Star Lan 科技", "Star Lan科技"),
        ("名 称 ： 杭州", "名称：杭州"),  # full-width colon is CJK
        ("杭\u3000州", "杭州"),  # ideographic space
        ("杭 \t 州", "杭州"),
        ("第 一 行\n第 二 行", "第一行\n第二行"),  # line breaks stay
        ("  杭 州  ", "  杭州  "),  # leading/trailing space is not between two characters
        ("", ""),
    ],
)
def test_strip_cjk_spaces(raw: str, expected: str) -> None:
    assert strip_cjk_spaces(raw) == expected


# --- to_halfwidth / normalise_name / company_form_difference ---------------------------


def test_to_halfwidth() -> None:
    assert to_halfwidth("２０１５（ＡＢＣ）！～") == "2015(ABC)!~"
    assert to_halfwidth("杭州\u3000星澜") == "杭州 星澜"
    assert to_halfwidth("【杭州】。") == "【杭州】。"  # no narrow form: unchanged


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("杭州星澜信息技术有限公司", "杭州星澜信息技术有限公司"),
        ("杭州 星澜 信息技术有限公司", "杭州星澜信息技术有限公司"),
        ("星澜（杭州）信息技术有限公司", "星澜(杭州)信息技术有限公司"),
        ("星澜［杭州］有限公司", "星澜[杭州]有限公司"),
        ("【星澜】有限公司", "【星澜】有限公司"),
        ("ＡＢＣ科技有限公司", "ABC科技有限公司"),
        ("杭州星澜有限公司。", "杭州星澜有限公司"),
        ("杭州星澜有限公司，:", "杭州星澜有限公司"),
        ("中国银行股份有限公司杭州分行（营业部）", "中国银行股份有限公司杭州分行(营业部)"),
        ("杭州星澜有限责任公司", "杭州星澜有限责任公司"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


def test_normalise_name_keeps_company_form() -> None:
    assert normalise_name("杭州星澜有限责任公司") != normalise_name("杭州星澜有限公司")


def test_normalise_name_equates_width_and_space_variants() -> None:
    assert normalise_name("星澜（杭州）有限公司") == normalise_name(" 星澜 (杭州) 有限公司 ")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("杭州星澜有限责任公司", "杭州星澜有限公司", "有限责任公司 vs 有限公司"),
        ("杭州星澜有限公司", "杭州星澜有限责任公司", "有限公司 vs 有限责任公司"),
        ("杭州星澜股份有限公司", "杭州星澜有限公司", "股份有限公司 vs 有限公司"),
        ("杭州星澜集团有限公司", "杭州星澜有限公司", "集团有限公司 vs 有限公司"),
        ("杭州 星澜（A）有限责任公司", "杭州星澜(A)有限公司", "有限责任公司 vs 有限公司"),
        ("星澜有限责任公司杭州分公司", "星澜有限公司杭州分公司", "有限责任公司 vs 有限公司"),
    ],
)
def test_company_form_difference(a: str, b: str, expected: str) -> None:
    assert company_form_difference(a, b) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("杭州星澜有限公司", "杭州星澜有限公司"),  # same form
        ("杭州星澜有限公司", "杭州星澜 有限公司"),  # same after normalising
        ("杭州星澜有限责任公司", "杭州星海有限公司"),  # other part differs too
        ("杭州星澜", "杭州星澜有限公司"),  # abbreviation, not a form difference
        ("星澜有限公司杭州分公司", "星澜有限责任公司宁波分公司"),
        ("abc", "def"),
    ],
)
def test_company_form_difference_none(a: str, b: str) -> None:
    assert company_form_difference(a, b) is None


# --- parse_chinese_number -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("伍佰万", 5_000_000),
        ("壹拾贰万叁仟", 123_000),
        ("一千零五", 1005),
        ("十二", 12),
        ("贰亿零伍拾万", 200_500_000),
        ("零", 0),
        ("〇", 0),
        ("玖", 9),
        ("十", 10),
        ("拾", 10),
        ("拾万", 100_000),  # 拾 at the start means 壹拾
        ("十五万", 150_000),
        ("壹拾", 10),
        ("一百一十", 110),
        ("一千零十", 1010),  # 十 after 零 with its 一 left out
        ("一百零五", 105),
        ("一千零一十", 1010),
        ("一万零五", 10_005),
        ("一万零零五", 10_005),  # a run of 零
        ("壹仟零壹拾万零壹佰", 10_100_100),
        ("壹亿零壹万", 100_010_000),
        ("壹亿壹仟万", 110_000_000),
        ("壹拾亿零壹佰", 1_000_000_100),
        ("叁万贰仟亿", 3_200_000_000_000),
        ("一万亿", 10**12),  # 万 before 亿
        ("一万亿零三千万", 1_000_030_000_000),
        ("两千", 2000),
        ("貳佰", 200),
        ("參萬", 30_000),
        ("陸億", 600_000_000),
        ("玖仟玖佰玖拾玖万玖仟玖佰玖拾玖", 99_999_999),
        ("二〇一五", 2015),  # digits alone are positional
        ("一九九九", 1999),
        ("壹 拾 贰 万", 120_000),  # OCR spaces
    ],
)
def test_parse_chinese_number(text: str, expected: int) -> None:
    assert parse_chinese_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "  ",
        "万",
        "亿",
        "百",  # 百 needs its digit
        "十百",  # units out of order
        "一百二百",
        "一十十",
        "五千六千",
        "一亿万",  # nothing between 亿 and 万
        "一万二万",
        "一亿二亿",
        "一百五",  # colloquial 150, or a lost unit: ambiguous
        "壹拾贰万叁",
        "一万五",
        "五万十",
        "五零百",
        "伍佰万元",  # 元 is for the money parser
        "12万",
        "abc",
    ],
)
def test_parse_chinese_number_invalid(text: str) -> None:
    assert parse_chinese_number(text) is None


# --- parse_money --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("伍佰万元整", "5000000", "CNY"),
        ("500万元人民币", "5000000", "CNY"),
        ("人民币伍佰万元整", "5000000", "CNY"),
        ("500.5万元", "5005000", "CNY"),
        ("¥123,000.00", "123000", "CNY"),
        ("￥123,000.00", "123000", "CNY"),
        ("人民币壹拾贰万叁仟元整", "123000", "CNY"),
        ("壹万元伍角", "10000.5", "CNY"),
        ("100万美元", "1000000", "USD"),
        ("USD 2,500.75", "2500.75", "USD"),
        ("US$100", "100", "USD"),
        ("HK$1,000", "1000", "HKD"),
        ("50万港元", "500000", "HKD"),
        ("1.2亿元", "120000000", "CNY"),
        ("RMB 500 万元", "5000000", "CNY"),
        ("５００万元", "5000000", "CNY"),  # full-width digits
        ("伍 佰 万 元 整", "5000000", "CNY"),
        ("伍佰万", "5000000", "CNY"),  # 注册资本 without 元
        ("伍佰万圆整", "5000000", "CNY"),
        ("500万", "5000000", "CNY"),
        ("123000元", "123000", "CNY"),
        ("壹元零伍分", "1.05", "CNY"),
        ("伍角", "0.5", "CNY"),
        ("伍分", "0.05", "CNY"),
        ("伍角整", "0.5", "CNY"),
        ("零元整", "0", "CNY"),
        # Examples from the 支付结算办法 rules, both with and without the optional 零.
        ("人民币壹仟陆佰捌拾元叁角贰分", "1680.32", "CNY"),
        ("人民币壹仟陆佰捌拾元零叁角贰分", "1680.32", "CNY"),
        ("人民币壹拾万柒仟元零伍角叁分", "107000.53", "CNY"),
        ("人民币壹拾万柒仟元伍角叁分", "107000.53", "CNY"),
        ("人民币壹仟肆佰零玖元伍角", "1409.5", "CNY"),
        ("人民币叁佰贰拾伍元零肆分", "325.04", "CNY"),
        ("人民币陆仟零柒元壹角肆分", "6007.14", "CNY"),
    ],
)
def test_parse_money(text: str, amount: str, currency: str) -> None:
    assert parse_money(text) == Decimal(amount)
    assert parse_money_currency(text) == (Decimal(amount), currency)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "人民币",
        "元",
        "整",
        "abc",
        "12,34元",  # misplaced thousands separator
        "1,2345",
        "500万万元",
        "500千元",
        "伍佰万元零",
        "伍角伍角",
        "伍分伍角",  # 分 before 角
        "拾角",  # 角 takes one digit
        "人民币100美元",  # two currencies
        "一百五元",
        "-500元",
        "500元abc",
    ],
)
def test_parse_money_invalid(text: str) -> None:
    assert parse_money(text) is None
    assert parse_money_currency(text) is None


# --- amount_in_words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123000", "壹拾贰万叁仟元整"),
        ("1005.50", "壹仟零伍元伍角"),
        ("200500000", "贰亿零伍拾万元整"),
        ("0", "零元整"),
        ("0.00", "零元整"),
        ("0.5", "伍角"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("1", "壹元整"),
        ("10", "壹拾元整"),
        ("16", "壹拾陆元整"),
        ("1.05", "壹元零伍分"),
        ("10.05", "壹拾元零伍分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("1409.50", "壹仟肆佰零玖元伍角"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("1000", "壹仟元整"),
        ("1001", "壹仟零壹元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("1000001", "壹佰万零壹元整"),
        ("10010000", "壹仟零壹万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("1000000100", "壹拾亿零壹佰元整"),
        ("5000000", "伍佰万元整"),
        ("99999999.99", "玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"),
        ("1000000000000", "壹万亿元整"),
    ],
)
def test_amount_in_words(amount: str, words: str) -> None:
    assert amount_in_words(Decimal(amount)) == words


@pytest.mark.parametrize("amount", ["-1", "0.001", "1.005", "1E16", "NaN", "Infinity"])
def test_amount_in_words_rejects(amount: str) -> None:
    with pytest.raises(ValueError):
        amount_in_words(Decimal(amount))


def _amounts() -> list[Decimal]:
    """500 amounts with 0-2 decimals: half uniform over magnitudes, half rich in zeros,
    which is where 零 placement goes wrong."""
    rng = random.Random(20150312)
    values = []
    for i in range(500):
        places = rng.randint(1, 15)
        if i % 2:
            digits = "".join(rng.choice("0000000123456789") for _ in range(places))
        else:
            digits = str(rng.randrange(10**places))
        decimals = rng.randint(0, 2)
        frac = "".join(rng.choice("0123456789") for _ in range(decimals))
        values.append(Decimal(f"{int(digits)}.{frac}" if frac else str(int(digits))))
    return values


AMOUNTS = _amounts()


def test_round_trip_words() -> None:
    for n in AMOUNTS:
        words = amount_in_words(n)
        assert parse_money(words) == n, (n, words)
        assert parse_money("人民币" + words) == n, (n, words)


def test_round_trip_figures() -> None:
    for n in AMOUNTS:
        assert parse_money(f"¥{n:,}") == n, n


def test_words_shape() -> None:
    """Rules every 大写 obeys, whatever the amount: no doubled 零, never 零 before a unit or
    at the end, 拾 always with its digit, 整 exactly when there are no 角 or 分."""
    for n in AMOUNTS:
        words = amount_in_words(n)
        assert "零零" not in words, words
        assert not words.endswith("零"), words
        for unit in "拾佰仟万亿元角":
            assert "零" + unit not in words or (n < 1 and words == "零元整"), words
        assert words[0] != "拾", words
        assert words.endswith("整") == (n == n.to_integral_value()), words


def test_integer_words_match_chinese_number() -> None:
    for n in AMOUNTS:
        whole = int(n)
        if whole:
            assert parse_chinese_number(amount_in_words(Decimal(whole))[:-2]) == whole


# --- parse_date ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2015年03月12日",
        "2015年3月12日",
        "2015年3月12",
        "2015年03月12曰",  # 日 misread
        "2015.03.12",
        "2015-03-12",
        "2015/3/12",
        "2015.3.12",
        "20150312",
        "2015 年 3 月 12 日",
        " 2015 . 03 . 12 ",
        "２０１５年０３月１２日",
        "２０１５－０３－１２",
        "二〇一五年三月十二日",
    ],
)
def test_parse_date(text: str) -> None:
    assert parse_date(text) == dt.date(2015, 3, 12)


def test_parse_date_leap_and_ends() -> None:
    assert parse_date("2016-02-29") == dt.date(2016, 2, 29)
    assert parse_date("2015年12月31日") == dt.date(2015, 12, 31)
    assert parse_date("二〇二〇年十二月三十一日") == dt.date(2020, 12, 31)
    assert parse_date("二〇二〇年一月二十日") == dt.date(2020, 1, 20)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2015-02-30",
        "2015年2月29日",
        "2015.13.01",
        "2015-00-10",
        "2015-03-32",
        "20150230",
        "2015.03-12",  # mixed separators
        "2015-3",
        "15.03.12",
        "2015年03月",
        "2015031",
        "长期",
        "二〇一五年十三月一日",
        "2015年03月12日至2035年03月11日",
    ],
)
def test_parse_date_invalid(text: str) -> None:
    assert parse_date(text) is None


# --- parse_term ---------------------------------------------------------------------------

START = dt.date(2015, 3, 12)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015年03月12日至2035年03月11日", Term(START, dt.date(2035, 3, 11), False)),
        ("2015年03月12日 至 2035年03月11日", Term(START, dt.date(2035, 3, 11), False)),
        ("自2015年03月12日起至2035年03月11日止", Term(START, dt.date(2035, 3, 11), False)),
        ("2015年03月12日至长期", Term(START, None, True)),
        ("2015年03月12日至永久", Term(START, None, True)),
        ("长期", Term(None, None, True)),
        (" 长 期 ", Term(None, None, True)),
        ("2015.03.12-2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12-长期", Term(START, None, True)),
        ("2015-03-12-2035-03-12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12—2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12——2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12–2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12～2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12~2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("2015.03.12 - 2035.03.12", Term(START, dt.date(2035, 3, 12), False)),
        ("２０１５．０３．１２－长期", Term(START, None, True)),
        ("2015.03.12长期", Term(START, None, True)),  # the separator lost
        ("2015年03月12日长期", Term(START, None, True)),
        ("2015.03.12-2015.03.12", Term(START, START, False)),
    ],
)
def test_parse_term(text: str, expected: Term) -> None:
    assert parse_term(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2015年03月12日",  # no end
        "2015年03月12日至",
        "至2035年03月11日",
        "2035.03.12-2015.03.12",  # end before start
        "2015.02.30-2035.03.12",
        "2015.03.12-2035.02.30",
        "2015.03.12-短期",
        "2015.03.12 2035.03.12",  # no separator
        "abc",
    ],
)
def test_parse_term_invalid(text: str) -> None:
    assert parse_term(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011.09.02-2031.09.02", Term(dt.date(2011, 9, 2), dt.date(2031, 9, 2), False)),  # read whole
        ("2011,092-2031.09.02", Term(dt.date(2011, 9, 2), dt.date(2031, 9, 2), False)),  # a dot and a 0 lost
        ("2016.0702-2026.07.02", Term(dt.date(2016, 7, 2), dt.date(2026, 7, 2), False)),  # ten years
        ("2011,0g02-2031.09.02", Term(dt.date(2011, 9, 2), dt.date(2031, 9, 2), False)),  # 9 misread
        ("2011,093-2031.09.02", None),  # a digit the end does not have: misread, not lost
        ("2011,09-2031.09.02", None),  # too little read of the start
        ("2013,092-2031.09.02", None),  # 18 years: no card's period
        ("2011,092-长期", None),  # nothing to take the day from
    ],
)
def test_parse_id_card_term_takes_a_misread_start_from_its_end(text: str, expected: Term | None) -> None:
    assert parse_id_card_term(text) == expected


def test_term_is_frozen() -> None:
    term = Term(START, None, True)
    with pytest.raises(AttributeError):
        term.long_term = False  # type: ignore[misc]


@pytest.mark.parametrize(("read", "want"), [
    ("汉", "汉"), ("汉族", "汉"), ("土家", "土家"), ("土", "土"), ("维吾尔", "维吾尔"),
    ("汉工化传媒", "汉"),  # a seal's legend read on along the row
    ("土家族", "土家"),
    ("穿青", "穿青"),  # no nationality of the list: left as read
])
def test_an_ethnic_group_is_the_longest_of_the_56_the_value_opens_with(read, want):
    from extractors.parsing import ethnic_group

    assert ethnic_group(read) == want
