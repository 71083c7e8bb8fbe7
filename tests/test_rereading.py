"""Second readings of code lines (extractors/rereading.py): where on its line a code is,
which re-readings may become alternatives, and one real-OCR check that a code under a
grey seal on a committed sample is read right through them."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from conftest import SAMPLES
from extractors.rapid import LineScores, ctc_log_likelihood, decode_choices, decode_restricted
from extractors.records import Box, OcrLine, Word
from extractors.rereading import (
    backs,
    chars_after_label,
    choose_alternatives,
    code_box,
    code_start,
    code_text_and_box,
    drop_light_ink,
    early_end,
    estimate_code_x,
    join_code_fragments,
    late_start,
    late_start_boxes,
    name_piece_groups,
    snap_code_start,
    valid_codes,
    voted_text,
    wants_second_reading,
    wants_vote,
    whole_end,
    whole_from_pieces,
    whole_start,
    whole_start_mending,
)

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
USCC = "91350100M000100Y43"  # SPEC.md's example: valid
ID_NUMBER = "11010519491231002X"  # valid


def _render(label: str, code: str, size: int = 28, gap: int = 0) -> tuple[np.ndarray, Box, int, int]:
    """A line `label` + `code` drawn in Noto Serif CJK: the page, the line's box, and the
    x of the code's first and last inked columns."""
    font = ImageFont.truetype(SERIF, size, index=2)
    x0, y0 = 40, 30
    img = Image.new("L", (80 + int(font.getlength(label + code)) + gap + 40, 2 * size + 40), 255)
    draw = ImageDraw.Draw(img)
    draw.text((x0, y0), label, font=font, fill=0)
    code_x = x0 + font.getlength(label) + gap
    draw.text((code_x, y0), code, font=font, fill=0)
    gray = np.asarray(img)
    ink = np.nonzero((gray < 128).any(axis=0))[0]
    rows = np.nonzero((gray < 128).any(axis=1))[0]
    box = Box(int(ink[0]), int(rows[0]), int(ink[-1] - ink[0] + 1), int(rows[-1] - rows[0] + 1))
    code_ink = np.nonzero((gray[:, int(code_x) :] < 128).any(axis=0))[0] + int(code_x)
    return gray, box, int(code_ink[0]), int(code_ink[-1])


# --- which lines are re-read ------------------------------------------------------------


def test_code_starts_after_its_label_or_at_its_long_run():
    assert code_start("统一社会信用代码：91350100M000100Y4") == 9
    assert code_start("91350100M000100Y43") == 0
    assert code_start("公民身份号码11010519491231-002X") == 6  # a hyphen read inside
    assert code_start("身份证号码：1101051949") == 6  # short, but after a label
    assert code_start("住所：杭州市西湖区文三路90号") is None


def test_only_lines_holding_most_of_a_code_that_fails_are_re_read():
    assert wants_second_reading("统一社会信用代码：91350100M000100Y44")  # check character wrong
    assert wants_second_reading("公民身份号码1101051949123100")  # 16 of 18 read
    assert not wants_second_reading("统一社会信用代码：" + USCC)  # valid as read
    assert not wants_second_reading("公民身份号码" + ID_NUMBER)
    # A licence's label-only line, with a stray character: its code is a line of its own.
    assert chars_after_label("统一社会信用代码9") == 1
    assert not wants_second_reading("统一社会信用代码9")
    assert not wants_second_reading("成立日期2015年03月12日")


def test_the_code_words_of_a_tesseract_line_are_taken_alone():
    label, code = Word("统一社会信用代码", 0.9, Box(10, 5, 200, 30)), Word("91350100M000100Y44", 0.8, Box(230, 5, 300, 30))
    text, box = code_text_and_box(OcrLine("统一社会信用代码91350100M000100Y44", 0.85, label.box.union(code.box), (label, code)))
    assert (text, box) == ("91350100M000100Y44", code.box)


# --- where the code is ------------------------------------------------------------------


def test_code_x_is_estimated_from_the_text_within_an_em():
    gray, box, first, _last = _render("统一社会信用代码：", USCC)
    x, em = estimate_code_x("统一社会信用代码：" + USCC, box)
    assert 24 <= em <= 32  # the font is 28 px
    assert abs(x - first) < 0.5 * em


def test_code_start_snaps_to_the_gap_after_the_label():
    for label, gap in (("统一社会信用代码：", 0), ("公民身份号码", 40), ("身份证号码：", 0)):
        gray, box, first, _last = _render(label, ID_NUMBER, gap=gap)
        x, em = estimate_code_x(label + ID_NUMBER, box)
        assert abs(snap_code_start(gray, box, x, em) - first) <= 2, label


def test_code_box_reaches_past_a_box_cut_short_and_leaves_the_label_out():
    gray, box, first, last = _render("统一社会信用代码：", USCC)
    # The detector stopped three characters early (a seal across the code's end) and the
    # recogniser read only what was in its box.
    short = Box(box.x, box.y, last - 3 * 16 - box.x, box.h)
    found = code_box(gray, "统一社会信用代码：" + USCC[:-3], short)
    assert found is not None
    assert first - 12 <= found.x <= first
    assert last <= found.right <= last + 12


def test_code_box_of_a_line_that_is_only_a_code_starts_at_the_line():
    gray, box, first, last = _render("", USCC)
    found = code_box(gray, USCC, box)
    assert found is not None and found.x <= first and last <= found.right <= last + 12


def test_code_box_of_a_code_boxed_late_reaches_back_to_its_first_character_not_its_label():
    """The detector began the box at the code's 4th character (a seal's star over the first
    three): the code box reaches back over them, and stops at the blank before the label."""
    gray, box, first, last = _render("公民身份号码", ID_NUMBER, gap=30)
    pitch = (last - first + 1) / len(ID_NUMBER)
    late = int(first + 3 * pitch) + 2
    found = code_box(gray, ID_NUMBER[3:], Box(late, box.y, last + 1 - late, box.h))
    assert found is not None
    assert first - 0.5 * pitch <= found.x <= first
    assert found.right >= last


def test_light_ink_is_dropped_and_print_kept():
    gray, box, first, last = _render("", ID_NUMBER)
    img = Image.fromarray(gray.copy())
    ImageDraw.Draw(img).ellipse((first - 40, box.y - 120, first + 160, box.y + 15), outline=170, width=5)
    crop = np.asarray(img)[box.y - 8 : box.bottom + 8, first - 4 : last + 4]
    out = drop_light_ink(crop, 28)
    print_ink = crop < 50  # the strokes, not their anti-aliased edges
    seal_ink = (crop > 150) & (crop < 190)
    assert seal_ink.sum() > 50
    assert (out[seal_ink] == 255).mean() > 0.95
    assert (out[print_ink] < 128).mean() > 0.95


# --- which re-readings become alternatives ----------------------------------------------


def test_a_validating_re_reading_backed_by_another_reading_is_kept():
    first = "统一社会信用代码：91350100M000100Y48"  # one character misread
    assert choose_alternatives(first, ["9135O1OOMOOO1OOY4", USCC]) == (USCC,)
    # Backed by another re-reading rather than the first reading.
    assert choose_alternatives("统一社会信用代码：", ["91350100M000I00Y43", USCC]) == (USCC,)


def test_a_likeliest_code_stays_beside_the_readings_and_backs_none_of_them():
    from extractors.codes import scored_reading

    likeliest = scored_reading(USCC)
    # A re-reading that validates is still unbacked: the likeliest code is no reading.
    assert choose_alternatives("统一社会信用代码：", [USCC, likeliest]) == (likeliest,)
    # Kept beside the readings left for the other repairs.
    misread = "91350100M000100Y48"
    assert choose_alternatives("统一社会信用代码：" + misread, [misread, likeliest]) == (misread, likeliest)
    # A code two readings back is taken alone, as before.
    assert choose_alternatives("统一社会信用代码：91350100M000100Y48", ["9135O1OOMOOO1OOY4", USCC, likeliest]) == (USCC,)


def test_a_box_cut_short_backs_the_code_it_begins():
    assert backs(USCC, "统一社会信用代码：91350100M000100Y4")  # 17 characters
    assert backs(USCC, "9135010M000100Y43")  # a doubled 0 read once
    assert backs(USCC, "9135010M0001Q0Y4")  # and the last one missing, and one misread
    assert not backs(USCC, "9135010M0001QQY4")  # two misread: too far
    assert not backs(USCC, "9135010M0001")  # too little of it


def test_an_unbacked_validating_re_reading_is_dropped():
    # The re-reading validates but no other reading is anywhere near it.
    assert choose_alternatives("统一社会信用代码：", [USCC, "PLEBMA"]) == ()


def test_a_shifted_reading_is_not_backed_by_an_18_character_one():
    # Dropped a character and picked up one at the end: Levenshtein 2, Hamming 14.
    truth_like = "9144010653634459X7"
    shifted = "914401065363459X21"
    assert not backs(shifted, truth_like)


def test_two_different_backed_codes_give_no_alternative():
    # Each validating re-reading is backed by a short one; they disagree: neither is kept.
    readings = [USCC, "91350100M000100Y4", ID_NUMBER, "1101051949123100"]
    assert not any(valid_codes(a) for a in choose_alternatives("", readings))


def test_failing_re_readings_are_kept_only_when_another_reading_backs_them():
    first = "公民身份号码110105194912310028"  # the check character misread
    near = "110105194912310O28"  # fails (a letter), one character off the first reading
    far = "A101DABH06TT11ELQB"  # fails, near nothing
    assert choose_alternatives(first, [near, far]) == (near,)


def test_a_choice_reading_is_kept_with_its_first_choices_and_backs_nothing():
    first = "统一社会信用代码：91350100M000100Y48"
    plain = "91350100M000100Y48"
    choices = "91350100M000100Y4[83]"
    assert choose_alternatives(first, [plain, choices]) == (plain, choices)
    # Its first choices not kept (backed by nothing): neither is it.
    assert choose_alternatives("统一社会信用代码：", ["A101DABH06TT11ELQB", "A101DABH06TT11ELQ[B8]"]) == ()
    # A choice reading never backs a re-reading: its own plain twin would back itself.
    assert choose_alternatives("统一社会信用代码：", ["91350100M000100Y48", "91350100M000100Y4[83]"]) == ()


def test_choice_decoding_writes_the_runner_up_of_a_doubtful_character():
    classes = ["blank", "0", "8", "3", "X"]
    steps = [
        [0.1, 0.9, 0, 0, 0],  # 0, sure
        [0.9, 0.1, 0, 0, 0],  # blank
        [0.1, 0, 0.5, 0.4, 0],  # 8, with 3 close behind
        [0.2, 0, 0.6, 0.2, 0],  # 8 again: one 8, its best step 0.6
        [0.9, 0, 0, 0, 0.1],  # blank
        [0.1, 0, 0, 0.05, 0.85],  # X, sure: its runner-up too weak
    ]
    text, conf, choices = decode_choices(np.array(steps, dtype=np.float32), classes, "038X")
    assert text == "08X"
    assert choices == ("0", "83", "X")
    assert abs(conf - (0.9 + 0.5 + 0.85) / 3) < 1e-6
    # Restricted to an alphabet without 3, the runner-up is the next allowed.
    assert decode_choices(np.array(steps, dtype=np.float32), classes, "08X")[2] == ("0", "8", "X")


def test_restricted_decoding_keeps_only_the_alphabet():
    classes = ["blank", "0", "O", "1", "I", "X", "："]
    steps = [
        [0.1, 0.3, 0.6, 0, 0, 0, 0],  # O, but 0 is the best allowed
        [0.9, 0.05, 0.05, 0, 0, 0, 0],  # blank
        [0.1, 0, 0, 0.2, 0.7, 0, 0],  # I -> 1
        [0.2, 0, 0, 0, 0, 0.1, 0.7],  # a colon: X is allowed, blank scores higher
        [0.1, 0, 0, 0, 0, 0.9, 0],  # X
        [0.1, 0, 0, 0, 0, 0.9, 0],  # X again without a blank between: one X
    ]
    text, conf = decode_restricted(np.array(steps, dtype=np.float32), classes, "01X")
    assert text == "01X"
    assert 0.2 < conf < 0.9


# --- a code boxed in two pieces ----------------------------------------------------------


def _piece(text: str, x: int, w: int, y: int = 100, h: int = 40) -> OcrLine:
    box = Box(x, y, w, h)
    return OcrLine(text, 0.9, box, (Word(text, 0.9, box),))


def test_a_code_boxed_in_two_pieces_is_joined_into_one_line():
    label = _piece("公民身份号码", 10, 160)
    head, rest = _piece("1101", 385, 90), _piece("519491231002X", 495, 290)  # the 0 between lost
    lines = join_code_fragments([rest, label, head])
    assert [ln.text for ln in lines] == ["公民身份号码", "1101519491231002X"]
    joined = lines[1]
    assert joined.box == Box(385, 100, 400, 40)
    assert wants_second_reading(joined.text)
    # One word for the whole code: second_readings cuts the code out of the line's words.
    assert code_text_and_box(joined) == ("1101519491231002X", joined.box)


def test_a_label_with_the_start_of_its_code_is_joined_to_the_rest():
    first = _piece("统一社会信用代码：9135010", 10, 420)
    joined, = join_code_fragments([first, _piece("M000100Y43", 470, 220)])  # a 0 lost
    assert joined.text == "统一社会信用代码：9135010M000100Y43"
    assert joined.box == Box(10, 100, 680, 40)


@pytest.mark.parametrize(
    "pieces",
    [
        # Too far apart: another column.
        [_piece("1101", 385, 90), _piece("0519491231002X", 600, 290)],
        # Not one baseline: the line below.
        [_piece("1101", 385, 90), _piece("0519491231002X", 480, 290, y=150)],
        # Together far short of a code: a contract number and a date.
        [_piece("HT-2022", 385, 150), _piece("3345", 560, 90)],
        # Together longer than a code.
        [_piece("11010519", 385, 170), _piece("491231002X77", 570, 250)],
        # The right piece is text, not code characters.
        [_piece("1101051949", 385, 200), _piece("1231号", 600, 100)],
        # One piece already holds a whole valid code.
        [_piece("11010519491231002X", 385, 380), _piece("12", 780, 40)],
    ],
)
def test_pieces_that_are_not_one_code_stay_apart(pieces):
    assert join_code_fragments(pieces) == tuple(sorted(pieces, key=lambda ln: (ln.box.y, ln.box.x)))


# --- real OCR ---------------------------------------------------------------------------


@pytest.mark.ocr
@pytest.mark.parametrize("engine_name", ["rapidocr-v4+tesseract", "rapidocr+tesseract"])
def test_an_id_number_under_a_grey_seal_is_re_read_right(tmp_path, engine_name):
    """A grey seal ring (a red seal on a grey scan) drawn across the ID number of a
    committed sample. The PP-OCRv4 recogniser's page reading of the line fails its check
    there, and the re-reading gets the number right; the default engine (PP-OCRv6 small
    recogniser) reads it right, at once or through the re-reading, at least as often. Neither
    ever gives a wrong number."""
    from extractors.fields import extract
    from extractors.ocr import make_engine
    from extractors.reading import read_document, receive

    sample = SAMPLES / "id_card_02.jpg"
    truth = json.loads(sample.with_suffix(".json").read_text(encoding="utf-8"))["fields"]["id_number"]
    engine = make_engine(engine_name)
    page = Image.open(sample).convert("L")
    lines = engine.page.read_page(np.asarray(page))
    code_line = next(ln for ln in lines if truth in ln.text)
    b = code_line.box
    recovered = right = 0
    # Ring centre along the line (share of its width) and below its middle (share of the
    # radius); ring as a 42 mm seal at 200 dpi, grey as generate.py's grey seals.
    for along, below in ((0.55, 0.5), (0.7, 0.8), (0.85, 0.5)):
        img = page.copy()
        r, cx, cy = 165, b.x + along * b.w, b.y + b.h / 2 + 165 * below
        ImageDraw.Draw(img).ellipse((cx - r, cy - r, cx + r, cy + r), outline=140, width=12)
        path = tmp_path / f"sealed_{along}_{below}.png"
        img.save(path)
        result = read_document(receive(path), engine)
        value = extract(result, today=dt.date(2026, 11, 28)).value("id_number")
        assert value in (truth, None), (along, below, value)
        right += value == truth
        line = next((ln for ln in result.pages[0].lines if truth in ln.alternatives), None)
        if value == truth and line is not None and truth not in line.text:
            recovered += 1
    if engine_name.startswith("rapidocr-v4"):
        assert recovered >= 2
    assert right >= 2


@pytest.mark.ocr
def test_a_code_boxed_in_two_pieces_with_a_character_lost_between_is_re_read_whole():
    """The detector's two boxes of a code, the character between them lost (as where a
    seal crosses it): joined, the line is re-read over both boxes and the gap, and the
    whole number comes back as the line's alternative."""
    from extractors.ocr import make_engine
    from extractors.reading import _second_opinion_on_codes

    gray, box, first, last = _render("公民身份号码", ID_NUMBER, gap=30)
    pitch = (last - first + 1) / len(ID_NUMBER)
    lost = 9  # the 3 of 1949: a piece of 9 and one of 8 characters
    head = OcrLine(ID_NUMBER[:lost], 0.9, Box(first, box.y, int(lost * pitch) - 2, box.h))
    tail_x = int(first + (lost + 1) * pitch) + 1
    rest = OcrLine(ID_NUMBER[lost + 1 :], 0.9, Box(tail_x, box.y, last + 1 - tail_x, box.h))
    label = OcrLine("公民身份号码", 0.9, Box(box.x, box.y, first - box.x - 35, box.h))
    joined = join_code_fragments([label, head, rest])
    assert len(joined) == 2
    lines = list(_second_opinion_on_codes(gray, joined, make_engine("rapidocr+tesseract")))
    assert ID_NUMBER in lines[1].alternatives


@pytest.mark.ocr
def test_a_code_read_with_a_greek_letter_inside_is_re_read():
    """The page's reading put θ for a 0 in the middle of the code (913501θ0M…): counted as
    the O it looks like, the line holds a code-like run of 18 that fails, so it is re-read,
    and the re-readings give the code."""
    from extractors.ocr import make_engine
    from extractors.reading import _second_opinion_on_codes

    gray, box, first, last = _render("", USCC)
    k = USCC.index("0", 8)  # a 0 in the organisation code: runs of 9 and 8 either side
    read = OcrLine(USCC[:k] + "θ" + USCC[k + 1 :], 0.9, Box(first, box.y, last + 1 - first, box.h))
    (line,) = _second_opinion_on_codes(gray, [read], make_engine("rapidocr+tesseract"))
    assert USCC in line.alternatives


def test_a_code_after_an_id_label_is_re_read_in_digits_and_x_only():
    from extractors.reading import CODE_CHARSET, ID_CHARSET, code_charset

    assert code_charset("公民身份号码330EQ6199105206736") == ID_CHARSET  # 1 read E: no ID character
    assert code_charset("身份证号码：61011320001219025") == ID_CHARSET
    assert code_charset("统一社会信用代码：91350100M000100Y4") == CODE_CHARSET
    # A letter's line ending the principal's USCC, then naming the agent's ID label: the
    # code on it is the USCC's.
    assert code_charset("70202MA1JKRKH58）法定代表人于梅，现授权委托杨琴霞（身份证号码：") == CODE_CHARSET
    assert code_charset("330EQ6199105206736") == CODE_CHARSET  # no label: either kind


# --- a line of text boxed late under a seal ------------------------------------------------

NAME = "天津润博建筑工程有限责任公司"


def _name_line(gap: int = 60) -> tuple[np.ndarray, OcrLine, OcrLine, float]:
    """名称 then NAME `gap` px after it: the page, the label's line, the name's line as
    the detector boxed it whole, and the pitch of the name's characters."""
    gray, box, first, last = _render("名称", NAME, gap=gap)
    pitch = (last - first + 1) / len(NAME)
    label_right = int(first - gap + 2)
    label = OcrLine("名称", 1.0, Box(box.x, box.y, label_right - box.x, box.h))
    name = OcrLine(NAME, 1.0, Box(first, box.y, last + 1 - first, box.h))
    return gray, label, name, pitch


def test_a_name_boxed_four_characters_late_reaches_back_to_its_first_character_not_its_label():
    gray, label, name, pitch = _name_line()
    late = int(name.box.x + 4 * pitch) + 2
    boxed = OcrLine(NAME[4:], 0.99, Box(late, name.box.y, name.box.right - late, name.box.h))
    found = late_start(gray, boxed, [label, boxed])
    assert found is not None
    assert name.box.x - 0.5 * pitch <= found.x <= name.box.x
    assert found.x > label.box.right and found.right == boxed.box.right


def test_a_name_boxed_from_its_first_character_or_after_a_blank_is_left_alone():
    gray, label, name, _ = _name_line()
    assert late_start(gray, name, [label, name]) is None  # the blank after the label
    gray, label, name, _ = _name_line(gap=0)
    assert late_start(gray, name, [label, name]) is None  # the label's box is no start
    code = OcrLine("91350100M000100Y43", 1.0, name.box)
    assert late_start(gray, code, [label, code]) is None  # codes have their own re-reading


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        ("建筑工程有限责任公司", "天津润博建筑工程有限责任公司", "天津润博建筑工程有限责任公司"),
        ("建筑工程有限责任公司", "建筑工程有限责任公司", None),  # nothing more read
        ("建筑工程有限责任公司", "天津润博建筑王程有限责任公司", None),  # disagrees on the rest
        ("建筑工程有限责任公司", "O天津建筑工程有限责任公司", None),  # ring read as a letter
        ("有限公司", "天津润博建筑工程有限公司", None),  # more than MAX_LATE_CHARS before it
    ],
)
def test_a_reading_from_the_inked_start_is_kept_only_as_the_old_one_with_han_before_it(old, new, want):
    assert whole_start(old, new) == want


@pytest.mark.parametrize(
    ("old", "new", "want"),
    [
        ("沙亨朗医疗器械有限公司", "长沙亨明医疗器械有限公司", "长沙亨明医疗器械有限公司"),  # one read otherwise
        ("沙亨朗医疗器械有限公司", "长沙亨朗医疗器械有限公司", "长沙亨朗医疗器械有限公司"),
        ("沙亨朗医疗器械有限公司", "长沙亨明医疗器被有限公司", None),  # two
        ("沙亨朗医疗器械有限公司", "沙亨明医疗器械有限公司", None),  # nothing before it
    ],
)
def test_a_surer_reading_from_the_inked_start_may_read_one_character_otherwise(old, new, want):
    assert whole_start_mending(old, new) == want


def test_a_company_boxed_late_is_read_again_from_a_little_further_right_each_time():
    gray, label, name, pitch = _name_line()
    late = int(name.box.x + 4 * pitch) + 2
    boxed = OcrLine(NAME[4:], 0.99, Box(late, name.box.y, name.box.right - late, name.box.h))
    boxes = late_start_boxes(gray, boxed, [label, boxed])
    assert boxes[0] == late_start(gray, boxed, [label, boxed])
    starts = [b.x for b in boxes]
    assert len(boxes) > 4 and starts == sorted(set(starts))
    assert starts[-1] <= late - 0.5 * boxed.box.h and all(b.right == boxed.box.right for b in boxes)
    # Not a company's name: the inked start only.
    street = OcrLine("建筑路十八号院内东侧", 0.99, boxed.box)
    assert len(late_start_boxes(gray, street, [label, street])) == 1
    assert late_start_boxes(gray, name, [label, name]) == []


class _ReadsFrom:
    """An engine whose reading of a box depends on where the box starts (a seal's ring
    beside a name's first character): `readings` is [(x from which on, text, conf)]."""

    def __init__(self, readings):
        self.readings = readings

    def read_text(self, gray, box):
        return next(((t, c) for x, t, c in reversed(self.readings) if box.x >= x), ("", 0.0))


def test_of_the_readings_from_a_late_boxed_company_the_one_opening_with_a_place_is_taken():
    from extractors.reading import _late_starts

    gray, label, name, pitch = _name_line()
    late = int(name.box.x + 4 * pitch) + 2
    boxed = OcrLine(NAME[4:], 0.99, Box(late, name.box.y, name.box.right - late, name.box.h))
    first = late_start(gray, boxed, [label, boxed]).x
    # From the inked start: unsure. A little right: a misread opening. Further: the name.
    engine = _ReadsFrom([(0, "天津润博" + NAME[4:], 0.85), (first + 1, "大津润博" + NAME[4:], 0.93),
                         (first + int(pitch / 2), NAME, 0.92)])
    assert _late_starts(gray, (label, boxed), engine)[1].text == NAME
    # No reading opening with a place: the one from the inked start, if kept.
    engine = _ReadsFrom([(0, "大津润博" + NAME[4:], 0.95), (first + 1, "夫津润博" + NAME[4:], 0.97)])
    assert _late_starts(gray, (label, boxed), engine)[1].text == "大津润博" + NAME[4:]
    # A line that opens with a place as boxed takes nothing before it but a place.
    placed = OcrLine("天津" + NAME[4:], 0.99, boxed.box)
    engine = _ReadsFrom([(0, "三天津" + NAME[4:], 0.95)])
    assert _late_starts(gray, (label, placed), engine)[1].text == placed.text


def test_a_name_opens_with_a_place_only_when_its_first_characters_make_one():
    from extractors.parsing import opens_with_place

    assert opens_with_place("上海曦凯建筑工程有限公司") and opens_with_place("长沙亨明医疗器械有限公司")
    assert not opens_with_place("江海曦凯建筑工程有限公司") and not opens_with_place("曦凯建筑工程有限公司")


@pytest.mark.ocr
def test_a_name_boxed_late_under_a_grey_seal_is_read_whole_from_its_inked_start():
    """A grey seal's ring and star over the first characters of a name (as generate.py
    stamps them over a licence's name): wherever the detector began the box, the name
    is read whole, and never with the seal's ink read into it."""
    from extractors.ocr import make_engine
    from extractors.reading import _late_starts

    gray, label, name, pitch = _name_line()
    img = Image.fromarray(gray.copy())
    draw = ImageDraw.Draw(img)
    cx, cy, r = name.box.x + 2 * pitch, name.box.y + name.box.h / 2 + 10, 2.6 * pitch
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=150, width=4)
    draw.regular_polygon((cx, cy, 0.8 * pitch), 5, fill=160)
    sealed = np.asarray(img)
    engine = make_engine("rapidocr+tesseract")
    for chars_lost in (2, 3, 4):
        late = int(name.box.x + chars_lost * pitch) + 2
        boxed = OcrLine(NAME[chars_lost:], 0.99, Box(late, name.box.y, name.box.right - late, name.box.h))
        _, reread = _late_starts(sealed, (label, boxed), engine)
        assert reread.text == NAME, chars_lost
        assert reread.box.x <= name.box.x


# --- a name boxed in pieces under a seal -------------------------------------------------


def _name_piece(text: str, x: int, w: int, y: int = 100, h: int = 30) -> OcrLine:
    return OcrLine(text, 0.95, Box(x, y, w, h))


def test_pieces_of_a_name_on_one_row_are_grouped_left_to_right():
    lines = [
        _name_piece("有限公司", 330, 120),  # after a gap of a character: 技 lost there
        _name_piece("北京众澜环保科", 100, 200),
        _name_piece("三", 500, 15, y=120, h=12),  # a speck: no piece
        _name_piece("乙方（盖章）：", 1000, 200),  # another column
        _name_piece("武汉安智信息科技有限公司", 1000, 330, y=160),  # whole, on a row of its own
    ]
    assert name_piece_groups(lines) == [[1, 0]]


def test_pieces_without_a_company_form_are_no_name():
    assert name_piece_groups([_name_piece("法定代表人", 100, 150), _name_piece("张伟", 290, 60)]) == []


@pytest.mark.parametrize(("pieces", "readings", "want"), [
    (["北京众澜环保科", "有限公司"], [("北京众澜环保科技有限公司", 0.99)], "北京众澜环保科技有限公司"),
    # The surer of two that fit; one that lost a piece's character does not.
    (["上海鑫", "环保科技股份有限公司"], [("上海鑫联环保科技股份有限公司", 0.99), ("上海鑫联理保科技股份有限公司", 0.96)],
     "上海鑫联环保科技股份有限公司"),
    (["武汉昌瑞食品有限公", "公"], [("武汉昌瑞食品有限公司", 0.95), ("武汉瑞食品有限公司", 0.93)], "武汉昌瑞食品有限公司"),
    (["北京众澜环保科", "有限公司"], [("北京众澜环保科有限公司", 0.99)], None),  # adds nothing
    (["北京众澜环保科", "有限公司"], [("北京众澜环保科找有限公司", 0.6)], None),  # unsure
    (["北京正联建筑", "有限公"], [("北京店联建筑工程有限", 0.96)], None),  # unlike the pieces
])
def test_a_re_reading_of_the_pieces_is_taken_only_when_it_holds_them_and_more(pieces, readings, want):
    assert whole_from_pieces(pieces, readings) == want


@pytest.mark.ocr
def test_a_name_boxed_in_two_pieces_with_a_character_lost_between_is_read_whole():
    """A name whose detector boxes leave out the character between them (as where a seal's
    ring crosses it): read again over both boxes, the line comes back whole."""
    from extractors.ocr import make_engine
    from extractors.reading import _names_from_pieces

    name = "北京众澜环保科技有限公司"
    gray, box, first, last = _render("", name)
    pitch = (last - first + 1) / len(name)
    lost = name.index("技")
    head = OcrLine(name[:lost], 0.9, Box(first, box.y, int(lost * pitch) - 2, box.h))
    tail_x = int(first + (lost + 1) * pitch) + 1
    tail = OcrLine(name[lost + 1 :], 0.9, Box(tail_x, box.y, last + 1 - tail_x, box.h))
    (line,) = _names_from_pieces(gray, (head, tail), make_engine("rapidocr+tesseract"))
    assert line.text == name


@pytest.mark.parametrize(("old", "new", "want"), [
    ("星思（宁波）信息科技有", "星思（宁波）信息科技有限公司", "星思（宁波）信息科技有限公司"),
    ("星思（宁波）信息科技有", "星思（宁波）信息科技有", None),  # nothing more
    ("星思（宁波）信息科技有", "星思（宁波）信息科枝有限公司", None),  # read differently
    ("星思（宁波）信息科技有", "星思（宁波）信息科技有限公司12", None),  # not Han
])
def test_a_reading_to_the_inked_end_is_kept_only_as_the_old_one_with_han_after_it(old, new, want):
    assert whole_end(old, new) == want


def _name_boxed_short(name: str, kept: int) -> tuple[np.ndarray, OcrLine]:
    """`name` drawn, and a line boxed over its first `kept` characters only."""
    gray, box, first, last = _render("", name)
    pitch = (last - first + 1) / len(name)
    return gray, OcrLine(name[:kept], 0.95, Box(first, box.y, int(kept * pitch), box.h))


def test_only_a_line_ending_in_part_of_a_form_reaches_on_to_its_ink():
    name = "星思信息科技有限公司"
    gray, line = _name_boxed_short(name, name.index("有") + 1)
    wider = early_end(gray, line, [line])
    assert wider is not None and wider.x == line.box.x and wider.right > line.box.right + 2 * line.box.h
    gray, line = _name_boxed_short("星思信息科技中心主任", 6)  # no form begun: left alone
    assert early_end(gray, line, [line]) is None
    gray, line = _name_boxed_short(name, len(name))  # boxed whole: no ink after it
    assert early_end(gray, line, [line]) is None


@pytest.mark.ocr
def test_a_name_boxed_short_of_its_form_is_read_to_its_end():
    from extractors.ocr import make_engine
    from extractors.reading import _early_ends

    name = "星思信息科技有限公司"
    gray, line = _name_boxed_short(name, name.index("有") + 1)
    (read,) = _early_ends(gray, (line,), make_engine("rapidocr+tesseract"))
    assert read.text == name


# --- a vote on a line read with doubt ---------------------------------------------------


def _views(*texts: str, conf: float = 0.98) -> list[tuple[str, float]]:
    return [(t, conf) for t in texts]


@pytest.mark.parametrize(("text", "views", "want"), [
    # Both other views read another Han character: it is taken.
    ("上海越臭环保科技有限公司", _views("上海越昊环保科技有限公司", "上海越昊环保科技有限公司"), "上海越昊环保科技有限公司"),
    # One view alone does not outvote the first reading, nor do two that disagree.
    ("苏州宏草建筑工程有限公司", _views("苏州宏草建筑工程有限公司", "苏州宏卓建筑工程有限公司"), None),
    ("广州留达建筑工程有限公司", _views("广州旁达建筑工程有限公司", "广州立达建筑工程有限公司"), None),
    # A view that lost or gained characters elsewhere still votes where it lines up.
    ("太连锦昊文化传媒有限公司", _views("大连锦昊文化传媒有限公司", "大连锦昊文化传有限公司"), "大连锦昊文化传媒有限公司"),
    ("乙方（盖章）：1州立达建筑工程有限公司", _views("乙方（盖章）：广州立达建筑工程有限公司", "（方（盖章）：广州立达建筑工程有限公司"),
     "乙方（盖章）：广州立达建筑工程有限公司"),
    # Nothing is voted into anything but a Han character: digits stay as read.
    ("住所：黄河路316号25幢", _views("住所：黄河路3I6号25幢", "住所：黄河路3I6号25幢"), None),
    ("一致的两个读法", _views("一致的两个读法", "一致的两个读法"), None),
    # Views that are unsure, or together less sure than the first reading, have no say.
    ("号9幢1单元601室", [("号9幢1单元601年", 0.95), ("号941单元601年", 0.74)], None),
    ("苏州泰晨商贸有限责任公司", [("苏州泰展商贸有限责任公司", 0.979), ("苏州泰展商贸有限责任公司", 0.938)], None),
    ("苏州泰展商贸有限责任公司", [("苏州泰晨商贸有限责任公司", 0.95)], None),  # one view is no vote
])
def test_a_character_is_changed_only_when_both_sure_views_read_the_same_han_character(text, views, want):
    assert voted_text(text, 0.96, views) == want


def test_only_doubtful_lines_of_han_text_go_to_the_vote():
    box = Box(0, 0, 300, 30)
    assert wants_vote(OcrLine("苏州宏草建筑工程有限公司", 0.968, box))
    assert not wants_vote(OcrLine("苏州宏草建筑工程有限公司", 0.995, box))  # read sure
    assert not wants_vote(OcrLine("91350100M000100Y43", 0.9, box))  # no Han text
    assert not wants_vote(OcrLine("性别：男", 0.9, box))  # too little Han text to vote on


@pytest.mark.ocr
def test_a_doubtful_misreading_is_voted_back_to_the_print():
    """A line the page's reading got one character wrong with doubt (宏草 for the printed
    宏卓, as a grey seal's strokes crossing it make it): both re-readings read the print,
    and the vote takes their character. A line read sure is not read again."""
    from extractors.ocr import make_engine
    from extractors.reading import _vote_on_doubtful_lines

    name = "苏州宏卓建筑工程有限公司"
    gray, box, _, _ = _render("", name)
    misread = name.replace("卓", "草")
    engine = make_engine("rapidocr+tesseract")
    doubtful = OcrLine(misread, 0.968, box, (Word(misread, 0.968, box),))
    (voted,) = _vote_on_doubtful_lines(gray, (doubtful,), engine)
    assert voted.text == name and voted.words[0].text == name and voted.box == box
    sure = OcrLine(misread, 0.999, box, (Word(misread, 0.999, box),))
    assert _vote_on_doubtful_lines(gray, (sure,), engine) == (sure,)


# --- trade words mended from runner-ups ----------------------------------------------------


def _slots(text: str, **runner_ups: str) -> list[str]:
    """One slot per character of `text`; runner_ups maps a character to its runner-up."""
    return [c + runner_ups.get(c, "") for c in text]


def test_a_trade_word_is_mended_from_a_runner_up():
    from extractors.rereading import trade_words_from_runner_ups

    assert trade_words_from_runner_ups("西安峰盛餐软管理有限公司", _slots("西安峰盛餐软管理有限公司", 软="饮")) == "西安峰盛餐饮管理有限公司"
    # after a party's label, and before 有限责任公司
    text = "甲方：青岛辉祥环深科技有限责任公司"
    assert trade_words_from_runner_ups(text, _slots(text, 深="保")) == "甲方：青岛辉祥环保科技有限责任公司"


def test_trade_words_are_left_alone_without_doubt_or_where_they_make_sense():
    from extractors.rereading import trade_words_from_runner_ups

    text = "西安峰盛餐软管理有限公司"
    assert trade_words_from_runner_ups(text, _slots(text)) is None  # no runner-up: no doubt
    # 软 doubted, but its runner-up makes no trade word
    assert trade_words_from_runner_ups(text, _slots(text, 软="钦")) is None
    # a runner-up in the trade name, beyond the trade words, is never taken
    text = "西安峰盛餐饮管理有限公司"
    assert trade_words_from_runner_ups(text, _slots(text, 盛="保")) is None
    # the mend would leave no trade name after the place: 环球 is the trade name
    text = "杭州环球科技有限公司"
    assert trade_words_from_runner_ups(text, _slots(text, 球="保")) is None
    # no company form; a reading that is not of the text
    assert trade_words_from_runner_ups("西安峰盛餐软管理", _slots("西安峰盛餐软管理", 软="饮")) is None
    assert trade_words_from_runner_ups(text, _slots("杭州环球科技有限责任公司")) is None


def _likelihood(read: str, printed: dict[int, tuple[str, float]]):
    """A recogniser's likelihood for a line read as `read`: each character read sure
    (0.999) but at `printed`'s positions, where the printed character had the given
    share; any other character 1e-6."""
    import math

    def likelihood(text: str) -> float:
        if len(text) != len(read):
            return -60.0
        total = 0.0
        for i, c in enumerate(text):
            other, share = printed.get(i, ("", 0.001))
            total += math.log(1 - share if c == read[i] else share if c == other else 1e-6)
        return total

    return likelihood


def test_a_trade_word_misread_with_confidence_is_mended_by_likelihood():
    from extractors.rereading import trade_words_by_likelihood

    text = "甲方：青岛辉祥环深科技有限责任公司"
    at = text.index("深")
    assert trade_words_by_likelihood(text, _likelihood(text, {at: ("保", 0.02)})) == "甲方：青岛辉祥环保科技有限责任公司"
    text = "苏州恒鑫信息利技有限责任公司"
    at = text.index("利")
    assert trade_words_by_likelihood(text, _likelihood(text, {at: ("科", 0.01)})) == "苏州恒鑫信息科技有限责任公司"


def test_a_trade_word_the_recogniser_saw_no_trace_of_is_left_as_read():
    from extractors.rereading import trade_words_by_likelihood

    # 环球 is the trade name: nothing printed there looked like 保
    text = "杭州奥星环球科技有限公司"
    assert trade_words_by_likelihood(text, _likelihood(text, {})) is None
    text = "甲方：青岛辉祥环深科技有限责任公司"
    assert trade_words_by_likelihood(text, _likelihood(text, {})) is None
    # the mend would leave no trade name after the place
    text = "杭州环球科技有限公司"
    assert trade_words_by_likelihood(text, _likelihood(text, {text.index("球"): ("保", 0.3)})) is None
    assert trade_words_by_likelihood("西安峰盛餐软管理", _likelihood("西安峰盛餐软管理", {5: ("饮", 0.2)})) is None
    # a character the recogniser does not know makes every text impossible: nothing weighed
    text = "甲方：青岛辉祥环深科技有限责任公司"
    assert trade_words_by_likelihood(text, lambda t: float("-inf")) is None


def test_the_place_a_company_opens_with_is_mended_by_likelihood_where_it_makes_none():
    from extractors.rereading import place_by_likelihood

    text = "乙方：器岛瑞宇医疗器械有限责任公司"
    at = text.index("器")
    assert place_by_likelihood(text, _likelihood(text, {at: ("青", 0.05)})) == "乙方：青岛瑞宇医疗器械有限责任公司"
    # no trace of 青: left as read; a name opening with a place is never touched
    assert place_by_likelihood(text, _likelihood(text, {})) is None
    text = "青岛瑞宇医疗器械有限责任公司"
    assert place_by_likelihood(text, _likelihood(text, {1: ("州", 0.4)})) is None
    assert place_by_likelihood("乙方：器岛瑞宇医疗器械有限责任公司", lambda t: float("-inf")) is None
    # a name with no room for a trade name after the place is none to mend
    assert place_by_likelihood("器岛有限公司", _likelihood("器岛有限公司", {0: ("青", 0.3)})) is None


def test_without_place():
    from extractors.parsing import without_place

    assert without_place("黑龙江省哈尔滨市星澜") == "星澜"
    assert without_place("杭州环保") == "环保"
    assert without_place("峰盛") == "峰盛"


def test_ctc_likelihood_sums_every_alignment_of_a_text():
    """The forward pass equals the brute-force sum over all step paths that collapse to
    the text (repeats merged, blanks dropped)."""
    import itertools
    import math

    rng = np.random.default_rng(3)
    probs = rng.dirichlet(np.ones(3), size=5)
    totals: dict[tuple, float] = {}
    for path in itertools.product(range(3), repeat=5):
        text, prev = [], None
        for c in path:
            if c != prev and c != 0:
                text.append(c)
            prev = c
        totals[tuple(text)] = totals.get(tuple(text), 0.0) + math.prod(probs[t, c] for t, c in enumerate(path))
    for label in [(1,), (1, 1), (1, 2), (2, 1, 2), (2, 2, 2)]:
        want = math.log(totals[label]) if label in totals else -math.inf
        assert ctc_log_likelihood(np.log(probs), list(label)) == pytest.approx(want, abs=1e-9)


def test_line_scores_weigh_a_text_as_the_restricted_decoding_reads():
    """Kept to a charset and renormalised: the greedy reading is the likeliest text, its
    doubtful character's runner-up likelier than a sure character's, a character
    outside the charset impossible."""
    classes = ["blank", "0", "8", "3", "X", "O"]
    steps = [
        [0.1, 0.3, 0, 0, 0, 0.6],  # O, whose 0 is the allowed one
        [0.9, 0.1, 0, 0, 0, 0],
        [0.1, 0, 0.7, 0.2, 0, 0],  # 8 with 3 behind
        [0.9, 0, 0, 0, 0.1, 0],
        [0.1, 0, 0, 0.01, 0.89, 0],  # X
    ]
    scores = LineScores.of(np.array(steps, dtype=np.float32), classes, "038X")
    read = decode_restricted(np.array(steps, dtype=np.float32), classes, "038X")[0]
    assert read == "08X"
    ranked = sorted(["08X", "03X", "083", "00X"], key=scores.log_likelihood, reverse=True)
    assert ranked[:2] == ["08X", "03X"]
    assert scores.log_likelihood("O8X") == -np.inf
