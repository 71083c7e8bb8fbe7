"""Second readings of an identity-code line whose code failed its check.

RapidOCR reads a whole line as one box, so the label 统一社会信用代码： and the code come as
one piece; re-read that way, a Latin model turns the label into junk glued to the code. This
module finds where on the line the code itself starts and ends (from the line's text, then
from the gaps between inked columns), cuts the code out, and has the engine's line readers
read it a few ways. Which of those readings may become the line's `alternatives` is decided
here too (`choose_alternatives`): extraction takes any alternative that validates, so an
alternative that validates must be backed by another reading of the same line.

Lines of text a seal damaged are read again too: a line boxed late (`late_start`), a
company name boxed in pieces (`name_piece_groups`) or short of its form's end
(`early_end`); these functions find where to read and which new reading to keep
(`whole_start`, `whole_from_pieces`, `whole_end`); reading.py does the reading.

Pure functions of text, boxes and pixels, except `second_readings`, which calls the engines.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections.abc import Iterator, Sequence

import numpy as np

from .codes import (
    CODE_LENGTH,
    SCORED_MARK,
    choice_slots,
    code_runs,
    first_choices,
    is_valid_id_number,
    is_valid_uscc,
    likeliest_code,
    scored_reading,
)
from .parsing import COMPANY_FORMS, opens_with_place, place_names, without_place, word_list
from .records import Box, OcrLine, Word

CODE_LABELS = ("统一社会信用代码", "公民身份号码", "身份证号码", "身份证号")
_CODE_RUN = re.compile(r"[0-9A-Za-z]{15,}")
# A run that may be a code read with a space, a hyphen or a dot inside.
_LOOSE_RUN = re.compile(r"[0-9A-Za-z](?:[0-9A-Za-z \-.]*[0-9A-Za-z])?")
_ALNUM = re.compile(r"[0-9A-Za-z]")
# A labelled line is re-read only if this many characters of a code follow its label:
# a licence prints its code as a line of its own beside a label-only line, or the label
# caught a stray character ("统一社会信用代码9").
MIN_CHARS_AFTER_LABEL = 10

# Width of a character in ems (the font size), in the Noto CJK faces the documents use:
# Han characters and full-width punctuation are square; digits about 0.55-0.6, capitals
# 0.65-0.75 (M and W wider). Only an estimate: `snap_code_start` settles on a gap.
_NARROW = frozenset("1Iijl.,:;!|'")
_WIDE = frozenset("MW")


def char_width(ch: str) -> float:
    """Estimated advance of `ch` in ems."""
    if not ch.isascii():
        return 1.0
    if ch.isdigit():
        return 0.57 if ch != "1" else 0.5
    if ch in _NARROW:
        return 0.3
    if ch in _WIDE:
        return 0.9
    if ch.isupper():
        return 0.7
    if ch == " ":
        return 0.3
    return 0.5


def code_start(text: str) -> int | None:
    """Index in `text` where its code starts: the first long alphanumeric run, else the
    first alphanumeric after a code label (None when the line has neither)."""
    for m in _LOOSE_RUN.finditer(text):
        if len(_ALNUM.findall(m.group(0))) >= 15:
            return m.start()
    for label in CODE_LABELS:
        k = text.find(label)
        if k >= 0:
            m = _ALNUM.search(text, k + len(label))
            return m.start() if m else None
    return None


def chars_after_label(text: str) -> int:
    """Alphanumerics after the first code label in `text` (0 when there is no label)."""
    for label in CODE_LABELS:
        k = text.find(label)
        if k >= 0:
            return len(_ALNUM.findall(text[k + len(label) :]))
    return 0


def holds_valid_code(text: str) -> bool:
    flat = re.sub(r"[\s\-]", "", text).upper()
    return any(
        is_valid_uscc(flat[i : i + 18]) or is_valid_id_number(flat[i : i + 18]) for i in range(max(0, len(flat) - 17))
    )


def wants_second_reading(text: str) -> bool:
    """A line holding a code-like run (15+ alphanumerics) or a code label followed by most of
    a code, and no code that validates."""
    if not (_CODE_RUN.search(re.sub(r"[\s\-]", "", text)) or chars_after_label(text) >= MIN_CHARS_AFTER_LABEL):
        return False
    return not holds_valid_code(text)


def estimate_code_x(text: str, box: Box) -> tuple[float, float] | None:
    """(x where the code starts, em in pixels), estimated from the text read in `box` by
    giving each character its typical width (`char_width`) and stretching the sum over the
    box. None when the text holds no code."""
    start = code_start(text)
    if start is None:
        return None
    widths = [char_width(c) for c in text]
    em = box.w / max(1e-6, sum(widths))
    return box.x + sum(widths[:start]) * em, em


# Ink: darker than Otsu's threshold over the line, kept within these bounds: on a
# flattened page print is near 0 and a grey seal comes out around 180, paper at 255; a
# blurred small page's strokes are lighter.
INK_LEVELS = (60, 140)


def ink_level(gray: np.ndarray, box: Box) -> int:
    """The grey level under which a pixel of the line in `box` counts as ink."""
    import cv2

    region = gray[max(0, box.y) : box.bottom, max(0, box.x) : box.right]
    if region.size == 0:
        return INK_LEVELS[1]
    level, _ = cv2.threshold(np.ascontiguousarray(region), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return int(min(INK_LEVELS[1], max(INK_LEVELS[0], level)))


def column_ink(gray: np.ndarray, box: Box, x0: int, x1: int, level: int | None = None) -> np.ndarray:
    """Inked pixels per column of `gray` over [x0, x1), in the middle of the box's height
    (a few rows off each edge, where the lines above and below reach in)."""
    trim = _edge_rows(box)
    y0, y1 = max(0, box.y + trim), min(gray.shape[0], box.bottom - trim)
    x0, x1 = max(0, x0), min(gray.shape[1], x1)
    if y1 <= y0 or x1 <= x0:
        return np.zeros(0, dtype=np.int64)
    level = ink_level(gray, box) if level is None else level
    return (gray[y0:y1, x0:x1] < level).sum(axis=0)


def _edge_rows(box: Box) -> int:
    return max(1, box.h // 6)


def counted_rows(box: Box) -> int:
    """How many rows of `box` column_ink counts in a column: the most ink a column holds."""
    return max(1, box.h - 2 * _edge_rows(box))


def snap_code_start(gray: np.ndarray, box: Box, x_est: float, em: float) -> int:
    """The code's first inked column: the end of the widest blank gap near the estimate
    (the gap after the label's colon, or the spaces between label and code), each pixel
    of distance from the estimate costing 0.15 px of gap width. The estimate stands when
    no gap of at least 0.12 em is found within 1.5 em before to 1 em after it."""
    lo, hi = max(box.x, int(x_est - 1.5 * em)), min(box.right, int(x_est + 1.0 * em))
    prof = column_ink(gray, box, lo, hi)
    if len(prof) < 3:
        return int(round(x_est))
    rows = counted_rows(box)
    blank = prof <= int(0.04 * rows)
    best: tuple[float, int, int] | None = None
    i = 0
    while i < len(blank):
        if not blank[i]:
            i += 1
            continue
        j = i
        while j < len(blank) and blank[j]:
            j += 1
        if j < len(blank):  # a gap with ink after it
            end = lo + j
            score = (j - i) - 0.15 * abs(end - x_est)
            if best is None or score > best[0]:
                best = (score, end, j - i)
        i = j
    if best is None or best[2] < 0.12 * em:
        return int(round(x_est))
    return best[1]


def code_box(gray: np.ndarray, text: str, box: Box) -> Box | None:
    """Where the code of a line read as `text` in `box` is on the page: from its first
    column (`snap_code_start`) to its last, which may lie right of the box: the detector
    stops short where a seal crosses a code's end. The right end is searched up to where
    18 characters at the pitch read so far would end, plus a tenth, and trimmed to ink."""
    est = estimate_code_x(text, box)
    if est is None:
        return None
    x_est, em = est
    start = code_start(text) or 0
    x0 = box.x if start == 0 else snap_code_start(gray, box, x_est, em)
    read = len(_ALNUM.findall(text[start:]))
    pitch = (box.right - x0) / read if read >= MIN_CHARS_AFTER_LABEL else 0.6 * em
    if start == 0 and read < CODE_LENGTH:
        x0 = _inked_start(gray, box, x0, pitch, CODE_LENGTH - read)
    reach = int(max(box.right, x0 + CODE_LENGTH * pitch * 1.1) + 0.3 * pitch)
    reach = min(gray.shape[1], reach)
    prof = column_ink(gray, box, x0, reach)
    inked = np.nonzero(prof)[0]
    if len(inked) == 0:
        return None
    # Ink separated from the code by a gap of more than 1.5 characters is something else.
    last, gap_limit = inked[0], max(2, int(1.5 * pitch))
    for k in inked[1:]:
        if k - last > gap_limit:
            break
        last = k
    x1 = x0 + int(last) + 1
    margin = max(2, int(0.25 * pitch))
    left, right = max(0, x0 - margin), min(gray.shape[1], x1 + margin)
    return Box(left, box.y, max(1, right - left), box.h)


def _inked_start(gray: np.ndarray, box: Box, x0: int, pitch: float, missing: int) -> int:
    """Where a code read short from a box of its own starts: the detector may begin the
    box late where a seal's star or ring crosses the first characters (110108… boxed from
    08…). Ink running on left of `x0`, with no blank wider than a character, for at most
    the characters missing, is the code's too; the blank before a label is wider."""
    lo = max(0, int(x0 - missing * pitch * 1.1))
    return first_inked(column_ink(gray, box, lo, x0) > 0, lo, x0, pitch)


def first_inked(inked: np.ndarray, lo: int, x0: int, pitch: float) -> int:
    """The leftmost column of the ink running on left of `x0` (`inked` flags the columns
    from `lo` up to it) before a blank wider than `pitch`; `x0` when none is inked."""
    first, blank = x0, 0
    for i in range(len(inked) - 1, -1, -1):
        if inked[i]:
            first, blank = lo + i, 0
        else:
            blank += 1
            if blank > pitch:
                break
    return first


def hamming(a: str, b: str) -> int:
    return sum(x != y for x, y in zip(a, b, strict=True))


def _valid(code: str) -> bool:
    return is_valid_uscc(code) or is_valid_id_number(code)


def valid_codes(text: str) -> set[str]:
    """Codes a reading yields that validate, as extraction would take them (fields.py
    `_code_windows`): an 18-run that validates, or the one validating end of a 19-20 run."""
    out = set()
    for run in code_runs(text):
        if len(run) == CODE_LENGTH and _valid(run):
            out.add(run)
        elif CODE_LENGTH < len(run) <= CODE_LENGTH + 2:
            ends = {run[:CODE_LENGTH], run[-CODE_LENGTH:]}
            good = [e for e in ends if _valid(e)]
            if len(good) == 1:
                out.add(good[0])
    return out


# A validating reading is taken only when another reading of the line (the page's first
# reading or another re-reading) backs it: an 18-character window of it within this many
# characters, position by position, or a shorter run (15-17 characters: a box cut short by
# a seal, a doubled digit read once) that lies within it, in order, with at most
# MAX_SHORT_SUBSTITUTIONS characters different. Measured on 649 code lines damaged on
# purpose (a seal arc, blur, downscaling, noise, JPEG) that RapidOCR then misread: backing
# within 3 characters made 164 right and 6 wrong-but-valid beyond the first readings' own;
# within 1, 165 right and 3 wrong (two readings by the same model sharing a misread).
MAX_SUPPORT_DISTANCE = 1
MAX_SHORT_SUBSTITUTIONS = 1
MIN_SHORT_RUN = 15


def _embeds(short: str, code: str, max_subs: int) -> bool:
    """True when `short` is `code` with some characters left out and at most `max_subs` of
    the rest read differently (an alignment that only deletes from `code`)."""
    n, m = len(code), len(short)
    if m > n:
        return False
    inf = max_subs + 1
    # best[j]: fewest substitutions aligning short[:j] within the code read so far.
    best = [0] + [inf] * m
    for i in range(n):
        for j in range(min(m, i + 1), 0, -1):
            best[j] = min(best[j], best[j - 1] + (short[j - 1] != code[i]))
    return best[m] <= max_subs


def backs(code: str, reading: str) -> bool:
    """Whether `reading` (another reading of the same line) backs the validating `code`."""
    for run in code_runs(reading):
        if len(run) == CODE_LENGTH:
            if hamming(code, run) <= MAX_SUPPORT_DISTANCE:
                return True
        elif CODE_LENGTH < len(run) <= CODE_LENGTH + 2:
            if any(hamming(code, w) <= MAX_SUPPORT_DISTANCE for w in (run[:CODE_LENGTH], run[-CODE_LENGTH:])):
                return True
        elif MIN_SHORT_RUN <= len(run) < CODE_LENGTH:
            if _embeds(run, code, MAX_SHORT_SUBSTITUTIONS):
                return True
    return False


def choose_alternatives(first: str, readings: Sequence[str]) -> tuple[str, ...]:
    """What of the re-readings of a line (`readings`; `first` is the page's own reading of
    the line) becomes its alternatives.

    Extraction takes any alternative that validates, so a validating re-reading is kept
    only when another reading backs it (`backs`): a misread that happens to pass its check
    (one in eleven for an ID number) is then dropped unless a second reading made nearly
    the same mistakes, and a reading shifted by a dropped and an extra character is never
    backed by an 18-character one. When the backed readings give two different codes, none
    is kept. Failing that, the re-readings that do not validate but hold an 18-character
    run backed by another reading are kept for codes.py's checksum-guided repairs; others
    are dropped: each is one more chance for a repair to land on a wrong code that passes
    (on 305 damaged code lines, keeping every re-reading repaired one of them wrong and
    gained none)."""
    scored = [text for text in readings if text.startswith(SCORED_MARK)]
    texts = [first, *(text for text in readings if not text.startswith(SCORED_MARK))]
    readings = texts[1:]
    choices = {i for i, text in enumerate(texts) if "[" in text and choice_slots(text) is not None}
    backed: set[str] = set()
    for i, text in enumerate(readings, start=1):
        for code in set() if i in choices else valid_codes(text):
            if any(backs(code, other) for j, other in enumerate(texts) if j != i and j not in choices):
                backed.add(code)
    if len(backed) == 1:
        return (backed.pop(),)
    out: list[str] = []
    for i, text in enumerate(readings, start=1):
        if text in out:
            continue
        if i in choices:
            # A choice reading (codes.repair_from_choices) backs nothing and is kept when
            # its first choices, as a reading of their own, were kept.
            if first_choices(choice_slots(text)) in out:
                out.append(text)
            continue
        if valid_codes(text):
            continue
        runs = [r for r in re.findall(r"[0-9A-Z]+", text.upper()) if len(r) == CODE_LENGTH]
        if any(backs(r, other) for r in runs for j, other in enumerate(texts) if j != i and j not in choices):
            out.append(text)
    # A likeliest code (codes.likeliest_code) was weighed against every reading already.
    return tuple(out + scored)


# A code the detector boxed in two pieces, where a seal or a smudge crosses it (3702 |
# 2197901110303, the 0 between them lost in the gap), is re-read as one line: each piece
# alone is too short to be taken for a code. The pieces must sit on one baseline at about
# the same height, the right one nothing but code characters, no further apart than this
# many line heights, and together hold a code's length or up to this many characters less.
MAX_FRAGMENT_GAP = 2.0
MAX_FRAGMENT_SHORTFALL = 3
_TAIL_RUN = re.compile(r"[0-9A-Za-z]+$")
_ONLY_CODE = re.compile(r"^[0-9A-Za-z]{2,}$")


def _continues_code(left: OcrLine, right: OcrLine) -> bool:
    """Whether `right` is the rest of a code that `left` ends with."""
    tail = _TAIL_RUN.search(re.sub(r"[\s\-]", "", left.text))
    rest = re.sub(r"[\s\-]", "", right.text)
    if tail is None or not _ONLY_CODE.match(rest):
        return False
    a, b = left.box, right.box
    height = max(a.h, b.h)
    if min(a.h, b.h) < 0.6 * height or abs(a.cy - b.cy) > 0.5 * height:
        return False
    if not (-0.5 * height <= b.x - a.right <= MAX_FRAGMENT_GAP * height) or b.right <= a.right:
        return False
    joined = len(tail.group(0)) + len(rest)
    if not CODE_LENGTH - MAX_FRAGMENT_SHORTFALL <= joined <= CODE_LENGTH:
        return False
    return not (holds_valid_code(left.text) or holds_valid_code(right.text))


def join_code_fragments(lines: Sequence[OcrLine]) -> tuple[OcrLine, ...]:
    """`lines` with a code boxed in two pieces joined into one line (see MAX_FRAGMENT_GAP):
    its text the two texts, its box both boxes, its last word the code's two parts, so
    that `second_readings` re-reads the whole code, the gap included. Lines come back in
    reading order (top to bottom, left to right)."""
    out = list(lines)
    i = 0
    while i < len(out):
        left = out[i]
        j = next((k for k, right in enumerate(out) if k != i and _continues_code(left, right)), None)
        if j is None:
            i += 1
            continue
        right = out[j]
        box = left.box.union(right.box)
        words = left.words or (Word(left.text, left.conf, left.box),)
        last = words[-1]
        code = Word(last.text + right.text, min(last.conf, right.conf), last.box.union(right.box))
        out[i] = OcrLine(left.text + right.text, min(left.conf, right.conf), box, (*words[:-1], code),
                         (*left.alternatives, *right.alternatives))
        del out[j]
        i = 0 if j < i else i  # the joined line may now continue another piece
    return tuple(sorted(out, key=lambda ln: (ln.box.y, ln.box.x)))


def code_crop(gray: np.ndarray, box: Box) -> tuple[np.ndarray, Box]:
    """The code's box cut out with a margin of a third of its height above and below (the
    recognisers want some paper round the ink), and the box within that cut."""
    pad = max(4, box.h // 3)
    y0, y1 = max(0, box.y - pad), min(gray.shape[0], box.bottom + pad)
    crop = gray[y0:y1, box.x : box.right]
    return crop, Box(0, box.y - y0, box.w, box.h)


def drop_light_ink(crop: np.ndarray, em: float, keep: float = 0.3) -> np.ndarray:
    """The crop with all but its darkest ink turned to paper: each pixel divided by the
    local paper brightness (a max filter a little wider than a character, smoothed), and
    what is lighter than `keep` of it dropped. A photocopied seal is dark too, but
    lighter than print where its ink is uneven and at its edges; print survives. It is a
    view for one more reading, not a better picture: read alone it gets fewer codes right
    than the crop as it is."""
    import cv2

    k = max(3, int(em * 1.2) | 1)
    paper = cv2.dilate(crop, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k / 3)
    ratio = crop.astype(np.float32) / np.maximum(paper.astype(np.float32), 1.0)
    return np.where(ratio < keep, ratio / keep * 120, 255).astype(np.uint8)


def line_readers(engine) -> tuple:
    """The engines that re-read code lines: both of a combined engine (its line engine
    first), else the engine itself."""
    readers = getattr(engine, "line_readers", None)
    return tuple(readers()) if callable(readers) else (engine,)


def code_text_and_box(line: OcrLine) -> tuple[str, Box]:
    """The words of a line that hold its code, joined, and their box: a tesseract line is
    several words (label, code); a RapidOCR line is one word holding both."""
    words = [w for w in line.words if code_start(w.text) is not None or len(w.text) >= 6 and w.text.isascii()]
    if not words:
        return line.text, line.box
    box = words[0].box
    for w in words[1:]:
        box = box.union(w.box)
    return "".join(w.text for w in words), box


# How each line reader sees a code: "plain" is the crop as prepared, "dark" the crop with
# all but its darkest ink dropped (`drop_light_ink`). On 294 code lines of degraded pages
# (seeds 5002, 7301-7312) RapidOCR read 11 that the page reading had wrong: plain alone
# made 4 of them right, plain and dark 6. tesseract read dark worse than plain (99 of 150
# code lines against 124) and gave no fix the others missed there, but it is another
# model's reading, and backs RapidOCR's now and then. On 344 damaged code lines (see
# MAX_SUPPORT_DISTANCE) the dark view keeping ink under 0.3 of the paper made 89 right
# and no wrong one beyond the first readings' own, against 80 and 2 at 0.4.
VIEWS = {"tesseract": ("plain",), "rapidocr": ("plain", "dark"), "rapidocr-v4": ("plain", "dark")}


def second_readings(gray: np.ndarray, line: OcrLine, engine, charset: str) -> list[str]:
    """Re-readings of the code on `line`, cut out of it, by each of the engine's line
    readers in each of its views (VIEWS); then, where a reader gave its scores, the valid
    code they find likeliest (`codes.likeliest_code`), marked as such (`scored_reading`).
    Empty when no code can be located."""
    text, box = code_text_and_box(line)
    cbox = code_box(gray, text, box)
    if cbox is None:
        return []
    est = estimate_code_x(text, box)
    em = est[1] if est else float(box.h)
    crop, inner = code_crop(gray, cbox)
    views = {"plain": crop}
    out: list[str] = []
    scores = []
    for reader in line_readers(engine):
        for view in VIEWS.get(reader.name, ("plain",)):
            if view not in views:
                views[view] = drop_light_ink(crop, em)
            scored = getattr(reader, "read_line_scored", None)
            if scored is None:
                reading, _conf = reader.read_line(views[view], inner, charset)
                choices = reading
            else:
                reading, _conf, choices, view_scores = scored(views[view], inner, charset)
                if view_scores is not None:
                    scores.append(view_scores)
            if reading:
                out.append(reading)
            if choices != reading:
                out.append(choices)
    if scores:
        kinds = ("id",) if set(charset) <= set("0123456789X") else ("uscc", "id")
        plain = [text, *(r for r in out if "[" not in r)]
        code = likeliest_code(plain, lambda t: sum(s.log_likelihood(t) for s in scores), kinds)
        if code is not None:
            out.append(scored_reading(code))
    return out


# --- a line of text boxed late: its first characters under a seal -------------------------
# The detector may begin a line's box several characters late where a seal's star or ring
# crosses its start (天津润博建筑… boxed from 建筑…); read from where its ink starts, the
# recogniser reads the characters through the seal (0.98 on a dev licence).
MAX_LATE_CHARS = 6  # the most characters a late start may have left out
SPECK_HEIGHT = 0.5  # a box under this share of the line's height is a speck, not a line
MIN_LATE_CHARS = 0.6  # less ink than this (in character widths) before the box is not a start
_HAN = re.compile(r"[\u4e00-\u9fff]")


def late_start(gray: np.ndarray, line: OcrLine, lines: Sequence[OcrLine]) -> Box | None:
    """The box `line` (Han text) would have had from its first inked column: ink running on
    left of it with no blank wider than a character, never into another line's box on its
    row (a label: the blank after it is wider), for at most MAX_LATE_CHARS characters.
    None when less than MIN_LATE_CHARS of a character is inked there."""
    box = line.box
    if len(_HAN.findall(line.text)) < 2:
        return None
    pitch = float(box.h)  # Han characters are square
    lo = max(0, int(box.x - MAX_LATE_CHARS * pitch))
    for ob in _neighbours_on_row(line, lines):
        if ob.x < box.x:
            lo = max(lo, ob.right + 1)  # a label boxed over the value's start leaves no room
    if box.x - lo < MIN_LATE_CHARS * pitch:
        return None
    prof = column_ink(gray, box, lo, box.x)
    rows = counted_rows(box)
    inked = prof > max(1, int(0.05 * rows))  # a grain of photocopy noise is not ink
    first = first_inked(inked, lo, box.x, pitch)
    if box.x - first < MIN_LATE_CHARS * pitch:
        return None
    left = max(lo, first - max(2, int(0.25 * pitch)))
    return Box(left, box.y, box.right - left, box.h)


def _neighbours_on_row(line: OcrLine, lines: Sequence[OcrLine]) -> Iterator[Box]:
    """The boxes of the other lines on `line`'s row that a re-read must not reach into. A
    speck boxed on its own (a seal's dot read 世, a third of the text's height) is no
    neighbour: the ink beyond it may still be the line's. A label in a smaller type (类 型
    beside a licence's values) is one."""
    box = line.box
    for other in lines:
        ob = other.box
        overlap = min(ob.bottom, box.bottom) - max(ob.y, box.y)
        if other is not line and ob.h >= SPECK_HEIGHT * box.h and overlap > 0.5 * min(ob.h, box.h):
            yield ob


def whole_start(old: str, new: str) -> str | None:
    """`new` (a reading from the line's inked start) when it is `old` with Han characters
    before it, as many as MAX_LATE_CHARS at most; None when the readings disagree on what
    `old` read (the seal's ink read into the line, or a different line)."""
    if not new.endswith(old) or new == old:
        return None
    head = new[: len(new) - len(old)]
    return new if len(head) <= MAX_LATE_CHARS and all(_HAN.match(c) for c in head) else None


def whole_start_mending(old: str, new: str) -> str | None:
    """`whole_start`, with one character of `old` read otherwise by `new` (沙亨朗… read
    from its inked start as 长沙亨明…): for a reading surer than the line's own, which
    read that character with the whole name before it."""
    if len(new) <= len(old) or new == old:
        return None
    body = new[len(new) - len(old) :]
    if sum(a != b for a, b in zip(body, old, strict=True)) > 1:
        return None
    return whole_start(body, new)


# Where the inked start of a late-boxed line is a seal's ring beside its first character
# (上海曦凯… under a seal: read from the ring as 上海曦凯 at 0.89, from the ring's inside as
# 江海曦凯 at 0.91, from just before 上 as 上海曦凯 at 0.94), the reading is tried again
# from a quarter character further right each time, up to half a character before the
# line's own box, for a company's name: one that then opens with a real place
# (places.txt) is taken. A misread opening is rarely a place.
LATE_START_STEP = 0.25  # characters


def late_start_boxes(gray: np.ndarray, line: OcrLine, lines: Sequence[OcrLine]) -> list[Box]:
    """`late_start`'s box, then, for a line naming a company, the same box started
    LATE_START_STEP of a character further right each time, as long as it starts half a
    character before the line's own box. Empty when `late_start` gives none."""
    first = late_start(gray, line, lines)
    if first is None:
        return []
    boxes = [first]
    if any(form in line.text for form in COMPANY_FORMS):
        step = max(1, int(LATE_START_STEP * line.box.h))
        for x in range(first.x + step, int(line.box.x - 0.5 * line.box.h) + 1, step):
            boxes.append(Box(x, first.y, line.box.right - x, first.h))
    return boxes


# --- a name boxed in pieces under a seal ----------------------------------------------------
# Where a seal crosses a company name, the detector may box it in pieces and lose what lies
# between them (北京众澜环保科 | 有限公司, 技 under the seal's ring). Read again as one line
# over all its pieces, the recogniser reads it whole more often than not: on six such rows
# of two hard dev sets, five came back whole, in the page as prepared or with light ink
# dropped, and the sixth unlike the pieces (so refused).
MAX_PIECE_GAP = 2.5  # line heights from one piece's end to the next's start
MIN_PIECE_HEIGHT = 0.6  # of the row's tallest piece: a speck is no piece
PIECES_CONF = 0.9  # a re-reading less sure than this is not taken
# Part of a company's form: the row is a name's (甲方（盖章）：上海鑫 | 环保科技股份有限公司).
_FORM_PIECE = re.compile(r"有限|公司|股份|有$|公$")


def name_piece_groups(lines: Sequence[OcrLine]) -> list[list[int]]:
    """Indices (into `lines`) of runs of two or more lines that are pieces of one line of Han
    text holding part of a company's form: on one baseline, about one height, each starting
    at most MAX_PIECE_GAP line heights after the one before ends. Left to right."""
    order = sorted(range(len(lines)), key=lambda i: lines[i].box.x)
    taken: set[int] = set()
    groups = []
    for i in order:
        if i in taken or not _HAN.search(lines[i].text):
            continue
        group = [i]
        for j in order:
            last, b = lines[group[-1]].box, lines[j].box
            if j in taken or j in group or b.x <= last.x:
                continue
            h = max(last.h, b.h)
            overlap = min(last.bottom, b.bottom) - max(last.y, b.y)
            if (overlap > 0.5 * min(last.h, b.h) and min(last.h, b.h) >= MIN_PIECE_HEIGHT * h
                    and -0.5 * h <= b.x - last.right <= MAX_PIECE_GAP * h and _HAN.search(lines[j].text)):
                group.append(j)
        if len(group) >= 2 and _FORM_PIECE.search("".join(lines[k].text for k in group)):
            taken.update(group)
            groups.append(group)
    return groups


def whole_from_pieces(pieces: Sequence[str], readings: Sequence[tuple[str, float]]) -> str | None:
    """Of the re-readings (text, confidence) of a row read in `pieces`, the surest at
    PIECES_CONF or more that holds every character of the pieces in order and more
    besides (what was lost between them). A piece of one character may be a seal's speck
    boxed on its own (武汉昌瑞食品有限公 | 公): the pieces without it count too. None when no
    re-reading fits."""
    from rapidfuzz.distance import LCSseq

    variants = ["".join(pieces)]
    variants += ["".join(p for k, p in enumerate(pieces) if k != i) for i, piece in enumerate(pieces) if len(piece) == 1]
    fits = [(conf, text) for text, conf in readings if conf >= PIECES_CONF
            and any(len(text) > len(v) and LCSseq.similarity(v, text) == len(v) for v in variants)]
    return max(fits)[1] if fits else None


# --- a company name boxed short under a seal ---------------------------------------------
# The mirror of a late start: the detector may end a name's box where a seal crosses its
# form (星思（宁波）信息科技有 | 限公司 under the seal). Only lines ending in part of a form
# are looked at: elsewhere a seal's ink after a line's end would be read into it.
_BROKEN_FORM_END = re.compile(r"(?:有|有限|有限公|有限责|有限责任|有限责任公|股份|股份有|股份有限|股份有限公)$")


def early_end(gray: np.ndarray, line: OcrLine, lines: Sequence[OcrLine]) -> Box | None:
    """The box `line` (ending in part of a company's form) would have had to its last
    inked column: ink running on right of it with no blank wider than a character, never
    into another line's box on its row, for at most MAX_LATE_CHARS characters. None when
    less than MIN_LATE_CHARS of a character is inked there."""
    box = line.box
    if not _BROKEN_FORM_END.search(line.text) or len(_HAN.findall(line.text)) < 2:
        return None
    pitch = float(box.h)
    hi = min(gray.shape[1], int(box.right + MAX_LATE_CHARS * pitch))
    for ob in _neighbours_on_row(line, lines):
        if ob.right > box.right:
            hi = min(hi, ob.x - 1)
    if hi - box.right < MIN_LATE_CHARS * pitch:
        return None
    prof = column_ink(gray, box, box.right, hi)
    inked = prof > max(1, int(0.05 * counted_rows(box)))
    # The mirror of a late start's first inked column: counted from the right end back.
    last = box.right + len(inked) - 1 - first_inked(inked[::-1], 0, len(inked), pitch)
    if last - box.right < MIN_LATE_CHARS * pitch:
        return None
    right = min(hi, last + max(2, int(0.25 * pitch)))
    return Box(box.x, box.y, right - box.x, box.h)


def whole_end(old: str, new: str) -> str | None:
    """`new` (a reading to the line's last inked column) when it is `old` with Han
    characters after it, as many as MAX_LATE_CHARS at most; None otherwise."""
    if not new.startswith(old) or new == old:
        return None
    tail = new[len(old) :]
    return new if len(tail) <= MAX_LATE_CHARS and all(_HAN.match(c) for c in tail) else None


# A line the recogniser read less sure than this is read twice more and its Han characters
# put to the vote (`voted_text`): a clean page's lines come at 0.99 and over, and are not
# read again.
VOTE_BELOW_CONF = 0.99
MIN_VOTE_HAN = 4  # lines with fewer Han characters (a label, a speck) are not voted on
MIN_VIEW_CONF = 0.9  # a view less sure than this has no vote


def wants_vote(line: OcrLine) -> bool:
    return line.conf < VOTE_BELOW_CONF and len(_HAN.findall(line.text)) >= MIN_VOTE_HAN


def voted_text(text: str, conf: float, views: Sequence[tuple[str, float]]) -> str | None:
    """`text` (read at `conf`) with each character that two other readings of the same box
    (`views`: text, confidence) both read as one Han character replaced by it; None when
    none is. A grey seal's strokes cross one character of a name and the first reading
    takes it for a neighbour in shape (越昊 read 越臭, 大连 read 太连); read again as cut out
    and with the light ink dropped, the two agree on what is printed. The views overrule
    the first reading only when each is at least MIN_VIEW_CONF sure and the two together
    surer than it (both views misread 泰晨 as 泰展, each less sure than the first reading;
    two views at 0.6 and 0.7 read 室 as 年). Where the views disagree with each other, or
    only one reads otherwise, the first reading stands. A character of any kind may be
    voted a Han character (1州 for 广州); none is voted into anything else, so digits and
    codes stay as read. Characters are matched along each view's alignment with `text`
    (difflib), so a view that lost or gained a character elsewhere still votes where it
    lines up; only a substitution of one character for one counts."""
    if len(views) < 2 or min(c for _, c in views) < MIN_VIEW_CONF or sum(c for _, c in views) / len(views) <= conf:
        return None
    readings = [t for t, _ in views]
    votes: list[dict[str, int]] = [{} for _ in text]
    for reading in readings:
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, text, reading, autojunk=False).get_opcodes():
            if op == "replace" and i2 - i1 == j2 - j1:
                for i, j in zip(range(i1, i2), range(j1, j2)):
                    votes[i][reading[j]] = votes[i].get(reading[j], 0) + 1
    out = list(text)
    for i, counts in enumerate(votes):
        for ch, n in counts.items():
            if n >= 2 and _HAN.fullmatch(ch):
                out[i] = ch
    voted = "".join(out)
    return voted if voted != text else None


# --- a trade word misread, its runner-up the real one -------------------------------------
# Under a seal the recogniser reads a character of a company's trade word as another of
# like shape (餐软 for 餐饮, 產品 for 食品), at times sure enough that no view outvotes it,
# but with the printed character as its runner-up. A company's name states its trade just
# before its company form (企业名称登记管理规定: 字号 + 行业 + 组织形式), in a few common
# words (industry_terms.txt). Walking back from the form over such words, where the
# characters read make no trade word but one runner-up of a doubtful character makes one,
# that runner-up is taken; the walk stops where neither makes one, so the trade name
# before the trade words is left as read. A name needs its trade name: a
# mend that leaves fewer than MIN_TRADE_NAME characters of it after the place (杭州环球
# 科技 mended to 杭州环保科技) mended the trade name, and is not taken.
TRADE_WORD_LENGTHS = (4, 3, 2)
MIN_TRADE_NAME = 2
_HAN_RUN_END = re.compile(r"[\u4e00-\u9fff]*$")


def industry_terms() -> frozenset[str]:
    return word_list("industry_terms.txt")


def _form_start(text: str) -> int | None:
    """Where the first company form in `text` starts, after at least one character."""
    starts = [i for i in (text.find(form) for form in COMPANY_FORMS) if i > 0]
    return min(starts) if starts else None


def _mend_trade_words(text: str, mend) -> str | None:
    """The walk back from `text`'s company form over its trade words: where the
    characters read make none, `mend(out, pos)` (the characters so far, where the walk
    stands) gives the one mend to take, as (where, what, the trade word's length), or
    None to stop there. None when nothing is mended, or the mends leave no trade name."""
    pos = _form_start(text)
    if pos is None:
        return None
    terms, out = industry_terms(), list(text)
    while pos >= min(TRADE_WORD_LENGTHS):
        k = next((k for k in TRADE_WORD_LENGTHS if pos >= k and "".join(out[pos - k : pos]) in terms), None)
        if k is not None:
            pos -= k
            continue
        found = mend(out, pos)
        if found is None:
            break
        at, char, k = found
        out[at] = char
        pos -= k
    mended_text = "".join(out)
    if mended_text == text:
        return None
    name_head = _HAN_RUN_END.search(mended_text[:pos]).group(0)  # after 甲方： and the like
    return mended_text if len(without_place(name_head)) >= MIN_TRADE_NAME else None


def trade_words_from_runner_ups(text: str, slots: Sequence[str]) -> str | None:
    """`text` with the trade words before its company form mended from the runner-ups in
    `slots` (one per character of `text`: the character, or it and its runner-up); None
    when nothing is mended, or `slots` is not a reading of `text`."""
    if len(slots) != len(text) or any(s[0] != c for s, c in zip(slots, text, strict=True)):
        return None
    terms = industry_terms()

    def one_runner_up(out: list[str], pos: int) -> tuple[int, str, int] | None:
        mended = set()
        for k in TRADE_WORD_LENGTHS:
            for i in range(max(0, pos - k), pos) if pos >= k else ():
                for alt in slots[i][1:]:
                    word = out[pos - k : pos]
                    word[i - (pos - k)] = alt
                    if "".join(word) in terms:
                        mended.add((i, alt, k))
        return mended.pop() if len(mended) == 1 else None

    return _mend_trade_words(text, one_runner_up)


# A trade word misread with confidence (环深科技 for 环保科技, 利技 for 科技) has no runner-up
# to mend it from, but the recogniser still gave the printed character some score. Where
# the walk above stops at characters that make no trade word, every trade word one
# character away from them is weighed by how likely the recogniser finds the name with it
# (`rapid.LineScores`): the likeliest is taken when it is no more than TERM_FLOOR less
# likely than the name as read and leads any other by TERM_MARGIN. A trade name that is
# no trade word (环球) stays: its printed characters make another word very unlikely.
TERM_FLOOR = 8.0  # nats
TERM_MARGIN = 3.0  # nats


@functools.cache
def _by_length(words: frozenset[str]) -> dict[int, tuple[str, ...]]:
    """`words` (trade words, places) by their length."""
    out: dict[int, list[str]] = {}
    for word in words:
        out.setdefault(len(word), []).append(word)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def trade_words_by_likelihood(text: str, likelihood) -> str | None:
    """`text` (a company's name as read) with the trade words before its company form
    mended where `likelihood` (text → log-likelihood) allows (TERM_FLOOR, TERM_MARGIN);
    None when nothing is mended."""
    if _form_start(text) is None:
        return None
    as_read = likelihood(text)
    if not math.isfinite(as_read):  # a character the recogniser does not know: no weighing
        return None
    by_length = _by_length(industry_terms())

    def likeliest_term(out: list[str], pos: int) -> tuple[int, str, int] | None:
        weighed: dict[tuple[int, str], tuple[float, int]] = {}  # (where, what) → (likelihood, word length)
        for k in TRADE_WORD_LENGTHS:
            if pos < k:
                continue
            word = out[pos - k : pos]
            for term in by_length.get(k, ()):
                diff = [j for j in range(k) if term[j] != word[j]]
                if len(diff) != 1:
                    continue
                at, char = pos - k + diff[0], term[diff[0]]
                if (at, char) in weighed:  # the same mend makes a longer word too
                    ll, longest = weighed[(at, char)]
                    weighed[(at, char)] = (ll, max(longest, k))
                    continue
                cand = out.copy()
                cand[at] = char
                weighed[(at, char)] = (likelihood("".join(cand)), k)
        ranked = sorted(weighed.items(), key=lambda kv: kv[1][0], reverse=True)
        if not ranked or ranked[0][1][0] < as_read - TERM_FLOOR:
            return None
        if len(ranked) > 1 and ranked[0][1][0] - ranked[1][1][0] < TERM_MARGIN:
            return None
        (at, char), (_ll, k) = ranked[0]
        return at, char, k

    return _mend_trade_words(text, likeliest_term)


# The place a company's name opens with, misread with confidence (器岛 for 青岛 under a
# seal), is mended the same way: where the name opens with no place (places.txt), every
# place one character away from its opening is weighed by likelihood, the likeliest taken
# within TERM_FLOOR of the name as read and TERM_MARGIN ahead of any other.


def place_by_likelihood(text: str, likelihood) -> str | None:
    """`text` (a company's name as read, after a label or not) with the place it opens
    with mended where `likelihood` (text → log-likelihood) allows; None when the name
    opens with a place already, or nothing is mended."""
    form = _form_start(text)
    if form is None:
        return None
    begin = _HAN_RUN_END.search(text[:form]).start()
    name = text[begin:]
    as_read = likelihood(text)
    if opens_with_place(name) or not math.isfinite(as_read):
        return None
    weighed = []
    for k, places in _by_length(place_names()).items():
        opening = name[:k]
        if form - begin - k < MIN_TRADE_NAME:  # no trade name left after the place
            continue
        for place in places:
            if sum(a != b for a, b in zip(place, opening, strict=True)) == 1:
                cand = text[:begin] + place + name[k:]
                weighed.append((likelihood(cand), cand))
    weighed.sort(reverse=True)
    if not weighed or weighed[0][0] < as_read - TERM_FLOOR:
        return None
    if len(weighed) > 1 and weighed[0][0] - weighed[1][0] < TERM_MARGIN:
        return None
    return weighed[0][1]
