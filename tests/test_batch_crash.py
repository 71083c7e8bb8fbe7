"""`dossier batch` when a page kills the process reading it (a native crash in an OCR
library, the OOM killer): the real command, its worker really killed (SIGKILL, by the
test-only hook DOSSIER_TEST_CRASH_PAGE naming a bag and page). The run goes on: that page
is recorded unreadable, with why, and filed for review; every other page is read and
filed; a re-run does not read the page again.

The bag is text-layer pages (the committed licence sample, ID cards written by fpdf): read
without OCR, so the reading processes, not the engine, are the subject."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pikepdf
from fpdf import FPDF

from conftest import SAMPLES, run_dossier
from extractors.codes import id_check_char

NAMES = ["王秀英", "李建国", "张丽华", "刘德明", "陈玉兰", "杨志强", "赵淑珍", "黄文博", "周桂芳", "吴国平"]
CRASH = 4  # the page that kills its reading process: an ID card among the others


def id_card_page(pdf: FPDF, name: str, n: int) -> None:
    first17 = f"11010519{60 + n:02d}0312{n:02d}3"
    pdf.add_page()
    for i, text in enumerate([f"姓名 {name}", "性别 男 民族 汉", f"出生 19{60 + n:02d}年3月12日", "住址 北京市朝阳区建国路88号",
                              f"公民身份号码 {first17}{id_check_char(first17)}", "中华人民共和国 居民身份证",
                              "签发机关 北京市公安局朝阳分局", "有效期限 2015.03.12-2035.03.12"]):
        pdf.text(20, 30 + 12 * i, text)


def make_bag(folder: Path) -> int:
    """bag-01.pdf: the licence sample (北京信铭, in the CRM), then ten ID cards of different
    people, so that with 2 processes (8 pages queued) pages are still queued when one dies.
    Returns the page count."""
    cards = FPDF()
    cards.add_font("noto", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    cards.set_font("noto", size=14)
    for n, name in enumerate(NAMES, start=1):
        id_card_page(cards, name, n)
    cards.output(str(folder / "cards.pdf"))
    folder.joinpath("bags").mkdir()
    with pikepdf.open(SAMPLES / "business_licence_01_textlayer.pdf") as bag, pikepdf.open(folder / "cards.pdf") as src:
        bag.pages.extend(src.pages)
        bag.save(folder / "bags" / "bag-01.pdf")
        return len(bag.pages)


def state_pages(db: Path) -> dict[int, tuple[int, str, dict]]:
    """{page: (run that read it, its type, its fields)} from the batch's state file."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return {page: (run, doc_type, json.loads(fields)) for page, run, doc_type, fields in
                con.execute("SELECT page, run, doc_type, fields FROM pages WHERE bag = 'bag-01.pdf'")}
    finally:
        con.close()


def test_a_page_that_kills_its_reader_is_filed_for_review_and_the_run_goes_on(tmp_path):
    assert run_dossier(tmp_path, "init", "site").returncode == 0
    site = tmp_path / "site"
    assert run_dossier(site, "crm", "import", str(SAMPLES.parent / "crm.csv")).returncode == 3  # bad rows on purpose
    total = make_bag(tmp_path)
    work = tmp_path / "work"
    env = {**os.environ, "DOSSIER_TEST_CRASH_PAGE": f"bag-01.pdf:{CRASH}"}
    cmd = ("batch", str(tmp_path / "bags"), "-j", "2", "--no-progress", "--work", str(work), "--engine", "null")

    result = run_dossier(site, *cmd, env=env)
    assert result.returncode == 0, result.stdout + result.stderr  # filed, the crashed page for review
    assert "a reading process died" in result.stderr

    # The state: every page read, by this run; the crashed one unreadable, with why.
    pages = state_pages(work / "state.db")
    assert sorted(pages) == list(range(1, total + 1))
    assert {run for run, _, _ in pages.values()} == {1}
    run, doc_type, fields = pages[CRASH]
    assert doc_type == "unknown" and "reading process died on it twice" in fields["_error"]
    assert [p for p, (_, t, _) in pages.items() if t != "id_card"] == [1, CRASH]
    assert pages[1][1] == "business_licence"

    # The summary: one document per page, the crashed page filed as `unknown`, for review,
    # and said so; the others filed as they would be without the crash.
    report = json.loads((work / "report.json").read_text(encoding="utf-8"))
    assert report["pages_read"] == total and not report["rejected"]
    [bag] = report["bags"]
    docs = {d["pages"][0]: d for d in bag["documents"]}
    assert sorted(docs) == list(range(1, total + 1))
    assert docs[CRASH]["doc_type"] == "unknown" and docs[CRASH]["status"] == "needs_review"
    assert docs[1]["doc_type"] == "business_licence" and docs[1]["status"] == "filed"
    assert all(d["doc_type"] == "id_card" and d["status"] in ("filed", "needs_review") for p, d in docs.items() if p not in (1, CRASH))
    assert bag["unrecognised_pages"] == [CRASH]
    assert any(f.startswith(f"page {CRASH} could not be read (its reading process died") for f in bag["findings"])
    assert f"page {CRASH} could not be read (its reading process died" in result.stdout

    # A re-run, the hook still set: the page is not read again (the run would die on it),
    # nothing is read, nothing filed twice.
    again = run_dossier(site, *cmd, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((work / "report.json").read_text(encoding="utf-8"))["pages_read"] == 0
    assert state_pages(work / "state.db") == pages
    assert "a reading process died" not in again.stderr
