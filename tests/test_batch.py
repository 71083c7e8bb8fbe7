"""`dossier batch`: a generated paper archive (bags as multi-page PDFs and a folder of page
images, each with a cover, mixed documents and an unrecognisable photo page) read with
real OCR, split, and filed into a real SQLite catalogue and encrypted archive; a run killed
with SIGKILL and restarted; and the pure parts (splitting, document files) without OCR.

Expectations come from the archive's ground truth (samples/make_archive.py), not from
dossier."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import DOSSIER, REPO, run_dossier

sys.path.insert(0, str(REPO / "samples"))


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, dict]:
    """3 bags (2 PDFs, 1 folder of images), 11 pages: covers, a licence, a contract of two
    key pages, an ID card, an account proof, a letter, one photo page."""
    from make_archive import make_archive

    out = tmp_path_factory.mktemp("archive")
    truth = make_archive(out, bags=3, seed=7, mix="small", unrecognised="first")
    return out, truth


def make_site(tmp_path: Path, crm: Path) -> Path:
    assert run_dossier(tmp_path, "init", "site").returncode == 0
    site = tmp_path / "site"
    imported = run_dossier(site, "crm", "import", str(crm))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    return site


def catalogue_rows(site: Path) -> list[dict]:
    engine = create_engine(f"sqlite:///{site / 'catalogue.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.id, d.doc_type, d.page_count, d.status, d.archive_key, d.original_name, d.sha256, d.match_method,"
            " c.name AS customer, c.archive_no FROM documents d LEFT JOIN customers c ON c.id = d.customer_id ORDER BY d.id"
        )).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


def expected_documents(truth: dict) -> list[tuple[str, str, int, str]]:
    """(customer, doc type, page count, bag#pages) of every document the archive holds."""
    out = []
    for bag in truth["bags"]:
        for d in bag["documents"]:
            first, last = d["pages"]
            where = f"{bag['bag']}#p{first}" + (f"-{last}" if last != first else "")
            out.append((bag["customer"], d["doc_type"], last - first + 1, where))
    return sorted(out)


@pytest.mark.ocr
def test_archive_is_filed_under_its_customers_document_by_document(tmp_path, archive):
    folder, truth = archive
    site = make_site(tmp_path, folder / "crm.csv")
    work = tmp_path / "work"
    result = run_dossier(site, "batch", str(folder), "-j", "2", "--no-progress", "--work", str(work))
    assert result.returncode == 0, result.stdout + result.stderr

    rows = catalogue_rows(site)
    got = sorted((r["customer"], r["doc_type"], r["page_count"], r["original_name"]) for r in rows)
    assert got == expected_documents(truth)
    for r in rows:
        bag = next(b for b in truth["bags"] if r["original_name"].startswith(b["bag"] + "#"))
        # Filed in the customer's folder of the year of the archive number on the bag's cover.
        assert r["archive_no"] == bag["cover"]["archive_no"]
        assert r["archive_key"].startswith(f"客户档案/{bag['cover']['archive_no'][:4]}/{bag['customer']}/")
        assert r["status"] == ("needs_review" if r["doc_type"] == "unknown" else "filed"), r
    # Every document is a file of its own pages: the contract decrypts to its two pages.
    contract = next(r for r in rows if r["doc_type"] == "contract_first_page")
    identity = site / "keys" / "identity.txt"
    plain = subprocess.run(["age", "-d", "-i", str(identity), str(site / "archive" / (contract["archive_key"] + ".age"))],
                           capture_output=True, check=True).stdout
    import pypdfium2 as pdfium

    assert len(pdfium.PdfDocument(plain)) == 2
    # A bag of page images files each one-page document as the page image itself.
    image_bag = next(b for b in truth["bags"] if b["format"] == "images")
    page2 = folder / image_bag["bag"] / "page-02.jpg"
    import hashlib

    assert hashlib.sha256(page2.read_bytes()).hexdigest() in {r["sha256"] for r in rows}

    # Per-bag summaries and the batch report.
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert report["pages_total"] == sum(b["pages"] for b in truth["bags"]) == report["pages_read"]
    for want, got_bag in zip(truth["bags"], report["bags"], strict=True):
        assert got_bag["bag"] == want["bag"]
        assert got_bag["pages"] == want["pages"]
        assert got_bag["unrecognised_pages"] == want["unrecognised_pages"]
        types: dict[str, int] = {}
        for d in want["documents"]:
            types[d["doc_type"]] = types.get(d["doc_type"], 0) + 1
        assert got_bag["documents_by_type"] == types
        assert got_bag["customers"][0]["cover"]["keeper"] == want["cover"]["keeper"]
        assert got_bag["customers"][0]["name"] == want["customer"]
    assert len(list((work / "summaries").glob("*.json"))) == len(truth["bags"])
    text_report = (work / "report.txt").read_text(encoding="utf-8")
    assert "not recognised" in text_report and truth["bags"][0]["customer"] in text_report
    assert len((work / "report.csv").read_text(encoding="utf-8-sig").splitlines()) == len(rows) + 1

    # Run again: nothing read, nothing filed.
    again = run_dossier(site, "batch", str(folder), "-j", "2", "--no-progress", "--work", str(work))
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((work / "report.json").read_text(encoding="utf-8"))["pages_read"] == 0
    assert catalogue_rows(site) == rows


def pages_in_state(db: Path) -> dict[tuple[str, int], int]:
    """{(bag, page): run that read it} from the batch's state file (read while it runs)."""
    if not db.exists():
        return {}
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return {(bag, page): run for bag, page, run in con.execute("SELECT bag, page, run FROM pages")}
    except sqlite3.OperationalError:  # table not created yet
        return {}
    finally:
        con.close()


@pytest.mark.ocr
def test_a_killed_run_resumes_without_reading_a_page_twice_or_filing_twice(tmp_path, archive):
    folder, truth = archive
    site = make_site(tmp_path, folder / "crm.csv")
    work = tmp_path / "work"
    total = sum(b["pages"] for b in truth["bags"])
    cmd = [DOSSIER, "batch", str(folder), "-j", "2", "--no-progress", "--work", str(work)]
    proc = subprocess.Popen(cmd, cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while len(pages_in_state(work / "state.db")) < 6:
            assert proc.poll() is None, "the batch ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its OCR processes, as a crash would
        proc.wait()
    first = pages_in_state(work / "state.db")
    assert 6 <= len(first) < total
    assert set(first.values()) == {1}

    result = run_dossier(site, "batch", str(folder), "-j", "2", "--no-progress", "--work", str(work))
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert report["pages_read"] == total - len(first)
    assert report["pages_resumed"] == len(first)
    after = pages_in_state(work / "state.db")
    assert len(after) == total
    # The pages read before the kill were not read again: still the first run's.
    assert {k: v for k, v in after.items() if k in first} == first
    assert set(after[k] for k in after if k not in first) == {2}

    # Filed once each: every document of the archive, no `+2` copies, no half-filed row,
    # one encrypted object per row.
    rows = catalogue_rows(site)
    assert sorted((r["customer"], r["doc_type"], r["page_count"], r["original_name"]) for r in rows) == expected_documents(truth)
    assert not any("+2." in r["archive_key"] for r in rows)
    assert {r["status"] for r in rows} <= {"filed", "needs_review"}
    objects = sorted(p.relative_to(site / "archive").as_posix() for p in (site / "archive").rglob("*.age"))
    assert objects == sorted(r["archive_key"] + ".age" for r in rows)


def test_bags_split_into_documents_by_page_type():
    """Pure: a contract's key pages stay together, a second ID card front starts a new
    document, a coversheet starts a new customer and is no document, a second cover starts
    a new segment, an unrecognised page is a document of its own."""
    from ingest.batch import PageInfo, split_bag

    def page(n, doc_type, **fields):
        return PageInfo(n, "page", doc_type, 1.0, fields)

    pages = [
        page(1, "archive_cover", name="甲", archive_no="2023-SALE-001"),
        page(2, "business_licence", uscc="X"),
        page(3, "contract_first_page", contract_no="HT-1"),
        page(4, "contract_amount_page"),
        page(5, "contract_signature_page"),
        page(6, "contract_first_page", contract_no="HT-2"),
        page(7, "id_card", name="张三", id_number="1"),
        page(8, "id_card", authority="某局"),  # the back of the card above
        page(9, "id_card", name="李四", id_number="2"),
        page(10, "unknown"),
        PageInfo(11, "coversheet", "unknown", 0.0, {}, {"customer_id": 5, "archive_no": None, "name": "乙"}),
        page(12, "bank_account_proof", account_no="1"),
        page(13, "archive_cover", name="丙"),
        page(14, "business_licence", uscc="Y"),
    ]
    segments = split_bag(pages)
    assert [[(d.doc_type, d.pages) for d in s.documents] for s in segments] == [
        [("archive_cover", [1]), ("business_licence", [2]), ("contract_first_page", [3, 4, 5]),
         ("contract_first_page", [6]), ("id_card", [7, 8]), ("id_card", [9]), ("unknown", [10])],
        [("bank_account_proof", [12])],
        [("archive_cover", [13]), ("business_licence", [14])],
    ]
    assert segments[0].cover.pages == [1] and segments[1].sheet["customer_id"] == 5 and segments[1].sheet_page == 11
    assert segments[2].cover.pages == [13]


def test_documents_cut_from_a_pdf_bag_have_the_same_bytes_every_time(tmp_path):
    """A document is its pages copied out of the bag, with a deterministic file ID: built
    again (a new work folder, a lost state), it has the same SHA-256, so the catalogue
    recognises it as filed."""
    import io

    import pypdfium2 as pdfium
    from fpdf import FPDF
    from PIL import Image

    from extractors.imaging import file_sha256
    from ingest.batch import DocPlan, build_document, discover_bags

    pdf = FPDF(unit="pt")
    for shade in (40, 120, 200):
        buf = io.BytesIO()
        Image.new("RGB", (300, 400), (shade, shade, shade)).save(buf, "JPEG")
        pdf.add_page(format=(300, 400))
        pdf.image(buf, 0, 0, 300, 400)
    (tmp_path / "bags").mkdir()
    (tmp_path / "bags" / "bag.pdf").write_bytes(bytes(pdf.output()))
    (bag,), rejected = discover_bags(tmp_path / "bags")
    assert not rejected and len(bag.pages) == 3
    a = build_document(bag, DocPlan("contract_first_page", [2, 3]), tmp_path / "one")
    b = build_document(bag, DocPlan("contract_first_page", [2, 3]), tmp_path / "two")
    assert file_sha256(a) == file_sha256(b)
    doc = pdfium.PdfDocument(a)
    assert len(doc) == 2
    doc.close()
