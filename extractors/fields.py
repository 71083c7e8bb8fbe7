"""Field extraction: from the lines of a page to typed, checked fields.

Layout first: lines are grouped into rows by their vertical position, a label is found in
a row, and its value is what follows it in that row up to the next label (or the row
below, or the rows a long address wraps onto). The per-type labels are data
(doc_types.toml); this module knows only how values of each *kind* are parsed and checked.

Pure: takes OCR results, returns records. No engine, disk or clock (`today` is passed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from statistics import median
from typing import Any

from rapidfuzz.distance import LCSseq, Levenshtein

from .classify import classify_page, compact
from .codes import (
    PROVINCE_NAMES,
    SCORED_MARK,
    CodeReading,
    address_province,
    agreeing_repair,
    id_birth_date,
    id_sex,
    is_valid_registration_no,
    mask_id_number,
    read_id_number,
    read_uscc,
    repair_from_choices,
    repair_from_likelihood,
    repair_from_other_readings,
    uscc_org_code_ok,
)
from .parsing import (
    ARCHIVE_NO_CUT,
    Term,
    ethnic_group,
    fold_lookalike_letters,
    parse_date,
    parse_id_card_term,
    parse_money,
    opens_with_place,
    parse_term,
    word_list,
)
from .records import Box, Check, Extraction, Field, OcrLine, OcrResult, PageText
from .templates import UNKNOWN, DocType, FieldSpec, doc_types

# A term field is printed as one value but is two fields in the output.
TERM_FIELDS = {"term": ("term_start", "term_end"), "validity": ("valid_from", "valid_to")}
_LABEL_NOTE = re.compile(r"^[（(〈<][\u4e00-\u9fff]{1,10}[)）〉>]")
# A closing bracket too: 供应方（乙方）：… found by its label 乙方 leaves ）： before the value.
_LEADING_JUNK = re.compile(r"^[\s:：;；,，.。、|_\-—\[\]「」『』“”‘’\"'`·．－)）】]+")
_TRAILING_JUNK = re.compile(r"[\s:：;；,，.。、|_\-—]+$")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff·]{2,}")
_ONLY_A_DATE = re.compile(r"^\d{2,4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日?$")
_CODE_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-_/（）()]{3,}")
_SEAL_NOTE = re.compile(r"[（(]?\s*(盖章|公章|签字|签章|签名)\s*[)）]?")
# The same note right after a party's label, one character misread or a bracket lost
# (甲方盖草）, 乙方（盖章): 盖 or 签 and one more character, closed by a bracket, a colon or
# the end. Only ever matched at the start of what follows a label: a name holds no such note.
# The opening bracket may be read as a Han character (甲方子盖章)), when the bracket closes it.
_SEAL_NOTE_AFTER_LABEL = re.compile(
    r"^(?:[（(]|[\u4e00-\u9fff](?=[盖签][\u4e00-\u9fff]?\s*[)）]))?\s*[盖签][\u4e00-\u9fff]?\s*(?:[)）]\s*[:：]?|[:：]|$)"
)
# The note with the seal's ink read inside its brackets (甲方（盖章点品有）: the legend's
# 食品有 misread): all of it up to the closing bracket is the note.
_NOTE_READ_INTO_SEAL = re.compile(r"^[（(]\s*(?:盖章|公章|签字|签章|签名)[^（()）:：]{1,8}[)）]")
# The note read on into the seal stamped over it, as one bracketed piece (乙方（盖意物流股
# 价化）): no name opens with a bracket and 盖 or 签, so nothing of a name is on that line.
_SEAL_NOTE_INTO_LEGEND = re.compile(r"^[（(]\s*[盖签]")
# The role printed after 甲方/乙方: 甲方（采购方）：… OCR reads the bracket as 〈 or <.
_PARTY_ROLE = re.compile(r"^[（(〈<《\[]?[\u4e00-\u9fff]{1,5}方[)）〉>》\]]?[:：]?")
# A date with OCR damage in its separators (月 read as 目 or 昌): four digits, one
# character, one or two digits, one character, one or two digits. A Latin letter is never
# taken for a separator: in `2024年1O月` it is a misread digit, and skipping it would turn
# October into January.
_LENIENT_DATE = re.compile(r"(?<!\d)(\d{4})[^\dA-Za-z](\d{1,2})[^\dA-Za-z](\d{1,2})(?!\d)")
# Characters read in place of a financial numeral (大写) and that can be nothing else in an
# amount: 什 is never a numeral, 仟 is (tesseract's; RapidOCR's under a seal or in blur:
# 陆任 for 陆仟, 贰拾玖方 for 贰拾玖万).
_MONEY_MISREADS = str.maketrans({"什": "仟", "伯": "佰", "阡": "仟", "陌": "佰", "任": "仟", "方": "万"})


@dataclass(frozen=True)
class Row:
    lines: tuple[OcrLine, ...]  # left to right

    @property
    def text(self) -> str:
        return compact("".join(line.text for line in self.lines))

    @property
    def box(self) -> Box:
        box = self.lines[0].box
        for line in self.lines[1:]:
            box = box.union(line.box)
        return box

    @property
    def conf(self) -> float:
        return min(line.conf for line in self.lines)

    @property
    def alternatives(self) -> tuple[str, ...]:
        return tuple(a for line in self.lines for a in line.alternatives)

    def spans(self) -> Iterator[tuple[OcrLine, int, int]]:
        """Each line with where its compact text starts and ends in the row's `text`."""
        offset = 0
        for line in self.lines:
            end = offset + len(compact(line.text))
            yield line, offset, end
            offset = end


def group_rows(lines: tuple[OcrLine, ...]) -> list[Row]:
    """Lines whose vertical centres are within half a line height are one row: a label and
    its value are often read as separate lines when a wide gap separates them."""
    if not lines:
        return []
    height = median(max(1, ln.box.h) for ln in lines)
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda ln: ln.box.cy):
        if rows and abs(line.box.cy - median(ln.box.cy for ln in rows[-1])) <= height * 0.5:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [Row(_without_seam_repeats(sorted(r, key=lambda ln: ln.box.x))) for r in rows]


def _without_seam_repeats(lines: list[OcrLine]) -> tuple[OcrLine, ...]:
    """A row's lines, left to right, with the characters a line repeats of its left
    neighbour's end dropped where the two boxes overlap: the detector sometimes boxes a
    line in two overlapping pieces and both read the glyph they share (委托方 |
    方（甲方）：…, 传媒有 | 有 | 公司 under a seal). Only as many characters as the overlap
    can hold (at least one) are taken for a repeat, so a name's own doubled characters
    (安安) in boxes that merely touch are left alone."""
    out: list[OcrLine] = []
    for line in lines:
        if out:
            left = out[-1]
            overlap = left.box.right - line.box.x
            if overlap > 0:
                repeat = _seam_repeat(compact(left.text), compact(line.text), 1 + overlap // max(1, line.box.h))
                if repeat == len(compact(line.text)):
                    continue  # the whole piece is its neighbour's end, read again
                if repeat:
                    line = replace(line, text=compact(line.text)[repeat:])
                elif overlap > OVERPRINT_SHARE * min(left.box.w, line.box.w) and min(left.conf, line.conf) < OVERPRINT_CONF:
                    # Two lines of print never share their columns on one row: the one
                    # read with doubt is a seal's legend read over the other.
                    if line.conf < left.conf:
                        continue
                    out[-1] = line
                    continue
        out.append(line)
    return tuple(out)


# A line lying over OVERPRINT_SHARE of its row neighbour's width (or the neighbour over
# its), one of the two read under OVERPRINT_CONF, is a seal's legend read on the row of the
# print it is stamped over (住址四川省成都市武侯区高新 with 原医安舞 at 0.56 over its end).
OVERPRINT_SHARE, OVERPRINT_CONF = 0.5, 0.7


def _seam_repeat(left: str, right: str, most: int) -> int:
    """How many characters (up to `most`) `right` begins with that `left` ends with."""
    for n in range(min(most, len(left), len(right)), 0, -1):
        if left.endswith(right[:n]):
            return n
    return 0


@dataclass(frozen=True)
class _Hit:
    row: int
    start: int  # label's position in the row's compact text
    end: int


def _find_label(rows: list[Row], labels: tuple[str, ...]) -> _Hit | None:
    """The first row (top to bottom) holding one of the labels; a label that begins its
    row wins over one found inside running text."""
    return next(iter(_label_hits(rows, labels)), None)


def _label_hits(rows: list[Row], labels: tuple[str, ...], others: tuple[str, ...] = ()) -> list[_Hit]:
    """Every row holding one of the labels, at most one hit per row, in this order (top to
    bottom within each): labels set off from what follows (a colon, a bracketed note and a
    colon, a gap, or nothing after them) at the start of a row, then set off inside a row
    (供应方（乙方）：…), then the rest at the start of a row (名称大连… read as one piece),
    then the rest inside running text. A label word opening a sentence (乙方应于…) is
    thereby tried after the real field. A label inside a longer one of `others` (授权人 in
    被授权人, another field's) is that one's, not a hit."""
    tiers: list[list[_Hit]] = [[], [], [], []]
    # Longest first: 法定代表人姓名 must not be read as 法定代表人 followed by a value 姓名….
    labels = tuple(sorted(labels, key=len, reverse=True))
    longer = tuple(o for o in others if o not in labels)
    for i, row in enumerate(rows):
        text = row.text
        found = [(pos, label) for label in labels if (pos := _free_find(text, label, longer)) >= 0]
        if not found:
            continue
        at_start = [label for pos, label in found if pos == 0]
        pos, label = (0, at_start[0]) if at_start else min(found)
        hit = _Hit(i, pos, pos + len(label))
        tiers[(0 if at_start else 1) + (0 if _set_off(row, hit.end, hit.start) else 2)].append(hit)
    return [h for tier in tiers for h in tier]


def _free_find(text: str, label: str, longer: tuple[str, ...]) -> int:
    """Where `label` first stands in `text` not inside one of the `longer` labels; -1 if
    nowhere."""
    pos = text.find(label)
    while pos >= 0:
        # A longer label starting where it would cover this one's span.
        inside = any(
            text.startswith(o, start)
            for o in longer if len(o) > len(label)
            for start in range(max(0, pos + len(label) - len(o)), pos + 1)
        )
        if not inside:
            return pos
        pos = text.find(label, pos + 1)
    return -1


# After a label: a colon, maybe after a bracketed note (甲方（盖章）：) or after the end of
# a bracket the label sits in (供应方（乙方）：).
_SEPARATOR = re.compile(r"^(?:[（(〈<][\u4e00-\u9fff]{1,6}[)）〉>]|[)）〉>])?\s*[:：]")
# A label in brackets after its role (托运方（甲方）苏州…): the closing bracket sets it off
# though no colon follows.
_IN_BRACKETS = re.compile(r"[（(〈<]$")


def _set_off(row: Row, end: int, start: int) -> bool:
    """Is the label at `start`:`end` of the row's text followed by a separator, by the
    closing bracket it sits in, by the end of one of the row's lines (a gap), or by
    nothing?"""
    rest = row.text[end:]
    if not rest or _SEPARATOR.match(rest):
        return True
    if rest[0] in ")）〉>" and _IN_BRACKETS.search(row.text[:start]):
        return True
    return any(line_end == end for _, _, line_end in row.spans())


# A label is tried at most this many places (a heading 合同金额 above the row 合同金额：¥…).
MAX_LABEL_TRIES = 3


def _char_x(row: Row, index: int) -> float:
    """Approximate x of the index-th character of a row's compact text, assuming the
    characters of a line are evenly spaced across its box."""
    for line in row.lines:
        text = compact(line.text)
        if index < len(text):
            return line.box.x + line.box.w * index / max(1, len(text))
        index -= len(text)
    return float(row.box.right)


# Once a value has started, a gap wider than this many line heights ends it: what follows
# is another column, or a stray mark (a seal's arc read as a character).
VALUE_GAP = 1.5


def _gap_cut(row: Row, start: int) -> int:
    """Index in the row's compact text where the value starting at `start` meets a wide gap."""
    h = median(max(1, ln.box.h) for ln in row.lines)
    started = False
    prev = None
    end = 0
    for line, begin, end in row.spans():
        if started and line.box.x - prev.box.right > VALUE_GAP * h:
            return begin
        if end > start:
            started = True
        prev = line
    return end


def _value_after(rows: list[Row], hit: _Hit, all_labels: list[str], spec: FieldSpec, lost: int = 0) -> tuple[str, list[Row]]:
    """The text after a label: to the next label on the row, else the row below; plus
    the continuation rows of a multi-line value, taken only from the value's own column
    (a two-column licence wraps its business scope beside the address). `lost` characters
    of the label are known to be gone from its start: its column began that much further
    left."""
    row = rows[hit.row]
    rest = row.text[hit.end :]
    cut = len(rest)
    for other in all_labels:
        if other in spec.labels:
            continue
        p = rest.find(other)
        # Another label straight after this one: this field's value was not read, and what
        # follows belongs to the next field.
        if p >= 0:
            cut = min(cut, p)
    # A short note in brackets right after the label (合同总价（小写）：, 甲方（盖章）：) belongs
    # to the label: the value starts after it, and so does the gap that may end the value.
    note = _LABEL_NOTE.match(rest)
    skip = note.end() if note and spec.kind != "company" else 0
    label_cut = cut
    lead = skip + _junk_len(rest[skip:])
    speck = _speck_len(row, hit.end + lead)
    if speck:
        lead += speck
        skip = lead
    cut = min(cut, _gap_cut(row, hit.end + lead) - hit.end)
    cut -= _speck_len_before(row, hit.end + cut, floor=hit.end + lead)
    used = [row]
    if spec.kind == "person" and _SIGNATURE_SLOT.match(rest[:cut]):
        # 法定代表人（签字或盖章）：: a place to sign, not a printed name; a row near it is
        # another person's (the agent's name above the agent's own slot).
        return "", used
    value = _LEADING_JUNK.sub("", rest[skip:cut])
    if spec.kind == "company":
        # 甲方（盖章）：: the seal note is the label's; is anything left after it? Not a
        # stray mark (a seal's edge read as 烂 or 心) nor the note misread (（盖彰）): the
        # name is then looked for below.
        if m := _NOTE_READ_INTO_SEAL.match(value):
            value = _LEADING_JUNK.sub("", value[m.end():])
        elif _SEAL_NOTE.match(value):
            value = _LEADING_JUNK.sub("", _SEAL_NOTE.sub("", value, count=1))
        elif m := _SEAL_NOTE_AFTER_LABEL.match(value):
            value = _LEADING_JUNK.sub("", value[m.end():])
        elif _SEAL_NOTE_INTO_LEGEND.match(value):
            value = ""
        elif value.startswith(("盖", "签")) and not _is_whole_org(value):
            # The same with its bracket lost too (甲方盖剧文化: 盖章 misread, the legend's
            # 文化 after it). A name may open with 盖 (盖州…), but then it is read whole.
            value = ""
        if len(value) <= 2 and cut < label_cut:
            # Nothing but the note, or a mark standing alone (a seal's speck read as 三),
            # between the label and a wide gap (授权单位（盖章）    润宏电子科技有限): the
            # name is what follows the gap, if it looks like one.
            after, end = _past_the_gap(row, hit, rest, cut, label_cut)
            if _looks_like_org(_TRAILING_JUNK.sub("", rest[after:end])):
                value, cut = rest[after:end], end
        if len(value) <= 2 or _ONLY_A_NOTE.match(value):
            value = ""
    if spec.kind == "code" and len(value) <= 2 and not _CODE_TOKEN.search(value) and cut < label_cut:
        # A seal's speck standing alone between the label and a wide gap (账号  二   5466…):
        # the number is what follows the gap.
        after, end = _past_the_gap(row, hit, rest, cut, label_cut)
        if _CODE_TOKEN.match(rest[after:end]):
            value, cut = rest[after:end], end
    if spec.kind in ("uscc", "id_number") and cut == len(rest):
        value += _wrapped_code_head(value, rows, hit.row)
    beside = None if value else _value_beside(rows, hit, all_labels, spec)
    under: list[OcrLine] = []
    under_text = ""
    # A piece of a name after the label (乙方（盖章）原医疗器械: the seal's legend, which
    # repeats the name, read into the label's line) while the whole name is printed below.
    piece = spec.kind == "company" and bool(value) and not _is_whole_org(value)
    if not value or piece:
        # Labels side by side (甲方（盖章）： … 乙方（盖章）：) with their values on the row
        # below: this label's value is the part of that row in this label's column (its
        # neighbour label may be lost under a seal, so the column's left edge counts too;
        # the neighbour's value starts about under it, a little left at times). A row of
        # stray marks between (a seal's edge read as 众) is passed over, once.
        label_line, _ = _line_at(row, hit.start)
        line_h = max(1, median(ln.box.h for ln in row.lines))
        col_start = label_line.box.x - (2 + lost) * line_h
        col_end = _next_label_x(row, label_line, all_labels) - line_h / 2
        done = _is_whole_org if spec.kind == "company" else (lambda text: True)
        for nxt in rows[hit.row + 1 : hit.row + 3]:
            if _has_label(nxt.text, all_labels):
                break
            mine = _contiguous([ln for ln in nxt.lines if col_start <= ln.box.x < col_end], line_h, done)
            text = _LEADING_JUNK.sub("", compact("".join(ln.text for ln in mine)))
            if mine and _could_be(spec, text) and (not piece or _is_whole_org(text) and _piece_of(value, text)):
                under, under_text = mine, text
                break
    if beside is not None and under and spec.kind == "company" and not _is_whole_org(compact(beside.text)) \
            and _is_whole_org(under_text):
        # A whole name below beats a piece of one beside (a seal's arc read as 医疗器成).
        beside = None
    if beside is not None:
        used.append(Row((beside,)))
        value = _LEADING_JUNK.sub("", compact(beside.text))
        col_start, col_end = beside.box.x, float("inf")
    elif under:
        used.append(Row(tuple(under)))
        value = under_text
    else:  # the value is on the label's row (or nothing was found: no column needed)
        col_start = _char_x(row, hit.end + (len(rest) - len(rest.lstrip(":：")) if rest else 0))
        col_end = _char_x(row, hit.end + cut) if cut < len(rest) else float("inf")
    if spec.multiline and value:
        line_h = max(1, median(ln.box.h for ln in row.lines))
        prev_bottom = used[-1].box.bottom
        label_x = _char_x(row, hit.start)
        start_row = next((i for i, r in enumerate(rows) if used[-1].lines[0] in r.lines), hit.row)
        for nxt in rows[start_row + 1 :]:
            if nxt.box.y - prev_bottom > line_h:
                break
            # A label at the start of the row, left of or in the value's column, means the
            # next field; a label in another column (right of this one) does not. Nor does
            # text in the labels' column that is no label this type knows (不动产单元号 under
            # 坐落 on a property certificate): a value never wraps back under its label.
            if any(_has_label(compact(ln.text), all_labels) for ln in nxt.lines if ln.box.x < col_end):
                break
            if any(label_x - line_h <= ln.box.x < col_start - line_h for ln in nxt.lines):
                break
            mine = [ln for ln in nxt.lines if col_start - line_h <= ln.box.x < col_end]
            if not mine:
                break
            # A seal's fleck read as a character on a row of its own between two lines of
            # the value (公 at 0.55, half the print's height) is no part of it.
            mine = [ln for ln in mine if not _is_speck(ln, 0, len(compact(ln.text)), line_h)]
            if not mine:
                continue
            value += "".join(compact(ln.text) for ln in mine)
            used.append(Row(tuple(mine)))
            prev_bottom = max(ln.box.bottom for ln in mine)
    return _TRAILING_JUNK.sub("", value), used


# A speck read as a character (a seal's dot or a smudge read 1 or 2): a line of one or
# two characters under this share of its row's text height. Print is never that small
# beside its label.
SPECK_HEIGHT = 0.5


# A single character the recogniser doubts (under DOUBTED_SPECK_CONF) is a speck up to
# DOUBTED_SPECK_HEIGHT of the row's text height: a seal's fleck between a label and its
# value read 电 at 0.56, 27 px beside 41 px print (909002 archive cover 18).
DOUBTED_SPECK_CONF, DOUBTED_SPECK_HEIGHT = 0.7, 0.7


def _past_the_gap(row: Row, hit: _Hit, rest: str, cut: int, label_cut: int) -> tuple[int, int]:
    """Where in `rest` (the row's text after the label at `hit`) the text after the wide
    gap at `cut` starts, stray marks skipped, and where it ends: at the next wide gap or
    the next label (`label_cut`)."""
    after = cut + _junk_len(rest[cut:])
    return after, min(label_cut, _gap_cut(row, hit.end + after) - hit.end)


def _is_speck(line: OcrLine, start: int, end: int, line_h: float) -> bool:
    """Is the line spanning `start`:`end` of its row's text a speck (SPECK_HEIGHT, or a
    doubted single character a little taller)?"""
    if end - start == 1 and line.conf < DOUBTED_SPECK_CONF and line.box.h < DOUBTED_SPECK_HEIGHT * line_h:
        return True
    return end - start <= 2 and line.box.h < SPECK_HEIGHT * line_h


def _text_height(row: Row) -> float:
    """The height of a row's text, specks are compared with: the median over its lines of
    two characters or more (two specks of one must not halve it), else over all."""
    text = [ln.box.h for ln in row.lines if len(compact(ln.text)) >= 2]
    return median(text or [ln.box.h for ln in row.lines])


def _speck_len(row: Row, at: int) -> int:
    """How many characters of speck lines (SPECK_HEIGHT) start at `at` in the row's text."""
    line_h = _text_height(row)
    n = 0
    for line, start, end in row.spans():
        if end <= at + n:
            continue
        if start != at + n or not _is_speck(line, start, end, line_h):
            break
        n += end - start
    return n


def _speck_len_before(row: Row, at: int, floor: int) -> int:
    """How many characters of speck lines (SPECK_HEIGHT) end at `at` in the row's text, not
    reaching back past `floor` (曹志 signed, then a seal's dot read 日 under it)."""
    line_h = _text_height(row)
    n = 0
    for line, start, end in reversed(list(row.spans())):
        if start >= at - n:
            continue
        if end != at - n or start < floor or not _is_speck(line, start, end, line_h):
            break
        n += end - start
    return n


def _junk_len(text: str) -> int:
    """How many characters of stray marks (`_LEADING_JUNK`) open `text`."""
    return len(text) - len(_LEADING_JUNK.sub("", text))


_ONLY_A_NOTE = re.compile(r"^[（(][^)）]{1,4}[)）]?$")
# A note after a person's label saying the value is signed there: （签字）, （签字或盖章）.
_SIGNATURE_NOTE = re.compile(r"^\s*[（(][^)）]{0,8}(?:签字|签名|签章|盖章)")
# The rest of a label's row when the label is a place to sign: （签字）：, （签字或盖章）.
_SIGNATURE_SLOT = re.compile(r"^\s*[（(][^)）]{0,8}(?:签字|签名|签章|盖章)[^)）]{0,8}[)）]?\s*[:：]?\s*$")


# A value printed beside its label but a little higher or lower (a photographed page not
# quite squared up, a form filled in off the line) is the nearest line to the label's
# right within this many line heights of the label's middle. Form rows are farther apart.
BESIDE_REACH = 0.9


def _value_beside(rows: list[Row], hit: _Hit, all_labels: list[str], spec: FieldSpec) -> OcrLine | None:
    """The line beside a label a little off its row, if one is there and could be this
    field's value: left of the next label on the label's row (甲方（盖章）： … 乙方（盖章）：
    side by side; what is beside the right one is not the left one's), and of the field's
    kind (a seal fragment read as 疗器 is not a company)."""
    row = rows[hit.row]
    label_line, _ = _line_at(row, hit.start)
    line_h = max(1, median(ln.box.h for ln in row.lines))
    label_right = _char_x(row, hit.end)
    # The neighbour's value starts about under its label, a little left at times (as for
    # the column below, `_value_after`).
    col_end = _next_label_x(row, label_line, all_labels) - line_h / 2
    near = [
        ln
        for r in rows[max(0, hit.row - 1) : hit.row + 2]
        if r is not row
        for ln in r.lines
        if label_right - line_h / 2 <= ln.box.x < col_end
        and abs(ln.box.cy - label_line.box.cy) <= BESIDE_REACH * line_h
        and not _has_label(compact(ln.text), all_labels)
        and not _follows_a_label(r, ln, all_labels)
        and _could_be(spec, _LEADING_JUNK.sub("", compact(ln.text)))
    ]
    return min(near, key=lambda ln: abs(ln.box.cy - label_line.box.cy), default=None)


def _follows_a_label(row: Row, line: OcrLine, all_labels: list[str]) -> bool:
    """Is `line` on its row after a label of its own (本次发证日期：2026年04月11日)? Then it is
    that label's value, though it lies as near another label's row (有效期至, just below).
    A label this type does not extract counts too: any text ending in a colon."""
    return any(ln.box.x < line.box.x and (_has_label(compact(ln.text), all_labels) or compact(ln.text).endswith((":", "：")))
               for ln in row.lines if ln is not line)


def _next_label_x(row: Row, label_line: OcrLine, all_labels: list[str]) -> float:
    """Where the next label right of `label_line` on its row starts (the neighbour
    column's), or infinity. A piece of the label's own note read apart (甲方 | （盖章）) is
    no label."""
    return min((ln.box.x for ln in row.lines if ln.box.x > label_line.box.x and _has_label(compact(ln.text), all_labels)),
               default=float("inf"))


def _could_be(spec: FieldSpec, text: str) -> bool:
    """Could `text`, found near a label rather than after it, be the field's value?"""
    if spec.kind == "company":
        return _looks_like_org(_SEAL_NOTE.sub("", text)) and not _SIGNING_WORDS.search(text)
    if spec.kind == "person":
        return bool(_HAN_RUN.search(text))
    return True


# Words of a signature block's own lines (法定代表人或授权代表（签字）, 签订日期): a row holding
# one is that block's next line, never the company's name.
_SIGNING_WORDS = re.compile(r"代表人|授权代表|签字|签名|签订日期")


def _is_whole_org(text: str) -> bool:
    """Does `text` end with a company form (a stray mark after it aside)?"""
    return _TRAILING_MARKS.sub("", text).endswith(_ORG_FORMS)


_TRAILING_MARKS = re.compile(r"[^\u4e00-\u9fff）)]+$")


def _contiguous(lines: list[OcrLine], line_h: float, complete) -> list[OcrLine]:
    """The lines of a value on a row of its own, left to right, up to the first gap wider
    than VALUE_GAP line heights once what comes before it is `complete` (a company name
    ends with its form): beyond is the next column's value, its label lost under a seal.
    A name a seal has split (有限责 … 责任公司) is not complete at its gap and goes on."""
    out: list[OcrLine] = []
    for ln in sorted(lines, key=lambda ln: ln.box.x):
        if out and ln.box.x - out[-1].box.right > VALUE_GAP * line_h:
            before = compact("".join(o.text for o in out))
            if complete(before) or (before.endswith(_FORM_STARTS) and not compact(ln.text).startswith(_FORM_ENDS)):
                # Whole, or its form begun (…科技有限) and what lies past the gap no end of a
                # form (南京通正物流有限, the next column's name): the value stops here.
                break
        out.append(ln)
    return out


# A company form's first characters, and how what ends a form begun with them begins.
_FORM_STARTS = ("有限", "有限责", "有限责任", "股份有", "股份有限", "有限公")
_FORM_ENDS = ("公", "司", "责任", "任公", "限公")


def _line_at(row: Row, index: int) -> tuple[OcrLine, OcrLine | None]:
    """The line of `row` holding the index-th character of its compact text, and the next
    line to its right (None if it is the last)."""
    for i, (line, _, end) in enumerate(row.spans()):
        if index < end:
            return line, row.lines[i + 1] if i + 1 < len(row.lines) else None
    return row.lines[-1], None


_CODE_TAIL = re.compile(r"[0-9A-Za-z]{1,17}$")
_CODE_HEAD = re.compile(r"^[0-9A-Za-z]{1,17}")


def _wrapped_code_head(value: str, rows: list[Row], at: int) -> str:
    """A code cut by the end of its line in running text (…统一社会信用代码：9135020 /
    3MA23XH2R33）…): the start of the next row, when the two make 18 characters."""
    tail = _CODE_TAIL.search(value)
    if tail is None or at + 1 >= len(rows):
        return ""
    head = _CODE_HEAD.match(rows[at + 1].text)
    if head is None or len(tail.group(0)) + len(head.group(0)) != 18:
        return ""
    return head.group(0)


def _piece_of(piece: str, whole: str) -> bool:
    """Are `piece`'s characters, all but one, found in order in `whole` (原医疗器械 in
    广州泰鑫医疗器械有限公司)?"""
    return len(piece) >= 2 and LCSseq.similarity(piece, whole) >= len(piece) - 1


def _has_label(text: str, labels: list[str]) -> bool:
    return any(text.startswith(label) for label in labels)


def _evidence(used: list[Row]) -> tuple[float, Box]:
    box = used[0].box
    for r in used[1:]:
        box = box.union(r.box)
    return min(r.conf for r in used), box


def _code_windows(text: str, reader) -> list[str]:
    """18-character candidates in a line: every run of exactly 18 alphanumerics, and for a
    run of 19-20 (a label character or a stray mark stuck to the code) its first or last 18
    when exactly one of the two validates as read. Windows are never slid along longer
    runs: one position in eleven passes an ID number's check by chance (OCR-FACTS.md)."""
    out = []
    for run in re.findall(r"[0-9A-Za-z]+", text):
        if len(run) == 18:
            out.append(run)
        elif 19 <= len(run) <= 20:
            ends = {run[:18].upper(), run[-18:].upper()}
            valid = [w for w in ends if reader(w).status == "valid"]
            if len(valid) == 1:
                out.append(valid[0])
    return out


def _code_field(raws: list[str], kind: str, page: int, conf: float, box: Box | None) -> Field | None:
    """From one or more readings of a code line: a run that validates as read; else a
    unique repair of impossible characters; else a repair two readings agree on; else
    one over a re-reading's runner-ups (`repair_from_choices`); else the code the
    recogniser's scores found likeliest (`repair_from_likelihood`); else unreadable,
    keeping the raw reading as evidence."""
    reader = read_uscc if kind == "uscc" else read_id_number
    scored = [raw for raw in raws if raw.startswith(SCORED_MARK)]
    raws = [raw for raw in raws if not raw.startswith(SCORED_MARK)]
    runs = [r.upper() for raw in raws for r in _code_windows(re.sub(r"[\s\-]", "", fold_lookalike_letters(raw)), reader)]
    readings: list[CodeReading] = [reader(r) for r in runs]
    for r in readings:
        if r.status == "valid":
            return Field(r.value, r.raw, round(conf, 3), page, box, "read")
    for r in readings:
        if r.status == "repaired":
            return Field(r.value, r.raw, round(min(conf, 0.9), 3), page, box, "repaired")
    agreed = (repair_from_other_readings(runs, kind) or agreeing_repair(runs, kind)
              or repair_from_choices(raws, kind)
              or repair_from_likelihood(scored, kind, raw=runs[0] if runs else None))
    if agreed is not None:
        return Field(agreed.value, agreed.raw, round(min(conf, 0.9), 3), page, box, "repaired")
    if readings:
        return Field(None, readings[0].raw, 0.0, page, box, "unreadable")
    return None


# A date's dot read as a comma or another mark between its digits (2008.10,02).
_MISREAD_DATE_DOT = re.compile(r"(?<=\d)[,，、·:：;；'](?=\d)")


def lenient_term(text: str, parse=parse_term) -> Term | None:
    """`parse` (`parse_term`), and failing that the same with a mark misread between a
    date's digits taken for its dot."""
    return parse(text) or parse(_MISREAD_DATE_DOT.sub(".", text))


def lenient_date(text: str) -> dt.date | None:
    """A date whose 年/月/日 were misread, if the digits make a real date.

    A zero-padded month or day means the whole date is padded: `2024年1昌03日` (where `0月`
    merged into 昌) is refused rather than read as January."""
    m = _LENIENT_DATE.search(text)
    if not m:
        return None
    month, day = m.group(2), m.group(3)
    padded = month.startswith("0") or day.startswith("0")
    if padded and (len(month) != 2 or len(day) != 2):
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _parse_value(spec: FieldSpec, value: str, page: int, conf: float, box: Box, alts: tuple[str, ...]) -> dict[str, Field]:
    def f(v, status="read", c=conf):
        return Field(v, value, round(c, 3), page, box, status)

    kind = spec.kind
    if kind in ("uscc", "id_number"):
        field = _code_field([value, *alts], kind, page, conf, box)
        return {spec.name: field} if field else {}
    if kind == "person":
        m = _HAN_RUN.search(value)
        if not m or m.group(0).startswith(_NOT_A_NAME):
            return {spec.name: f(None, "unreadable", 0.0)}
        name = _cut_at_field_word(m.group(0))
        return {spec.name: f(name[:4], "read" if len(name) <= 4 else "unreadable")}
    if kind == "sex":
        m = re.search("[男女]", value)
        return {spec.name: f(m.group(0) if m else None, "read" if m else "unreadable")}
    if kind == "company":
        name = _strip_party_role(value) if spec.name.startswith("party") else value
        # A name ends in Han text or a bracket (…有限公司, …（普通合伙）): a digit, letter or
        # mark after that is a speck read onto the line (有限司7), and would hide a form
        # one character off from its repair.
        name = _TRAILING_MARKS.sub("", _LEADING_JUNK.sub("", _SEAL_NOTE.sub("", name)))
        name = _LEADING_STRAY.sub("", name)
        name = _repair_company_form(_trim_after_org_form(name.replace("(", "（").replace(")", "）")))
        if name and not _looks_like_org(name):
            # A label word inside running text (乙方向甲方供应…): not this field's value.
            return {spec.name: f(None, "unreadable", 0.0)}
        return {spec.name: f(name)} if name else {}
    if kind == "date":
        d = parse_date(value) or lenient_date(value)
        return {spec.name: f(d.isoformat() if d else None, "read" if d else "unreadable")}
    if kind in ("term", "id_term"):
        start_key, end_key = TERM_FIELDS[spec.name]
        t = lenient_term(value, parse_id_card_term if kind == "id_term" else parse_term)
        if t is None:
            return {end_key: f(None, "unreadable", 0.0)}
        out = {}
        if t.start:
            out[start_key] = f(t.start.isoformat())
        out[end_key] = f("长期" if t.long_term else t.end.isoformat() if t.end else None)
        return out
    if kind == "money":
        value = normalise_money_text(value)
        amount = parse_money(value)
        if amount is None and (amount := parse_money(value.translate(_MONEY_MISREADS))) is not None:
            value = value.translate(_MONEY_MISREADS)  # what was printed, as the amount says
        num = None if amount is None else (int(amount) if amount == amount.to_integral() else float(amount))
        return {
            spec.name: f(num, "read" if amount is not None else "unreadable"),
            f"{spec.name}_text": f(value),
        }
    if kind == "registration_no":
        runs = re.findall(r"\d{15}", re.sub(r"[\s\-]", "", value))
        valid = [r for r in runs if is_valid_registration_no(r)]
        if valid:
            return {spec.name: f(valid[0])}
        return {spec.name: f(None, "unreadable", 0.0)} if runs else {}
    if kind == "code":
        m = _CODE_TOKEN.search(value)
        if m and spec.name == "archive_no" and ARCHIVE_NO_CUT.match(m.group(0)):
            # 2023-SALE-1 for 2023-SALE-144: a sequence has three digits at least, so
            # its end was lost (under a seal's edge), and a number one digit off would
            # file a bag under another customer.
            return {spec.name: f(None, "unreadable", 0.0)}
        return {spec.name: f(m.group(0))} if m else {}
    if kind == "text" and value and (not re.search(r"[\u4e00-\u9fff]", value) or _ONLY_A_DATE.match(value)):
        # A bank, an authority, an address, a type: words, never a bare number (a
        # neighbour's account number taken for the bank) nor a date alone (a licence's
        # issue date under its authority's label, the authority lost under the seal).
        return {spec.name: f(None, "unreadable", 0.0)}
    if spec.name in ("company_type",):
        value = value.replace("(", "（").replace(")", "）")
        if value.count("（") == value.count("）") + 1 and value.rfind("（") > value.rfind("）"):
            value += "）"  # the closing bracket lost at the line's end (…（自然人独资)
        if registered := canonical_company_type(value):
            return {spec.name: f(registered, "completed")}
    if spec.name == "authority":
        # The reading as it was stays the raw value: a branch's name after 局 may be cut
        # by the trim and is put back from the page (`branch_from_page`).
        trimmed = _trim_authority(value)
        return {spec.name: f(trimmed)} if trimmed else {}
    if spec.name == "address":
        value = clean_address(value)
    if spec.name == "ethnicity":
        value = ethnic_group(value)
    return {spec.name: f(value)} if value else {}


# A company type is one of a closed list (company_types.txt): unlike a name's industry
# words, a type read a character or two off from exactly one registered type can only be
# that one. One edit per six characters, so a short type (联营, 全民所有制) is never
# reached from a stray word.
MAX_TYPE_EDITS = 2
CHARS_PER_TYPE_EDIT = 6


def company_types() -> frozenset[str]:
    return word_list("company_types.txt")


def canonical_company_type(value: str) -> str | None:
    """The registered type `value` is a misreading of (有限责任公司（自然人投资或控） →
    …控股）, 限责任公司（…） → 有限责任公司（…）), when it is not a registered type as read and
    exactly one type lies nearest it, within its allowed edits and two edits nearer than
    any other; None otherwise. Brackets full-width, as the caller has made them."""
    types = company_types()
    if value in types:
        return None
    scored = sorted((Levenshtein.distance(value, t), t) for t in types)
    (best, found), rest = scored[0], scored[1:]
    allowed = min(MAX_TYPE_EDITS, len(found) // CHARS_PER_TYPE_EDIT)
    # The next type at least two edits further: 股份有限公司（市、… is one edit from 上市 and
    # two from 非上市, a real difference one lost character apart.
    if best > allowed or (rest and rest[0][0] - best < 2):
        return None
    return found


# An address starts with a place (a Han character); a stray mark read before it (a Latin
# letter from a card's edge, a bracket) is not part of it. An identity code read on the
# line after a wrapped address (an ID card prints its number below) is not part of it either.
_ADDRESS_LEAD = re.compile(r"^[^\u4e00-\u9fff0-9]{1,2}(?=[\u4e00-\u9fff])")
_ADDRESS_CODE_TAIL = re.compile(r"[0-9Xx]{15,18}$")


# A room (…2304室) is an address's last part: what follows it, short, with no bracketed
# note (…室（集中办公区）) and no part of another address (…1201室、1202室), is a seal's
# legend, speck or a neighbour's, read onto the line (…2304室云商路, …1301室M三,
# …2702室安峰文化传, …601室利7从三, …902室2).
_ADDRESS_AFTER_ROOM = re.compile(r"(?<=\d室)[^（(室号幢楼层座、，,]{1,8}$")
_ROOM_MISREAD = re.compile(r"(?<=\d)至$")


def clean_address(value: str) -> str:
    value = _ADDRESS_LEAD.sub("", value)
    # One character before a province's name (二四川省…: a seal's speck read 二): an address
    # that names its province starts with it.
    if address_province(value) is None and address_province(value[1:]) is not None:
        value = value[1:]
    # A trailing run of 15-18 digits: no address ends with one (house numbers are short).
    value = _ADDRESS_AFTER_ROOM.sub("", _ADDRESS_CODE_TAIL.sub("", value))
    # 室 read without its roof (2202至): no address ends in a number and 至.
    return _ROOM_MISREAD.sub("室", value)


# Words that start the next field on a form; a person's name read together with one of
# them (袁颖性别) ends where it begins. The labels of every document type count too.
_FIELD_WORDS = ("性别", "民族", "出生", "住址", "职务", "职位", "身份证", "电话", "手机", "联系", "签字", "签名", "盖章")
# What follows a person's label when it is a title or a slot, not a name (法定代表人授权书,
# 法定代表人签字).
_NOT_A_NAME = ("授权", "委托", "证明", "声明", "签字", "签名", "签章", "盖章", "身份证")
# Roles printed in brackets after 甲方/乙方 (甲方（采购方）：…); the bracket's end is often
# lost, leaving （采购 or （托运 stuck to the name.
_PARTY_ROLES = ("委托方", "受托方", "采购方", "供应方", "供货方", "托运方", "承运方", "买方", "卖方", "出租方",
                "承租方", "发包方", "承包方", "服务方", "需方", "供方", "甲方", "乙方")
# Organisational forms a company name ends with, longest first. Characters after the last
# one are a seal's or a neighbour's, when there are only a few of them.
# (中心, 集团 are left out: they stand inside names as often as at their end, 华润万家中心店.)
_ORG_FORMS = ("股份有限公司", "有限责任公司", "（有限合伙）", "（普通合伙）", "有限公司", "分公司", "合伙企业",
              "公司", "事务所", "合作社", "研究院", "医院")
_MAX_ORG_TAIL = 3
_MONEY_YEN = re.compile(r"^[Yy¥￥](?=\s*\d)")
# 合同总价（小写）：¥…: the bracket annotates the label, it is not part of the amount.
_MONEY_NOTE = re.compile(r"^[（(]\s*(小写|大写|人民币|元|含税)\s*[)）]\s*[:：]?\s*")
_FIGURE_RUN = re.compile(r"\d[\d.,]*\d")
# ¥3,121,001.00（含税）: a note after the amount says what it covers; it is not the amount.
# Nor is one Han character after the note's closing bracket (（含税）疗: a seal's speck).
_MONEY_TAIL_NOTE = re.compile(
    r"\s*[（(]\s*(?:含税|不含税|含增值税|税前|税后|小写|大写|人民币|元)[^)）]{0,8}(?:[)）]\s*[\u4e00-\u9fff]?)?\s*$"
)


# Company forms a name's end is repaired to when one character of it was misread
# (有限责社公司): the vocabulary is closed, so a one-character slip is not a new word.
_REPAIRABLE_FORMS = ("有限责任公司", "股份有限公司", "集团有限公司", "有限公司")


# An organisation's name is at least this long (a place and a form: 北京某某公司 is short)
# and never holds a sentence's punctuation.
_MIN_ORG_NAME = 4
_SENTENCE_MARKS = re.compile(r"[，。；！？]")


# A contract's clause heading (第二条运输要求, 第十条其他) below a label word in its prose.
_CLAUSE_HEADING = re.compile(r"^第[一二三四五六七八九十百零〇\d]{1,4}[条章节款]")


# One digit or letter, perhaps with a mark, before a name's Han text (1青岛…, 1：注海…):
# a seal's speck read as a character. Names are registered in Han characters; the few
# that open with Latin (TCL科技…, 3M中国…) open with more than one.
_LEADING_STRAY = re.compile(r"^[0-9A-Za-z][^\u4e00-\u9fff0-9A-Za-z（(]{0,2}(?=[\u4e00-\u9fff])")


def _looks_like_org(name: str) -> bool:
    return len(name) >= _MIN_ORG_NAME and not _SENTENCE_MARKS.search(name) and not _CLAUSE_HEADING.match(name)


# 股份 with 份 read without its 亻 (股分) or with its 分 misread (股价, 股仿, 股伤): 股 is
# followed by nothing else before 有限公司 in a company form (its end perhaps lost too).
# With 股 read as a digit or letter (工程1分有限公司): 份有限公司 ends only 股份有限公司.
_SHARES_MISREAD = re.compile(r"(?<=.{2})(?:股[分价仿伤]|[0-9A-Za-z|][分份])(?=有限(?:公司?)?$)")


def _repair_company_form(name: str) -> str:
    name = _SHARES_MISREAD.sub("股份", name)
    edited = _repair_form_by_one_edit(name)
    if edited != name or name.endswith(_REPAIRABLE_FORMS):
        return edited
    if name.endswith(tuple(form[:-1] for form in _REPAIRABLE_FORMS)):
        return name + "司"  # the last character lost (under a seal, at a crop's edge)
    # More of the form lost: a start that only one form has is completed (有限责 is only
    # ever 有限责任公司; 有限 may be 有限公司 or 有限责任公司, 集团有限 either with 集团, so
    # they stay).
    for start, rest in _ONE_FORM_STARTS.items():
        if name.endswith(start) and len(name) >= len(start) + 2:
            return name + rest
    for form in _REPAIRABLE_FORMS:
        tail = name[-len(form):]
        if len(name) > len(form) + 1 and sum(a != b for a, b in zip(tail, form)) == 1 and (tail[0] == form[0] or tail[-1] == form[-1]):
            return name[: -len(form)] + form
    # 有限责任 and 股份有限 go on only as …公司: one or two other characters after them are
    # 公司 misread or half lost (有限责任日).
    if (m := _FORM_STEM_END.search(name)) and m.start(1) >= 2:
        return name[: m.end(1)] + "公司"
    return name


_ONE_FORM_STARTS = {"有限责任": "公司", "有限责": "任公司", "股份有限": "公司", "股份有": "限公司"}
_FORM_STEM_END = re.compile(r"(有限责任|股份有限)(?!公司$)[\u4e00-\u9fff]{1,2}$")


def _repair_form_by_one_edit(name: str) -> str:
    """A form with one character dropped or slipped in (股有限公司, 有限艮公司, 有有限公司),
    its first and last characters intact, repaired when exactly one form fits: 有限责公司
    could be either 有限公司 or 有限责任公司, a real difference (SPEC.md §3), so it stays."""
    from rapidfuzz.distance import Levenshtein

    found = set()
    for form in _REPAIRABLE_FORMS:
        for n in (len(form) - 1, len(form) + 1):
            tail = name[-n:]
            if len(name) - n >= 2 and tail[0] == form[0] and tail[-1] == form[-1] and Levenshtein.distance(tail, form) == 1:
                if name[:-n].endswith("控") and tail.startswith("股") and "份" not in tail:
                    continue  # 控股有限公司: a holding company's form, no 份 lost
                found.add(name[:-n] + form)
    return found.pop() if len(found) == 1 else name


def _cut_at_field_word(name: str) -> str:
    words = set(_FIELD_WORDS) | {label for t in doc_types().values() for spec in t.fields for label in spec.labels}
    cut = len(name)
    for w in words:
        p = name.find(w, 2)  # a name has at least two characters before the next field
        if 0 < p < cut:
            cut = p
    return name[:cut]


def _strip_party_role(value: str) -> str:
    value = _PARTY_ROLE.sub("", value)
    # Only the end of the role read: 方）深圳… (no opening bracket before it).
    value = re.sub(r"^[\u4e00-\u9fff]{0,2}方?[)）〉>][:：]?", "", value) if re.match(r"^[^（(]{0,3}[)）〉>]", value) else value
    m = re.match(r"^[（(〈<《\[【［]", value)
    if m:
        rest = value[1:]
        for role in _PARTY_ROLES:
            for k in (len(role), len(role) - 1):
                if k >= 2 and rest.startswith(role[:k]):
                    # The role's last character may be misread (采购放）): one Han character
                    # before the closing bracket goes with it, never without the bracket.
                    return re.sub(r"^(?:[\u4e00-\u9fff]?[)）〉>》\]】］])?[:：]?", "", rest[k:])
    return value


# What follows a name in a sentence (兹证明…有限公司（统一社会信用代码：…）于2010年…在我行
# 开立…): a bracketed code or short name, or the sentence going on. Never part of the name.
_AFTER_NAME_IN_PROSE = re.compile(r"^(?:[（(](?:统一社会信用代码|社会信用代码|信用代码|注册号|以下简称|下称|简称)|[于在])")


# The start of a form that only 司 can go on from (…有限公, …有限责任公), then more Han
# text: the form's last character misread or lost and a seal's legend read on after it
# (宁波启卓食品有限公简品育限). What comes after 公 there is never the name's.
_BROKEN_FORM_TAIL = re.compile(r"有限(?:责任)?公(?!司)(?=[\u4e00-\u9fff])")


def _trim_after_org_form(name: str) -> str:
    if not any(form in name for form in _ORG_FORMS) and (m := _BROKEN_FORM_TAIL.search(name)) and m.start() >= 2:
        return name[: m.end()]
    best = -1
    for form in _ORG_FORMS:
        p = name.rfind(form)
        if p >= 0:
            best = max(best, p + len(form))
    if best > 0 and _AFTER_NAME_IN_PROSE.match(name[best:]):
        return name[:best]
    if best > 0 and 0 < len(name) - best <= _MAX_ORG_TAIL and not name[best:].startswith(("（", "(")):
        return name[:best]
    return name


# An issuing authority ends with its office: …市场监督管理局, …公安局…分局. What follows
# on its row is a seal's arc (the authority's own name again) or a neighbour's text.
_AUTHORITY_END = re.compile(r"^.*?(?:分局|局|委员会|管理处)")
_MAX_AUTHORITY_TAIL = 6


def _trim_authority(value: str) -> str:
    if value.endswith(("监督管理", "行政管理")):
        value += "局"  # …市场监督管理局 with its last character under the seal
    m = re.match(r"^.*分局", value) if "分局" in value else _AUTHORITY_END.match(value)
    if m and 0 < len(value) - m.end() <= _MAX_AUTHORITY_TAIL:
        return value[: m.end()]
    return value


_BRANCH_CUT = re.compile(r"^(.*局)([\u4e00-\u9fff]{2,3})$")


def branch_from_page(read: str, page_text: str) -> str | None:
    """The branch office an authority read as …局 and a district, its 分局 lost under the
    seal (天津市工商行政管理局和平 for …和平分局), when the page names that district (the
    address: 天津市和平区…); a seal's arc read on after 局 (…管理局海市徐义) names none.
    None otherwise."""
    m = _BRANCH_CUT.match(read)
    if m is None or "分局" in read:
        return None
    district = m.group(2)
    if any(district + suffix in page_text for suffix in ("区", "县")):
        return m.group(1) + district + "分局"
    return None


def normalise_money_text(text: str) -> str:
    """A printed amount as printed: the yen sign OCR reads as full-width ￥ or as Y made ¥,
    and separators misread (769.001.00 for 769,001.00) put back. In a figure with two or
    more separators every group but a last one of two digits is thousands."""
    text = _MONEY_YEN.sub("¥", _MONEY_TAIL_NOTE.sub("", _MONEY_NOTE.sub("", text.strip())))
    text = re.sub(r"(?<=\d)[，．](?=\d)", lambda m: "," if m.group(0) == "，" else ".", text)  # full-width separators

    def fix(m: re.Match) -> str:
        groups = re.split(r"[.,]", m.group(0))
        if len(groups) < 3 or any(len(g) != 3 for g in groups[1:-1]):
            return m.group(0)
        if len(groups[-1]) == 2:
            return ",".join(groups[:-1]) + "." + groups[-1]
        if len(groups[-1]) == 3:
            return ",".join(groups)
        return m.group(0)

    return _FIGURE_RUN.sub(fix, text)


def extract_page(page: PageText, doc_type: DocType) -> dict[str, Field]:
    rows = group_rows(page.lines)
    all_labels = [label for s in doc_type.fields for label in s.labels]
    fields: dict[str, Field] = {}
    at_slot: set[str] = set()  # company names read at a signing slot, under their seal
    for spec in doc_type.fields:
        first: dict[str, Field] | None = None
        signed: dict[str, Field] | None = None
        for hit in _label_hits(rows, spec.labels, tuple(all_labels))[:MAX_LABEL_TRIES]:
            parsed, main = _read_at(rows, hit, all_labels, spec, page.page_no)
            first = parsed if first is None else first
            if main is not None and spec.kind == "company" and _SEAL_NOTE.match(rows[hit.row].text[hit.end :]):
                at_slot.add(spec.name)
            if main is not None:
                if signed is not None:
                    # A signature read in part (英婷) is the name printed elsewhere that holds
                    # it (…法定代表人丁英婷，…); any other reading there is no better.
                    whole = str(main)
                    first = parsed if signed[spec.name].value in whole and len(whole) <= 4 else signed
                    break
                if spec.kind == "person" and _SIGNATURE_NOTE.match(rows[hit.row].text[hit.end:]):
                    # Signed in its slot (法定代表人（签字）：英婷): handwriting, read less surely
                    # than print; the other places the label is found may hold it whole.
                    signed = parsed
                    continue
                first = parsed
                break
        else:
            first = signed or first
        if first:
            fields.update(first)
    # A label whose first characters were lost (签发机关 read 发机关 or 机关, 有效期限 read
    # 期限, under a seal's edge or at a card's): tried at the start of a row, once no whole
    # label gave a value. Two characters off, or the last one, only a label of four or
    # more, and only when what is left is no part of another field's label.
    for spec in doc_type.fields:
        if spec.kind in ("uscc", "id_number") or _found(fields, spec):
            continue
        others = tuple(label for s in doc_type.fields if s is not spec for label in s.labels)
        clipped = tuple(label[1:] for label in spec.labels if len(label) >= MIN_CLIPPED_LABEL + 1)
        clipped += tuple(label[2:] for label in spec.labels
                         if len(label) >= 4 and not any(label[2:] in o for o in others))
        # Its last character lost the same way (有效期 for 有效期限, the period right after it).
        clipped += tuple(label[:-1] for label in spec.labels
                         if len(label) >= 4 and not any(label[:-1] in o for o in others))
        # A two-character label printed spaced out (名　称, 住　所) with one character lost
        # leaves the other as a line of its own at the row's start: taken when no other
        # field's label ends (甲方 and 乙方 both end in 方) or starts in that character.
        spaced = tuple(label[1:] for label in spec.labels if len(label) == 2 and not any(o.endswith(label[1]) for o in others))
        spaced += tuple(label[:1] for label in spec.labels if len(label) == 2 and not any(o.startswith(label[0]) for o in others))
        for i, row in enumerate(rows):
            hit = None
            label = next((c for c in clipped if row.text.startswith(c)), None)
            if label is not None and not _has_label(row.text, all_labels):
                hit = _Hit(i, 0, len(label))
            else:
                # The spaced label's character may open the row's second column (经营范围… |
                # 住 | 上海市徐汇区…): it is a line of its own with a line after it.
                hit = next((_Hit(i, start, end) for line, start, end in row.spans()
                            if compact(line.text) in spaced and end < len(row.text)), None)
            if hit is None:
                continue
            parsed, main = _read_at(rows, hit, all_labels, spec, page.page_no)
            if main is not None:
                fields.update(parsed)
                break
    at_slot |= _read_lost_role(rows, doc_type, all_labels, fields, page.page_no)
    # A licence's issue date is printed under the seal with no label: the lowest row that
    # is nothing but a date.
    for spec in doc_type.fields:
        if spec.fallback == "last_date" and spec.name not in fields:
            # Line by line: a row may join the date with a neighbour in another column
            # (a web address printed at the same height on the left).
            # A row holding a label is a labelled field's (成立日期 …): not the unlabelled date.
            dated = (ln for row in reversed(rows) if not any(label in row.text for label in all_labels) for ln in row.lines
                     if (m := _LENIENT_DATE.search(compact(ln.text))) and len(m.group(0)) >= 0.7 * len(compact(ln.text)))
            line = next(dated, None)
            if line is not None:
                fields.update(_parse_value(spec, compact(line.text), page.page_no, line.conf, line.box, ()))
    # An ID card's validity with its label lost (有效期限 faded or under the seal): the row
    # that is nothing but a period (2025.09.30-2045.09.30) is it; no other row of a card is.
    for spec in doc_type.fields:
        if spec.fallback == "term_line" and not _found(fields, spec):
            period = next((row for row in rows if not _has_label(row.text, all_labels) and lenient_term(row.text)), None)
            if period is not None:
                fields.update(_parse_value(spec, period.text, page.page_no, period.conf, period.box, ()))
    # An account number whose label lost its end (账号 read 账, 号 under the seal): the row
    # that opens with the label's first character and then nothing but a long run of
    # digits. An account number has no check to say it was read whole, so nothing looser.
    for spec in doc_type.fields:
        if spec.fallback == "label_start" and not _found(fields, spec):
            starts = tuple(label[0] for label in spec.labels)
            for row in rows:
                m = _ACCOUNT_AFTER_LABEL_START.match(row.text)
                if m and row.text.startswith(starts) and not _has_label(row.text, all_labels):
                    fields[spec.name] = Field(m.group(1), row.text, round(row.conf, 3), page.page_no, row.box)
                    break
    for spec in doc_type.fields:
        if spec.fallback == "title" and spec.name not in fields:
            title = _certificate_title(rows)
            if title is not None:
                fields[spec.name] = Field(title.text, title.text, round(title.conf, 3), page.page_no, title.box)
    # A code whose label was misread is still found by its shape and check character.
    for spec in doc_type.fields:
        if spec.kind in ("uscc", "id_number") and (spec.name not in fields or fields[spec.name].value is None):
            found = _scan_for_code(rows, spec, page.page_no)
            if found is not None:
                fields[spec.name] = found
    # A company name whose end a seal hid (授权单位（盖章）：北京迈骏环保科技有) is often printed
    # whole elsewhere on the page (the letter's first sentence names the principal).
    page_text = "".join(row.text for row in rows)  # rows joined: prose wraps a name too
    f = fields.get("authority")
    if f is not None and f.raw and (branch := branch_from_page(compact(f.raw), page_text)) is not None:
        fields["authority"] = Field(branch, f.raw, f.confidence, f.page, f.box, "completed")
    for spec in doc_type.fields:
        f = fields.get(spec.name)
        if spec.kind == "company" and f is not None and isinstance(f.value, str):
            whole = complete_org_name(f.value, page_text)
            if whole != f.value:
                fields[spec.name] = Field(whole, f.raw, f.confidence, f.page, f.box, "completed")
    # A name read at a signing slot lies under its own seal; a letter prints it in its
    # first sentence too (本授权书声明：…有限公司（统一社会信用代码…), out of the seal's way.
    # A name in a table (户名：…) may be printed in a sentence as well (兹证明…): there, with
    # no seal to tell which place is damaged, the surer reading is taken.
    others = {f.value for f in fields.values() if isinstance(f.value, str)}
    for spec in doc_type.fields:
        f = fields.get(spec.name)
        if spec.kind != "company" or f is None or not isinstance(f.value, str) or f.box is None:
            continue
        elsewhere = [(row.text, row.conf) for row in rows if not _same_row(row.box, f.box)]
        # Elsewhere than at a slot, the other reading must be surer than this one.
        conf = f.confidence if spec.name in at_slot else f.confidence + 1e-3
        whole = same_name_elsewhere(f.value, conf, elsewhere, others - {f.value})
        if whole is None and not _is_whole_org(f.value):
            whole = whole_name_holding(f.value, "".join(t for t, _ in elsewhere), others - {f.value})
        if whole is not None:
            fields[spec.name] = Field(whole, f.raw, f.confidence, f.page, f.box, "completed")
        else:
            text_elsewhere = "".join(t for t, _ in elsewhere)
            placed = place_head_lost(stray_before_place(place_from_page(f.value, f.confidence, elsewhere), text_elsewhere),
                                     text_elsewhere)
            if placed != f.value:
                fields[spec.name] = Field(placed, f.raw, f.confidence, f.page, f.box, "completed")
    return fields


# A name's place is put right from the page only when the recogniser was less sure of the
# name's line than this: a misread under a seal or in blur comes with doubt.
PLACE_REPAIR_CONF = 0.99
# Two Han characters before 市, unless 市 ends a word that is no place (连锁超市, 上市公司;
# 门市, 城市, 都市 are left in: 厦门市, 盐城市, 成都市).
_PLACE_ON_PAGE = re.compile(r"([\u4e00-\u9fff]{2})(?<!超|上|股|夜|集|菜)市")


def cities_named(page_text: str) -> set[str]:
    """The cities `page_text` names (the two characters before 市, _PLACE_ON_PAGE)."""
    return {m.group(1) for m in _PLACE_ON_PAGE.finditer(page_text)}


def place_from_page(name: str, conf: float, texts: list[tuple[str, float]]) -> str:
    """`name` with its place (a company name opens with where it is registered: 青岛和云…)
    put right when one character of it was misread (喜岛, 王海): the page (`texts`, rows'
    text and recogniser confidence) names exactly one city one character off it
    (山东省青岛市…, 上海市徐汇区人民法院) on rows read more surely than the name, and never
    the place as read. Only names read with doubt (PLACE_REPAIR_CONF). Otherwise `name` as
    it is: an address misread in its turn (山东岛市…) puts nothing right."""
    if conf >= PLACE_REPAIR_CONF or len(name) < MIN_COMPLETED_PREFIX or not _is_whole_org(name) or opens_with_place(name):
        return name
    if opens_with_place(name[1:]):
        return name  # a stray glyph before a real place (杭杭州…): `stray_before_place`'s
    head = name[:2]
    if head in "".join(t for t, _ in texts):
        return name
    cities = cities_named("".join(t for t, c in texts if c > conf))
    near = [c for c in cities if sum(a != b for a, b in zip(c, head)) == 1]
    return near[0] + name[2:] if len(near) == 1 else name


def stray_before_place(name: str, page_text: str) -> str:
    """`name` without one stray character read before its place (a seal's glyph boxed on
    its own: 父西安和宇…; a colon read 三: 三厦门驰安…): the page names the city that
    follows it (陕西省西安市…, 厦门市思明区人民法院) and never the name's start as read,
    so 石家庄… on a page naming 石家庄市 keeps its 石. Otherwise `name` as it is."""
    if len(name) < MIN_COMPLETED_PREFIX + 1 or not _is_whole_org(name) or name[:3] in page_text:
        return name
    cities = cities_named(page_text)
    return name[1:] if name[1:3] in cities else name


def place_head_lost(name: str, page_text: str) -> str:
    """`name` with its place's first character put back where the seal took it (州禾利商贸…
    for 广州禾利商贸…): a name opening with a character that ends cities' names and begins
    none (_PLACE_ENDS), when the page names exactly one city ending in it (广东省广州市…)
    and never names the name's start as read. Otherwise `name` as it is."""
    if len(name) < MIN_COMPLETED_PREFIX or not _is_whole_org(name) or name[:2] in page_text or name[0] not in _PLACE_ENDS:
        return name
    near = [c for c in cities_named(page_text) if c[1] == name[0]]
    return near[0][0] + name if len(near) == 1 else name


# Characters that end a city's name and begin none: a name opening with one lost its
# place's first character.
_PLACE_ENDS = frozenset("州圳岛")


def _same_row(a: Box, b: Box) -> bool:
    return a.y < b.bottom and b.y < a.bottom


# A name at a signing slot gives way to one printed elsewhere at most this many edits
# from it (a character or two misread or lost under the seal: 建筑王程 for 建筑工程).
MAX_SLOT_NAME_EDITS = 2


def same_name_elsewhere(name: str, conf: float, texts: list[tuple[str, float]], taken: set[str]) -> str | None:
    """The whole company name (ending in its form) printed in `texts` (rows' text and
    recogniser confidence; prose wraps, so they are searched joined) that `name`, read at a
    signing slot with confidence `conf`, is a misreading of: 1 to MAX_SLOT_NAME_EDITS edits
    from it, the only such name, not another field's value (`taken`), and read at least as
    surely. None when `name` is printed as read elsewhere too, or nothing qualifies."""
    if len(name) < MIN_COMPLETED_PREFIX:
        return None
    joined = "".join(t for t, _ in texts)
    row_conf: list[float] = [c for t, c in texts for _ in t]
    found: dict[str, float] = {}
    for form in _ORG_FORMS:
        end = joined.find(form)
        while end >= 0:
            stop = end + len(form)
            # Of the windows ending here (one printed name, its start unknown), the nearest
            # to the reading, and of those the one of its length: 青岛和云… read 睿岛和云…
            # is as near to 岛和云… by a deletion.
            here = []
            for length in range(len(name) - MAX_SLOT_NAME_EDITS, len(name) + MAX_SLOT_NAME_EDITS + 1):
                start = stop - length
                if start < 0:
                    continue
                window = joined[start:stop]
                if window == name:
                    longer = _start_at_boundary(joined, start, stop)
                    if longer is None:
                        return None  # printed as read: the reading stands
                    # Printed as read, but as the end of a name that starts a character or
                    # two earlier, after a colon (声明：深圳润宏… for 润宏… read at the slot,
                    # its start lost under the seal): that name.
                    found[longer] = min(row_conf[stop - len(longer):stop])
                    here = []
                    break
                d = Levenshtein.distance(window, name)
                if d <= MAX_SLOT_NAME_EDITS and _looks_like_org(window):
                    here.append((d, abs(length - len(name)), window, min(row_conf[start:stop])))
            if here:
                _, _, window, window_conf = min(here)
                found[window] = window_conf
            end = joined.find(form, end + 1)
    best = min((Levenshtein.distance(w, name) for w in found), default=None)
    near = [w for w in found if Levenshtein.distance(w, name) == best and w not in taken]
    if len(near) != 1 or found[near[0]] < conf:
        return None
    return near[0]


_NAME_TEXT = re.compile(r"[\u4e00-\u9fff（）()]+")
# A piece of a name stands for a whole one only if it holds this share of its characters.
MIN_PIECE_SHARE = 0.6


def whole_name_holding(piece: str, page_text: str, taken: set[str]) -> str | None:
    """The one whole company name printed in `page_text` (after a boundary mark: 声明：…)
    that holds every character of `piece`, in order, and MIN_PIECE_SHARE of its own: a name
    read in broken pieces under its seal (星丰环保科技有 | 任公, the place and 限责 lost) whose
    letter prints it whole (…声明：杭州星丰环保科技有限责任公司（统一…). Not another field's
    value (`taken`). None when no such name or two."""
    if len(piece) < MIN_COMPLETED_PREFIX:
        return None
    found = set()
    for form in _ORG_FORMS:
        stop = page_text.find(form)
        while stop >= 0:
            stop += len(form)
            for start in range(max(0, stop - int(len(piece) / MIN_PIECE_SHARE)), stop - len(piece) + 1):
                window = page_text[start:stop]
                if (start == 0 or page_text[start - 1] in _NAME_BOUNDARY) and _NAME_TEXT.fullmatch(window) \
                        and _is_whole_org(window) and LCSseq.similarity(piece, window) == len(piece) and window not in taken:
                    found.add(window)
            stop = page_text.find(form, stop)
    return found.pop() if len(found) == 1 else None


# What ends a sentence's lead-in before a name it prints (声明：, 兹证明，, 甲方（…）).
_NAME_BOUNDARY = "：:，,。；;（(）)》】 "


def _start_at_boundary(joined: str, start: int, stop: int) -> str | None:
    """`joined[start:stop]` with the one or two Han characters before it, when those follow
    a boundary mark (_NAME_BOUNDARY) or open the text; None when the window starts at a
    boundary itself or no such start is near."""
    if start == 0 or joined[start - 1] in _NAME_BOUNDARY or not _is_han(joined[start - 1]):
        return None
    for k in (1, 2):
        begin = start - k
        if begin < 0 or not all(_is_han(ch) for ch in joined[begin:start]):
            return None
        if begin == 0 or joined[begin - 1] in _NAME_BOUNDARY:
            return joined[begin:stop]
    return None


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# A signing slot whose role word (甲方, 乙方) is gone: at most two characters left of it,
# then the note asking for the seal, its opening bracket perhaps gone too. What is missing
# of the whole slot stood left of what is left: the name below may start there.
_LOST_ROLE_SLOT = re.compile(r"^[^\s（(]{0,2}[（(]?盖章[)）]")
_WHOLE_SLOT = "甲方（盖章）"


def _read_lost_role(rows: list[Row], doc_type: DocType, all_labels: list[str], fields: dict[str, Field], page_no: int) -> set[str]:
    """The party whose label was not found, read at the one signing slot with no role word
    left (甲方（盖章）read 方（盖章） or （盖章）：…): the party's seal is stamped on that very
    slot, so its role word is the likeliest part to be lost. Only when exactly one such
    party is missing and exactly one such slot is on the page: two would be a guess. With
    no slot left at all, the one whole company name on a line of its own that no field
    holds; with both parties' labels lost, the two such names in the order a contract signs
    in (甲方 left of 乙方 on one row, else above it). Returns the names of the fields it
    read (empty when none)."""
    missing = [s for s in doc_type.fields if s.fallback == "seal_slot" and not _found(fields, s)]
    if not 1 <= len(missing) <= 2:
        return set()
    slots = []
    for i, row in enumerate(rows):
        prev = None
        for line, start, _ in row.spans():
            text = compact(line.text)
            m = _LOST_ROLE_SLOT.match(text)
            if m and not _has_label(text, all_labels) and not _slot_of_label_before(prev, line, all_labels):
                slots.append((_Hit(i, start, start + m.end()), max(0, len(_WHOLE_SLOT) - m.end())))
            prev = line
    if len(slots) == 1 and len(missing) == 1:
        (hit, lost), = slots
        parsed, main = _read_at(rows, hit, all_labels, missing[0], page_no, lost)
        if main is not None:
            fields.update(parsed)
            return {missing[0].name}
    if slots:
        return set()
    # The whole slot lost (乙方（盖章）： under the seal, nothing of it read): the parties'
    # names are then the only whole company names on lines of their own; those no field
    # holds are the missing parties'.
    names = _unheld_company_lines(rows, fields, all_labels)
    if len(names) != len(missing):
        return set()
    if len(names) == 2:
        # In signing order: on one row, left to right; else top to bottom.
        (_, a), (_, b) = names
        across = _same_row(a.box, b.box)
        names.sort(key=lambda name: name[1].box.x if across else name[1].box.y)
    read = set()
    for spec, (text, line) in zip(missing, names, strict=True):
        parsed = _parse_value(spec, text, page_no, line.conf, line.box, ())
        if parsed.get(spec.name) is not None:
            fields.update(parsed)
            read.add(spec.name)
    return read


def _unheld_company_lines(rows: list[Row], fields: dict[str, Field], all_labels: list[str]) -> list[tuple[str, OcrLine]]:
    """(name, line) for the lines that are nothing but a whole company name (stray marks
    aside) and that no field holds, one per name."""
    taken = {f.value for f in fields.values() if isinstance(f.value, str)}
    names: dict[str, OcrLine] = {}
    for row in rows:
        for line in row.lines:
            text = _TRAILING_MARKS.sub("", _LEADING_JUNK.sub("", compact(line.text)))
            # The end of a name a field holds (科技有限责任公司 of 北京泰元信息科技有限责任公司,
            # boxed apart where the seal crosses it) is that name's, not another.
            held = any(value.endswith(text) for value in taken)
            if _is_whole_org(text) and _names_a_company(text) and not _has_label(text, all_labels) and not held:
                names.setdefault(text, line)
    return list(names.items())


def _slot_of_label_before(prev: OcrLine | None, line: OcrLine, all_labels: list[str]) -> bool:
    """Is the line left of a slot note (（盖章）：) a label boxed on its own right before it
    (乙方 | （盖章）：)? The note is then that label's, its role word not lost."""
    if prev is None or line.box.x - prev.box.right > line.box.h:
        return False
    return compact(prev.text).endswith(tuple(all_labels))


def _names_a_company(text: str) -> bool:
    """Does `text` hold a name before its company form: at least two characters that are
    not the tail of a longer form (责任公司 is 有限责任公司 cut; 支有限责任公司 keeps one
    character of the name)? A name's place or trade name alone has two."""
    if not _looks_like_org(text):
        return False
    text = _TRAILING_MARKS.sub("", text)
    if any(form.endswith(text) for form in _ORG_FORMS + _REPAIRABLE_FORMS):
        return False
    form = next((f for f in _ORG_FORMS if text.endswith(f)), "")
    return len(text) - len(form) >= 2


def _read_at(rows: list[Row], hit: _Hit, all_labels: list[str], spec: FieldSpec, page_no: int,
             lost: int = 0) -> tuple[dict[str, Field], Any]:
    """The field(s) read after the label at `hit`, and the main value among them (None when
    nothing usable was there: no value, or an empty one)."""
    value, used = _value_after(rows, hit, all_labels, spec, lost)
    conf, box = _evidence(used)
    if used and used[0] is rows[hit.row]:
        # How surely the value was read, not its label: a label read at 0.98 beside a name
        # read at 1.00 made the name look doubtful, and a different company printed above
        # it (an archive keeper's 合肥启安… for the customer's 合肥海卓…) the surer reading.
        start = hit.end + _junk_len(used[0].text[hit.end :])  # past the label's colon
        after = [line.conf for line, _, end in used[0].spans() if end > start]
        if after:
            conf = min([*after, *(r.conf for r in used[1:])])
    parsed = _parse_value(spec, value, page_no, conf, box, tuple(a for r in used for a in r.alternatives))
    main = parsed.get(spec.name) or next(iter(parsed.values()), None)
    if main is None or main.value in (None, ""):
        return parsed, None
    row = rows[hit.row]
    if spec.kind == "company" and not _is_whole_org(str(main.value)) and not _set_off(row, hit.end, hit.start) \
            and _SENTENCE_MARKS.search(row.text):
        # A party's word opening a sentence (甲方出具的托运单为准。) with its label lost
        # elsewhere: prose after it is a name only if it is a whole one.
        return {}, None
    return parsed, main.value


# A name cut short is completed only if this long (a place and two more characters):
# shorter prefixes are shared by too many names.
MIN_COMPLETED_PREFIX = 6
# The most characters a completion may add before the company form.
MAX_COMPLETION = 4
_COMPLETION = re.compile(
    f"[\u4e00-\u9fff]{{0,{MAX_COMPLETION}}}?(?:{'|'.join(map(re.escape, ('股份有限公司', '有限责任公司', '有限公司', '公司')))})"
)


def complete_org_name(name: str, page_text: str) -> str:
    """`name` with its lost end restored from the page: when it is no whole name (it ends
    in no company form), is at least MIN_COMPLETED_PREFIX long, and the page prints
    exactly one whole name starting with it, or with it but for one character (青岛德军信息科技
    under the seal, 青岛德辉信息科技有限责任公司 in the letter's prose: the seal that cut the
    name off may have misread it too). Otherwise `name` as it is."""
    if len(name) < MIN_COMPLETED_PREFIX or _is_whole_org(name):
        return name
    found = set()
    n = len(name)
    for start in range(len(page_text) - n + 1):
        head = page_text[start : start + n]
        if head[0] == name[0] or head[1] == name[1]:  # a cheap filter before counting
            if sum(a != b for a, b in zip(head, name)) <= 1 and (m := _COMPLETION.match(page_text, start + n)):
                found.add(head + m.group(0))
    return found.pop() if len(found) == 1 else name


# A label is tried without its first character only if this many characters are left:
# 发机关 for 签发机关, never 称 for 名称 inside a line (称杭州…), only as a line of its own.
MIN_CLIPPED_LABEL = 3


_ACCOUNT_AFTER_LABEL_START = re.compile(r"^[\u4e00-\u9fff][:：\s]*(\d{12,25})$")


def _found(fields: dict[str, Field], spec: FieldSpec) -> bool:
    """Has `spec` a value (for a term: its end) among the fields found so far?"""
    names = TERM_FIELDS.get(spec.name, (spec.name,))
    return any(fields.get(n) is not None and fields[n].value not in (None, "") for n in names)


_CERT_TITLE = re.compile(r"(许可证|证书|资质证|登记证|备案证明)$")


def _certificate_title(rows: list[Row]) -> Row | None:
    """The first of the top rows that is a certificate's name (食品经营许可证, 质量管理体系
    认证证书): short, and ending in a certificate word."""
    for row in rows[:6]:
        text = row.text
        if len(text) <= 30 and _CERT_TITLE.search(text):
            return row
    return None


def _scan_for_code(rows: list[Row], spec: FieldSpec, page: int) -> Field | None:
    """The one code of `spec`'s kind that validates anywhere on the page, its label lost:
    on a row of its own, or cut by the end of its row in running text (its label misread:
    …（统社会信用代码三9135020 / 3MAAY0L9B0F）…). None when none or two differ."""
    hits: dict[str, Field] = {}
    for i, row in enumerate(rows):
        raws = [row.text, *row.alternatives]
        if i + 1 < len(rows) and (head := _wrapped_code_head(row.text, rows, i)):
            raws.append(row.text + head)
        f = _code_field(raws, spec.kind, page, row.conf, row.box)
        if f is not None and f.value is not None:
            hits.setdefault(f.value, f)
    # Two different valid codes and no label to say which: do not guess.
    return next(iter(hits.values())) if len(hits) == 1 else None


def extract(ocr: OcrResult, *, today: dt.date) -> Extraction:
    """Classify every page, take the document's type from its most confident page, and
    read the fields of every page of that type (front and back of an ID card may be two
    pages)."""
    page_types = []
    for page in ocr.pages:
        c = classify_page(page)
        page_types.append((page.page_no, c.doc_type, c.confidence))
    typed = [pt for pt in page_types if pt[1] != UNKNOWN]
    if not typed:
        conf = min((pt[2] for pt in page_types), default=0.0)
        return Extraction(ocr.file, UNKNOWN, conf, {}, ("no page was recognised as a known document type",), tuple(page_types))
    _, doc_code, doc_conf = max(typed, key=lambda pt: pt[2])
    spec = doc_types()[doc_code]
    fields: dict[str, Field] = {}
    for page, (_, code, _) in zip(ocr.pages, page_types, strict=True):
        if code != doc_code:
            continue
        for name, value in extract_page(page, spec).items():
            if name not in fields or (fields[name].value is None and value.value is not None):
                fields[name] = value
    if doc_code == "id_card":
        _derive_from_id_number(fields)
    if doc_code.startswith("contract"):
        seen = [p.red_seal for p, (_, code, _) in zip(ocr.pages, page_types, strict=True) if code == doc_code]
        if any(seen):
            fields["has_seal"] = Field(True, "red seal found by colour", 1.0, 0)
        elif seen and all(s is False for s in seen):
            fields["has_seal"] = Field(False, "colour page, no red seal", 1.0, 0)
    warnings = tuple(cross_checks(doc_code, fields, today))
    return Extraction(ocr.file, doc_code, doc_conf, fields, warnings, tuple(page_types))


def _derive_from_id_number(fields: dict[str, Field]) -> None:
    """An ID card's sex and birth date where the printed ones could not be read (性别 under
    the seal: 别科势), from its ID number, which encodes both (GB 11643) and is only a value
    once its check character validated it. Marked ``derived``; a printed value is never
    replaced (a mismatch is `cross_checks`' warning)."""
    idn = fields.get("id_number")
    if idn is None or not isinstance(idn.value, str):
        return
    born = id_birth_date(idn.value)
    derived = {"sex": id_sex(idn.value), "birth_date": born.isoformat() if born else None}
    for name, value in derived.items():
        f = fields.get(name)
        if value is not None and (f is None or f.value in (None, "")):
            fields[name] = Field(value, f.raw if f else "", idn.confidence, idn.page, f.box if f else None, "derived")


def cross_checks(doc_type: str, fields: dict[str, Field], today: dt.date) -> list[Check]:
    """Checks between fields of one document, each a warning with its evidence."""
    out = []

    def val(name):
        f = fields.get(name)
        return f.value if f else None

    for name, f in fields.items():
        if f.status == "repaired":
            shown = mask_id_number(f.value) if "id_number" in name else f.value
            out.append(Check("code_repaired", f"{name} repaired from its check character (read {_mask_raw(name, f.raw)!r}, now {shown})", (name,)))
        elif f.status == "unreadable" and name in ("uscc", "id_number", "principal_uscc", "agent_id_number", "holder_uscc"):
            out.append(Check("checksum_failed", f"{name} unreadable: no reading passes its check character", (name,)))
    uscc = val("uscc")
    if uscc and not uscc_org_code_ok(uscc):
        out.append(Check("org_code_check", f"uscc {uscc}: organisation code (positions 9-17) fails its GB 11714 check", ("uscc",)))
    idn = val("id_number")
    if idn:
        born = id_birth_date(idn)
        printed = val("birth_date")
        if printed and born and printed != born.isoformat():
            out.append(Check("birth_date_mismatch", f"birth_date printed {printed} but the ID number says {born.isoformat()}", ("birth_date", "id_number")))
        sex = val("sex")
        if sex and sex != id_sex(idn):
            out.append(Check("sex_mismatch", f"sex printed {sex} but the ID number says {id_sex(idn)}", ("sex", "id_number")))
    validity = {"id_card": "ID card validity", "authorization_letter": "authorisation", "qualification": "certificate"}
    for end_key, what in (("term_end", "licence term"), ("valid_to", validity.get(doc_type, "validity"))):
        end = val(end_key)
        if end and end != "长期" and dt.date.fromisoformat(end) < today:
            out.append(Check("expired", f"{what} ended on {end}: expired", (end_key,)))
    out.extend(_region_checks(fields))
    figures, words = val("amount"), val("amount_in_words")
    if figures is not None and words is not None and abs(float(figures) - float(words)) >= 0.005:
        out.append(Check("amount_mismatch", f"amount in figures {fields['amount'].raw!r} differs from the amount in words "
                         f"{fields['amount_in_words'].raw!r} ({figures} vs {words})", ("amount", "amount_in_words")))
    return out


def _region_checks(fields: dict[str, Field]) -> list[Check]:
    """A USCC's division code (positions 3-8) names where the company was registered, and
    its address should lie in the same province; an ID number's (positions 1-6) where the
    holder was first registered, which people leave: that one is only a note."""
    out = []
    for code_key, at, level in (("uscc", 2, "warning"), ("id_number", 0, "note")):
        code, addr = fields.get(code_key), fields.get("address")
        if not (code and code.value and addr and addr.value):
            continue
        region = code.value[at : at + 2]
        where = address_province(addr.value)
        if where and region in PROVINCE_NAMES and where != region:
            shown = mask_id_number(code.value) if code_key == "id_number" else code.value
            out.append(Check("region_mismatch" if level == "warning" else "id_region_note",
                             f"{level}: {code_key} {shown} is registered in {PROVINCE_NAMES[region]} "
                             f"(division {code.value[at:at + 6]}) but the address is in {PROVINCE_NAMES[where]}",
                             (code_key, "address")))
    return out


def _mask_raw(name: str, raw: str) -> str:
    return mask_id_number(raw) if "id_number" in name else raw

