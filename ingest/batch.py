"""Batch digitisation of a paper archive (`dossier batch DIR`).

DIR holds bag scans (档案袋: one bag per customer): a multi-page PDF per bag, or a folder
of page images per bag, at any depth. For each bag:

    read every page (worker processes: render or load → coversheet QR? → prepare + OCR →
    classify) → split into documents → find the bag's customer (its cover, or a
    coversheet) → file each document through the consume chain's steps → summary

Reading is the slow part (~2.5 s a page) and runs in a ProcessPoolExecutor, one
single-threaded OCR engine per process, a few pages queued per process; the main process
keeps the state, splits and files. A page is rendered (or loaded) inside its worker, one at
a time, so a 500-page bag is never in memory whole.

Stopping and resuming: every page read is committed, with its text, to a SQLite state file
in the batch's work folder (`state.db`) the moment its worker returns it. A commit is
atomic and durable (WAL, synchronous=FULL), so after a kill -9 (or a power cut) the state
holds exactly the pages whose commit returned, never a torn record, and a re-run reads only
the others. The state is a file of the work folder rather than tables in the catalogue: it
is bulky (the text and boxes of every page), only this machine's run needs it, and the
catalogue (possibly a shared PostgreSQL database) keeps only what is filed. What is filed
is never filed twice: every document file's SHA-256 is looked up in the catalogue first, as
ingest does, and the documents built from a PDF bag are written deterministically
(pikepdf, deterministic /ID), so even a run with a new work folder recognises them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import itertools
import json
import logging
import multiprocessing
import os
import re
import signal
import sqlite3
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from extractors.classify import classify_page as classify_read_page
from extractors.codes import is_valid_uscc
from extractors.errors import DossierError
from extractors.fields import cross_checks, extract, extract_page
from extractors.imaging import file_sha256, sniff_kind
from extractors.parsing import normalise_name
from extractors.records import Box, Extraction, Field, IncomingFile, OcrLine, OcrResult, PageText, Word
from extractors.templates import UNKNOWN, doc_types
from matchers.crm import resolve_customer
from matchers.records import Customer as CustomerRecord
from matchers.records import FieldVerdict, Match

from .coversheet import Coversheet, find_coversheet

log = logging.getLogger("dossier.batch")

RENDER_DPI = 300
# Text a separator sheet prints, should its QR code be unreadable.
SHEET_TITLES = ("客户资料分隔页", "DOSSIERSEPARATORSHEET")
CONTRACT_TYPES = ("contract_first_page", "contract_amount_page", "contract_signature_page")
# Fields that tell one document of a type from the next of the same type. A page of the
# same type as the document before it, carrying none of these, continues that document
# (an ID card's back after its front, a report's second page); a page that carries one
# starts a new document (the next person's ID card).
IDENTITY_FIELDS = {
    "business_licence": ("uscc", "name", "registration_no"),
    "id_card": ("name", "id_number"),
    "authorization_letter": ("principal", "agent_name"),
    "qualification": ("cert_no", "holder", "cert_name"),
    "bank_account_proof": ("account_no", "account_name"),
    "address_proof": ("address",),
    "archive_cover": ("name", "archive_no", "keeper", "archive_date"),
    "risk_report": (),
}
MIN_TEXT_LAYER_CHARS = 20


# --- pages in worker processes -------------------------------------------------------------

_engine = None
_open_pdf: tuple[str, object] | None = None


def _worker_init(engine_name: str, parent: int) -> None:
    """One OCR engine per process, single-threaded: the processes are the parallelism."""
    global _engine
    os.environ["OMP_THREAD_LIMIT"] = "1"
    import cv2

    from extractors.ocr import make_engine

    cv2.setNumThreads(1)
    _engine = make_engine(engine_name)

    def orphaned() -> None:  # the batch was killed (kill -9): do not read on for nobody
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # the pid was reused by another user's process
                os._exit(1)

    threading.Thread(target=orphaned, daemon=True).start()


def _pdf(path: str):
    import pypdfium2 as pdfium

    global _open_pdf
    if _open_pdf is None or _open_pdf[0] != path:
        if _open_pdf is not None:
            _open_pdf[1].close()
        _open_pdf = (path, pdfium.PdfDocument(path))
    return _open_pdf[1]


def _pdf_page_image(path: str, index: int) -> tuple[Image.Image | None, float, tuple[OcrLine, ...]]:
    """A PDF page as (image, its dpi, text-layer lines). A scan page (one picture filling
    the page, no text) gives its picture as stored, without resampling; any other page is
    rendered at 300 dpi. A page with a text layer gives its lines, and a small rendering
    for the coversheet search only."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    doc = _pdf(path)
    page = doc[index]
    try:
        textpage = page.get_textpage()
        chars = len(re.sub(r"\s+", "", textpage.get_text_range()))
        textpage.close()
        width_pt, _height_pt = page.get_size()
        if chars >= MIN_TEXT_LAYER_CHARS:
            from extractors.reading import _pdfium_text_lines

            lines = _pdfium_text_lines(Path(path), index)
            return page.render(scale=150 / 72).to_pil(), 150.0, lines
        if page.get_rotation() == 0:
            objs = list(page.get_objects(max_depth=1))
            if len(objs) == 1 and objs[0].type == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                left, bottom, right, top = objs[0].get_bounds()
                if right - left >= 0.95 * width_pt:
                    try:
                        img = objs[0].get_bitmap(render=False).to_pil()
                        return img, img.width / ((right - left) / 72), ()
                    except pdfium.PdfiumError:
                        pass
        return page.render(scale=RENDER_DPI / 72).to_pil(), float(RENDER_DPI), ()
    finally:
        page.close()


def _image_frame(path: str, frame: int) -> tuple[Image.Image, float | None]:
    from extractors.imaging import iter_image_frames

    img = next(itertools.islice(iter_image_frames(Path(path)), frame, None))
    dpi = img.info.get("dpi", (None,))[0] if isinstance(img.info.get("dpi"), tuple) else None
    return img, float(dpi) if dpi and dpi > 30 else None


# Test hook, inert unless set: DOSSIER_TEST_CRASH_PAGE="<bag>:<page>" (a bag as the
# reports name it: `bag-01.pdf`, `bag-03/`) kills the process about to read that page, as
# a native crash in an OCR library or the OOM killer would. Tests only.
TEST_CRASH_PAGE = "DOSSIER_TEST_CRASH_PAGE"


def read_page(task: tuple[str, str, int, int, str]) -> dict:
    """One page, in a worker: (bag kind, file, index in file, page number in bag, bag) → a
    JSON-able record of what the page is and says, with timings. A page that cannot be
    read is an unrecognised page (kept, filed for review), not the end of the run."""
    if os.environ.get(TEST_CRASH_PAGE) == f"{task[4]}:{task[3]}":
        os.kill(os.getpid(), signal.SIGKILL)
    t0 = time.perf_counter()
    try:
        record = _read_page(task)
        record["timing"]["task"] = time.perf_counter() - t0
        return record
    except Exception as exc:  # a broken page must not stop the bag
        log.exception("page %s of %s", task[3], task[1])
        return unreadable_page(task[3], f"{type(exc).__name__}: {exc}")


def unreadable_page(page_no: int, why: str) -> dict:
    """The record of a page that could not be read: an unrecognised page, with why."""
    return {"page_no": page_no, "kind": "page", "doc_type": UNKNOWN, "confidence": 0.0, "fields": {"_error": why},
            "page": {"source": "error", "width": 0, "height": 0, "lines": []}, "timing": {}}


def _read_page(task: tuple[str, str, int, int, str]) -> dict:
    kind, path, index, page_no, _bag = task
    t0 = time.perf_counter()
    lines: tuple[OcrLine, ...] = ()
    if kind == "pdf":
        img, dpi, lines = _pdf_page_image(path, index)
    else:
        img, dpi = _image_frame(path, index)
    t1 = time.perf_counter()
    sheet = find_coversheet(img, dpi)
    t2 = time.perf_counter()
    timing = {"load": t1 - t0, "qr": t2 - t1, "prep": 0.0, "ocr": 0.0}
    if sheet is not None:
        return {"page_no": page_no, "kind": "coversheet", "sheet": dataclasses.asdict(sheet), "timing": timing}
    if lines:
        page = PageText(page_no, lines, "pdf-text", img.width, img.height)
    else:
        from extractors.reading import ocr_page

        page = ocr_page(page_no, img, _engine)
        timing["prep"], timing["ocr"] = page.prep_seconds, page.ocr_seconds
    del img
    t3 = time.perf_counter()
    record = classify_page(page)
    timing["classify"] = time.perf_counter() - t3
    record["timing"] = timing
    return record


def classify_page(page: PageText) -> dict:
    """A read page's type and the values of its type's fields (for splitting the bag)."""
    flat = re.sub(r"\s+", "", page.text).upper()
    if any(t in flat for t in SHEET_TITLES):
        m = re.search(r"客户编号[:：]?(\d+)", re.sub(r"\s+", "", page.text))
        if m:  # a separator sheet whose QR code did not read
            sheet = Coversheet(int(m.group(1)), None, "")
            return {"page_no": page.page_no, "kind": "coversheet", "sheet": dataclasses.asdict(sheet), "page": page_json(page)}
    c = classify_read_page(page)
    fields = {}
    if c.doc_type != UNKNOWN:
        fields = {k: f.value for k, f in extract_page(page, doc_types()[c.doc_type]).items()}
    return {"page_no": page.page_no, "kind": "page", "doc_type": c.doc_type, "confidence": c.confidence,
            "fields": fields, "page": page_json(page)}


def _box(b: Box | None) -> list[int] | None:
    return None if b is None else [b.x, b.y, b.w, b.h]


def page_json(page: PageText) -> dict:
    return {
        "source": page.source, "width": page.width, "height": page.height, "red_seal": page.red_seal,
        "prep": page.prep_seconds, "ocr": page.ocr_seconds,
        "lines": [[ln.text, ln.conf, _box(ln.box), [[w.text, w.conf, _box(w.box)] for w in ln.words], list(ln.alternatives)]
                  for ln in page.lines],
    }


def page_from_json(page_no: int, data: dict) -> PageText:
    lines = tuple(
        OcrLine(text, conf, Box(*box), tuple(Word(wt, wc, Box(*wb)) for wt, wc, wb in words), tuple(alts))
        for text, conf, box, words, alts in data["lines"]
    )
    return PageText(page_no, lines, data["source"], data["width"], data["height"], data.get("prep", 0.0),
                    data.get("ocr", 0.0), data.get("red_seal"))


# --- bags ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bag:
    """One bag: `key` is its path under the batch folder; `pages` is (file, index in file)
    per page, in order."""

    key: str
    path: Path
    kind: str  # pdf | images
    pages: tuple[tuple[Path, int], ...]
    sha256: str


def _natural(p: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", p.name)]


def _hidden(p: Path, root: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in p.relative_to(root).parts)


def _sniff(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return sniff_kind(fh.read(16))
    except OSError:
        return None


def discover_bags(root: Path, skip: Path | None = None, sha256: Callable[[Path], str] | None = None) -> tuple[list[Bag], list[tuple[str, str]]]:
    """Every bag under `root` (or `root` itself, a PDF): each PDF is a bag, each folder
    holding page images is a bag of those images in natural order (page2 before page10).
    Hidden files and folders, and `skip` (the work folder), are left alone. Returns the bags
    and the files that could not be opened, with why. `sha256` hashes a file (default:
    read it; `BatchState.file_sha256` remembers hashes by size and mtime)."""
    import pypdfium2 as pdfium

    _sha256_of = sha256 or file_sha256

    root = root.resolve()
    bags: list[Bag] = []
    rejected: list[tuple[str, str]] = []
    if root.is_file():
        files, base = [root], root.parent
    else:
        files, base = sorted((p for p in root.rglob("*") if p.is_file() and not _hidden(p, root)), key=lambda p: (p.parent.as_posix(), _natural(p))), root
    if skip is not None:
        skip = skip.resolve()
        files = [p for p in files if not p.is_relative_to(skip)]
    folders: dict[Path, list[Path]] = {}
    for p in files:
        kind = _sniff(p)
        if kind == "pdf":
            try:
                doc = pdfium.PdfDocument(p)
                n = len(doc)
                doc.close()
            except pdfium.PdfiumError as exc:
                rejected.append((p.relative_to(base).as_posix(), f"cannot be opened as a PDF: {exc}"))
                continue
            bags.append(Bag(p.relative_to(base).as_posix(), p, "pdf", tuple((p, i) for i in range(n)), _sha256_of(p)))
        elif kind == "image":
            folders.setdefault(p.parent, []).append(p)
    for folder, images in folders.items():
        pages, h = [], hashlib.sha256()
        for img in images:
            try:
                with Image.open(img) as im:
                    n = getattr(im, "n_frames", 1)
            except Exception as exc:  # PIL raises many kinds for a broken file
                rejected.append((img.relative_to(base).as_posix(), f"cannot be opened as an image: {exc}"))
                continue
            pages.extend((img, i) for i in range(n))
            h.update(f"{img.name}\0{_sha256_of(img)}\n".encode())
        if pages:
            key = folder.relative_to(base).as_posix() if folder != base else folder.name
            bags.append(Bag(key + "/", folder, "images", tuple(pages), h.hexdigest()))
    bags.sort(key=lambda b: b.key)
    return bags, rejected


# --- the state file --------------------------------------------------------------------------


class BatchState:
    """The batch's progress, in `<work>/state.db`. Written by the main process only."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, sha256 TEXT);
    CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, started_at TEXT, finished_at TEXT, root TEXT, jobs INTEGER, pages_read INTEGER);
    CREATE TABLE IF NOT EXISTS bags (key TEXT PRIMARY KEY, sha256 TEXT, kind TEXT, pages INTEGER, status TEXT, summary TEXT);
    CREATE TABLE IF NOT EXISTS pages (
        bag TEXT, page INTEGER, run INTEGER, kind TEXT, doc_type TEXT, confidence REAL, fields TEXT, sheet TEXT,
        result TEXT, load_s REAL, qr_s REAL, prep_s REAL, ocr_s REAL, task_s REAL, at TEXT, PRIMARY KEY (bag, page));
    CREATE TABLE IF NOT EXISTS documents (
        bag TEXT, first INTEGER, last INTEGER, pages TEXT, doc_type TEXT, file TEXT, sha256 TEXT, status TEXT,
        document_id INTEGER, archive_key TEXT, customer TEXT, message TEXT, PRIMARY KEY (bag, first));
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.executescript(self.SCHEMA)
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def file_sha256(self, path: Path) -> str:
        """A file's SHA-256, read again only when its size or mtime changed since the last
        run (a resumed batch of many GB does not re-read every bag before starting)."""
        st = path.stat()
        row = self.db.execute("SELECT size, mtime_ns, sha256 FROM files WHERE path = ?", (str(path),)).fetchone()
        if row is not None and row["size"] == st.st_size and row["mtime_ns"] == st.st_mtime_ns:
            return row["sha256"]
        digest = file_sha256(path)
        self.db.execute("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (str(path), st.st_size, st.st_mtime_ns, digest))
        return digest

    def new_run(self, root: Path, jobs: int) -> int:
        cur = self.db.execute("INSERT INTO runs (started_at, root, jobs, pages_read) VALUES (?, ?, ?, 0)",
                              (dt.datetime.now(dt.UTC).isoformat(), str(root), jobs))
        return int(cur.lastrowid)

    def end_run(self, run: int) -> None:
        n = self.db.execute("SELECT count(*) FROM pages WHERE run = ?", (run,)).fetchone()[0]
        self.db.execute("UPDATE runs SET finished_at = ?, pages_read = ? WHERE id = ?", (dt.datetime.now(dt.UTC).isoformat(), n, run))

    def sync_bag(self, bag: Bag) -> str:
        """The bag's status; a bag whose bytes changed since it was read starts over."""
        row = self.db.execute("SELECT sha256, status FROM bags WHERE key = ?", (bag.key,)).fetchone()
        if row is not None and row["sha256"] == bag.sha256:
            return row["status"]
        with self.db:
            self.db.execute("BEGIN")
            if row is not None:
                log.warning("%s changed since it was read: reading it again", bag.key)
            self.db.execute("DELETE FROM pages WHERE bag = ?", (bag.key,))
            self.db.execute("DELETE FROM documents WHERE bag = ? AND status = 'built'", (bag.key,))
            self.db.execute("INSERT OR REPLACE INTO bags (key, sha256, kind, pages, status) VALUES (?, ?, ?, ?, 'reading')",
                            (bag.key, bag.sha256, bag.kind, len(bag.pages)))
        return "reading"

    def pages_done(self, bag: str) -> set[int]:
        return {r[0] for r in self.db.execute("SELECT page FROM pages WHERE bag = ?", (bag,))}

    def save_page(self, bag: str, run: int, record: dict) -> None:
        t = record.get("timing", {})
        self.db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (bag, record["page_no"], run, record["kind"], record.get("doc_type"), record.get("confidence"),
             json.dumps(record.get("fields") or {}, ensure_ascii=False, default=str),
             json.dumps(record.get("sheet"), ensure_ascii=False) if record.get("sheet") else None,
             json.dumps(record["page"], ensure_ascii=False) if record.get("page") else None,
             t.get("load"), t.get("qr"), t.get("prep"), t.get("ocr"), t.get("task"), dt.datetime.now(dt.UTC).isoformat()),
        )

    def page_infos(self, bag: str) -> list[PageInfo]:
        rows = self.db.execute("SELECT page, kind, doc_type, confidence, fields, sheet FROM pages WHERE bag = ? ORDER BY page", (bag,))
        return [PageInfo(r["page"], r["kind"], r["doc_type"] or UNKNOWN, r["confidence"] or 0.0, json.loads(r["fields"] or "{}"),
                         json.loads(r["sheet"]) if r["sheet"] else None) for r in rows]

    def page_texts(self, bag: str, pages: list[int]) -> list[PageText]:
        """The read pages, numbered 1.. within the document they make."""
        out = []
        for n, page in enumerate(pages, start=1):
            row = self.db.execute("SELECT result FROM pages WHERE bag = ? AND page = ?", (bag, page)).fetchone()
            out.append(page_from_json(n, json.loads(row["result"])))
        return out

    def document(self, bag: str, first: int) -> sqlite3.Row | None:
        return self.db.execute("SELECT * FROM documents WHERE bag = ? AND first = ?", (bag, first)).fetchone()

    def save_document(self, bag: str, plan: DocPlan, **values) -> None:
        cols = {"bag": bag, "first": plan.pages[0], "last": plan.pages[-1], "pages": json.dumps(plan.pages),
                "doc_type": plan.doc_type, **values}
        old = self.document(bag, plan.pages[0])
        if old is not None:
            cols = {**dict(old), **cols}
        names = ", ".join(cols)
        self.db.execute(f"INSERT OR REPLACE INTO documents ({names}) VALUES ({', '.join('?' * len(cols))})", tuple(cols.values()))

    def finish_bag(self, bag: str, summary: dict, complete: bool = True) -> None:
        """Keep the bag's summary; a bag with a document still to file (`complete` False)
        is filed again, from its saved pages, by the next run."""
        self.db.execute("UPDATE bags SET status = ?, summary = ? WHERE key = ?",
                        ("filed" if complete else "incomplete", json.dumps(summary, ensure_ascii=False), bag))

    def summary(self, bag: str) -> dict | None:
        row = self.db.execute("SELECT summary FROM bags WHERE key = ?", (bag,)).fetchone()
        return json.loads(row["summary"]) if row and row["summary"] else None

    def timings(self, run: int | None = None) -> dict[str, float]:
        q = "SELECT count(*), sum(load_s), sum(qr_s), sum(prep_s), sum(ocr_s), sum(kind = 'page'), sum(task_s) FROM pages"
        row = self.db.execute(q + (" WHERE run = ?" if run else ""), (run,) if run else ()).fetchone()
        return {"pages": row[0] or 0, "load": row[1] or 0.0, "qr": row[2] or 0.0, "prep": row[3] or 0.0, "ocr": row[4] or 0.0,
                "read_pages": row[5] or 0, "task": row[6] or 0.0}


# --- splitting a bag into documents ---------------------------------------------------------


@dataclass(frozen=True)
class PageInfo:
    page_no: int
    kind: str  # page | coversheet
    doc_type: str
    confidence: float
    fields: dict
    sheet: dict | None = None


@dataclass
class DocPlan:
    doc_type: str
    pages: list[int]
    fields: dict = field(default_factory=dict)  # the first page's, for telling documents apart


@dataclass
class Segment:
    """Pages of one customer: from a bag's start, a coversheet or a second cover, to the next."""

    first_page: int
    sheet: dict | None = None
    sheet_page: int | None = None
    cover: DocPlan | None = None
    documents: list[DocPlan] = field(default_factory=list)


def _continues(doc: DocPlan | None, page: PageInfo) -> bool:
    if doc is None or page.doc_type == UNKNOWN or doc.doc_type == UNKNOWN:
        return False
    if page.doc_type in CONTRACT_TYPES and doc.doc_type in CONTRACT_TYPES:
        if page.doc_type == "contract_first_page":
            return False
        number, own = page.fields.get("contract_no"), doc.fields.get("contract_no")
        return not (number and own and number != own)
    if page.doc_type != doc.doc_type or page.doc_type == "archive_cover":
        return False
    return not any(page.fields.get(k) for k in IDENTITY_FIELDS.get(page.doc_type, ()))


def split_bag(pages: list[PageInfo]) -> list[Segment]:
    """A bag's pages as segments of documents. A coversheet starts a segment (and belongs to
    no document); a cover starts one, unless it comes straight after a coversheet (then it
    is that customer's cover). Pages before a bag's first cover or sheet make a segment
    with no customer of its own (each document is matched by what it says). Within a segment,
    consecutive pages make one document when they continue it (`_continues`): contract
    pages after a contract's first page, the back of an ID card after its front. An
    unrecognised page is a document of its own."""
    segments = [Segment(first_page=pages[0].page_no if pages else 1)]
    current: DocPlan | None = None
    for page in pages:
        seg = segments[-1]
        if page.kind == "coversheet":
            segments.append(Segment(page.page_no, sheet=page.sheet, sheet_page=page.page_no))
            current = None
            continue
        if page.doc_type == "archive_cover" and (seg.cover is not None or seg.documents):
            segments.append(Segment(page.page_no))
            seg = segments[-1]
            current = None
        if _continues(current, page):
            current.pages.append(page.page_no)
            for k, v in page.fields.items():
                current.fields.setdefault(k, v)
            continue
        current = DocPlan(page.doc_type, [page.page_no], dict(page.fields))
        seg.documents.append(current)
        if page.doc_type == "archive_cover" and seg.cover is None:
            seg.cover = current
    return [s for s in segments if s.documents or s.sheet]


# --- filing a bag ----------------------------------------------------------------------------


class OnlyCustomer:
    """A CustomerDirectory that knows one customer: matching a document against the bag's
    customer gives that customer, with the field verdicts of `resolve_customer`."""

    def __init__(self, customer: CustomerRecord) -> None:
        self.c = customer

    def by_uscc(self, uscc):
        return self.c if self.c.uscc == uscc else None

    def name_candidates(self, name):
        return [self.c]

    def by_legal_rep(self, person):
        return [self.c] if self.c.legal_rep == person else []

    def by_contract_no(self, contract_no):
        return [self.c] if contract_no in (getattr(self.c, "contract_nos", None) or ()) else []


def bag_match(customer: CustomerRecord, method: str) -> Callable:
    """The match step for a document in a bag whose customer is known: the bag's
    customer; and when the document itself names another CRM customer, a `mismatch` on
    `customer` that holds it for review."""

    def match_fn(extraction: Extraction, session) -> Match:
        from .catalogue import CatalogueDirectory

        own = resolve_customer(extraction, CatalogueDirectory(session))
        if own.customer is not None and own.customer.id == customer.id:
            return dataclasses.replace(own, customer=customer)
        m = resolve_customer(extraction, OnlyCustomer(customer), hint=customer.name)
        m = dataclasses.replace(m, customer=customer, method=method, score=100.0)
        if own.customer is not None:
            note = f"the document names {own.customer.name} (by {own.method}) but lies in the archive bag of {customer.name}"
            m = dataclasses.replace(m, verdicts=(*m.verdicts, FieldVerdict("customer", own.customer.name, customer.name, "mismatch", own.score, note)))
        return m

    return match_fn


def extract_document(incoming: IncomingFile, pages: list[PageText], today: dt.date) -> Extraction:
    """`extract` on a document's pages; a contract of several key pages is one document:
    its type is its first page's, its fields those of every page's own type."""
    ex = extract(OcrResult(incoming, tuple(pages)), today=today)
    kinds = [t for _, t, _ in ex.page_types]
    if len(pages) > 1 and kinds and all(k in CONTRACT_TYPES for k in kinds):
        fields: dict[str, Field] = {}
        for page, kind in zip(pages, kinds, strict=True):
            for name, value in extract_page(page, doc_types()[kind]).items():
                if name not in fields or (fields[name].value is None and value.value is not None):
                    fields[name] = value
        seals = [p.red_seal for p in pages]
        if any(seals):
            fields["has_seal"] = Field(True, "red seal found by colour", 1.0, 0)
        elif all(s is False for s in seals):
            fields["has_seal"] = Field(False, "colour page, no red seal", 1.0, 0)
        conf = next(c for _, t, c in ex.page_types if t == kinds[0])
        ex = Extraction(incoming, kinds[0], conf, fields, tuple(cross_checks(kinds[0], fields, today)), ex.page_types)
    return ex


def _safe(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "_", text).strip("_")[:80] or "bag"


def build_document(bag: Bag, plan: DocPlan, folder: Path) -> Path:
    """The file a document is filed as: for a PDF bag, its pages copied out of the bag as
    they are (no re-rendering; deterministic bytes); for a folder of images, the page's own
    image file, or a PDF of the pages' images (JPEGs embedded as they are)."""
    pages = [bag.pages[n - 1] for n in plan.pages]
    if bag.kind == "images" and len(pages) == 1 and pages[0][1] == 0:
        with Image.open(pages[0][0]) as im:
            if getattr(im, "n_frames", 1) == 1:
                return pages[0][0]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{_safe(bag.key)}-p{plan.pages[0]:04d}-{plan.pages[-1]:04d}.pdf"
    tmp = target.with_suffix(".part")
    if bag.kind == "pdf":
        import pikepdf

        with pikepdf.open(bag.path) as src:
            dst = pikepdf.new()
            for _, index in pages:
                dst.pages.append(src.pages[index])
            dst.save(tmp, deterministic_id=True)
    else:
        tmp.write_bytes(_images_pdf(pages))
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    tmp.replace(target)
    return target


def _images_pdf(pages: list[tuple[Path, int]]) -> bytes:
    from fpdf import FPDF

    from .coversheet import PDF_DATE

    pdf = FPDF(unit="pt")
    pdf.set_creation_date(PDF_DATE)
    pdf.set_auto_page_break(False)
    for path, frame in pages:
        with Image.open(path) as im:
            im.seek(frame)
            dpi = im.info.get("dpi", (200, 200))[0] or 200
            w, h = im.size[0] * 72 / dpi, im.size[1] * 72 / dpi
            if im.format == "JPEG":
                source: object = str(path)
            else:
                buf = io.BytesIO()
                im.convert("RGB" if im.mode not in ("L", "RGB") else im.mode).save(buf, "PNG")
                source = buf
        pdf.add_page(format=(w, h))
        pdf.image(source, 0, 0, w, h)
    return bytes(pdf.output())


def _find_uscc(pages: list[PageText]) -> str | None:
    """The one valid USCC printed on the pages (a run of exactly 18 code characters in a
    line or one of its re-readings), or None when there is none or more than one."""
    found = set()
    for page in pages:
        for line in page.lines:
            for reading in (line.text, *line.alternatives):
                for run in re.findall(r"[0-9A-Za-z]+", re.sub(r"[\s\-]", "", reading)):
                    if len(run) == 18 and is_valid_uscc(run.upper()):
                        found.add(run.upper())
    return found.pop() if len(found) == 1 else None


def _same_name(a: str, b: str) -> bool:
    from extractors.parsing import company_form_difference

    return normalise_name(a) == normalise_name(b) or company_form_difference(a, b) is not None


def resolve_segment(session, seg: Segment, cover_pages: list[PageText] | None, bag_key: str, actor: str) -> tuple[CustomerRecord | None, str, list[str]]:
    """The customer of a segment: its coversheet's, else its cover's (archive number, the
    USCC printed on it, or its name). A cover's archive number is adopted by a customer
    who has none (`adopt_archive_no`). Returns (customer, how, notes)."""
    from sqlalchemy import select

    from .catalogue import CatalogueDirectory, Customer
    from .filing import adopt_archive_no

    notes: list[str] = []
    cover = seg.cover.fields if seg.cover else {}
    customer: Customer | None = None
    how = "none"
    if seg.sheet:
        customer = session.get(Customer, seg.sheet["customer_id"])
        how = "coversheet"
        if customer is None:
            notes.append(f"page {seg.sheet_page}: the coversheet names customer {seg.sheet['customer_id']}, who is not in the catalogue")
        elif seg.sheet.get("name") and normalise_name(seg.sheet["name"]) != normalise_name(customer.name):
            notes.append(f"page {seg.sheet_page}: the coversheet says {seg.sheet['name']}, the catalogue {customer.name}")
    if customer is None and seg.cover is not None:
        # The USCC printed on the cover first: its check character makes a misreading
        # that names another customer all but impossible. An archive number has no check:
        # it is trusted only when the cover's name does not contradict it.
        uscc = _find_uscc(cover_pages or [])
        if uscc:
            customer = session.scalar(select(Customer).where(Customer.uscc == uscc))
            how = "cover:uscc"
        number = cover.get("archive_no")
        if customer is None and number:
            held = session.scalar(select(Customer).where(Customer.archive_no == number))
            if held is not None and (not cover.get("name") or _same_name(cover["name"], held.name)):
                customer, how = held, "cover:archive_no"
            elif held is not None:
                notes.append(f"page {seg.cover.pages[0]}: archive number {number} is {held.name}'s, but the cover names {cover['name']}")
        if customer is None and cover.get("name"):
            fake = Extraction(IncomingFile(Path(bag_key), "", 0, "pdf", bag_key), "archive_cover", 1.0,
                              {"name": Field(cover["name"], cover["name"], 1.0, 1)})
            m = resolve_customer(fake, CatalogueDirectory(session))
            if m.customer is not None:
                customer = session.get(Customer, m.customer.id)
                how = f"cover:{m.method}"
        if customer is None:
            notes.append(f"page {seg.cover.pages[0]}: the cover's customer ({cover.get('name') or 'name unreadable'}, "
                         f"{cover.get('archive_no') or 'archive number unreadable'}) is not in the CRM")
    if customer is None:
        if seg.cover is None and seg.sheet is None:
            notes.append(f"pages {seg.first_page}-: no cover and no coversheet: each document is matched on its own")
        return None, "none", notes
    record = customer.record()
    if seg.cover is not None and cover.get("archive_no"):
        record, note = adopt_archive_no(session, record, cover["archive_no"], actor)
        if note:
            notes.append(f"page {seg.cover.pages[0]}: {note}")
    elif seg.cover is not None:
        notes.append(f"page {seg.cover.pages[0]}: the cover's archive number is unreadable")
    session.commit()
    return record, how, notes


def file_bag(bag: Bag, state: BatchState, ctx, work: Path, rejected: list | None = None) -> dict:
    """Split a fully read bag, find its customers, file every document not filed yet, and
    return (and keep) the bag's summary."""
    from .pipeline import match_in_crm

    infos = state.page_infos(bag.key)
    segments = split_bag(infos)
    summary: dict = {
        "bag": bag.key, "kind": bag.kind, "pages": len(bag.pages), "customers": [], "documents": [],
        "documents_by_type": {}, "unrecognised_pages": [], "coversheet_pages": [], "findings": [],
    }
    for seg in segments:
        cover_pages = state.page_texts(bag.key, seg.cover.pages) if seg.cover else None
        with ctx.sessions() as session:
            customer, how, notes = resolve_segment(session, seg, cover_pages, bag.key, ctx.actor)
        summary["findings"].extend(notes)
        if seg.sheet_page:
            summary["coversheet_pages"].append(seg.sheet_page)
        cover = seg.cover.fields if seg.cover else {}
        summary["customers"].append({
            "pages": [seg.first_page, max((p for d in seg.documents for p in d.pages), default=seg.first_page)],
            "customer_id": customer.id if customer else None, "name": customer.name if customer else None,
            "archive_no": customer.archive_no if customer else None, "found_by": how,
            "cover": {k: cover.get(k) for k in ("name", "archive_no", "archive_date", "keeper")} if seg.cover else None,
        })
        method = "coversheet" if how == "coversheet" else "archive_bag"
        match_fn = bag_match(customer, method) if customer else match_in_crm
        for plan in seg.documents:
            summary["documents"].append(_file_one(bag, plan, state, ctx, work, match_fn))
            if plan.doc_type == UNKNOWN:
                summary["unrecognised_pages"].extend(plan.pages)
    for info in infos:
        if info.fields.get("_error"):
            summary["findings"].append(f"page {info.page_no} could not be read ({info.fields['_error']}): kept as unknown")
    counts = Counter(d["doc_type"] for d in summary["documents"])
    summary["documents_by_type"] = dict(sorted(counts.items()))
    if summary["unrecognised_pages"]:
        pages = summary["unrecognised_pages"]
        summary["findings"].append(f"page{'s' if len(pages) > 1 else ''} {', '.join(map(str, pages))} not recognised: filed as unknown, for review")
    summary["findings"].extend(_catalogue_findings(ctx, [d["document_id"] for d in summary["documents"] if d.get("document_id")]))
    complete = all(d["status"] in ("filed", "needs_review", "duplicate") for d in summary["documents"])
    state.finish_bag(bag.key, summary, complete)
    return summary


def _catalogue_findings(ctx, ids: list[int]) -> list[str]:
    from sqlalchemy import select

    from .catalogue import Document, Finding

    if not ids:
        return []
    with ctx.sessions() as session:
        rows = session.execute(
            select(Document.archive_key, Finding.kind, Finding.field, Finding.message, Finding.verdict)
            .join(Finding, Finding.document_id == Document.id).where(Document.id.in_(ids)).order_by(Finding.id)
        ).all()
    out = []
    for key, kind, fld, message, verdict in rows:
        if kind == "unrecognised_page" or message == "no page was recognised as a known document type":
            continue  # said once per bag: "pages … not recognised"
        what = f"{fld} {verdict}" if fld else kind
        out.append(f"{key.rsplit('/', 1)[-1]}: {what}{': ' + message if message else ''}")
    return out


def _file_one(bag: Bag, plan: DocPlan, state: BatchState, ctx, work: Path, match_fn) -> dict:
    done = state.document(bag.key, plan.pages[0])
    if done is not None and done["status"] in ("filed", "needs_review", "duplicate"):
        return _doc_summary(plan, done["status"], done["archive_key"], done["document_id"], done["message"], resumed=True)
    source = Path(done["file"]) if done is not None and done["file"] and Path(done["file"]).exists() else None
    if source is None:
        source = build_document(bag, plan, work / "documents")
    sha = file_sha256(source)
    state.save_document(bag.key, plan, file=str(source), sha256=sha, status="built")
    pages = state.page_texts(bag.key, plan.pages)
    label = f"{bag.key}#p{plan.pages[0]}" + (f"-{plan.pages[-1]}" if len(plan.pages) > 1 else "")
    kind = "pdf" if source.suffix.lower() == ".pdf" else "image"
    incoming = IncomingFile(source, sha, source.stat().st_size, kind, label[-500:])
    ex = extract_document(incoming, pages, ctx.today)
    findings: tuple[tuple[str, str], ...] = ()
    if ex.doc_type == UNKNOWN:
        findings = (("unrecognised_page", f"{label}: not recognised as any document type; kept for review"),)
    try:
        out = _file_with_retry(incoming, ex, ctx, match_fn, len(plan.pages), findings)
    except DossierError as exc:
        state.save_document(bag.key, plan, status="retry" if exc.retry else "failed", message=str(exc))
        return _doc_summary(plan, "retry" if exc.retry else "failed", None, None, str(exc))
    state.save_document(bag.key, plan, status=out.status, document_id=out.document_id, archive_key=out.key,
                        customer=out.customer, message=out.message)
    if out.status != "retry" and source.is_relative_to(work):
        source.unlink(missing_ok=True)
    return _doc_summary(plan, out.status, out.key, out.document_id, out.message)


def _file_with_retry(incoming, ex, ctx, match_fn, page_count, findings):
    from sqlalchemy.exc import OperationalError

    from .pipeline import file_extraction

    for attempt in range(3):
        try:
            return file_extraction(incoming, ex, ctx, match_fn=match_fn, page_count=page_count, findings=findings,
                                   review=ex.doc_type == UNKNOWN)
        except OperationalError as exc:
            if attempt == 2:
                raise DossierError(f"catalogue database unavailable: {exc.orig}") from exc
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def _doc_summary(plan: DocPlan, status: str, key, doc_id, message, resumed: bool = False) -> dict:
    return {"doc_type": plan.doc_type, "pages": [plan.pages[0], plan.pages[-1]], "page_count": len(plan.pages),
            "status": status, "key": key, "document_id": doc_id, "message": message or "", **({"resumed": True} if resumed else {})}


# --- the run ---------------------------------------------------------------------------------


@dataclass
class BatchReport:
    root: str
    work: str
    run: int
    jobs: int
    bags: list[dict]
    rejected: list[tuple[str, str]]
    pages_total: int
    pages_read: int  # OCR'd (or QR-read) by this run
    pages_resumed: int  # read by an earlier run
    seconds: float
    timing: dict
    stopped: bool = False

    @property
    def pages_per_minute(self) -> float:
        return self.pages_read / self.seconds * 60 if self.seconds else 0.0

    def as_json(self) -> dict:
        return {**dataclasses.asdict(self), "pages_per_minute": round(self.pages_per_minute, 2)}


class StopBatch(Exception):
    """Raised by a `stop_after` hook to end a run early (as a kill would, but cleanly)."""


def run_batch(
    root: Path,
    ctx,
    work: Path,
    *,
    jobs: int | None = None,
    engine_name: str | None = None,
    progress: bool = True,
    stop_after_pages: int | None = None,
    on_bag: Callable[[dict], None] | None = None,
) -> BatchReport:
    """Read, split and file every bag under `root`, resuming from `work`/state.db.
    `stop_after_pages` ends the run (StopBatch) once that many pages were read by it."""
    import fcntl

    from extractors.errors import UsageError

    jobs = max(1, jobs or os.cpu_count() or 1)
    engine_name = engine_name or ctx.settings.ocr_engine
    work.mkdir(parents=True, exist_ok=True)
    lock = (work / "lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released by the kernel, even on kill -9
    except BlockingIOError:
        lock.close()
        raise UsageError(f"another batch is running with the work folder {work}") from None
    try:
        return _run_batch(root, ctx, work, jobs, engine_name, progress, stop_after_pages, on_bag)
    finally:
        lock.close()


def _run_batch(root, ctx, work, jobs, engine_name, progress, stop_after_pages, on_bag) -> BatchReport:
    state = BatchState(work / "state.db")
    t_start = time.perf_counter()
    run = state.new_run(root.resolve(), jobs)
    bags, rejected = discover_bags(root, skip=work, sha256=state.file_sha256)
    todo: list[tuple[Bag, tuple[str, str, int, int, str]]] = []
    waiting: dict[str, int] = {}
    ready: list[Bag] = []
    summaries: dict[str, dict] = {}
    resumed = 0
    for bag in bags:
        status = state.sync_bag(bag)
        if status == "filed":
            summaries[bag.key] = state.summary(bag.key) or {}
            resumed += len(bag.pages)
            continue
        done = state.pages_done(bag.key)
        resumed += len(done)
        missing = [n for n in range(1, len(bag.pages) + 1) if n not in done]
        for n in missing:
            path, index = bag.pages[n - 1]
            todo.append((bag, (bag.kind if bag.kind == "pdf" else "image", str(path), index, n, bag.key)))
        if missing:
            waiting[bag.key] = len(missing)
        else:
            ready.append(bag)
    by_key = {b.key: b for b in bags}
    total = sum(len(b.pages) for b in bags)
    read = 0
    stopped = False
    bar = _Progress(total, resumed, enabled=progress)

    def finish(bag: Bag) -> None:
        summary = file_bag(bag, state, ctx, work)
        summaries[bag.key] = summary
        write_bag_summary(work, summary)
        if on_bag:
            on_bag(summary)

    def take(key: str, record: dict) -> None:
        nonlocal read
        state.save_page(key, run, record)
        read += 1
        bar.advance()
        waiting[key] -= 1
        if waiting[key] == 0:
            finish(by_key[key])
        if stop_after_pages is not None and read >= stop_after_pages:
            raise StopBatch(f"stopped after {read} pages")

    try:
        with bar:
            if not todo:
                for bag in ready:
                    finish(bag)
            else:
                queue = deque(todo)
                pool: ProcessPoolExecutor | None = None
                pending: dict[Future, tuple[Bag, tuple]] = {}
                # Pages queued per process: enough that a process never waits while
                # this one files a finished bag (fsyncs can be slow on a busy disk).
                # A queued page is only its file name and number: memory stays flat.
                window = 4 * jobs
                try:
                    while True:
                        if pool is None and queue:
                            pool = _reading_pool(min(jobs, len(queue)), engine_name)
                        broken = False
                        while queue and len(pending) < window:
                            try:
                                pending[pool.submit(read_page, queue[0][1])] = queue[0]
                            except BrokenProcessPool:
                                broken = True  # a process died since the last look
                                break
                            queue.popleft()
                        while ready:  # bags read by an earlier run, filed while these pages are read
                            finish(ready.pop(0))
                        if not pending and not broken:
                            break
                        done, _ = wait(pending, return_when=FIRST_COMPLETED) if pending else (set(), set())
                        if not broken and not any(isinstance(f.exception(), BrokenProcessPool) for f in done):
                            for fut in done:
                                bag, _task = pending.pop(fut)
                                take(bag.key, fut.result())
                            continue
                        # A reading process died (a native crash in an OCR library, the
                        # OOM killer), and the pool with it: every page in flight failed.
                        # Which page killed it is not known, so each of them is read again,
                        # alone (`_read_alone`); the rest then go to a new pool.
                        wait(pending)
                        suspects = []
                        for fut, (bag, task) in pending.items():
                            if isinstance(fut.exception(), BrokenProcessPool):
                                suspects.append((bag, task))
                            else:
                                take(bag.key, fut.result())
                        pending.clear()
                        pool.shutdown(wait=True, cancel_futures=True)
                        pool = None
                        if suspects:
                            log.warning("a reading process died: reading the %d page(s) it may have been reading one by one", len(suspects))
                            _read_alone(suspects, engine_name, take)
                except BaseException:
                    for fut in pending:
                        fut.cancel()
                    raise
                finally:
                    if pool is not None:
                        pool.shutdown(wait=True, cancel_futures=True)
    except StopBatch:
        stopped = True
    finally:
        state.end_run(run)
        timing = state.timings(run)
        state.close()
    report = BatchReport(
        root=str(root), work=str(work), run=run, jobs=jobs, bags=[summaries[b.key] for b in bags if b.key in summaries],
        rejected=rejected, pages_total=total, pages_read=read, pages_resumed=resumed,
        seconds=time.perf_counter() - t_start, timing=timing, stopped=stopped,
    )
    write_report(work, report)
    return report


def _reading_pool(n: int, engine_name: str) -> ProcessPoolExecutor:
    # forkserver: workers start from a clean process, not a fork of this one with its
    # database connections and the progress bar's thread.
    return ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("forkserver"), initializer=_worker_init,
                               initargs=(engine_name, os.getpid()))


def _read_alone(suspects: list[tuple[Bag, tuple]], engine_name: str, take: Callable[[str, dict], None]) -> None:
    """The pages that were in flight when a reading process died, read again one at a
    time by a process of their own, shown to start first (an engine that cannot load is no
    page's fault). A page that kills that process too is the one: it is recorded as read,
    unreadable, with why (`unreadable_page`), and its bag is filed with it as an `unknown`
    document for review, like a page that cannot be decoded. A page killed only because
    others shared the machine's memory is read now, alone.

    A re-run does not read that page again: it is in the state like any read page. It
    has had two tries, and a native crash on the same bytes comes back every time, each
    costing a new pool of processes; its bytes are filed, so nothing is lost. A bag whose
    bytes change (a rescan) is read afresh (`BatchState.sync_bag`)."""
    pool: ProcessPoolExecutor | None = None
    try:
        for bag, task in suspects:
            if pool is None:
                pool = _reading_pool(1, engine_name)
                try:
                    pool.submit(os.getpid).result()
                except BrokenProcessPool as exc:
                    raise DossierError("the OCR worker process could not start (its error is above)") from exc
            try:
                record = pool.submit(read_page, task).result()
            except BrokenProcessPool:
                pool.shutdown(wait=True)
                pool = None
                log.warning("page %s of %s killed its reading process twice: recorded as unreadable", task[3], bag.key)
                record = unreadable_page(task[3], "its reading process died on it twice, the second time reading it alone: "
                                                  "a crash in the OCR or imaging library, or killed for lack of memory; not read again")
            take(bag.key, record)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class _Progress:
    """rich's progress bar with pages/min and the time left; silent when disabled."""

    def __init__(self, total: int, done: int, enabled: bool) -> None:
        self.enabled = enabled and total > done
        self.total, self.done = total, done
        self.started = time.perf_counter()
        self.read = 0
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.progress = Progress(
                TextColumn("pages"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TextColumn("ETA {task.fields[eta]}"),
                # Once a second: pages take seconds, and redrawing ten times a second (rich's
                # default) would take CPU from the reading processes.
                console=Console(stderr=True), transient=False, refresh_per_second=1,
            )
            self.task = self.progress.add_task("pages", total=total, completed=done, rate="… pages/min", eta="…")

    def __enter__(self):
        if self.enabled:
            self.progress.__enter__()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            self.progress.__exit__(*exc)

    def advance(self) -> None:
        self.read += 1
        if self.enabled:
            # This run's pages over this run's time (start-up included): steadier than a
            # moving window when pages take seconds each.
            rate = self.read / max(1e-6, time.perf_counter() - self.started) * 60
            left = (self.total - self.done - self.read) / rate * 60 if rate else 0.0
            eta = f"{int(left // 3600)}:{int(left % 3600 // 60):02d}:{int(left % 60):02d}"
            self.progress.update(self.task, advance=1, rate=f"{rate:.1f} pages/min", eta=eta)


# --- reports ---------------------------------------------------------------------------------


def write_bag_summary(work: Path, summary: dict) -> Path:
    folder = work / "summaries"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{_safe(summary['bag'])}.json"
    path.write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def format_bag(summary: dict) -> list[str]:
    who = "; ".join(
        f"{c['name'] or '(customer not found)'} {c['archive_no'] or ''} by {c['found_by']}"
        + (f", keeper {c['cover']['keeper']}" if c.get("cover") and c["cover"].get("keeper") else "")
        for c in summary["customers"]
    )
    types = ", ".join(f"{t} {n}" for t, n in summary["documents_by_type"].items())
    lines = [f"{summary['bag']}: {summary['pages']} pages, {len(summary['documents'])} documents ({types}) → {who}"]
    if summary["coversheet_pages"]:
        lines.append(f"  coversheets on pages {', '.join(map(str, summary['coversheet_pages']))} (not filed)")
    for d in summary["documents"]:
        pages = f"p{d['pages'][0]}" + (f"-{d['pages'][1]}" if d["pages"][1] != d["pages"][0] else "")
        lines.append(f"  {pages:<9} {d['doc_type']:<24} {d['status']:<12} {d['key'] or d['message']}")
    for f in summary["findings"]:
        lines.append(f"  finding: {f}")
    return lines


def write_report(work: Path, report: BatchReport) -> None:
    data = report.as_json()
    (work / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"batch {report.root} (run {report.run}, {report.jobs} processes{', stopped early' if report.stopped else ''})",
        f"{report.pages_total} pages in {len(report.bags)} bags filed so far; read by this run {report.pages_read}"
        f" ({report.pages_per_minute:.1f} pages/min), by earlier runs {report.pages_resumed}",
    ]
    for path, why in report.rejected:
        lines.append(f"rejected {path}: {why}")
    for summary in report.bags:
        lines.extend(format_bag(summary))
    (work / "report.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (work / "report.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["bag", "first_page", "last_page", "page_count", "doc_type", "status", "customer", "archive_no", "archive_key", "document_id"])
        for summary in report.bags:
            for d in summary["documents"]:
                seg = next((c for c in summary["customers"] if c["pages"][0] <= d["pages"][0] <= c["pages"][1]), {})
                out.writerow([summary["bag"], d["pages"][0], d["pages"][1], d["page_count"], d["doc_type"], d["status"],
                              seg.get("name") or "", seg.get("archive_no") or "", d["key"] or "", d["document_id"] or ""])

# --- the benchmark ---------------------------------------------------------------------------


def bench(root: Path, jobs: int, engine_name: str, crm: Path | None, scratch: Path, progress: bool = True, repeat: int = 1) -> dict:
    """Batch `root` with 1 process and with `jobs`, each into a fresh scratch catalogue,
    archive and work folder (so every page is really read): wall time, pages/min and
    where the processes' time went. With `repeat` > 1 the two alternate that many times and
    each keeps its fastest run (other work on the machine only ever slows a run down)."""
    from extractors.ocr import NullEngine

    from .catalogue import open_catalogue
    from .config import Settings
    from .crm_import import import_customers, read_table
    from .crypto import new_identity_file
    from .pipeline import make_context
    from .storage import LocalStore

    results: dict = {"root": str(root), "engine": engine_name, "runs": {}, "all": {}}
    for rep, n in itertools.product(range(max(1, repeat)), dict.fromkeys((1, jobs))):
        site = scratch / f"r{rep}-j{n}"
        site.mkdir(parents=True, exist_ok=True)
        recipient = new_identity_file(site / "identity.txt")
        settings = Settings(database_url=f"sqlite:///{site / 'catalogue.db'}", archive_root=site / "archive",
                            recipients=(recipient,), ocr_engine=engine_name)
        sessions = open_catalogue(settings.database_url)
        if crm is not None:
            with sessions() as session:
                import_customers(session, read_table(crm), {})
        ctx = make_context(settings, NullEngine(), LocalStore(site / "archive"), sessions)
        load_before = os.getloadavg()[0]
        report = run_batch(root, ctx, site / "work", jobs=n, engine_name=engine_name, progress=progress)
        t = report.timing
        capacity = report.seconds * n
        run = {
            "processes": n, "seconds": report.seconds, "pages": report.pages_read, "pages_per_minute": report.pages_per_minute,
            "ocr_share": t["ocr"] / capacity, "prep_share": t["prep"] / capacity,
            "load_share": t["load"] / capacity, "qr_share": t["qr"] / capacity,
            "other_share": 1 - (t["ocr"] + t["prep"] + t["load"] + t["qr"]) / capacity,
            # In a page's task but none of the above (classifying, reading its fields, passing it back) …
            "in_task_share": (t["task"] - t["ocr"] - t["prep"] - t["load"] - t["qr"]) / capacity,
            # … and between tasks: start-up (processes, models), the last pages' tail, waits.
            "between_share": 1 - t["task"] / capacity,
            "documents": sum(len(b["documents"]) for b in report.bags),
            # Other work on the machine skews both runs: the 1-minute load average around each.
            "load": (load_before, os.getloadavg()[0]),
        }
        results["all"].setdefault(n, []).append(run["pages_per_minute"])
        if n not in results["runs"] or run["seconds"] < results["runs"][n]["seconds"]:
            results["runs"][n] = run
    one, many = results["runs"][1], results["runs"][jobs]
    results["ratio"] = many["pages_per_minute"] / one["pages_per_minute"] if one["pages_per_minute"] else 0.0
    return results


def format_bench(results: dict) -> str:
    lines = [f"batch of {results['root']}, engine {results['engine']}"]
    for n, rates in results["all"].items():
        if len(rates) > 1:
            lines.append(f"{n} process(es), pages/min of each run: {', '.join(f'{x:.1f}' for x in rates)} (the fastest is shown below)")
    for n, r in results["runs"].items():
        not_engine = 1 - r["ocr_share"]
        lines.append(
            f"{n} process(es): {r['pages']} pages, {r['documents']} documents in {r['seconds']:.1f} s = "
            f"{r['pages_per_minute']:.1f} pages/min (load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after)"
        )
        lines.append(
            f"  time of {n} process(es) x wall: OCR engine {r['ocr_share']:.1%}, page preparation {r['prep_share']:.1%}, "
            f"loading pages {r['load_share']:.1%}, QR search {r['qr_share']:.1%}, everything else {r['other_share']:.1%}"
            f" (in page tasks {r['in_task_share']:.1%}, between them: start-up, tail, waits {r['between_share']:.1%})"
        )
        lines.append(
            f"  outside OCR (preparation + engine): {r['other_share'] + r['load_share'] + r['qr_share']:.1%}; "
            f"outside the engine: {not_engine:.1%}"
        )
    lines.append(f"ratio {max(results['runs'])} processes / 1 process: {results['ratio']:.2f}x")
    return "\n".join(lines)
