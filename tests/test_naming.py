"""File names and archive keys: pure, and never able to escape the archive."""

from __future__ import annotations

import datetime as dt

import pytest

from ingest.naming import archive_key, format_archive_no, generate_filename, holding_key, sanitise_component

DAY = dt.date(2023, 10, 15)


def test_spec_example():
    assert generate_filename("杭州星澜信息科技有限公司", "营业执照副本", DAY, ".pdf") == "杭州星澜信息科技有限公司+营业执照副本+20231015.pdf"


def test_copies_get_a_number_before_the_extension():
    assert generate_filename("甲公司", "合同首页", DAY, "PDF", copy=3) == "甲公司+合同首页+20231015+3.pdf"


def test_key_layout():
    name = generate_filename("甲公司", "营业执照副本", DAY, "jpg")
    assert archive_key(2023, "甲公司", name) == "客户档案/2023/甲公司/甲公司+营业执照副本+20231015.jpg"
    assert holding_key(DAY, "", name).startswith("待确认/2023/未识别/")


@pytest.mark.parametrize(
    "hostile",
    ["../../etc/passwd", "a/b\\c", "有限公司\x00.pdf", "甲／乙＼丙", "..", ".", "", "a:b*c?d\"e<f>g|h", "\u202e公司", "名" * 300],
)
def test_no_name_escapes_its_folder(hostile):
    key = archive_key(2023, hostile, generate_filename(hostile, "营业执照副本", DAY, "pdf"))
    parts = key.split("/")
    assert len(parts) == 4 and parts[0] == "客户档案" and parts[1] == "2023"
    for part in parts:
        assert part not in ("", ".", "..")
        assert not part.startswith(".")
        assert not any(c in part for c in '/\\:*?"<>|\x00／＼')
        assert len(part.encode("utf-8")) <= 255


def test_truncation_keeps_whole_characters():
    s = sanitise_component("名" * 300, 100)
    assert s == "名" * 33  # 3 bytes each


def test_archive_number_format():
    assert format_archive_no(2023, "SALE", 1) == "2023-SALE-001"
    assert format_archive_no(2023, "SALE", 1234) == "2023-SALE-1234"
