"""The consume chain. Contract, per file:

    receive → (already filed? stop) → read → extract → match → plan → reserve → store
            → commit → remove source

Each step is a plain function elsewhere; this module only sequences them and decides what
an error means for the file: bad input → quarantine with the reason, store or database
down → leave it in the inbox for a retry. A file is removed from its inbox only after its
encrypted copy is in place and catalogued.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import os
import shutil
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from extractors.errors import DossierError, InputRejected
from extractors.fields import extract
from extractors.ocr import OcrEngine
from extractors.reading import read_document, receive
from extractors.records import Extraction, IncomingFile
from matchers.crm import resolve_customer
from matchers.records import Match

from .catalogue import CatalogueDirectory, current_actor
from .config import Settings, WatchFolder
from .crypto import load_secret, parse_recipients
from .evidence import cut_crops
from .filing import (
    commit_filed,
    ensure_archive_no,
    find_filed,
    plan_filing,
    reserve_key,
    store_object,
    take_over_reservation,
)
from .records import Outcome
from .storage import ArchiveStore

log = logging.getLogger("dossier.ingest")

ACCEPTED_SUFFIXES = {".pdf", ".jpg", ".jpeg", ".png", ".tif", ".tiff"}
# Temporary and system files a scanner or OS leaves while writing: never taken.
IGNORED_PREFIXES = (".", "~$")
IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".error.txt")
IGNORED_NAMES = {"Thumbs.db", "desktop.ini"}


@dataclass(frozen=True)
class Context:
    settings: Settings
    engine: OcrEngine
    store: ArchiveStore
    sessions: sessionmaker[Session]
    today: dt.date
    actor: str
    id_hash_key: bytes | None = None


def make_context(settings: Settings, engine: OcrEngine, store: ArchiveStore, sessions: sessionmaker[Session], today: dt.date | None = None) -> Context:
    settings.require_recipients()
    key = load_secret(settings.id_hash_key_file) if settings.id_hash_key_file else None
    return Context(settings, engine, store, sessions, today or dt.date.today(), current_actor(), key)


def is_candidate(path: Path) -> bool:
    """Files worth looking at: everything but temporary/system files. A wrong extension is
    not a reason to skip a file (scanners name things oddly); its bytes decide later."""
    name = path.name
    return not (name.startswith(IGNORED_PREFIXES) or name.endswith(IGNORED_SUFFIXES) or name in IGNORED_NAMES)


def expand_paths(paths: Iterable[Path]) -> Iterator[Path]:
    for p in paths:
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and is_candidate(child) and "quarantine" not in child.relative_to(p).parts:
                    yield child
        elif p.is_file():
            yield p
        else:
            raise InputRejected(f"{p} does not exist")


def drop_files(paths: Iterable[Path] | None, settings: Settings) -> Iterator[tuple[Path, WatchFolder | None]]:
    """What `dossier ingest` takes from `paths` (files and folders; default: every drop
    folder), each file with the drop folder it came from (None for a file given alone,
    outside every drop folder). Folders are walked to any depth, as `dossier watch` watches
    them: customer managers drop a folder per customer, and `folder_hints` makes its name
    the customer hint. A folder given that is not a configured drop folder, nor inside one,
    is a drop folder of its own (as for `dossier watch DIR`), so its subfolders hint too.
    Not walked: hidden folders, `quarantine` folders (left inside an inbox by earlier
    versions), and the configured quarantine folder and archive should they lie inside."""
    own_output = {p.resolve() for p in (settings.quarantine_dir, settings.archive_root) if p is not None}
    seen: set[Path] = set()
    for given in paths or list(settings.watch_dirs):
        if given.is_file():
            files, own = [given], None
        elif given.is_dir():
            files, own = _walk(given, own_output), WatchFolder(path=given.absolute())
        else:
            raise InputRejected(f"{given} does not exist")
        for path in files:
            if path.resolve() not in seen:  # folders given twice, or one inside another
                seen.add(path.resolve())
                yield path, settings.folder_for(path) or own


def _walk(root: Path, skip: set[Path]) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "quarantine" and (here / d).resolve() not in skip)
        yield from (here / name for name in sorted(filenames) if is_candidate(Path(name)))


def folder_hints(path: Path, settings: Settings, folder: WatchFolder | None = None) -> dict[str, str]:
    """What the drop folder says about a file: its configured customer, document type and
    department (`[[dossier.folders]]`), and the customer named by a subfolder:
    <folder>/<客户名称>/scan.jpg hints 客户名称 (it wins over the folder's own customer).
    `folder`: the drop folder the file came from; default: the configured one it lies in."""
    folder = folder or settings.folder_for(path)
    if folder is None:
        return {}
    hints = {key: value for key in ("customer", "doc_type", "department") if (value := getattr(folder, key))}
    try:
        parts = path.resolve().relative_to(folder.path.resolve()).parts
    except ValueError:
        return hints
    if len(parts) >= 2 and parts[0].strip() and is_candidate(Path(parts[0])) and parts[0] != "quarantine":
        hints["customer"] = parts[0].strip()
    return hints


def process_file(path: Path, ctx: Context, hints: dict[str, str] | None = None, folder: WatchFolder | None = None) -> Outcome:
    """File one file. `folder`: the drop folder it came from (default: the configured one it
    lies in), which says where quarantine is; `hints`: what that folder says
    (default: `folder_hints`)."""
    folder = folder or ctx.settings.folder_for(path)
    if hints is None:
        hints = folder_hints(path, ctx.settings, folder)
    try:
        return _consume(path, ctx, hints)
    except DossierError as exc:
        if exc.retry:
            log.info("retry later: %s: %s", path.name, exc)
            return Outcome(path, "retry", str(exc))
        return quarantine(path, str(exc), ctx.settings, folder)
    except OperationalError as exc:
        return Outcome(path, "retry", f"catalogue database unavailable: {exc.orig}")
    except Exception as exc:  # a bug must not lose the file either
        log.exception("unexpected error on %s", path.name)
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return quarantine(path, f"internal error: {detail}", ctx.settings, folder)


def _consume(path: Path, ctx: Context, hints: dict[str, str] | None = None) -> Outcome:
    incoming = receive(path, hints)
    with ctx.sessions() as session:
        done = find_filed(session, incoming.sha256)
        if done is not None and done.status != "filing":
            _remove_source(path)
            return Outcome(path, "duplicate", f"already filed as {done.archive_key}", done.archive_key, done.id, done.doc_type)
    ocr = read_document(incoming, ctx.engine, keep_images=True)
    extraction = extract(ocr, today=ctx.today)
    crops = cut_crops(ocr, extraction)
    pages = len(ocr.pages)
    del ocr  # the page pictures are not needed past this point
    if extraction.doc_type == "unknown" and incoming.hints.get("doc_type"):
        extraction = dataclasses.replace(extraction, doc_type=incoming.hints["doc_type"])
    hint = incoming.hints.get("customer")
    out = file_extraction(
        incoming, extraction, ctx,
        match_fn=lambda ex, session: resolve_customer(ex, CatalogueDirectory(session), hint=hint),
        department=incoming.hints.get("department"), crops=crops, page_count=pages,
    )
    if out.status in ("filed", "needs_review", "duplicate"):
        _remove_source(path)  # only once its encrypted copy is in place and catalogued
    return out


def _replace_customer(match, customer):
    return dataclasses.replace(match, customer=customer)


def _remove_source(path: Path) -> None:
    path.unlink(missing_ok=True)


def quarantine_dir_for(path: Path, settings: Settings, folder: WatchFolder | None = None) -> Path:
    """Configured; else a `quarantine` folder beside the drop folder the file came from
    (default: the configured one it lies in), also for a file in a customer's subfolder:
    inside the drop folder it would sit among the scans. A file from no drop folder: beside
    the folder it sits in."""
    if settings.quarantine_dir:
        return settings.quarantine_dir
    folder = folder or settings.folder_for(path)
    return (folder.path if folder else path.parent).parent / "quarantine"


def quarantine(path: Path, reason: str, settings: Settings, folder: WatchFolder | None = None) -> Outcome:
    """Move the file, byte for byte, to quarantine, with `<name>.error.txt` beside it. The
    reason is written first, so a file never sits in quarantine without one."""
    qdir = quarantine_dir_for(path, settings, folder)
    try:
        qdir.mkdir(parents=True, exist_ok=True)
        target = qdir / path.name
        n = 2
        while target.exists() or target.with_name(target.name + ".error.txt").exists():
            target = qdir / f"{path.stem}+{n}{path.suffix}"
            n += 1
        target.with_name(target.name + ".error.txt").write_text(
            f"file: {path}\nwhen: {dt.datetime.now().isoformat(timespec='seconds')}\nreason: {reason}\n", encoding="utf-8"
        )
        shutil.move(path, target)
    except OSError as exc:
        return Outcome(path, "retry", f"{reason}; and it could not be quarantined: {exc.strerror}")
    log.info("quarantined %s: %s", path.name, reason)
    return Outcome(path, "quarantined", reason, key=str(target))


def match_in_crm(extraction: Extraction, session: Session) -> Match:
    """The match step of the chain: the customer the document itself names."""
    return resolve_customer(extraction, CatalogueDirectory(session))


def file_extraction(
    incoming: IncomingFile,
    extraction: Extraction,
    ctx: Context,
    *,
    match_fn: Callable[[Extraction, Session], Match] = match_in_crm,
    page_count: int | None = None,
    findings: tuple[tuple[str, str], ...] = (),
    review: bool = False,
    department: str | None = None,
    crops=(),
) -> Outcome:
    """The chain after reading, for a file whose pages were read and extracted elsewhere
    (`dossier batch` reads a bag page by page, then files its documents one by one):
    (already filed? stop) → match → plan → reserve → store → commit, with `_consume`'s
    steps and error handling. The source file is left where it is. `match_fn` decides the
    customer (default: the one the document names); `department` opens a new customer's
    archive number (default: the configured one); `findings`, `review` and the evidence
    `crops` go to `commit_filed`."""
    path = incoming.path
    with ctx.sessions() as session:
        done = find_filed(session, incoming.sha256)
        if done is not None and done.status != "filing":
            return Outcome(path, "duplicate", f"already filed as {done.archive_key}", done.archive_key, done.id, done.doc_type)
        match = match_fn(extraction, session)
        if match.customer is not None:
            department = department or ctx.settings.department
            match = _replace_customer(match, ensure_archive_no(session, match.customer, department, ctx.today))
        plan = plan_filing(match, today=ctx.today, name_date=ctx.settings.name_date)
        if done is not None and not take_over_reservation(session, done):
            return Outcome(path, "retry", f"the same file is being filed by {done.filing_owner} (since {done.filing_since:%H:%M:%S})")
        try:
            doc = done or reserve_key(session, plan, match, incoming, ctx.store, page_count=page_count)
        except SqlIntegrityError:
            # Another worker is filing the same bytes right now.
            return Outcome(path, "retry", "the same file is being filed by another worker")
        recipients = parse_recipients(ctx.settings.recipients)
        try:
            cipher = store_object(doc, path, incoming.sha256, ctx.store, recipients)
        except DossierError as exc:
            # A retryable failure keeps the reservation: the object may have landed with
            # its acknowledgement lost, and the retry rewrites the same key instead of
            # leaving an orphan and filing a `+2`.
            if not exc.retry:
                session.delete(doc)
                session.commit()
            raise
        doc = commit_filed(
            session, doc, match, cipher, ctx.actor, ctx.id_hash_key, findings=findings, review=review, today=ctx.today,
            expiry_window_days=ctx.settings.expiry_window_days, crops=crops, recipients=recipients,
        )
    how = f"customer by {match.method}" if match.customer else "customer unknown"
    return Outcome(path, doc.status, how, doc.archive_key, doc.id, extraction.doc_type, match.customer.name if match.customer else None)
