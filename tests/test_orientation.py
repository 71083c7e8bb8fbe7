"""Turning pages upright and sizing their text, on the committed scans: which way the
lines run (OpenCV), and the page-level votes the RapidOCR engine takes from its own
detector boxes and line classifier."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SAMPLES
from extractors.imaging import (
    estimate_text_height,
    iter_image_frames,
    lines_run_down,
    rotate_clockwise,
    to_gray_array,
)
from extractors.rapid import _runs_down, _upside_down

IMAGES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".png", ".jpg"))


def _gray(path):
    return to_gray_array(next(iter_image_frames(path)))


@pytest.mark.parametrize("scan", IMAGES, ids=[p.name for p in IMAGES])
def test_lines_run_down_only_on_a_page_lying_on_its_side(scan):
    gray = _gray(scan)
    assert not lines_run_down(gray)
    assert not lines_run_down(rotate_clockwise(gray, 180))
    assert lines_run_down(rotate_clockwise(gray, 90))
    assert lines_run_down(rotate_clockwise(gray, 270))


@pytest.mark.parametrize("scan", IMAGES, ids=[p.name for p in IMAGES])
def test_text_height_follows_the_scale_of_the_page(scan):
    """Half the resolution, half the text height (within 20 %), and the same on its side."""
    import cv2

    gray = _gray(scan)
    full = estimate_text_height(gray)
    half = estimate_text_height(cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA))
    sideways = estimate_text_height(rotate_clockwise(gray, 90))
    assert full is not None and half is not None and sideways is not None
    assert 0.4 <= half / full <= 0.6
    assert 0.85 <= sideways / full <= 1.15


CONTRACTS = [p for p in IMAGES if p.name.startswith("contract_first_page")]


@pytest.mark.parametrize("scan", CONTRACTS, ids=[p.name for p in CONTRACTS])
def test_slanted_edges_are_not_text_lines(scan):
    """A tilted photo's page edges are long lines at a slant whose boxes are as tall as
    their slant: not text lines that tall. A piece of text in the middle of a larger
    picture, three such edges around it."""
    import cv2

    text = _gray(scan)
    text = text[: text.shape[0] // 3, : text.shape[1] // 2]
    h, w = text.shape
    big_h, big_w = 3 * h, 2 * w
    photo = np.full((big_h, big_w), 235, np.uint8)
    photo[h : 2 * h, w // 2 : w // 2 + w] = text
    across, down = round(0.063 * big_w), round(0.063 * big_h)  # 3.6°
    cv2.line(photo, (big_w // 10, big_h // 20), (big_w - big_w // 10, big_h // 20 + across), 90, 4)
    cv2.line(photo, (big_w // 20, big_h // 10), (big_w // 20 + down, big_h - big_h // 10), 90, 4)
    cv2.line(photo, (big_w - big_w // 20 - down, big_h // 10), (big_w - big_w // 20, big_h - big_h // 10), 90, 4)
    alone, framed = estimate_text_height(text), estimate_text_height(photo)
    assert alone is not None and framed is not None
    assert 0.85 <= framed / alone <= 1.15


@pytest.mark.parametrize("scan", CONTRACTS, ids=[p.name for p in CONTRACTS])
def test_grain_on_a_sparse_page_neither_turns_it_nor_sizes_its_text(scan):
    """A few lines of text on a page of grain (an archive cover, a card copied on a page of
    its own), the scanner's lid showing down both sides: neither the specks, drawn out by
    the smearing, nor the dark bands along the picture's edges are lines."""
    gray = _gray(scan)
    h, w = gray.shape
    lines = gray[: h // 5]
    page = np.full((h, w), 235, np.uint8)
    page[h // 3 : h // 3 + lines.shape[0]] = lines
    rng = np.random.default_rng(7)
    for _ in range(2000):
        y, x, side = rng.integers(0, h - 6), rng.integers(0, w - 6), rng.integers(2, 6)
        page[y : y + side, x : x + side] = 60
    page[h // 4 : 3 * h // 4, : w // 25] = page[h // 4 : 3 * h // 4, -w // 25 :] = 90
    assert not lines_run_down(page)
    assert lines_run_down(rotate_clockwise(page, 90))
    alone, grainy = estimate_text_height(lines), estimate_text_height(page)
    assert alone is not None and grainy is not None
    assert 0.85 <= grainy / alone <= 1.15


def test_text_height_of_a_blank_page_is_unknown():
    assert estimate_text_height(np.full((1200, 900), 245, np.uint8)) is None


def _quad(x, y, w, h):
    return [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]


def test_detector_boxes_taller_than_wide_mean_the_page_lies_on_its_side():
    across = [_quad(10, 10 + 30 * i, 300, 20) for i in range(6)]
    down = [_quad(10 + 30 * i, 10, 20, 300) for i in range(6)]
    squares = [_quad(10, 10 + 30 * i, 20, 20) for i in range(10)]
    assert not _runs_down(across + squares)
    assert _runs_down(down + squares)
    assert not _runs_down(down[:2])  # two stray marks are no evidence


def test_upside_down_is_a_length_weighted_vote_of_long_lines():
    long_line, short = np.zeros((20, 400)), np.zeros((20, 30))
    # One long line upside down outweighs three short ones (ignored) saying upright...
    assert _upside_down([long_line, short, short, short], [["180", 0.99], ["0", 0.99], ["0", 0.99], ["0", 0.99]])
    # ...and loses to two long upright ones.
    assert not _upside_down([long_line, long_line, long_line], [["180", 0.99], ["0", 0.95], ["0", 0.95]])
    assert not _upside_down([], [])


def _photographed(gray, corners_frac, desk=70, margin=0.08):
    """`gray` warped onto a darker desk: its corners moved to `corners_frac` (fractions of
    the photo's size). Returns the photo and the true corners in its pixels."""
    import cv2

    h, w = gray.shape[:2]
    H, W = round(h * (1 + 2 * margin)), round(w * (1 + 2 * margin))
    dst = np.array([[fx * W, fy * H] for fx, fy in corners_frac], dtype=np.float32)
    src = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    photo = cv2.warpPerspective(gray, m, (W, H), flags=cv2.INTER_LINEAR, borderValue=desk)
    return photo, dst


@pytest.mark.parametrize("scan", IMAGES[:4], ids=[p.name for p in IMAGES[:4]])
def test_a_photographed_page_is_found_and_squared_up(scan):
    from extractors.imaging import correct_perspective, estimate_skew, find_page_quad

    gray = _gray(scan)
    corners = [(0.09, 0.05), (0.93, 0.09), (0.88, 0.95), (0.05, 0.91)]
    photo, truth = _photographed(gray, corners)
    quad = find_page_quad(photo)
    assert quad is not None
    assert np.abs(quad - truth).max() < 0.02 * max(photo.shape)
    squared = correct_perspective(photo)
    # The page comes back about its own proportions, its lines level.
    assert abs(squared.shape[0] / squared.shape[1] - gray.shape[0] / gray.shape[1]) < 0.08
    assert abs(estimate_skew(squared)) < 0.6


@pytest.mark.parametrize("scan", IMAGES[:2], ids=[p.name for p in IMAGES[:2]])
def test_a_photographed_page_with_a_corner_lost_in_shadow_is_still_found(scan):
    """A shadow over one corner, as dark as the desk, cuts that corner off the bright
    page: the outline is a pentagon, and the page's sides run on to the lost corner."""
    import cv2

    from extractors.imaging import correct_perspective, estimate_skew, find_page_quad

    gray = _gray(scan)
    corners = [(0.09, 0.05), (0.93, 0.09), (0.88, 0.95), (0.05, 0.91)]
    photo, truth = _photographed(gray, corners)
    br = truth[2]
    cut = np.array([br + (-0.22 * photo.shape[1], 30), br + (30, -0.18 * photo.shape[0]), br + (60, 60)], dtype=np.int32)
    cv2.fillPoly(photo, [cut], 70)  # the desk's grey
    quad = find_page_quad(photo)
    assert quad is not None
    assert np.abs(quad - truth).max() < 0.02 * max(photo.shape)
    assert abs(estimate_skew(correct_perspective(photo))) < 0.6


@pytest.mark.parametrize("scan", IMAGES, ids=[p.name for p in IMAGES])
def test_a_flatbed_scan_has_no_page_outline_to_correct(scan):
    """A scan is the page: nothing is cut out of it, shadows and ruled tables included."""
    from extractors.imaging import find_page_quad

    gray = _gray(scan)
    assert find_page_quad(gray) is None
    h, w = gray.shape
    shade = np.linspace(1.0, 0.55, w, dtype=np.float32)[None, :]  # uneven light across the page
    assert find_page_quad((gray * shade).astype(np.uint8)) is None


def _page_with(draw):
    """An RGB page (PIL image) drawn on by `draw`."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1240, 1754), (250, 248, 240))
    d = ImageDraw.Draw(img)
    for i in range(20):  # lines of black "text"
        d.rectangle((100, 100 + 60 * i, 1100, 125 + 60 * i), fill=(30, 30, 30))
    draw(d)
    return img


def test_a_red_seal_is_found_by_colour_and_removed_from_the_grey_page():
    from extractors.imaging import grey_and_seal

    sealed = _page_with(lambda d: d.ellipse((700, 1200, 1000, 1500), outline=(210, 40, 40), width=12))
    gray, seal = grey_and_seal(sealed)
    assert seal is True
    assert gray[1350, 706] > 200  # the ring's ink is paper in the grey page
    assert gray[112, 500] < 80  # black print stays


def test_red_lines_are_not_seals_and_grey_pages_cannot_tell():
    from extractors.imaging import grey_and_seal

    ruled = _page_with(lambda d: d.rectangle((100, 1400, 1100, 1410), fill=(210, 40, 40)))
    assert grey_and_seal(ruled)[1] is False
    blue_title = _page_with(lambda d: d.rectangle((100, 40, 1100, 80), fill=(40, 60, 200)))
    assert grey_and_seal(blue_title)[1] is False  # colour on the page, none of it a seal
    assert grey_and_seal(_page_with(lambda d: None))[1] is None  # no colour at all: cannot tell
    stamped_copy = _page_with(lambda d: d.ellipse((700, 1200, 1000, 1500), outline=(90, 90, 90), width=12))
    assert grey_and_seal(stamped_copy.convert("L"))[1] is None
    assert grey_and_seal(stamped_copy)[1] is None  # grey picture saved as RGB


def _side_by_side(scan):
    """The committed stacked ID copy re-laid with its two sides side by side on a landscape page."""
    from extractors.imaging import find_cards

    gray = _gray(scan)
    cards = sorted(find_cards(gray)[:2], key=lambda r: r[1])  # front (upper) first
    assert len(cards) == 2
    h = max(c[3] for c in cards)
    page = np.full((h + 400, sum(c[2] for c in cards) + 600), 246, np.uint8)
    x = 200
    for cx, cy, cw, ch in cards:
        page[200 : 200 + ch, x : x + cw] = gray[cy : cy + ch, cx : cx + cw]
        x += cw + 200
    return gray, page


def test_cards_side_by_side_are_stacked_and_a_stacked_copy_is_left_alone():
    from extractors.imaging import find_cards, stack_side_by_side_cards

    scan = next(p for p in IMAGES if p.name.startswith("id_card"))
    gray, beside = _side_by_side(scan)
    assert stack_side_by_side_cards(gray) is gray
    stacked = stack_side_by_side_cards(beside)
    assert stacked.shape[0] > stacked.shape[1]  # one above the other now
    assert len(find_cards(stacked)) >= 2
    licence = _gray(next(p for p in IMAGES if p.name.startswith("business_licence")))
    assert stack_side_by_side_cards(licence) is licence


@pytest.mark.ocr
def test_an_id_copy_with_sides_side_by_side_reads_like_the_stacked_one(tmp_path):
    import datetime as dt
    import json

    from PIL import Image

    from extractors.fields import extract
    from extractors.ocr import DEFAULT_ENGINE, make_engine
    from extractors.reading import read_document, receive

    scan = next(p for p in IMAGES if p.name.startswith("id_card"))
    truth = json.loads(scan.with_suffix(".json").read_text(encoding="utf-8"))["fields"]
    _, beside = _side_by_side(scan)
    path = tmp_path / "beside.png"
    Image.fromarray(beside).save(path)
    ex = extract(read_document(receive(path), make_engine(DEFAULT_ENGINE)), today=dt.date(2026, 11, 28))
    keys = ("name", "id_number", "birth_date", "address", "authority", "valid_from", "valid_to")
    assert {k: ex.value(k) for k in keys} == {k: truth[k] for k in keys}


def test_flattening_evens_out_light_and_fades_a_grey_seal_but_not_print():
    import cv2

    from extractors.imaging import flatten_illumination

    page = np.full((1200, 900), 240, np.uint8)
    for i in range(12):  # lines of 28 px "print"
        cv2.rectangle(page, (80, 80 + 80 * i), (800, 108 + 80 * i), 25, -1)
    cv2.circle(page, (450, 600), 200, 135, 10)  # a photocopied seal's ring, lighter than print
    shade = np.linspace(1.0, 0.5, 900, dtype=np.float32)[None, :]
    shaded = (page * shade).astype(np.uint8)
    flat = flatten_illumination(shaded, 28)
    paper = flat[60:75, 50:850]  # between the lines, across the shadow
    assert paper.min() > 230
    assert flat[94, 100] < 40 and flat[94, 780] < 60  # print dark in the light and in the shade
    assert flat[600, 250:255].min() > 160 > shaded[600, 250:255].max() + 40  # the ring fades


def test_light_is_flattened_for_the_engines_measured_to_read_better_so():
    from extractors.ocr import make_engine

    assert make_engine("rapidocr+tesseract").flatten_light is True
    assert make_engine("rapidocr").flatten_light is True
    assert make_engine("tesseract").flatten_light is False
