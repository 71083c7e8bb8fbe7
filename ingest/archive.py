"""Reading back from the archive: always audited, always verified against the catalogue."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from extractors.errors import IntegrityError, UsageError

from .catalogue import AuditEntry, Customer, Document, audit, current_actor
from .crypto import decrypt_stream, load_identities
from .storage import ArchiveStore


def find_document(session: Session, ref: str) -> Document:
    doc = session.get(Document, int(ref)) if ref.isdigit() else None
    if doc is None:
        key = ref.removesuffix(".age")
        doc = session.scalar(select(Document).where(Document.archive_key == key))
    if doc is None:
        raise UsageError(f"no filed document {ref!r}", hint="give a document id or its archive key")
    return doc


def get_document(sessions: sessionmaker[Session], store: ArchiveStore, ref: str, identity: Path, output: Path, reason: str) -> Document:
    """Decrypt a document to `output`. The access is audited first (an attempt counts even
    if decryption then fails); the plaintext is written beside `output` and renamed into
    place only once its SHA-256 matches the catalogue."""
    identities = load_identities(identity)
    actor = current_actor()
    with sessions() as session:
        doc = find_document(session, ref)
        audit(session, actor, "get", document_id=doc.id, customer_id=doc.customer_id, detail=doc.archive_key, reason=reason)
        session.commit()
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=".dossier-get-")
    try:
        with os.fdopen(fd, "wb") as out, store.open(doc.archive_key) as src:
            sha = decrypt_stream(src, out, identities)
        if sha != doc.sha256:
            raise IntegrityError(f"{doc.archive_key} decrypts to a different file than was filed", hint="run dossier verify")
        os.replace(tmp, output)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return doc


def audit_entries(
    session: Session,
    *,
    customer: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> list[tuple[AuditEntry, str | None, str | None]]:
    """Audit entries, oldest first, with the customer's name and the document's key.
    `customer` is an id, a USCC or (part of) a name."""
    q = (
        select(AuditEntry, Customer.name, Document.archive_key)
        .outerjoin(Customer, Customer.id == AuditEntry.customer_id)
        .outerjoin(Document, Document.id == AuditEntry.document_id)
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    if customer:
        # An all-digit USCC exists (911101080941334449): only a short number is an id.
        if customer.isdigit() and len(customer) < 18:
            q = q.where(AuditEntry.customer_id == int(customer))
        else:
            q = q.where((Customer.uscc == customer.upper()) | Customer.name.contains(customer))
    if actor:
        q = q.where(AuditEntry.actor == actor)
    if action:
        q = q.where(AuditEntry.action == action)
    if since:
        q = q.where(AuditEntry.at >= since)
    if until:
        q = q.where(AuditEntry.at < until)
    return [tuple(row) for row in session.execute(q).all()]
