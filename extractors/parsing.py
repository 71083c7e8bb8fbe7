"""Field values on Chinese business documents: names, Chinese numerals, money, dates and terms.

Pure functions over strings (SPEC.md §3). Nothing here touches OCR, disk or a database.

Every parser returns None rather than a guess when its input does not read as one value: a
field that comes back None is reported as unreadable, and a wrong value would be compared
as if it had been read.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

# --- whitespace and width ---------------------------------------------------------------

# Horizontal whitespace only: line breaks separate fields and lines, so they are kept.
_HSPACE_RUN = re.compile(r"[^\S\r\n]+")

# FF01-FF5E are the full-width forms of ASCII 21-7E, each 0xFEE0 above it.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _is_cjk(ch: str) -> bool:
    """True for wide characters: Han, CJK punctuation and the full-width forms.

    East Asian Width says it in one lookup and covers all the blocks (Han extensions,
    compatibility ideographs, CJK symbols) a list of ranges would have to spell out.
    """
    return unicodedata.east_asian_width(ch) in ("W", "F")


def strip_cjk_spaces(text: str) -> str:
    """Remove the spaces tesseract chi_sim puts around Han characters.

    `杭 州 星 澜` → `杭州星澜`, `2015 年 03 月` → `2015年03月`. A run of spaces goes when the
    character on either side is CJK; between Latin words and numbers (`ISO 9001`) it stays,
    and so do line breaks.
    """

    def join(match: re.Match[str]) -> str:
        start, end = match.span()
        if start == 0 or end == len(text):
            return match.group()
        if _is_cjk(text[start - 1]) or _is_cjk(text[end]):
            return ""
        return match.group()

    return _HSPACE_RUN.sub(join, text)


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (`２０１５`, `（`, `Ａ`) to ASCII and the ideographic space to a space,
    so that one pattern reads figures, codes and brackets typed either way."""
    return text.translate(_HALFWIDTH)


# Letters a recogniser reads for plain ones (Í for 1 or I, Ø or θ for 0): its charset holds
# Latin-1 and Greek, and nothing on a Chinese registration form carries a diacritic or is
# Greek. Ø and the Greek letters have no decomposition to strip, so they are listed.
_LOOKALIKES = {"Ø": "O", "ø": "o", "Ð": "D", "Đ": "D", "Ł": "L", "ł": "l"} | dict(
    zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧΘθοικνρτυχ", "ABEZHIKMNOPTYXOOoiknptux", strict=True)
)


def fold_lookalike_letters(text: str) -> str:
    """Latin letters with diacritics (U+00C0-U+024F) turned into their base letter, and Greek
    letters into the Latin ones they look like: `Í` → `I`, `Ø` → `O`, `θ` → `O`; everything
    else as it is."""
    def base(ch: str) -> str:
        if ch in _LOOKALIKES:
            return _LOOKALIKES[ch]
        if not "\u00c0" <= ch <= "\u024f":
            return ch
        plain = unicodedata.normalize("NFKD", ch)[0]
        return plain if plain.isascii() else ch

    return "".join(base(ch) for ch in text)


def _compact(text: str) -> str:
    """Half-width with every whitespace removed: the form every value parser reads.

    OCR spaces inside a value (`2015 年 3 月`, `500 万元`) carry no meaning.
    """
    return "".join(to_halfwidth(text).split())


# --- customer names ---------------------------------------------------------------------

# Longest first: at one position the regex takes the first alternative that matches.
COMPANY_FORMS = ("股份有限公司", "集团有限公司", "有限责任公司", "有限公司")
_COMPANY_FORM = re.compile("|".join(COMPANY_FORMS))


def normalise_name(name: str) -> str:
    """A customer name in the form two readings of it are compared in (SPEC.md §3).

    NFKC folds width (`（` → `(`, `［` → `[`, full-width letters and digits) and the
    compatibility ideographs OCR sometimes returns for ordinary Han; `【】` have no narrow
    form and stay. Whitespace goes entirely, and so does trailing punctuation OCR picks up
    from the line (`。`, `，`, `:`), but not a closing bracket, which belongs to names like
    `…分公司(营业部)`. The company form is left as written: 有限责任公司 and 有限公司 are
    different names (see `company_form_difference`).
    """
    folded = "".join(unicodedata.normalize("NFKC", name).split())
    end = len(folded)
    while end and unicodedata.category(folded[end - 1]) in ("Po", "Pd", "Ps", "Pi", "Pf"):
        end -= 1
    return folded[:end]


def name_keys(name: str) -> set[str]:
    """Blocking keys of a customer name: the two-character pieces of its normalised form,
    upper-cased, brackets and their width dropped. A one-character misreading spoils at
    most two of them, so a name read with an error still shares most keys with the right
    customer. Pieces every name has (有限, 公司) are in the keys too: a lookup ignores keys
    too common to discriminate (`CatalogueDirectory.name_candidates`)."""
    flat = "".join(c for c in normalise_name(name).upper() if c not in "()[]【】")
    if len(flat) < 2:
        return {flat} if flat else set()
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def company_form_difference(a: str, b: str) -> str | None:
    """`"有限责任公司 vs 有限公司"` when two names differ only in their company form, else None.

    SPEC.md §3 treats that difference as real but minor, so it is reported on its own rather
    than as a name mismatch. The form may be followed by more (`…有限公司杭州分公司`); the
    last form in each name is the one compared. None also when the names are equal, or when
    one has no form at all (that is an abbreviation, a mismatch of its own).
    """
    a, b = normalise_name(a), normalise_name(b)
    forms_a = list(_COMPANY_FORM.finditer(a))
    forms_b = list(_COMPANY_FORM.finditer(b))
    if not forms_a or not forms_b:
        return None
    ma, mb = forms_a[-1], forms_b[-1]
    if ma.group() == mb.group():
        return None
    if a[: ma.start()] != b[: mb.start()] or a[ma.end() :] != b[mb.end() :]:
        return None
    return f"{ma.group()} vs {mb.group()}"


# --- Chinese numerals -------------------------------------------------------------------

_DIGITS = {
    **dict.fromkeys("零〇", 0),
    **dict.fromkeys("壹一", 1),
    **dict.fromkeys("贰貳貮二两兩", 2),
    **dict.fromkeys("叁叄參参三", 3),
    **dict.fromkeys("肆四", 4),
    **dict.fromkeys("伍五", 5),
    **dict.fromkeys("陆陸六", 6),
    **dict.fromkeys("柒七", 7),
    **dict.fromkeys("捌八", 8),
    **dict.fromkeys("玖九", 9),
}
_SMALL_UNITS = {**dict.fromkeys("拾十", 10), **dict.fromkeys("佰百", 100), **dict.fromkeys("仟千", 1000)}
_WAN, _YI = 10**4, 10**8
_BIG_UNITS = {**dict.fromkeys("万萬", _WAN), **dict.fromkeys("亿億", _YI)}
_NUMERAL = "".join(_DIGITS) + "".join(_SMALL_UNITS) + "".join(_BIG_UNITS)


def parse_chinese_number(text: str) -> int | None:
    """The integer a Chinese numeral writes, financial (壹贰叁…拾佰仟) or plain (一二三…十百千).

    `伍佰万` → 5000000, `壹拾贰万叁仟` → 123000, `一千零五` → 1005, `十二` → 12,
    `贰亿零伍拾万` → 200500000, `一万亿` → 10**12. A string of digits alone is read place by
    place, as years are written (`二〇一五` → 2015). Spaces are ignored.

    None for anything that is not one well-formed numeral: units out of order (`十百`), two
    digits in a row, an empty group before 万 or 亿, and a trailing digit after a unit above
    拾 with no 零 between (`一百五`, `壹拾贰万叁`): colloquially that means 150 and 125000,
    but on a document it is as likely a unit lost to OCR, and guessing either way could make
    a figure and its 大写 agree when they do not.
    """
    s = "".join(text.split())
    if not s or any(c not in _NUMERAL for c in s):
        return None
    if all(c in _DIGITS for c in s):
        return int("".join(str(_DIGITS[c]) for c in s))

    total = 0  # the part above 亿, already multiplied out
    section = 0  # the 万 part of the current 亿 section, already multiplied out
    group = 0  # the current group of 千佰拾个 below 万
    group_unit = _WAN  # units within a group must strictly descend
    digit: int | None = None  # a digit waiting for its unit
    bare_ok = True  # whether a digit here, if no unit follows, is a genuine ones digit
    digit_bare_ok = True  # bare_ok as it was when `digit` was read

    def close_group() -> int | None:
        if digit is not None and not digit_bare_ok:
            return None
        return group + (digit or 0)

    for c in s:
        if c in _DIGITS and _DIGITS[c] == 0:
            if digit is not None:
                return None
            bare_ok = True
        elif c in _DIGITS:
            if digit is not None:
                return None
            digit, digit_bare_ok = _DIGITS[c], bare_ok
        elif c in _SMALL_UNITS:
            unit = _SMALL_UNITS[c]
            if digit is None:
                # 十 may open a number or follow 零 with its 一 left out (十二, 一千零十).
                if unit != 10 or not bare_ok:
                    return None
                digit = 1
            if unit >= group_unit:
                return None
            group += digit * unit
            group_unit, digit, bare_ok = unit, None, unit == 10
        else:
            value = close_group()
            if value is None:
                return None
            if _BIG_UNITS[c] == _WAN:
                if section or not value:
                    return None
                section = value * _WAN
            else:
                # The section before 亿 may itself hold 万 (一万亿); it must not be empty.
                if total or not section + value:
                    return None
                total, section = (section + value) * _YI, 0
            group, group_unit, digit, bare_ok = 0, _WAN, None, False
    value = close_group()
    if value is None:
        return None
    return total + section + value


# --- money ------------------------------------------------------------------------------

# Written before or after the amount; `¥` is the yuan sign on Chinese documents. Checked in
# order: `$` comes after `US$` and `HK$`, which end with it.
_CURRENCY_TOKENS = (
    ("人民币", "CNY"),
    ("RMB", "CNY"),
    ("CNY", "CNY"),
    ("¥", "CNY"),
    ("￥", "CNY"),
    ("美元", "USD"),
    ("美金", "USD"),
    ("USD", "USD"),
    ("US$", "USD"),
    ("港元", "HKD"),
    ("港币", "HKD"),
    ("HKD", "HKD"),
    ("HK$", "HKD"),
    ("欧元", "EUR"),
    ("EUR", "EUR"),
    ("€", "EUR"),
    ("日元", "JPY"),
    ("JPY", "JPY"),
    ("英镑", "GBP"),
    ("GBP", "GBP"),
    ("£", "GBP"),
    ("$", "USD"),
)

_FIGURE = re.compile(
    r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?(?P<mult>[万亿])?[元圆]?[整正]?"
)
_ONE_DIGIT = "".join(_DIGITS)
# 大写: yuan, then 角 and 分. 零 may come before 角 or 分 (元零伍分, and optionally 元零伍角
# where the yuan end in zero); 整 closes whole yuan and may follow 角.
_DAXIE = re.compile(
    rf"(?:(?P<yuan>[{_NUMERAL}]+)[元圆])?"
    rf"(?:零?(?P<jiao>[{_ONE_DIGIT}])角)?"
    rf"(?:零?(?P<fen>[{_ONE_DIGIT}])分)?[整正]?"
)
_MULTIPLIERS = {"万": _WAN, "亿": _YI}


def _strip_currency(s: str) -> tuple[str, str | None] | None:
    """`s` without its currency words, and the currency they name (None if none).

    None when a prefix and a suffix name different currencies.
    """
    found: set[str] = set()
    for token, code in _CURRENCY_TOKENS:
        if s.startswith(token):
            s = s[len(token) :]
            found.add(code)
            break
    for token, code in _CURRENCY_TOKENS:
        if s.endswith(token):
            s = s[: -len(token)]
            found.add(code)
            break
    if len(found) > 1:
        return None
    return s, (found.pop() if found else None)


def _parse_daxie(s: str) -> Decimal | None:
    """An amount in 大写, currency words already stripped: yuan, 角 and 分, or a bare numeral."""
    m = _DAXIE.fullmatch(s)
    if m and any(m.group(g) for g in ("yuan", "jiao", "fen")):
        yuan = parse_chinese_number(m.group("yuan")) if m.group("yuan") else 0
        if yuan is None:
            return None
        jiao = _DIGITS[m.group("jiao")] if m.group("jiao") else 0
        fen = _DIGITS[m.group("fen")] if m.group("fen") else 0
        if not (m.group("jiao") or m.group("fen")):
            return Decimal(yuan)
        return Decimal(yuan * 100 + jiao * 10 + fen).scaleb(-2)
    # A numeral with no 元 at all: `伍佰万`, as 注册资本 is sometimes printed.
    bare = parse_chinese_number(s[:-1] if s.endswith(("整", "正")) else s)
    return None if bare is None else Decimal(bare)


def parse_money_currency(text: str) -> tuple[Decimal, str] | None:
    """An amount and its ISO currency code, from figures or from 大写.

    `伍佰万元整`, `人民币伍佰万元整`, `500万元人民币`, `500.5万元`, `¥123,000.00`,
    `人民币壹拾贰万叁仟元整`, `壹万元伍角`, `100万美元` (→ USD). Figures take 万 or 亿 as a
    multiplier; 大写 takes 角 and 分. With no currency written the amount is in yuan (CNY), as
    on every Chinese document. None when the text is not one amount.
    """
    s = _compact(text)
    stripped = _strip_currency(s)
    if stripped is None:
        return None
    s, currency = stripped
    if not s:
        return None
    if s[0].isascii() and s[0].isdigit():
        m = _FIGURE.fullmatch(s)
        if not m:
            return None
        figure = m.group("int").replace(",", "")
        amount = Decimal(f"{figure}.{m.group('frac')}" if m.group("frac") else figure)
        if m.group("mult"):
            amount *= _MULTIPLIERS[m.group("mult")]
    else:
        amount = _parse_daxie(s)
        if amount is None:
            return None
    return amount, currency or "CNY"


def parse_money(text: str) -> Decimal | None:
    """The amount `parse_money_currency` reads, without its currency."""
    parsed = parse_money_currency(text)
    return None if parsed is None else parsed[0]


_DAXIE_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_DAXIE_UNITS = ((1000, "仟"), (100, "佰"), (10, "拾"), (1, ""))


def _group_words(n: int) -> str:
    """1 <= n < 10000 in 大写, without leading 零: one 零 stands for any run of zeros
    between two non-zero digits, none for trailing zeros."""
    words = []
    pending_zero = False
    for unit, name in _DAXIE_UNITS:
        d = n // unit % 10
        if d == 0:
            pending_zero = bool(words)
            continue
        if pending_zero:
            words.append("零")
            pending_zero = False
        words.append(_DAXIE_DIGITS[d] + name)
    return "".join(words)


def _integer_words(n: int) -> str:
    """1 <= n < 10**16 in 大写. A lower part that does not fill its places gets one 零
    (`贰亿零伍拾万`, `壹拾万零壹拾`); above 亿 the section is itself written with 万 (`壹万亿`)."""
    for big, name, top in ((_YI, "亿", 10**7), (_WAN, "万", 1000)):
        if n >= big:
            high, low = divmod(n, big)
            head = _integer_words(high) + name
            if low == 0:
                return head
            return head + ("零" if low < top else "") + _integer_words(low)
    return _group_words(n)


def amount_in_words(n: Decimal) -> str:
    """The standard 大写 of an amount in yuan, for comparing a contract's figures with its words.

    `123000` → `壹拾贰万叁仟元整`, `1005.50` → `壹仟零伍元伍角`, `1.05` → `壹元零伍分`,
    `200500000` → `贰亿零伍拾万元整`, `0.5` → `伍角`. Follows the usual bank rules: 拾 always
    carries its digit (`壹拾`), 整 only after whole yuan, 零 between 元 and 分 when there are
    no 角, and the optional 零 between 元 and 角 left out.

    ValueError for a negative amount, one below the 分, or one of 10**16 yuan or more: none
    has a 大写 form, and rounding would hide the very disagreement this is used to find.
    """
    if not n.is_finite() or n < 0 or n >= 10**16:
        raise ValueError(f"no 大写 form for {n}")
    cents = n * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"no 大写 form for {n}: finer than 分")
    yuan, rest = divmod(int(cents), 100)
    jiao, fen = divmod(rest, 10)
    words = _integer_words(yuan) + "元" if yuan else ""
    if not jiao and not fen:
        return (words or "零元") + "整"
    if jiao:
        words += _DAXIE_DIGITS[jiao] + "角"
    elif yuan:
        words += "零"
    if fen:
        words += _DAXIE_DIGITS[fen] + "分"
    return words


# --- dates and terms --------------------------------------------------------------------

# 曰 is what OCR often reads 日 as; 号 is the spoken form some forms print.
_DAY_MARK = "[日曰号]?"
_DATE_PATTERNS = (
    re.compile(rf"(?P<y>\d{{4}})年(?P<m>\d{{1,2}})月(?P<d>\d{{1,2}}){_DAY_MARK}"),
    re.compile(r"(?P<y>\d{4})(?P<sep>[./-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
    # 二〇一五年三月十二日, as contracts and letters date their signatures.
    re.compile(
        r"(?P<y>[〇零一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月"
        rf"(?P<d>[一二三四五六七八九十]{{1,3}}){_DAY_MARK}"
    ),
)


def _date_part(s: str) -> int | None:
    return int(s) if s.isascii() else parse_chinese_number(s)


def parse_date(text: str) -> dt.date | None:
    """A date as licences, IDs and contracts print it.

    `2015年03月12日`, `2015年3月12日`, `2015.03.12`, `2015-03-12`, `2015/3/12`, `20150312`,
    `二〇一五年三月十二日`, with OCR spaces and full-width digits tolerated. None when the text
    is not one date or the date does not exist (`2015-02-30`).
    """
    s = _compact(text)
    for pattern in _DATE_PATTERNS:
        m = pattern.fullmatch(s)
        if m:
            year, month, day = (_date_part(m.group(g)) for g in ("y", "m", "d"))
            if year is None or month is None or day is None:
                return None
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


@dataclass(frozen=True)
class Term:
    """A period of validity: 营业期限 on a licence, 有效期限 on an ID card.

    `long_term` is 长期: there is no end date. `start` is None only for a bare `长期`.
    """

    start: dt.date | None
    end: dt.date | None
    long_term: bool


_LONG_TERM = ("长期", "永久", "无固定期限")
# 至 or a dash run (`——` is the usual Chinese dash); `-` also separates ISO date parts, so
# each separator is tried in turn and the one that leaves a date on both sides is taken.
# `～` needs no place here: it is full-width `~` and has been folded to it.
_TERM_SEPARATOR = re.compile(r"至|[-—–―〜~]+")


def parse_term(text: str) -> Term | None:
    """A validity period: `2015年03月12日至2035年03月11日`, `2015年03月12日至长期`, `长期`,
    `2015.03.12-2035.03.12`, `2015.03.12-长期`, also written `自…起至…止`.

    None when the text is not one period, or when its end comes before its start (a misread
    date, which must not pass for a current or an expired term).
    """
    s = _compact(text)
    if s in _LONG_TERM:
        return Term(None, None, True)
    s = s.removeprefix("自").removesuffix("止")
    for word in _LONG_TERM:
        # Its separator lost (2007.09.24长期): a start and the word for no end.
        if s.endswith(word) and len(s) > len(word) and (start := parse_date(s[: -len(word)])) is not None:
            return Term(start, None, True)
    for m in _TERM_SEPARATOR.finditer(s):
        start = parse_date(s[: m.start()].removesuffix("起"))
        right = s[m.end() :]
        if start is None:
            continue
        if right in _LONG_TERM:
            return Term(start, None, True)
        end = parse_date(right)
        if end is not None:
            return Term(start, end, False) if end >= start else None
    return None


# A resident ID card is valid for 5, 10 or 20 years from its issue, or for good (居民身份证法
# §5): its period ends on the day and month it starts.
ID_CARD_YEARS = (5, 10, 20)
_ARABIC_DIGIT = re.compile(r"\d")


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def parse_id_card_term(text: str) -> Term | None:
    """An ID card's validity (`parse_term`). When the start was misread but the end was
    not (2011,092-2031.09.02: a dot and a 0 lost), the start is the end's day and month
    in the year read, if that year is 5, 10 or 20 years before the end and the start's
    other digits are the end's month and day with some lost (never others). None
    otherwise: the day is not guessed from anything but the end."""
    term = parse_term(text)
    if term is not None:
        return term
    s = _compact(text)
    for m in _TERM_SEPARATOR.finditer(s):
        end = parse_date(s[m.end() :])
        digits = "".join(_ARABIC_DIGIT.findall(s[: m.start()]))
        if end is None or len(digits) < 7:  # a year and three of the four digits after it
            continue
        year, rest = int(digits[:4]), digits[4:]
        if end.year - year in ID_CARD_YEARS and _is_subsequence(rest, f"{end.month:02d}{end.day:02d}"):
            try:
                return Term(end.replace(year=year), end, False)
            except ValueError:  # 29 February
                return None
    return None


# An archive number (SPEC.md §4): <年份>-<部门代码>-<客户序号>, the sequence three digits at
# least; ARCHIVE_NO_CUT is one read with a shorter sequence (its end lost).
_YEAR_AND_DEPARTMENT = r"^(\d{4})-([A-Z][A-Z0-9]{0,19})-"
ARCHIVE_NO = re.compile(_YEAR_AND_DEPARTMENT + r"(\d{3,})$")
ARCHIVE_NO_CUT = re.compile(_YEAR_AND_DEPARTMENT + r"\d{0,2}$")


# The 56 nationalities (民族) an ID card may print, as it prints them (GB 3304, without 族).
ETHNIC_GROUPS = frozenset(
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 水 "
    "东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 乌孜别克 "
    "俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺".split()
)


def ethnic_group(value: str) -> str:
    """The nationality `value` opens with, the longest that fits (土家 before 土), with 族
    and what follows dropped: what an ID card prints after 民族 is one of a closed list, so
    text after it on the row is a neighbour's (a seal's legend read on: 汉工化传媒).
    `value` as it is when it opens with none."""
    for k in range(min(4, len(value)), 0, -1):
        if value[:k] in ETHNIC_GROUPS:
            return value[:k]
    return value


@functools.cache
def word_list(filename: str) -> frozenset[str]:
    """The words of a list kept beside this module, one a line, `#` lines its notes."""
    text = Path(__file__).with_name(filename).read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def place_names() -> frozenset[str]:
    """Provinces and prefecture- and county-level cities (places.txt, GB/T 2260), without
    省/市."""
    return word_list("places.txt")


def opens_with_place(name: str) -> bool:
    """Does `name` open with a real place's name (广州立达…, 齐齐哈尔…)? Such a place was
    read as printed, whatever other city the page names (a contract's court in 杭州)."""
    return any(name[:k] in place_names() for k in (2, 3, 4))


def without_place(name: str) -> str:
    """`name` without the places it opens with, if any (the longest each time, and the
    省/市/区/县 after it: 黑龙江省哈尔滨市星澜… → 星澜…)."""
    while True:
        k = next((k for k in (4, 3, 2) if name[:k] in place_names()), 0)
        if not k:
            return name
        name = name[k:]
        if name[:1] in ("省", "市", "区", "县"):
            name = name[1:]
