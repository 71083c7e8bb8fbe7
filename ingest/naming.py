"""File names and archive keys (SPEC.md §4). Pure: no disk, no database.

`客户名称+资料类型+日期.ext` in `客户档案/<年份>/<客户名称>/`. A name can never climb out
of its folder or be refused by a filesystem.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

ARCHIVE_ROOT = "客户档案"
HOLDING_ROOT = "待确认"  # documents whose customer is not known yet
UNRECOGNISED = "未识别"
# ext4 and XFS limit a path component to 255 bytes (S3 a whole key to 1024); keep room
# for `+NN` and `.age`.
MAX_COMPONENT_BYTES = 240
MAX_CUSTOMER_BYTES = 150

# What cannot be in a file name on Windows shares or POSIX, plus the full-width slashes that
# some tools turn back into ASCII ones.
_FORBIDDEN = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f／＼]')


def sanitise_component(text: str, max_bytes: int = MAX_COMPONENT_BYTES) -> str:
    """One safe path component: forbidden characters become `_`, leading dots are dropped
    (no `..`, no hidden files), and the result fits in `max_bytes` of UTF-8."""
    text = unicodedata.normalize("NFC", text)
    text = _FORBIDDEN.sub("_", text).strip()
    text = text.lstrip(".").strip()
    text = _truncate_utf8(text, max_bytes)
    return text or "_"


def _truncate_utf8(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip()


def generate_filename(customer: str, type_word: str, on: dt.date, ext: str, copy: int = 1) -> str:
    """`杭州星澜信息科技有限公司+营业执照副本+20231015.pdf`; the n-th file of the same name
    gets `+n` before the extension."""
    ext = re.sub(r"[^A-Za-z0-9]", "", ext.lstrip(".")).lower()[:8]
    stem = f"{sanitise_component(customer, MAX_CUSTOMER_BYTES)}+{sanitise_component(type_word, 60)}+{on:%Y%m%d}"
    if copy > 1:
        stem += f"+{copy}"
    return sanitise_component(stem + (f".{ext}" if ext else ""))


def archive_key(year: int, customer: str, filename: str) -> str:
    return "/".join((ARCHIVE_ROOT, f"{year:04d}", sanitise_component(customer, MAX_CUSTOMER_BYTES), sanitise_component(filename)))


def holding_key(on: dt.date, label: str, filename: str) -> str:
    """Where a document waits for a reviewer to name its customer."""
    return "/".join((HOLDING_ROOT, f"{on:%Y}", sanitise_component(label or UNRECOGNISED, MAX_CUSTOMER_BYTES), sanitise_component(filename)))


def archive_year(archive_no: str) -> int:
    """The year part of `2023-SALE-001`."""
    return int(archive_no.split("-", 1)[0])


def format_archive_no(year: int, department: str, seq: int) -> str:
    return f"{year:04d}-{department}-{seq:03d}"


def parse_filename(filename: str) -> tuple[str, str, dt.date, str] | None:
    """(customer, type word, date, ext) of a name `generate_filename` made, or None. The
    customer part may itself hold `+`: the type word and date are taken from the right."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    parts = stem.split("+")
    if len(parts) >= 4 and parts[-1].isdigit() and len(parts[-1]) < 4:
        parts = parts[:-1]  # the +n of a copy
    if len(parts) < 3 or not re.fullmatch(r"\d{8}", parts[-1]):
        return None
    try:
        on = dt.datetime.strptime(parts[-1], "%Y%m%d").date()
    except ValueError:
        return None
    return "+".join(parts[:-2]), parts[-2], on, ext
