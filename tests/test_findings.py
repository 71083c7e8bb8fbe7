"""Findings, completeness, risk flags and field verdicts (matchers/): pure logic on records,
no OCR, no disk, no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extractors.parsing import name_keys
from extractors.records import Check, Extraction, Field, IncomingFile
from ingest.naming import generate_filename, parse_filename
from matchers.completeness import CustomerFacts, checklist
from matchers.crm import compare_fields, resolve_customer
from matchers.findings import content_key, document_findings, file_findings
from matchers.records import Customer, FiledDoc, Match
from matchers.risk import high_risk_reasons

INCOMING = IncomingFile(Path("x.png"), "0" * 64, 1, "png", "x.png")
TODAY = dt.date(2026, 11, 28)


def ex(doc_type: str, warnings=(), **values) -> Extraction:
    fields = {}
    for k, v in values.items():
        conf = 0.95
        if isinstance(v, tuple):
            v, conf = v
        fields[k] = Field(v, str(v), conf, 1)
    return Extraction(INCOMING, doc_type, 0.9, fields, tuple(warnings))


def doc(i, doc_type, on=dt.date(2026, 11, 2), **values) -> FiledDoc:
    return FiledDoc(i, doc_type, values, on)


# --- working-day deadlines ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("collected", "due", "holiday"),
    [
        (dt.date(2025, 9, 30), dt.date(2025, 10, 11), "2025 National Day: Oct 1-8 off, Saturday Oct 11 worked (调休)"),
        (dt.date(2026, 9, 30), dt.date(2026, 10, 10), "2026 National Day: Oct 1-7 off, Saturday Oct 10 worked (调休)"),
        (dt.date(2026, 2, 12), dt.date(2026, 2, 24), "2026 Spring Festival: Feb 15-23 off, Saturday Feb 14 worked"),
        (dt.date(2025, 1, 24), dt.date(2025, 2, 5), "2025 Spring Festival: Jan 28-Feb 4 off, Sunday Jan 26 worked"),
    ],
)
def test_missing_material_is_due_three_working_days_after_collection_started(collected, due, holiday):
    docs = [doc(1, "business_licence", collected, legal_rep="张伟")]
    items = {i.item: i for i in checklist(docs, CustomerFacts(legal_rep="张伟"), today=collected)}
    assert items["营业执照副本"].status == "ok"
    assert items["法定代表人身份证"].due == due, holiday
    assert items["法定代表人身份证"].status == "due"
    # The deadline day itself is still in time; the next day is late.
    on_due = {i.item: i for i in checklist(docs, CustomerFacts(legal_rep="张伟"), today=due)}
    late = {i.item: i for i in checklist(docs, CustomerFacts(legal_rep="张伟"), today=due + dt.timedelta(days=1))}
    assert on_due["法定代表人身份证"].status == "due"
    assert late["法定代表人身份证"].status == "overdue"


def test_checklist_asks_for_what_the_customer_needs_and_no_more():
    docs = [
        doc(1, "business_licence", legal_rep="张伟"),
        doc(2, "id_card", name="李娜"),  # an agent's card: a letter is then needed
        doc(3, "contract_first_page", contract_no="HT-1"),
    ]
    items = {i.item: i for i in checklist(docs, CustomerFacts(legal_rep="张伟", needs_permit=False), today=TODAY)}
    assert items["法定代表人身份证"].status == "overdue"  # 李娜's card is not the legal rep's
    assert items["授权委托书"].status == "overdue" and "document 2" in items["授权委托书"].why
    assert items["合同首页"].status == "ok"
    assert items["合同金额页"].status == "overdue"  # a contract exists: all its key pages are needed
    assert items["资质证明"].status == "not_required"
    assert items["客户风险评估报告"].status == "not_required"
    high = {i.item: i for i in checklist(docs, CustomerFacts(legal_rep="张伟", needs_permit=True, high_risk=True), today=TODAY)}
    assert high["资质证明"].status == "overdue" and high["客户风险评估报告"].status == "overdue"


def test_the_legal_reps_card_by_the_licence_on_file_counts_when_the_crm_names_another():
    docs = [doc(1, "business_licence", legal_rep="顾斌"), doc(2, "id_card", name="顾斌")]
    items = {i.item: i for i in checklist(docs, CustomerFacts(legal_rep="余勇宁"), today=TODAY)}
    assert items["法定代表人身份证"].status == "ok"


# --- findings --------------------------------------------------------------------------------


def test_document_findings_carry_kinds_values_and_windows():
    e = ex(
        "business_licence",
        warnings=(Check("code_repaired", "uscc repaired from its check character", ("uscc",)),),
        uscc="91350100M000100Y43", name=("杭州星澜信息科技有限公司", 0.55), term_end="2026-12-20",
    )
    found = document_findings(Match(e, None, "none", 0.0), today=TODAY, expiry_window_days=30)
    kinds = {f.kind: f for f in found}
    assert kinds["code_repaired"].field == "uscc"
    assert kinds["expiring"].scan_value == "2026-12-20" and "22 days" in kinds["expiring"].message
    assert kinds["low_confidence"].field == "name"
    assert kinds["customer_unknown"].blocking
    assert not kinds["expiring"].blocking
    # Outside the window: nothing expiring.
    far = document_findings(Match(e, None, "none", 0.0), today=TODAY, expiry_window_days=10)
    assert "expiring" not in {f.kind for f in far}


def test_an_id_card_that_is_not_the_legal_reps_needs_a_letter_naming_its_holder():
    docs = [doc(1, "business_licence", legal_rep="张伟"), doc(2, "id_card", name="李娜")]
    assert [f.kind for f in file_findings(docs, ["张伟"])[2]] == ["id_not_legal_rep"]
    with_letter = [*docs, doc(3, "authorization_letter", agent_name="李娜")]
    assert 2 not in file_findings(with_letter, ["张伟"])
    assert file_findings([doc(2, "id_card", name="张伟")], ["张伟"]) == {}


def test_duplicate_content_is_the_same_identifying_values_twice():
    a = doc(1, "business_licence", uscc="91350100M000100Y43", issue_date="2020-01-02")
    b = doc(2, "business_licence", uscc="91350100M000100Y43", issue_date="2020-01-02")
    renewed = doc(3, "business_licence", uscc="91350100M000100Y43", issue_date="2024-05-06")
    found = file_findings([a, b, renewed], [])
    assert [f.kind for f in found[2]] == ["duplicate_content"] and "document 1" in found[2][0].message
    assert 1 not in found and 3 not in found
    assert content_key(doc(4, "unknown")) is None
    assert content_key(doc(5, "business_licence")) is None  # nothing read: not a duplicate of anything


# --- field verdicts ----------------------------------------------------------------------------


CUSTOMER = Customer(7, "泰明(成都)建筑工程有限公司", "91510107460717379X", "毛凯", "孙慧", address="四川省成都市武侯区人民路1号",
                    account_no="6222020202020202", contract_nos=("HT-2025-3664",))


@pytest.mark.parametrize(
    ("doc_type", "values", "expected"),
    [
        ("business_licence", {"name": "泰明（成都）建筑工程有限公司"}, {"name": "minor"}),
        ("business_licence", {"name": "泰明(成都)建筑工程有限责任公司"}, {"name": "minor"}),
        ("business_licence", {"name": "泰明(成都)建材有限公司"}, {"name": "mismatch"}),
        ("business_licence", {"legal_rep": "毛凯", "address": "四川省成都市武侯区人民路 1 号"}, {"legal_rep": "match", "address": "minor"}),
        ("business_licence", {"address": "四川省成都市锦江区人民路1号"}, {"address": "mismatch"}),
        ("bank_account_proof", {"account_name": "泰明(成都)建筑工程有限公司", "account_no": "6222 0202 0202 0202"},
         {"account_name": "match", "account_no": "match"}),
        ("bank_account_proof", {"account_no": "6222020202020203"}, {"account_no": "mismatch"}),
        ("contract_first_page", {"party_a": "泰明(成都)建筑工程有限公司", "party_b": "杭州星澜信息科技有限公司", "contract_no": "HT-2025-3664"},
         {"party_a": "match", "contract_no": "match"}),
        ("contract_first_page", {"party_a": "泰明(成都)建筑工程有限公司", "contract_no": "HT-2026-0001"},
         {"party_a": "match", "contract_no": "missing_in_crm"}),
        ("authorization_letter", {"principal": "泰明(成都)建筑工程有限公司", "principal_uscc": "91510107460717379X", "legal_rep": "王强"},
         {"principal": "match", "principal_uscc": "match", "legal_rep": "mismatch"}),
    ],
)
def test_fields_are_compared_with_the_crm_per_document_type(doc_type, values, expected):
    got = {v.field: v.verdict for v in compare_fields(ex(doc_type, **values), CUSTOMER)}
    assert got == expected


def test_optional_crm_columns_are_compared_only_where_the_crm_has_them():
    bare = Customer(1, "杭州星澜信息科技有限公司", "91350100M000100Y43", "张伟")
    got = {v.field for v in compare_fields(ex("business_licence", name=bare.name, address="浙江省杭州市"), bare)}
    assert got == {"name"}


class ListDirectory:
    def __init__(self, customers, on_file=()):
        self.customers, self.on_file = customers, on_file

    def by_uscc(self, uscc):
        return next((c for c in self.customers if c.uscc == uscc), None)

    def name_candidates(self, name):
        keys = name_keys(name)
        return [c for c in self.customers if keys & name_keys(c.name)]

    def by_legal_rep(self, person):
        return [c for c in self.customers if c.legal_rep == person]

    def by_contract_no(self, number):
        return [c for c in self.customers if number in c.contract_nos]

    def by_person_on_file(self, person):
        return [(c, role) for c, role, who in self.on_file if who == person]


def test_an_id_card_of_the_licences_legal_rep_is_matched_and_checked_against_the_crm():
    crm = Customer(3, "上海弘宇医疗器械有限公司", "91310104330533168H", "余勇宁")
    card = ex("id_card", name="顾斌")
    m = resolve_customer(card, ListDirectory([crm], on_file=[(crm, "legal_rep", "顾斌")]))
    assert m.customer == crm and m.method == "licence_legal_rep"
    assert [(v.field, v.verdict, v.crm_value) for v in m.verdicts] == [("legal_rep", "mismatch", "余勇宁")]
    # An agent named in a letter on file: matched, and not compared as legal rep.
    m = resolve_customer(ex("id_card", name="李娜"), ListDirectory([crm], on_file=[(crm, "agent", "李娜")]))
    assert m.method == "agent" and m.verdicts == ()


def test_a_misread_name_finds_its_customer_through_shared_keys_and_the_legal_rep():
    crm = [Customer(1, "杭州星澜信息科技有限公司", "91350100M000100Y43", "张伟"), Customer(2, "杭州华美商贸有限公司", None, "王强")]
    m = resolve_customer(ex("business_licence", name="杭州星澜信息科枝有限公司", legal_rep="张伟"), ListDirectory(crm))
    assert m.customer == crm[0] and m.method == "name+legal_rep"
    m = resolve_customer(ex("business_licence", name="杭州星澜信息科枝有限公司", legal_rep="李四"), ListDirectory(crm))
    assert m.customer is None


# --- risk, names, keys --------------------------------------------------------------------------


def test_high_risk_is_a_sensitive_industry_or_an_address_in_another_province():
    licence = doc(1, "business_licence", address="浙江省杭州市西湖区文三路1号")
    assert high_risk_reasons("杭州恒信典当有限公司", None, None, [licence], ["典当"]) == ["sensitive industry: 典当"]
    far = doc(2, "address_proof", address="广东省深圳市南山区科技园路8号")
    near = doc(3, "address_proof", address="浙江省杭州市上城区解放路2号")
    assert "operating in 广东" in high_risk_reasons("杭州星澜信息科技有限公司", None, None, [licence, far], ["典当"])[0]
    assert high_risk_reasons("杭州星澜信息科技有限公司", "软件", None, [licence, near], ["典当"]) == []


def test_file_names_read_back():
    name = generate_filename("A+B有限公司", "营业执照副本", dt.date(2026, 1, 2), "jpg", 3)
    assert parse_filename(name) == ("A+B有限公司", "营业执照副本", dt.date(2026, 1, 2), "jpg")
    assert parse_filename("scan.jpg") is None


def test_name_keys_ignore_width_and_brackets():
    assert name_keys("泰明（成都）建筑") == name_keys("泰明(成都)建筑")
    assert "星澜" in name_keys("杭州星澜信息科技有限公司")


def test_a_check_reads_as_its_message_and_keeps_its_kind_across_processes():
    import pickle

    check = Check("expired", "licence term ended on 2020-01-01: expired", ("term_end",))
    again = pickle.loads(pickle.dumps(check))
    assert again == "licence term ended on 2020-01-01: expired" and "expired" in again
    assert (again.kind, again.fields) == ("expired", ("term_end",))
