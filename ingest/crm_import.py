"""Loading the CRM's customer export (CSV or XLSX with Chinese headers) into the mirror.

Rows are validated one by one: a bad row is reported with its row number and reason, and
the good rows still load. Customers are upserted by USCC.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from extractors.codes import is_valid_uscc
from extractors.errors import InputRejected
from extractors.parsing import to_halfwidth

from .catalogue import Customer, audit, set_name_keys

# Model attribute ← the CRM export's column header.
DEFAULT_COLUMNS = {
    "name": "客户名称",
    "uscc": "统一社会信用代码",
    "legal_rep": "法定代表人",
    "manager": "客户经理",
    "department": "部门",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contract_nos": "合同编号",
    "class_tag": "客户分类",
    # Optional: compared with documents when the export has them.
    "address": "注册地址",
    "account_no": "对公账号",
    "industry": "所属行业",
}


@dataclass(frozen=True)
class RejectedRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    reason: str


@dataclass
class ImportReport:
    inserted: int = 0
    updated: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)


def read_table(path: Path) -> list[dict[str, str]]:
    """Rows as dicts keyed by header, from CSV (UTF-8 with or without BOM, or GBK as older
    Excel writes it) or XLSX."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        rows = list(wb.active.iter_rows(values_only=True))
        wb.close()
        if not rows:
            return []
        header = [str(h or "").strip() for h in rows[0]]
        return [{h: "" if v is None else str(v) for h, v in zip(header, r)} for r in rows[1:]]
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputRejected(f"{path.name} is neither UTF-8 nor GBK text")
    return list(csv.DictReader(io.StringIO(text)))


def _split(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[;；,，、\n]", value) if v.strip()]


def import_customers(session: Session, rows: list[dict[str, str]], columns: dict[str, str] | None = None, *, actor: str = "dossier") -> ImportReport:
    cols = {**DEFAULT_COLUMNS, **(columns or {})}
    if rows and cols["name"] not in rows[0] or rows and cols["uscc"] not in rows[0]:
        raise InputRejected(
            f"the export has no '{cols['name']}' or '{cols['uscc']}' column (it has: {', '.join(rows[0])})",
            hint="map your column names with crm_columns in dossier.toml",
        )
    report = ImportReport()
    seen: dict[str, int] = {}
    for n, row in enumerate(rows, start=2):
        def get(key: str) -> str:
            return to_halfwidth((row.get(cols[key]) or "").strip())

        name, uscc = get("name"), get("uscc").upper().replace(" ", "")
        if not any((row.get(c) or "").strip() for c in row):
            continue  # a blank line is not a row
        if not name:
            report.rejected.append(RejectedRow(n, "客户名称 is empty"))
            continue
        if not uscc:
            report.rejected.append(RejectedRow(n, f"{name}: 统一社会信用代码 is empty"))
            continue
        if not is_valid_uscc(uscc):
            report.rejected.append(RejectedRow(n, f"{name}: 统一社会信用代码 {uscc} fails its check character"))
            continue
        if uscc in seen:
            report.rejected.append(RejectedRow(n, f"{name}: 统一社会信用代码 {uscc} already on row {seen[uscc]}"))
            continue
        seen[uscc] = n
        contacts = [{"name": get("contact_name"), "phone": get("contact_phone")}] if get("contact_name") or get("contact_phone") else []
        values = dict(
            name=(row.get(cols["name"]) or "").strip(),  # as the CRM spells it, widths and all
            legal_rep=get("legal_rep") or None,
            manager=get("manager") or None,
            department=get("department") or None,
            contacts=contacts,
            contract_nos=_split(get("contract_nos")),
            class_tag=get("class_tag") or None,
            address=get("address") or None,
            account_no=get("account_no").replace(" ", "") or None,
            industry=get("industry") or None,
        )
        existing = session.scalar(select(Customer).where(Customer.uscc == uscc))
        if existing:
            renamed = existing.name != values["name"]
            for k, v in values.items():
                setattr(existing, k, v)
            if renamed:
                set_name_keys(session, existing.id, values["name"])
            report.updated += 1
        else:
            customer = Customer(uscc=uscc, **values)
            session.add(customer)
            session.flush()
            set_name_keys(session, customer.id, values["name"])
            report.inserted += 1
    audit(session, actor, "crm_import", detail=f"{report.inserted} new, {report.updated} updated, {len(report.rejected)} rejected")
    session.commit()
    return report
