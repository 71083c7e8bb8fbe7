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

    # Optional: (customer, "legal_rep" | "agent") for each customer whose filed licences or
    # authorisation letters name `person` so; a directory without it skips that step.
    # def by_person_on_file(self, person: str) -> list[tuple[Customer, str]]: ...


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
        near = name_matches(name, directory.name_candidates(name))
        same = [(c, score) for c, score in near if _same_name(name, c.name)]
        if same:
            return _with_verdicts(extraction, same[0][0], "name", same[0][1])
        # A near name is taken only with a second field agreeing: two customers can be
        # one character apart, as a misread name is from its own.
        rep = extraction.value("legal_rep")
        backed = [(c, score) for c, score in near if rep and c.legal_rep == rep]
        if len(backed) == 1:
            return _with_verdicts(extraction, backed[0][0], "name+legal_rep", backed[0][1])
    if extraction.doc_type.startswith("contract_"):
        found = _contract_customer(extraction, directory)
        if found:
            return _with_verdicts(extraction, *found)
    if extraction.doc_type == "id_card" and extraction.value("name"):
        person = extraction.value("name")
        owners = directory.by_legal_rep(person)
        if len(owners) == 1:
            return _with_verdicts(extraction, owners[0], "legal_rep", 100.0)
        # The CRM may name another legal rep (that is the finding): the licences and
        # letters already on file say whose legal rep or agent this person is.
        on_file = getattr(directory, "by_person_on_file", None)
        found = on_file(person) if on_file and not owners else []
        if len(found) == 1:
            customer, role = found[0]
            return _with_verdicts(extraction, customer, "licence_legal_rep" if role == "legal_rep" else "agent", 100.0)
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


def name_matches(name: str, candidates: Iterable[Customer]) -> list[tuple[Customer, float]]:
    """Every candidate whose normalised name scores at least NAME_THRESHOLD, best first."""
    pool = list(candidates)
    choices = {i: normalise_name(c.name) for i, c in enumerate(pool)}
    hits = process.extract(normalise_name(name), choices, scorer=fuzz.ratio, score_cutoff=NAME_THRESHOLD, limit=None)
    return [(pool[i], round(score, 1)) for _, score, i in sorted(hits, key=lambda h: (-h[1], h[2]))]


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
    """As `compare_text`, and a difference only in the company form is minor too."""
    verdict = compare_text(field, scan, crm)
    if verdict.verdict == "mismatch":
        form = company_form_difference(scan, crm)
        if form:
            return FieldVerdict(field, scan, crm, "minor", verdict.score, form)
    return verdict


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
    return Match(extraction, customer, method, score, tuple(compare_fields(extraction, customer, method)))


# What each document type shows about its customer, compared with the CRM's record:
# (document field, CRM attribute, how). The customer's name appears under a different
# label per type; a contract's parties are handled apart (only the one that is the customer).
_COMPARED = {
    "business_licence": (("name", "name", "name"), ("uscc", "uscc", "code"), ("legal_rep", "legal_rep", "person"),
                         ("address", "address", "text")),
    "authorization_letter": (("principal", "name", "name"), ("principal_uscc", "uscc", "code"),
                             ("legal_rep", "legal_rep", "person")),
    "qualification": (("holder", "name", "name"), ("holder_uscc", "uscc", "code")),
    "bank_account_proof": (("account_name", "name", "name"), ("account_no", "account_no", "account")),
    "archive_cover": (("name", "name", "name"),),
}
# CRM columns that are optional in an export: compared only where the CRM has a value
# (an export without addresses is not a file of missing_in_crm findings).
_OPTIONAL = {"address", "account_no"}


def compare_fields(extraction: Extraction, customer: Customer, method: str = "") -> list[FieldVerdict]:
    """The document's fields against the customer's CRM record, per its type (`_COMPARED`).
    An ID card is compared only when it was matched as the legal rep's (by the licence on
    file): an agent's card names someone else, rightly."""
    f = extraction.fields
    out: list[FieldVerdict] = []
    for key, attr, how in _COMPARED.get(extraction.doc_type, ()):
        if key not in f:
            continue
        crm = getattr(customer, attr)
        if attr in _OPTIONAL and not crm:
            continue
        scan = f[key].value
        if how == "code":
            out.append(compare_code(key, scan, crm, f[key].status))
        elif how == "account":
            out.append(compare_code(key, None if scan is None else "".join(str(scan).split()), crm, f[key].status))
        elif how == "text":
            out.append(compare_text(key, scan, crm))
        else:
            out.append(compare_name(scan, crm, key))
    if extraction.doc_type.startswith("contract_"):
        for key in ("party_a", "party_b"):
            if key in f and f[key].value and _same_name(f[key].value, customer.name):
                out.append(compare_name(f[key].value, customer.name, key))
        number = extraction.value("contract_no")
        if number and customer.contract_nos:
            verdict = "match" if number in customer.contract_nos else "missing_in_crm"
            out.append(FieldVerdict("contract_no", number, "、".join(customer.contract_nos), verdict,
                                    100.0 if verdict == "match" else 0.0,
                                    "" if verdict == "match" else "the CRM lists other contracts for this customer"))
    if extraction.doc_type == "id_card" and method == "licence_legal_rep" and extraction.value("name"):
        out.append(compare_name(extraction.value("name"), customer.legal_rep, "legal_rep"))
    return out


def compare_text(field: str, scan: str | None, crm: str | None) -> FieldVerdict:
    """Free text (an address): equal, equal after widths and spaces (minor), or not."""
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
    return FieldVerdict(field, scan, crm, "mismatch", score)


def _unmatched_verdicts(extraction: Extraction):
    for key in ("uscc", "name"):
        f = extraction.fields.get(key)
        if f is not None and extraction.doc_type == "business_licence":
            yield FieldVerdict(key, f.value, None, "missing_in_crm" if f.value else "unreadable", 0.0, "no CRM customer matches")
