"""A `filing` reservation belongs to one process at a time: a second process filing the
same bytes waits while the holder lives, and takes over once it has died or its lease has
run out. Real catalogue (SQLite, and PostgreSQL where it runs), real store, real processes."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess

from sqlalchemy import select, update

from conftest import SAMPLES
from extractors.errors import StoreUnavailable
from extractors.ocr import NullEngine
from ingest.catalogue import Document, open_catalogue, utcnow
from ingest.config import Settings
from ingest.filing import FILING_LEASE, reservation_is_stale
from ingest.pipeline import make_context, process_file
from ingest.storage import LocalStore


class DownStore(LocalStore):
    """The store is unreachable: filing stops after reserving its key (a retryable error)."""

    def put_new(self, key, write):
        raise StoreUnavailable("connection refused")


def _reserved(tmp_path, keypair, db_url):
    """A text-layer PDF (no OCR needed) whose filing stopped at the reservation."""
    _, recipient = keypair
    settings = Settings(recipients=(recipient,), archive_root=tmp_path / "archive", database_url=db_url)
    sessions = open_catalogue(db_url)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = inbox / "licence.pdf"
    shutil.copy(next(SAMPLES.glob("*.pdf")), src)
    down = make_context(settings, NullEngine(), DownStore(settings.archive_root), sessions, dt.date(2026, 11, 28))
    assert process_file(src, down).status == "retry"
    store = LocalStore(settings.archive_root)
    return src, sessions, store, make_context(settings, NullEngine(), store, sessions, dt.date(2026, 11, 28))


def _hand_to(sessions, owner: str, since: dt.datetime) -> None:
    with sessions() as s:
        s.execute(update(Document).where(Document.status == "filing").values(filing_owner=owner, filing_since=since))
        s.commit()


def test_a_live_holder_keeps_its_reservation_until_its_process_ends(tmp_path, keypair, db_url):
    src, sessions, store, ctx = _reserved(tmp_path, keypair, db_url)
    holder = subprocess.Popen(["sleep", "60"])
    try:
        _hand_to(sessions, f"{socket.gethostname()}:{holder.pid}", utcnow())
        waiting = process_file(src, ctx)
        assert waiting.status == "retry" and "being filed by" in waiting.message
        assert src.exists() and list(store.keys()) == []  # nothing written over the holder
    finally:
        holder.kill()
        holder.wait()
    done = process_file(src, ctx)  # the holder died: its reservation is finished here
    assert done.status in ("filed", "needs_review") and not src.exists()
    with sessions() as s:
        rows = list(s.scalars(select(Document)))
    assert [r.archive_key for r in rows] == [done.key] and list(store.keys()) == [done.key]


def test_a_holder_on_another_host_is_waited_for_until_its_lease_runs_out(tmp_path, keypair, db_url):
    src, sessions, store, ctx = _reserved(tmp_path, keypair, db_url)
    _hand_to(sessions, "scanner-pc-7:4242", utcnow() - dt.timedelta(minutes=1))
    assert process_file(src, ctx).status == "retry"
    _hand_to(sessions, "scanner-pc-7:4242", utcnow() - FILING_LEASE - dt.timedelta(minutes=1))
    done = process_file(src, ctx)
    assert done.status in ("filed", "needs_review") and list(store.keys()) == [done.key]


def test_staleness_from_the_row_alone():
    now = utcnow()
    here = socket.gethostname()
    row = Document(filing_owner=None, filing_since=None)
    assert reservation_is_stale(row, now)  # a row from before leases: anyone may finish it
    dead = subprocess.Popen(["true"])
    dead.wait()
    assert reservation_is_stale(Document(filing_owner=f"{here}:{dead.pid}", filing_since=now), now)
    assert not reservation_is_stale(Document(filing_owner="elsewhere:1", filing_since=now), now)
    naive = (now - FILING_LEASE * 2).replace(tzinfo=None)  # as SQLite gives it back
    assert reservation_is_stale(Document(filing_owner="elsewhere:1", filing_since=naive), now)
