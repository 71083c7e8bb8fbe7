"""The document-type templates (doc_types.toml) loaded once into typed records."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

UNKNOWN = "unknown"
UNKNOWN_WORD = "其他"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    labels: tuple[str, ...]
    kind: str
    multiline: bool = False
    fallback: str = ""  # where to look when no label is found: "last_date"


@dataclass(frozen=True)
class DocType:
    code: str
    word: str  # the 资料类型 word in file names
    keywords: tuple[tuple[str, int], ...]
    fields: tuple[FieldSpec, ...]


@cache
def doc_types() -> dict[str, DocType]:
    data = tomllib.loads((Path(__file__).with_name("doc_types.toml")).read_text(encoding="utf-8"))
    types = {}
    for code, spec in data.items():
        fields = tuple(
            FieldSpec(name, tuple(f["labels"]), f["kind"], bool(f.get("multiline", False)), f.get("fallback", ""))
            for name, f in spec.get("fields", {}).items()
        )
        types[code] = DocType(code, spec["word"], tuple(spec["keywords"].items()), fields)
    return types


def type_word(code: str) -> str:
    t = doc_types().get(code)
    return t.word if t else UNKNOWN_WORD
