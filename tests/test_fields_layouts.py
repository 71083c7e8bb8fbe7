"""Layouts beyond the one each type was first written for (issue #3: accuracy on scans
never seen): values below side-by-side labels, prose that names the parties and wraps a
code across lines, a label word opening a sentence, signing slots, notes after amounts,
a page's title deciding its type. Lines as an engine reports them; no OCR engine."""

from __future__ import annotations

import datetime as dt

import pytest

from extractors.classify import classify_page
from extractors.fields import extract
from extractors.records import Box, OcrLine
from test_fields import licence, line, page

TODAY = dt.date(2026, 12, 2)


def values(result) -> dict:
    ex = extract(result, today=TODAY)
    return {"doc_type": ex.doc_type, **{k: f.value for k, f in ex.fields.items()}}


def test_signature_columns_take_the_value_below_each_label():
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("甲方（盖章）：", 100, 2), line("乙方（盖章）：", 900, 2),
        line("大连曦晟食品有限公司", 900, 2.9), line("武汉亨通医疗器械有限公司", 100, 2.95),
        line("签订日期：2024年06月21日", 100, 5), line("签订日期：2024年06月21日", 900, 5),
    ))
    assert v["doc_type"] == "contract_signature_page"
    assert v["party_a"] == "武汉亨通医疗器械有限公司"
    assert v["party_b"] == "大连曦晟食品有限公司"
    assert v["sign_date"] == "2024-06-21"


def test_a_label_in_brackets_after_its_role_beats_the_same_word_opening_a_sentence():
    v = values(page(
        line("编号：HT-2022-0182", 100, 0),
        line("采购合同", 600, 1),
        line("采购方（甲方）：煜昌（上海）商贸有限公司", 100, 2),
        line("供应方（乙方）：大连曦晟食品有限公司", 100, 3),
        line("签订时间：2022年10月30日", 100, 4),
        line("乙方向甲方供应办公设备及耗材，货物名称详见附件。", 100, 6),
        line("乙方应于本合同生效后十五个工作日内将货物送至甲方指定地点", 100, 7),
    ))
    assert v["doc_type"] == "contract_first_page"
    assert v["party_a"] == "煜昌（上海）商贸有限公司"
    assert v["party_b"] == "大连曦晟食品有限公司"
    assert v["sign_date"] == "2022-10-30"


def test_a_label_in_brackets_with_no_colon_beats_a_sentence_opening_with_it():
    # 托运方（甲方）苏州…: the closing bracket sets the label off. The sentence 甲方委托乙方…
    # has only a clause heading below it, which is no party's name either.
    v = values(page(
        line("物流运输合同", 600, 0),
        line("托运方（甲方）苏州汇恒建筑工程有限责任公司", 100, 2),
        line("承运方（乙方）：青岛朗宇物流股份有限公司", 100, 3),
        line("签订时间：2026年2月2日", 100, 4),
        line("甲方委托乙方运输的货物为日用品及包装材料，每批货物的品名以甲方出具的托运单", 100, 6),
        line("为准。", 100, 7),
        line("第二条运输要求", 100, 8),
    ))
    assert v["party_a"] == "苏州汇恒建筑工程有限责任公司"
    assert v["party_b"] == "青岛朗宇物流股份有限公司"


@pytest.mark.parametrize("heading", ["第二条运输要求", "第十条其他事项", "第3条付款方式"])
def test_a_clause_heading_is_no_party_name(heading):
    from extractors.fields import _looks_like_org

    assert not _looks_like_org(heading)
    assert _looks_like_org("第一太平物业管理有限公司")  # 第一 opening a name is no clause


@pytest.mark.parametrize("slot", ["甲方子盖章)", "甲方（盖章点品有）"])
def test_a_seal_note_misread_at_its_slot_leaves_the_name_below(slot):
    """The note's bracket read as a Han character (子), or the seal's legend read inside
    the note's brackets: all of it is the note, and the name printed under the slot is
    the party's."""
    v = values(page(
        line("本合同经双方法定代表人或授权代表签字并加盖公章后生效。", 100, 0),
        line(slot, 100, 2), line("乙方（盖章）：", 900, 2),
        line("成都澜通食品有限公", 100, 2.9), line("武汉安智信息科技有限公司", 900, 2.9),
        line("日期：2025年07月21日", 100, 5), line("日期：2025年07月21日", 900, 5),
    ))
    assert v["party_a"] == "成都澜通食品有限公司"  # its 司 lost under the seal, too
    assert v["party_b"] == "武汉安智信息科技有限公司"


def test_a_form_broken_off_with_the_seals_legend_after_it_is_cut_there():
    """委托人：宁波启卓食品有限公简品育限: only 司 goes on from 有限公, so what follows is no part of
    the name (the seal's legend); the form is completed."""
    v = values(page(
        line("授权委托书", 500, 0),
        line("委托人：宁波启卓食品有限公简品育限", 100, 2),
        line("法定代表人：马斌", 100, 3),
        line("受托人：姜超勇", 100, 4),
    ))
    assert v["principal"] == "宁波启卓食品有限公司"


def test_a_name_read_in_pieces_at_its_slot_is_the_whole_one_its_letter_prints():
    """星丰环保科技有 | 任公 under the seal (place and 限责 lost): every character of it is, in
    order, in the one whole name the letter's first sentence prints."""
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书声明：杭州星丰环保科技有限责任公司（统一社会信用代码：913", 100, 2),
        line("30106078473342H）法定代表人肖倩，现授权委托龙佳为本单位的合法代理人。", 100, 2 + 45 / 80),
        line("授权单位（盖章）", 100, 6), line("星丰环保科技有", 400, 6), line("任公", 620, 6),
        line("日期：2023年02月10日", 100, 8),
    ))
    assert v["principal"] == "杭州星丰环保科技有限责任公司"


def test_a_piece_of_a_name_is_made_whole_only_from_the_one_free_name_holding_it():
    """The slot's piece fits two whole names: left as read. With one of them another
    field's value, the other is the piece's. Too short a piece, or one short of the name's
    share (MIN_PIECE_SHARE), stands for nothing."""
    from extractors.fields import whole_name_holding

    text = "甲方：杭州星丰环保科技有限公司，乙方：星丰环保科技（杭州）有限公司。"
    assert whole_name_holding("星丰环保科技有限公", text, set()) is None
    assert whole_name_holding("星丰环保科技有限公", text, {"杭州星丰环保科技有限公司"}) == "星丰环保科技（杭州）有限公司"
    assert whole_name_holding("丰环保", text, set()) is None
    assert whole_name_holding("星丰环保有限", text, set()) is None  # 6 of 12 and of 14


def test_a_letter_in_running_text_gives_its_parties_and_the_codes_it_wraps():
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书声明：厦门恒远环保科技有限公司（统一社会信用代码：9135020", 100, 2),
        line("3MA23XH2R33）法定代表人邓军，现授权委托顾雪佳（身份证号码：350203", 100, 2 + 45 / 80),
        line("19801104724X）为本单位的合法代理人。", 100, 2 + 90 / 80),
        line("本授权书自签发之日起生效，有效期至2026年12月14日。", 100, 4),
        line("授权单位（盖章）：厦门恒远环保科技有限公司", 100, 6),
        line("邓军", 500, 6.9),
        line("法定代表人（签字或盖章）：", 100, 7.3),
        line("顾雪佳", 500, 8.2),
        line("被授权人（签字）：", 100, 8.6),
        line("日期：2025年12月14日", 100, 10),
    ))
    assert v["doc_type"] == "authorization_letter"
    assert v["principal"] == "厦门恒远环保科技有限公司"
    assert v["principal_uscc"] == "91350203MA23XH2R33"
    assert v["agent_id_number"] == "35020319801104724X"
    assert v["agent_name"] == "顾雪佳"
    # The name near 法定代表人（签字或盖章） is where a hand signs: the printed one is in the text.
    assert v["legal_rep"] == "邓军"
    assert v["valid_to"] == "2026-12-14"


def test_a_wrapped_code_whose_label_was_misread_is_still_joined():
    """统一社会信用代码 read 统社会信用代码 and cut into two boxes: no label to find, but
    the page's one code that validates, wrapped at the end of its row, is the principal's."""
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书声明：厦门恒远环保科技有限公司（统社会", 100, 2),
        line("信用代码三9135020", 900, 2),
        line("3MA23XH2R33）法定代表人邓军，现授权委托顾雪佳。", 100, 2 + 45 / 80),
        line("授权单位（盖章）：厦门恒远环保科技有限公司", 100, 6),
    ))
    assert v["principal_uscc"] == "91350203MA23XH2R33"


def test_a_wrapped_code_is_joined_only_when_the_pieces_make_eighteen():
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("兹证明北京某某科技有限公司（统一社会信用代码：9135020", 100, 2),
        line("3MA23XH2R3）法定代表人邓军。", 100, 2 + 45 / 80),  # one character short
        line("授权单位：北京某某科技有限公司", 100, 4),
    ))
    assert v.get("principal_uscc") is None


def test_a_bank_letter_names_the_depositor_in_its_first_sentence_when_its_label_is_lost():
    """户名 read 广名 (a blurred 户): the letter's first sentence names the depositor, up to
    its bracketed code or the sentence going on. The table's label, where read, comes first."""
    def letter(first_sentence: str, label: str) -> dict:
        return values(page(
            line("中国工商银行股份有限公司杭州西湖支行", 100, 0),
            line("开户证明", 500, 1),
            line(first_sentence, 100, 2),
            line("8G）于2010年03月11日在我行开立人民币基本存款账户，账户信息如下：", 100, 2 + 45 / 80),
            line(label + "：杭州嘉鸿环保科技有限责任公司", 100, 3),
            line("账号：2718692938131130608", 100, 4),
            line("开户行：中国工商银行股份有限公司杭州西湖支行", 100, 5),
        ))

    bracket = letter("兹证明杭州嘉鸿环保科技有限责任公司（统一社会信用代码：9133010636724269", "广名")
    assert bracket["doc_type"] == "bank_account_proof"
    assert bracket["account_name"] == "杭州嘉鸿环保科技有限责任公司"
    going_on = letter("兹证明杭州嘉鸿环保科技有限责任公司于2010年03月11日在我行开立", "广名")
    assert going_on["account_name"] == "杭州嘉鸿环保科技有限责任公司"
    # The label read: its value, not the sentence's (here told apart by a different name).
    labelled = letter("兹证明杭州嘉鸿环保科技有限公司于2010年03月11日在我行开立", "户名")
    assert labelled["account_name"] == "杭州嘉鸿环保科技有限责任公司"


def test_a_speck_between_a_label_and_its_value_is_passed_over():
    """A seal's dot read as 1 or 2 in a box of its own, a third of the text's height, just
    after the label: no part of the name. A character of full height stays."""
    def holder(mark: OcrLine) -> str:
        return values(page(
            line("质量管理体系认证证书", 400, 0),
            line("证书编号：27015Q02208R2M", 400, 1),
            line("组织名称：", 100, 2), mark, line("西安澜雅医疗器械有限公司", 400, 2),
            line("统一社会信用代码", 100, 3), line("91350100M000100Y43", 400, 3),
            line("有效期至：2029年02月23日", 100, 4),
        ))["holder"]

    speck = OcrLine("1", 0.87, Box(365, 100 + 2 * 80 + 8, 20, 10))
    assert holder(speck) == "西安澜雅医疗器械有限公司"
    han = OcrLine("陕", 0.87, Box(365, 100 + 2 * 80, 20, 30))
    assert holder(han) == "陕西安澜雅医疗器械有限公司"
    # A taller fleck the recogniser doubts (电 at 0.56, two thirds of the text's height) is
    # a speck too; the same box read surely is a character.
    doubted = OcrLine("电", 0.56, Box(365, 100 + 2 * 80 + 5, 20, 19))
    assert holder(doubted) == "西安澜雅医疗器械有限公司"
    sure = OcrLine("陕", 0.95, Box(365, 100 + 2 * 80 + 5, 20, 19))
    assert holder(sure) == "陕西安澜雅医疗器械有限公司"


def test_a_speck_after_a_signed_name_is_no_part_of_it():
    """A seal's dot read as 日 just after a signature, a fifth of the row's height."""
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("授权单位（盖章）：深圳润宏电子科技有限公司", 100, 5),
        line("法定代表人（签字或盖章）", 100, 6),
        OcrLine("曹志", 0.99, Box(480, 560, 70, 60)), OcrLine("日", 0.9, Box(575, 600, 15, 10)),
        line("被授权人（签字）：", 100, 7), OcrLine("崔斌涛", 0.99, Box(480, 640, 100, 60)),
    ))
    assert v["legal_rep"] == "曹志"
    assert v["agent_name"] == "崔斌涛"


def test_specks_do_not_lower_the_text_height_they_are_judged_by():
    # The seal left two flecks after the slot's name (自, half its height; 口, a third): with
    # them in the row's median, 自 was not small enough to be a speck, and the name cut
    # short with it (西安程安建筑卫程自) was too far from the letter's to be completed.
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书声明：西安程安建筑工程有限公司（统一社会信用代码：91610113920320808P）", 100, 1),
        line("授权单位（盖章）", 100, 5), OcrLine("西安程安建筑卫程", 0.95, Box(350, 500, 320, 37)),
        OcrLine("自", 0.96, Box(675, 510, 25, 16)), OcrLine("口", 0.51, Box(740, 512, 25, 12)),
        line("被授权人（签字）：", 100, 7), OcrLine("崔斌涛", 0.99, Box(480, 640, 100, 60)),
    ))
    assert v["principal"] == "西安程安建筑工程有限公司"


def test_an_amount_keeps_its_figure_when_a_note_follows_it():
    v = values(page(
        line("第三条 合同价款", 100, 0),
        line("合同总价：￥3,121,001.00（含税）", 100, 1),
        line("人民币大写：叁佰壹拾贰万壹仟零壹元整", 100, 2),
    ))
    assert v["doc_type"] == "contract_amount_page"
    assert v["amount"] == 3121001
    assert v["amount_text"] == "¥3,121,001.00"


def test_a_title_outweighs_words_the_body_borrows_from_another_type():
    # A permit asks for its holder's 统一社会信用代码(或营业执照注册号), 法定代表人 and 注册资本:
    # a licence's words; its title says what it is.
    title = line("建筑业企业资质证书", 600, 0)
    title = OcrLine(title.text, title.conf, Box(title.box.x, title.box.y, title.box.w * 2, title.box.h * 2))  # printed large
    result = page(
        title,
        line("证书编号：D335266009", 100, 1), line("有效期：2031年07月01日", 1200, 1),
        line("企业名称", 100, 2), line("厦门恒远环保科技有限公司", 600, 2),
        line("统一社会信用代码(或营业执照注册号)", 100, 3), line("91350203MA23XH2R33", 700, 3),
        line("法定代表人", 100, 4), line("邓军", 600, 4),
        line("注册资本", 100, 5), line("200万元人民币", 600, 5),
    )
    assert classify_page(result.pages[0]).doc_type == "qualification"
    v = values(result)
    assert v["holder"] == "厦门恒远环保科技有限公司"
    assert v["holder_uscc"] == "91350203MA23XH2R33"
    assert v["cert_no"] == "D335266009"
    assert v["valid_to"] == "2031-07-01"


def test_a_property_certificate_gives_its_address_and_stops_at_the_next_label():
    v = values(page(
        line("闽（2025）厦门市不动产权第0417869号", 1200, 0),
        line("权利人", 1000, 1), line("厦门恒远环保科技有限公司", 1300, 1),
        line("坐落", 1000, 2), line("福建省厦门市思明区科技园路860号", 1300, 2),
        line("不动产单元号", 1000, 2.6), line("350203659228GB17548F68058429", 1300, 2.6),
        line("权利类型", 1000, 3.2), line("国有建设用地使用权/房屋所有权", 1300, 3.2),
    ))
    assert v["doc_type"] == "address_proof"
    assert v["address"] == "福建省厦门市思明区科技园路860号"


def test_an_issue_date_beside_other_text_on_its_row_is_still_found():
    v = values(licence(web=[line("http://www.gsxt.gov.cn", 100, 9), line("2015年12月22日", 1500, 9.1)]))
    assert v["issue_date"] == "2015-12-22"


def test_values_a_little_above_their_labels_go_with_the_nearest_label():
    # A photographed account licence not quite squared up: each value sits ~0.7 of a line
    # above its label, so it is nearer its own label than the next one.
    def at(text, x, y):
        return OcrLine(text, 0.95, Box(x, y, max(30, len(text) * 30), 30))

    v = values(page(
        at("开户许可证", 600, 100),
        at("核准号：J3401853635953", 230, 200),
        at("合肥煜思电子科技有限公司", 650, 280), at("存款人名称", 300, 300),
        at("交通银行股份有限公司合肥蜀山支行", 650, 336), at("开户银行", 300, 358),
        at("293217821897219243349", 650, 398), at("账号", 300, 420),
    ))
    assert v["doc_type"] == "bank_account_proof"
    assert v["account_name"] == "合肥煜思电子科技有限公司"
    assert v["bank"] == "交通银行股份有限公司合肥蜀山支行"
    assert v["account_no"] == "293217821897219243349"


def test_a_speck_between_a_label_and_its_number_is_passed_over():
    """账号   二   5466…: a seal's speck read as 二, alone between the label and a wide gap,
    is not the number; the number after the gap is."""
    def at(text, x, y, w=None):
        return OcrLine(text, 0.95, Box(x, y, w or max(30, len(text) * 30), 30))

    v = values(page(
        at("基本存款账户信息", 600, 100),
        at("账户名称", 150, 200), at("南京鑫信商贸有限责任公司", 540, 200),
        at("账号", 150, 270), at("二", 430, 272, 26), at("546642769708747687914", 540, 270, 350),
        at("开户银行", 150, 340), at("交通银行股份有限公司南京鼓楼支行", 540, 340),
    ))
    assert v["account_no"] == "546642769708747687914"


@pytest.mark.parametrize("stacked", [False, True])
def test_both_slots_lost_under_their_seals_leave_the_names_in_signing_order(stacked):
    """Neither 甲方（盖章） nor 乙方（盖章） read: the page's two names on lines of their own
    are the parties, 甲方 left of 乙方 on one row, or above it."""
    a, b = "成都瑞雅商贸股份有限公司", "厦门弘明环保科技有限公司"
    names = [line(b, 100, 4.9), line(a, 100, 2.9)] if stacked else [line(b, 900, 2.9), line(a, 100, 2.95)]
    v = values(page(
        line("本合同一式肆份，甲乙双方各执贰份，具有同等法律效力。", 100, 0),
        line("（以下无正文，为签署页）", 500, 1),
        *names,
        line("日期：2022年11月18日", 100, 6),
    ))
    assert (v.get("party_a"), v.get("party_b")) == (a, b)


def test_a_name_read_surely_is_not_taken_for_another_company_printed_above_it():
    """The archive's keeper (合肥启安…) at the top, the customer (合肥海卓…, two characters
    off) after 单位名称：. The label read less surely than both names says nothing of how
    surely the customer's name was read: it stands."""
    v = values(page(
        line("档案袋", 600, 0),
        line("合肥启安文化传媒有限责任公司", 600, 1, conf=1.0),
        line("单位名称：", 200, 2.5, conf=0.98), line("合肥海卓文化传媒有限责任公司", 460, 2.5, conf=1.0),
        line("档案号：", 200, 4), line("2024-LEGAL-003", 460, 4),
        line("归档日期：", 200, 5), line("2024.11.01", 460, 5),
        line("保管人：", 200, 6), line("彭雪娟", 460, 6),
    ))
    assert v["doc_type"] == "archive_cover"
    assert v["name"] == "合肥海卓文化传媒有限责任公司"


def test_the_other_partys_name_starting_just_left_of_its_label_is_not_beside_this_one():
    """甲方（盖意）思牛 (the note misread, the legend read on) stands tall over the row
    below; 乙方's name there starts a pixel left of 乙方's label. It is 乙方's: 甲方's is
    the one under 甲方."""
    def at(text, x, y, w, h=40, conf=0.99):
        return OcrLine(text, conf, Box(x, y, w, h))

    v = values(page(
        at("本合同一式肆份，甲乙双方各执贰份，具有同等法律效力。", 200, 250, 1060),
        at("(以下无正文，为签署页)", 560, 390, 300),
        at("甲方（盖意）思牛", 135, 590, 228, h=98), at("乙方(盖章)", 752, 620, 160),
        at("长沙智晟物流有限公司", 751, 676, 339, h=50), at("厦门迈思物流有限公司", 149, 684, 282),
        at("日期：2025年02月01日", 150, 994, 290), at("日期：2025年02月01日", 755, 994, 290),
    ))
    assert v["party_a"] == "厦门迈思物流有限公司"
    assert v["party_b"] == "长沙智晟物流有限公司"


def test_a_page_marked_as_the_signing_page_is_one_though_its_seals_hide_the_notes():
    # 盖章 notes under the seals, only 日期 printed: the 无正文/签署页 marker decides.
    v = values(page(
        line("本合同一式肆份，甲乙双方各执贰份，具有同等法律效力。", 100, 0),
        line("（以下无正文，为签署页）", 500, 1),
        line("甲方：", 100, 2), line("乙方：", 900, 2),
        line("北京骏鼎物流有限公司", 100, 2.95), line("长沙鼎润电子科技有限公司", 900, 2.95),
        line("日期：2023年05月18日", 100, 5), line("日期：2023年05月18日", 900, 5),
    ))
    assert v["doc_type"] == "contract_signature_page"
    assert (v["party_a"], v["party_b"]) == ("北京骏鼎物流有限公司", "长沙鼎润电子科技有限公司")


# Signature pages whose seals sit on the party names: a seal's arc is read as a short line
# beside a label, the label's note is misread or read apart, a neighbour's value starts a
# little left of its label.

def test_a_seal_fragment_beside_the_labels_is_no_party_name():
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("疗器", 1150, 1.7),
        line("甲方（盖章）：", 100, 2), line("乙方（盖章）：", 900, 2),
        line("西安盛昊商贸有限责任公司", 100, 2.85), line("北京禾新医疗器械有限公司", 900, 2.85),
        line("日期：2025年06月09日", 100, 5), line("日期：2025年06月09日", 900, 5),
    ))
    assert v["party_a"] == "西安盛昊商贸有限责任公司"
    assert v["party_b"] == "北京禾新医疗器械有限公司"


def test_a_whole_name_below_beats_a_piece_of_one_beside():
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("医疗器成", 1150, 1.72),
        line("甲方（盖章）：", 100, 2), line("乙方（盖章）：", 900, 2),
        line("成都盛骏环保科技有限公司", 100, 2.85), line("北京禾新医疗器械有限公司", 896, 2.85),
        line("日期：2023年08月24日", 100, 5), line("日期：2023年08月24日", 900, 5),
    ))
    assert v["party_a"] == "成都盛骏环保科技有限公司"
    assert v["party_b"] == "北京禾新医疗器械有限公司"


def test_a_misread_or_split_seal_note_still_belongs_to_the_label():
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("甲方", 100, 2), line("（盖草）", 180, 2), line("乙方盖草）", 900, 2),
        line("武汉晟晨", 100, 2.85), line("物流有限公司", 225, 2.85), line("北京禾新医疗器械有限公司", 900, 2.85),
        line("日期：2023年01月08日", 100, 5), line("日期：2023年01月08日", 900, 5),
    ))
    assert v["party_a"] == "武汉晟晨物流有限公司"
    assert v["party_b"] == "北京禾新医疗器械有限公司"


def test_a_name_cut_short_after_its_label_is_not_swapped_for_another_below():
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("甲方（盖章）：北京星澜科技", 100, 2),
        line("天津泰汇建筑工程有限公司", 100, 2.85),
        line("日期：2024年03月18日", 100, 5),
    ))
    assert v["party_a"] == "北京星澜科技"


@pytest.mark.parametrize(
    ("slot_a", "slot_b"),
    [
        ("甲方（盖章烂", "乙方（盖彰）"),  # the note misread, a seal's edge read as 烂
        # 乙方（盖章） and the seal stamped over it read as one line:
        ("甲方（盖章）", "乙方（盖意物流股价化）"),
        # …or with part of the seal's legend, which repeats the name printed below:
        ("甲方（盖章）：", "乙方（盖章）原医疗器械"),
        # …or the note misread with its brackets lost, the legend after it:
        ("甲方盖剧文化", "乙方（盖章）"),
    ],
)
def test_what_a_seal_leaves_after_a_party_label_is_no_name_and_the_name_below_is(slot_a, slot_b):
    v = values(page(
        line("(以下无正文，为签署页)", 500, 0),
        line(slot_a, 100, 2), line(slot_b, 900, 2),
        line("北京骏鼎物流有限公司", 100, 2.9), line("广州泰鑫医疗器械有限公司", 900, 2.9),
        line("签订日期：2023年05月18日", 100, 5), line("签订日期：2023年05月18日", 900, 5),
    ))
    assert v["party_a"] == "北京骏鼎物流有限公司"
    assert v["party_b"] == "广州泰鑫医疗器械有限公司"


def test_a_name_past_a_wide_gap_after_a_slots_seal_note_is_the_party():
    # 授权单位（盖章）   深圳润宏…: the note ends the label's line; the name follows the gap.
    v = values(page(
        line("法人授权委托书", 500, 0),
        line("兹授权我单位员工办理开户事宜，特此授权。", 100, 1),
        line("授权单位（盖章）", 100, 3), line("深圳润宏电子科技有限公司", 600, 3),
        line("日期：2023年07月17日", 100, 5),
    ))
    assert v["principal"] == "深圳润宏电子科技有限公司"


@pytest.mark.parametrize(
    ("left", "right", "party_a"),
    [
        # A name split by its seal: the form's end lies past the gap.
        ("合肥昊迈环保科技有限", "公司", "合肥昊迈环保科技有限公司"),
        ("合肥昊迈环保科技有限责", "任公司", "合肥昊迈环保科技有限责任公司"),
        # The next column's name (乙方's label lost under its seal): the name ends where the
        # wide gap begins, whole or with its form begun and no end of it past the gap.
        ("武汉丰众文化传媒股份有限公司", "苏州诺利文化传媒股份有限公司", "武汉丰众文化传媒股份有限公司"),
        ("合肥昊迈环保科技有限", "南京通正物流有限", "合肥昊迈环保科技有限"),
    ],
)
def test_a_name_goes_on_past_a_gap_only_to_the_end_of_its_form(left, right, party_a):
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("甲方（盖章）：", 100, 2),
        line(left, 100, 2.85), line(right, 100 + 30 * len(left) + 300, 2.85),
        line("日期：2022年03月27日", 100, 5), line("日期：2022年03月27日", 700, 5),
    ))
    assert v["party_a"] == party_a


def test_a_row_of_stray_marks_between_the_labels_and_the_names_is_passed_over():
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("甲方", 100, 2), line("（盖章）", 180, 1.95), line("m", 300, 1.8), line("乙方(盖章)", 900, 2),
        line("众", 190, 2.4),
        line("苏州众晟物流有限责任公司", 100, 2.85), line("杭州嘉澜信息科技有限公司", 900, 2.85),
        line("日期：2023年06月10日", 100, 5), line("日期：2023年06月10日", 900, 5),
    ))
    assert v["party_a"] == "苏州众晟物流有限责任公司"
    assert v["party_b"] == "杭州嘉澜信息科技有限公司"


def test_a_mark_alone_between_a_label_and_its_name_is_passed_over():
    v = values(page(
        line("授权委托书", 700, 0),
        line("委托单位", 100, 1), line("三", 420, 1.05), line("西安煜源物流有限公司", 600, 1),
        line("法定代表人", 100, 2), line("吕飞国", 600, 2),
        line("被委托人", 100, 3), line("黎兰", 600, 3),
        line("委托期限", 100, 4), line("自2023年10月27日至2027年10月27日", 600, 4),
    ))
    assert v["doc_type"] == "authorization_letter"
    assert v["principal"] == "西安煜源物流有限公司"
    assert v["legal_rep"] == "吕飞国"


def test_a_signature_blocks_own_line_below_a_party_label_is_no_party_name():
    """The name under the seal was lost; the block's next line (the representative's slot
    and signature) must not stand in for it."""
    v = values(page(
        line("本合同经双方签字盖章后生效。", 100, 0),
        line("甲方（盖章）：", 100, 2), line("乙方（盖章）：", 900, 2),
        line("法定代表人或授权代表（签字）", 100, 2.9), line("卢海健", 560, 2.8),
        line("杭州嘉澜信息科技有限公司", 900, 2.85),
        line("签订日期：2023年04月05日", 100, 5), line("签订日期：2023年04月05日", 900, 5),
    ))
    assert v["doc_type"] == "contract_signature_page"
    assert v.get("party_a") is None
    assert v["party_b"] == "杭州嘉澜信息科技有限公司"


def test_a_label_that_lost_characters_at_either_end_still_finds_its_value():
    """签发机关 read 发机关 (its first character under a seal's edge). A two-character label
    is never tried clipped: 称 alone would be taken anywhere."""
    v = values(page(
        line("中华人民共和国", 300, 0), line("居民身份证", 300, 1),
        line("发机关青岛市公安局市南分局", 100, 3),
        line("效期限2021.06.02-2041.06.02", 100, 4),
    ))
    assert v["doc_type"] == "id_card"
    assert v["authority"] == "青岛市公安局市南分局"
    assert (v["valid_from"], v["valid_to"]) == ("2021-06-02", "2041-06-02")
    # Two characters lost (签发 and 有效 under the card's edge).
    two_off = values(page(
        line("中华人民共和国", 300, 0), line("居民身份证", 300, 1),
        line("机关青岛市公安局市南分局", 100, 3),
        line("期限2021.06.02-长期", 100, 4),
    ))
    assert two_off["authority"] == "青岛市公安局市南分局"
    assert (two_off["valid_from"], two_off["valid_to"]) == ("2021-06-02", "长期")
    # The last character lost (有效期 for 有效期限, the period right after it).
    end_off = values(page(
        line("中华人民共和国", 300, 0), line("居民身份证", 300, 1),
        line("签发机关深圳市公安局南山分局", 100, 3),
        line("有效期2014.11.26-长期", 100, 4),
    ))
    assert (end_off["valid_from"], end_off["valid_to"]) == ("2014-11-26", "长期")

    lic = values(page(
        line("营业执照", 800, 0),
        line("统一社会信用代码", 100, 1), line("91350100M000100Y43", 600, 1),
        line("称杭州星澜信息科技有限公司", 100, 2),
        line("类型", 100, 3), line("有限责任公司(自然人投资或控股)", 600, 3),
    ))
    assert lic["doc_type"] == "business_licence"
    assert lic.get("name") is None

    # Printed spaced out (名　称), the label's 名 lost: 称 is a line of its own at the row's
    # start, and the name follows it past the gap.
    spaced = values(page(
        line("营业执照", 800, 0),
        line("统一社会信用代码", 100, 1), line("91350100M000100Y43", 600, 1),
        line("称", 200, 2), line("杭州星澜信息科技有限公司", 600, 2), line("注册资本", 1300, 2), line("伍佰万元整", 1600, 2),
        line("类", 100, 3), line("型", 200, 3), line("有限责任公司(自然人投资或控股)", 600, 3),
    ))
    assert spaced["name"] == "杭州星澜信息科技有限公司"
    second_lost = values(page(
        line("营业执照", 800, 0),
        line("统一社会信用代码", 100, 1), line("91350100M000100Y43", 600, 1),
        line("名", 100, 2), line("杭州星澜信息科技有限公司", 600, 2),
        line("类", 100, 3), line("型", 200, 3), line("有限责任公司(自然人投资或控股)", 600, 3),
    ))
    assert second_lost["name"] == "杭州星澜信息科技有限公司"
    # …and in a row's second column, after another field's label and value.
    second_column = values(licence(
        addr=[line("住", 1300, 5), line("浙江省杭州市西湖区", 1600, 5)],
    ))
    assert second_column["address"] == "浙江省杭州市西湖区88号"
    # 甲方 and 乙方 both end in 方: a 方 left alone names neither.
    sides = values(page(
        line("（以下无正文，为签署页）", 500, 0),
        line("方", 140, 2), line("上海天众建筑工程有限公司", 300, 2),
        line("法定代表人或委托代理人：", 100, 3.5),
        line("日期：2022年10月12日", 100, 5),
    ))
    assert sides.get("party_a") is None and sides.get("party_b") is None


@pytest.mark.parametrize(
    ("period", "valid"),
    [
        # 有效期限 lost (faded, under the seal): the row that is only a period is it.
        ("2025.09.30-2045.09.30", ("2025-09-30", "2045-09-30")),
        ("2008.10,02-长期", ("2008-10-02", "长期")),
        # A date's dot read as a comma is still a dot.
        ("有效期限2008.10,02-长期", ("2008-10-02", "长期")),
    ],
)
def test_an_id_cards_validity_is_read_with_its_label_or_a_dot_lost(period, valid):
    v = values(page(
        line("中华人民共和国", 300, 0), line("居民身份证", 300, 1),
        line("签发机关宁波市公安局海曙分局", 100, 3),
        line(period, 100, 4),
    ))
    assert v["doc_type"] == "id_card"
    assert (v["valid_from"], v["valid_to"]) == valid


@pytest.mark.parametrize(
    ("row", "account_no"),
    [
        ("账7077660548614201535", "7077660548614201535"),  # 号 lost under the seal
        ("账号：7077660548614201535", "7077660548614201535"),
        ("户7077660548614201535", None),  # another label's start: no account number's
        ("账70776605", None),  # too short for an account number
    ],
)
def test_an_account_number_whose_label_lost_its_end_is_still_found(row, account_no):
    v = values(page(
        line("中国农业银行股份有限公司西安雁塔支行", 200, 0),
        line("开户证明", 600, 1),
        line("兹证明西安恒锦餐饮管理有限公司于2016年05月29日在我行开立人民币基本存款账户。", 100, 2),
        line("户名：西安恒锦餐饮管理有限公司", 100, 3),
        line(row, 100, 4),
        line("开户行：中国农业银行股份有限公司西安雁塔支行", 100, 5),
    ))
    assert v["doc_type"] == "bank_account_proof"
    assert v.get("account_no") == account_no


def test_a_value_a_little_below_its_label_is_not_taken_from_the_label_above():
    """Every value printed half a row low (a form filled in off its lines): the date nearest
    the 有效期至 label is the one on the row above, but that one follows its own label."""
    v = values(page(
        line("质量管理体系认证证书", 500, 0),
        line("证书编号：34333Q80387R0S", 500, 0.6),
        line("组织名称：", 100, 1.5), line("南京天智餐饮管理股份有限公司", 420, 1.7),
        # y 300, 314 | 327, 343: each date half a line below its label (rows 80 px, lines 30).
        line("本次发证日期：", 100, 2.5), line("2026年04月11日", 420, 2.675),
        line("有效期至：", 100, 2.8375), line("2029年04月10日", 420, 3.0375),
    ))
    assert v["doc_type"] == "qualification"
    assert v["valid_to"] == "2029-04-10"


def test_a_signature_read_in_part_is_the_printed_name_that_holds_it():
    def letter(signature: str) -> dict:
        return values(page(
            line("法定代表人授权书", 400, 0),
            line("本授权书声明：北京迈骏环保科技有限公司（统一社会信用代码：9111010", 100, 2),
            line("8MAW53N5L22）法定代表人丁英婷，现授权委托黄琳为本单位的合法代理人。", 100, 2 + 45 / 80),
            line("代理人在上述授权范围内所签署的一切文件，本单位均予以承认。", 100, 3),
            line("授权单位（盖章）：北京迈骏环保科技有限公司", 100, 6),
            line("法定代表人（签字或盖章）：", 100, 7), line(signature, 700, 6.9),
            line("被授权人（签字）：", 100, 8), line("黄琳", 560, 8),
        ))

    v = letter("英婷")
    assert v["doc_type"] == "authorization_letter"
    assert v["legal_rep"] == "丁英婷"
    assert v["agent_name"] == "黄琳"
    # A signature that is no part of the printed name stays what was signed.
    assert letter("王军")["legal_rep"] == "王军"


def test_a_glyph_read_twice_where_two_boxes_of_one_line_overlap_counts_once():
    """The detector boxed 委托方（甲方）：… in two overlapping pieces and both read 方; under a
    seal, 传媒有 | 有 | 公司 read 有 twice and lost 限. A name's own doubled character (西安安汇)
    split where two boxes only touch is kept."""
    def at(text, x, w, row=2):
        return OcrLine(text, 0.95, Box(x, 100 + row * 80, w, 30))

    first = values(page(
        line("编号：HT-2025-3891", 100, 0), line("技术服务合同", 600, 1),
        at("委托方", 174, 77), at("方（甲方）：宁波曦鑫环保科技有限责任公司", 241, 536),
        line("受托方（乙方）：西安嘉华商贸有限责任公司", 100, 3),
        line("签订时间：2025年7月9日", 100, 4),
    ))
    assert first["doc_type"] == "contract_first_page"
    assert first["party_a"] == "宁波曦鑫环保科技有限责任公司"
    assert first["party_b"] == "西安嘉华商贸有限责任公司"

    letter = values(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书声明：", 100, 1),
        line("代理人在上述授权范围内所签署的一切文件，本单位均予以承认。", 100, 3),
        at("授权单位（盖章）：西安宏立文化传媒有", 164, 466, row=6), at("有", 614, 31, row=6), at("公司", 673, 46, row=6),
    ))
    assert letter["doc_type"] == "authorization_letter"
    assert letter["principal"] == "西安宏立文化传媒有限公司"

    touching = values(page(
        line("营业执照", 800, 0),
        line("统一社会信用代码", 100, 1), line("91350100M000100Y43", 600, 1),
        line("名称", 100, 2), at("西安", 600, 60), at("安汇建筑工程有限公司", 660, 300),
    ))
    assert touching["name"] == "西安安汇建筑工程有限公司"


def test_a_party_whose_role_word_was_lost_under_its_seal_is_read_at_the_one_slot_left():
    """甲方（盖章）read 方（盖章） or 盖章) (its column's value below) or （盖章）：… (value after): the seal
    is stamped on the slot, so its role word is what goes. Two such slots for one missing
    party, or two missing parties, would be a guess: nothing is taken."""
    def signature_page(*slot_lines):
        return values(page(
            line("（以下无正文，为签署页）", 500, 0),
            *slot_lines,
            line("乙方（盖章）：南京嘉泰建筑工程有限公司", 100, 5),
            line("法定代表人或授权代表（签字）：", 100, 6),
            line("签订日期：2025年04月20日", 100, 7),
        ))

    after = signature_page(line("（盖章）：广州骏睿信息科技有限公司", 100, 2), line("法定代表人或授权代表（签字）：", 100, 3))
    assert after["doc_type"] == "contract_signature_page"
    assert after["party_a"] == "广州骏睿信息科技有限公司"
    assert after["party_b"] == "南京嘉泰建筑工程有限公司"

    below = signature_page(line("方（盖章）", 100, 2), line("杭州天安环保科技有限责任公司", 100, 2.6))
    assert below["party_a"] == "杭州天安环保科技有限责任公司"

    # 甲方（盖章） read 盖章) alone: its name below starts under the lost 甲方（, left of what
    # is left of the slot, and was read in pieces under the seal.
    lost_more = signature_page(
        line("盖章)", 100 + 3 * 40, 2),
        line("晟合", 100, 2.6), line("(重庆", 190, 2.6), line("）信息科技有限责任公司", 260, 2.6),
    )
    assert lost_more["party_a"] == "晟合（重庆）信息科技有限责任公司"

    two_slots = signature_page(line("（盖章）：广州骏睿信息科技有限公司", 100, 2), line("（盖章）：杭州天安环保科技有限责任公司", 100, 3.5))
    assert two_slots.get("party_a") is None

    # The whole slot lost under the seal: the one whole name no field holds is the party's.
    no_slot = values(page(
        line("（以下无正文，为签署页）", 500, 0),
        line("甲方（盖章）：", 100, 2), line("上海天众建筑工程有限公司", 900, 2.55),
        line("越迈（西安）物流有限公司", 100, 2.65),
        line("法定代表人或委托代理人：", 100, 3.5), line("法定代表人或委托代理人：", 900, 3.5),
        line("日期：2022年10月12日", 100, 5), line("日期：2022年10月12日", 900, 5),
    ))
    assert no_slot["party_a"] == "越迈（西安）物流有限公司"
    assert no_slot["party_b"] == "上海天众建筑工程有限公司"
    two_names = values(page(
        line("（以下无正文，为签署页）", 500, 0),
        line("甲方（盖章）：越迈（西安）物流有限公司", 100, 2),
        line("上海天众建筑工程有限公司", 900, 2.5), line("上海天众建筑工程有限公司北京分公司", 900, 3),
        line("日期：2022年10月12日", 100, 5),
    ))
    assert two_names.get("party_b") is None

    neither = values(page(
        line("（以下无正文，为签署页）", 500, 0),
        line("（盖章）：广州骏睿信息科技有限公司", 100, 2),
        line("签订日期：2025年04月20日", 100, 7),
    ))
    assert neither.get("party_a") is None and neither.get("party_b") is None


@pytest.mark.parametrize(
    "party_b_lines",
    [
        # 乙方 boxed apart from its note: the note is 乙方's slot, not one whose role was lost.
        [line("乙方", 900, 2), line("（盖章）：", 900 + 2 * 40 + 10, 2), line("上海天众建筑工程有限公司", 900, 2.6)],
        # The seal split 乙方's name: its end is a piece of that name, not 甲方's.
        [line("乙方（盖章）", 900, 2), line("上海天众建筑工程", 900, 2.6), line("有限公司", 900 + 9 * 40, 2.6)],
        [line("乙方（盖章）", 900, 2), line("上海天众建筑", 900, 2.6), line("工程有限公司", 900 + 7 * 40, 2.6)],
    ],
)
def test_a_party_with_its_slot_and_name_lost_takes_nothing_of_the_other_partys(party_b_lines):
    # 甲方's whole slot is under its seal and its name was read only in part (…食品有限发):
    # no line on the page is its name, so it is left unread.
    v = values(page(
        line("（以下无正文，为签署页）", 500, 0),
        *party_b_lines,
        line("北京联利食品有限发", 100, 2.6),
        line("法定代表人或委托代理人：", 100, 3.5), line("法定代表人或委托代理人：", 900, 3.5),
        line("日期：2022年10月12日", 100, 5), line("日期：2022年10月12日", 900, 5),
    ))
    assert v["party_b"] == "上海天众建筑工程有限公司"
    assert v.get("party_a") is None


def test_a_label_inside_another_fields_longer_label_is_not_its_own():
    # 授权人 (the principal's label) stands inside 被授权人 (the agent's): that row is the
    # agent's, whatever order the rows are tried in.
    v = values(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书自签发之日起生效，有效期至2029年01月04日。", 100, 1),
        line("授权单位（盖章）", 100, 3), line("合肥创骏食品股份有限公司", 400, 3),
        line("法定代表人（签字或盖章）", 100, 4), line("陆超俊", 500, 4),
        line("被授权人（签字）：", 100, 5), line("蒋平", 450, 5),
        line("日期：2026年01月04日", 100, 6),
    ))
    assert v["principal"] == "合肥创骏食品股份有限公司"
    assert v["agent_name"] == "蒋平"


def test_prose_after_a_party_word_is_no_name_unless_a_whole_one():
    # 甲方 lost from its label (…方 | （托运方）：…): the clause 甲方出具的托运单为准。 is the
    # next place 甲方 stands, and what follows it there is no party.
    v = values(page(
        line("物流运输合同", 600, 0),
        line("方", 80, 2), line("（托运方）：南京鼎澜文化传媒有限责任公司", 120, 2),
        line("乙方（承运方）：深圳汇利信息科技有限公司", 100, 3),
        line("第一条运输货物", 100, 5),
        line("甲方委托乙方运输的货物为日用品及包装材料，每批货物的品名、数量、重量以", 100, 6),
        line("甲方出具的托运单为准。", 100, 7),
    ))
    assert v["party_b"] == "深圳汇利信息科技有限公司"
    assert v.get("party_a") is None


def test_a_whole_name_opening_with_the_seal_notes_character_is_kept():
    v = values(page(
        line("(以下无正文，为签署页)", 500, 0),
        line("甲方盖州辽鑫建材有限公司", 100, 2), line("乙方（盖章）", 900, 2),
        line("广州泰鑫医疗器械有限公司", 900, 2.9),
        line("签订日期：2023年05月18日", 100, 5),
    ))
    assert v["party_a"] == "盖州辽鑫建材有限公司"


def _id_card_address(*address_lines: OcrLine) -> str | None:
    ocr = page(
        line("姓名", 100, 0), line("王秀英", 300, 0),
        line("性别", 100, 1), line("女", 300, 1), line("民族", 500, 1), line("汉", 700, 1),
        line("出生", 100, 2), line("1949年12月31日", 300, 2),
        *address_lines,
        line("公民身份号码", 100, 5), line("11010519491231002X", 600, 5),
    )
    return extract(ocr, today=dt.date(2026, 12, 4)).value("address")


def test_a_seal_legend_read_over_the_end_of_an_address_line_is_dropped():
    """原医安舞 read at 0.56 over the end of 住址四川省成都市武侯区高新: two lines of print
    never share columns on a row, so the doubted one is the seal's."""
    from extractors.fields import group_rows

    def at(text, x, w, row, conf=0.99):
        return OcrLine(text, conf, Box(x, round(100 + row * 80), w, 30))

    legend = at("原医安舞", 380, 150, 2.9, conf=0.56)
    address = _id_card_address(
        at("住址四川省成都市武侯区高新", 100, 420, 3), legend,
        at("大道942号21幢1单元603室", 160, 400, 3 + 45 / 80),
    )
    assert address == "四川省成都市武侯区高新大道942号21幢1单元603室"
    # Whichever of the two is doubted goes; read both sure, or only touching, both stay.
    doubted_print = at("住址四川省成都市武侯区高新", 100, 420, 3, conf=0.6)
    sure_legend = at("原医安舞", 380, 150, 2.9)
    assert [ln.text for ln in group_rows((doubted_print, sure_legend))[0].lines] == ["原医安舞"]
    sure_print = at("住址四川省成都市武侯区高新", 100, 420, 3)
    assert len(group_rows((sure_print, sure_legend))[0].lines) == 2
    assert len(group_rows((sure_print, at("原医安舞", 510, 150, 2.9, conf=0.56)))[0].lines) == 2


def test_a_fleck_on_a_row_of_its_own_inside_a_wrapped_address_is_passed_over():
    def at(text, x, w, h, row, conf=0.99):
        return OcrLine(text, conf, Box(x, round(100 + row * 80), w, h), ())

    address = _id_card_address(
        line("住址", 100, 3), at("四川省成都市武侯区高新", 300, 400, 30, 3),
        at("公", 700, 14, 14, 3 + 30 / 80, conf=0.55),  # a fleck, between the two lines
        at("大道942号21幢1单元603室", 300, 400, 30, 3 + 55 / 80),
    )
    assert address == "四川省成都市武侯区高新大道942号21幢1单元603室"
    # Print of its full height is no fleck: it is part of the address.
    address = _id_card_address(
        line("住址", 100, 3), at("四川省成都市武侯区高新", 300, 400, 30, 3),
        at("大道942号21幢1单元603室", 300, 400, 30, 3 + 45 / 80),
    )
    assert address == "四川省成都市武侯区高新大道942号21幢1单元603室"


def test_a_seal_legend_read_on_after_the_ethnicity_is_dropped():
    ocr = page(
        line("姓名", 100, 0), line("王秀英", 300, 0),
        line("性别", 100, 1), line("女", 300, 1), line("民族", 500, 1), line("汉工化传媒", 700, 1),
        line("出生", 100, 2), line("1949年12月31日", 300, 2),
        line("公民身份号码", 100, 5), line("11010519491231002X", 600, 5),
    )
    assert extract(ocr, today=dt.date(2026, 12, 4)).value("ethnicity") == "汉"
