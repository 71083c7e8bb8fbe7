"""The records that flow one way through dossier's stages, up to extraction.

incoming file → OCR result (pages of lines with boxes) → extraction (typed fields).
All frozen: a stage returns a new record, it never edits the one it was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class IncomingFile:
    """A file as received: where it is, what its bytes are, what the drop folder hinted."""

    path: Path
    sha256: str
    size: int
    kind: str  # "pdf" | "image", from the file's magic bytes, not its extension
    original_name: str
    hints: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in pixels of the prepared page image (PDF points for a
    text-layer page)."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def union(self, other: Box) -> Box:
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Box(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)


@dataclass(frozen=True)
class Word:
    text: str
    conf: float
    box: Box


@dataclass(frozen=True)
class OcrLine:
    """One line of text with where it was read and how sure the engine was (0..1).

    `alternatives` are other readings of the same line (a second engine, or the same
    engine restricted to a code's alphabet); checksum-guided extraction tries them too.
    """

    text: str
    conf: float
    box: Box
    words: tuple[Word, ...] = ()
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageText:
    """The text of one page. `source` says how it was read: ``pdf-text`` (a PDF text
    layer) or ``ocr:<engine>``."""

    page_no: int  # 1-based
    lines: tuple[OcrLine, ...]
    source: str
    width: int
    height: int
    prep_seconds: float = 0.0
    ocr_seconds: float = 0.0
    # A red seal (公章) stamped on the page, found by its colour; None when the page is
    # grey (a photocopy or grey scan: cannot tell) or was read from a PDF text layer.
    red_seal: bool | None = None
    # The picture the boxes are in (grey, as the engine read it), kept only when asked for
    # (`read_document(keep_images=True)`: filing cuts evidence crops from it); boxes times
    # `image_scale` are its pixels (a text-layer page's boxes are in PDF points).
    image: Any = field(default=None, compare=False, repr=False)
    image_scale: float = 1.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass(frozen=True)
class OcrResult:
    file: IncomingFile
    pages: tuple[PageText, ...]


@dataclass(frozen=True)
class Field:
    """One extracted value with its evidence.

    `status`: ``read`` (as printed), ``repaired`` (a code fixed by its check character),
    ``completed`` (a company name put right from the rest of its page: its end lost where it
    was found and the same name printed whole elsewhere, a character or two misread where
    the page prints it surely elsewhere, or its place misread where the page names the city;
    a company type put right to the one registered type near it; an authority's branch
    office whose 分局 was lost, its district named on the page; `raw` is what was read
    where it was found),
    ``derived`` (not read where it is printed but taken from a validated code that encodes
    it: an ID card's sex and birth date from its ID number),
    ``unreadable`` (a value was there but could not be trusted; `value` is None).
    """

    value: Any
    raw: str
    confidence: float
    page: int
    box: Box | None = None
    status: str = "read"


class Check(str):
    """A warning from a check inside one document: its message (the str itself, so it
    reads and compares as text), a `kind` reviewers filter by, and the `fields` it is
    about (their boxes are the evidence). Kinds: code_repaired, checksum_failed,
    org_code_check, birth_date_mismatch, sex_mismatch, expired, region_mismatch,
    amount_mismatch."""

    kind: str
    fields: tuple[str, ...]

    def __new__(cls, kind: str, message: str, fields: tuple[str, ...] = ()) -> Check:
        obj = super().__new__(cls, message)
        obj.kind = kind
        obj.fields = tuple(fields)
        return obj

    def __getnewargs__(self):  # pickling across worker processes keeps the kind
        return self.kind, str(self), self.fields


@dataclass(frozen=True)
class Extraction:
    """What a document says: its type and its fields."""

    file: IncomingFile
    doc_type: str
    doc_type_confidence: float
    fields: dict[str, Field] = field(hash=False)
    warnings: tuple[Check, ...] = ()
    page_types: tuple[tuple[int, str, float], ...] = ()  # (page, doc type, confidence)

    def value(self, name: str) -> Any:
        f = self.fields.get(name)
        return f.value if f else None
