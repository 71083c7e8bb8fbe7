"""The reviewers' report: every finding on every document, each disputed value beside the
CRM's with the crop of the page it was read from, and each customer's completeness.

`collect` reads the catalogue into plain records (`Report`); the writers turn one `Report`
into HTML (offline, one file), XLSX, CSV or JSON, so the four forms always hold the same
rows. Crops are decrypted only when an identity is given, and that is audited.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchers.completeness import CustomerFacts, checklist
from matchers.findings import file_findings
from matchers.records import ChecklistItem, FiledDoc
from matchers.records import Finding as FindingRecord
from matchers.risk import high_risk_reasons, industry_words

from .catalogue import Customer, Document, EvidenceCrop, Finding, ReviewDecision, audit
from .config import Settings
from .evidence import open_crop

# The columns of a finding row, in the order CSV and XLSX show them.
COLUMNS = (
    "document_id", "customer", "manager", "doc_type", "archive_key", "kind", "field", "verdict",
    "scan_value", "crm_value", "score", "message", "blocking", "decision", "decided_by",
)
STATUSES = ("open", "decided")


@dataclass(frozen=True)
class ReportRow:
    document_id: int
    customer_id: int | None
    customer: str  # the CRM name, or 待确认 when no customer matched
    manager: str
    doc_type: str
    archive_key: str
    kind: str
    field: str | None
    verdict: str | None
    scan_value: str | None
    crm_value: str | None
    score: float | None
    message: str
    blocking: bool
    decision: str | None = None
    decided_by: str | None = None
    crop_id: int | None = None

    @property
    def status(self) -> str:
        return "decided" if self.decision else "open"

    def cells(self) -> list:
        return [getattr(self, c) if c != "blocking" else ("yes" if self.blocking else "") for c in COLUMNS]


@dataclass(frozen=True)
class CustomerSummary:
    customer_id: int
    name: str
    manager: str
    archive_no: str | None
    checklist: tuple[ChecklistItem, ...]
    risk: tuple[str, ...]

    @property
    def status(self) -> str:
        """overdue if any item is, due if any is, else ok."""
        states = {i.status for i in self.checklist}
        return "overdue" if "overdue" in states else "due" if "due" in states else "ok"


@dataclass(frozen=True)
class Report:
    made_at: str
    today: dt.date
    rows: tuple[ReportRow, ...]
    customers: tuple[CustomerSummary, ...]
    crops: dict[int, bytes] = field(default_factory=dict, compare=False, repr=False)  # crop id -> PNG


def collect(session: Session, settings: Settings, *, today: dt.date, manager: str | None = None, status: str | None = None) -> Report:
    """Everything a reviewer needs, from the catalogue: one row per finding (stored when
    filed, plus those that need the customer's whole file), and each customer's checklist
    and risk flags. `manager` and `status` (open | decided) filter the rows and customers."""
    customers = {c.id: c for c in session.scalars(select(Customer))}
    docs = [d for d in session.scalars(select(Document).where(Document.status != "filing").order_by(Document.id))]
    decisions: dict[int, ReviewDecision] = {}
    for dec in session.scalars(select(ReviewDecision).order_by(ReviewDecision.id)):
        decisions[dec.document_id] = dec
    crops = {(c.document_id, c.field): c.id for c in session.execute(select(EvidenceCrop.id, EvidenceCrop.document_id, EvidenceCrop.field)).all()}
    filed = {d.id: _filed_doc(d) for d in docs}
    by_customer: dict[int, list[Document]] = {}
    for d in docs:
        if d.customer_id is not None:
            by_customer.setdefault(d.customer_id, []).append(d)

    computed: dict[int, list] = {}
    summaries = []
    for cid, cdocs in sorted(by_customer.items()):
        c = customers[cid]
        fdocs = [filed[d.id] for d in cdocs]
        computed.update(file_findings(fdocs, [c.legal_rep] if c.legal_rep else []))
        risk = high_risk_reasons(c.name, c.industry, c.address, fdocs, settings.sensitive_industries)
        facts = CustomerFacts(
            legal_rep=c.legal_rep, has_contract=bool(c.contract_nos),
            needs_permit=bool(industry_words(settings.permit_industries, c.industry, c.name)), high_risk=bool(risk),
        )
        summaries.append(CustomerSummary(cid, c.name, c.manager or "", c.archive_no, tuple(checklist(fdocs, facts, today=today)), tuple(risk)))

    rows = []
    stored = session.scalars(select(Finding).order_by(Finding.document_id, Finding.id))
    by_doc: dict[int, list] = {}
    for f in stored:
        by_doc.setdefault(f.document_id, []).append(f)
    for d in docs:
        c = customers.get(d.customer_id) if d.customer_id else None
        dec = decisions.get(d.id)
        base = dict(
            document_id=d.id, customer_id=d.customer_id, customer=c.name if c else "待确认", manager=(c.manager or "") if c else "",
            doc_type=d.doc_type, archive_key=d.archive_key,
        )
        for f in [*map(_record, by_doc.get(d.id, [])), *computed.get(d.id, [])]:
            rows.append(ReportRow(
                **base, kind=f.kind, field=f.field, verdict=f.verdict, scan_value=f.scan_value, crm_value=f.crm_value,
                score=f.score, message=f.message, blocking=f.blocking,
                # A decision closes every finding its document had (review.decide).
                decision=dec.decision if dec else None, decided_by=dec.by if dec else None,
                crop_id=_crop_of(crops, d, f.field),
            ))
    if manager:
        rows = [r for r in rows if r.manager == manager]
        summaries = [s for s in summaries if s.manager == manager]
    if status:
        rows = [r for r in rows if r.status == status]
    made = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return Report(made, today, tuple(rows), tuple(summaries))


def _record(f: Finding) -> FindingRecord:
    return FindingRecord(f.kind, f.message or "", f.field, f.scan_value, f.crm_value, f.verdict, f.score)


# A verdict named after the CRM field it checks, read from another field of the document:
# an ID card's holder (name) checked as the customer's legal rep.
_SOURCE_FIELD = {("id_card", "legal_rep"): "name"}


def _crop_of(crops: dict, doc: Document, field_name: str | None) -> int | None:
    if not field_name:
        return None
    return crops.get((doc.id, _SOURCE_FIELD.get((doc.doc_type, field_name), field_name)))


def _filed_doc(d: Document) -> FiledDoc:
    values = {k: (v or {}).get("value") for k, v in (d.fields or {}).items()}
    when = d.filed_at or d.created_at
    return FiledDoc(d.id, d.doc_type, values, when.date() if when else dt.date.today(), d.sha256, d.status)


def attach_crops(session: Session, report: Report, identities, *, actor: str, reason: str, full_values: bool = False) -> Report:
    """Decrypt the crops the report's rows point at (audited: one entry per document)."""
    wanted = sorted({r.crop_id for r in report.rows if r.crop_id is not None})
    crops: dict[int, bytes] = {}
    seen_docs = set()
    for row in session.scalars(select(EvidenceCrop).where(EvidenceCrop.id.in_(wanted))) if wanted else ():
        crops[row.id] = open_crop(row, identities, full_values=full_values)
        seen_docs.add(row.document_id)
    for doc_id in sorted(seen_docs):
        detail = "evidence crops in a review report" + (" (full values)" if full_values else "")
        audit(session, actor, "report", document_id=doc_id, detail=detail, reason=reason)
    session.commit()
    return Report(report.made_at, report.today, report.rows, report.customers, crops)


# --- writers --------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    return json.dumps(
        {
            "made_at": report.made_at,
            "today": report.today.isoformat(),
            "findings": [{**{c: v for c, v in zip(COLUMNS, r.cells())}, "blocking": r.blocking, "status": r.status} for r in report.rows],
            "customers": [
                {
                    "customer_id": s.customer_id, "name": s.name, "manager": s.manager, "archive_no": s.archive_no,
                    "status": s.status, "risk": list(s.risk),
                    "checklist": [{**asdict(i), "due": i.due.isoformat() if i.due else None, "documents": list(i.documents)} for i in s.checklist],
                }
                for s in report.customers
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def to_csv(report: Report) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for r in report.rows:
        w.writerow(["" if v is None else v for v in r.cells()])
    # With a BOM, as Excel needs to read UTF-8 Chinese.
    return "\ufeff" + buf.getvalue()


def to_xlsx(report: Report, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "findings"
    ws.append(list(COLUMNS))
    for r in report.rows:
        ws.append(r.cells())
    cl = wb.create_sheet("completeness")
    cl.append(["customer_id", "customer", "manager", "archive_no", "item", "status", "due", "documents", "why", "risk"])
    for s in report.customers:
        for i in s.checklist:
            cl.append([s.customer_id, s.name, s.manager, s.archive_no, i.item, i.status, i.due, ",".join(map(str, i.documents)), i.why, "; ".join(s.risk)])
    for sheet in (ws, cl):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    wb.save(path)


def to_html(report: Report) -> str:
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["b64"] = lambda png: base64.b64encode(png).decode("ascii")
    managers = sorted({r.manager for r in report.rows if r.manager} | {s.manager for s in report.customers if s.manager})
    return env.from_string(_HTML).render(r=report, managers=managers, statuses=STATUSES)


def write(report: Report, fmt: str, output: Path | None) -> str | None:
    """Write the report in `fmt` to `output` (stdout text returned when None; XLSX needs a file)."""
    if fmt == "xlsx":
        if output is None:
            raise ValueError("XLSX needs -o FILE")
        to_xlsx(report, output)
        return None
    text = {"json": to_json, "csv": to_csv, "html": to_html}[fmt](report)
    if output is None:
        return text
    output.write_text(text, encoding="utf-8")
    return None


_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>dossier 审核报告 {{ r.today }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: 4px 6px; vertical-align: top; font-size: 14px; }
th { background: #f0f0f0; text-align: left; }
td.crop img { max-width: 600px; display: block; margin-bottom: 4px; }
td.crm { font-size: 18px; min-width: 12em; }
td.msg { min-width: 14em; }
.mismatch, .overdue, .unreadable { background: #fde2e1; }
.minor, .due, .missing_in_crm { background: #fff4d6; }
.ok, .match { background: #e5f5e0; }
.filters { margin: 1em 0; } .filters label { margin-right: 1.5em; }
.note { color: #666; font-size: 12px; }
</style></head><body>
<h1>dossier 审核报告 · review report</h1>
<p class="note">as of {{ r.today }} · made {{ r.made_at }} · {{ r.rows|length }} findings · {{ r.customers|length }} customers{% if not r.crops %} · crops not shown (no identity given){% endif %}</p>
<div class="filters">
<label>客户经理 manager <select id="f-manager"><option value="">all</option>{% for m in managers %}<option>{{ m }}</option>{% endfor %}</select></label>
<label>状态 status <select id="f-status"><option value="">all</option>{% for s in statuses %}<option>{{ s }}</option>{% endfor %}<option>due</option><option>overdue</option><option>ok</option></select></label>
</div>
<h2>不一致与发现 · findings</h2>
<table id="findings"><thead><tr>
<th>doc</th><th>客户 customer</th><th>类型</th><th>字段 field</th><th>扫描件 on the page</th><th>CRM</th><th>结论 verdict</th><th>score</th><th>说明</th><th>decision</th>
</tr></thead><tbody>
{% for row in r.rows %}
<tr class="finding {{ row.verdict or '' }}" data-manager="{{ row.manager }}" data-status="{{ row.status }}">
<td>{{ row.document_id }}</td><td>{{ row.customer }}</td><td>{{ row.doc_type }}</td><td>{{ row.field or row.kind }}</td>
<td class="crop">{% if row.crop_id in r.crops %}<img alt="{{ row.field }}" src="data:image/png;base64,{{ r.crops[row.crop_id]|b64 }}">{% endif %}{{ row.scan_value or '' }}</td>
<td class="crm">{{ row.crm_value or '' }}</td>
<td>{{ row.verdict or row.kind }}</td><td>{{ row.score if row.score is not none else '' }}</td>
<td class="msg">{{ row.message }}</td><td>{{ row.decision or '' }}{% if row.decided_by %} ({{ row.decided_by }}){% endif %}</td>
</tr>
{% endfor %}
</tbody></table>
<h2>资料完整性 · completeness</h2>
<table id="completeness"><thead><tr><th>客户 customer</th><th>客户经理</th><th>档案编号</th><th>资料 item</th><th>状态 status</th><th>截止 due</th><th>说明</th></tr></thead><tbody>
{% for s in r.customers %}{% for i in s.checklist %}
<tr class="{{ i.status }}" data-manager="{{ s.manager }}" data-status="{{ i.status }}">
<td>{{ s.name }}{% if s.risk %} ⚠ 高风险: {{ s.risk|join('; ') }}{% endif %}</td><td>{{ s.manager }}</td><td>{{ s.archive_no or '' }}</td>
<td>{{ i.item }}</td><td>{{ i.status }}</td><td>{{ i.due or '' }}</td><td>{{ i.why }}</td></tr>
{% endfor %}{% endfor %}
</tbody></table>
<script>
function apply() {
  var m = document.getElementById('f-manager').value, s = document.getElementById('f-status').value;
  document.querySelectorAll('tbody tr').forEach(function (tr) {
    var ok = (!m || tr.dataset.manager === m) && (!s || tr.dataset.status === s);
    tr.style.display = ok ? '' : 'none';
  });
}
document.getElementById('f-manager').addEventListener('change', apply);
document.getElementById('f-status').addEventListener('change', apply);
</script>
</body></html>
"""
