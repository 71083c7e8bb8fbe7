"""Shared fixtures: catalogue databases (SQLite always; PostgreSQL where the local server
answers), and a key pair."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples" / "scans"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DOSSIER = str(Path(sys.executable).with_name("dossier"))


def run_dossier(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real `dossier` command, as a user runs it."""
    return subprocess.run([DOSSIER, *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception:
        return False


PG_AVAILABLE = _postgres_available()


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not PG_AVAILABLE:
        pytest.skip("PostgreSQL is not answering on 127.0.0.1:5432")
    name = f"dossier_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The catalogue on each database dossier supports."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def keypair(tmp_path):
    from ingest.crypto import new_identity_file

    identity = tmp_path / "identity.txt"
    return identity, new_identity_file(identity)
