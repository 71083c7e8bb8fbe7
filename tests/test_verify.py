"""`dossier verify` on a real archive: clean when untouched; a flipped byte, a deleted
object and a stray object are each found, with and without the identity."""

from __future__ import annotations

import shutil
import subprocess

from conftest import DOSSIER, SAMPLES
from conftest import run_dossier as run



def test_verify_finds_corrupt_missing_and_orphaned(tmp_path):
    subprocess.run([DOSSIER, "init", "site"], cwd=tmp_path, check=True, capture_output=True)
    site = tmp_path / "site"
    inbox = site / "watch_dirs" / "inbox"
    pdf = next(SAMPLES.glob("*.pdf"))  # text layers: no OCR needed
    shutil.copy(pdf, inbox / "a.pdf")
    (inbox / "b.pdf").write_bytes(pdf.read_bytes() + b"\n%another scan\n")
    (inbox / "c.pdf").write_bytes(pdf.read_bytes() + b"\n%a third scan\n")
    assert run(site, "ingest").returncode == 0

    for args in ((), ("-i", "keys/identity.txt")):
        clean = run(site, "verify", *args)
        assert clean.returncode == 0, clean.stdout
        assert "3 files checked" in clean.stdout

    objects = sorted((site / "archive").rglob("*.age"))
    flipped, deleted = objects[0], objects[1]
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0x01
    flipped.write_bytes(bytes(data))
    deleted.unlink()
    stray = site / "archive" / "客户档案" / "2026" / "stray.pdf.age"
    stray.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(objects[2], stray)

    for args in ((), ("-i", "keys/identity.txt")):
        out = run(site, "verify", *args)
        assert out.returncode == 16 + 1 + 2 + 4
        rel = lambda p: str(p.relative_to(site / "archive")).removesuffix(".age")  # noqa: E731
        assert f"corrupt   {rel(flipped)}" in out.stdout
        assert f"missing   {rel(deleted)}" in out.stdout
        assert f"orphaned  {rel(stray)}" in out.stdout
        assert "1 missing, 1 corrupt, 1 orphaned" in out.stdout
    # Reading the damaged file says so, and writes nothing.
    got = run(site, "get", rel(flipped), "-i", "keys/identity.txt", "-o", str(tmp_path / "out.pdf"))
    assert got.returncode == 5 and "corrupt" in got.stderr
    assert not (tmp_path / "out.pdf").exists()


def test_audit_answers_who_read_what_and_when(tmp_path):
    import os

    subprocess.run([DOSSIER, "init", "site"], cwd=tmp_path, check=True, capture_output=True)
    site = tmp_path / "site"
    crm = site / "crm.csv"
    pdf = next(SAMPLES.glob("*.pdf"))
    truth = __import__("json").loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    crm.write_text(f"客户名称,统一社会信用代码\n{truth['customer']},{truth['fields']['uscc']}\n", encoding="utf-8")
    assert run(site, "crm", "import", "crm.csv").returncode == 0
    shutil.copy(pdf, site / "watch_dirs" / "inbox" / "a.pdf")
    assert run(site, "ingest").returncode == 0
    env = {**os.environ, "DOSSIER_USER": "档案员王"}
    subprocess.run([DOSSIER, "get", "1", "-i", "keys/identity.txt", "-o", str(tmp_path / "o.pdf"), "--reason", "年检"], cwd=site, env=env, check=True, capture_output=True)

    reads = run(site, "audit", "--action", "get")
    assert reads.returncode == 0
    assert "档案员王" in reads.stdout and "why: 年检" in reads.stdout and truth["customer"] in reads.stdout
    assert "1 entries" in reads.stdout
    by_customer = run(site, "audit", "--customer", truth["fields"]["uscc"])
    actions = [line.split()[3] for line in by_customer.stdout.splitlines()[:-1]]
    assert actions == ["open_archive", "file", "get"]
    assert "0 entries" in run(site, "audit", "--by", "nobody").stdout
    assert "0 entries" in run(site, "audit", "--since", "2999-01-01").stdout
    assert run(site, "audit", "--since", "yesterday").returncode == 2


def test_exit_code_says_which_problems():
    from ingest.verify import VerifyReport

    assert VerifyReport().exit_code == 0
    assert VerifyReport(missing=["k"]).exit_code == 17
    assert VerifyReport(corrupt=[("k", "why")]).exit_code == 18
    assert VerifyReport(orphaned=["k"]).exit_code == 20
