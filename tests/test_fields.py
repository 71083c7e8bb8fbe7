"""Field extraction from OCR lines: layouts and checks, with no OCR engine involved.

Lines are built the way an engine reports them (text + box), so the tests exercise the
layout logic: labels and values read as separate lines, two fields on one row, values that
wrap, codes recovered by their shape when the label is misread.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from extractors.classify import classify_text
from extractors.fields import extract, group_rows
from extractors.records import Box, IncomingFile, OcrLine, OcrResult, PageText

TODAY = dt.date(2026, 11, 28)
H = 30  # line height in px


def line(text: str, x: int, row: float, *, alts: tuple[str, ...] = (), conf: float = 0.95) -> OcrLine:
    """A line on the given row; fields are 80 px apart, a wrapped line 1.5 lines below."""
    return OcrLine(text, conf, Box(x, round(100 + row * 80), max(H, len(text) * H), H), alternatives=alts)


WRAP = 45 / 80  # a wrapped line, in rows


def page(*lines: OcrLine) -> OcrResult:
    incoming = IncomingFile(Path("x.png"), "0" * 64, 1, "image", "x.png")
    return OcrResult(incoming, (PageText(1, tuple(lines), "ocr:test", 2000, 1400),))


def licence(**override) -> OcrResult:
    rows = {
        "title": [line("营业执照", 800, 0)],
        "uscc": [line("统一社会信用代码", 100, 1), line("91350100M000100Y43", 600, 1)],
        "name": [line("名", 100, 2), line("称", 200, 2), line("杭州星澜信息科技有限公司", 600, 2), line("注册资本", 1300, 2), line("伍佰万元整", 1600, 2)],
        "type": [line("类型", 100, 3), line("有限责任公司(自然人投资或控股)", 600, 3), line("成立日期", 1300, 3), line("2015年03月12日", 1600, 3)],
        "rep": [line("法定代表人", 100, 4), line("张伟", 600, 4), line("营业期限", 1300, 4), line("2015年03月12日至2035年03月11日", 1600, 4)],
        "scope": [line("经营范围", 100, 5), line("技术开发、技术服务;", 600, 5)],
        "scope2": [line("软件销售。", 600, 5 + WRAP), line("88号", 1600, 5 + WRAP)],
        "addr": [line("住所", 1300, 5), line("浙江省杭州市西湖区", 1600, 5)],
        "authority": [line("登记机关", 1300, 8), line("杭州市西湖区市场监督管理局", 1600, 8)],
    }
    rows.update(override)
    return page(*[ln for lns in rows.values() for ln in lns])


def test_licence_fields_two_columns_and_spaced_labels():
    ex = extract(licence(), today=TODAY)
    assert ex.doc_type == "business_licence"
    v = {k: f.value for k, f in ex.fields.items()}
    assert v["uscc"] == "91350100M000100Y43"
    assert v["name"] == "杭州星澜信息科技有限公司"
    assert v["legal_rep"] == "张伟"
    assert v["registered_capital"] == 5_000_000
    assert v["established"] == "2015-03-12"
    assert (v["term_start"], v["term_end"]) == ("2015-03-12", "2035-03-11")
    assert v["company_type"] == "有限责任公司（自然人投资或控股）" or v["company_type"].startswith("有限责任公司")
    assert v["authority"] == "杭州市西湖区市场监督管理局"


def test_wrapped_value_continues_under_its_column():
    ex = extract(licence(), today=TODAY)
    assert ex.value("business_scope") == "技术开发、技术服务;软件销售"  # trailing 。 dropped
    assert ex.value("address") == "浙江省杭州市西湖区88号"


def test_uscc_with_impossible_letters_is_repaired_and_flagged():
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line("9135O1OOM000100Y43", 600, 1)]), today=TODAY)
    f = ex.fields["uscc"]
    assert (f.value, f.status) == ("91350100M000100Y43", "repaired")
    assert any("uscc repaired" in w for w in ex.warnings)


@pytest.mark.parametrize("read", ["91350100M0001ÒÒY43", "9135Ø1ØØM000100Y43", "91350100M000Í00Y43", "9135θ100M000100Y43"])
def test_uscc_with_accented_or_greek_lookalikes_is_repaired(read):
    # RapidOCR's charset holds Latin-1 and Greek letters: Í for 1, Ø, Ò or θ for 0 split the
    # code's run.
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(read, 600, 1)]), today=TODAY)
    assert (ex.fields["uscc"].value, ex.fields["uscc"].status) == ("91350100M000100Y43", "repaired")


def test_uscc_from_a_second_reading_of_the_line():
    bad = line("9135010OM00010BY43", 600, 1, alts=("91350100M000100Y43",))
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), bad]), today=TODAY)
    assert ex.fields["uscc"].value == "91350100M000100Y43"


def test_unreadable_uscc_is_never_emitted():
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line("91350100M000100Y44", 600, 1)]), today=TODAY)
    f = ex.fields["uscc"]
    assert f.value is None and f.status == "unreadable"
    assert f.raw == "91350100M000100Y44"


def test_code_found_by_shape_when_label_is_misread():
    ex = extract(licence(uscc=[line("统-社套信用代吗", 100, 1), line("91350100M000100Y43", 600, 1)]), today=TODAY)
    assert ex.fields["uscc"].value == "91350100M000100Y43"


def test_code_repaired_from_a_re_reading_runner_up():
    """The page and a re-reading both read the check character as 8; the re-reading's
    recogniser had 3 close behind it. The repair takes 3, and says it repaired."""
    misread = "91350100M000100Y48"
    alts = (misread, "91350100M000100Y4[83]")
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(misread, 600, 1, alts=alts)]), today=TODAY)
    assert ex.fields["uscc"].value == "91350100M000100Y43"
    assert ex.fields["uscc"].status == "repaired"
    # The page's reading alone backs nothing: the re-reading's own plain twin is missing.
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(misread, 600, 1, alts=alts[1:])]), today=TODAY)
    assert ex.fields["uscc"].value is None


def test_code_repaired_from_the_likeliest_code_only_when_nothing_else_gives_one():
    """A likeliest code (`codes.likeliest_code`) is a repair, taken last, and never
    read as a code that validates as printed."""
    from extractors.codes import scored_reading

    misread = "91350100M000100Y48"
    likeliest = scored_reading("91350100M000100Y43")
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(misread, 600, 1, alts=(likeliest,))]), today=TODAY)
    assert (ex.fields["uscc"].value, ex.fields["uscc"].status) == ("91350100M000100Y43", "repaired")
    assert ex.fields["uscc"].raw == misread
    # A code a reading validates as read comes first.
    from extractors.codes import uscc_check_char

    body = "91350100M000700Y4"
    elsewhere = scored_reading(body + uscc_check_char(body))
    alts = ("91350100M000100Y43", elsewhere)
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line(misread, 600, 1, alts=alts)]), today=TODAY)
    assert (ex.fields["uscc"].value, ex.fields["uscc"].status) == ("91350100M000100Y43", "read")


def test_expired_licence_is_a_warning():
    ex = extract(licence(rep=[line("法定代表人", 100, 4), line("张伟", 600, 4), line("营业期限", 1300, 4), line("2005年03月12日至2025年03月11日", 1600, 4)]), today=TODAY)
    assert any("expired" in w for w in ex.warnings)


def id_card(id_number: str, sex: str = "女", birth: str = "1949年12月31日") -> OcrResult:
    return page(
        line("姓名", 100, 0), line("王秀英", 300, 0),
        line("性别", 100, 1), line(sex, 300, 1), line("民族", 500, 1), line("汉", 700, 1),
        line("出生", 100, 2), line(birth, 300, 2),
        line("住址", 100, 3), line("北京市朝阳区建国路", 300, 3),
        line("88号院3号楼", 300, 3 + WRAP),
        line("公民身份号码", 100, 5), line(id_number, 600, 5),
        line("中华人民共和国", 100, 7), line("居民身份证", 100, 8),
        line("签发机关", 100, 9), line("北京市公安局朝阳分局", 400, 9),
        line("有效期限", 100, 10), line("2015.03.12-2035.03.12", 400, 10),
    )


def test_id_card_fields():
    ex = extract(id_card("11010519491231002X"), today=TODAY)
    assert ex.doc_type == "id_card"
    v = {k: f.value for k, f in ex.fields.items()}
    assert v["name"] == "王秀英"
    assert v["sex"] == "女" and v["ethnicity"] == "汉"
    assert v["birth_date"] == "1949-12-31"
    assert v["address"] == "北京市朝阳区建国路88号院3号楼"
    assert v["id_number"] == "11010519491231002X"
    assert (v["valid_from"], v["valid_to"]) == ("2015-03-12", "2035-03-12")
    assert ex.warnings == ()


def test_id_number_disagreeing_with_printed_sex_and_birth_date():
    ex = extract(id_card("11010519491231002X", sex="男", birth="1950年1月1日"), today=TODAY)
    assert any("sex printed 男" in w for w in ex.warnings)
    assert any("birth_date printed 1950-01-01" in w for w in ex.warnings)


def test_sex_and_birth_date_lost_under_the_seal_are_derived_from_a_valid_id_number():
    ex = extract(id_card("11010519491231002X", sex="科势", birth="19?年"), today=TODAY)
    assert (ex.value("sex"), ex.fields["sex"].status) == ("女", "derived")
    assert (ex.value("birth_date"), ex.fields["birth_date"].status) == ("1949-12-31", "derived")
    # An unreadable ID number derives nothing.
    ex = extract(id_card("11010519491231002Y", sex="科势"), today=TODAY)
    assert ex.value("sex") is None


def test_warnings_never_show_a_full_id_number():
    ex = extract(id_card("11010519491231OO2X"), today=TODAY)
    assert ex.fields["id_number"].status == "repaired"
    assert all("19491231" not in w for w in ex.warnings)


def test_rows_group_lines_at_the_same_height():
    rows = group_rows((line("b", 500, 0), line("a", 100, 0), line("c", 100, 1)))
    assert [r.text for r in rows] == ["ab", "c"]


def test_classification():
    assert classify_text("授权委托书\n委托人:甲公司\n受托人:张三").doc_type == "authorization_letter"
    assert classify_text("合同编号:HT-1\n甲方:甲\n乙方:乙").doc_type == "contract_first_page"
    assert classify_text("今天天气很好").doc_type == "unknown"


def test_a_letter_in_a_table_whose_title_was_lost_is_still_a_letter():
    # The title under the seal; the table's labels are the letter's own, though it quotes
    # a code and a legal rep as a licence does.
    text = ("委托单位青岛祥曦建筑工程有限责任公司统一社会信用代码91370202MAWK9AAM33单位地址山东省青岛市"
            "法定代表人崔秀玲被委托人谭旭超身份证号码370202199111302019委托事项代表我单位办理变更手续"
            "委托期限自2023年03月24日至2027年03月24日")
    assert classify_text(text).doc_type == "authorization_letter"


def test_two_types_scored_alike_is_no_type():
    # 营业执照's title words and an archive cover's 归档日期 weigh the same: no guess.
    assert classify_text("营业执照 归档日期").doc_type == "unknown"


def test_lenient_dates_accept_misread_separators_only():
    from extractors.fields import lenient_date

    assert lenient_date("2022年07昌18日") == dt.date(2022, 7, 18)
    assert lenient_date("2024年1昌03日") is None  # `0月` read as one character: not January
    assert lenient_date("2024年1O月03日") is None  # a letter is a misread digit, not a separator
    assert lenient_date("2024年2目30日") is None  # no such day


def test_code_with_a_stray_character_stuck_to_it():
    # "代码9" + code: the label's last stroke read as a digit.
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line("991350100M000100Y43", 600, 1)]), today=TODAY)
    assert ex.fields["uscc"].value == "91350100M000100Y43"
    # Longer runs are never searched by sliding a window.
    ex = extract(licence(uscc=[line("统一社会信用代码", 100, 1), line("12391350100M000100Y43", 600, 1)]), today=TODAY)
    assert ex.value("uscc") is None
