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


def _id_card_pdf(path, id_number: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("noto", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    pdf.set_font("noto", size=14)
    for i, text in enumerate(["姓名 王秀英", "性别 女 民族 汉", "出生 1949年12月31日", "住址 北京市朝阳区建国路88号",
                              f"公民身份号码 {id_number}", "中华人民共和国 居民身份证", "签发机关 北京市公安局朝阳分局",
                              "有效期限 2015.03.12-2035.03.12"]):
        pdf.text(20, 30 + 12 * i, text)
    pdf.output(str(path))


def test_catalogue_keeps_id_numbers_masked_and_findable_by_keyed_hash(tmp_path, keypair):
    from ingest.crypto import new_secret_file
    from ingest.filing import documents_showing_id_number

    _, recipient = keypair
    key_file = tmp_path / "id-hash.key"
    new_secret_file(key_file)
    db = tmp_path / "catalogue.db"
    settings = Settings(recipients=(recipient,), archive_root=tmp_path / "archive", database_url=f"sqlite:///{db}", id_hash_key_file=key_file)
    sessions = open_catalogue(settings.database_url)
    ctx = make_context(settings, NullEngine(), LocalStore(settings.archive_root), sessions, dt.date(2026, 11, 28))
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    number = "11010519491231002X"
    _id_card_pdf(inbox / "id.pdf", number)

    out = process_file(inbox / "id.pdf", ctx)
    assert out.doc_type == "id_card", out
    with sessions() as s:
        doc = s.scalar(select(Document))
        assert doc.fields["id_number"]["value"] == "110105********002X"
        assert [d.id for d in documents_showing_id_number(s, ctx.id_hash_key, number)] == [doc.id]
        assert documents_showing_id_number(s, ctx.id_hash_key, "110105194912310021") == []
    # Nowhere in the database file, nor its write-ahead log, is the full number.
    for f in tmp_path.glob("catalogue.db*"):
        assert number.encode() not in f.read_bytes() and b"19491231" not in f.read_bytes()
