"""Resolving which customer a document belongs to, and comparing its fields with the CRM.

The directory of customers is a protocol so the logic here runs against the catalogue
database in production and against a list in tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from rapidfuzz import fuzz, process

from extractors.parsing import company_form_difference, normalise_name
from extractors.records import Extraction

from .records import Customer, FieldVerdict, Match

# Names scoring at least this (rapidfuzz ratio on normalised names, 0-100) are candidates.
# A one-character OCR error in a 12-character name scores ~92, but so does a different
# company one character away (杭州华创商贸 vs 杭州华美商贸): a name that is not equal after
# normalisation is therefore accepted only when a second field (the legal rep) agrees.
NAME_THRESHOLD = 90.0


class CustomerDirectory(Protocol):
    def by_uscc(self, uscc: str) -> Customer | None: ...

    def name_candidates(self, name: str) -> Iterable[Customer]:
        """Customers whose name could be `name`: a prefilter, not a verdict."""
        ...

    def by_legal_rep(self, person: str) -> list[Customer]: ...

    def by_contract_no(self, contract_no: str) -> list[Customer]: ...


def resolve_customer(extraction: Extraction, directory: CustomerDirectory, *, hint: str | None = None) -> Match:
    """USCC exact; else the name, fuzzily; else, for a contract, the contract number or
    the one party that is a customer; else, for a person's document, the legal rep when
    exactly one customer has them; else the drop folder's customer hint."""
    uscc = extraction.value("uscc") or extraction.value("principal_uscc") or extraction.value("holder_uscc")
    if uscc:
        customer = directory.by_uscc(uscc)
        if customer:
            return _with_verdicts(extraction, customer, "uscc", 100.0)
    name = (
        extraction.value("name") if extraction.doc_type != "id_card" else None
    ) or extraction.value("principal") or extraction.value("holder") or extraction.value("account_name")
    if name:
        found = best_name_match(name, directory.name_candidates(name))
        if found:
            customer, score = found
            if _same_name(name, customer.name):
                return _with_verdicts(extraction, customer, "name", score)
            rep = extraction.value("legal_rep")
            if rep and customer.legal_rep == rep:
                return _with_verdicts(extraction, customer, "name+legal_rep", score)
    if extraction.doc_type.startswith("contract_"):
        found = _contract_customer(extraction, directory)
        if found:
            return _with_verdicts(extraction, *found)
    if extraction.doc_type == "id_card" and extraction.value("name"):
        owners = directory.by_legal_rep(extraction.value("name"))
        if len(owners) == 1:
            return _with_verdicts(extraction, owners[0], "legal_rep", 100.0)
    if hint:
        found = best_name_match(hint, directory.name_candidates(hint))
        if found:
            return _with_verdicts(extraction, found[0], "hint", found[1])
    return Match(extraction, None, "none", 0.0, tuple(_unmatched_verdicts(extraction)))


def _contract_customer(extraction: Extraction, directory: CustomerDirectory) -> tuple[Customer, str, float] | None:
    """A contract names two parties, one of them us: the customer is the one the CRM
    knows. Its contract number, when the CRM lists it, settles it outright."""
    number = extraction.value("contract_no")
    if number:
        owners = directory.by_contract_no(number)
        if len(owners) == 1:
            return owners[0], "contract_no", 100.0
    hits = {}
    for key in ("party_a", "party_b"):
        party = extraction.value(key)
        if not party:
            continue
        found = best_name_match(party, directory.name_candidates(party))
        if found and _same_name(party, found[0].name):
            hits[found[0].id] = (found[0], f"name:{key}", found[1])
    return next(iter(hits.values())) if len(hits) == 1 else None


def best_name_match(name: str, candidates: Iterable[Customer]) -> tuple[Customer, float] | None:
    pool = list(candidates)
    if not pool:
        return None
    choices = {i: normalise_name(c.name) for i, c in enumerate(pool)}
    hit = process.extractOne(normalise_name(name), choices, scorer=fuzz.ratio, score_cutoff=NAME_THRESHOLD)
    if hit is None:
        return None
    _, score, i = hit
    return pool[i], round(score, 1)


def _same_name(a: str, b: str) -> bool:
    return normalise_name(a) == normalise_name(b) or company_form_difference(a, b) is not None


def compare_name(scan: str | None, crm: str | None, field: str = "name") -> FieldVerdict:
    if scan is None:
        return FieldVerdict(field, None, crm, "unreadable", 0.0)
    if not crm:
        return FieldVerdict(field, scan, crm, "missing_in_crm", 0.0)
    if scan == crm:
        return FieldVerdict(field, scan, crm, "match", 100.0)
    a, b = normalise_name(scan), normalise_name(crm)
    score = round(fuzz.ratio(a, b), 1)
    if a == b:
        return FieldVerdict(field, scan, crm, "minor", score, "differs only in width, brackets or spaces")
    form = company_form_difference(scan, crm)
    if form:
        return FieldVerdict(field, scan, crm, "minor", score, form)
    return FieldVerdict(field, scan, crm, "mismatch", score)


def compare_code(field: str, scan: str | None, crm: str | None, status: str = "read") -> FieldVerdict:
    if scan is None:
        return FieldVerdict(field, None, crm, "unreadable", 0.0, "no reading passes its check character")
    if not crm:
        return FieldVerdict(field, scan, crm, "missing_in_crm", 0.0)
    note = "repaired from its check character" if status == "repaired" else ""
    if scan == crm:
        return FieldVerdict(field, scan, crm, "match", 100.0, note)
    return FieldVerdict(field, scan, crm, "mismatch", round(fuzz.ratio(scan, crm), 1), note)


def _with_verdicts(extraction: Extraction, customer: Customer, method: str, score: float) -> Match:
    verdicts = []
    f = extraction.fields
    if extraction.doc_type.startswith("contract_"):
        for key in ("party_a", "party_b"):
            if key in f and f[key].value and _same_name(f[key].value, customer.name):
                verdicts.append(compare_name(f[key].value, customer.name, key))
    if extraction.doc_type == "business_licence":
        if "name" in f:
            verdicts.append(compare_name(f["name"].value, customer.name))
        if "uscc" in f:
            verdicts.append(compare_code("uscc", f["uscc"].value, customer.uscc, f["uscc"].status))
        if "legal_rep" in f:
            verdicts.append(compare_name(f["legal_rep"].value, customer.legal_rep, "legal_rep"))
    return Match(extraction, customer, method, score, tuple(verdicts))


def _unmatched_verdicts(extraction: Extraction):
    for key in ("uscc", "name"):
        f = extraction.fields.get(key)
        if f is not None and extraction.doc_type == "business_licence":
            yield FieldVerdict(key, f.value, None, "missing_in_crm" if f.value else "unreadable", 0.0, "no CRM customer matches")
