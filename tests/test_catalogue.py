"""The catalogue on SQLite and PostgreSQL: migrations, CRM import, archive numbers."""

from __future__ import annotations

import multiprocessing as mp

from sqlalchemy import inspect, select

from ingest.catalogue import Customer, make_engine, open_catalogue
from ingest.crm_import import import_customers, read_table
from ingest.filing import allocate_archive_no

HEADER = "客户名称,统一社会信用代码,法定代表人,客户经理,部门,联系人,联系电话,合同编号,客户分类\n"


def test_migrations_create_the_schema(db_url):
    open_catalogue(db_url)
    tables = set(inspect(make_engine(db_url)).get_table_names())
    assert {"customers", "documents", "findings", "archive_sequences", "audit_log", "alembic_version"} <= tables
    open_catalogue(db_url)  # a second start-up is a no-op


def test_crm_import_keeps_good_rows_and_reports_bad_ones(db_url, tmp_path):
    csv = tmp_path / "crm.csv"
    csv.write_text(
        HEADER
        + "杭州星澜信息科技有限公司,91350100M000100Y43,张伟,王经理,销售部,李四,13800000000,HT-1；HT-2,战略客户\n"
        + "坏公司,91350100M000100Y44,某某,,,,,,\n"
        + ",91330106MA2H3K7Q1R,无名,,,,,,\n"
        + "重复公司,91350100M000100Y43,赵六,,,,,,\n"
        + "\n",
        encoding="utf-8-sig",
    )
    sessions = open_catalogue(db_url)
    with sessions() as s:
        report = import_customers(s, read_table(csv))
    assert report.inserted == 1 and report.updated == 0
    assert [(r.row, r.reason.split(":")[0]) for r in report.rejected] == [(3, "坏公司"), (4, "客户名称 is empty"), (5, "重复公司")]
    assert "check character" in report.rejected[0].reason
    with sessions() as s:
        c = s.scalar(select(Customer))
        assert (c.name, c.legal_rep, c.contract_nos, c.class_tag) == ("杭州星澜信息科技有限公司", "张伟", ["HT-1", "HT-2"], "战略客户")
    # Upsert by USCC: a second export updates, never duplicates.
    csv.write_text(HEADER + "杭州星澜信息科技有限公司,91350100M000100Y43,刘强,,,,,,\n", encoding="utf-8-sig")
    with sessions() as s:
        report = import_customers(s, read_table(csv))
        assert (report.inserted, report.updated) == (0, 1)
        assert [c.legal_rep for c in s.scalars(select(Customer))] == ["刘强"]


def test_crm_import_reads_xlsx_and_gbk(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(HEADER.strip().split(","))
    wb.active.append(["杭州星澜信息科技有限公司", "91350100M000100Y43", "张伟"])
    wb.save(tmp_path / "crm.xlsx")
    assert read_table(tmp_path / "crm.xlsx")[0]["法定代表人"] == "张伟"
    (tmp_path / "gbk.csv").write_bytes((HEADER + "杭州星澜信息科技有限公司,91350100M000100Y43,张伟,,,,,,\n").encode("gbk"))
    assert read_table(tmp_path / "gbk.csv")[0]["客户名称"] == "杭州星澜信息科技有限公司"


def _allocate(url: str, n: int, out) -> None:
    sessions = open_catalogue(url)
    got = []
    for _ in range(n):
        with sessions() as s:
            got.append(allocate_archive_no(s, 2026, "SALE"))
            s.commit()
    out.put(got)


def test_archive_numbers_are_distinct_and_gap_free_across_processes(db_url):
    open_catalogue(db_url)
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_allocate, args=(db_url, 125, q)) for _ in range(4)]
    for p in procs:
        p.start()
    numbers = [x for _ in procs for x in q.get(timeout=120)]
    for p in procs:
        p.join(timeout=60)
    assert len(set(numbers)) == 500
    assert sorted(int(x.rsplit("-", 1)[1]) for x in numbers) == list(range(1, 501))
    assert all(x.startswith("2026-SALE-") for x in numbers)


def test_name_prefilter_finds_the_customer_despite_one_misread_character(db_url, tmp_path):
    from ingest.catalogue import CatalogueDirectory

    csv = tmp_path / "crm.csv"
    rows = [f"杭州{a}{b}信息科技有限公司,{code}" for (a, b), code in zip(["星澜", "华创", "明远"], ["91350100M000100Y43", "91330106MA2H3K7Q1R", "91110105MA01234567"])]
    csv.write_text("客户名称,统一社会信用代码\n" + "\n".join(rows) + "\n", encoding="utf-8")
    sessions = open_catalogue(db_url)
    with sessions() as s:
        import_customers(s, read_table(csv))
        directory = CatalogueDirectory(s)
        names = {c.name for c in directory.name_candidates("杭州星谰信息科技有限公司")}  # 澜 misread as 谰
        assert "杭州星澜信息科技有限公司" in names
