"""Separator coversheets: a printed page with a QR code naming one customer, laid in front
of that customer's papers when a stack of several customers' documents is scanned in one
go. `dossier batch` splits a scan at each sheet, files the pages after it under that
customer, and files the sheet itself nowhere.

The QR code holds `DOSSIER:` followed by compact JSON with ASCII escapes (so any reader
returns it byte for byte, whatever text encoding it assumes):
`DOSSIER:{"v":1,"id":12,"archive_no":"2026-SALE-001","name":"\\u676d…"}`. The customer's
name and archive number are printed beside it for people.

QR codes are made with segno (pure Python) and read with zxing-cpp (a PyPI wheel, no
system library), on a copy of the page reduced to ~75 dpi: a sheet's code is 70 mm wide,
so its modules are still ~5 px there, and reading takes a millisecond or two, where a
full-size page would take tens.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

PREFIX = "DOSSIER:"
VERSION = 1
# Printed size of the code on the sheet, and the resolution pages are searched at.
QR_MM = 70
SEARCH_DPI = 75
# Fonts with Han characters, first found wins (scripts/setup.sh installs the first two).
CJK_FONTS = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)
# A fixed creation date keeps a sheet's bytes a function of its customer only.
PDF_DATE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Coversheet:
    """What a sheet's QR code says."""

    customer_id: int
    archive_no: str | None
    name: str

    def payload(self) -> str:
        data = {"v": VERSION, "id": self.customer_id, "archive_no": self.archive_no, "name": self.name}
        return PREFIX + json.dumps(data, ensure_ascii=True, separators=(",", ":"))

    @classmethod
    def parse(cls, text: str) -> Coversheet | None:
        """The sheet a QR payload describes; None for any other QR code (a licence's own
        code, a parcel label) or a payload that is not well formed."""
        if not text.startswith(PREFIX):
            return None
        try:
            data = json.loads(text[len(PREFIX) :])
            if not isinstance(data, dict) or data.get("v") != VERSION:
                return None
            return cls(int(data["id"]), data.get("archive_no") or None, str(data["name"]))
        except (ValueError, KeyError, TypeError):
            return None


def _font() -> tuple[str, int]:
    for path, index in CJK_FONTS:
        if Path(path).exists():
            return path, index
    raise FileNotFoundError("no CJK font found (apt-get install fonts-wqy-zenhei)")


def coversheet_pdf(sheet: Coversheet, department: str | None = None) -> bytes:
    """A one-page A4 PDF: title, the QR code, the customer's name and archive number in
    large print, and what the sheet is for."""
    import segno
    from fpdf import FPDF

    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    qr = segno.make(sheet.payload(), error="m", micro=False)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=10, border=4)
    png.seek(0)

    font_path, font_index = _font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(PDF_DATE)
    pdf.set_auto_page_break(False)
    pdf.add_font("cjk", fname=font_path, collection_font_number=font_index)
    pdf.add_page()
    pdf.set_font("cjk", size=26)
    pdf.set_xy(15, 22)
    pdf.cell(180, 12, "客户资料分隔页", align="C")
    pdf.set_font("cjk", size=12)
    pdf.set_xy(15, 36)
    pdf.cell(180, 8, "DOSSIER SEPARATOR SHEET", align="C")
    pdf.image(png, x=(210 - QR_MM) / 2, y=52, w=QR_MM, h=QR_MM)
    y = 52 + QR_MM + 14
    rows = (("客户名称", sheet.name), ("档案编号", sheet.archive_no or "(未编号)"), ("客户编号", str(sheet.customer_id)))
    for label, value in rows:
        pdf.set_font("cjk", size=14)
        pdf.set_xy(25, y)
        pdf.cell(35, 12, label)
        size = 20 if len(value) <= 18 else 16 if len(value) <= 24 else 12
        pdf.set_font("cjk", size=size)
        pdf.set_xy(60, y)
        pdf.cell(125, 12, value)
        y += 16
    pdf.set_font("cjk", size=11)
    y += 8
    for line in (
        "请将本页放在该客户资料的最前面，与资料一起扫描。",
        "本页之后、下一张分隔页之前的各页均归入上述客户的档案；本页本身不归档。",
        "Scan this sheet in front of the customer's papers: the pages after it, up to the",
        "next sheet, are filed under this customer. The sheet itself is not filed.",
    ):
        pdf.set_xy(20, y)
        pdf.cell(170, 7, line)
        y += 7
    if department:
        pdf.set_xy(20, 280)
        pdf.cell(170, 6, f"部门 {department}", align="R")
    return bytes(pdf.output())


def find_coversheet(image: Image.Image | np.ndarray, dpi: float | None = None) -> Coversheet | None:
    """The coversheet a page image shows, or None. The page is searched at ~SEARCH_DPI
    (from `dpi`, else assuming an A4 page), in grey."""
    import zxingcpp

    img = image if isinstance(image, Image.Image) else Image.fromarray(image)
    if img.mode != "L":
        img = img.convert("L")
    if dpi is None:
        # The long side of an A4 page is 11.7 in.
        dpi = max(img.size) / 11.7
    scale = SEARCH_DPI / dpi
    if scale < 0.9:
        img = img.resize((max(1, round(img.width * scale)), max(1, round(img.height * scale))), Image.BILINEAR)
    for result in zxingcpp.read_barcodes(np.asarray(img), formats=zxingcpp.BarcodeFormat.QRCode):
        sheet = Coversheet.parse(result.text)
        if sheet is not None:
            return sheet
    return None
