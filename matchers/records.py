"""Records of the matching stage: the CRM's view of a customer, and a document matched
against it."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.records import Extraction


@dataclass(frozen=True)
class Customer:
    """A customer as the CRM mirror knows it."""

    id: int
    name: str
    uscc: str | None
    legal_rep: str | None = None
    manager: str | None = None
    department: str | None = None
    archive_no: str | None = None
    address: str | None = None
    account_no: str | None = None
    contract_nos: tuple[str, ...] = ()
    industry: str | None = None


@dataclass(frozen=True)
class FieldVerdict:
    """One field of a document compared with the CRM.

    verdict: ``match`` | ``minor`` (equal after normalisation, or a company-form difference)
    | ``mismatch`` | ``missing_in_crm`` | ``unreadable``.
    """

    field: str
    scan_value: str | None
    crm_value: str | None
    verdict: str
    score: float
    note: str = ""


@dataclass(frozen=True)
class Match:
    """A document and the customer it belongs to (or None), with how that was decided."""

    extraction: Extraction
    customer: Customer | None
    method: str  # uscc | name | name+legal_rep | contract_no | name:party_a | name:party_b | legal_rep | hint | none
    score: float
    verdicts: tuple[FieldVerdict, ...] = ()

    @property
    def disputed(self) -> tuple[FieldVerdict, ...]:
        """Every verdict a reviewer should see (minor ones included)."""
        return tuple(v for v in self.verdicts if v.verdict != "match")

    @property
    def blocking(self) -> tuple[FieldVerdict, ...]:
        """Verdicts that hold a document for review: a real disagreement or an unreadable
        value. A `minor` one (width, brackets, company form) is recorded, not blocking."""
        return tuple(v for v in self.verdicts if v.verdict in ("mismatch", "unreadable"))


@dataclass(frozen=True)
class Finding:
    """Something about a document a reviewer should see.

    kind: ``crm_comparison`` (a field against the CRM: `verdict` says how it compares),
    ``customer_unknown``, one of `extractors.records.Check`'s kinds (``checksum_failed``,
    ``code_repaired``, ``expired``, ``region_mismatch``, ``amount_mismatch``, …),
    ``expiring`` (ends within the configured window), ``low_confidence``, or, from the
    customer's whole file, ``id_not_legal_rep`` and ``duplicate_content``.
    """

    kind: str
    message: str
    field: str | None = None
    scan_value: str | None = None
    crm_value: str | None = None
    verdict: str | None = None
    score: float | None = None

    @property
    def blocking(self) -> bool:
        """Holds the document for review (a recorded decision clears it)."""
        if self.kind == "crm_comparison":
            return self.verdict in ("mismatch", "unreadable")
        return self.kind in BLOCKING_KINDS


# Findings that hold a document for review; the others are shown, not blocking.
BLOCKING_KINDS = frozenset(
    {"customer_unknown", "checksum_failed", "expired", "amount_mismatch", "id_not_legal_rep", "birth_date_mismatch", "sex_mismatch"}
)


@dataclass(frozen=True)
class FiledDoc:
    """A document on file, as the catalogue holds it: enough for the checks that look
    at a customer's whole file (completeness, duplicates, who an ID card belongs to)."""

    id: int
    doc_type: str
    values: dict  # field -> value (ID numbers masked)
    filed_on: object  # datetime.date
    sha256: str = ""
    status: str = "filed"


@dataclass(frozen=True)
class ChecklistItem:
    """One line of SPEC.md §5's completeness checklist for one customer.

    status: ``ok`` (on file), ``due`` (missing, still within its deadline), ``overdue``,
    or ``not_required``.
    """

    item: str  # the 资料类型 word
    status: str
    due: object = None  # datetime.date, for a missing item
    documents: tuple[int, ...] = ()
    why: str = ""
