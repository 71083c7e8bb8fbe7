"""Findings: what a reviewer should look at in one document, and in a customer's file.

Pure functions of records: no database, no disk. `document_findings` runs when a document
is filed (its extraction and CRM match are at hand); `file_findings` runs over everything
on file for one customer when a report is made, because what it checks changes as
documents arrive (an authorisation letter filed after the agent's ID card clears the
finding on the card).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from extractors.codes import mask_id_number
from extractors.parsing import normalise_name
from extractors.records import Extraction

from .records import FiledDoc, Finding, Match

# A licence, certificate or ID card ending within this many days is reported as expiring.
DEFAULT_EXPIRY_WINDOW_DAYS = 30
# Values the CRM comparison and the file name rest on: a reading less confident than this
# is reported so a reviewer looks at the crop. RapidOCR's scores on values read right are
# nearly all above 0.9; misreads cluster below 0.8 (see README, Findings).
KEY_FIELDS = ("uscc", "name", "legal_rep", "id_number", "principal", "principal_uscc", "party_a", "party_b",
              "holder", "holder_uscc", "account_name", "account_no", "contract_no", "agent_name", "agent_id_number")
MIN_CONFIDENCE = 0.8
_END_FIELDS = {"term_end": "licence term", "valid_to": "validity"}


def document_findings(
    match: Match,
    *,
    today: dt.date,
    expiry_window_days: int = DEFAULT_EXPIRY_WINDOW_DAYS,
    min_confidence: float = MIN_CONFIDENCE,
) -> list[Finding]:
    """Findings of one document on its own: CRM comparisons that are not a plain match,
    its own cross-field checks (`Extraction.warnings`), values ending soon, key values read
    with low confidence, and no customer."""
    ex = match.extraction
    out = [
        Finding("crm_comparison", v.note, v.field, _shown(v.field, v.scan_value), _shown(v.field, v.crm_value), v.verdict, v.score)
        for v in match.disputed
    ]
    for check in ex.warnings:
        field = check.fields[0] if getattr(check, "fields", ()) else None
        out.append(Finding(getattr(check, "kind", "document_check"), str(check), field))
    out.extend(expiring(ex, today, expiry_window_days))
    out.extend(low_confidence(ex, min_confidence))
    if match.customer is None:
        out.append(Finding("customer_unknown", "no CRM customer matches this document"))
    return out


def expiring(ex: Extraction, today: dt.date, window_days: int) -> Iterable[Finding]:
    """An end date (licence term, ID validity, certificate, authorisation) from today to
    `window_days` ahead. One already past is `expired`, a check of the extraction."""
    for key, what in _END_FIELDS.items():
        end = ex.value(key)
        if not end or end == "长期":
            continue
        try:
            day = dt.date.fromisoformat(end)
        except ValueError:
            continue
        left = (day - today).days
        if 0 <= left <= window_days:
            yield Finding("expiring", f"{what} ends on {end}, in {left} days", key, end)


def low_confidence(ex: Extraction, min_confidence: float) -> Iterable[Finding]:
    for key in KEY_FIELDS:
        f = ex.fields.get(key)
        if f is not None and f.value and f.status == "read" and f.confidence < min_confidence:
            yield Finding("low_confidence", f"{key} read with confidence {f.confidence:.2f}", key, _shown(key, str(f.value)),
                          score=round(100 * f.confidence, 1))


def _shown(field: str, value: str | None) -> str | None:
    return mask_id_number(value) if value and "id_number" in field else value


# --- a customer's whole file --------------------------------------------------------------


def file_findings(docs: Sequence[FiledDoc], legal_reps: Iterable[str]) -> dict[int, list[Finding]]:
    """Findings that need the customer's other documents, by document id:

    - an ID card whose holder is not the legal representative (as the CRM and the
      licences on file name them) while no 授权委托书 on file names that person as agent;
    - a document whose content repeats one filed earlier (same type and same identifying
      values, different bytes: a rescan).
    """
    out: dict[int, list[Finding]] = {}
    reps = {normalise_name(r) for r in legal_reps if r}
    reps |= {normalise_name(d.values["legal_rep"]) for d in docs if d.doc_type == "business_licence" and d.values.get("legal_rep")}
    agents = {normalise_name(d.values["agent_name"]) for d in docs if d.doc_type == "authorization_letter" and d.values.get("agent_name")}
    for d in docs:
        holder = d.values.get("name") if d.doc_type == "id_card" else None
        if holder and reps and normalise_name(holder) not in reps and normalise_name(holder) not in agents:
            out.setdefault(d.id, []).append(
                Finding("id_not_legal_rep", f"ID card of {holder}, who is not the legal representative "
                        f"({'/'.join(sorted(reps))}), and no 授权委托书 on file names them as agent", "name", holder)
            )
    seen: dict[tuple, int] = {}
    for d in sorted(docs, key=lambda d: d.id):
        key = content_key(d)
        if key is None:
            continue
        if key in seen:
            out.setdefault(d.id, []).append(
                Finding("duplicate_content", f"same {d.doc_type} content as document {seen[key]} (a rescan?)")
            )
        else:
            seen[key] = d.id
    return out


# The values that identify a document's content, per type: two scans of one paper agree on
# them. A type not listed (or a document missing them) is never called a duplicate.
_IDENTITY = {
    "business_licence": ("uscc", "issue_date"),
    "id_card": ("id_number", "valid_from"),
    "authorization_letter": ("principal_uscc", "agent_id_number", "valid_to"),
    "qualification": ("cert_no",),
    "contract_first_page": ("contract_no",),
    "contract_amount_page": ("amount", "amount_in_words"),
    "contract_signature_page": ("party_a", "party_b", "sign_date"),
    "bank_account_proof": ("account_no", "approval_no"),
    "archive_cover": ("archive_no",),
}


def content_key(d: FiledDoc) -> tuple | None:
    names = _IDENTITY.get(d.doc_type)
    if not names:
        return None
    values = tuple(d.values.get(n) for n in names)
    if any(v in (None, "") for v in values[:1]) or all(v in (None, "") for v in values):
        return None
    return (d.doc_type, *values)
