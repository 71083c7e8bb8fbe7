"""The last records of the flow: where a document is to go, and where it went."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FilingPlan:
    """Where a matched document goes, decided without touching disk or database."""

    customer_label: str  # the customer's name in the file name and folder
    type_word: str  # 资料类型
    name_date: object  # datetime.date in the file name
    ext: str
    year: int
    in_holding: bool  # customer not known: 待确认/ instead of 客户档案/

    def key(self, copy: int = 1) -> str:
        from .naming import archive_key, generate_filename, holding_key

        filename = generate_filename(self.customer_label, self.type_word, self.name_date, self.ext, copy)
        if self.in_holding:
            return holding_key(self.name_date, self.customer_label, filename)
        return archive_key(self.year, self.customer_label, filename)


@dataclass(frozen=True)
class Outcome:
    """What happened to one input file. status: filed | needs_review | duplicate |
    quarantined | retry."""

    path: Path
    status: str
    message: str
    key: str | None = None
    document_id: int | None = None
    doc_type: str | None = None
    customer: str | None = None
