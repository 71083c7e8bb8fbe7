"""Customer resolution and field verdicts against an in-memory CRM directory."""

from __future__ import annotations

from pathlib import Path

from extractors.records import Extraction, Field, IncomingFile
from matchers.crm import compare_code, compare_name, resolve_customer
from matchers.records import Customer

XINGLAN = Customer(1, "杭州星澜信息科技有限公司", "91350100M000100Y43", "张伟")
HUACHUANG = Customer(2, "杭州华创商贸有限责任公司", "91330106MA2H3K7Q1R", "李娜")
HUAXIN = Customer(3, "杭州华信商贸有限责任公司", None, "王芳")


class ListDirectory:
    def __init__(self, customers):
        self.customers = customers

    def by_uscc(self, uscc):
        return next((c for c in self.customers if c.uscc == uscc), None)

    def name_candidates(self, name):
        return self.customers

    def by_legal_rep(self, person):
        return [c for c in self.customers if c.legal_rep == person]

    def by_contract_no(self, number):
        return [c for c in self.customers if number in self.contracts.get(c.id, ())]

    contracts = {2: ("HT-2025-0001",)}


DIRECTORY = ListDirectory([XINGLAN, HUACHUANG, HUAXIN])


def doc(doc_type="business_licence", **values) -> Extraction:
    incoming = IncomingFile(Path("x.png"), "0" * 64, 1, "image", "x.png")
    fields = {k: Field(v, str(v), 0.9, 1) for k, v in values.items()}
    return Extraction(incoming, doc_type, 0.9, fields)


def test_uscc_wins_over_name():
    m = resolve_customer(doc(uscc="91350100M000100Y43", name="完全不同的名字有限公司", legal_rep="张伟"), DIRECTORY)
    assert (m.customer, m.method) == (XINGLAN, "uscc")
    assert {v.field: v.verdict for v in m.verdicts} == {"name": "mismatch", "uscc": "match", "legal_rep": "match"}


def test_fuzzy_name_when_uscc_unknown():
    m = resolve_customer(doc(name="杭州星澜信息科技有限公司 "), DIRECTORY)
    assert (m.customer, m.method) == (XINGLAN, "name")


def test_similar_companies_are_not_confused():
    # 华创 vs 华信: same city, trade and form; one character apart in the distinctive part.
    m = resolve_customer(doc(name="杭州华创商贸有限责任公司"), DIRECTORY)
    assert m.customer == HUACHUANG
    m = resolve_customer(doc(name="杭州华美商贸有限责任公司"), DIRECTORY)
    assert m.customer is None and m.method == "none"


def test_near_name_needs_a_second_field():
    # One character off: an OCR error or another company? Only the legal rep can tell.
    m = resolve_customer(doc(name="杭州星谰信息科技有限公司", legal_rep="张伟"), DIRECTORY)
    assert (m.customer, m.method) == (XINGLAN, "name+legal_rep")
    assert resolve_customer(doc(name="杭州星谰信息科技有限公司", legal_rep="赵六"), DIRECTORY).customer is None
    m = resolve_customer(doc(name="杭州星澜信息科技有限责任公司"), DIRECTORY)
    assert (m.customer, m.method) == (XINGLAN, "name")


def test_id_card_by_legal_rep_only_when_unique():
    assert resolve_customer(doc("id_card", name="李娜"), DIRECTORY).customer == HUACHUANG
    two = ListDirectory([XINGLAN, HUACHUANG, Customer(4, "另一家公司", None, "李娜")])
    assert resolve_customer(doc("id_card", name="李娜"), two).customer is None


def test_name_verdicts():
    assert compare_name("杭州星澜（信息）科技有限公司", "杭州星澜(信息)科技有限公司").verdict == "minor"
    v = compare_name("杭州星澜信息科技有限责任公司", "杭州星澜信息科技有限公司")
    assert v.verdict == "minor" and "有限责任公司" in v.note
    assert compare_name("杭州星澜信息科技有限公司", "杭州星澜信息技术有限公司").verdict == "mismatch"
    assert compare_name(None, "x").verdict == "unreadable"
    assert compare_name("x", None).verdict == "missing_in_crm"


def test_code_verdicts():
    assert compare_code("uscc", "91350100M000100Y43", "91350100M000100Y43", "repaired").note
    assert compare_code("uscc", "91350100M000100Y43", "91330106MA2H3K7Q1R").verdict == "mismatch"


def test_contract_customer_is_the_party_the_crm_knows():
    m = resolve_customer(doc("contract_first_page", party_a="杭州星澜信息科技有限公司", party_b="我方有限公司"), DIRECTORY)
    assert (m.customer, m.method) == (XINGLAN, "name:party_a")
    m = resolve_customer(doc("contract_first_page", contract_no="HT-2025-0001", party_a="看不清", party_b="我方有限公司"), DIRECTORY)
    assert (m.customer, m.method) == (HUACHUANG, "contract_no")
    # Both parties are customers: which one this contract belongs to is for a reviewer.
    both = doc("contract_first_page", party_a="杭州星澜信息科技有限公司", party_b="杭州华创商贸有限责任公司")
    assert resolve_customer(both, DIRECTORY).customer is None
