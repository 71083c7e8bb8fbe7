"""Fields added for issue #3 and the cross-field checks, from OCR lines built by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest

from extractors.codes import is_valid_registration_no, registration_no_check_digit, uscc_check_char
from extractors.fields import extract
from test_fields import TODAY, licence, line, page


def _uscc(division: str) -> str:
    body = f"91{division}MA2H3K7Q1"
    return body + uscc_check_char(body)


def test_registration_number_check_digit_and_the_old_licence():
    first14 = "33010600012345"
    code = first14 + registration_no_check_digit(first14)
    assert is_valid_registration_no(code)
    wrong = first14 + str((int(code[-1]) + 1) % 10)
    assert not is_valid_registration_no(wrong)
    ex = extract(licence(uscc=[line("注册号", 100, 1), line(code, 600, 1)]), today=TODAY)
    assert ex.value("registration_no") == code and ex.value("uscc") is None
    ex = extract(licence(uscc=[line("注册号", 100, 1), line(wrong, 600, 1)]), today=TODAY)
    assert ex.value("registration_no") is None and ex.fields["registration_no"].status == "unreadable"


def test_a_uscc_from_another_province_than_the_address_is_a_warning():
    zhejiang = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(_uscc("330106"), 600, 1)]), today=TODAY)
    assert not [w for w in zhejiang.warnings if "registered in" in w]
    fujian = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(_uscc("350100"), 600, 1)]), today=TODAY)
    assert [w for w in fujian.warnings if "registered in 福建" in w and "address is in 浙江" in w]


def _amount_page(figures: str, words: str):
    return page(line("合同金额", 800, 0), line("合同总价（小写）：", 100, 1), line(figures, 700, 1),
                line("大写：", 100, 2), line(words, 500, 2), line("价款支付方式", 100, 3))


def test_amount_in_figures_against_words():
    same = extract(_amount_page("¥1,729,800.50", "人民币壹佰柒拾贰万玖仟捌佰元伍角"), today=TODAY)
    assert same.value("amount") == same.value("amount_in_words") == 1729800.5
    assert not [w for w in same.warnings if "differs" in w]
    off = extract(_amount_page("¥1,729,800.50", "人民币壹佰柒拾贰万玖仟捌佰元整"), today=TODAY)
    assert [w for w in off.warnings if "differs" in w and "1729800.5" in w]


@pytest.mark.parametrize(("read", "printed", "amount"), [
    ("人民币壹佰玖拾伍万陆任壹佰壹拾陆元伍角", "人民币壹佰玖拾伍万陆仟壹佰壹拾陆元伍角", 1956116.5),
    ("贰拾玖方柒仟元整", "贰拾玖万柒仟元整", 297000),
    ("壹佰伍什元整", "壹佰伍仟元整", None),  # 什 for 仟 would make 佰 before 仟: no amount
])
def test_a_financial_numeral_misread_as_a_character_no_amount_holds(read, printed, amount):
    """任 for 仟, 方 for 万: neither is ever a numeral, so the amount is read as printed,
    and so is its text; when that makes no amount either, the text stays as read."""
    ex = extract(_amount_page("¥1,956,116.50", read), today=TODAY)
    assert ex.value("amount_in_words") == amount
    assert ex.value("amount_in_words_text") == (printed if amount is not None else read)


@pytest.mark.parametrize(("seal", "has"), [(True, True), (False, False), (None, None)])
def test_has_seal_comes_from_the_page_colour(seal, has):
    ocr = page(line("合同编号", 100, 0), line("HT-2026-0001", 500, 0), line("甲方：杭州星澜信息科技有限公司", 100, 1),
               line("乙方：上海华众电子科技有限公司", 100, 2))
    ocr = replace(ocr, pages=(replace(ocr.pages[0], red_seal=seal),))
    ex = extract(ocr, today=TODAY)
    assert ex.doc_type == "contract_first_page"
    assert ex.value("has_seal") is has


def test_authorisation_scope_validity_and_expiry():
    ocr = page(line("授权委托书", 800, 0), line("委托人：杭州星澜信息科技有限公司", 100, 1), line("受托人：张伟", 100, 2),
               line("委托事项：代表我单位办理客户资料提交", 100, 3), line("有效期至：2025年09月10日", 100, 4))
    ex = extract(ocr, today=TODAY)
    assert ex.doc_type == "authorization_letter"
    assert ex.value("scope") == "代表我单位办理客户资料提交"
    assert ex.value("valid_to") == "2025-09-10"
    assert [w for w in ex.warnings if "authorisation ended on 2025-09-10" in w]


def test_certificate_name_is_its_title():
    ocr = page(line("食品经营许可证", 700, 0), line("经营者名称：杭州星澜信息科技有限公司", 100, 1),
               line("许可证编号：JY13301060012345", 100, 2), line("有效期至：2029年03月11日", 100, 3))
    ex = extract(ocr, today=TODAY)
    assert ex.doc_type == "qualification"
    assert ex.value("cert_name") == "食品经营许可证"
    assert ex.value("cert_no") == "JY13301060012345"


def test_a_label_that_extends_another_is_taken_whole():
    ex = extract(licence(rep=[line("法定代表人姓名", 100, 4), line("张伟", 600, 4)]), today=TODAY)
    assert ex.value("legal_rep") == "张伟"
