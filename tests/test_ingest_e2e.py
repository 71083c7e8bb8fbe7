"""The whole job through the real `dossier` command: init, CRM import, ingest of the sample
scans plus four bad files, decryption with the standard age CLI, and a re-run.

Expectations come from the samples' ground truth and the CRM export, not from dossier."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES
from extractors.parsing import company_form_difference, normalise_name

DOSSIER = str(Path(sys.executable).with_name("dossier"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([DOSSIER, *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def filed_lines(stdout: str) -> dict[str, tuple[str, str]]:
    """{source name: (status, key)} from ingest's one line per file."""
    out = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("filed", "needs_review", "duplicate", "quarantined", "retry"):
            key = line.split(" → ", 1)[1].split("  (", 1)[0] if " → " in line else ""
            out[parts[1]] = (parts[0], key)
    return out


def make_bad_files(inbox: Path) -> dict[str, str]:
    """Four files that cannot be processed, and a word their quarantine reason must hold."""
    import pikepdf

    (inbox / "empty.pdf").write_bytes(b"")
    (inbox / "notes.pdf").write_text("this is a text file, not a PDF\n", encoding="utf-8")
    jpeg = next(SAMPLES.glob("*.jpg")).read_bytes()
    (inbox / "cut.jpg").write_bytes(jpeg[: len(jpeg) // 3])
    with pikepdf.open(next(SAMPLES.glob("*.pdf"))) as pdf:
        pdf.save(inbox / "locked.pdf", encryption=pikepdf.Encryption(owner="owner-secret", user="user-secret"))
    return {"empty.pdf": "empty", "notes.pdf": "neither a PDF", "cut.jpg": "truncated", "locked.pdf": "password"}


@pytest.mark.ocr
def test_samples_are_filed_encrypted_and_bad_files_quarantined(tmp_path):
    assert run("init", "site", cwd=tmp_path).returncode == 0
    site = tmp_path / "site"
    identity = site / "keys" / "identity.txt"
    assert identity.stat().st_mode & 0o777 == 0o600
    assert (site / "keys" / "id-hash.key").stat().st_mode & 0o777 == 0o600

    imported = run("crm", "import", str(SAMPLES.parent / "crm.csv"), cwd=site)
    assert imported.returncode == 3, imported.stderr  # the export has bad rows on purpose
    assert "rejected row" in imported.stdout
    with (SAMPLES.parent / "crm.csv").open(encoding="utf-8-sig") as fh:
        crm = {r["统一社会信用代码"]: r["客户名称"] for r in csv.DictReader(fh) if r["客户名称"]}

    inbox = site / "watch_dirs" / "inbox"
    scans = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".png", ".jpg", ".pdf"))
    for p in scans:
        shutil.copy(p, inbox / p.name)
    # A second, different scan of the first licence (same name, other bytes): `+2`.
    rescan = next(p for p in scans if p.name.startswith("business_licence") and p.suffix == ".png")
    (inbox / f"rescan{rescan.suffix}").write_bytes(rescan.read_bytes() + b"\0")
    bad = make_bad_files(inbox)
    bad_bytes = {name: (inbox / name).read_bytes() for name in bad}

    result = run("ingest", cwd=site)
    assert result.returncode == 3, result.stdout + result.stderr  # some files quarantined
    lines = filed_lines(result.stdout)
    today = dt.date.today().strftime("%Y%m%d")

    # Nothing lost: every scan filed somewhere, every source gone from the inbox.
    for p in scans:
        status, key = lines[p.name]
        assert status in ("filed", "needs_review"), (p.name, status)
        assert not (inbox / p.name).exists()
        stored = site / "archive" / (key + ".age")
        assert stored.exists(), key
        plain = subprocess.run(["age", "-d", "-i", str(identity), str(stored)], capture_output=True, check=True).stdout
        assert plain == p.read_bytes(), f"{key} does not decrypt to {p.name}"

    # Licences are found by their USCC: filed under the CRM's name for that code, named
    # 客户名称+营业执照副本+<today>.
    for p in scans:
        truth = json.loads(p.with_suffix(".json").read_text(encoding="utf-8"))
        uscc = truth["fields"].get("uscc")
        if truth["doc_type"] == "business_licence" and uscc in crm:
            name = crm[uscc]
            folder, _, filename = lines[p.name][1].rpartition("/")
            assert folder == f"客户档案/{dt.date.today().year}/{name}"
            assert filename in (f"{name}+营业执照副本+{today}{p.suffix}", f"{name}+营业执照副本+{today}+2{p.suffix}")
        known = uscc in crm or any(
            normalise_name(truth["customer"]) == normalise_name(n) or company_form_difference(truth["customer"], n)
            for n in crm.values()
        )
        if not known:
            assert lines[p.name][1].startswith("待确认/"), p.name  # customer not in the CRM

    # Two different scans of one licence would have one name: one gets `+2`, none is overwritten.
    first, second = lines[rescan.name][1], lines[f"rescan{rescan.suffix}"][1]
    assert {first, second} == {first.removesuffix(rescan.suffix).removesuffix("+2") + s for s in (rescan.suffix, "+2" + rescan.suffix)}

    # Bad input: quarantined with a reason, byte for byte, and the run went on.
    quarantine = site / "watch_dirs" / "quarantine"
    for name, word in bad.items():
        assert lines[name][0] == "quarantined"
        assert (quarantine / name).read_bytes() == bad_bytes[name]
        reason = (quarantine / f"{name}.error.txt").read_text(encoding="utf-8")
        assert word in reason, reason

    # The same scan again is recognised, not filed twice.
    objects = sorted((site / "archive").rglob("*.age"))
    shutil.copy(scans[0], inbox / "again.png")
    again = run("ingest", cwd=site)
    assert again.returncode == 0
    assert filed_lines(again.stdout)["again.png"][0] == "duplicate"
    assert sorted((site / "archive").rglob("*.age")) == objects
    assert not (inbox / "again.png").exists()


def test_get_decrypts_and_audits(tmp_path):
    """`dossier get` with the identity writes the original back and records who read it."""
    assert run("init", "site", cwd=tmp_path).returncode == 0
    site = tmp_path / "site"
    pdf = next(SAMPLES.glob("*.pdf"))  # a text-layer PDF: no OCR needed
    shutil.copy(pdf, site / "watch_dirs" / "inbox" / pdf.name)
    assert run("ingest", cwd=site).returncode == 0
    out = tmp_path / "out.pdf"
    got = run("get", "1", "--identity", "keys/identity.txt", "-o", str(out), "--reason", "audit test", cwd=site)
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == pdf.read_bytes()
    wrong = tmp_path / "other.txt"
    from ingest.crypto import new_identity_file

    new_identity_file(wrong)
    denied = run("get", "1", "--identity", str(wrong), "-o", str(tmp_path / "x.pdf"), cwd=site)
    assert denied.returncode == 6 and "cannot decrypt" in denied.stderr
    assert not (tmp_path / "x.pdf").exists()

    from sqlalchemy import select

    from ingest.catalogue import AuditEntry, open_catalogue

    with open_catalogue(f"sqlite:///{site / 'catalogue.db'}")() as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "get")).all()
    assert [r.reason for r in reads] == ["audit test", ""]
