"""The consume chain's promises, on real files, a real catalogue and a real local store:
nothing lost, nothing filed twice, when the store fails or the same bytes come back."""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import select

from conftest import SAMPLES
from extractors.errors import StoreUnavailable
from extractors.ocr import NullEngine
from ingest.catalogue import Document, open_catalogue
from ingest.config import Settings
from ingest.pipeline import make_context, process_file
from ingest.storage import LocalStore


class LostAckStore(LocalStore):
    """Stores the object, then reports failure once: the reply was lost on the way back."""

    failures = 1

    def put_new(self, key, write):
        super().put_new(key, write)
        if self.failures:
            self.failures -= 1
            raise StoreUnavailable("connection reset after upload")


def test_lost_acknowledgement_is_retried_onto_the_same_key(tmp_path, keypair, db_url):
    _, recipient = keypair
    settings = Settings(recipients=(recipient,), archive_root=tmp_path / "archive", database_url=db_url)
    store = LostAckStore(settings.archive_root)
    sessions = open_catalogue(db_url)
    # A text-layer PDF: read without OCR, so NullEngine is enough and the store is the subject.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    src = inbox / "licence.pdf"
    shutil.copy(next(SAMPLES.glob("*.pdf")), src)
    ctx = make_context(settings, NullEngine(), store, sessions, dt.date(2026, 11, 28))

    first = process_file(src, ctx)
    assert first.status == "retry" and src.exists()  # stays in the inbox

    second = process_file(src, ctx)
    assert second.status in ("filed", "needs_review") and not src.exists()
    objects = list(store.keys())
    assert objects == [second.key]  # one object, under the key first reserved; no `+2`
    with sessions() as s:
        assert [d.archive_key for d in s.scalars(select(Document))] == [second.key]
