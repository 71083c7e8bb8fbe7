"""The reviewers' report and review decisions, end to end: the committed sample scans are
filed (real OCR) into a site whose CRM is the samples' export with its planted
disagreements; the report is scored against the plants, written in every format, rendered
in headless Chromium and looked at; decisions are recorded and a document is re-filed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from sqlalchemy import select

from conftest import REPO
from ingest.bench_crosscheck import file_into_new_site, score_site
from ingest.catalogue import AuditEntry, Document, EvidenceCrop, Finding
from ingest.crypto import load_identities
from ingest.evidence import open_crop
from ingest.report import attach_crops, collect, to_csv, to_html, to_json, to_xlsx
from ingest.review import decide
from ingest.storage import open_store

pytestmark = pytest.mark.ocr

SAMPLES = REPO / "samples"
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return file_into_new_site(SAMPLES / "scans", SAMPLES / "crm.csv", tmp_path_factory.mktemp("site"), today=TODAY)


def doc_id(site, filename: str) -> int:
    return next(i for i, n in site.names.items() if n == filename)


def test_every_planted_disagreement_is_reported_and_nothing_else(site):
    score = score_site(site, SAMPLES / "crm_planted.json", TODAY)
    print(score.format())
    assert score.expected, "the samples plant disagreements"
    assert score.recall == 1.0, score.format()
    assert score.precision == 1.0, score.format()


def test_csv_xlsx_and_json_hold_the_same_rows(site, tmp_path):
    from openpyxl import load_workbook

    with site.sessions() as session:
        report = collect(session, site.settings, today=TODAY)
    rows_csv = list(csv.reader(io.StringIO(to_csv(report).lstrip("\ufeff"))))
    to_xlsx(report, tmp_path / "r.xlsx")
    wb = load_workbook(tmp_path / "r.xlsx", read_only=True)
    rows_xlsx = [["" if v is None else str(v) for v in r] for r in wb["findings"].iter_rows(values_only=True)]
    norm = [[re.sub(r"\.0$", "", c) for c in r] for r in rows_csv]
    assert [[re.sub(r"\.0$", "", c) for c in r] for r in rows_xlsx] == norm
    assert len(rows_csv) == len(report.rows) + 1 and len(report.rows) >= 5
    data = json.loads(to_json(report))
    assert len(data["findings"]) == len(report.rows)
    assert {c["name"] for c in data["customers"]} >= {"上海弘宇医疗器械有限公司"}
    checklist_rows = list(wb["completeness"].iter_rows(values_only=True))[1:]
    assert len(checklist_rows) == sum(len(c["checklist"]) for c in data["customers"])


def test_report_filters_by_manager_and_status(site):
    with site.sessions() as session:
        everyone = collect(session, site.settings, today=TODAY)
        manager = next(r.manager for r in everyone.rows if r.manager)
        theirs = collect(session, site.settings, today=TODAY, manager=manager)
    assert theirs.rows and all(r.manager == manager for r in theirs.rows)
    assert len(theirs.rows) < len(everyone.rows)
    assert all(s.manager == manager for s in theirs.customers)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (scripts/test.sh installs it)")
def test_html_report_shows_each_crop_beside_the_crm_value_in_a_real_browser(site, tmp_path):
    import cv2
    import pytesseract

    with site.sessions() as session:
        report = collect(session, site.settings, today=TODAY)
        report = attach_crops(session, report, load_identities(site.identity), actor="test", reason="test")
    html = tmp_path / "report.html"
    html.write_text(to_html(report), encoding="utf-8")
    assert "http://" not in html.read_text() and "https://" not in html.read_text()  # works offline
    shot = tmp_path / "shot.png"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
         "--window-size=1400,2600", f"--screenshot={shot}", html.as_uri()],
        check=True, capture_output=True, timeout=120,
    )
    page = cv2.imread(str(shot), cv2.IMREAD_GRAYSCALE)
    disputed = [r for r in report.rows if r.crop_id in report.crops and r.crm_value and r.verdict == "mismatch"]
    assert disputed, "a mismatch with its crop"
    for row in disputed:
        crop = cv2.imdecode(np.frombuffer(report.crops[row.crop_id], np.uint8), cv2.IMREAD_GRAYSCALE)
        scale = min(1.0, 600 / crop.shape[1])  # the page shows crops at most 600 px wide
        shown = cv2.resize(crop, (round(crop.shape[1] * scale), round(crop.shape[0] * scale)), interpolation=cv2.INTER_AREA)
        hit = cv2.matchTemplate(page, shown, cv2.TM_CCOEFF_NORMED)
        _, best, _, (x, y) = cv2.minMaxLoc(hit)
        assert best > 0.8, f"crop of {row.field} on document {row.document_id} not found on the page ({best:.2f})"
        # The CRM's value is printed right of the crop, on the same row (the crop's cell may
        # be wider than the crop: the band runs to the page's right edge).
        right = page[max(0, y - 10) : y + shown.shape[0] + 40, x + shown.shape[1] :]
        big = cv2.resize(right, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)
        text = "".join(pytesseract.image_to_string(big, lang="chi_sim", config="--psm 6").split())
        assert row.crm_value in text, f"CRM value {row.crm_value!r} not beside its crop: read {text!r}"
    with site.sessions() as session:
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action == "report")).all()
    assert {a.document_id for a in audited} >= {r.document_id for r in disputed}


def test_id_number_crops_are_masked_unless_full_values_are_asked_for(site):
    from extractors.ocr import make_engine

    engine = make_engine("rapidocr")
    identities = load_identities(site.identity)
    card = doc_id(site, "id_card_01.jpg")
    truth = json.loads((SAMPLES / "scans" / "id_card_01.json").read_text(encoding="utf-8"))["fields"]["id_number"]
    with site.sessions() as session:
        row = session.scalar(select(EvidenceCrop).where(EvidenceCrop.document_id == card, EvidenceCrop.field == "id_number"))
        assert row is not None
        assert truth.encode() not in row.png_age  # stored encrypted
        full, masked = open_crop(row, identities, full_values=True), open_crop(row, identities)

    def read(png: bytes) -> str:
        import cv2

        img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
        return "".join(line.text for line in engine.read_page(img)).replace(" ", "")

    assert truth in read(full)
    seen = read(masked)
    assert truth not in seen and truth[6:14] not in seen  # the birth date is covered
    assert truth[:6] in seen or truth[-4:] in seen  # what a masked number shows stays readable


def test_review_decisions_close_findings_and_reassigning_refiles_with_the_trail(site):
    store = open_store(site.settings.archive_root)
    licence = doc_id(site, "business_licence_02.jpg")
    with site.sessions() as session:
        out = decide(session, store, licence, "keep_crm", by="合规专员王", reason="CRM checked against the 2026 change notice")
        assert out.findings_closed >= 1
        assert session.scalars(select(Finding).where(Finding.document_id == licence, Finding.decision_id.is_(None))).all() == []
        assert session.get(Document, licence).status == "filed"
    with site.sessions() as session:
        decided = [r for r in collect(session, site.settings, today=TODAY, status="decided").rows if r.document_id == licence]
    assert decided and all(r.decision == "keep_crm" and r.decided_by == "合规专员王" for r in decided)

    unknown = doc_id(site, "contract_first_page_02.jpg")
    with site.sessions() as session:
        before = session.get(Document, unknown)
        old_key, cipher = before.archive_key, before.ciphertext_sha256
        assert old_key.startswith("待确认/")
        with pytest.raises(Exception, match="reason"):
            decide(session, store, unknown, "reassign", by="客户经理李", customer="上海弘宇医疗器械有限公司")
        out = decide(session, store, unknown, "reassign", by="客户经理李", reason="甲方 is our customer's new name",
                     customer="上海弘宇医疗器械有限公司")
    with site.sessions() as session:
        doc = session.get(Document, unknown)
        assert doc.archive_key == out.archive_key != old_key
        assert doc.archive_key.startswith("客户档案/") and "/上海弘宇医疗器械有限公司/上海弘宇医疗器械有限公司+合同首页+" in doc.archive_key
        assert store.exists(doc.archive_key) and not store.exists(old_key)
        with store.open(doc.archive_key) as fh:
            import hashlib

            assert hashlib.sha256(fh.read()).hexdigest() == cipher  # moved as it was, not re-encrypted
        trail = [a.action for a in session.scalars(select(AuditEntry).where(AuditEntry.document_id == unknown).order_by(AuditEntry.id))]
    assert trail[0] == "file" and "refile" in trail and trail[-1] == "review"
