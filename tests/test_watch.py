"""`dossier watch` as it runs in production: a real subprocess on a real folder, real
OCR on the committed sample scans, stopped with SIGTERM. What was filed, and under whom,
is read from the catalogue and the archive folder; the expected customers come from the
samples' ground truth (samples/README.md), not from dossier.

Scans used: business_licence_02.jpg (上海弘宇医疗器械有限公司, found by its USCC; its CRM row
names another legal rep, so it is filed under the customer as `needs_review`),
business_licence_01.png (北京信铭电子科技有限公司, by USCC), id_card_01.jpg (北京信铭's legal
rep 谭晶, found by the legal rep), id_card_02.jpg (上海弘宇's legal rep 顾斌, whom the CRM does
not list: without a hint its customer is not found)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import DOSSIER, SAMPLES, run_dossier
from ingest.catalogue import Customer, Document, open_catalogue

pytestmark = pytest.mark.ocr

SETTLE = "0.5"
# The status each scan is filed with: licence 02's CRM row disagrees on purpose.
STATUS = {"business_licence_02.jpg": "needs_review", "business_licence_01.png": "filed", "id_card_01.jpg": "filed"}


def truth(name: str) -> dict:
    return json.loads((SAMPLES / name).with_suffix(".json").read_text(encoding="utf-8"))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wait_for(predicate, timeout: float, what: str):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class Site:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.inbox = root / "watch_dirs" / "inbox"
        self.quarantine = root / "watch_dirs" / "quarantine"
        self._sessions = None

    def documents(self) -> list:
        """(sha256, status, archive_key, match_method, customer name, archive_no) per row."""
        if self._sessions is None:
            self._sessions = open_catalogue(f"sqlite:///{self.root / 'catalogue.db'}")
        with self._sessions() as s:
            q = select(Document.sha256, Document.status, Document.archive_key, Document.match_method, Customer.name, Customer.archive_no)
            return list(s.execute(q.outerjoin(Customer, Document.customer_id == Customer.id).order_by(Document.id)).all())

    def filed(self, data: bytes) -> list:
        return [d for d in self.documents() if d.sha256 == sha(data) and d.status in ("filed", "needs_review")]

    def objects(self) -> list[Path]:
        return sorted(p for p in (self.root / "archive").rglob("*.age") if ".incoming" not in p.parts)

    def inbox_files(self) -> list[str]:
        return sorted(str(p.relative_to(self.inbox)) for p in self.inbox.rglob("*") if p.is_file())


class Watch:
    """A running `dossier watch`; its output goes to files (a full pipe would block it)."""

    def __init__(self, site: Site, *args: str, jobs: int = 1, settle: str = SETTLE) -> None:
        self.site = site
        n = len(list(site.root.glob("watch-*.out")))
        self.out, self.err = site.root / f"watch-{n}.out", site.root / f"watch-{n}.err"
        with self.out.open("wb") as out, self.err.open("wb") as err:
            self.proc = subprocess.Popen(
                # No periodic re-scan within a test: events and the start-up scan must do.
                [DOSSIER, "watch", "--verbose", "--settle", settle, "--rescan", "600", "--jobs", str(jobs), *args],
                cwd=site.root, stdout=out, stderr=err, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        wait_for(lambda: "watching" in self.stdout() or self.proc.poll() is not None, 90, "the watcher to start")
        assert self.proc.poll() is None, self.stdout() + self.stderr()

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8")

    def lines(self, name: str) -> list[str]:
        """The outcome lines printed for the file `name` (status first, then the name)."""
        return [ln for ln in self.stdout().splitlines() if len(ln.split()) > 1 and ln.split()[1] == name]

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=90)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """An initialised site with the sample CRM loaded, copied for each test."""
    base = tmp_path_factory.mktemp("watch")
    assert run_dossier(base, "init", "site").returncode == 0
    imported = run_dossier(base / "site", "crm", "import", str(SAMPLES.parent / "crm.csv"))
    assert imported.returncode == 3, imported.stderr  # two bad rows on purpose
    return base / "site"


@pytest.fixture
def site(template, tmp_path) -> Site:
    shutil.copytree(template, tmp_path / "site")
    return Site(tmp_path / "site")


@pytest.fixture
def watch():
    started: list[Watch] = []

    def start(site: Site, *args: str, **kw) -> Watch:
        w = Watch(site, *args, **kw)
        started.append(w)
        return w

    yield start
    for w in started:  # a failed test must not leave a watcher running
        if w.proc.poll() is None:
            w.proc.kill()
            w.proc.wait()


def key_folder(customer: str) -> str:
    return f"客户档案/{dt.date.today().year}/{customer}"


def test_a_file_written_slowly_is_filed_once_and_whole(site, watch):
    """Written in chunks over ~6 s, with one pause longer than the settle delay: only
    its not yet opening as a whole JPEG keeps it from being taken half-written (which
    would quarantine it as truncated, or file the wrong bytes)."""
    src = SAMPLES / "business_licence_02.jpg"
    data = src.read_bytes()
    w = watch(site, settle="1")
    target = site.inbox / "slow.jpg"
    chunks = [data[i : i + len(data) // 10 + 1] for i in range(0, len(data), len(data) // 10 + 1)]
    with target.open("wb") as fh:
        for i, chunk in enumerate(chunks):
            fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
            time.sleep(2.5 if i == len(chunks) // 2 else 0.4)
    wait_for(lambda: not target.exists(), 60, "slow.jpg to be taken")
    time.sleep(1.5)  # room for a second, wrong filing
    assert w.stop() == 0, w.stderr()

    docs = site.documents()
    assert len(docs) == 1 and docs[0].sha256 == sha(data), docs  # once, and the whole file
    assert docs[0].status == STATUS[src.name] and docs[0].name == truth(src.name)["customer"]
    assert docs[0].archive_key.startswith(key_folder(docs[0].name) + "/")
    assert site.objects() == [site.root / "archive" / (docs[0].archive_key + ".age")]
    assert [ln.split()[0] for ln in w.lines("slow.jpg")] == [STATUS[src.name]]
    assert not site.quarantine.exists() or not any(site.quarantine.iterdir())
    # The test did what it says: the pause outlasted the settle delay and was waited out.
    assert "slow.jpg: it does not open as a whole scan yet" in w.stderr()


def test_files_there_at_start_are_filed(site, watch):
    """Copied in while no watcher runs: the start-up scan files them."""
    src = SAMPLES / "business_licence_01.png"
    shutil.copy(src, site.inbox / src.name)
    w = watch(site)
    wait_for(lambda: site.filed(src.read_bytes()), 60, "the licence to be filed")
    assert w.stop() == 0, w.stderr()
    [doc] = site.documents()
    assert doc.sha256 == sha(src.read_bytes()) and doc.name == truth(src.name)["customer"]
    assert site.inbox_files() == []
    assert [ln.split()[0] for ln in w.lines(src.name)] == ["filed"]
    assert w.stdout().splitlines()[-1] == "stopped: 1 files: 1 filed"


def test_a_part_file_is_taken_only_once_renamed(site, watch):
    src = SAMPLES / "id_card_01.jpg"
    w = watch(site)
    part = site.inbox / "card.jpg.part"
    shutil.copy(src, part)  # whole, but still named as being written
    ignored = {"~$card.jpg": src, ".card.jpg": src, "card.tmp": src, "Thumbs.db": src}
    for name, content in ignored.items():
        shutil.copy(content, site.inbox / name)
    time.sleep(4)  # eight settle delays
    assert site.documents() == [] and part.exists()
    part.rename(site.inbox / "card.jpg")
    wait_for(lambda: site.filed(src.read_bytes()), 60, "card.jpg to be filed")
    time.sleep(1)
    assert w.stop() == 0, w.stderr()

    [doc] = site.documents()
    assert doc.status == "filed" and doc.name == truth(src.name)["customer"] and doc.match_method == "legal_rep"
    assert [ln.split()[0] for ln in w.lines("card.jpg")] == ["filed"]
    assert site.inbox_files() == sorted(ignored)  # temporary and system files left alone
    assert "card.jpg.part" not in w.stdout() + w.stderr()


def test_the_same_file_dropped_twice_is_filed_once(site, watch):
    """Two copies at once with two OCR workers, then the first name again (same bytes, same
    mtime, so the same path+size+mtime as the first drop): one filing, two duplicates."""
    src = SAMPLES / "business_licence_02.jpg"
    w = watch(site, jobs=2)
    shutil.copy2(src, site.inbox / "a.jpg")
    shutil.copy2(src, site.inbox / "b.jpg")
    wait_for(lambda: site.inbox_files() == [], 90, "both copies to be taken")
    shutil.copy2(src, site.inbox / "a.jpg")
    wait_for(lambda: site.inbox_files() == [] and len(w.lines("a.jpg")) == 2, 60, "the third copy")
    assert w.stop() == 0, w.stderr()

    [doc] = site.documents()
    assert doc.sha256 == sha(src.read_bytes()) and doc.status == STATUS[src.name] and doc.name == truth(src.name)["customer"]
    assert len(site.objects()) == 1
    statuses = sorted(ln.split()[0] for ln in w.lines("a.jpg") + w.lines("b.jpg"))
    assert statuses == sorted(["duplicate", "duplicate", STATUS[src.name]]), w.stdout()
    assert w.stdout().splitlines()[-1] == f"stopped: 3 files: 2 duplicate, 1 {STATUS[src.name]}"


def test_a_customer_subfolder_is_a_customer_hint(site, watch):
    """id_card_02's holder is not the CRM's legal rep for her company, so the card alone
    is not matched (the copy dropped at the top goes to 待确认/); dropped in a subfolder
    named after the customer it is filed under that customer. The inbox is also given a
    department of its own, which the customer's new archive number takes."""
    with (site.root / "dossier.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[dossier.folders]]\npath = "watch_dirs/inbox"\ndepartment = "KYC"\n')
    src = SAMPLES / "id_card_02.jpg"
    customer = truth(src.name)["customer"]
    (site.inbox / customer).mkdir()
    hinted = src.read_bytes()
    plain = hinted + b"\0"  # other bytes, the same card: not a duplicate
    w = watch(site)
    (site.inbox / "card.jpg").write_bytes(plain)
    (site.inbox / customer / "card.jpg").write_bytes(hinted)
    wait_for(lambda: site.filed(hinted) and site.filed(plain), 90, "both cards to be filed")
    assert w.stop() == 0, w.stderr()

    [without] = site.filed(plain)
    assert without.status == "needs_review" and without.name is None and without.archive_key.startswith("待确认/")
    [with_hint] = site.filed(hinted)
    assert with_hint.status == "filed" and with_hint.match_method == "hint" and with_hint.name == customer
    assert with_hint.archive_key.startswith(key_folder(customer) + "/")
    assert with_hint.archive_no == f"{dt.date.today().year}-KYC-001"
    assert (site.root / "archive" / (with_hint.archive_key + ".age")).exists()
    assert site.inbox_files() == []


def test_sigterm_finishes_the_document_in_flight_and_stops(site, watch):
    """Two files, one OCR worker: SIGTERM while the first is being read. It is filed, the
    second is not taken, the exit is clean with a summary; the next start files the second."""
    first, second = SAMPLES / "business_licence_02.jpg", SAMPLES / "id_card_01.jpg"
    w = watch(site)
    shutil.copy(first, site.inbox / "first.jpg")
    shutil.copy(second, site.inbox / "second.jpg")
    taken = wait_for(lambda: [n for n in ("first.jpg", "second.jpg") if f"taking {n}" in w.stderr()], 30, "a file to be taken")
    w.proc.send_signal(signal.SIGTERM)
    assert site.documents() == []  # still being read when the signal went
    assert w.proc.wait(timeout=90) == 0, w.stderr()

    [name] = taken
    left = "second.jpg" if name == "first.jpg" else "first.jpg"
    sources = {"first.jpg": first, "second.jpg": second}
    [doc] = site.documents()
    status = STATUS[sources[name].name]
    assert doc.sha256 == sha(sources[name].read_bytes()) and doc.status == status
    assert [ln.split()[0] for ln in w.lines(name)] == [status]
    assert site.inbox_files() == [left] and (site.inbox / left).read_bytes() == sources[left].read_bytes()
    assert "SIGTERM" in w.stderr()
    assert w.stdout().splitlines()[-1] == f"stopped: 1 files: 1 {status}"

    again = watch(site)
    wait_for(lambda: site.filed(sources[left].read_bytes()), 60, f"{left} to be filed at the next start")
    assert again.stop() == 0
    assert site.inbox_files() == [] and len(site.documents()) == 2


def test_folder_settings_load_and_old_configs_still_do(tmp_path):
    """[[dossier.folders]] tables: watched like watch_dirs, their settings found for a
    file in them; a config without them loads as before; a wrong one is refused."""
    from extractors.errors import UsageError
    from ingest.config import load_settings
    from ingest.pipeline import folder_hints

    cfg = tmp_path / "dossier.toml"
    cfg.write_text('[dossier]\nwatch_dirs = ["in"]\n', encoding="utf-8")
    old = load_settings(cfg)
    assert old.watch_dirs == (tmp_path / "in",) and old.folders == ()
    assert folder_hints(tmp_path / "in" / "杭州星澜" / "x.jpg", old) == {"customer": "杭州星澜"}
    assert folder_hints(tmp_path / "in" / "x.jpg", old) == {}
    assert folder_hints(tmp_path / "elsewhere" / "杭州星澜" / "x.jpg", old) == {}

    cfg.write_text(
        '[dossier]\nwatch_dirs = ["in"]\n\n[[dossier.folders]]\npath = "share"\npolling = true\n'
        'department = "fin"\ndoc_type = "bank_account_proof"\ncustomer = "上海合润食品有限公司"\n',
        encoding="utf-8",
    )
    s = load_settings(cfg)
    assert s.watch_dirs == (tmp_path / "in", tmp_path / "share")
    [share] = s.folders
    assert share.path == tmp_path / "share" and share.polling and share.department == "FIN"
    assert folder_hints(tmp_path / "share" / "x.pdf", s) == {"customer": "上海合润食品有限公司", "doc_type": "bank_account_proof", "department": "FIN"}
    assert folder_hints(tmp_path / "share" / "北京信铭" / "x.pdf", s)["customer"] == "北京信铭"

    cfg.write_text('[dossier]\n\n[[dossier.folders]]\npath = "x"\ndoc_type = "novel"\n', encoding="utf-8")
    with pytest.raises(UsageError):
        load_settings(cfg)
    cfg.write_text('[dossier]\n\n[[dossier.folders]]\npath = "x"\nspeed = 3\n', encoding="utf-8")
    with pytest.raises(UsageError):
        load_settings(cfg)
