"""Review decisions: a reviewer settles a document's findings, and a document filed under
the wrong customer (or none) is re-filed under the right one.

Every decision is a `ReviewDecision` row (who, when, why, what) plus an audit entry; the
document keeps its id, so its audit trail (filed, read, re-filed) stays in one place.
Re-filing moves the ciphertext as it is: nothing is decrypted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from extractors.errors import IntegrityError, UsageError

from .catalogue import Customer, Document, Finding, ReviewDecision, audit, find_customer
from .filing import ensure_archive_no
from .naming import archive_key, archive_year, generate_filename, parse_filename
from .storage import ArchiveStore

DECISIONS = ("accept_scan", "keep_crm", "reassign", "resolve")
MAX_COPIES = 99


@dataclass(frozen=True)
class ReviewOutcome:
    document_id: int
    decision: str
    findings_closed: int
    archive_key: str
    moved_from: str | None = None


def decide(
    session: Session,
    store: ArchiveStore,
    document_id: int,
    decision: str,
    *,
    by: str,
    reason: str = "",
    customer: str | None = None,
    department: str = "SALE",
    today: dt.date | None = None,
) -> ReviewOutcome:
    """Record `decision` on a document and close its open findings.

    accept_scan: the document is right, the CRM is to be corrected; keep_crm: the CRM is
    right; resolve: settled otherwise (the reason says how); reassign: the document belongs
    to `customer`, and is re-filed under that customer's folder and name."""
    if decision not in DECISIONS:
        raise UsageError(f"unknown decision {decision!r}", hint=f"one of {', '.join(DECISIONS)}")
    if not by.strip():
        raise UsageError("a decision needs who made it", hint="--by NAME")
    if decision in ("resolve", "reassign") and not reason.strip():
        raise UsageError(f"{decision} needs a reason", hint="--reason TEXT")
    doc = session.get(Document, document_id)
    if doc is None or doc.status == "filing":
        raise UsageError(f"no filed document {document_id}", hint="document ids are in `dossier report`")
    moved_from = None
    detail = ""
    if decision == "reassign":
        if not customer:
            raise UsageError("reassign needs the customer", hint="--customer NAME|USCC|ID")
        target = find_customer(session, customer)
        moved_from = doc.archive_key
        new_key = refile(session, store, doc, target, department=department, today=today or dt.date.today())
        detail = f"customer {doc.customer_id} → {target.id}; {moved_from} → {new_key}"
    dec = ReviewDecision(document_id=doc.id, decision=decision, by=by.strip(), reason=reason.strip(), detail=detail, at=dt.datetime.now(dt.UTC))
    session.add(dec)
    session.flush()
    closed = session.execute(
        update(Finding).where(Finding.document_id == doc.id, Finding.decision_id.is_(None)).values(decision_id=dec.id)
    ).rowcount
    if doc.status == "needs_review":
        doc.status = "filed"
    audit(session, by.strip(), "review", document_id=doc.id, customer_id=doc.customer_id,
          detail=f"{decision}" + (f": {detail}" if detail else ""), reason=reason.strip())
    session.commit()
    return ReviewOutcome(doc.id, decision, closed or 0, doc.archive_key, moved_from)


def refile(session: Session, store: ArchiveStore, doc: Document, target: Customer, *, department: str, today: dt.date) -> str:
    """Move a document's encrypted object under `target`'s folder and name, keeping its type
    word and date. The new object is written and checked before the catalogue row points
    at it, and the old one removed after: a crash between leaves at worst an orphan object
    for `dossier verify` to report, never a row pointing at nothing."""
    record = ensure_archive_no(session, target.record(), department, today)
    filename = doc.archive_key.rsplit("/", 1)[-1]
    parsed = parse_filename(filename)
    if parsed is None:
        raise IntegrityError(f"cannot read the name {filename!r} of document {doc.id}")
    _, type_word, on, ext = parsed
    year = archive_year(record.archive_no)
    for copy in range(1, MAX_COPIES + 1):
        key = archive_key(year, target.name, generate_filename(target.name, type_word, on, ext, copy))
        if key == doc.archive_key:
            return key  # already there
        if not session.scalar(select(Document.id).where(Document.archive_key == key)) and not store.exists(key):
            break
    else:
        raise IntegrityError(f"more than {MAX_COPIES} files named like {filename}")
    digest = hashlib.sha256()

    def copy_ciphertext(fh) -> None:
        with store.open(doc.archive_key) as src:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                fh.write(chunk)

    store.put_new(key, copy_ciphertext)
    if doc.ciphertext_sha256 and digest.hexdigest() != doc.ciphertext_sha256:
        store.remove(key)
        raise IntegrityError(f"document {doc.id}'s object does not match its catalogue entry", hint="run dossier verify")
    old = doc.archive_key
    doc.archive_key = key
    doc.customer_id = target.id
    doc.match_method = "review"
    doc.match_score = 100.0
    audit(session, "dossier", "refile", document_id=doc.id, customer_id=target.id, detail=f"{old} → {key}")
    session.commit()
    store.remove(old)
    return key
