"""Completeness of a customer's file against SPEC.md §5's checklist, with the deadline for
what is missing counted in Chinese working days.

Pure: the caller hands in the customer's documents on file and what is known of the
customer (legal rep, industry, risk); nothing here reads a database.

Deadline: missing material must be supplied within 3 working days (SPEC.md §5). The clock
starts when collection started, the day the customer's first document was filed; a
customer with nothing on file has nothing collected yet and so no clock running.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from extractors.parsing import normalise_name

from .records import ChecklistItem, FiledDoc
from .workdays import PACKAGE_CALENDAR, WorkCalendar, add_working_days

SUPPLY_WITHIN_WORKING_DAYS = 3
CONTRACT_PAGES = (("contract_first_page", "合同首页"), ("contract_amount_page", "合同金额页"), ("contract_signature_page", "合同签字盖章页"))


@dataclass(frozen=True)
class CustomerFacts:
    """What the checklist needs to know about a customer besides its documents."""

    legal_rep: str | None = None
    has_contract: bool = False  # the CRM lists a contract number
    needs_permit: bool = False  # its industry needs a 资质证明
    high_risk: bool = False
    settles: bool = True  # settles through a corporate account (对公账户证明 needed)


def checklist(
    docs: Sequence[FiledDoc], facts: CustomerFacts, *, today: dt.date, calendar: WorkCalendar = PACKAGE_CALENDAR
) -> list[ChecklistItem]:
    """One item per checklist line: ok when on file, else due/overdue against the 3rd
    working day after collection started, or not_required (with why)."""
    started = min((d.filed_on for d in docs), default=None)
    due = add_working_days(started, SUPPLY_WITHIN_WORKING_DAYS, calendar=calendar) if started else None
    by_type: dict[str, list[int]] = {}
    for d in docs:
        by_type.setdefault(d.doc_type, []).append(d.id)
    reps = _legal_reps(docs, facts)

    def item(word: str, present: Iterable[int], required: bool, why: str = "") -> ChecklistItem:
        ids = tuple(sorted(present))
        if ids:
            return ChecklistItem(word, "ok", None, ids, why)
        if not required:
            return ChecklistItem(word, "not_required", None, (), why)
        if due is None:
            return ChecklistItem(word, "due", None, (), "nothing collected yet")
        return ChecklistItem(word, "due" if today <= due else "overdue", due, (), why)

    rep_cards = [d.id for d in docs if d.doc_type == "id_card" and d.values.get("name") and normalise_name(d.values["name"]) in reps]
    agent_cards = [d.id for d in docs if d.doc_type == "id_card" and d.values.get("name") and reps and normalise_name(d.values["name"]) not in reps]
    has_contract = facts.has_contract or any(t in by_type for t, _ in CONTRACT_PAGES)
    items = [
        item("营业执照副本", by_type.get("business_licence", ()), True),
        item("法定代表人身份证", rep_cards, True, "" if reps else "legal representative not known yet"),
    ]
    for doc_type, word in CONTRACT_PAGES:
        items.append(item(word, by_type.get(doc_type, ()), has_contract, "" if has_contract else "no contract yet"))
    items.append(item("对公账户证明", by_type.get("bank_account_proof", ()), facts.settles,
                      "" if facts.settles else "does not settle through a corporate account"))
    items.append(item("资质证明", by_type.get("qualification", ()), facts.needs_permit,
                      "industry needs a permit" if facts.needs_permit else "industry needs no permit"))
    items.append(item("授权委托书", by_type.get("authorization_letter", ()), bool(agent_cards),
                      f"signatory's ID card (document {agent_cards[0]}) is not the legal rep's" if agent_cards else "signatory is the legal rep"))
    items.append(item("客户风险评估报告", by_type.get("risk_report", ()), facts.high_risk,
                      "high-risk customer" if facts.high_risk else "not high-risk"))
    return items


def _legal_reps(docs: Sequence[FiledDoc], facts: CustomerFacts) -> set[str]:
    reps = {normalise_name(facts.legal_rep)} if facts.legal_rep else set()
    reps |= {normalise_name(d.values["legal_rep"]) for d in docs if d.doc_type == "business_licence" and d.values.get("legal_rep")}
    return reps
