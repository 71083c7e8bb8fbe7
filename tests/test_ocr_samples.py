"""Real OCR on the committed sample scans, checked against their ground truth.

With the default engine (RapidOCR reading pages, tesseract re-reading failed code lines)
every sample's document type, identity codes and customer-identifying names must come out
exactly as printed. tesseract alone must still get every type and code right; its Han
text is weaker (README, Measurements), so names are not asserted for it.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import SAMPLES
from extractors.fields import extract
from extractors.ocr import DEFAULT_ENGINE, make_engine
from extractors.reading import read_document, receive

SCANS = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".png", ".jpg", ".pdf"))
CODES = {
    "business_licence": ("uscc",),
    "id_card": ("id_number",),
    "contract_first_page": ("contract_no",),
}
NAMES = {
    "business_licence": ("name", "legal_rep"),
    "id_card": ("name",),
    "contract_first_page": ("party_a", "party_b"),
}


@pytest.fixture(scope="module", params=[DEFAULT_ENGINE, "tesseract"])
def engine(request):
    return make_engine(request.param)


@pytest.mark.ocr
@pytest.mark.parametrize("scan", SCANS, ids=[p.name for p in SCANS])
def test_sample_key_fields(scan, engine):
    truth = json.loads(scan.with_suffix(".json").read_text(encoding="utf-8"))
    ex = extract(read_document(receive(scan), engine), today=dt.date(2026, 11, 28))
    assert ex.doc_type == truth["doc_type"]
    keys = CODES[ex.doc_type] + (NAMES[ex.doc_type] if engine.name == DEFAULT_ENGINE else ())
    assert {k: ex.value(k) for k in keys} == {k: truth["fields"][k] for k in keys}


@pytest.mark.ocr
@pytest.mark.parametrize("degrees", [90, 180, 270])
@pytest.mark.parametrize("kind", ["business_licence", "id_card"])
def test_rotated_scans_are_turned_upright(tmp_path, degrees, kind, engine):
    """A scan fed sideways or upside down reads as the upright one: the same key fields.
    The default engine judges upside down by its own line classifier, tesseract by OSD."""
    from PIL import Image

    scan = next(p for p in SCANS if p.suffix == ".jpg" and p.name.startswith(kind))
    truth = json.loads(scan.with_suffix(".json").read_text(encoding="utf-8"))
    turned = tmp_path / f"turned{degrees}.png"
    Image.open(scan).rotate(-degrees, expand=True).save(turned)  # PIL turns anticlockwise
    ex = extract(read_document(receive(turned), engine), today=dt.date(2026, 11, 28))
    keys = CODES[kind] + (NAMES[kind] if engine.name == DEFAULT_ENGINE else ())
    assert {k: ex.value(k) for k in keys} == {k: truth["fields"][k] for k in keys}


@pytest.mark.ocr
@pytest.mark.parametrize("degrees", [4.0, -3.0])
def test_skewed_scans_are_levelled(tmp_path, degrees):
    """A few degrees of skew puts a licence's labels and values at different heights; the
    page is levelled before its rows are read."""
    from PIL import Image

    scan = next(p for p in SCANS if p.suffix == ".jpg" and p.name.startswith("business_licence"))
    truth = json.loads(scan.with_suffix(".json").read_text(encoding="utf-8"))
    skewed = tmp_path / "skewed.png"
    Image.open(scan).convert("RGB").rotate(degrees, expand=True, fillcolor=(235, 235, 230), resample=Image.BICUBIC).save(skewed)
    ex = extract(read_document(receive(skewed), make_engine(DEFAULT_ENGINE)), today=dt.date(2026, 11, 28))
    keys = ("uscc", "name", "legal_rep", "term_start", "term_end", "issue_date")
    assert {k: ex.value(k) for k in keys} == {k: truth["fields"][k] for k in keys}
