"""Crash soak: kill `dossier ingest` with SIGKILL at random moments, restart it, and show
that nothing is lost or doubled (issue #5).

    .venv/bin/python scripts/crash_soak.py --files 200 --seed 1

Files are copies of the sample text-layer PDF made unique by a trailing PDF comment, so
the run measures the filing path (catalogue, age, store, inbox), not OCR. At the end every
source must be filed exactly once: one catalogue row and one object per SHA-256, no row left
half-filed, no orphan object, the inbox empty, and `dossier verify -i` clean.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOSSIER = str(Path(sys.executable).with_name("dossier"))
SAMPLE = next((REPO / "samples" / "scans").glob("*.pdf"))


def _empty_run_seconds(workdir: Path) -> float:
    """Wall time of `dossier ingest` with nothing to do: the start-up every run pays."""
    subprocess.run([DOSSIER, "init", "empty"], cwd=workdir, check=True, capture_output=True)
    t0 = time.perf_counter()
    subprocess.run([DOSSIER, "ingest"], cwd=workdir / "empty", check=True, capture_output=True)
    return time.perf_counter() - t0


def soak(workdir: Path, files: int, seed: int, max_kill_after: float = 1.5) -> dict:
    """Fill an inbox with `files` distinct PDFs and run `dossier ingest` until it is empty,
    SIGKILLing each run at a random moment up to `max_kill_after` seconds past start-up."""
    rng = random.Random(seed)
    subprocess.run([DOSSIER, "init", "site"], cwd=workdir, check=True, capture_output=True)
    site = workdir / "site"
    inbox = site / "watch_dirs" / "inbox"
    base = SAMPLE.read_bytes()
    shas = set()
    for i in range(files):
        data = base + f"\n%crash-soak {seed} {i}\n".encode()
        (inbox / f"scan{i:04d}.pdf").write_bytes(data)
        shas.add(hashlib.sha256(data).hexdigest())

    # Kill windows count from the end of start-up (imports, loading the OCR models), timed
    # on an empty site here: on a loaded machine start-up alone took longer than the whole
    # window, every run died before filing anything, and the soak proved nothing.
    startup = _empty_run_seconds(workdir)
    kills = 0
    runs = 0
    while any(inbox.iterdir()) and runs < 10 * files:
        runs += 1
        proc = subprocess.Popen([DOSSIER, "ingest"], cwd=site, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            proc.wait(timeout=rng.uniform(0.05, startup + max_kill_after))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
    left_in_inbox = sorted(p.name for p in inbox.iterdir())

    db = sqlite3.connect(site / "catalogue.db")
    rows = db.execute("select sha256, archive_key, status from documents").fetchall()
    objects = sorted(str(p.relative_to(site / "archive"))[: -len(".age")] for p in (site / "archive").rglob("*.age") if ".incoming" not in p.parts)
    stray_temp = len(list((site / "archive" / ".incoming").glob("*"))) if (site / "archive" / ".incoming").exists() else 0
    verify = subprocess.run([DOSSIER, "verify", "-i", "keys/identity.txt"], cwd=site, capture_output=True, text=True)
    return {
        "files": files,
        "seed": seed,
        "ingest_runs": runs,
        "sigkills": kills,
        "left_in_inbox": len(left_in_inbox),
        "catalogued": len(rows),
        "catalogued_distinct_sha": len({r[0] for r in rows}),
        "sources_catalogued": len(shas & {r[0] for r in rows}),
        "half_filed_rows": sum(1 for r in rows if r[2] == "filing"),
        "objects": len(objects),
        "orphan_objects": len(set(objects) - {r[1] for r in rows}),
        "stray_temp_files": stray_temp,
        "verify_exit": verify.returncode,
        "verify_summary": verify.stdout.strip().splitlines()[-1] if verify.stdout.strip() else verify.stderr.strip(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-kill-after", type=float, default=1.5, help="kill each run after a random 0.05 s .. start-up time + this many seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="dossier-soak-") as tmp:
        t0 = time.perf_counter()
        result = soak(Path(tmp), args.files, args.seed, args.max_kill_after)
        result["seconds"] = round(time.perf_counter() - t0, 1)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    ok = (
        result["left_in_inbox"] == 0
        and result["catalogued"] == result["catalogued_distinct_sha"] == result["sources_catalogued"] == args.files
        and result["objects"] == args.files
        and result["orphan_objects"] == 0
        and result["half_filed_rows"] == 0
        and result["verify_exit"] == 0
    )
    print("OK: every source filed exactly once" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
