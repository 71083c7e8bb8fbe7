"""dossier's settings: one pydantic model, built once at the edge from a TOML file.

Relative paths in the file are relative to the file's own folder, so a config and the
folders it names can be moved together.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from extractors.errors import UsageError

DEFAULT_CONFIG = "dossier.toml"


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    department: str = Field("SALE", description="部门代码 used in archive numbers")
    watch_dirs: tuple[Path, ...] = (Path("watch_dirs/inbox"),)
    quarantine_dir: Path | None = None
    archive_root: Path = Path("archive")
    # s3://… object storage instead of archive_root; secret, so never printed.
    archive_url: SecretStr | None = None
    database_url: str = "sqlite:///catalogue.db"
    recipients: tuple[str, ...] = ()
    identity_file: Path | None = None
    id_hash_key_file: Path | None = None
    ocr_engine: str = "rapidocr+tesseract"
    name_date: str = Field("filing", pattern="^(filing|document)$")
    crm_columns: dict[str, str] = Field(default_factory=dict)

    @field_validator("department")
    @classmethod
    def _dept(cls, v: str) -> str:
        if not v.isascii() or not v.isalnum():
            raise ValueError("department code must be letters and digits, e.g. SALE")
        return v.upper()

    def require_recipients(self) -> tuple[str, ...]:
        if not self.recipients:
            raise UsageError("no age recipient is configured", hint="run `dossier init` or add recipients = [\"age1…\"]")
        return self.recipients


def config_path(explicit: Path | None) -> Path:
    return explicit or Path(os.environ.get("DOSSIER_CONFIG", DEFAULT_CONFIG))


def load_settings(path: Path) -> Settings:
    """Read a config file. A missing file gives the embedded defaults, relative to the
    current folder."""
    base = path.parent.resolve()
    data: dict = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8")).get("dossier", {})
        except tomllib.TOMLDecodeError as exc:
            raise UsageError(f"{path} is not valid TOML: {exc}") from exc
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise UsageError(f"{path}: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}") from exc
    return _resolve(settings, base)


def _resolve(s: Settings, base: Path) -> Settings:
    def rel(p: Path | None) -> Path | None:
        return None if p is None else (p if p.is_absolute() else base / p)

    url = s.database_url
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = "sqlite:///" + str(base / url.removeprefix("sqlite:///"))
    return s.model_copy(
        update={
            "watch_dirs": tuple(rel(p) for p in s.watch_dirs),
            "quarantine_dir": rel(s.quarantine_dir),
            "archive_root": rel(s.archive_root),
            "identity_file": rel(s.identity_file),
            "id_hash_key_file": rel(s.id_hash_key_file),
            "database_url": url,
        }
    )


CONFIG_TEMPLATE = """\
# dossier configuration. Relative paths are relative to this file's folder.
[dossier]

# 部门代码: the department part of archive numbers (<年份>-<部门代码>-<序号>, e.g. 2023-SALE-001).
department = "{department}"

# Folders scanners drop files into. `dossier ingest` without paths and `dossier watch` read them.
watch_dirs = ["watch_dirs/inbox"]

# Where files that cannot be processed go, with a <name>.error.txt beside each.
# Unset: a "quarantine" folder next to the inbox the file came from.
# quarantine_dir = "watch_dirs/quarantine"

# The encrypted archive: 客户档案/<年份>/<客户名称>/<file>.age under this folder.
archive_root = "archive"

# Or S3-compatible object storage (MinIO) instead of the folder, the same keys in a bucket:
# archive_url = "s3://minio.example.internal:9000/dossier-archive?secure=true"
# Credentials: in the URL (s3://ACCESS:SECRET@host…) or, better, in the environment as
# DOSSIER_S3_ACCESS_KEY and DOSSIER_S3_SECRET_KEY.

# The catalogue: any SQLAlchemy URL, e.g. postgresql+psycopg://user@host/dossier
database_url = "sqlite:///catalogue.db"

# age public keys the archive is encrypted to. Ingesting needs only these; add one per
# archivist or backup key. Files stay decryptable with the standard `age` CLI.
recipients = ["{recipient}"]

# The private key (archivists only; keep it off ingest machines). `dossier get` uses it.
identity_file = "{identity}"

# Secret key of the keyed hashes of ID numbers (the catalogue keeps ID numbers masked, plus
# this hash to find every file showing one number). Needed on every ingesting machine.
id_hash_key_file = "keys/id-hash.key"

# OCR engine: "rapidocr+tesseract" (RapidOCR reads pages, tesseract re-reads code lines
# that fail their check), "rapidocr", or "tesseract" (faster to install, weaker on Han text).
ocr_engine = "rapidocr+tesseract"

# The date in file names: "filing" (the day it is filed) or "document" (the document's own date).
name_date = "filing"

# CRM export column names, where yours differ from the defaults, e.g.
# crm_columns = {{ "客户名称" = "公司名称" }}
"""
