"""`dossier extract --json`, the stable interface: one object per file, every value with
the page and box it was read from, and the engine choosable per run."""

from __future__ import annotations

import json

from conftest import SAMPLES, run_dossier


def test_extract_json_traces_each_value_to_its_box(tmp_path):
    scan = next(p for p in sorted(SAMPLES.glob("business_licence_*.jpg")))
    truth = json.loads(scan.with_suffix(".json").read_text(encoding="utf-8"))
    done = run_dossier(tmp_path, "extract", str(scan), "--json", "--engine", "tesseract")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.splitlines()[0])
    assert out["doc_type"] == "business_licence"
    assert out["fields"]["uscc"] == truth["fields"]["uscc"]
    ev = out["evidence"]["uscc"]
    assert ev["page"] == 1
    x, y, w, h = ev["box"]
    assert w > 10 * h > 0  # a line of 18 characters, not the page


def test_extract_refuses_an_unknown_engine(tmp_path):
    scan = next(SAMPLES.glob("*.pdf"))
    done = run_dossier(tmp_path, "extract", str(scan), "--engine", "abbyy")
    assert done.returncode == 2
    assert "unknown OCR engine" in done.stderr
