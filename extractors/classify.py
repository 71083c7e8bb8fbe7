"""Page classification into SPEC.md §2's document types, by weighted key phrases.

Phrases rather than a trained model: each type is recognised by a handful of printed
words that are on every specimen, and the scores explain themselves to a reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import median

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


# A page's title is printed large among its first few lines (a licence prints its code
# line above the title 营业执照); a key phrase there counts twice. Documents name what they
# are in their title, while the other types' words turn up in their body: a permit asks
# for the holder's 统一社会信用代码(或营业执照注册号) and a letter quotes the 法定代表人.
TITLE_LINES = 4
TITLE_HEIGHT = 1.2  # times the page's median line height


def classify_page(page) -> Classification:
    """`classify_text` on a read page (`records.PageText`), the large ones of its top lines
    as the title."""
    if not page.lines:
        return classify_text(page.text)
    typical = median(ln.box.h for ln in page.lines)
    top = sorted(page.lines, key=lambda ln: (ln.box.y, ln.box.x))[:TITLE_LINES]
    return classify_text(page.text, title="".join(ln.text for ln in top if ln.box.h >= TITLE_HEIGHT * typical))


def classify_text(text: str, *, title: str = "") -> Classification:
    flat = compact(text).upper()
    head = compact(title).upper()
    scores = []
    for code, t in doc_types().items():
        score = sum(w * (2 if head and phrase.upper() in head else 1) for phrase, w in t.keywords if phrase.upper() in flat)
        scores.append((code, score))
    scores.sort(key=lambda cs: -cs[1])
    (best, top), (_, second) = scores[0], scores[1]
    if top < MIN_SCORE:
        return Classification(UNKNOWN, round(1 - top / MIN_SCORE, 2), tuple(scores))
    if top == second:
        # Two types as likely: naming either would be a guess (the first in the file won
        # before), and a page filed under the wrong type is worse than one held for review.
        return Classification(UNKNOWN, 0.0, tuple(scores))
    # Confidence grows with the margin over the runner-up and with the evidence itself.
    margin = (top - second) / top
    confidence = min(1.0, top / (2 * MIN_SCORE)) * (0.5 + 0.5 * margin)
    return Classification(best, round(confidence, 2), tuple(scores))
