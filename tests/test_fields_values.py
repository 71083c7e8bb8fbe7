"""Value clean-up that field extraction applies, from text alone: amounts as printed,
party roles and seal notes around names, names running into the next field."""

from __future__ import annotations

import pytest

from extractors.fields import (
    _cut_at_field_word,
    clean_address,
    _repair_company_form,
    _strip_party_role,
    _trim_after_org_form,
    normalise_money_text,
)


@pytest.mark.parametrize(
    ("read", "printed"),
    [
        ("￥769.001.00", "¥769,001.00"),  # full-width yen, thousands read as dots
        ("Y619,700.00", "¥619,700.00"),
        ("¥586,000.50", "¥586,000.50"),  # a decimal point stays a decimal point
        ("￥1.385.811", "¥1,385,811"),  # two separators, groups of three: thousands
        ("¥1385.50", "¥1385.50"),
        ("人民币壹佰万元整", "人民币壹佰万元整"),
        ("¥575，700.50", "¥575,700.50"),  # a full-width comma between digits
        ("¥3,121,001.00（含税）", "¥3,121,001.00"),  # a note after the amount
        ("¥313,200.50（含税）疗", "¥313,200.50"),  # and a seal's speck after it
    ],
)
def test_money_text_is_normalised_to_what_was_printed(read, printed):
    assert normalise_money_text(read) == printed


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("（采购方）：杭州云驰文化传媒有限公司", "杭州云驰文化传媒有限公司"),
        ("（托运深圳明亨电子科技有限责任公司", "深圳明亨电子科技有限责任公司"),  # bracket end lost
        ("（杭州）云驰文化传媒有限公司", "（杭州）云驰文化传媒有限公司"),  # a place, not a role
        ("深圳明亨电子科技有限公司", "深圳明亨电子科技有限公司"),
        ("（采购放）深圳明亨电子科技有限公司", "深圳明亨电子科技有限公司"),  # the role's last character misread
        ("（甲方深圳明亨电子科技有限公司", "深圳明亨电子科技有限公司"),
        ("【委托方）：西安禾诺物流股份有限公司", "西安禾诺物流股份有限公司"),  # a lenticular bracket read for （
    ],
)
def test_party_roles_are_stripped_and_names_are_not(read, name):
    assert _strip_party_role(read) == name


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("北京锦立物流有限公司7", "北京锦立物流有限公司"),
        ("上海某某投资合伙企业（有限合伙）", "上海某某投资合伙企业（有限合伙）"),
        ("杭州华创科技有限公司杭州分公司", "杭州华创科技有限公司杭州分公司"),
        ("厦门云思食品有限公告交", "厦门云思食品有限公"),  # only 司 goes on from 有限公: 告交 is no part of it
        ("杭州华创科技有限公司滨江经营部", "杭州华创科技有限公司滨江经营部"),  # more than a stray tail
    ],
)
def test_stray_characters_after_a_company_form_are_trimmed(read, name):
    assert _trim_after_org_form(read) == name


@pytest.mark.parametrize(("read", "name"), [("袁颖性别", "袁颖"), ("欧阳娜娜", "欧阳娜娜"), ("张伟民族", "张伟")])
def test_a_person_name_ends_where_the_next_field_begins(read, name):
    assert _cut_at_field_word(read) == name


@pytest.mark.parametrize(
    ("read", "authority"),
    [
        ("上海市徐汇区市场监督管理局海市徐义", "上海市徐汇区市场监督管理局"),  # the seal's arc read on
        ("广州市公安局天河分局", "广州市公安局天河分局"),
        ("广州市公安局天河分局广州", "广州市公安局天河分局"),
        ("杭州市西湖区市场监督管理局", "杭州市西湖区市场监督管理局"),
        ("大连市西岗区市场监督管理", "大连市西岗区市场监督管理局"),  # 局 lost under the seal
    ],
)
def test_an_authority_ends_with_its_office(read, authority):
    from extractors.fields import _trim_authority

    assert _trim_authority(read) == authority


def test_a_role_whose_opening_was_lost_is_stripped():
    assert _strip_party_role("放）深圳明亨电子科技有限责任公司") == "深圳明亨电子科技有限责任公司"
    assert _strip_party_role("瑞合（杭州）医疗器械有限公司") == "瑞合（杭州）医疗器械有限公司"


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("武汉昊贞商贸有限责社公司", "武汉昊贞商贸有限责任公司"),
        ("杭州星澜信息科技有限公可", "杭州星澜信息科技有限公司"),
        ("杭州星澜信息科技股份有眼公司", "杭州星澜信息科技股份有限公司"),
        ("杭州星澜信息科技有限公司", "杭州星澜信息科技有限公司"),
        ("上海某某律师事务所", "上海某某律师事务所"),  # another form: left alone
        ("杭州华美商贸分公司", "杭州华美商贸分公司"),
        ("有限公可", "有限公可"),  # nothing but a form: not a name to repair
        # One character slipped in or dropped, the form's ends intact:
        ("杭州诺雅信息科技有限艮公司", "杭州诺雅信息科技有限公司"),
        ("上海锦信餐饮管理股有限公司", "上海锦信餐饮管理股份有限公司"),
        ("深圳晟锦信息科技有有限公司", "深圳晟锦信息科技有限公司"),
        ("合肥某某电子有限公", "合肥某某电子有限公司"),
        # …but not when two forms fit: 有限公司 and 有限责任公司 differ for real (SPEC §3).
        ("北京某某科技有限责公司", "北京某某科技有限责公司"),
        ("厦门集美有限公司", "厦门集美有限公司"),
        ("北京某某科技股份有限公司", "北京某某科技股份有限公司"),
        ("北京某某科技有限责任公司", "北京某某科技有限责任公司"),
        # 有限责任 and 股份有限 end only in 公司: what else follows them is 公司 misread.
        ("深圳新远电子科技有限责任日", "深圳新远电子科技有限责任公司"),
        ("深圳新远电子科技股份有限司口", "深圳新远电子科技股份有限公司"),
        ("有限责任日", "有限责任日"),  # nothing but a form: not a name to repair
        # More of the form lost, its start one form's only: completed.
        ("重庆锦启信息科技有限责", "重庆锦启信息科技有限责任公司"),
        ("上海汇启建筑股份有", "上海汇启建筑股份有限公司"),
        # …but a start two forms share is left: 有限 (有限公司 or 有限责任公司).
        ("宁波睿利文化传媒有限", "宁波睿利文化传媒有限"),
        ("上海汇启建筑集团有限", "上海汇启建筑集团有限"),
        # 份 of 股份 read without its 亻 or with its 分 misread: 股 is followed by 份 only.
        ("青岛朗宇物流股分有限公司", "青岛朗宇物流股份有限公司"),
        ("青岛朗宇物流股价有限公司", "青岛朗宇物流股份有限公司"),
        ("青岛朗宇物流股分有限公", "青岛朗宇物流股份有限公司"),  # and its last character lost
        ("广州诺荣建筑工程1分有限公司", "广州诺荣建筑工程股份有限公司"),  # 股 read as a digit
        ("广州诺荣建筑工程l份有限公司", "广州诺荣建筑工程股份有限公司"),
        ("广州诺荣建筑工程1号有限公司", "广州诺荣建筑工程1号有限公司"),  # no 份 misread: left
        ("深圳华控股有限公司", "深圳华控股有限公司"),  # 控股: no 份 lost
        ("股分有限公司", "股分有限公司"),  # nothing but a form: not a name to repair
    ],
)
def test_a_company_form_misread_by_one_character_is_repaired(read, name):
    assert _repair_company_form(read) == name


@pytest.mark.parametrize(
    ("read", "address"),
    [
        ("L山东省青岛市市南区滨江大道132号25幢1单元703室", "山东省青岛市市南区滨江大道132号25幢1单元703室"),
        ("江苏省南京市鼓楼区滨江大道841号22幢3单元2103室320106199711096707", "江苏省南京市鼓楼区滨江大道841号22幢3单元2103室"),
        ("北京市海淀区黄河路734号", "北京市海淀区黄河路734号"),
        ("1号楼3单元", "1号楼3单元"),  # digits may start a continuation: kept
        ("天津市和平区金桥路919号18幢3单元2304室云商路", "天津市和平区金桥路919号18幢3单元2304室"),  # after the room
        ("福建省厦门市思明区中山路556号21幢1单元1301室M三", "福建省厦门市思明区中山路556号21幢1单元1301室"),
        ("浙江省杭州市西湖区文三路88号教室楼", "浙江省杭州市西湖区文三路88号教室楼"),  # 室 inside a word
        ("安徽省合肥市蜀山区文三路262号1幢1单元2702室安峰文化传", "安徽省合肥市蜀山区文三路262号1幢1单元2702室"),  # a legend
        ("上海市徐汇区解放路726号501室（集中办公区）", "上海市徐汇区解放路726号501室（集中办公区）"),  # a note stays
        ("福建省厦门市思明区建国路529号25幢4单元601室利7从三", "福建省厦门市思明区建国路529号25幢4单元601室"),  # specks
        ("江苏省苏州市虎丘区中山路969号8幢1单元902室2", "江苏省苏州市虎丘区中山路969号8幢1单元902室"),
        ("上海市徐汇区解放路726号1201室、1202室", "上海市徐汇区解放路726号1201室、1202室"),  # two rooms
        ("二四川省成都市武侯区建国路395号", "四川省成都市武侯区建国路395号"),  # a speck before the province
        ("四川省成都市武侯区建国路395号28幢4单元2202至", "四川省成都市武侯区建国路395号28幢4单元2202室"),  # 室 misread
        ("江西省南昌市东湖区八一大道1号", "江西省南昌市东湖区八一大道1号"),
        ("辽宁省大连市西岗区长江路346号", "辽宁省大连市西岗区长江路346号"),
        ("大连市西岗区长江路346号", "大连市西岗区长江路346号"),  # no province named: nothing dropped
    ],
)
def test_addresses_lose_stray_leading_marks_and_a_trailing_id_number(read, address):
    assert clean_address(read) == address


def test_a_speck_after_a_name_and_a_type_missing_its_closing_bracket_are_put_right():
    import datetime as dt

    from extractors.fields import extract
    from test_fields import licence, line

    ex = extract(licence(
        name=[line("名称", 100, 2), line("青岛众鼎电子科技有限司7", 600, 2), line("注册资本", 1300, 2), line("伍佰万元整", 1600, 2)],
        type=[line("类型", 100, 3), line("有限责任公司（自然人独资", 600, 3), line("成立日期", 1300, 3), line("2015年03月12日", 1600, 3)],
    ), today=dt.date(2026, 12, 2))
    assert ex.value("name") == "青岛众鼎电子科技有限公司"
    assert ex.value("company_type") == "有限责任公司（自然人独资）"


@pytest.mark.parametrize("typed", ["有限责任公司（自然人投资或控股）", "股份有限公司", "有限责任公司(外商投资、非独资)"])
def test_a_whole_company_type_is_left_as_read(typed):
    import datetime as dt

    from extractors.fields import extract
    from test_fields import licence, line

    ex = extract(licence(type=[line("类型", 100, 3), line(typed, 600, 3), line("成立日期", 1300, 3), line("2015年03月12日", 1600, 3)]),
                 today=dt.date(2026, 12, 2))
    assert ex.value("company_type") == typed.replace("(", "（").replace(")", "）")


@pytest.mark.parametrize(
    ("read", "page_text", "name"),
    [
        # The end under a seal; the letter's first sentence prints it whole.
        ("北京迈骏环保科技有", "本授权书声明北京迈骏环保科技有限公司（统一社会信用代码：…授权单位（盖章）：北京迈骏环保科技有",
         "北京迈骏环保科技有限公司"),
        ("青岛和亨餐饮管理股", "兹证明青岛和亨餐饮管理股份有限公司（统一社会信用代码", "青岛和亨餐饮管理股份有限公司"),
        ("南京煜晟医疗器械", "兹证明南京煜晟医疗器械有限责任公司在我行开立", "南京煜晟医疗器械有限责任公司"),
        # Wrapped across two rows of prose, joined.
        ("天津润创信息科技有", "本授权书声明：天津润创信息科技有限公司（统一社会", "天津润创信息科技有限公司"),
        # Cut short and one character misread under the seal: the prose's reading is taken.
        ("青岛德军信息科技", "本授权书声明：青岛德辉信息科技有限责任公司（统一社会信用代码：…授权单位（盖章）：青岛德军信息科技",
         "青岛德辉信息科技有限责任公司"),
        # Two characters apart is another name.
        ("青岛德军信息科学", "本授权书声明：青岛德辉信息科技有限责任公司（统一社会", "青岛德军信息科学"),
        # Two different whole names start with it: no guess.
        ("上海达通商贸股份", "上海达通商贸股份有限公司与上海达通商贸股份合作公司", "上海达通商贸股份"),
        # Too short to be told from other names.
        ("上海达通", "上海达通商贸股份有限公司", "上海达通"),
        # Already whole: left alone, though a longer name starts with it.
        ("北京禾新医疗器械有限公司", "北京禾新医疗器械有限公司上海分公司", "北京禾新医疗器械有限公司"),
        # Nothing whole on the page.
        ("宁波睿利文化传媒有限", "乙方（盖章）：宁波睿利文化传媒有限法定代表人", "宁波睿利文化传媒有限"),
    ],
)
def test_a_company_name_cut_short_is_completed_only_from_one_whole_name_on_the_page(read, page_text, name):
    from extractors.fields import complete_org_name

    assert complete_org_name(read, page_text) == name


def test_a_principal_cut_short_at_the_signing_block_is_completed_and_says_so():
    import datetime as dt

    from extractors.fields import extract
    from test_fields import line, page

    ex = extract(page(
        line("法定代表人授权书", 400, 0),
        line("本授权书声明：天津润创信息科技有限公司（统一社会信用代码：9112010", 100, 2),
        line("1961361585G）法定代表人梁琴，现授权委托李丽红为本单位的合法代理人。", 100, 2 + 45 / 80),
        line("本授权书自签发之日起生效，有效期至2027年11月06日。", 100, 4),
        line("授权单位（盖章）：天津润创信息科技有", 100, 6),
        line("梁琴", 500, 6.9),
        line("法定代表人（签字或盖章）：", 100, 7.2),
    ), today=dt.date(2026, 12, 2))
    assert ex.doc_type == "authorization_letter"
    f = ex.fields["principal"]
    assert (f.value, f.status) == ("天津润创信息科技有限公司", "completed")


def test_a_principal_misread_at_its_signing_slot_is_taken_as_the_letter_prints_it():
    """A character misread under the seal at 授权单位（盖章） (工程 read 王程, 有限公司 read
    春限公): the letter's first sentence prints the name whole, and that reading is taken."""
    import datetime as dt

    from extractors.fields import extract
    from test_fields import line, page

    def principal(slot: str, sentence: str = "本授权书声明：上海迈智建筑工程有限公司（统一社会信用代码：9131011") -> tuple:
        ex = extract(page(
            line("法定代表人授权书", 400, 0),
            line(sentence, 100, 2),
            line("5470010297N）法定代表人贺宇杰，现授权委托沈健磊为本单位的合法代理人。", 100, 2 + 45 / 80),
            line("本授权书自签发之日起生效，有效期至2027年01月23日。", 100, 4),
            line("授权单位（盖章）：" + slot, 100, 6),
            line("法定代表人（签字或盖章）：", 100, 7.2),
        ), today=dt.date(2026, 12, 2))
        f = ex.fields["principal"]
        return f.value, f.status

    assert principal("上海迈智建筑王程有限公司") == ("上海迈智建筑工程有限公司", "completed")
    assert principal("上海迈智建筑工程有限") == ("上海迈智建筑工程有限公司", "completed")
    # Read alike in both places, or only at the slot: the slot's reading stands.
    assert principal("上海迈智建筑工程有限公司") == ("上海迈智建筑工程有限公司", "read")
    assert principal("上海迈智建筑王程有限公司", "本授权书声明：我单位（统一社会信用代码：9131011")[0] == "上海迈智建筑王程有限公司"


@pytest.mark.parametrize(
    ("name", "conf", "texts", "taken", "want"),
    [
        # One character misread: the name printed in a sentence, wrapped over two rows.
        ("合肥锦华食品春限公", 0.98, [("声明：合肥锦华食品有", 1.0), ("限公司（统一社会信用代码：", 1.0)], set(), "合肥锦华食品有限公司"),
        # A first character misread: as near to the name without it, which is not taken.
        ("睿岛和云餐饮管理有限公司", 0.94, [("兹证明青岛和云餐饮管理有限公司（统一", 0.99)], set(), "青岛和云餐饮管理有限公司"),
        # Printed elsewhere as read: nothing to change.
        ("合肥锦华食品有限公司", 0.98, [("声明：合肥锦华食品有限公司（统一", 1.0)], set(), None),
        # Read less surely there than at the slot.
        ("合肥锦华食品春限公司", 0.98, [("声明：合肥锦华食品有限公司（统一", 0.9)], set(), None),
        # Too far from the reading: another company.
        ("合肥锦华食品有限公司", 0.98, [("参加合肥锦程物流有限公司组织的", 1.0)], set(), None),
        # The near name is another field's value (the other party).
        ("南京昌睿商贸有限公司", 0.98, [("乙方：南京昌泰商贸有限公司", 1.0)], {"南京昌泰商贸有限公司"}, None),
        # Two names equally near: no choice.
        ("南京昌睿商贸有限公司", 0.98, [("南京昌泰商贸有限公司与南京昌盛商贸有限公司", 1.0)], set(), None),
        # Printed as read, but as the end of a name that starts after the colon: the slot's
        # reading lost its place under the seal.
        ("润宏电子科技有限公司", 0.9, [("本授权书声明：深圳润宏电子科技有限公司（统一", 1.0)], set(), "深圳润宏电子科技有限公司"),
        # …not when the reading follows the colon itself, or no boundary is near.
        ("润宏电子科技有限公司", 0.9, [("本授权书声明：润宏电子科技有限公司（统一", 1.0)], set(), None),
        ("润宏电子科技有限公司", 0.9, [("参加我们深圳润宏电子科技有限公司组织的", 1.0)], set(), None),
    ],
)
def test_a_slot_name_gives_way_only_to_one_near_name_printed_as_surely(name, conf, texts, taken, want):
    from extractors.fields import same_name_elsewhere

    assert same_name_elsewhere(name, conf, texts, taken) == want


def test_a_name_in_a_table_gives_way_only_to_a_surer_reading_of_it_in_the_text():
    """Away from a signing slot the two readings are alike in kind: the sentence's reading
    replaces the table's only when the recogniser was surer of it."""
    import datetime as dt

    from extractors.fields import extract
    from test_fields import line, page

    def account_name(table_conf: float) -> str:
        return extract(page(
            line("开户证明", 500, 0),
            line("兹证明青岛和云餐饮管理有限公司（统一社会信用代码：91370202MA5LUE082", 100, 1, conf=0.99),
            line("户名：睿岛和云餐饮管理有限公司", 100, 2, conf=table_conf),
            line("账号：4965202084222797064", 100, 3),
            line("开户行：中国建设银行股份有限公司青岛市南支行", 100, 4),
        ), today=dt.date(2026, 12, 2)).value("account_name")

    assert account_name(0.94) == "青岛和云餐饮管理有限公司"
    assert account_name(0.99) == "睿岛和云餐饮管理有限公司"


@pytest.mark.parametrize(
    ("name", "conf", "page_text", "want"),
    [
        # One character of the place misread, the city named on the page.
        ("喜岛和云餐饮管理有限公司", 0.94, "单位地址山东省青岛市市南区和平路491号", "青岛和云餐饮管理有限公司"),
        ("王海达通商贸股份有限公司", 0.97, "任何一方均可向上海市徐汇区人民法院提起诉讼。", "上海达通商贸股份有限公司"),
        # Read surely: left as read.
        ("喜岛和云餐饮管理有限公司", 0.99, "山东省青岛市市南区", "喜岛和云餐饮管理有限公司"),
        # The place as read is on the page too: it is a place (or a trade name) as printed.
        ("上城云创科技有限公司", 0.9, "上海市徐汇区…杭州市上城区", "上城云创科技有限公司"),
        # Two cities one character off: no choice.
        ("华江云创科技有限公司", 0.9, "浙江省丽江市…四川省华蓥市…湖北省荆江市", "华江云创科技有限公司"),
        # 上市 is no city.
        ("下市云创科技有限公司", 0.9, "本公司为上市公司", "下市云创科技有限公司"),
        # Not a whole name: the form repairs come first.
        ("喜岛和云餐饮管理有限", 0.9, "山东省青岛市", "喜岛和云餐饮管理有限"),
        # A real city as read: another city on the page (a contract's court) is no fix.
        ("广州立达建筑工程有限公司", 0.9, "任何一方均可向杭州市上城区人民法院提起诉讼。", "广州立达建筑工程有限公司"),
        ("石家庄立达建筑工程有限公司", 0.9, "河北省邯郸市…", "石家庄立达建筑工程有限公司"),
        # A stray glyph before a real place (a seal's 杭 boxed beside 杭州…) is no misread
        # place: dropping it is stray_before_place's business, not turning 杭杭 into 杭州.
        ("杭杭州利昌食品有限公司", 0.977, "浙江省杭州市上城区创新大道664号", "杭杭州利昌食品有限公司"),
    ],
)
def test_a_misread_place_is_put_right_only_from_one_city_the_page_names(name, conf, page_text, want):
    from extractors.fields import place_from_page

    assert place_from_page(name, conf, [(page_text, 1.0)]) == want


def test_a_place_is_put_right_only_from_a_row_read_more_surely_than_the_name():
    from extractors.fields import place_from_page

    # The address misread in its turn (青岛 → 东岛) and read with more doubt than the name.
    rows = [("山东岛市市南区长江路33号C座", 0.865), ("建筑装修装饰工程专业承包贰级", 0.998)]
    assert place_from_page("青岛利曦食品有限公司", 0.988, rows) == "青岛利曦食品有限公司"
    assert place_from_page("喜岛和云餐饮管理有限公司", 0.94, [("山东省青岛市市南区", 0.97)]) == "青岛和云餐饮管理有限公司"


def test_a_principal_whose_place_was_misread_is_put_right_from_its_address():
    import datetime as dt

    from extractors.fields import extract
    from test_fields import line, page

    def principal(conf: float) -> str:
        return extract(page(
            line("授权委托书", 500, 0),
            line("委托单位", 100, 1, conf=conf), line("喜岛和云餐饮管理有限公司", 500, 1, conf=conf),
            line("统一社会信用代码", 100, 2), line("91370202MA5LUE0826", 500, 2),
            line("单位地址", 100, 3), line("山东省青岛市市南区和平路491号8幢2层203室", 500, 3),
            line("被委托人", 100, 4), line("朱艳洁", 500, 4),
        ), today=dt.date(2026, 12, 2)).value("principal")

    assert principal(0.94) == "青岛和云餐饮管理有限公司"
    assert principal(1.0) == "喜岛和云餐饮管理有限公司"


@pytest.mark.parametrize(
    ("read", "registered"),
    [
        ("有限责任公司（自然人投资或控）", "有限责任公司（自然人投资或控股）"),  # the end under a seal
        ("限责任公司（自然人投资或控股）", "有限责任公司（自然人投资或控股）"),  # the start under a seal
        ("有限责任公司（自然人独贷）", "有限责任公司（自然人独资）"),  # one look-alike
        ("股份有限公司（非上市、自然人投资或控）", None),  # two edits from the 上市 type too: left as read
        ("有限合伙企亚", "有限合伙企业"),
        ("个人独资企亚", "个人独资企业"),  # six characters allow one edit
        ("个人独资公司", None),  # but not two
        ("有限责任公司（自然人投资或控股）", None),  # registered as read: nothing to put right
        ("股份有限公司（上市、自然人投资或控股）", None),  # 上市 and 非上市 are both registered
        ("股份有限公司（市、自然人投资或控股）", None),  # 上市 one edit off, 非上市 two: too near to tell
        ("联", None),  # a short type is never reached from a stray character
        ("有限责任公司（某某新类型）", None),  # unlike any: kept as read
    ],
)
def test_a_company_type_is_put_right_only_to_the_one_registered_type_nearest_it(read, registered):
    from extractors.fields import canonical_company_type

    assert canonical_company_type(read) == registered


def test_a_licence_type_read_short_under_a_seal_is_the_registered_type_and_says_so():
    import datetime as dt

    from extractors.fields import extract
    from test_fields import licence, line

    ex = extract(licence(type=[line("类型", 100, 3), line("限责任公司(自然人投资或控股)", 600, 3), line("成立日期", 1300, 3), line("2015年03月12日", 1600, 3)]),
                 today=dt.date(2026, 12, 2))
    f = ex.fields["company_type"]
    assert (f.value, f.status, f.raw) == ("有限责任公司（自然人投资或控股）", "completed", "限责任公司（自然人投资或控股）")


@pytest.mark.parametrize(
    ("name", "page_text", "want"),
    [
        ("父西安和宇商贸有限公司", "住所陕西省西安市雁塔区金桥路126号", "西安和宇商贸有限公司"),
        ("三厦门驰安信息科技有限公司", "向厦门市思明区人民法院提起诉讼", "厦门驰安信息科技有限公司"),
        ("石家庄恒达建材有限公司", "住所河北省石家庄市长安区中山路1号", "石家庄恒达建材有限公司"),  # 家庄市 is 石家庄市
        ("三厦门驰安信息科技有限公司", "向上海市徐汇区人民法院提起诉讼", "三厦门驰安信息科技有限公司"),  # no such city here
        ("三厦门驰安信息科技有限公司", "三厦门驰安信息科技有限公司 厦门市", "三厦门驰安信息科技有限公司"),  # printed so
        ("父西安和宇商贸有", "陕西省西安市", "父西安和宇商贸有"),  # not a whole name
    ],
)
def test_a_stray_character_before_a_place_the_page_names_is_dropped(name, page_text, want):
    from extractors.fields import stray_before_place

    assert stray_before_place(name, page_text) == want


def test_a_licence_name_with_a_seal_glyph_read_before_it_loses_the_glyph():
    import datetime as dt

    from extractors.fields import extract
    from test_fields import licence, line

    ex = extract(licence(
        name=[line("名称", 100, 2), line("父西安和宇商贸有限公司", 480, 2), line("注册资本", 1300, 2), line("伍佰万元整", 1600, 2)],
        addr=[line("住所", 1300, 5), line("陕西省西安市雁塔区金桥路126号", 1600, 5)],
        authority=[line("登记机关", 1300, 8), line("西安市雁塔区市场监督管理局", 1600, 8)],
    ), today=dt.date(2026, 12, 2))
    f = ex.fields["name"]
    assert (f.value, f.status) == ("西安和宇商贸有限公司", "completed")


@pytest.mark.parametrize(
    ("read", "name"),
    [
        ("1青岛朗宇物流股份有限公司", "青岛朗宇物流股份有限公司"),
        ("1：上海鸿诺食品有限责任公司", "上海鸿诺食品有限责任公司"),
        ("TCL科技集团股份有限公司", "TCL科技集团股份有限公司"),  # registered with Latin letters
        ("3M中国有限公司", "3M中国有限公司"),
        ("青岛朗宇物流股份有限公司", "青岛朗宇物流股份有限公司"),
    ],
)
def test_one_stray_digit_or_letter_before_a_company_name_is_dropped(read, name):
    from extractors.fields import _parse_value
    from extractors.records import Box
    from extractors.templates import FieldSpec

    spec = FieldSpec("name", ("名称",), "company")
    got = _parse_value(spec, read, 1, 0.95, Box(0, 0, 10, 10), ())
    assert got["name"].value == name


@pytest.mark.parametrize(
    ("read", "archive_no"),
    [
        ("2023-SALE-144", "2023-SALE-144"),
        ("2024-LEGAL-1005", "2024-LEGAL-1005"),  # a sequence may run past three digits
        ("2023-SALE-1", None),  # cut short: no sequence is under three digits
        ("2023-LEGAL-15", None),
    ],
)
def test_an_archive_number_cut_short_is_unreadable_not_another_number(read, archive_no):
    from extractors.fields import _parse_value
    from extractors.records import Box
    from extractors.templates import FieldSpec

    spec = FieldSpec("archive_no", ("档案号",), "code")
    got = _parse_value(spec, read, 1, 0.95, Box(0, 0, 10, 10), ())
    assert got["archive_no"].value == archive_no


@pytest.mark.parametrize(
    ("read", "page_text", "branch"),
    [
        ("天津市工商行政管理局和平", "住所天津市和平区南京路88号", "天津市工商行政管理局和平分局"),
        ("大连市工商行政管理局西岗", "住所辽宁省大连市西岗区学院路9号", "大连市工商行政管理局西岗分局"),
        ("上海市徐汇区市场监督管理局海市徐义", "住所上海市徐汇区漕溪路1号", None),  # the seal's arc
        ("天津市工商行政管理局和平", "住所天津市南开区南京路88号", None),  # no such district on the page
        ("天津市工商行政管理局和平分局", "住所天津市和平区南京路88号", None),  # whole already
    ],
)
def test_a_branch_office_whose_fen_ju_was_lost_is_completed_from_the_district_the_page_names(read, page_text, branch):
    from extractors.fields import branch_from_page

    assert branch_from_page(read, page_text) == branch


def test_a_licence_authority_gets_its_branch_back_from_the_address():
    from test_fields import licence, line

    from extractors.fields import extract
    import datetime as dt

    ocr = licence(
        addr=[line("住所", 1300, 5), line("天津市和平区南京路88号", 1600, 5)],
        authority=[line("登记机关", 1300, 8), line("天津市工商行政管理局和平", 1600, 8)],
    )
    f = extract(ocr, today=dt.date(2026, 12, 4)).fields["authority"]
    assert (f.value, f.status, f.raw) == ("天津市工商行政管理局和平分局", "completed", "天津市工商行政管理局和平")


@pytest.mark.parametrize(
    ("read", "page_text", "name"),
    [
        ("州禾利商贸有限公司", "住所广东省广州市天河区人民路381号", "广州禾利商贸有限公司"),
        ("圳汇利信息科技有限公司", "住所地：广东省深圳市南山区黄河路544号", "深圳汇利信息科技有限公司"),
        # Two cities the 州 could end: no guess.
        ("州禾利商贸有限公司", "广州市天河区人民法院；杭州市西湖区", "州禾利商贸有限公司"),
        # The page prints the name as read: it is one.
        ("州际物流有限公司", "州际物流有限公司位于广州市天河区", "州际物流有限公司"),
        # A name opening with a place's first character is no case of it.
        ("广州禾利商贸有限公司", "广东省广州市天河区", "广州禾利商贸有限公司"),
    ],
)
def test_a_name_whose_places_first_character_was_lost_gets_it_from_the_page(read, page_text, name):
    from extractors.fields import place_head_lost

    assert place_head_lost(read, page_text) == name


def test_the_place_list_holds_provinces_and_cities_of_every_level_without_their_suffix():
    from extractors.parsing import opens_with_place, place_names

    assert {"北京", "广东", "广州", "齐齐哈尔", "石家庄", "义乌", "内蒙古"} <= place_names()
    assert "广州市" not in place_names() and not any(name.endswith("省") for name in place_names())
    assert "津市" in place_names()  # 津市市, Hunan: a city whose name ends in 市
    assert opens_with_place("义乌小商品城有限公司") and not opens_with_place("天连泰信环保科技有限公司")


def test_a_date_alone_under_an_authority_label_is_no_authority():
    """The authority lost under the seal, the issue date below its label is what the label
    finds: a text field is words, not a date, so the authority is unreadable."""
    from test_fields import licence, line

    from extractors.fields import extract
    import datetime as dt

    ocr = licence(authority=[line("登记机关", 1300, 8), line("2010年08月08日", 1600, 8 + 45 / 80)])
    f = extract(ocr, today=dt.date(2026, 12, 4)).fields.get("authority")
    assert f is None or f.value is None
    ocr = licence(authority=[line("登记机关", 1300, 8), line("南京市鼓楼区市场监督管理局", 1600, 8)])
    assert extract(ocr, today=dt.date(2026, 12, 4)).value("authority") == "南京市鼓楼区市场监督管理局"
