"""SIGKILL at random moments during ingest loses nothing and doubles nothing (a short
version of scripts/crash_soak.py; the 200-file figure is in the README)."""

from __future__ import annotations

import importlib.util

from conftest import REPO


def test_killed_ingest_files_every_source_exactly_once(tmp_path):
    spec = importlib.util.spec_from_file_location("crash_soak", REPO / "scripts" / "crash_soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    r = module.soak(tmp_path, files=25, seed=7, max_kill_after=1.0)
    assert r["sigkills"] >= 1  # the test is about crashes: there must have been some
    assert r["left_in_inbox"] == 0
    assert r["catalogued"] == r["catalogued_distinct_sha"] == r["sources_catalogued"] == 25
    assert r["objects"] == 25 and r["orphan_objects"] == 0 and r["half_filed_rows"] == 0
    assert r["verify_exit"] == 0, r["verify_summary"]
