"""The accuracy benchmark scores what it is given: right values count, a wrong code that
passes its check is counted as wrong-but-valid, a missing one as unreadable."""

from __future__ import annotations

import datetime as dt
import json
import shutil

from conftest import SAMPLES
from extractors.codes import uscc_check_char
from extractors.ocr import NullEngine
from ingest.bench import accuracy, format_accuracy


def test_scores_against_ground_truth(tmp_path):
    pdf = next(SAMPLES.glob("*.pdf"))  # a text layer: no OCR needed
    truth = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    shutil.copy(pdf, tmp_path / "right.pdf")
    (tmp_path / "right.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")

    # The same document labelled with another valid USCC and a legal rep it does not show.
    other = dict(truth, fields=dict(truth["fields"]))
    body = "91330106MA2H3K7Q1"
    other["fields"]["uscc"] = body + uscc_check_char(body)
    other["fields"]["legal_rep"] = "某某某"
    shutil.copy(pdf, tmp_path / "wrong.pdf")
    (tmp_path / "wrong.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")

    report = accuracy(tmp_path, NullEngine(), dt.date(2026, 11, 28))
    uscc = report.fields["business_licence.uscc"]
    assert (uscc.exact, uscc.total, uscc.wrong_but_valid) == (1, 2, 1)
    assert report.fields["business_licence.legal_rep"].exact == 1
    assert report.fields["business_licence.name"].exact == 2
    assert report.types["business_licence"] == [2, 2]
    text = format_accuracy(report)
    assert "business_licence.uscc" in text and "50.0%" in text
    assert report.ocr == []  # text-layer pages are not timed as OCR


def test_encryption_bench_runs_both_ways(tmp_path):
    from ingest.bench import encryption

    result = encryption(4, tmp_path / "scratch")
    for name in ("dossier", "age CLI"):
        assert result[f"{name} s"] > 0 and result[f"{name} peak MB"] > 0
    assert (tmp_path / "scratch" / "store" / "bench" / "object.age").stat().st_size > 4 << 20


def test_accuracy_in_several_processes_adds_up_like_one(tmp_path):
    for n in range(3):
        pdf = next(SAMPLES.glob("*.pdf"))
        shutil.copy(pdf, tmp_path / f"doc{n}.pdf")
        shutil.copy(pdf.with_suffix(".json"), tmp_path / f"doc{n}.json")
    one = accuracy(tmp_path, "null", dt.date(2026, 11, 28))
    two = accuracy(tmp_path, "null", dt.date(2026, 11, 28), jobs=2)
    assert two.documents == one.documents == 3
    assert {k: (s.exact, s.total) for k, s in two.fields.items()} == {k: (s.exact, s.total) for k, s in one.fields.items()}
    assert two.types == one.types
