"""High-risk flags (SPEC.md §5): customers that need extra due diligence and a
客户风险评估报告 on file. Pure: industry words and addresses in, reasons out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from extractors.codes import PROVINCE_NAMES, address_province

from .records import FiledDoc


def industry_words(words: Iterable[str], *texts: str | None) -> list[str]:
    """The configured words found in any of `texts` (the CRM's industry, the name)."""
    found = []
    for w in words:
        if any(t and w in t for t in texts) and w not in found:
            found.append(w)
    return found


def high_risk_reasons(
    name: str, industry: str | None, crm_address: str | None, docs: Sequence[FiledDoc], sensitive: Iterable[str]
) -> list[str]:
    """Why a customer is high-risk, empty when it is not: a sensitive industry (by the
    CRM's industry or a word of its name), or its registered address (licence, else CRM)
    in another province than its actual one (an address proof on file)."""
    reasons = [f"sensitive industry: {w}" for w in industry_words(sensitive, industry, name)]
    registered = next((d.values.get("address") for d in docs if d.doc_type == "business_licence" and d.values.get("address")), None)
    registered = registered or crm_address
    actual = [d.values.get("address") for d in docs if d.doc_type == "address_proof" and d.values.get("address")]
    reg_p = address_province(registered) if registered else None
    for addr in actual:
        act_p = address_province(addr)
        if reg_p and act_p and reg_p != act_p:
            reasons.append(f"registered in {PROVINCE_NAMES[reg_p]} but operating in {PROVINCE_NAMES[act_p]} ({addr})")
            break
    return reasons
