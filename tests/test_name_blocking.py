"""Customer names found through their blocking keys, on SQLite and PostgreSQL: a CRM of a
few thousand synthetic customers (the 1,000,000-customer figure is `dossier bench
matching`'s, not a test's)."""

from __future__ import annotations

import random

from ingest.bench_matching import _extraction, _misread, build_crm, level1_hanzi
from ingest.catalogue import CatalogueDirectory, Customer, open_catalogue
from matchers.crm import resolve_customer

N = 3000


def test_names_read_right_or_one_character_wrong_find_their_customer(db_url):
    build_crm(db_url, N, seed=7)
    rng, hanzi = random.Random(8), level1_hanzi()
    with open_catalogue(db_url)() as session:
        directory = CatalogueDirectory(session)
        for cid in rng.sample(range(1, N + 1), 40):
            row = session.get(Customer, cid)
            exact = resolve_customer(_extraction({"name": row.name}), directory)
            assert exact.customer is not None and exact.customer.id == cid and exact.method == "name"
            misread = _misread(row.name, rng, hanzi)
            alone = resolve_customer(_extraction({"name": misread}), directory)
            assert alone.customer is None  # a near name alone is not enough
            backed = resolve_customer(_extraction({"name": misread, "legal_rep": row.legal_rep}), directory)
            assert backed.customer is not None and backed.customer.id == cid and backed.method == "name+legal_rep"


def test_keys_shared_by_most_names_are_not_used_to_find_candidates(db_url):
    build_crm(db_url, N, seed=7)
    with open_catalogue(db_url)() as session:
        # Every name ends 有限公司 (3,000 > COMMON_KEY): those keys tell nothing and are
        # skipped, so the form alone finds no one rather than every customer.
        assert list(CatalogueDirectory(session).name_candidates("有限公司")) == []
