"""Loading pages as images and preparing them for OCR.

Every image that reaches an OCR engine comes through here, so this is where bad input is
turned away with a reason (empty, truncated, not an image, a decompression bomb) and where
resolution is normalised: a 4-5k px phone photo is as slow to OCR as several pages and no
more legible than the same page at ~300 dpi.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator
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
    """8-bit grey, the form every preparation step and engine here takes.

    A colour page is greyed through its red channel, and clearly red pixels are set to
    paper white: red seals (公章) overlap names, dates and the issuing authority, and their
    arcs of text are otherwise read as stray characters. Black print crossing a seal is
    dark in every channel, so it is kept."""
    if img.mode in ("RGBA", "LA", "P"):
        # Transparent areas of a screenshot or export are paper, not black.
        img = img.convert("RGBA")
        white = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, img)
    if img.mode in ("RGB", "RGBA", "CMYK", "YCbCr"):
        rgb = np.asarray(img.convert("RGB"))
        red = rgb[:, :, 0]
        redness = red.astype(np.int16) - np.maximum(rgb[:, :, 1], rgb[:, :, 2])
        gray = red.copy()
        gray[redness > SEAL_REDNESS] = 255
        return gray
    return np.asarray(img.convert("L"))


# tesseract's LSTM models read best when a line of Chinese text is about this many pixels
# tall: at 56 px a clean licence name was misread (杭→村, 澜→宙). On 50 generated pages
# (seed 4242) fields were right 160/192 at 18 px, 158 at 22, 159 at 26, 152 at 32.
TARGET_TEXT_HEIGHT = 22
MIN_SCALE, MAX_SCALE = 0.25, 3.0


def estimate_text_height(gray: np.ndarray) -> float | None:
    """Median height of the page's text lines, in pixels, or None if no text is seen.

    Ink is smeared sideways so the characters of a line merge into one blob; blobs much
    wider than tall are text lines, and their heights are the text size. Works on a
    thumbnail-sized copy: the measure needs proportions, not detail."""
    import cv2

    h, w = gray.shape[:2]
    shrink = min(1.0, 1600 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * shrink)), max(1, round(h * shrink))), interpolation=cv2.INTER_AREA) if shrink < 1 else gray
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    k = max(3, round(small.shape[1] / 150))
    lines = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    n, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    heights = [
        stats[i, cv2.CC_STAT_HEIGHT]
        for i in range(1, n)
        if stats[i, cv2.CC_STAT_WIDTH] >= 3 * stats[i, cv2.CC_STAT_HEIGHT] and 4 <= stats[i, cv2.CC_STAT_HEIGHT] <= small.shape[0] / 8
    ]
    if len(heights) < 3:
        return None
    return float(np.median(heights)) / shrink


def normalise_text_size(gray: np.ndarray) -> np.ndarray:
    """Scale the page so its text is about TARGET_TEXT_HEIGHT px tall; fall back to page
    size when no text lines are found."""
    import cv2

    height = estimate_text_height(gray)
    if height is None:
        return normalise_resolution(gray)
    scale = min(MAX_SCALE, max(MIN_SCALE, TARGET_TEXT_HEIGHT / height))
    if 0.9 <= scale <= 1.1:
        return gray
    h, w = gray.shape[:2]
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=interp)


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

    Needed by every engine: RapidOCR reads sideways text *wrongly* rather than not at all
    (on 90° pages it produced wrong names and authorities), tesseract reads nothing."""
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
    from the horizontal projection profile: rotated by the right angle, ink gathers into
    sharp rows of text and blank gaps, and the profile's variance peaks. Coarse 0.5° steps,
    then 0.1° around the best, on a ~1000 px copy."""
    import cv2

    h, w = gray.shape[:2]
    shrink = min(1.0, 1000 / max(h, w))
    small = cv2.resize(gray, (max(1, round(w * shrink)), max(1, round(h * shrink))), interpolation=cv2.INTER_AREA)
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    centre = (ink.shape[1] / 2, ink.shape[0] / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, m, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST, borderValue=0)
        return float(np.var(turned.sum(axis=1, dtype=np.float64)))

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=score)
    return float(max(np.arange(coarse - 0.5, coarse + 0.51, 0.1), key=score))


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
    paper = int(np.median(gray))
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=paper)
