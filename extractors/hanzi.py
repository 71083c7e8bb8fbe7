"""Traditional character forms a recogniser emits on simplified-Chinese documents.

PP-OCRv6's character list holds traditional forms as well as simplified ones, and now and
then it reads a printed 黄 as 黃 or 别 as 別: a name that no longer equals the CRM's, a
label (性別) no longer found. Documents here are printed in the Mainland's standard forms
(GB2312 covers every character of ordinary names, addresses and labels), so a character
outside GB2312 that OpenCC's traditional-to-simplified table turns into one inside it is
taken for that character. Characters that are in GB2312 stay whatever they are, even
where OpenCC would convert them (乾 stays 乾: it is a character of its own in names), and
so do rare characters outside GB2312 that have no simplified twin (喆, 堃).

The table is OpenCC's `TSCharacters.txt` (Apache-2.0), from the
`opencc-python-reimplemented` wheel: only that data file is read.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

from .errors import UsageError

OPENCC_PIN = "opencc-python-reimplemented==0.1.7"


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def twins_from_table(lines) -> dict[int, str]:
    """`str.translate` table from OpenCC table lines (`traditional<TAB>simplified …`):
    characters outside GB2312 whose first simplified form is inside it."""
    table: dict[int, str] = {}
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) != 2 or len(parts[0]) != 1:
            continue
        src, dst = parts[0], parts[1].split(" ")[0]
        if len(dst) == 1 and dst != src and not _in_gb2312(src) and _in_gb2312(dst):
            table[ord(src)] = dst
    return table


@functools.cache
def _twins() -> dict[int, str]:
    spec = importlib.util.find_spec("opencc")
    folder = Path(next(iter(spec.submodule_search_locations or ()), "")) if spec else None
    path = folder / "dictionary" / "TSCharacters.txt" if folder else None
    if path is None or not path.is_file():
        raise UsageError(
            "OpenCC's traditional-to-simplified character table is not installed",
            hint=f"pip install {OPENCC_PIN}",
        )
    with path.open(encoding="utf-8") as fh:
        return twins_from_table(fh)


def simplified_forms(text: str) -> str:
    """`text` with traditional forms outside GB2312 turned into their simplified twins."""
    if text.isascii():
        return text
    return text.translate(_twins())
