"""`dossier ingest` on a drop folder with a folder per customer, as customer managers use
it (inbox/<客户名称>/scan.jpg): the real command on a site made by `dossier init`, the
sample CRM loaded. Each file in a customer's folder is filed with the folder's name as the
customer hint (as `dossier watch` files it); nothing that can be filed is quarantined; a
file that cannot be processed is quarantined beside the inbox, not inside it; the folders
dossier writes or that are hidden are not read.

ID cards written by fpdf as text-layer PDFs (read without OCR; the site's engine is
`null`) of people the CRM does not list as anyone's legal rep: the card alone names no
customer, so only the hint can. One test reads the committed id_card_02.jpg with the real
default engine."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from fpdf import FPDF
from sqlalchemy import select

from conftest import SAMPLES, run_dossier
from extractors.codes import id_check_char
from ingest.catalogue import Customer, Document, open_catalogue

XINMING = "北京信铭电子科技有限公司"
HONGYU = "上海弘宇医疗器械有限公司"


def id_card_pdf(path: Path, name: str, n: int) -> bytes:
    first17 = f"11010519{60 + n:02d}0312{n:02d}3"
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("noto", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    pdf.set_font("noto", size=14)
    for i, text in enumerate([f"姓名 {name}", "性别 女 民族 汉", f"出生 19{60 + n:02d}年3月12日", "住址 北京市朝阳区建国路88号",
                              f"公民身份号码 {first17}{id_check_char(first17)}", "中华人民共和国 居民身份证",
                              "签发机关 北京市公安局朝阳分局", "有效期限 2015.03.12-2035.03.12"]):
        pdf.text(20, 30 + 12 * i, text)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path.read_bytes()


def make_site(tmp_path: Path, engine: str | None = None) -> Path:
    assert run_dossier(tmp_path, "init", "site").returncode == 0
    site = tmp_path / "site"
    assert run_dossier(site, "crm", "import", str(SAMPLES.parent / "crm.csv")).returncode == 3  # bad rows on purpose
    if engine:
        config = site / "dossier.toml"
        text = config.read_text(encoding="utf-8")
        assert 'ocr_engine = "rapidocr+tesseract"' in text
        config.write_text(text.replace('ocr_engine = "rapidocr+tesseract"', f'ocr_engine = "{engine}"'), encoding="utf-8")
    return site


def filed(site: Path) -> dict[str, tuple]:
    """{sha256: (status, match_method, customer name, archive_key)} of every catalogue row."""
    with open_catalogue(f"sqlite:///{site / 'catalogue.db'}")() as s:
        q = select(Document.sha256, Document.status, Document.match_method, Customer.name, Document.archive_key)
        rows = s.execute(q.outerjoin(Customer, Document.customer_id == Customer.id)).all()
    return {r[0]: tuple(r[1:]) for r in rows}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_customer_folders_are_hints_and_nothing_fileable_is_quarantined(tmp_path):
    site = make_site(tmp_path, engine="null")
    inbox = site / "watch_dirs" / "inbox"
    year = dt.date.today().year
    top = id_card_pdf(inbox / "card.pdf", "韦秀英", 1)  # no folder, no hint: 待确认/
    hongyu = id_card_pdf(inbox / HONGYU / "身份证.pdf", "韦秀英", 2)
    xinming = id_card_pdf(inbox / XINMING / "2024" / "card.pdf", "石玉兰", 3)  # deeper: still its customer's
    shutil.copy(SAMPLES / "business_licence_01_textlayer.pdf", inbox / XINMING / "licence.pdf")
    (inbox / HONGYU / "notes.pdf").write_text("not a scan\n", encoding="utf-8")
    # Not to be read: a hidden folder (a sync tool's), and a quarantine folder an earlier
    # version left inside the inbox.
    id_card_pdf(inbox / ".sync" / "copy.pdf", "韦秀英", 4)
    id_card_pdf(inbox / "quarantine" / "old.pdf", "韦秀英", 5)
    (inbox / "quarantine" / "old.pdf.error.txt").write_text("reason: old\n", encoding="utf-8")

    result = run_dossier(site, "ingest")
    assert result.returncode == 3, result.stdout + result.stderr  # notes.pdf only
    lines = {ln.split()[1]: ln.split()[0] for ln in result.stdout.splitlines()[:-1]}
    assert lines == {"card.pdf": "needs_review", f"{HONGYU}/身份证.pdf": "filed", f"{XINMING}/2024/card.pdf": "filed",
                     f"{XINMING}/licence.pdf": "filed", f"{HONGYU}/notes.pdf": "quarantined"}

    rows = filed(site)
    assert rows[sha(hongyu)][:3] == ("filed", "hint", HONGYU)
    assert rows[sha(hongyu)][3].startswith(f"客户档案/{year}/{HONGYU}/")
    assert rows[sha(xinming)][:3] == ("filed", "hint", XINMING)
    assert rows[sha(top)][0] == "needs_review" and rows[sha(top)][3].startswith("待确认/")
    assert rows[sha((SAMPLES / "business_licence_01_textlayer.pdf").read_bytes())][:3] == ("filed", "uscc", XINMING)
    assert len(rows) == 4

    # Quarantine is beside the inbox, as for a file at the top, and holds only the bad file.
    assert files_under(site / "watch_dirs" / "quarantine") == ["notes.pdf", "notes.pdf.error.txt"]
    # Left in the inbox: what was not to be read, and the (empty) customer folders, where
    # the next scans of those customers go.
    assert files_under(inbox) == [".sync/copy.pdf", "quarantine/old.pdf", "quarantine/old.pdf.error.txt"]
    assert (inbox / HONGYU).is_dir() and (inbox / XINMING / "2024").is_dir()

    # A folder given on the command line, configured nowhere, is a drop folder of its own.
    export = tmp_path / "scanner-export"
    given = id_card_pdf(export / HONGYU / "card.pdf", "石玉兰", 6)
    again = run_dossier(site, "ingest", str(export))
    assert again.returncode == 0, again.stdout + again.stderr
    assert rows.keys() < filed(site).keys()
    assert filed(site)[sha(given)][:3] == ("filed", "hint", HONGYU)
    assert files_under(export) == []


@pytest.mark.ocr
def test_an_image_in_a_customer_folder_is_read_and_filed_under_that_customer(tmp_path):
    """The real default engine on id_card_02.jpg: 上海弘宇's legal rep in the scan (顾斌) is
    not the CRM's, so the card alone is not matched; in the customer's folder it is."""
    site = make_site(tmp_path)
    src = SAMPLES / "id_card_02.jpg"
    customer = json.loads(src.with_suffix(".json").read_text(encoding="utf-8"))["customer"]
    assert customer == HONGYU
    inbox = site / "watch_dirs" / "inbox"
    (inbox / customer).mkdir()
    shutil.copy(src, inbox / customer / src.name)

    result = run_dossier(site, "ingest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split()[:3] == ["filed", f"{customer}/{src.name}", "[id_card]"]
    status, method, name, key = filed(site)[sha(src.read_bytes())]
    assert (status, method, name) == ("filed", "hint", customer)
    assert key.startswith(f"客户档案/{dt.date.today().year}/{customer}/") and key.endswith(".jpg")
    assert (site / "archive" / (key + ".age")).exists()
    assert files_under(inbox) == [] and not (site / "watch_dirs" / "quarantine").exists()
