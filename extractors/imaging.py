"""Loading pages as images and preparing them for OCR.

Every image that reaches an OCR engine comes through here, so this is where bad input is
turned away with a reason (empty, truncated, not an image, a decompression bomb) and where
resolution is normalised: a 4-5k px phone photo is as slow to OCR as several pages and no
more legible than the same page at ~300 dpi.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .errors import InputRejected

# Longest side a page is OCR'd at: an A4 page at ~300 dpi.
TARGET_LONG_SIDE = 3508
# Below this the text is too small to read; such images are upscaled.
MIN_LONG_SIDE = 1600
# Refuse anything larger than a 600 dpi A3 scan before decoding it fully.
MAX_PIXELS = 7016 * 9921
PDF_RENDER_DPI = 300
# How much redder than green and blue a pixel must be to count as seal ink (0-255 scale).
SEAL_REDNESS = 50
SEAL_MIN_RED = 150
MAX_PDF_PAGES = 2000

_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "image"),  # JPEG
    (b"\x89PNG\r\n\x1a\n", "image"),
    (b"II*\x00", "image"),  # TIFF, little-endian
    (b"MM\x00*", "image"),  # TIFF, big-endian
)


def sniff_kind(head: bytes) -> str | None:
    """``pdf`` or ``image`` from a file's first bytes; None for anything else."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    # Some scanners write a few bytes of junk before %PDF-; PDF readers accept 1 KiB of it.
    if b"%PDF-" in head[:1024]:
        return "pdf"
    return None


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def open_image(data: bytes | Path, *, what: str = "image") -> Image.Image:
    """Decode an image fully (so truncation is found now, not halfway through OCR),
    applying its EXIF orientation."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            src = io.BytesIO(data) if isinstance(data, bytes) else data
            img = Image.open(src)
            if img.width * img.height > MAX_PIXELS:
                raise InputRejected(
                    f"{what} is {img.width}x{img.height} px, larger than dossier accepts",
                    hint="scan at 300 dpi or resize the photo",
                )
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputRejected(f"{what} is too large to decode safely: {exc}") from exc
    except InputRejected:
        raise
    except OSError as exc:
        # Pillow says "image file is truncated" for a cut-off JPEG, "cannot identify" for junk.
        raise InputRejected(f"{what} cannot be decoded: {exc}", hint="rescan or re-export it") from exc
    return ImageOps.exif_transpose(img)


def iter_image_frames(path: Path) -> Iterator[Image.Image]:
    """The pages of an image file: one for JPEG/PNG, every frame of a multi-page TIFF."""
    img = open_image(path, what=path.name)
    n = getattr(img, "n_frames", 1)
    for i in range(n):
        if n > 1:
            img.seek(i)
            img.load()
        yield img.copy()


def to_gray_array(img: Image.Image) -> np.ndarray:
    """8-bit grey, the form every preparation step and engine here takes (`grey_and_seal`
    without the seal finding)."""
    return grey_and_seal(img)[0]


# A red seal is a round or oval stamp: a blob of red ink at least this share of the page's
# short side across, and not much more than twice as wide as tall (red handwriting,
# a red rule or a red title bar are not seals).
SEAL_MIN_SIZE = 0.06
SEAL_MAX_ASPECT = 2.2


def grey_and_seal(img: Image.Image) -> tuple[np.ndarray, bool | None]:
    """The page in 8-bit grey, and whether a red seal (公章) is stamped on it: None when the
    page has no colour to tell by (a grey scan or photocopy).

    A colour page is greyed through its red channel, and clearly red pixels are set to
    paper white: red seals overlap names, dates and the issuing authority, and their arcs
    of text are otherwise read as stray characters. Black print crossing a seal is dark in
    every channel, so it is kept."""
    if img.mode in ("RGBA", "LA", "P"):
        # Transparent areas of a screenshot or export are paper, not black.
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    if img.mode not in ("RGB", "RGBA", "CMYK", "YCbCr"):
        return np.asarray(img.convert("L")), None
    import cv2

    rgb = np.asarray(img.convert("RGB"))
    # cv2's saturating per-channel operations: the same result as numpy in int16, in a
    # fifth of the time on a full page.
    red, green, blue = cv2.split(rgb)
    seal_ink = cv2.compare(cv2.subtract(red, cv2.max(green, blue)), SEAL_REDNESS, cv2.CMP_GT)  # 0/255
    # Only pixels that are light in the red channel are seal ink to whiten. JPEG stores
    # colour at half resolution, so black print crossing a seal comes back tinted red at
    # its edges; whitening those ate the strokes of names under seals (责→员, 瑞→端).
    gray = cv2.bitwise_or(red, cv2.bitwise_and(seal_ink, cv2.compare(red, SEAL_MIN_RED, cv2.CMP_GT)))
    if _is_grey_picture(rgb):
        return gray, None
    return gray, _has_seal_blob(seal_ink)


def _is_grey_picture(rgb: np.ndarray) -> bool:
    """An RGB file holding a grey picture (many scanners save grey scans as colour JPEGs)."""
    import cv2

    r, g, b = cv2.split(np.ascontiguousarray(rgb[::3, ::3]))
    spread = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    # A seal is a small share of a page (its ring, ~0.5 %); JPEG's colour noise on a grey
    # picture stays well under this spread.
    return cv2.countNonZero((spread > 40).view(np.uint8)) / spread.size < 0.0005


def _has_seal_blob(seal_ink: np.ndarray) -> bool:
    """`seal_ink`: 255 where a pixel is clearly red, else 0."""
    import cv2

    h, w = seal_ink.shape
    # A whole-number shrink to at most ~800 px: cv2's area averaging takes its fast path
    # for whole factors (a fractional one cost ~10 ms a page).
    step = max(1, -(-max(h, w) // 800))
    small = cv2.resize(seal_ink, (max(1, w // step), max(1, h // step)), interpolation=cv2.INTER_AREA) if step > 1 else seal_ink
    # A seal's ring and characters are thin and broken: close them into one blob.
    k = max(3, round(min(small.shape) / 60))
    blob = cv2.morphologyEx((small > 40).astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(blob, connectivity=8)
    least = SEAL_MIN_SIZE * min(small.shape)
    for i in range(1, n):
        bw, bh = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]
        if min(bw, bh) >= least and max(bw, bh) <= SEAL_MAX_ASPECT * min(bw, bh):
            return True
    return False


# The text height (the median line-blob height `estimate_text_height` measures) pages are
# scaled to before OCR. Chosen with the width-weighted estimate (session 2; the earlier
# count-median mis-measured about half the pages, so its tuning no longer applied): on 48
# heavily degraded pages (seed 5002, --hard) the default engine got 244/282 fields right at
# 22 px (detecting at 14), 250 at 28 (detecting at 18), 248 at 32 (detecting at 20), at
# 2.0, 2.3 and 2.5 s a page. At 56 px tesseract misread a clean licence name (杭→村).
TARGET_TEXT_HEIGHT = 28
MIN_SCALE, MAX_SCALE = 0.25, 3.0


# A blob at most this high (on the ≤1600 px copy) and this many times as long is a rule.
RULE_HEIGHT, RULE_LENGTH = 5, 25
RULE_RUN = 50
MIN_LINE_SMEARS = 3


def _ink_thumbnail(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page's ink (255) on a copy at most 1600 px long, and that copy's scale. Ink is
    found by a local (adaptive) threshold, so a shadow, a tinted card or a grey photocopy
    background is not ink."""
    import cv2

    h, w = gray.shape[:2]
    shrink = min(1.0, 1600 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * shrink)), max(1, round(h * shrink))), interpolation=cv2.INTER_AREA) if shrink < 1 else gray
    return cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 12), shrink


def _blobs_of(ink: np.ndarray) -> list[tuple[int, int]]:
    """(height, width) of the text-line blobs of an ink picture (`_ink_thumbnail`) whose
    lines run across (its transpose for lines running down): the ink is smeared along the
    lines so the characters of a line merge into one blob; blobs much wider than tall are
    text lines."""
    import cv2

    k = max(3, round(ink.shape[1] / 150))
    lines = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    # Each blob's box from its outer contour (the contours with no parent, holes being the
    # second level): the same boxes as connected components with 8-connectivity (156
    # smeared pages compared), in a quarter of the time (~3 against ~13 ms).
    contours, hierarchy = cv2.findContours(lines, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    out = []
    height, width = ink.shape[:2]
    for contour, links in zip(contours, hierarchy[0]):
        if links[3] != -1:
            continue
        x, y, w, h = cv2.boundingRect(contour)
        # Shorter than MIN_LINE_SMEARS smears, a blob is a speck or a character or two drawn
        # out by the smearing itself: on a sparse, grainy page (an archive cover, an ID card
        # copy on a page of its own) such blobs outweighed the few real lines, turned the
        # page the wrong way and made its text 5-9 px (a page of 80 Mpx to read).
        if w < 3 * h or w < MIN_LINE_SMEARS * k:
            continue
        # Ink along the picture's own edge is the page's edge or the scanner's lid beyond
        # it (a 44 px strip down both sides of a cover judged the page sideways).
        if x == 0 or y == 0 or x + w == width or y + h == height:
            continue
        # A line at a slant (a page's or a card's edge in a tilted photo, 790 px at 4°) has
        # a box as tall as its slant, and counted as a text line that tall it shrank a
        # page fourfold; its thickness, the short side of its rotated rectangle, is a
        # rule's. Text is level by the time its height is measured, and a line skewed
        # before levelling is not half as thick as its box until it is very long.
        if h > RULE_HEIGHT:
            (_, _), sides, _ = cv2.minAreaRect(contour)
            if round(min(sides)) + 1 < h / 2:  # sides run between pixel centres
                continue
        # A ruled line (a form's underlines, a frame, a page's edge) is a blob too, thin and
        # long: on a cover filled in by hand three rules outweighed the writing and the
        # text height came out at 6 px, which blew the page up threefold. No text line is
        # that thin for its length, nor, at any thickness, RULE_RUN times longer than high
        # (a line of 40 characters is 40).
        rule = w >= RULE_RUN * h or h <= RULE_HEIGHT and w >= RULE_LENGTH * h
        if 4 <= h <= ink.shape[0] / 8 and not rule:
            out.append((h, w))
    return out


# A page is cut out of its background only when its outline is clearly a quadrilateral
# that covers at least this share of the picture, and is not just the picture's own frame
# (a flatbed scan): some corner lies at least FRAME_MARGIN of the short side inside it.
MIN_PAGE_SHARE = 0.2
FRAME_MARGIN = 0.015


def find_page_quad(gray: np.ndarray) -> np.ndarray | None:
    """The four corners (top-left, top-right, bottom-right, bottom-left; in the image's
    pixels) of a page or card photographed on a darker background, or None when the
    picture shows no such outline (a flatbed scan, which is the page itself).

    Paper is brighter than a desk: the page is the largest bright region of a blurred,
    thresholded thumbnail, its text holes closed, its convex hull simplified to four
    corners, each side of which must be a step from paper to desk. Two thresholds are
    tried: Otsu's split, then halfway between the desk (the picture's border) and the
    paper (its bright end), which holds better where uneven light darkens the page."""
    import cv2

    h, w = gray.shape[:2]
    scale = 800 / max(h, w)
    small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (7, 7), 0)
    otsu = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[0]
    edge = max(2, round(0.02 * min(blur.shape[:2])))
    border = np.concatenate([blur[:edge].ravel(), blur[-edge:].ravel(), blur[:, :edge].ravel(), blur[:, -edge:].ravel()])
    desk, paper = float(np.median(border)), float(np.percentile(blur, 90))
    for level in (otsu, (desk + paper) / 2):
        quad = _bright_quad(blur, level)
        if quad is not None:
            return quad / scale
    return None


def _bright_quad(blur: np.ndarray, level: float) -> np.ndarray | None:
    import cv2

    bright = cv2.threshold(blur, level, 255, cv2.THRESH_BINARY)[1]
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 15)))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    page = max(contours, key=cv2.contourArea)
    sh, sw = blur.shape[:2]
    if cv2.contourArea(page) < MIN_PAGE_SHARE * sh * sw:
        return None
    hull = cv2.convexHull(page)
    poly = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True).reshape(-1, 2).astype(np.float32)
    pts = _four_corners(poly)
    if pts is None:
        return None
    # Order: top-left has the smallest x+y, bottom-right the largest; top-right the
    # smallest y-x, bottom-left the largest.
    sums, diffs = pts.sum(axis=1), pts[:, 1] - pts[:, 0]
    ordered = np.array([pts[sums.argmin()], pts[diffs.argmin()], pts[sums.argmax()], pts[diffs.argmax()]])
    frame = np.array([[0, 0], [sw - 1, 0], [sw - 1, sh - 1], [0, sh - 1]], dtype=np.float32)
    if np.linalg.norm(ordered - frame, axis=1).max() < FRAME_MARGIN * min(sh, sw):
        return None
    if not _sides_are_paper_edges(blur, ordered):
        return None
    return ordered


# A page corner lost in a shadow (a hand or the phone over it) leaves the bright region a
# pentagon or a hexagon: its cut sides are short, and the page's own sides run on past
# them to the corner. A cut longer than this share of the outline is no lost corner.
MAX_CUT_SHARE = 0.12


def _four_corners(poly: np.ndarray) -> np.ndarray | None:
    """`poly`'s four corners: as they are, or with each short cut side (MAX_CUT_SHARE)
    taken away and its two neighbours run on to where they meet. None when that leaves
    no four-sided outline."""
    perimeter = float(sum(np.linalg.norm(poly - np.roll(poly, -1, axis=0), axis=1)))
    while len(poly) > 4:
        sides = np.linalg.norm(poly - np.roll(poly, -1, axis=0), axis=1)
        i = int(sides.argmin())
        if sides[i] > MAX_CUT_SHARE * perimeter:
            return None
        n = len(poly)
        a0, a1 = poly[(i - 1) % n], poly[i]  # the side before the cut
        b0, b1 = poly[(i + 1) % n], poly[(i + 2) % n]  # the side after it
        corner = _meet(a0, a1, b0, b1)
        if corner is None:
            return None
        poly = np.array([corner if k == i else p for k, p in enumerate(poly) if k != (i + 1) % n], dtype=np.float32)
    return poly if len(poly) == 4 else None


def _meet(a0: np.ndarray, a1: np.ndarray, b0: np.ndarray, b1: np.ndarray) -> np.ndarray | None:
    """Where the line through a0, a1 meets the one through b0, b1, ahead of a1 and behind
    b0 (a corner the two sides run on to); None when they run apart or side by side."""
    da, db = a1 - a0, b1 - b0
    cross = float(da[0] * db[1] - da[1] * db[0])
    if abs(cross) < 1e-6 * float(np.linalg.norm(da) * np.linalg.norm(db)):
        return None
    t = float((b0 - a0)[0] * db[1] - (b0 - a0)[1] * db[0]) / cross
    u = float((b0 - a0)[0] * da[1] - (b0 - a0)[1] * da[0]) / cross
    if t < 1 or u > 0:
        return None
    return (a0 + t * da).astype(np.float32)


# Across a page's edge the picture steps from paper to desk: at least this many grey
# levels brighter inside than outside, along most of every side. A shadow's soft boundary,
# a table's ruling or a region Otsu happened to split off do not.
EDGE_STEP = 18
EDGE_SHARE = 0.7


def _sides_are_paper_edges(blur: np.ndarray, quad: np.ndarray) -> bool:
    h, w = blur.shape[:2]
    centre = quad.mean(axis=0)
    for a, b in zip(quad, np.roll(quad, -1, axis=0), strict=True):
        direction = (b - a) / max(1e-6, float(np.linalg.norm(b - a)))
        normal = np.array([direction[1], -direction[0]])
        if np.dot(normal, (a + b) / 2 - centre) < 0:
            normal = -normal  # pointing out of the page
        steps = []
        for t in np.linspace(0.1, 0.9, 24):
            p = a + (b - a) * t
            inside, outside = p - 5 * normal, p + 5 * normal
            if not (0 <= outside[0] < w and 0 <= outside[1] < h):
                steps.append(0)  # the page runs off the picture here: no edge seen
                continue
            xi, yi = int(np.clip(inside[0], 0, w - 1)), int(np.clip(inside[1], 0, h - 1))
            steps.append(int(blur[yi, xi]) - int(blur[int(outside[1]), int(outside[0])]))
        if np.mean(np.asarray(steps) >= EDGE_STEP) < EDGE_SHARE:
            return False
    return True


def correct_perspective(gray: np.ndarray) -> np.ndarray:
    """A photographed page or card cut out of its background and squared up: a page shot
    at an angle is a trapezium whose lines converge, and no single deskew angle levels
    them all; the desk around it is noise to the OCR detector."""
    import cv2

    quad = find_page_quad(gray)
    if quad is None:
        return gray
    tl, tr, br, bl = quad
    width = round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 32 or height < 32:
        return gray
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    return cv2.warpPerspective(gray, m, (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


# An ID card is ISO/IEC 7810 ID-1, 85.6 x 54 mm: about 1.59 wide to tall. A copy shows each
# side as a rectangle of roughly that shape (the card's outline, or its tinted fill).
CARD_ASPECT = (1.4, 1.8)
CARD_MIN_SHARE = 0.04  # of the page's area


def find_cards(gray: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Card-shaped rectangles (x, y, w, h in the image's pixels), largest first, nested and
    duplicate outlines dropped: the two sides of an ID card on a copy, or a licence's
    frame, which callers tell apart by count and arrangement."""
    import cv2

    h, w = gray.shape[:2]
    scale = 1000 / max(h, w)
    small = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    edges = cv2.dilate(cv2.Canny(cv2.GaussianBlur(small, (5, 5), 0), 20, 60), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found = []
    page_area = small.shape[0] * small.shape[1]
    for c in contours:
        x, y, cw, ch = cv2.boundingRect(c)
        if cw * ch < CARD_MIN_SHARE * page_area or not CARD_ASPECT[0] <= cw / ch <= CARD_ASPECT[1]:
            continue
        if cv2.contourArea(cv2.convexHull(c)) < 0.85 * cw * ch:
            continue  # not a filled-out rectangle: a run of text, a seal's arc
        found.append((x, y, cw, ch))
    found.sort(key=lambda r: -r[2] * r[3])
    kept: list[tuple[int, int, int, int]] = []
    for r in found:
        if any(_inside_or_same(r, k) for k in kept):
            continue
        kept.append(r)
    return [tuple(round(v / scale) for v in r) for r in kept]  # type: ignore[misc]


def _inside_or_same(r, k) -> bool:
    x, y, w, h = r
    kx, ky, kw, kh = k
    same = abs(x - kx) < 0.1 * kw and abs(y - ky) < 0.1 * kh
    inside = x >= kx and y >= ky and x + w <= kx + kw and y + h <= ky + kh
    return same or inside


def stack_side_by_side_cards(gray: np.ndarray) -> np.ndarray:
    """A copy with an ID card's two sides side by side, re-laid as one above the other.

    Side by side, the front's rows (姓名, 性别, 住址) and the back's (签发机关, 有效期限)
    share heights, and a row then runs from one card into the other; one above the other
    is the layout the field reader takes apart reliably. Anything else is returned as is."""
    cards = find_cards(gray)
    if len(cards) < 2:
        return gray
    (ax, ay, aw, ah), (bx, by, bw, bh) = sorted(cards[:2])
    similar = abs(aw - bw) <= 0.15 * max(aw, bw) and abs(ah - bh) <= 0.15 * max(ah, bh)
    beside = bx >= ax + 0.9 * aw and abs((ay + ah / 2) - (by + bh / 2)) <= 0.25 * max(ah, bh)
    if not (similar and beside):
        return gray
    pad = round(0.04 * max(aw, bw))
    paper = int(np.percentile(gray, 90))
    crops = []
    for x, y, w, h in ((ax, ay, aw, ah), (bx, by, bw, bh)):
        crops.append(gray[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad])
    width = max(c.shape[1] for c in crops)
    out = np.full((sum(c.shape[0] for c in crops) + 3 * pad, width + 2 * pad), paper, dtype=gray.dtype)
    top = pad
    for c in crops:
        out[top : top + c.shape[0], pad : pad + c.shape[1]] = c
        top += c.shape[0] + pad
    return out


def lines_run_down(gray: np.ndarray) -> bool:
    """True when the page lies on its side (scanned or photographed a quarter turn off):
    its text-line blobs are longer smeared down the page than across it. On 96 generated
    pages (mild and heavy degradations, skew up to 5°) in both quarter positions this was
    right 192/192, the losing direction never above 1/2.2 of the winning one. Whether the
    page then reads upside down is left to the OCR engine's classifier."""
    return line_blobs_both_ways(gray).run_down


@dataclass(frozen=True)
class LineBlobs:
    """A page's text-line blobs smeared across and down (`_blobs_of`), kept so that
    preparation measures the text height from the same blobs it judged the page's lie by
    when levelling changed nothing (~15 ms a page saved)."""

    across: list[tuple[int, int]]
    down: list[tuple[int, int]]
    shrink: float

    @property
    def run_down(self) -> bool:
        return sum(w for _, w in self.down) > sum(w for _, w in self.across)


def line_blobs_both_ways(gray: np.ndarray) -> LineBlobs:
    ink, shrink = _ink_thumbnail(gray)  # once for both ways: ~5 ms a page
    return LineBlobs(_blobs_of(ink), _blobs_of(np.ascontiguousarray(ink.T)), shrink)


def estimate_text_height(gray: np.ndarray, *, lines_across: bool = False) -> float | None:
    """Height of the page's text lines, in pixels, or None if no text is seen.

    The median is taken over the blobs' width, not their number: broken strokes, rules and
    speckle make many short thin blobs, and counted one each they outvoted the lines (on
    generated pages the old count-median said 9-15 px for 45 px text about half the time).
    A page lying on its side (turned upright later, by the OCR engine) shows its lines
    running down: the direction with more line length is taken, unless the caller knows
    the lines run across (`lines_across`: preparation has turned the page already, and
    the second smearing cost ~20 ms a page)."""
    if lines_across:
        ink, shrink = _ink_thumbnail(gray)
        return median_line_height(_blobs_of(ink), shrink)
    both = line_blobs_both_ways(gray)
    return median_line_height(max(both.across, both.down, key=lambda bs: sum(w for _, w in bs)), both.shrink)


def median_line_height(blobs: list[tuple[int, int]], shrink: float) -> float | None:
    """The width-weighted median height of line blobs (`estimate_text_height`), in the
    page's pixels; None when fewer than 3 lines were seen."""
    blobs = list(blobs)
    if len(blobs) < 3:
        return None
    blobs.sort()
    half, run = sum(w for _, w in blobs) / 2, 0
    for height, width in blobs:
        run += width
        if run >= half:
            return height / shrink
    return None  # unreachable: the widths sum to twice `half`


def normalise_text_size(gray: np.ndarray, height: float | None) -> np.ndarray:
    """Scale the page so its text (`height` px tall, as measured by `estimate_text_height`
    or from blobs already made) is about TARGET_TEXT_HEIGHT px tall; fall back to page size
    when no text lines were found (None)."""
    import cv2

    if height is None:
        return normalise_resolution(gray)
    scale = min(MAX_SCALE, max(MIN_SCALE, TARGET_TEXT_HEIGHT / height))
    if 0.9 <= scale <= 1.1:
        return gray
    h, w = gray.shape[:2]
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=interp)


# Ink darker than this share of the local paper brightness stays black, lighter than
# FLAT_PAPER becomes paper. A grey seal (a red stamp photocopied) sits at ~0.55 of the paper
# and black print under 0.3: the stretch lifts the seal behind the print it crosses.
FLAT_INK, FLAT_PAPER = 0.2, 0.7


def flatten_illumination(gray: np.ndarray, text_height: float) -> np.ndarray:
    """Divide the page by its local paper brightness (a max filter a little wider than a
    character, smoothed), then stretch: shadows and uneven light leave the paper white, and
    light ink (grey seals, paper grain) fades while dark print stays."""
    import cv2

    # The paper's brightness varies slowly: it is estimated on a quarter-size copy (the
    # full-size blur cost ~0.15 s a page) and scaled back up.
    h, w = gray.shape[:2]
    small = cv2.resize(gray, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    k = max(3, int(text_height / 2) | 1)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    paper = cv2.GaussianBlur(paper, (0, 0), k / 2)
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    # 255 * (gray / paper - FLAT_INK) / (FLAT_PAPER - FLAT_INK), clipped to 0-255, in
    # OpenCV's saturating 16-bit arithmetic: the same page to within one grey level, at
    # an eighth of the time of float32 numpy (0.035 s a 2067x2923 page; measured).
    scale = 255.0 / (FLAT_PAPER - FLAT_INK)
    stretched = cv2.divide(gray, np.maximum(paper, 1), scale=scale, dtype=cv2.CV_16U)
    return cv2.convertScaleAbs(cv2.subtract(stretched, round(FLAT_INK * scale)))


def shrink_oversized(gray: np.ndarray) -> np.ndarray:
    """A phone photo (4-5k px) brought down to TARGET_LONG_SIDE before any other step:
    levelling and measuring it at full size would cost several times more for nothing."""
    import cv2

    h, w = gray.shape[:2]
    if max(h, w) <= TARGET_LONG_SIDE * 1.15:
        return gray
    scale = TARGET_LONG_SIDE / max(h, w)
    return cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)


def normalise_resolution(gray: np.ndarray) -> np.ndarray:
    """Scale a page so its long side is about TARGET_LONG_SIDE when it is much larger
    (phone photos) or below MIN_LONG_SIDE (low-dpi scans)."""
    import cv2

    h, w = gray.shape[:2]
    long_side = max(h, w)
    if long_side > TARGET_LONG_SIDE * 1.15:
        scale = TARGET_LONG_SIDE / long_side
        interp = cv2.INTER_AREA
    elif long_side < MIN_LONG_SIDE:
        scale = MIN_LONG_SIDE / long_side
        interp = cv2.INTER_CUBIC
    else:
        return gray
    return cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=interp)


# tesseract's orientation detection is trusted above this confidence; below it the page is
# left as it is (a page with little text, a photo). On 17 generated and sample pages in all
# four orientations (68) OSD on the prepared page was right every time, its confidence
# never below 1.5; on a 0.6-scale copy it was right only 55 times (ID cards failed).
MIN_ORIENTATION_CONF = 1.0


def detect_rotation(gray: np.ndarray) -> int:
    """Degrees (0, 90, 180, 270) to turn the page clockwise so its text is upright, from
    tesseract's orientation and script detection (osd.traineddata).

    The orientation step of engines without a classifier of their own (tesseract:
    `OcrEngine.read_upright`); RapidOCR judges orientation from its detector and its line
    classifier instead. A separate tesseract pass over the full page, ~0.6 s."""
    import pytesseract

    try:
        osd = pytesseract.image_to_osd(gray, config="--psm 0", output_type=pytesseract.Output.DICT)
    except pytesseract.TesseractError:
        # "Too few characters": nothing to orient by; the page is taken as it is.
        return 0
    if float(osd.get("orientation_conf", 0)) < MIN_ORIENTATION_CONF:
        return 0
    return int(osd.get("rotate", 0)) % 360


def rotate_clockwise(gray: np.ndarray, degrees: int) -> np.ndarray:
    import cv2

    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(gray, turns[degrees]) if degrees in turns else gray


# Deskew searches this range (degrees): scans come in a few degrees off, anything beyond
# is a rotation OSD handles.
MAX_SKEW = 8.0


def estimate_skew(gray: np.ndarray) -> float:
    """The angle (degrees, anticlockwise positive) the page's text lines are tilted by,
    from the projection profiles: rotated by the right angle, ink gathers into sharp rows
    of text and blank gaps, and the profile's variance peaks. The page must be turned so
    its lines run across (`lines_run_down`). Coarse 0.5° steps, then 0.1° around the
    best, on a ~1000 px copy."""
    import cv2

    h, w = gray.shape[:2]
    shrink = min(1.0, 1000 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * shrink)), max(1, round(h * shrink))), interpolation=cv2.INTER_AREA)
    # A local threshold: with a global one a shadow or a dark page edge becomes "ink" and
    # its outline, not the text, decides the angle (a -5° page came out at -8.5°).
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 12)
    # The ink pixels' coordinates are turned, not the picture: the row profile of a turned
    # page is the histogram of its ink's turned heights (44 picture warps cost ~45 ms a
    # page; this, a fifth of that). With the pixel count fixed, the profile's variance
    # ranks angles as its sum of squares does.
    ys, xs = np.nonzero(ink)
    # Whole-pixel centre: a half-pixel one puts every height on .5, and rounding half to
    # even then merges row pairs at 0° and flatters it.
    ys = ys.astype(np.float32) - ink.shape[0] // 2
    xs = xs.astype(np.float32) - ink.shape[1] // 2

    def score(angle: float) -> float:
        a = math.radians(angle)
        # cv2's rotation by `angle` (anticlockwise on screen) moves a pixel to this height.
        rows = np.rint(ys * math.cos(a) - xs * math.sin(a)).astype(np.int64)
        counts = np.bincount(rows - rows.min()) if rows.size else np.zeros(1, np.int64)
        return float(np.dot(counts, counts))

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=score)
    return float(max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=score))


def _median_grey(gray: np.ndarray) -> float:
    """np.median of a uint8 picture from its histogram: the same value, without sorting
    a page's millions of pixels (~10 ms)."""
    import cv2

    counts = np.cumsum(cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel())
    n = int(counts[-1])
    low = int(np.searchsorted(counts, (n - 1) // 2 + 1))
    high = int(np.searchsorted(counts, n // 2 + 1))
    return (low + high) / 2


def deskew(gray: np.ndarray, min_angle: float = 0.2) -> np.ndarray:
    """Rotate the page so its text lines are level: a skew of a few degrees puts a label
    and its value at different heights across a wide licence, and rows stop lining up."""
    import cv2

    angle = estimate_skew(gray)
    if abs(angle) < min_angle:
        return gray
    h, w = gray.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    paper = int(_median_grey(gray))
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=paper)
