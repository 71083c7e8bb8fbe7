"""Page classification into SPEC.md §2's document types, by weighted key phrases.

Phrases rather than a trained model: each type is recognised by a handful of printed
words that are on every specimen, and the scores explain themselves to a reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .templates import UNKNOWN, doc_types

# A page must carry at least this much evidence before it is given a type.
MIN_SCORE = 4


@dataclass(frozen=True)
class Classification:
    doc_type: str
    confidence: float
    scores: tuple[tuple[str, int], ...]


def compact(text: str) -> str:
    """Text with whitespace removed: OCR spaces out labels like `名 称`."""
    return re.sub(r"\s+", "", text)


def classify_text(text: str) -> Classification:
    flat = compact(text).upper()
    scores = []
    for code, t in doc_types().items():
        score = sum(w for phrase, w in t.keywords if phrase.upper() in flat)
        scores.append((code, score))
    scores.sort(key=lambda cs: -cs[1])
    (best, top), (_, second) = scores[0], scores[1]
    if top < MIN_SCORE:
        return Classification(UNKNOWN, round(1 - top / MIN_SCORE, 2), tuple(scores))
    # Confidence grows with the margin over the runner-up and with the evidence itself.
    margin = (top - second) / top
    confidence = min(1.0, top / (2 * MIN_SCORE)) * (0.5 + 0.5 * margin)
    return Classification(best, round(confidence, 2), tuple(scores))
