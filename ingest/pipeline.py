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
import getpass
import logging
import os
import shutil
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from extractors.errors import DossierError, InputRejected
from extractors.fields import extract
from extractors.ocr import OcrEngine
from extractors.reading import read_document, receive
from matchers.crm import resolve_customer

from .catalogue import CatalogueDirectory
from .config import Settings
from .crypto import load_secret, parse_recipients
from .filing import commit_filed, ensure_archive_no, find_filed, plan_filing, reserve_key, store_object
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
    return Context(settings, engine, store, sessions, today or dt.date.today(), os.environ.get("DOSSIER_USER") or getpass.getuser(), key)


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


def process_file(path: Path, ctx: Context) -> Outcome:
    try:
        return _consume(path, ctx)
    except DossierError as exc:
        if exc.retry:
            log.info("retry later: %s: %s", path.name, exc)
            return Outcome(path, "retry", str(exc))
        return quarantine(path, str(exc), ctx.settings)
    except OperationalError as exc:
        return Outcome(path, "retry", f"catalogue database unavailable: {exc.orig}")
    except Exception as exc:  # a bug must not lose the file either
        log.exception("unexpected error on %s", path.name)
        detail = "".join(traceback.format_exception_only(exc)).strip()
        return quarantine(path, f"internal error: {detail}", ctx.settings)


def _consume(path: Path, ctx: Context) -> Outcome:
    incoming = receive(path)
    with ctx.sessions() as session:
        done = find_filed(session, incoming.sha256)
        if done is not None and done.status != "filing":
            _remove_source(path)
            return Outcome(path, "duplicate", f"already filed as {done.archive_key}", done.archive_key, done.id, done.doc_type)
    ocr = read_document(incoming, ctx.engine)
    extraction = extract(ocr, today=ctx.today)
    with ctx.sessions() as session:
        match = resolve_customer(extraction, CatalogueDirectory(session))
        if match.customer is not None:
            match = _replace_customer(match, ensure_archive_no(session, match.customer, ctx.settings.department, ctx.today))
        plan = plan_filing(match, today=ctx.today, name_date=ctx.settings.name_date)
        try:
            doc = find_filed(session, incoming.sha256) or reserve_key(session, plan, match, incoming, ctx.store)
        except SqlIntegrityError:
            # Another worker is filing the same bytes right now.
            return Outcome(path, "retry", "the same file is being filed by another worker")
        try:
            cipher = store_object(doc, path, incoming.sha256, ctx.store, parse_recipients(ctx.settings.recipients))
        except DossierError as exc:
            # A retryable failure keeps the reservation: the object may have landed with
            # its acknowledgement lost, and the retry rewrites the same key instead of
            # leaving an orphan and filing a `+2`.
            if not exc.retry:
                session.delete(doc)
                session.commit()
            raise
        doc = commit_filed(session, doc, match, cipher, ctx.actor, ctx.id_hash_key)
    _remove_source(path)
    how = f"customer by {match.method}" if match.customer else "customer unknown"
    return Outcome(path, doc.status, how, doc.archive_key, doc.id, extraction.doc_type, match.customer.name if match.customer else None)


def _replace_customer(match, customer):
    return dataclasses.replace(match, customer=customer)


def _remove_source(path: Path) -> None:
    path.unlink(missing_ok=True)


def quarantine_dir_for(path: Path, settings: Settings) -> Path:
    """Configured, or a `quarantine` folder next to the inbox the file sits in."""
    return settings.quarantine_dir or path.parent.parent / "quarantine"


def quarantine(path: Path, reason: str, settings: Settings) -> Outcome:
    """Move the file, byte for byte, to quarantine, with `<name>.error.txt` beside it. The
    reason is written first, so a file never sits in quarantine without one."""
    qdir = quarantine_dir_for(path, settings)
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

