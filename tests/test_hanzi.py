"""Traditional forms a recogniser emits on simplified-Chinese documents (extractors/hanzi.py):
text only, no OCR engine."""

from __future__ import annotations

from extractors.hanzi import simplified_forms, twins_from_table


def test_only_characters_outside_gb2312_with_a_simplified_twin_are_turned():
    table = twins_from_table(["黃\t黄\n", "乾\t干 乾\n", "別\t别\n", "㐷\t傌\n", "bad line\n", "臺灣\t台湾\n"])
    assert table == {ord("黃"): "黄", ord("別"): "别"}  # 乾 is GB2312's own; 傌 is not in GB2312


def test_a_name_a_label_and_an_address_read_with_traditional_forms_come_out_simplified():
    assert simplified_forms("黃超") == "黄超"
    assert simplified_forms("性別：男") == "性别：男"
    assert simplified_forms("四川省成都市武侯区創新大道952号") == "四川省成都市武侯区创新大道952号"
    # Characters of their own stay: 乾 (GB2312), 喆 and 堃 (no simplified twin), codes.
    for text in ("乾隆", "王喆", "李堃", "91350100M000100Y43", "有限责任公司"):
        assert simplified_forms(text) == text
