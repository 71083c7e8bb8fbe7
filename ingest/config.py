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


def _department_code(v: str) -> str:
    if not v.isascii() or not v.isalnum():
        raise ValueError("department code must be letters and digits, e.g. SALE")
    return v.upper()


class WatchFolder(BaseModel):
    """One drop folder and what it says about the files dropped in it (`[[dossier.folders]]`).
    A folder in `watch_dirs` is a WatchFolder with nothing but its path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    # Poll the folder instead of waiting for the kernel's events: network shares (SMB, NFS)
    # do not deliver inotify events for files written by other machines.
    polling: bool = False
    department: str | None = Field(None, description="部门代码 for customers first filed from here")
    doc_type: str | None = Field(None, description="document type when the page is not recognised")
    customer: str | None = Field(None, description="customer hint: the CRM name, used when the document does not say")

    @field_validator("department")
    @classmethod
    def _dept(cls, v: str | None) -> str | None:
        return None if v is None else _department_code(v)

    @field_validator("doc_type")
    @classmethod
    def _doc_type(cls, v: str | None) -> str | None:
        from extractors.templates import doc_types

        if v is not None and v not in doc_types():
            raise ValueError(f"unknown document type {v!r}; one of: {', '.join(doc_types())}")
        return v

    @field_validator("customer")
    @classmethod
    def _customer(cls, v: str | None) -> str | None:
        return (v or "").strip() or None


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
    # Review rules (SPEC.md §5): a licence, ID card or certificate ending within this many
    # days is a finding; industries (words of the CRM's 所属行业 or the customer name) that
    # make a customer high-risk, and those that need an industry permit (资质证明) on file.
    expiry_window_days: int = Field(30, ge=0)
    sensitive_industries: tuple[str, ...] = ("典当", "小额贷款", "融资担保", "担保", "贵金属", "拍卖", "支付", "彩票", "虚拟货币", "投资咨询")
    permit_industries: tuple[str, ...] = ("食品", "餐饮", "医疗器械", "药", "建筑", "危险化学品", "运输", "物流", "劳务派遣", "人力资源")
    # Drop folders with settings of their own (`[[dossier.folders]]` tables); watched and
    # ingested like watch_dirs.
    folders: tuple[WatchFolder, ...] = ()
    # `dossier watch`: a file is taken once its size and mtime have not changed for this
    # long (and it opens as a whole image or PDF); every folder is re-listed this often.
    watch_settle_seconds: float = Field(2.0, ge=0)
    watch_rescan_seconds: float = Field(60.0, gt=0)

    @field_validator("department")
    @classmethod
    def _dept(cls, v: str) -> str:
        return _department_code(v)

    def watch_folders(self) -> tuple[WatchFolder, ...]:
        """Every drop folder: `watch_dirs` (no settings of their own) then `folders`, one
        entry per path (a `folders` entry wins over the same path in `watch_dirs`)."""
        by_path = {p: WatchFolder(path=p) for p in self.watch_dirs}
        by_path.update({f.path: f for f in self.folders})
        return tuple(by_path.values())

    def folder_for(self, path: Path) -> WatchFolder | None:
        """The drop folder `path` lies in (the innermost one, if folders nest), or None."""
        target = path.resolve()
        best: tuple[int, WatchFolder] | None = None
        for folder in self.watch_folders():
            root = folder.path.resolve()
            if target.is_relative_to(root) and target != root and (best is None or len(root.parts) > best[0]):
                best = (len(root.parts), folder)
        return best[1] if best else None

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
    folders = tuple(f.model_copy(update={"path": rel(f.path)}) for f in s.folders)
    return s.model_copy(
        update={
            # A `folders` entry is a watch folder too: `dossier ingest` and `dossier init` see it.
            "watch_dirs": tuple(dict.fromkeys([*(rel(p) for p in s.watch_dirs), *(f.path for f in folders)])),
            "folders": folders,
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
# that fail their check), "rapidocr", "rapidocr-v4" (RapidOCR with its older PP-OCRv4
# recogniser, weaker on degraded scans), or "tesseract" (faster to install, weaker on Han
# text). Any two as PAGE+LINE.
ocr_engine = "rapidocr+tesseract"

# The date in file names: "filing" (the day it is filed) or "document" (the document's own date).
name_date = "filing"

# CRM export column names, where yours differ from the defaults, e.g.
# crm_columns = {{ "客户名称" = "公司名称" }}

# `dossier watch`: a file is taken once its size and modification time have stayed the same
# this many seconds and it opens as a whole image or PDF; every folder is also re-listed
# every watch_rescan_seconds, in case an event was missed.
watch_settle_seconds = 2.0
watch_rescan_seconds = 60.0

# Review (`dossier report`): a licence, ID card, certificate or authorisation ending within
# this many days is a finding. Words of the CRM's 所属行业 or of the customer's name that make
# a customer high-risk (extra due diligence, a 客户风险评估报告 on file), and those whose
# industry needs a permit (资质证明) on file. Uncomment to change the defaults.
expiry_window_days = 30
# sensitive_industries = ["典当", "小额贷款", "融资担保", "担保", "贵金属", "拍卖", "支付", "彩票", "虚拟货币", "投资咨询"]
# permit_industries = ["食品", "餐饮", "医疗器械", "药", "建筑", "危险化学品", "运输", "物流", "劳务派遣", "人力资源"]

# Drop folders with settings of their own, watched (and ingested) besides watch_dirs. A
# subfolder named after a customer, <folder>/<客户名称>/scan.jpg, always hints that customer.
# polling = true for network shares (SMB/NFS deliver no change events): the folder is
# listed every second instead. department: 部门代码 for customers first filed from here;
# doc_type: the type of a page that is not recognised (business_licence, id_card, …);
# customer: the customer (CRM name) when the document itself does not say.
# Keep these tables last in the file: every line after [[dossier.folders]] belongs to it.
#
# [[dossier.folders]]
# path = "/mnt/scanner-share/finance"
# polling = true
# department = "FIN"
#
# [[dossier.folders]]
# path = "watch_dirs/xinming"
# customer = "北京信铭电子科技有限公司"
# doc_type = "contract_first_page"
"""
