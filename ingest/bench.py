"""Benchmarks: measured, never asserted in unit tests (the machine is noisy).

`accuracy`: extraction over a labelled folder (each document `X.ext` with ground truth
`X.json` as samples/generate.py writes it) scored per field and per document type.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from extractors.fields import extract
from extractors.ocr import OcrEngine
from extractors.reading import read_document, receive

# Ground-truth keys that are printed but not extracted (yet).
UNSCORED = {"company_type", "title"}
CODE_FIELDS = {"uscc", "id_number", "principal_uscc", "agent_id_number", "holder_uscc"}


@dataclass
class FieldScore:
    exact: int = 0
    total: int = 0
    unreadable: int = 0  # no value given (None): honest, but a miss
    wrong_but_valid: int = 0  # a code that passed its check and is not the true one
    edits: int = 0  # Levenshtein distance summed, for the character error rate
    chars: int = 0

    def add(self, got, want) -> None:
        self.total += 1
        g, w = ("" if got is None else str(got)), str(want)
        self.exact += g == w
        self.unreadable += got is None
        self.edits += Levenshtein.distance(g, w)
        self.chars += max(1, len(w))


@dataclass
class AccuracyReport:
    fields: dict[str, FieldScore] = field(default_factory=lambda: defaultdict(FieldScore))
    types: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    prep: list[float] = field(default_factory=list)
    ocr: list[float] = field(default_factory=list)
    rest: list[float] = field(default_factory=list)


def accuracy(folder: Path, engine: OcrEngine, today: dt.date) -> AccuracyReport:
    report = AccuracyReport()
    for truth_path in sorted(folder.rglob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if "doc_type" not in truth:
            continue
        doc = next((p for p in truth_path.parent.glob(truth_path.stem + ".*") if p.suffix != ".json"), None)
        if doc is None:
            continue
        t0 = time.perf_counter()
        ocr = read_document(receive(doc), engine)
        t1 = time.perf_counter()
        ex = extract(ocr, today=today)
        t2 = time.perf_counter()
        scanned = [p for p in ocr.pages if p.source.startswith("ocr:")]
        if scanned:  # a text-layer PDF costs nothing and would flatter the figures
            prep = sum(p.prep_seconds for p in scanned)
            ocr_s = sum(p.ocr_seconds for p in scanned)
            n = len(scanned)
            report.prep.append(prep / n)
            report.ocr.append(ocr_s / n)
            report.rest.append(((t1 - t0) - prep - ocr_s + (t2 - t1)) / n)
        kind = truth["doc_type"]
        report.types[kind][0] += ex.doc_type == kind
        report.types[kind][1] += 1
        for name, want in truth["fields"].items():
            if name in UNSCORED:
                continue
            got = ex.value(name)
            score = report.fields[f"{kind}.{name}"]
            score.add(got, want)
            if name in CODE_FIELDS and got is not None and got != want:
                score.wrong_but_valid += 1
    return report


def format_accuracy(report: AccuracyReport) -> str:
    lines = [f"{'field':<44} {'exact':>8} {'CER':>7} {'unread':>7} {'wrong-valid':>11}"]
    for name, s in sorted(report.fields.items()):
        lines.append(
            f"{name:<44} {s.exact / s.total:>8.1%} {s.edits / s.chars:>7.2%} {s.unreadable:>7} {s.wrong_but_valid:>11}"
        )
    all_exact = sum(s.exact for s in report.fields.values())
    all_total = sum(s.total for s in report.fields.values())
    lines.append(f"{'all fields':<44} {all_exact}/{all_total} = {all_exact / max(1, all_total):.1%}")
    for kind, (right, n) in sorted(report.types.items()):
        lines.append(f"doc type {kind:<35} {right}/{n}")
    if report.ocr:
        med = statistics.median
        total = med([p + o + r for p, o, r in zip(report.prep, report.ocr, report.rest, strict=True)])
        lines.append(
            f"median s/page (scanned pages: {len(report.ocr)}): {total:.2f} = preparation {med(report.prep):.2f}"
            f" + OCR {med(report.ocr):.2f} + the rest {med(report.rest):.2f}"
        )
    return "\n".join(lines)


def encryption(size_mb: int, workdir: Path) -> dict[str, float]:
    """Encrypt one file of `size_mb` random MiB three ways, each in its own process so its
    peak memory is its own: dossier's streaming path (LocalStore.put_new + encrypt_stream,
    as filing does it), and the `age` CLI on the same file. Returns seconds, MB/s and peak
    resident MB for each."""
    import os
    import shutil
    import subprocess
    import sys

    from .crypto import new_identity_file

    for tool, package in (("age", "age"), ("/usr/bin/time", "time")):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (apt-get install {package})")
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / "plain.bin"
    with src.open("wb") as fh:
        for _ in range(size_mb):
            fh.write(os.urandom(1 << 20))
    recipient = new_identity_file(workdir / f"identity-{os.getpid()}-{time.time_ns()}.txt")
    worker = (
        "import sys; from pathlib import Path; from ingest.crypto import encrypt_stream, parse_recipients;"
        "from ingest.storage import LocalStore;"
        "src, root, r = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3];"
        "LocalStore(root).put_new('bench/object', lambda fh: encrypt_stream(src.open('rb'), fh, parse_recipients((r,))))"
    )
    runs = {
        "dossier": [sys.executable, "-c", worker, str(src), str(workdir / "store"), recipient],
        "age CLI": ["age", "-r", recipient, "-o", str(workdir / "out.age"), str(src)],
    }
    results: dict[str, float] = {}
    for name, cmd in runs.items():
        # GNU time's %M is the exec'd program's own peak; a child's rusage measured from
        # here would include this Python process's memory, copied at fork.
        t0 = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - t0
        results[f"{name} s"] = seconds
        results[f"{name} MB/s"] = size_mb / seconds
        results[f"{name} peak MB"] = int(done.stderr.strip().splitlines()[-1]) / 1024  # KiB
    return results
