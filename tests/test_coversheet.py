"""Separator coversheets: `dossier coversheet` prints one, it is rasterised as a scanner
would and laid between two customers' documents in one scan; `dossier batch` splits the
scan there, files each customer's pages under that customer, and files no sheet.
Real OCR, real files, a real SQLite catalogue."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from conftest import REPO, run_dossier

sys.path.insert(0, str(REPO / "samples"))


def rasterise(pdf: Path, dpi: int) -> Image.Image:
    """The PDF's first page as a grey scan with a little grain and a slight tilt."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    img = doc[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    doc.close()
    grain = np.random.default_rng(1).normal(0, 6, (img.height, img.width))
    img = Image.fromarray((np.asarray(img, dtype=np.float32) + grain).clip(0, 255).astype(np.uint8))
    return img.rotate(0.8, fillcolor=255)


def bag_page(bag: Path, index: int) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(bag)
    img = doc[index].render(scale=200 / 72).to_pil()
    doc.close()
    return img


def scan_pdf(pages: list[Image.Image], dpi: int = 200) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    for img in pages:
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        w, h = img.width * 72 / dpi, img.height * 72 / dpi
        pdf.add_page(format=(w, h))
        pdf.image(buf, 0, 0, w, h)
    return bytes(pdf.output())


def test_coversheet_payload_round_trips_and_other_codes_are_ignored():
    from ingest.coversheet import Coversheet

    sheet = Coversheet(42, "2023-SALE-017", "杭州星澜（西湖）信息科技有限公司")
    assert sheet.payload().isascii() and sheet.payload().startswith("DOSSIER:")
    assert Coversheet.parse(sheet.payload()) == sheet
    for other in ("https://example.com/licence", "DOSSIER:not json", 'DOSSIER:{"v":2,"id":1,"name":"x"}', 'DOSSIER:{"v":1}'):
        assert Coversheet.parse(other) is None


@pytest.mark.ocr
def test_a_coversheet_splits_a_scan_between_two_customers_and_is_not_filed(tmp_path):
    from ingest.coversheet import find_coversheet
    from make_archive import make_archive, photo_page

    src = tmp_path / "src"
    truth = make_archive(src, bags=2, seed=11, mix="small", unrecognised="none", image_bags="none")
    a, b = truth["bags"]
    assert run_dossier(tmp_path, "init", "site").returncode == 0
    site = tmp_path / "site"
    assert run_dossier(site, "crm", "import", str(src / "crm.csv")).returncode == 0

    # Print a sheet for each customer: A by name, B by USCC.
    made = run_dossier(site, "coversheet", a["customer"], "-o", str(tmp_path / "a.pdf"))
    assert made.returncode == 0, made.stderr
    assert run_dossier(site, "coversheet", b["uscc"], "-o", str(tmp_path / "b.pdf")).returncode == 0
    import pypdfium2 as pdfium

    sheet_text = pdfium.PdfDocument(tmp_path / "a.pdf")[0].get_textpage().get_text_range()
    assert a["customer"] in sheet_text.replace("\r", "").replace("\n", "")

    sheet_a, sheet_b = rasterise(tmp_path / "a.pdf", 200), rasterise(tmp_path / "b.pdf", 200)
    read_back = find_coversheet(sheet_a, 200)
    assert read_back is not None and read_back.name == a["customer"] and read_back.archive_no

    # One scan: sheet A, A's licence, sheet B, B's ID card, and a photo no text names B by.
    licence_a = bag_page(src / a["bag"], a["page_types"].index("business_licence"))
    id_card_b = bag_page(src / b["bag"], b["page_types"].index("id_card"))
    photo = photo_page(5, dpi=100)
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "stack.pdf").write_bytes(scan_pdf([sheet_a, licence_a, sheet_b, id_card_b, photo]))

    work = tmp_path / "work"
    result = run_dossier(site, "batch", str(scans), "-j", "2", "--no-progress", "--work", str(work))
    assert result.returncode == 0, result.stdout + result.stderr

    engine = create_engine(f"sqlite:///{site / 'catalogue.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.doc_type, d.page_count, d.original_name, d.match_method, c.name FROM documents d"
            " JOIN customers c ON c.id = d.customer_id ORDER BY d.original_name"
        )).all()
        total = conn.execute(text("SELECT count(*) FROM documents")).scalar_one()
    engine.dispose()
    assert total == 3  # the two sheets are not filed
    assert [(t, n, where, who) for t, n, where, _, who in rows] == [
        ("business_licence", 1, "stack.pdf#p2", a["customer"]),
        ("id_card", 1, "stack.pdf#p4", b["customer"]),
        ("unknown", 1, "stack.pdf#p5", b["customer"]),
    ]
    assert rows[2][3] == "coversheet"  # nothing on the photo names B: only the sheet does
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    (bag,) = report["bags"]
    assert bag["coversheet_pages"] == [1, 3]
    assert [(c["name"], c["found_by"]) for c in bag["customers"]] == [(a["customer"], "coversheet"), (b["customer"], "coversheet")]
    assert len(list((site / "archive").rglob("*.age"))) == 3
