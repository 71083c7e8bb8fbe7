"""Filing: plan a document's name and place (pure), then put it in the encrypted store and
the catalogue in an order that loses nothing.

Order: reserve the key in the catalogue (status `filing`) → encrypt into a temporary object
and move it into place → mark the row filed → only then delete the source. A crash before
the last step leaves the source in the inbox; a re-run recognises its SHA-256 and finishes
or skips instead of filing a second copy.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
from pathlib import Path

from sqlalchemy import case, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.orm import Session

from matchers.findings import DEFAULT_EXPIRY_WINDOW_DAYS, document_findings

from .evidence import store_crops

from extractors.codes import mask_id_number
from extractors.errors import SourceChanged, StoreUnavailable
from extractors.parsing import ARCHIVE_NO
from extractors.records import Extraction, IncomingFile
from extractors.templates import type_word
from matchers.records import Customer as CustomerRecord
from matchers.records import Match

from .catalogue import ArchiveSequence, Customer, Document, Finding, IdNumberHash, audit, utcnow
from .crypto import encrypt_stream, id_number_hash
from .naming import UNRECOGNISED, archive_year, format_archive_no
from .records import FilingPlan
from .storage import ArchiveStore

MAX_COPIES = 999
# Fields whose value names a document's own date, in order of preference.
_DOCUMENT_DATES = ("issue_date", "sign_date", "archive_date", "established", "valid_from")


def document_type_word(extraction: Extraction, customer: CustomerRecord | None, method: str = "") -> str:
    """资料类型 for the file name. An ID card is the legal rep's when its holder is the
    customer's legal rep, by the CRM or by the licence on file (`method`
    licence_legal_rep: the CRM naming someone else is then a finding), otherwise an
    agent's (经办人)."""
    if extraction.doc_type == "id_card":
        holder = extraction.value("name")
        if customer and holder and (customer.legal_rep == holder or method == "licence_legal_rep"):
            return "法定代表人身份证"
        return "经办人身份证"
    return type_word(extraction.doc_type)


def plan_filing(match: Match, *, today: dt.date, name_date: str = "filing") -> FilingPlan:
    """Pure: the name and place of a matched document. A matched customer must already have
    an archive number (its year is the folder's year)."""
    ex = match.extraction
    on = today
    if name_date == "document":
        for key in _DOCUMENT_DATES:
            value = ex.value(key)
            if value:
                on = dt.date.fromisoformat(value)
                break
    ext = ex.file.path.suffix or (".pdf" if ex.file.kind == "pdf" else ".jpg")
    word = document_type_word(ex, match.customer, match.method)
    if match.customer is None:
        label = ex.value("name") or ex.value("principal") or ex.value("holder") or UNRECOGNISED
        if ex.doc_type == "id_card":
            label = UNRECOGNISED
        return FilingPlan(label, word, on, ext, today.year, True)
    if not match.customer.archive_no:
        raise ValueError("customer has no archive number: allocate one before planning")
    return FilingPlan(match.customer.name, word, on, ext, archive_year(match.customer.archive_no), False)


def allocate_archive_no(session: Session, year: int, department: str) -> str:
    """The next `<年份>-<部门代码>-<序号>`: one atomic upsert-and-return, so concurrent workers
    on SQLite or PostgreSQL never get the same number and never leave a gap."""
    dialect = session.get_bind().dialect.name
    ins = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](ArchiveSequence)
    stmt = (
        ins.values(year=year, department=department, last_seq=1)
        .on_conflict_do_update(
            index_elements=["year", "department"], set_={"last_seq": ArchiveSequence.last_seq + 1}
        )
        .returning(ArchiveSequence.last_seq)
    )
    seq = session.execute(stmt).scalar_one()
    return format_archive_no(year, department, seq)


def ensure_archive_no(session: Session, customer: CustomerRecord, department: str, today: dt.date) -> CustomerRecord:
    """A customer's archive is opened (numbered) when their first document is filed.

    The no-op UPDATE comes first on purpose: it takes the customer's row lock (PostgreSQL)
    or the write lock (SQLite) before the number is read, so two workers filing the same
    new customer's documents cannot both allocate, which would leave a gap."""
    if customer.archive_no:
        return customer
    session.execute(update(Customer).where(Customer.id == customer.id).values(archive_no=Customer.archive_no))
    current = session.scalar(select(Customer.archive_no).where(Customer.id == customer.id))
    if current is None:
        current = allocate_archive_no(session, today.year, department)
        session.execute(update(Customer).where(Customer.id == customer.id).values(archive_no=current))
        audit(session, "dossier", "open_archive", customer_id=customer.id, detail=current)
    session.commit()
    return dataclasses.replace(customer, archive_no=current)


def adopt_archive_no(session: Session, customer: CustomerRecord, archive_no: str, actor: str = "dossier") -> tuple[CustomerRecord, str | None]:
    """Give a customer the archive number printed on their paper archive bag, so the
    electronic tree lines up with the paper one (SPEC.md §4). Returns the customer and,
    when the number was not taken, why: the customer already has another number, another
    customer holds it, or it is not `<年份>-<部门代码>-<序号>`. The sequence of its year and
    department is raised to at least its number, so `allocate_archive_no` never hands it
    out again."""
    m = ARCHIVE_NO.match(archive_no or "")
    if not m:
        return customer, f"archive number {archive_no!r} on the cover is not <年份>-<部门代码>-<序号>"
    session.execute(update(Customer).where(Customer.id == customer.id).values(archive_no=Customer.archive_no))
    current = session.scalar(select(Customer.archive_no).where(Customer.id == customer.id))
    if current is not None:
        session.commit()
        note = None if current == archive_no else f"the cover says {archive_no}, the catalogue {current}: the catalogue's is kept"
        return dataclasses.replace(customer, archive_no=current), note
    holder = session.scalar(select(Customer).where(Customer.archive_no == archive_no))
    if holder is not None:
        session.commit()
        return customer, f"archive number {archive_no} on the cover belongs to customer {holder.id} ({holder.name}): not taken"
    year, department, seq = int(m.group(1)), m.group(2), int(m.group(3))
    dialect = session.get_bind().dialect.name
    ins = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect](ArchiveSequence)
    session.execute(
        ins.values(year=year, department=department, last_seq=seq).on_conflict_do_update(
            index_elements=["year", "department"],
            set_={"last_seq": case((ArchiveSequence.last_seq < seq, seq), else_=ArchiveSequence.last_seq)},
        )
    )
    session.execute(update(Customer).where(Customer.id == customer.id).values(archive_no=archive_no))
    audit(session, actor, "open_archive", customer_id=customer.id, detail=f"{archive_no} (from the paper archive bag)")
    session.commit()
    return dataclasses.replace(customer, archive_no=archive_no), None


def find_filed(session: Session, sha256: str) -> Document | None:
    return session.scalar(select(Document).where(Document.sha256 == sha256))


def _stored_fields(extraction: Extraction) -> dict:
    """Fields as the catalogue keeps them: ID numbers masked (the full number is in the
    encrypted file, not in the database)."""
    out = {}
    for name, f in extraction.fields.items():
        value, raw = f.value, f.raw
        if "id_number" in name:
            value = mask_id_number(value) if value else None
            raw = mask_id_number(raw)
        out[name] = {
            "value": value,
            "raw": raw,
            "confidence": f.confidence,
            "status": f.status,
            "page": f.page,
            "box": None if f.box is None else [f.box.x, f.box.y, f.box.w, f.box.h],
        }
    return out


def reserve_key(session: Session, plan: FilingPlan, match: Match, incoming: IncomingFile, store: ArchiveStore,
                *, page_count: int | None = None) -> Document:
    """Claim the first free `+n` name for this file. The unique constraints on key and
    SHA-256 settle races between workers."""
    ex = match.extraction
    for copy in range(1, MAX_COPIES + 1):
        key = plan.key(copy)
        # An object with no catalogue row (a crash before the row was written) is never
        # overwritten: it is left for `dossier verify` to report.
        if session.scalar(select(Document.id).where(Document.archive_key == key)) or store.exists(key):
            continue
        try:
            doc_id = session.execute(
                insert(Document).values(
                    sha256=incoming.sha256,
                    original_name=incoming.original_name,
                    size=incoming.size,
                    doc_type=ex.doc_type,
                    doc_type_confidence=ex.doc_type_confidence,
                    fields=_stored_fields(ex),
                    customer_id=match.customer.id if match.customer else None,
                    match_method=match.method,
                    match_score=match.score,
                    archive_key=key,
                    status="filing",
                    created_at=utcnow(),
                    page_count=page_count,
                    filing_owner=filing_owner(),
                    filing_since=utcnow(),
                ).returning(Document.id)
            ).scalar_one()
            session.commit()
            return session.get(Document, doc_id)
        except SqlIntegrityError:
            session.rollback()
            if find_filed(session, incoming.sha256):
                raise
    raise StoreUnavailable(f"more than {MAX_COPIES} files named {plan.key()}")


# A `filing` reservation whose holder has not finished in this long is taken to be
# abandoned (its process hung or its machine died): far beyond encrypting and uploading a
# scan (600 MiB encrypts in under 2 s), short enough that a stuck file is retried the
# same working day.
FILING_LEASE = dt.timedelta(minutes=15)


def filing_owner() -> str:
    """Who holds a reservation: this host and process."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(owner: str) -> bool:
    """True when `owner` is a process of this host that no longer runs. A process on
    another host cannot be asked: its lease runs out instead."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False


def reservation_is_stale(doc: Document, now: dt.datetime) -> bool:
    """May another process take over `doc`'s `filing` reservation? Yes when nobody holds
    it (a row from before migration 0006), its holder's process has ended (a crash: the
    retry finishes the same key), or its lease has run out."""
    if not doc.filing_owner or doc.filing_since is None:
        return True
    since = doc.filing_since if doc.filing_since.tzinfo else doc.filing_since.replace(tzinfo=dt.UTC)  # SQLite drops it
    return now - since > FILING_LEASE or _owner_gone(doc.filing_owner)


def take_over_reservation(session: Session, doc: Document) -> bool:
    """Hold `doc`'s `filing` reservation, or say it is someone else's (False: retry later).

    Without this, two processes filing the same bytes at once both reused one reservation:
    both wrote the key, and the object and the catalogue's hash could come from different
    writers. The take-over is a compare-and-set on the holder, so of two processes finding
    the same stale lease only one wins."""
    me = filing_owner()
    if doc.filing_owner == me:
        return True  # our own retry (a lost acknowledgement): rewrite the same key
    now = utcnow()
    if not reservation_is_stale(doc, now):
        return False
    held_by = Document.filing_owner.is_(None) if doc.filing_owner is None else Document.filing_owner == doc.filing_owner
    taken = session.execute(
        update(Document).where(Document.id == doc.id, Document.status == "filing", held_by).values(filing_owner=me, filing_since=now)
    ).rowcount
    session.commit()
    session.refresh(doc)
    return taken == 1


def store_object(doc: Document, source: Path, expected_sha256: str, store: ArchiveStore, recipients: list) -> tuple[str, int]:
    """Encrypt the source into the store under the document's key. Returns the
    ciphertext's (sha256, size)."""
    result = {}

    def write(fh) -> None:
        with source.open("rb") as src:
            result["plain"], result["cipher"], result["size"] = encrypt_stream(src, fh, recipients)
        if result["plain"] != expected_sha256:
            # The bytes changed between reading and filing: a scanner still writing.
            raise SourceChanged(f"{source.name} changed while it was being filed", hint="it will be retried")

    store.put_new(doc.archive_key, write)
    return result["cipher"], result["size"]


def commit_filed(session: Session, doc: Document, match: Match, cipher: tuple[str, int], actor: str, id_hash_key: bytes | None = None,
                 *, findings: tuple[tuple[str, str], ...] = (), review: bool = False, today: dt.date | None = None,
                 expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS, crops=(), recipients=()) -> Document:
    """Complete a reserved row. `findings` ((kind, message) pairs) are recorded besides
    the match's and the extraction's; `review` holds the document for a reviewer even when
    its match is clean (an unrecognised page of a batch). The document's own findings
    (`matchers.findings.document_findings`) are recorded with it, and its evidence `crops`
    (`ingest.evidence`) encrypted to `recipients`."""
    doc.ciphertext_sha256, doc.ciphertext_size = cipher
    if id_hash_key is not None:
        for name, f in match.extraction.fields.items():
            if "id_number" in name and f.value:
                session.add(IdNumberHash(document_id=doc.id, field=name, keyed_hash=id_number_hash(id_hash_key, f.value)))
    doc.status = "needs_review" if match.customer is None or match.blocking or review else "filed"
    doc.filed_at = utcnow()
    for f in document_findings(match, today=today or dt.date.today(), expiry_window_days=expiry_window_days):
        session.add(
            Finding(
                document_id=doc.id, kind=f.kind, field=f.field, scan_value=_mask(f.field or "", f.scan_value),
                crm_value=_mask(f.field or "", f.crm_value), verdict=f.verdict, score=f.score, message=f.message,
            )
        )
    if crops:
        store_crops(session, doc.id, crops, recipients)
    for kind, message in findings:
        session.add(Finding(document_id=doc.id, kind=kind, message=message))
    audit(session, actor, "file", document_id=doc.id, customer_id=doc.customer_id, detail=doc.archive_key)
    session.commit()
    return doc


def _mask(field: str, value: str | None) -> str | None:
    return mask_id_number(value) if value and "id_number" in field else value


def documents_showing_id_number(session: Session, id_hash_key: bytes, id_number: str) -> list[Document]:
    """Every filed document that shows this ID number, found by its keyed hash."""
    wanted = id_number_hash(id_hash_key, id_number)
    q = select(Document).join(IdNumberHash, IdNumberHash.document_id == Document.id).where(IdNumberHash.keyed_hash == wanted)
    return list(session.scalars(q.order_by(Document.id)).unique())
