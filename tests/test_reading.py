"""Input readers on real files: PDF text layers, image decoding guards."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from extractors.errors import InputRejected
from extractors.ocr import NullEngine
from extractors.reading import read_document, receive

NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _pdf(path: Path, lines: list[str]) -> Path:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("noto", fname=NOTO)
    pdf.set_font("noto", size=14)
    for i, text in enumerate(lines):
        pdf.text(20, 30 + 12 * i, text)
    pdf.output(str(path))
    return path


def test_text_layer_that_pdfminer_cannot_decode_is_read_by_pdfium(tmp_path):
    # fpdf2 embeds Noto CJK so that pdfminer extracts nothing; the page is still text, not
    # a scan, and must not be sent to OCR (NullEngine would read nothing).
    path = _pdf(tmp_path / "noto.pdf", ["统一社会信用代码 91350100M000100Y43", "名称 杭州星澜信息科技有限公司"])
    page = read_document(receive(path), NullEngine()).pages[0]
    assert page.source == "pdf-text"
    assert [ln.text for ln in page.lines] == ["统一社会信用代码91350100M000100Y43", "名称杭州星澜信息科技有限公司"]
    assert page.lines[0].box.y < page.lines[1].box.y


def test_each_pdf_page_is_read_on_its_own(tmp_path):
    pdf = FPDF()
    pdf.add_font("noto", fname=NOTO)
    for text in ("营业执照 第一页：统一社会信用代码 91350100M000100Y43", "居民身份证 第二页：公民身份号码 11010519491231002X"):
        pdf.add_page()
        pdf.set_font("noto", size=14)
        pdf.text(20, 30, text)
    pdf.output(str(tmp_path / "two.pdf"))
    pages = read_document(receive(tmp_path / "two.pdf"), NullEngine()).pages
    assert [p.page_no for p in pages] == [1, 2]
    assert "营业执照" in pages[0].text and "居民身份证" in pages[1].text


def test_decompression_bomb_is_refused(tmp_path):
    # A PNG declaring 20000 x 20000 pixels compresses to almost nothing.
    Image.new("1", (20000, 20000)).save(tmp_path / "bomb.png")
    with pytest.raises(InputRejected, match="larger than dossier accepts|too large"):
        read_document(receive(tmp_path / "bomb.png"), NullEngine())


def test_exif_rotation_is_applied(tmp_path):
    img = Image.new("L", (300, 100), 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    img.save(tmp_path / "photo.jpg", exif=exif)
    page = read_document(receive(tmp_path / "photo.jpg"), NullEngine()).pages[0]
    assert page.height > page.width


def test_two_columns_on_the_same_baselines_are_two_lines(tmp_path):
    # A licence prints 经营范围 left and 住所 right; an address wrapping under itself must not
    # be glued to the scope's next line (pdfplumber's words come by baseline, across the page).
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("zenhei", fname="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    pdf.set_font("zenhei", size=10)
    pdf.text(15, 40, "经营范围 一般项目：电子元器件制造；集成")
    pdf.text(110, 40, "住所 广东省深圳市南山区长江路494号16层1109")
    pdf.text(30, 46, "电路设计；计算机软硬件零售。")
    pdf.text(122, 46, "室")
    pdf.output(str(tmp_path / "columns.pdf"))
    page = read_document(receive(tmp_path / "columns.pdf"), NullEngine()).pages[0]
    assert page.source == "pdf-text"
    texts = [ln.text for ln in page.lines]
    assert "住所广东省深圳市南山区长江路494号16层1109" in texts and "室" in texts
    assert not any("集成住所" in t or "。室" in t for t in texts)


def test_page_pictures_are_kept_for_evidence_only_up_to_a_bound(tmp_path, monkeypatch):
    import extractors.reading as reading

    monkeypatch.setattr(reading, "MAX_EVIDENCE_PAGES", 1)
    pdf = FPDF()
    pdf.add_font("zenhei", fname="/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    for text in ("营业执照 统一社会信用代码 91350100M000100Y43", "居民身份证 公民身份号码 11010519491231002X"):
        pdf.add_page()
        pdf.set_font("zenhei", size=14)
        pdf.text(20, 30, text)
    pdf.output(str(tmp_path / "two.pdf"))
    pages = read_document(receive(tmp_path / "two.pdf"), NullEngine(), keep_images=True).pages
    assert pages[0].image is not None and pages[1].image is None
    assert read_document(receive(tmp_path / "two.pdf"), NullEngine()).pages[0].image is None


def test_the_histogram_median_of_a_page_is_numpys():
    """deskew's border fill takes the page's median grey from its histogram."""
    import numpy as np

    from extractors.imaging import _median_grey

    rng = np.random.default_rng(7)
    for shape in [(1, 1), (2, 1), (3, 5), (101, 100), (900, 700)]:
        flat = rng.integers(0, 256, size=shape, dtype=np.uint8)
        paper = np.clip(rng.normal(215, 25, size=shape), 0, 255).astype(np.uint8)
        for picture in (flat, paper):
            assert _median_grey(picture) == np.median(picture)
