"""The catalogue: what is filed where, the CRM mirror, findings, archive numbers and the
audit log. SQLAlchemy 2.0; the schema is owned by Alembic migrations (ingest/migrations),
and `open_catalogue` brings any database up to date before use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from rapidfuzz import fuzz
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    func,
    event,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from extractors.errors import StoreUnavailable
from extractors.parsing import name_keys, normalise_name
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
    # Optional CRM columns (migration 0005): compared with what documents show, and the
    # industry decides which permits are needed and whether the customer is high-risk.
    address: Mapped[str | None] = mapped_column(String(500))
    account_no: Mapped[str | None] = mapped_column(String(60))
    industry: Mapped[str | None] = mapped_column(String(100))
    archive_no: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    def record(self) -> CustomerRecord:
        return CustomerRecord(
            self.id, self.name, self.uscc, self.legal_rep, self.manager, self.department, self.archive_no,
            self.address, self.account_no, tuple(self.contract_nos or ()), self.industry,
        )


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
    # Pages of the filed file (None on rows filed before migration 0004).
    page_count: Mapped[int | None] = mapped_column(Integer)
    # The lease on a `filing` reservation (migration 0006): which process (host:pid) holds
    # it and since when. Another process takes it over only once it is stale
    # (`ingest.filing.take_over_reservation`).
    filing_owner: Mapped[str | None] = mapped_column(String(200))
    filing_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


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
    # The review decision that settled it (migration 0005); None while open.
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("review_decisions.id"), index=True)


class ReviewDecision(Base):
    """A reviewer's decision on a document's findings: who, when, why, and what it did.

    decision: accept_scan (the document is right; the CRM is to be corrected) | keep_crm (the
    CRM is right; the reading or the paper is wrong) | reassign (the document belongs to
    another customer: re-filed) | resolve (settled otherwise, see reason)."""

    __tablename__ = "review_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvidenceCrop(Base):
    """The piece of page a field was read from, as a PNG encrypted to the archive's age
    recipients (it shows customer data, so it is kept like the files themselves). Reports
    decrypt them, audited, to show each disputed value beside the CRM's."""

    __tablename__ = "evidence_crops"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    field: Mapped[str] = mapped_column(String(60))
    page: Mapped[int] = mapped_column(Integer)
    box: Mapped[list] = mapped_column(JSON)  # [x, y, w, h] of the value within the crop
    png_age: Mapped[bytes] = mapped_column(LargeBinary)


class CustomerNameKey(Base):
    """Blocking keys of customer names (two-character pieces of the normalised name), so
    a name read off a document finds its candidates without reading every customer."""

    __tablename__ = "customer_name_keys"
    key: Mapped[str] = mapped_column(String(8), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True, index=True)


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


# name_candidates: a key shared by more customers than this discriminates nothing, and the
# customers sharing the most keys with the name read, at most MAX_CANDIDATES, are scored.
COMMON_KEY = 2000
MAX_CANDIDATES = 50
# Customers sharing a rare key with the name, at most this many, are ranked by fuzzy score
# to pick the MAX_CANDIDATES (at 1,000,000 customers, keeping only the 50 sharing the most
# keys lost the right customer 5 times in 100 misread names: ties at one shared key).
CANDIDATE_POOL = 1000


def _json_escaped(text: str) -> str:
    """`text` as a JSON serialiser that escapes non-ASCII writes it (SQLite's JSON column
    holds `\\u987e` for 顾): LIKE prefilters on JSON text must try both spellings."""
    import json

    return json.dumps(text)[1:-1]


# How many customers hold a name key, counted no further than :cap (an index range scan).
_KEY_COUNT = text("SELECT count(*) FROM (SELECT 1 FROM customer_name_keys WHERE key = :key LIMIT :cap) AS k")
# A customer record's columns, in `matchers.records.Customer`'s order.
_RECORD_COLUMNS = (
    Customer.id, Customer.name, Customer.uscc, Customer.legal_rep, Customer.manager, Customer.department,
    Customer.archive_no, Customer.address, Customer.account_no, Customer.contract_nos, Customer.industry,
)


def set_name_keys(session: Session, customer_id: int, name: str) -> None:
    """(Re)write a customer's name keys; call whenever a name is set or changed."""
    session.execute(delete(CustomerNameKey).where(CustomerNameKey.customer_id == customer_id))
    session.add_all(CustomerNameKey(key=k, customer_id=customer_id) for k in sorted(name_keys(name)))


class CatalogueDirectory:
    """The CRM mirror as a `matchers.crm.CustomerDirectory`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_uscc(self, uscc: str) -> CustomerRecord | None:
        row = self.session.scalar(select(Customer).where(Customer.uscc == uscc))
        return row.record() if row else None

    def name_candidates(self, name: str) -> Iterable[CustomerRecord]:
        """Customers sharing the most discriminating name keys with `name` (`name_keys`):
        each key's customers are looked up through the key index, a key held by more than
        COMMON_KEY customers (有限, 公司, a big city) is skipped as telling nothing, and the
        MAX_CANDIDATES customers sharing the most keys are returned for fuzzy scoring. At
        1,000,000 customers this is a handful of index range scans, not a scan of every
        name (`dossier bench matching`)."""
        conn = self.session.connection()
        rare = [k for k in sorted(name_keys(name)) if conn.execute(_KEY_COUNT, {"key": k, "cap": COMMON_KEY + 1}).scalar() <= COMMON_KEY]
        if not rare:
            return []
        shared = func.count().label("shared")
        pool = conn.execute(
            select(CustomerNameKey.customer_id, shared).where(CustomerNameKey.key.in_(rare))
            .group_by(CustomerNameKey.customer_id).order_by(shared.desc(), CustomerNameKey.customer_id).limit(CANDIDATE_POOL)
        ).scalars().all()
        if not pool:
            return []
        best = pool
        if len(pool) > MAX_CANDIDATES:
            # Many share as few keys as the right one (a misread character breaks two):
            # rank the pool by the whole name, not by the order the keys gave it.
            names = dict(conn.execute(select(Customer.id, Customer.name).where(Customer.id.in_(pool))).all())
            flat = normalise_name(name)
            best = sorted(pool, key=lambda cid: -fuzz.ratio(flat, normalise_name(names.get(cid, ""))))[:MAX_CANDIDATES]
        rows = conn.execute(select(*_RECORD_COLUMNS).where(Customer.id.in_(best))).all()
        return [CustomerRecord(*r[:7], r[7], r[8], tuple(r[9] or ()), r[10]) for r in rows]

    def by_legal_rep(self, person: str) -> list[CustomerRecord]:
        return [r.record() for r in self.session.scalars(select(Customer).where(Customer.legal_rep == person))]

    def by_person_on_file(self, person: str) -> list[tuple[CustomerRecord, str]]:
        """Customers whose filed licences name `person` as legal rep, or whose filed
        authorisation letters name them as agent (one entry per customer, legal rep first)."""
        rows = self.session.execute(
            select(Document.customer_id, Document.doc_type, Document.fields)
            .where(Document.customer_id.is_not(None))
            .where(Document.doc_type.in_(("business_licence", "authorization_letter")))
            .where(
                Document.fields.cast(String).contains(person, autoescape=True)
                | Document.fields.cast(String).contains(_json_escaped(person), autoescape=True)
            )
        ).all()
        roles: dict[int, str] = {}
        for cid, doc_type, fields in rows:
            key = "legal_rep" if doc_type == "business_licence" else "agent_name"
            if ((fields or {}).get(key) or {}).get("value") == person:
                role = "legal_rep" if key == "legal_rep" else "agent"
                if roles.get(cid) != "legal_rep":
                    roles[cid] = role
        return [(self.session.get(Customer, cid).record(), role) for cid, role in sorted(roles.items())]

    def by_contract_no(self, contract_no: str) -> list[CustomerRecord]:
        # contract_nos is a JSON list; portable JSON containment differs per database, and
        # a LIKE prefilter on its text is exact enough once confirmed in Python.
        rows = self.session.scalars(select(Customer).where(Customer.contract_nos.cast(String).contains(contract_no)))
        return [r.record() for r in rows if contract_no in (r.contract_nos or [])]


def current_actor() -> str:
    """Who is acting, for the audit log: $DOSSIER_USER (a service account's real user),
    else the login name."""
    import getpass
    import os

    return os.environ.get("DOSSIER_USER") or getpass.getuser()


def audit(session: Session, actor: str, action: str, *, document_id=None, customer_id=None, detail="", reason="") -> None:
    session.add(AuditEntry(actor=actor, action=action, document_id=document_id, customer_id=customer_id, detail=detail, reason=reason))


def find_customer(session: Session, ref: str) -> Customer:
    """One customer by id (a number), USCC (18 characters), or name: equal after
    normalisation, else the only customer whose name contains `ref`."""
    from extractors.errors import UsageError

    ref = ref.strip()
    row = None
    if ref.isdigit() and len(ref) < 18:
        row = session.get(Customer, int(ref))
    elif len(ref) == 18 and ref.isalnum():
        row = session.scalar(select(Customer).where(Customer.uscc == ref.upper()))
    if row is None and ref:
        flat = normalise_name(ref)
        rows = list(session.scalars(select(Customer).where(Customer.name.contains(ref))))
        exact = [r for r in rows if normalise_name(r.name) == flat]
        if not exact:
            # The stored name may differ from `ref` in bracket width or spaces only.
            ids = {c.id for c in CatalogueDirectory(session).name_candidates(ref) if normalise_name(c.name) == flat}
            exact = [session.get(Customer, i) for i in sorted(ids)]
        if len(exact) == 1:
            row = exact[0]
        elif len(rows) == 1:
            row = rows[0]
        elif len(rows) > 1:
            names = ", ".join(r.name for r in rows[:5])
            raise UsageError(f"{ref!r} matches {len(rows)} customers: {names}", hint="give the id or the USCC")
    if row is None:
        raise UsageError(f"no customer {ref!r} in the catalogue", hint="an id, a USCC or a name; load customers with `dossier crm import`")
    return row
