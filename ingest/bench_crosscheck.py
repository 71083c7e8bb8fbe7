"""Cross-check precision and recall on planted CRM disagreements.

samples/generate.py writes, beside its CRM export, `<crm>_planted.json`: the differences
planted in the export on purpose (another legal rep, 有限公司 for 有限责任公司, bracket
width, a customer with no row, invalid rows), each with the documents that show it and the
verdict a reviewer should see. `crosscheck` files the scans into a throw-away site with
that CRM, reads the review report, and scores it: a planted disagreement missing from the
report lowers recall; anything else reported as a disagreement lowers precision.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# Verdicts and finding kinds a reviewer reads as "the scan disagrees with the CRM".
DISAGREEING = {"mismatch", "minor", "missing_in_crm", "unreadable"}
# A planted `name` difference shows under the label the document type uses for the name.
NAME_LABELS = {"name", "party_a", "party_b", "principal", "holder", "account_name"}


@dataclass
class CrosscheckScore:
    expected: set = field(default_factory=set)  # (file, field group, verdict)
    reported: set = field(default_factory=set)
    rejected_rows_expected: set = field(default_factory=set)  # CRM lines
    rejected_rows: set = field(default_factory=set)

    @property
    def true_positives(self) -> set:
        return self.expected & self.reported

    @property
    def precision(self) -> float:
        hits = len(self.true_positives) + len(self.rejected_rows_expected & self.rejected_rows)
        total = len(self.reported) + len(self.rejected_rows)
        return hits / total if total else 1.0

    @property
    def recall(self) -> float:
        hits = len(self.true_positives) + len(self.rejected_rows_expected & self.rejected_rows)
        total = len(self.expected) + len(self.rejected_rows_expected)
        return hits / total if total else 1.0

    def format(self) -> str:
        lines = [
            f"planted disagreements: {len(self.expected)} on documents, {len(self.rejected_rows_expected)} invalid CRM rows",
            f"reported: {len(self.reported)} on documents, {len(self.rejected_rows)} CRM rows rejected",
            f"precision {self.precision:.1%}, recall {self.recall:.1%}",
        ]
        for miss in sorted(self.expected - self.reported):
            lines.append(f"  missed:   {miss}")
        for extra in sorted(self.reported - self.expected):
            lines.append(f"  extra:    {extra}")
        for row in sorted(self.rejected_rows_expected ^ self.rejected_rows):
            lines.append(f"  CRM row {row}: {'missed' if row in self.rejected_rows_expected else 'rejected, not planted'}")
        return "\n".join(lines)


# Which document types show a planted field (a planted entry lists every document of its
# customer; an account proof does not show the legal rep, an ID card not the company name).
SHOWS = {
    "name": {"business_licence", "authorization_letter", "qualification", "contract_first_page",
             "contract_signature_page", "bank_account_proof", "archive_cover"},
    "legal_rep": {"business_licence", "authorization_letter", "id_card"},
    "uscc": {"business_licence", "authorization_letter", "qualification"},
}
# Pages that do not name their customer at all (a contract's amount page): filed alone, no
# one can tell whose they are, so they are left out of the score, both ways.
ANONYMOUS_TYPES = {"contract_amount_page"}


def _group(field_name: str | None) -> str | None:
    return "name" if field_name in NAME_LABELS else field_name


def doc_type_of(filename: str) -> str:
    """samples/generate.py names files <doc_type>_<NN>[_variant].ext."""
    stem = filename.rsplit(".", 1)[0]
    parts = stem.split("_")
    while parts and not parts[-1].isdigit():
        parts.pop()
    return "_".join(parts[:-1]) if parts else stem


def expected_from_planted(planted: dict) -> tuple[set, set]:
    expected, rows = set(), set()
    for p in planted["planted"]:
        if p["expected"] == "invalid_row":
            if p.get("crm_line"):
                rows.add(p["crm_line"])
            continue
        for doc in p["documents"]:
            kind = doc_type_of(doc)
            if kind in ANONYMOUS_TYPES:
                continue
            if p["expected"] == "unknown_customer":
                expected.add((doc, "customer", "customer_unknown"))
            elif p["expected"] in DISAGREEING and kind in SHOWS.get(_group(p["field"]), ()):
                expected.add((doc, _group(p["field"]), p["expected"]))
    return expected, rows


@dataclass
class Site:
    """A throw-away dossier site the scans were filed into."""

    root: Path
    settings: object  # ingest.config.Settings
    sessions: object  # sessionmaker
    identity: Path
    rejected_rows: set  # CRM lines the import refused
    names: dict  # document id -> scan file name


def file_into_new_site(scans: Path, crm: Path, root: Path, *, engine: str = "rapidocr+tesseract", today: dt.date | None = None) -> Site:
    """A new site at `root` (catalogue, archive, key pair) with `crm` imported and every scan
    in `scans` filed, as `dossier init`, `crm import` and `ingest` would."""
    from extractors.ocr import make_engine

    from .catalogue import open_catalogue
    from .config import Settings
    from .crm_import import import_customers, read_table
    from .crypto import new_identity_file
    from .pipeline import expand_paths, make_context, process_file
    from .storage import open_store

    inbox = root / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    for f in sorted(scans.iterdir()):
        if f.suffix.lower() in (".jpg", ".jpeg", ".png", ".pdf", ".tif", ".tiff"):
            shutil.copy2(f, inbox / f.name)
    identity = root / "identity.txt"
    recipient = new_identity_file(identity)
    settings = Settings(watch_dirs=(inbox,), archive_root=root / "archive", database_url=f"sqlite:///{root / 'catalogue.db'}",
                        recipients=(recipient,), ocr_engine=engine)
    sessions = open_catalogue(settings.database_url)
    with sessions() as session:
        imported = import_customers(session, read_table(crm))
    ctx = make_context(settings, make_engine(engine), open_store(settings.archive_root), sessions, today or dt.date.today())
    names = {}
    for path in expand_paths([inbox]):
        out = process_file(path, ctx)
        if out.document_id is not None:
            names[out.document_id] = path.name
    return Site(root, settings, sessions, identity, {r.row for r in imported.rejected}, names)


def score_site(site: Site, planted: Path, today: dt.date) -> CrosscheckScore:
    """The site's review report against the planted disagreements."""
    from .report import collect

    with site.sessions() as session:
        report = collect(session, site.settings, today=today)
    score = CrosscheckScore()
    score.expected, score.rejected_rows_expected = expected_from_planted(json.loads(planted.read_text(encoding="utf-8")))
    score.rejected_rows = set(site.rejected_rows)
    for row in report.rows:
        doc = site.names.get(row.document_id, f"document {row.document_id}")
        if doc_type_of(doc) in ANONYMOUS_TYPES:
            continue
        if row.kind == "crm_comparison" and row.verdict in DISAGREEING:
            score.reported.add((doc, _group(row.field), row.verdict))
        elif row.kind == "customer_unknown":
            score.reported.add((doc, "customer", "customer_unknown"))
    return score


def crosscheck(scans: Path, crm: Path, planted: Path, *, engine: str = "rapidocr+tesseract", today: dt.date | None = None) -> CrosscheckScore:
    """File every scan in `scans` into a new site whose CRM is `crm`, and score the review
    report against `planted`."""
    day = today or dt.date.today()
    root = Path(tempfile.mkdtemp(prefix="dossier-crosscheck-"))
    try:
        return score_site(file_into_new_site(scans, crm, root, engine=engine, today=day), planted, day)
    finally:
        shutil.rmtree(root, ignore_errors=True)
