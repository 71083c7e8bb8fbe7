"""Evidence crops: the piece of page each value was read from, kept encrypted beside the
filed document so a reviewer sees what the page shows next to what the CRM says.

`cut_crops` is pure (page pictures in, PNG bytes out); `store_crops` encrypts them to the
archive's age recipients into the catalogue; `open_crop` decrypts one (the caller audits)
and, for an ID number, masks its middle unless full values are asked for.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from extractors.records import Box, Extraction, OcrResult, PageText
from matchers.findings import KEY_FIELDS

# Margins round a value's line, in line heights: enough to see the label and what is
# stamped over it, not the rest of the page.
MARGIN_Y = 0.6
MARGIN_X = 1.0
# Wider crops are scaled down to this many pixels: a report shows them at about this size.
MAX_CROP_WIDTH = 1400
# An ID number shows its first 6 and last 4 characters when masked (as `mask_id_number`).
ID_KEEP_HEAD, ID_KEEP_TAIL, ID_LENGTH = 6, 4, 18


@dataclass(frozen=True)
class Crop:
    field: str
    page: int
    png: bytes
    value_box: tuple[int, int, int, int]  # the value's line within the crop
    mask_box: tuple[int, int, int, int] | None  # what masking covers (ID numbers), within the crop


def evidence_fields(extraction: Extraction) -> set[str]:
    """The fields worth a crop: those a CRM comparison or a finding can be about (the
    customer's identifying values, addresses, end dates, amounts) and any a check of the
    document names. Not every field: crops are kept for years, in the catalogue."""
    wanted = set(KEY_FIELDS) | {"address", "term_end", "valid_to", "amount", "amount_in_words"}
    for check in extraction.warnings:
        wanted.update(getattr(check, "fields", ()))
    return wanted


def cut_crops(ocr: OcrResult, extraction: Extraction, fields: set[str] | None = None) -> list[Crop]:
    """One crop per field (of `fields`, default `evidence_fields`) that was read from a box
    on a page whose picture was kept."""
    fields = evidence_fields(extraction) if fields is None else fields
    pages = {p.page_no: p for p in ocr.pages if p.image is not None}
    out = []
    for name, f in extraction.fields.items():
        if name not in fields:
            continue
        page = pages.get(f.page)
        if page is None or f.box is None:
            continue
        crop = cut_one(page, f.box, name)
        if crop is not None:
            out.append(crop)
    return out


def cut_one(page: PageText, box: Box, field: str) -> Crop | None:
    import cv2

    gray = np.asarray(page.image)
    s = page.image_scale
    x, y, w, h = (round(v * s) for v in (box.x, box.y, box.w, box.h))
    if w <= 0 or h <= 0:
        return None
    mx, my = round(MARGIN_X * h), round(MARGIN_Y * h)
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(gray.shape[1], x + w + mx), min(gray.shape[0], y + h + my)
    if x1 <= x0 or y1 <= y0:
        return None
    piece = gray[y0:y1, x0:x1]
    value = (x - x0, y - y0, min(w, x1 - x), min(h, y1 - y))
    mask = _id_mask(piece, page, box, value) if "id_number" in field else None
    factor = min(1.0, MAX_CROP_WIDTH / piece.shape[1])
    if factor < 1.0:
        piece = cv2.resize(piece, (round(piece.shape[1] * factor), max(1, round(piece.shape[0] * factor))), interpolation=cv2.INTER_AREA)
        value = tuple(round(v * factor) for v in value)
        mask = None if mask is None else tuple(round(v * factor) for v in mask)
    ok, png = cv2.imencode(".png", piece, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        return None
    return Crop(field, page.page_no, png.tobytes(), value, mask)


def _id_mask(piece: np.ndarray, page: PageText, box: Box, value: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """Where the middle of the ID number lies in the crop: the code is located on its line
    (from the line's text and the gaps between inked columns, as for re-reading), and its
    characters 7 to 14 covered. Without a located code, the whole value box is covered."""
    from extractors.rereading import code_box

    line = next((ln for ln in page.lines if ln.box == box), None)
    vx, vy, vw, vh = value
    if line is not None and page.image_scale == 1.0:
        located = code_box(np.asarray(page.image), line.text, box)
        if located is not None:
            pitch = located.w / ID_LENGTH
            left = located.x - box.x + vx + round(ID_KEEP_HEAD * pitch)
            width = round((ID_LENGTH - ID_KEEP_HEAD - ID_KEEP_TAIL) * pitch)
            return (max(0, left), vy, width, vh)
    return value


def mask_region(png: bytes, region) -> bytes:
    """The crop with `region` painted over."""
    import cv2

    img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    x, y, w, h = (int(v) for v in region)
    pad = max(2, h // 6)
    img[max(0, y - pad) : y + h + pad, max(0, x) : x + w] = 40
    ok, out = cv2.imencode(".png", img)
    return out.tobytes()


def store_crops(session, document_id: int, crops: list[Crop], recipients) -> None:
    """Encrypt each crop to the recipients and add it to the catalogue session."""
    import pyrage

    from .catalogue import EvidenceCrop

    for c in crops:
        session.add(
            EvidenceCrop(
                document_id=document_id, field=c.field, page=c.page,
                box={"value": list(c.value_box), "mask": None if c.mask_box is None else list(c.mask_box)},
                png_age=pyrage.encrypt(c.png, list(recipients)),
            )
        )


def open_crop(row, identities, *, full_values: bool = False) -> bytes:
    """The crop's PNG, decrypted; an ID number's middle masked unless `full_values`."""
    import pyrage

    png = pyrage.decrypt(row.png_age, list(identities))
    mask = (row.box or {}).get("mask")
    if mask and not full_values:
        png = mask_region(png, mask)
    return png


def png_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return im.size
