"""Evidence crops (ingest/evidence.py) from a rendered line, without OCR: where the value
is in its crop, what masking an ID number covers, and which fields get a crop."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pyrage
from PIL import Image, ImageDraw, ImageFont

from extractors.records import Box, Check, Extraction, Field, IncomingFile, OcrLine, OcrResult, PageText, Word
from ingest.evidence import cut_crops, cut_one, evidence_fields, mask_region, open_crop

SERIF = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
ID_NUMBER = "11010519491231002X"
INCOMING = IncomingFile(Path("x.png"), "0" * 64, 1, "png", "x.png")


def page_with(label: str, value: str) -> tuple[PageText, Box, int, int]:
    font = ImageFont.truetype(SERIF, 28, index=2)
    img = Image.new("L", (900, 200), 255)
    draw = ImageDraw.Draw(img)
    draw.text((60, 80), label, font=font, fill=0)
    x_value = 60 + font.getlength(label) + 20
    draw.text((x_value, 80), value, font=font, fill=0)
    gray = np.asarray(img)
    cols = np.nonzero((gray < 128).any(axis=0))[0]
    rows = np.nonzero((gray < 128).any(axis=1))[0]
    box = Box(int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1))
    line = OcrLine(label + value, 0.99, box, (Word(label + value, 0.99, box),))
    return PageText(1, (line,), "ocr:test", 900, 200, image=gray), box, int(x_value), int(cols[-1])


def test_an_id_numbers_crop_masks_its_middle_and_keeps_its_ends():
    page, box, x_code, x_end = page_with("公民身份号码", ID_NUMBER)
    crop = cut_one(page, box, "id_number")
    vx, vy, vw, vh = crop.value_box
    mx, my, mw, mh = crop.mask_box
    offset = box.x - vx  # page x of the crop's left edge
    pitch = (x_end - x_code) / 18
    # The mask starts after the 6th character and ends before the last 4.
    assert abs((mx + offset) - (x_code + 6 * pitch)) < pitch
    assert abs((mx + mw + offset) - (x_code + 14 * pitch)) < pitch
    img = cv2.imdecode(np.frombuffer(mask_region(crop.png, crop.mask_box), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img[my + mh // 2, mx + mw // 2] < 60  # painted over
    assert img[:, : max(1, mx - 2 * int(pitch))].min() < 100  # the label and first digits still show


def test_a_crop_holds_its_value_with_a_margin():
    page, box, _, _ = page_with("名称", "杭州星澜信息科技有限公司")
    crop = cut_one(page, box, "name")
    img = cv2.imdecode(np.frombuffer(crop.png, np.uint8), cv2.IMREAD_GRAYSCALE)
    vx, vy, vw, vh = crop.value_box
    assert crop.mask_box is None
    assert vx > 0 and vy > 0 and vx + vw < img.shape[1] and vy + vh < img.shape[0]
    assert img[vy : vy + vh, vx : vx + vw].min() < 100 and img[: max(0, vy - 2), :].min() > 128  # no ink above it


def test_only_fields_worth_keeping_are_cut_and_crops_are_stored_encrypted():
    page, box, _, _ = page_with("公民身份号码", ID_NUMBER)
    fields = {
        "id_number": Field(ID_NUMBER, ID_NUMBER, 0.99, 1, box),
        "ethnicity": Field("汉", "汉", 0.99, 1, box),
        "birth_date": Field("1949-12-31", "1949年12月31日", 0.99, 1, box),
    }
    plain = Extraction(INCOMING, "id_card", 1.0, fields)
    assert {c.field for c in cut_crops(OcrResult(INCOMING, (page,)), plain)} == {"id_number"}
    checked = Extraction(INCOMING, "id_card", 1.0, fields, (Check("birth_date_mismatch", "…", ("birth_date", "id_number")),))
    assert "birth_date" in evidence_fields(checked)

    identity = pyrage.x25519.Identity.generate()
    crop = cut_one(page, box, "id_number")

    class Row:  # an EvidenceCrop row's columns
        png_age = pyrage.encrypt(crop.png, [identity.to_public()])
        box = {"value": list(crop.value_box), "mask": list(crop.mask_box)}

    assert crop.png not in Row.png_age
    assert open_crop(Row, [identity], full_values=True) == crop.png
    assert open_crop(Row, [identity]) != crop.png
