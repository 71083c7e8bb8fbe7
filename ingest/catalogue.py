"""The catalogue: what is filed where, the CRM mirror, findings, archive numbers and the
audit log. SQLAlchemy 2.0; the schema is owned by Alembic migrations (ingest/migrations),
and `open_catalogue` brings any database up to date before use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    or_,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from extractors.errors import StoreUnavailable
from extractors.parsing import normalise_name
from matchers.records import Customer as CustomerRecord


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    pass


class Customer(Base):
    """The CRM mirror: one row per customer, keyed by USCC."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_rep: Mapped[str | None] = mapped_column(String(100), index=True)
    manager: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    contacts: Mapped[list] = mapped_column(JSON, default=list)
    contract_nos: Mapped[list] = mapped_column(JSON, default=list)
    class_tag: Mapped[str | None] = mapped_column(String(50))
    archive_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def record(self) -> CustomerRecord:
        return CustomerRecord(self.id, self.name, self.uscc, self.legal_rep, self.manager, self.department, self.archive_no)


class Document(Base):
    """One filed file. `sha256` is the original's: the same bytes are filed once."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(500))
    size: Mapped[int] = mapped_column(BigInteger)
    doc_type: Mapped[str] = mapped_column(String(40), index=True)
    doc_type_confidence: Mapped[float] = mapped_column(Float, default=0.0)
    # {field: {"value", "confidence", "status", "page", "box"}}; ID numbers masked.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    match_method: Mapped[str] = mapped_column(String(20), default="none")
    match_score: Mapped[float] = mapped_column(Float, default=0.0)
    archive_key: Mapped[str] = mapped_column(String(1000), unique=True)
    ciphertext_sha256: Mapped[str | None] = mapped_column(String(64))
    ciphertext_size: Mapped[int | None] = mapped_column(BigInteger)
    # filing: key reserved, object not yet confirmed | filed | needs_review
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Finding(Base):
    """Something a reviewer should look at: a field disagreeing with the CRM, a repaired
    code, an expired licence."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    field: Mapped[str | None] = mapped_column(String(60))
    scan_value: Mapped[str | None] = mapped_column(Text)
    crm_value: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[float | None] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdNumberHash(Base):
    """A keyed hash (HMAC-SHA256) of each ID number a document shows, so "which files show
    this person's ID number" is answerable while the catalogue holds only masked numbers.
    The key lives outside the database (id_hash_key_file)."""

    __tablename__ = "id_number_hashes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    keyed_hash: Mapped[str] = mapped_column(String(64), index=True)


class BackupSet(Base):
    """One backup written to an off-site target: what it holds (the manifest), so the next
    incremental copies only what changed, without decrypting anything."""

    __tablename__ = "backup_sets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60))  # 20261128T020000Z-full
    target: Mapped[str] = mapped_column(String(1000))  # where, secrets removed
    kind: Mapped[str] = mapped_column(String(12))  # full | incremental
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    objects: Mapped[dict] = mapped_column(JSON, default=dict)  # key -> ciphertext sha256, all objects at that time


class ArchiveSequence(Base):
    """The last customer sequence number handed out per (year, department)."""

    __tablename__ = "archive_sequences"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)


class AuditEntry(Base):
    """Every access and change: who, when, what, why."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(40))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")



MIGRATIONS = Path(__file__).with_name("migrations")


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        # Several ingest processes share one SQLite file: wait for the write lock instead of
        # failing, and let readers go on while one writes.
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout = 30000")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA foreign_keys = ON")
            cur.close()

    return engine


def open_catalogue(url: str) -> sessionmaker[Session]:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    try:
        upgrade(engine)
    except OperationalError as exc:
        raise StoreUnavailable(f"catalogue database unreachable: {exc.orig}", hint=f"check database_url ({engine.url!r})") from exc
    return sessionmaker(engine, expire_on_commit=False)


class CatalogueDirectory:
    """The CRM mirror as a `matchers.crm.CustomerDirectory`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_uscc(self, uscc: str) -> CustomerRecord | None:
        row = self.session.scalar(select(Customer).where(Customer.uscc == uscc))
        return row.record() if row else None

    def name_candidates(self, name: str) -> Iterable[CustomerRecord]:
        """Customers sharing a two-character piece of the name's middle (the trade name,
        after the place): a one-character OCR error spoils at most two of the four pieces,
        so the right customer is still among the candidates. Issue #4 replaces this with a
        blocking index measured at 1,000,000 customers."""
        flat = normalise_name(name)
        pieces = {flat[i : i + 2] for i in range(2, min(len(flat) - 1, 6))} or {flat}
        rows = self.session.scalars(select(Customer).where(or_(*(Customer.name.contains(p) for p in pieces))))
        return [r.record() for r in rows]

    def by_legal_rep(self, person: str) -> list[CustomerRecord]:
        return [r.record() for r in self.session.scalars(select(Customer).where(Customer.legal_rep == person))]

    def by_contract_no(self, contract_no: str) -> list[CustomerRecord]:
        # contract_nos is a JSON list; portable JSON containment differs per database, and
        # a LIKE prefilter on its text is exact enough once confirmed in Python.
        rows = self.session.scalars(select(Customer).where(Customer.contract_nos.cast(String).contains(contract_no)))
        return [r.record() for r in rows if contract_no in (r.contract_nos or [])]


def audit(session: Session, actor: str, action: str, *, document_id=None, customer_id=None, detail="", reason="") -> None:
    session.add(AuditEntry(actor=actor, action=action, document_id=document_id, customer_id=customer_id, detail=detail, reason=reason))

