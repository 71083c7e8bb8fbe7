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
