"""Benchmarks: measured, never asserted in unit tests (the machine is noisy).

`accuracy`: extraction over a labelled folder (each document `X.ext` with ground truth
`X.json` as samples/generate.py writes it) scored per field, per document type, per field
group (codes on clean and on degraded pages, names, addresses, dates) with every miss listed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from extractors.fields import extract
from extractors.ocr import OcrEngine, make_engine
from extractors.reading import read_document, receive

# Ground-truth keys that are printed but not scored: the page title.
UNSCORED = {"title"}
CODE_FIELDS = {"uscc", "id_number", "principal_uscc", "agent_id_number", "holder_uscc"}
# The groups (#3 "done when"): customer names and legal reps, addresses, dates.
NAME_FIELDS = {"name", "legal_rep", "party_a", "party_b", "principal", "holder", "account_name", "agent_name"}
ADDRESS_FIELDS = {"address"}
DATE_FIELDS = {"established", "term_start", "term_end", "issue_date", "birth_date", "valid_from", "valid_to",
               "sign_date", "archive_date"}
# Degradations a clean office scan does not have (samples/generate.py's --hard mix and more).
HEAVY = ("seal_over", "photocopy", "shadow", "perspective", "skew", "rotate", "photo")


def condition(truth: dict) -> str:
    """'clean' or 'degraded', from the recipe recorded in the ground truth."""
    if truth.get("condition"):
        return truth["condition"]
    specs = truth.get("degradations", [])
    heavy = any(s.startswith(HEAVY) for s in specs)
    low_jpeg = any(s.startswith("jpeg(") and float(s[5:-1]) < 60 for s in specs)
    return "degraded" if heavy or low_jpeg else "clean"


def _canon(text: str) -> str:
    """Bracket width is not significant (SPEC.md: （）↔ () normalise before comparing)."""
    return text.replace("(", "（").replace(")", "）")


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
        g, w = _canon("" if got is None else str(got)), _canon(str(want))
        self.exact += g == w
        self.unreadable += got is None
        self.edits += Levenshtein.distance(g, w)
        self.chars += max(1, len(w))

    def merge(self, other: "FieldScore") -> None:
        for k in ("exact", "total", "unreadable", "wrong_but_valid", "edits", "chars"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def _right_of() -> list[int]:
    """[right, of]: a module-level factory, so reports pickle between processes."""
    return [0, 0]


@dataclass(frozen=True)
class Miss:
    document: str
    field: str
    got: object
    want: object


@dataclass
class AccuracyReport:
    fields: dict[str, FieldScore] = field(default_factory=lambda: defaultdict(FieldScore))
    groups: dict[str, FieldScore] = field(default_factory=lambda: defaultdict(FieldScore))
    types: dict[str, list[int]] = field(default_factory=lambda: defaultdict(_right_of))
    misses: list[Miss] = field(default_factory=list)
    prep: list[float] = field(default_factory=list)
    ocr: list[float] = field(default_factory=list)
    rest: list[float] = field(default_factory=list)
    documents: int = 0


def labelled_documents(folder: Path) -> list[tuple[Path, Path]]:
    """(document, ground truth) pairs under `folder`."""
    pairs = []
    for truth_path in sorted(folder.rglob("*.json")):
        doc = next((p for p in truth_path.parent.glob(truth_path.stem + ".*") if p.suffix != ".json"), None)
        if doc is not None:
            pairs.append((doc, truth_path))
    return pairs


def score_document(doc: Path, truth: dict, engine: OcrEngine, today: dt.date) -> AccuracyReport:
    """One document read, extracted and scored: a report of its own, merged by the caller."""
    report = AccuracyReport(documents=1)
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
    if ex.doc_type != kind:
        report.misses.append(Miss(doc.name, "doc_type", ex.doc_type, kind))
    cond = condition(truth)
    for name, want in truth["fields"].items():
        if name in UNSCORED:
            continue
        got = ex.value(name)
        score = FieldScore()
        score.add(got, want)
        if name in CODE_FIELDS and got is not None and got != want:
            score.wrong_but_valid += 1
        report.fields[f"{kind}.{name}"].merge(score)
        for group in _groups(name, cond):
            report.groups[group].merge(score)
        if score.exact == 0:
            report.misses.append(Miss(doc.name, name, got, want))
    return report


def _groups(name: str, cond: str) -> list[str]:
    out = []
    if name in CODE_FIELDS:
        out.append(f"codes (USCC, ID number), {cond}")
    if name in NAME_FIELDS:
        out.append("names and legal reps")
    if name in ADDRESS_FIELDS:
        out.append("addresses")
    if name in DATE_FIELDS:
        out.append("dates")
    return out


def merge(into: AccuracyReport, part: AccuracyReport) -> None:
    for k, s in part.fields.items():
        into.fields[k].merge(s)
    for k, s in part.groups.items():
        into.groups[k].merge(s)
    for k, (right, n) in part.types.items():
        into.types[k][0] += right
        into.types[k][1] += n
    into.misses.extend(part.misses)
    into.prep += part.prep
    into.ocr += part.ocr
    into.rest += part.rest
    into.documents += part.documents


_worker_engine: OcrEngine | None = None


def _worker_init(engine_name: str) -> None:
    global _worker_engine
    _worker_engine = make_engine(engine_name)


def _worker_score(args: tuple[str, str, str]) -> AccuracyReport:
    doc, truth_path, today = args
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    return score_document(Path(doc), truth, _worker_engine, dt.date.fromisoformat(today))


def accuracy(folder: Path, engine: OcrEngine | str, today: dt.date, jobs: int = 1) -> AccuracyReport:
    """Score every labelled document under `folder`. With `jobs` > 1, documents are spread
    over that many processes, each with its own engine (`engine` must then be a name) and
    each timed on its own core."""
    report = AccuracyReport()
    pairs = []
    for doc, truth_path in labelled_documents(folder):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if "doc_type" in truth:
            pairs.append((doc, truth_path, truth))
    if jobs > 1:
        if not isinstance(engine, str):
            raise TypeError("accuracy(jobs > 1) needs the engine's name: each process makes its own")
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        with ProcessPoolExecutor(jobs, initializer=_worker_init, initargs=(engine,)) as pool:
            args = [(str(d), str(t), today.isoformat()) for d, t, _ in pairs]
            for part in pool.map(_worker_score, args, chunksize=1):
                merge(report, part)
        return report
    eng = make_engine(engine) if isinstance(engine, str) else engine
    for doc, _, truth in pairs:
        merge(report, score_document(doc, truth, eng, today))
    return report


def format_accuracy(report: AccuracyReport, show_misses: bool = False) -> str:
    lines = [f"{'field':<44} {'exact':>8} {'CER':>7} {'unread':>7} {'wrong-valid':>11}"]

    def row(name: str, s: FieldScore) -> str:
        return (f"{name:<44} {s.exact / s.total:>8.1%} {s.edits / s.chars:>7.2%} {s.unreadable:>7}"
                f" {s.wrong_but_valid:>11}   ({s.exact}/{s.total})")

    for name, s in sorted(report.fields.items()):
        lines.append(row(name, s))
    lines.append("")
    for name, s in sorted(report.groups.items()):
        lines.append(row(name, s))
    all_exact = sum(s.exact for s in report.fields.values())
    all_total = sum(s.total for s in report.fields.values())
    lines.append(f"{'all fields':<44} {all_exact}/{all_total} = {all_exact / max(1, all_total):.1%}")
    right = sum(r for r, _ in report.types.values())
    n = sum(n for _, n in report.types.values())
    for kind, (r, k) in sorted(report.types.items()):
        lines.append(f"doc type {kind:<35} {r}/{k}")
    lines.append(f"{'doc type, all':<44} {right}/{n} = {right / max(1, n):.1%}")
    if report.ocr:
        med = statistics.median
        totals = [p + o + r for p, o, r in zip(report.prep, report.ocr, report.rest, strict=True)]
        non_ocr = sum(report.prep) + sum(report.rest)
        lines.append(
            f"median s/page (scanned pages: {len(report.ocr)}): {med(totals):.2f} = preparation {med(report.prep):.2f}"
            f" + OCR {med(report.ocr):.2f} + the rest {med(report.rest):.2f};"
            f" not OCR: {non_ocr / sum(totals):.1%} of all time"
        )
    if show_misses and report.misses:
        lines.append("")
        lines.append("misses (document, field: got / want):")
        for m in sorted(report.misses, key=lambda m: (m.field, m.document)):
            lines.append(f"  {m.document:<40} {m.field:<18} {m.got!r} / {m.want!r}")
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
