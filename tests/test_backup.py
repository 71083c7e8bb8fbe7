"""Full + two incrementals to an off-site folder → archive and catalogue wiped → restore →
`dossier verify -i` clean: every file back, byte for byte (issue #5)."""

from __future__ import annotations

import shutil
import subprocess

from conftest import DOSSIER, SAMPLES
from conftest import run_dossier as run



def test_full_and_incrementals_restore_byte_for_byte(tmp_path):
    subprocess.run([DOSSIER, "init", "site"], cwd=tmp_path, check=True, capture_output=True)
    site = tmp_path / "site"
    inbox = site / "watch_dirs" / "inbox"
    offsite = tmp_path / "offsite"
    pdf = next(SAMPLES.glob("*.pdf")).read_bytes()  # text layers: no OCR needed

    def scan(i: int) -> None:
        (inbox / f"s{i}.pdf").write_bytes(pdf + f"\n%scan {i}\n".encode())
        assert run(site, "ingest").returncode == 0

    assert run(site, "backup", "--to", str(offsite)).returncode == 2  # incremental before any full
    for i in range(3):
        scan(i)
    full = run(site, "backup", "--full", "--to", str(offsite))
    assert full.returncode == 0 and "3 objects copied" in full.stdout, full.stdout + full.stderr
    scan(3)
    assert "1 objects copied, 4 in the archive" in run(site, "backup", "--incremental", "--to", str(offsite)).stdout
    scan(4)
    scan(5)
    assert "2 objects copied, 6 in the archive" in run(site, "backup", "--to", str(offsite)).stdout
    originals = {p.relative_to(site / "archive"): p.read_bytes() for p in (site / "archive").rglob("*.age")}
    assert len(originals) == 6

    # The backup holds nothing readable without the key.
    for p in offsite.rglob("*"):
        if p.is_file():
            assert p.read_bytes().startswith(b"age-encryption.org/v1")

    shutil.rmtree(site / "archive")
    for db in site.glob("catalogue.db*"):
        db.unlink()
    restored = run(site, "restore", "--from", str(offsite), "-i", "keys/identity.txt")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert {p.relative_to(site / "archive"): p.read_bytes() for p in (site / "archive").rglob("*.age")} == originals
    check = run(site, "verify", "-i", "keys/identity.txt")
    assert check.returncode == 0 and "6 files checked" in check.stdout, check.stdout
    # The restored catalogue knows its backups: the chain continues.
    scan(6)
    assert "1 objects copied, 7 in the archive" in run(site, "backup", "--to", str(offsite)).stdout
    # And restore never merges into a live catalogue.
    assert run(site, "restore", "--from", str(offsite), "-i", "keys/identity.txt").returncode == 2


def test_restore_into_postgresql_continues_its_ids(tmp_path, postgres_url):
    from sqlalchemy import func, select

    from ingest.backup import restore
    from ingest.catalogue import AuditEntry, Document, audit, open_catalogue
    from ingest.crypto import load_identities
    from ingest.storage import LocalStore, open_store_url

    subprocess.run([DOSSIER, "init", "site"], cwd=tmp_path, check=True, capture_output=True)
    site = tmp_path / "site"
    shutil.copy(next(SAMPLES.glob("*.pdf")), site / "watch_dirs" / "inbox" / "a.pdf")
    assert run(site, "ingest").returncode == 0
    assert run(site, "backup", "--full", "--to", str(tmp_path / "offsite")).returncode == 0

    sessions = open_catalogue(postgres_url)
    restore(sessions, LocalStore(tmp_path / "archive2"), open_store_url(str(tmp_path / "offsite")), load_identities(site / "keys" / "identity.txt"))
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Document)) == 1
        before = s.scalar(select(func.max(AuditEntry.id)))
        audit(s, "test", "after_restore")  # a new row must not collide with a restored id
        s.commit()
        assert s.scalar(select(func.max(AuditEntry.id))) == before + 1
