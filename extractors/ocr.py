"""OCR engines behind one small interface.

An engine turns a prepared grey page into lines of text with boxes and confidences, so
every extracted value can be traced to where on the page it was read. tesseract (through
pytesseract) is the first engine; others plug in by subclassing `OcrEngine`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from abc import ABC, abstractmethod
from collections import defaultdict

import numpy as np

from .errors import UsageError
from .parsing import strip_cjk_spaces
from .records import Box, OcrLine, Word


class OcrEngine(ABC):
    name: str = "engine"
    # Whether the engine reads pages better with their light flattened (`prepare`): RapidOCR
    # does (grey seals fade; 274->282/282 fields on a dev set), tesseract does worse (19 of
    # 39 fields against 26 on six dev pages: it binarises by itself).
    flatten_light: bool = False

    @abstractmethod
    def read_page(self, gray: np.ndarray) -> tuple[OcrLine, ...]:
        """All lines on an upright page, top to bottom."""

    def read_upright(self, gray: np.ndarray) -> tuple[np.ndarray, tuple[OcrLine, ...]]:
        """All lines on a page that may be upside down (or, rarely, still a quarter off):
        the page as read, turned upright, and its lines, whose boxes are in that page's
        pixels. This default asks tesseract's orientation detection (OSD, a separate
        pass over the page); engines with their own orientation classifier override it."""
        from .imaging import detect_rotation, rotate_clockwise

        upright = rotate_clockwise(gray, detect_rotation(gray))
        return upright, self.read_page(upright)

    def read_line(self, gray: np.ndarray, box: Box, charset: str) -> tuple[str, float]:
        """A second reading of one line restricted to `charset` (a code line). Engines that
        cannot restrict their alphabet return ("", 0.0)."""
        return "", 0.0

    def read_text(self, gray: np.ndarray, box: Box) -> tuple[str, float]:
        """A second reading of the text in `box`, any characters (a line read again from
        where its ink starts). Engines without a line recogniser of their own return
        ("", 0.0)."""
        return "", 0.0


class NullEngine(OcrEngine):
    """Reads nothing. For exercising the pipeline where OCR is not the thing under test."""

    name = "null"

    def read_page(self, gray: np.ndarray) -> tuple[OcrLine, ...]:
        return ()

    def read_upright(self, gray: np.ndarray) -> tuple[np.ndarray, tuple[OcrLine, ...]]:
        return gray, ()


class TesseractEngine(OcrEngine):
    """tesseract's LSTM `chi_sim` model through pytesseract.

    One tesseract process per call. tesseract's OpenMP threads make it ~1.9x slower on
    two cores (OCR-FACTS.md), so it runs single-threaded and callers parallelise across
    processes instead.
    """

    name = "tesseract"

    def __init__(self, lang: str = "chi_sim", psm: int = 11) -> None:
        import pytesseract

        if shutil.which("tesseract") is None:
            raise UsageError(
                "tesseract is not installed",
                hint="apt-get install tesseract-ocr tesseract-ocr-chi-sim",
            )
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        missing = set(lang.split("+")) - installed_tesseract_languages()
        if missing:
            raise UsageError(
                f"tesseract has no '{', '.join(missing)}' model",
                hint="apt-get install tesseract-ocr-chi-sim",
            )
        self._tess = pytesseract
        self.lang = lang
        self.psm = psm

    def read_page(self, gray: np.ndarray) -> tuple[OcrLine, ...]:
        data = self._tess.image_to_data(
            gray,
            lang=self.lang,
            config=f"--oem 1 --psm {self.psm}",
            output_type=self._tess.Output.DICT,
        )
        return tuple(_group_lines(data))

    def read_line(self, gray: np.ndarray, box: Box, charset: str) -> tuple[str, float]:
        pad = max(4, box.h // 3)
        y0, x0 = max(0, box.y - pad), max(0, box.x - pad)
        crop = gray[y0 : box.bottom + pad, x0 : box.right + pad]
        if crop.size == 0:
            return "", 0.0
        data = self._tess.image_to_data(
            crop,
            lang="eng",
            config=f"--oem 1 --psm 7 -c tessedit_char_whitelist={charset}",
            output_type=self._tess.Output.DICT,
        )
        words = [(t, c) for t, c in zip(data["text"], data["conf"]) if t.strip() and float(c) >= 0]
        if not words:
            return "", 0.0
        text = "".join(t.strip() for t, _ in words)
        return text, sum(float(c) for _, c in words) / len(words) / 100


def installed_tesseract_languages() -> set[str]:
    # `tesseract --list-langs` rather than pytesseract.get_languages, which drops
    # script models such as HanS.
    out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, check=False).stdout
    return {ln.strip() for ln in out.splitlines()[1:] if ln.strip()}


def _group_lines(data: dict) -> list[OcrLine]:
    """tesseract reports words; a line is the words sharing (block, paragraph, line)."""
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for i, text in enumerate(data["text"]):
        if text and text.strip() and float(data["conf"][i]) >= 0:
            groups[(data["block_num"][i], data["par_num"][i], data["line_num"][i])].append(i)
    lines = []
    for idx in groups.values():
        idx.sort(key=lambda i: data["left"][i])
        words = tuple(
            Word(
                data["text"][i].strip(),
                round(float(data["conf"][i]) / 100, 3),
                Box(data["left"][i], data["top"][i], data["width"][i], data["height"][i]),
            )
            for i in idx
        )
        text = strip_cjk_spaces(" ".join(w.text for w in words))
        box = words[0].box
        for w in words[1:]:
            box = box.union(w.box)
        conf = sum(w.conf for w in words) / len(words)
        lines.append(OcrLine(text, round(conf, 3), box, words))
    lines.sort(key=lambda ln: (ln.box.y, ln.box.x))
    return lines


def _rapidocr_engine() -> OcrEngine:
    # Imported here: tesseract-only use never loads onnxruntime and the RapidOCR models.
    from .rapid import RapidOcrEngine

    return RapidOcrEngine()


def _rapidocr_v4_engine() -> OcrEngine:
    from .rapid import RapidOcrEngine

    return RapidOcrEngine(rec_model="ppocrv4")


class CombinedEngine(OcrEngine):
    """One engine reads the page, another gives the second reading of code lines.

    RapidOCR reads Han text far better than tesseract's chi_sim (README: 192/192 fields
    against 166/192) but cannot be restricted to an alphabet; tesseract restricted to the
    USCC alphabet is a second, independent reading of a code that failed its check."""

    def __init__(self, page: OcrEngine, line: OcrEngine) -> None:
        self.page, self.line = page, line
        self.name = f"{page.name}+{line.name}"

    def read_page(self, gray: np.ndarray) -> tuple[OcrLine, ...]:
        return self.page.read_page(gray)

    def read_upright(self, gray: np.ndarray) -> tuple[np.ndarray, tuple[OcrLine, ...]]:
        return self.page.read_upright(gray)

    @property
    def flatten_light(self) -> bool:  # type: ignore[override]
        return self.page.flatten_light

    def read_line(self, gray: np.ndarray, box: Box, charset: str) -> tuple[str, float]:
        return self.line.read_line(gray, box, charset)

    def read_text(self, gray: np.ndarray, box: Box) -> tuple[str, float]:
        return self.page.read_text(gray, box)

    def read_text_scored(self, gray: np.ndarray, box: Box):
        """The page engine's reading of `box` with its runner-ups and scores, if it gives
        them (`RapidOcrEngine.read_text_scored`)."""
        scored = getattr(self.page, "read_text_scored", None)
        return scored(gray, box) if scored is not None else None

    def line_readers(self) -> tuple[OcrEngine, ...]:
        """The engines that give second readings of a code line, each on its own: the
        line engine, then the page engine (RapidOCR re-reads a code cut out of its line
        as another, independent reading)."""
        return (self.line, self.page)


ENGINES = {"tesseract": TesseractEngine, "rapidocr": _rapidocr_engine, "rapidocr-v4": _rapidocr_v4_engine, "null": NullEngine}
DEFAULT_ENGINE = "rapidocr+tesseract"


def make_engine(name: str) -> OcrEngine:
    """An engine by name: `tesseract`, `rapidocr` (PP-OCRv6 small recogniser),
    `rapidocr-v4` (the PP-OCRv4 one in rapidocr_onnxruntime's wheel), or `PAGE+LINE`
    (e.g. rapidocr+tesseract: RapidOCR reads pages, tesseract re-reads code lines)."""
    parts = name.split("+")
    unknown = [p for p in parts if p not in ENGINES]
    if unknown or len(parts) > 2:
        raise UsageError(f"unknown OCR engine '{name}'", hint=f"one of: {', '.join(ENGINES)}, or PAGE+LINE such as {DEFAULT_ENGINE}")
    if len(parts) == 2:
        return CombinedEngine(ENGINES[parts[0]](), ENGINES[parts[1]]())
    return ENGINES[name]()
