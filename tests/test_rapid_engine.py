"""The RapidOCR engine on freshly generated pages: the identity code and the name must
come out exactly as printed. Real models (shipped in the rapidocr_onnxruntime wheel), so
marked `ocr`; about 10 s including generation and model loading."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest

from conftest import REPO

if str(REPO) not in sys.path:  # samples/ is imported from the repo root (samples/README.md)
    sys.path.insert(0, str(REPO))

from extractors.fields import extract  # noqa: E402
from extractors.ocr import make_engine  # noqa: E402
from extractors.reading import read_document, receive  # noqa: E402
from samples.generate import generate  # noqa: E402

# A seed no engine setting was tuned on.
SEED = 4711
KEY_FIELDS = {"business_licence": ("uscc", "name"), "id_card": ("id_number", "name")}


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    written = generate(tmp_path_factory.mktemp("rapid"), seed=SEED, count_per_type=1)
    # One scanned licence and one ID card (not the licence's text-layer PDF twin, which
    # is read without OCR).
    return [p for p in written if p.suffix != ".pdf" and p.stem.rsplit("_", 1)[0] in KEY_FIELDS]


@pytest.mark.ocr
def test_rapidocr_reads_codes_and_names(pages):
    engine = make_engine("rapidocr")
    assert engine.name == "rapidocr"
    assert len(pages) == 2
    for page in pages:
        truth = json.loads(page.with_suffix(".json").read_text(encoding="utf-8"))
        result = read_document(receive(page), engine)
        assert result.pages[0].source == "ocr:rapidocr"
        ex = extract(result, today=dt.date(2026, 11, 28))
        assert ex.doc_type == truth["doc_type"], page.name
        keys = KEY_FIELDS[truth["doc_type"]]
        assert {k: ex.value(k) for k in keys} == {k: truth["fields"][k] for k in keys}, page.name
        # Boxes are in the prepared page's pixels.
        width, height = result.pages[0].width, result.pages[0].height
        assert all(0 <= ln.box.x and ln.box.right <= width and ln.box.bottom <= height for ln in result.pages[0].lines)
