"""The electronic counterpart of the monthly cabinet check (SPEC.md §6): every catalogued
file is present, and is still what was filed.

Without the archivists' identity an object is checked against the ciphertext hash recorded
when it was filed; with it, the object is decrypted and checked against the original's
SHA-256 (which also proves the key still opens it). Objects the catalogue does not know are
orphans: reported, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from extractors.errors import AccessDenied, IntegrityError

from .catalogue import Document, audit
from .crypto import HashingReader, decrypt_stream, load_identities
from .storage import ArchiveStore


class _Discard:
    def write(self, data) -> int:
        return len(data)


@dataclass
class VerifyReport:
    checked: int = 0
    decrypted: bool = False
    missing: list[str] = field(default_factory=list)
    corrupt: list[tuple[str, str]] = field(default_factory=list)  # (key, why)
    orphaned: list[str] = field(default_factory=list)
    in_progress: list[str] = field(default_factory=list)  # reserved, object not confirmed yet

    @property
    def clean(self) -> bool:
        return not (self.missing or self.corrupt or self.orphaned)

    @property
    def exit_code(self) -> int:
        """0 when clean; else 16 plus 1 for missing, 2 for corrupt, 4 for orphaned objects
        (19 = missing and corrupt), so a cron job can tell what it found."""
        if self.clean:
            return 0
        return 16 + (1 if self.missing else 0) + (2 if self.corrupt else 0) + (4 if self.orphaned else 0)


def verify(sessions: sessionmaker[Session], store: ArchiveStore, identity: Path | None = None, *, actor: str = "dossier") -> VerifyReport:
    identities = load_identities(identity) if identity else None
    report = VerifyReport(decrypted=identities is not None)
    stored = set(store.keys())
    with sessions() as session:
        docs = session.scalars(select(Document).order_by(Document.id)).all()
        known = {d.archive_key for d in docs}
        for doc in docs:
            if doc.status == "filing":
                report.in_progress.append(doc.archive_key)
                continue
            report.checked += 1
            if doc.archive_key not in stored:
                report.missing.append(doc.archive_key)
                continue
            problem = _check(store, doc, identities)
            if problem:
                report.corrupt.append((doc.archive_key, problem))
        report.orphaned = sorted(stored - known)
        if identities is not None:
            # Decrypting every file is an access to every file: on the record.
            audit(session, actor, "verify", detail=f"{report.checked} checked, {len(report.missing)} missing, {len(report.corrupt)} corrupt, {len(report.orphaned)} orphaned", reason="integrity check")
            session.commit()
    return report


def _check(store: ArchiveStore, doc: Document, identities) -> str | None:
    try:
        with store.open(doc.archive_key) as src:
            reader = HashingReader(src)
            if identities is None:
                for _ in iter(lambda: reader.read(1 << 20), b""):
                    pass
                plain = None
            else:
                try:
                    plain = decrypt_stream(reader, _Discard(), identities)
                except (AccessDenied, IntegrityError) as exc:
                    return f"does not decrypt: {exc.message}"
    except IntegrityError:
        return "vanished while being checked"
    if doc.ciphertext_sha256 and reader.sha256.hexdigest() != doc.ciphertext_sha256:
        return "ciphertext differs from what was filed"
    if plain is not None and plain != doc.sha256:
        return "decrypts to a different file than was filed"
    return None

