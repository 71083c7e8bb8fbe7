"""Input readers: a file in, the text of each of its pages out.

A PDF page with a text layer is read by pdfplumber (exact, instant); a scanned page or an
image is prepared and OCR'd. Pages are produced one at a time so a long scan never sits
in memory whole.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .errors import InputRejected
from .imaging import (
    MAX_PDF_PAGES,
    PDF_RENDER_DPI,
    file_sha256,
    iter_image_frames,
    correct_perspective,
    deskew,
    flatten_illumination,
    TARGET_TEXT_HEIGHT,
    estimate_text_height,
    line_blobs_both_ways,
    median_line_height,
    normalise_text_size,
    rotate_clockwise,
    shrink_oversized,
    stack_side_by_side_cards,
    sniff_kind,
    grey_and_seal,
)
from .ocr import OcrEngine
from .parsing import COMPANY_FORMS, fold_lookalike_letters, strip_cjk_spaces
from .records import Box, IncomingFile, OcrLine, OcrResult, PageText, Word
from .rereading import (
    choose_alternatives,
    code_start,
    drop_light_ink,
    early_end,
    join_code_fragments,
    late_start_boxes,
    name_piece_groups,
    opens_with_place,
    place_by_likelihood,
    second_readings,
    trade_words_by_likelihood,
    trade_words_from_runner_ups,
    voted_text,
    wants_second_reading,
    wants_vote,
    whole_end,
    whole_from_pieces,
    whole_start,
    whole_start_mending,
)

# A page whose text layer has fewer characters than this is a scan with, at most, a stray
# header: OCR it.
MIN_TEXT_LAYER_CHARS = 20

# Alphabets for a second, restricted reading of a code line: a USCC's, or, on a line
# labelled as an ID number's, digits and the check character's X (a blurred 1 read E or F
# in the USCC alphabet is no ID number character, and no repair turns it into one).
CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ID_CHARSET = "0123456789X"
ID_LABELS = ("公民身份号码", "身份证号码", "身份证号", "身份号码")


def receive(path: Path, hints: dict[str, str] | None = None) -> IncomingFile:
    """First stage: look at a file without trusting its name."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise InputRejected(f"cannot read {path.name}: {exc.strerror}") from exc
    if size == 0:
        raise InputRejected("file is empty (0 bytes)", hint="the scanner may still be writing it, or the scan failed")
    kind = sniff_kind(head)
    if kind is None:
        raise InputRejected(
            f"{path.name} is neither a PDF nor a JPEG/PNG/TIFF image (its first bytes are {head[:8]!r})",
            hint="only scans are accepted",
        )
    return IncomingFile(path, file_sha256(path), size, kind, path.name, dict(hints or {}))


# A document's page pictures are kept for evidence crops up to this page: a picture is a
# few MB, and a file may have up to MAX_PDF_PAGES pages; later pages' values get no crop.
MAX_EVIDENCE_PAGES = 20


def read_document(incoming: IncomingFile, engine: OcrEngine, *, keep_images: bool = False) -> OcrResult:
    """Second stage: the text of every page, with boxes (and, with `keep_images`, the
    pictures of its first MAX_EVIDENCE_PAGES pages those boxes are in: filing cuts
    evidence crops from them)."""
    pages = tuple(iter_pages(incoming, engine, keep_images=keep_images))
    if not pages:
        raise InputRejected(f"{incoming.original_name} has no pages")
    return OcrResult(incoming, pages)


def iter_pages(incoming: IncomingFile, engine: OcrEngine, *, keep_images: bool = False) -> Iterator[PageText]:
    if incoming.kind == "pdf":
        yield from _pdf_pages(incoming.path, engine, keep_images)
    else:
        for n, frame in enumerate(iter_image_frames(incoming.path), start=1):
            yield ocr_page(n, frame, engine, keep_image=keep_images and n <= MAX_EVIDENCE_PAGES)


def ocr_page(page_no: int, image, engine: OcrEngine, *, keep_image: bool = False) -> PageText:
    t0 = time.perf_counter()
    gray, red_seal = grey_and_seal(image)
    gray = prepare(gray, flatten=engine.flatten_light)
    t1 = time.perf_counter()
    gray, lines = engine.read_upright(gray)
    lines = _early_ends(gray, _names_from_pieces(gray, _late_starts(gray, lines, engine), engine), engine)
    lines = _vote_on_doubtful_lines(gray, lines, engine)
    lines = tuple(_second_opinion_on_codes(gray, join_code_fragments(lines), engine))
    t2 = time.perf_counter()
    h, w = gray.shape[:2]
    return PageText(page_no, lines, f"ocr:{engine.name}", w, h, t1 - t0, t2 - t1, red_seal, gray if keep_image else None)


def prepare(gray: np.ndarray, *, flatten: bool = True) -> np.ndarray:
    """Image preparation before OCR: shrink a phone photo, cut a photographed page out of
    its background and square it up, turn a page lying on its side so its lines run
    across, level them, re-lay an ID card's two sides shown side by side one above the
    other, scale the page so its text is the size the engines read best, and (for engines
    that read better so: `OcrEngine.flatten_light`) even out its light: shadows lifted,
    light ink such as a photocopied seal faded.
    Upside down or not is the engine's call (`read_upright`): its models judge that better
    and more cheaply than a separate pass over the page."""
    gray = correct_perspective(shrink_oversized(gray))
    blobs = line_blobs_both_ways(gray)
    if blobs.run_down:
        gray = rotate_clockwise(gray, 90)
    levelled = stack_side_by_side_cards(deskew(gray))
    if levelled is gray:  # nothing levelled or re-laid: the lines measured are this page's
        height = median_line_height(blobs.down if blobs.run_down else blobs.across, blobs.shrink)
    else:
        height = estimate_text_height(levelled, lines_across=True)
    gray = normalise_text_size(levelled, height)
    return flatten_illumination(gray, TARGET_TEXT_HEIGHT) if flatten else gray


# A line read again from its inked start replaces the detector's only when the recogniser
# is this sure of it: seal ink read as characters comes with doubt.
LATE_START_CONF = 0.9


def _late_starts(gray: np.ndarray, lines: tuple[OcrLine, ...], engine: OcrEngine) -> tuple[OcrLine, ...]:
    """Lines of Han text boxed late under a seal (`rereading.late_start`) read again from
    where their ink starts; kept when the new reading is the old one with characters
    before it (`rereading.whole_start`; one of its characters read otherwise when the
    new reading is the surer: `whole_start_mending`). A company's name is read from a
    little further right each time too (`rereading.late_start_boxes`): of the readings
    kept, the surest that opens with a real place is taken, else the one from the inked
    start, unless the line as boxed opened with a place already. The line's box then
    runs from its inked start."""
    out = []
    for line in lines:
        kept = []  # (reading, its conf, read from the inked start)
        boxes = late_start_boxes(gray, line, lines)
        for k, box in enumerate(boxes):
            text, conf = engine.read_text(gray, box)
            whole = whole_start(line.text, text) or (whole_start_mending(line.text, text) if conf > line.conf else None)
            if conf >= LATE_START_CONF and whole is not None:
                kept.append((whole, conf, k == 0))
        placed = [k for k in kept if opens_with_place(k[0])]
        # A name that opens with a place as boxed takes nothing before it but another
        # place (浙江 before 杭州…); a seal's mark read 三 is none.
        first = [k for k in kept if k[2] and not opens_with_place(line.text)]
        chosen = max(placed, key=lambda k: k[1]) if placed else first[0] if first else None
        if chosen is not None:
            whole, conf, _ = chosen
            box = boxes[0]  # the line runs from its inked start, wherever the reading taken began
            line = OcrLine(whole, round(min(conf, line.conf), 3), box, (Word(whole, round(conf, 3), box),), line.alternatives)
        out.append(line)
    return tuple(out)


def _early_ends(gray: np.ndarray, lines: tuple[OcrLine, ...], engine: OcrEngine) -> tuple[OcrLine, ...]:
    """Company names boxed short of their form's end under a seal (`rereading.early_end`)
    read again to where their ink ends; kept when the new reading is the old one with
    characters after it (`rereading.whole_end`)."""
    return _read_on(gray, lines, engine, early_end, whole_end)


def _read_on(gray: np.ndarray, lines: tuple[OcrLine, ...], engine: OcrEngine, wider_box, whole) -> tuple[OcrLine, ...]:
    """Each line `wider_box(gray, line, lines)` gives a wider box for read again in it; the
    new reading replaces the line when `whole(old, new)` keeps it, read at LATE_START_CONF."""
    out = []
    for line in lines:
        wider = wider_box(gray, line, lines)
        if wider is not None:
            text, conf = engine.read_text(gray, wider)
            kept = whole(line.text, text) if conf >= LATE_START_CONF else None
            if kept is not None:
                line = OcrLine(kept, round(min(conf, line.conf), 3), wider, (Word(kept, round(conf, 3), wider),), line.alternatives)
        out.append(line)
    return tuple(out)


def _names_from_pieces(gray: np.ndarray, lines: tuple[OcrLine, ...], engine: OcrEngine) -> tuple[OcrLine, ...]:
    """Rows a company name was boxed in pieces on (`rereading.name_piece_groups`) read again
    as one line over all the pieces, as prepared and with light ink dropped (a grey seal
    fades, print stays); the pieces give way to the re-reading that holds them all and
    more (`rereading.whole_from_pieces`)."""
    groups = name_piece_groups(lines)
    if not groups:
        return lines
    replaced: dict[int, OcrLine | None] = {}
    for group in groups:
        box = lines[group[0]].box
        for k in group[1:]:
            box = box.union(lines[k].box)
        readings = _two_views(gray, box, engine)
        whole = whole_from_pieces([lines[k].text for k in group], readings)
        if whole is None:
            continue
        conf = round(min(min(lines[k].conf for k in group), dict((t, c) for t, c in readings)[whole]), 3)
        replaced[group[0]] = OcrLine(whole, conf, box, (Word(whole, conf, box),))
        replaced.update({k: None for k in group[1:]})
    return tuple(replaced.get(i, line) for i, line in enumerate(lines) if replaced.get(i, line) is not None)


def _two_views(gray: np.ndarray, box: Box, engine: OcrEngine) -> list[tuple[str, float]]:
    """The engine's readings of `box` cut out of the page as prepared, and with light ink
    dropped (`rereading.drop_light_ink`: a grey seal fades, print stays)."""
    readings = [engine.read_text(gray, box)]
    pad = box.h
    y0, x0 = max(0, box.y - pad), max(0, box.x - pad)
    crop = gray[y0 : box.bottom + pad, x0 : box.right + pad]
    if crop.size:
        readings.append(engine.read_text(drop_light_ink(crop, float(box.h)), Box(box.x - x0, box.y - y0, box.w, box.h)))
    return readings


def _vote_on_doubtful_lines(gray: np.ndarray, lines: tuple[OcrLine, ...], engine: OcrEngine) -> tuple[OcrLine, ...]:
    """Lines of Han text read with doubt (`rereading.wants_vote`) read in two more views;
    a character both views read as another is taken (`rereading.voted_text`). Then a
    company's trade words are mended from the recogniser's runner-ups
    (`_trade_words_mended`)."""
    out = []
    for line in lines:
        if wants_vote(line):
            text = voted_text(line.text, line.conf, _two_views(gray, line.box, engine)) or line.text
            text = _trade_words_mended(gray, line.box, text, engine) or text
            if text != line.text:
                line = OcrLine(text, line.conf, line.box, _words_along(line.words, line.text, text), line.alternatives)
        out.append(line)
    return tuple(out)


def _trade_words_mended(gray: np.ndarray, box: Box, text: str, engine: OcrEngine) -> str | None:
    """`text` (a doubtful line) with the trade words of the company it names mended: from
    the runner-ups of the engine's reading of `box` (`rereading.trade_words_from_runner_ups`),
    when that reading reads `text` character for character; then by the likelihood the
    engine's scores give the name with a trade word one character away
    (`rereading.trade_words_by_likelihood`), and the place it opens with likewise
    (`rereading.place_by_likelihood`). None when nothing is mended, and for an engine
    that gives neither."""
    if not any(form in text for form in COMPANY_FORMS):
        return None
    scored = getattr(engine, "read_text_scored", None)
    reading = scored(gray, box) if scored is not None else None
    if reading is None:
        return None
    read, slots, scores = reading
    mended = (trade_words_from_runner_ups(text, slots) if read == text else None) or text
    mended = trade_words_by_likelihood(mended, scores.log_likelihood) or mended
    mended = place_by_likelihood(mended, scores.log_likelihood) or mended
    return mended if mended != text else None


def _words_along(words: tuple[Word, ...], old: str, new: str) -> tuple[Word, ...]:
    """`words` re-cut from `new`, a text of `old`'s length whose words joined made `old`
    (a vote swaps characters one for one); left as they are otherwise."""
    if len(old) != len(new) or "".join(w.text for w in words) != old:
        return words
    out, at = [], 0
    for w in words:
        out.append(Word(new[at : at + len(w.text)], w.conf, w.box))
        at += len(w.text)
    return tuple(out)


def _second_opinion_on_codes(gray: np.ndarray, lines, engine: OcrEngine) -> Iterator[OcrLine]:
    """Re-read the code of a line that holds a code-like run (or a code label followed by
    most of a code) failing its check: cut out of its line (RapidOCR reads label and code as
    one piece, and a Latin model turns the label into junk), read by each of the engine's
    line readers, restricted to the code alphabet where the reader can be. What of those
    readings becomes the line's alternatives is `rereading.choose_alternatives`'s call: a
    re-reading that validates is kept only when another reading backs it. Lines whose code
    already validates are not read twice."""
    for line in lines:
        # Judged on the line with its lookalike letters folded (911Fθ108… holds a run of 18
        # only once θ is O), as extraction reads it.
        folded = _folded(line)
        if not wants_second_reading(folded.text):
            yield line
            continue
        readings = second_readings(gray, folded, engine, code_charset(folded.text))
        alts = choose_alternatives(folded.text, readings)
        if alts:
            yield OcrLine(line.text, line.conf, line.box, line.words, (*line.alternatives, *alts))
        else:
            yield line


def _folded(line: OcrLine) -> OcrLine:
    """`line` with its text and words' text through `fold_lookalike_letters` (one character
    for one, so positions in the text keep their place in the box)."""
    words = tuple(Word(fold_lookalike_letters(w.text), w.conf, w.box) for w in line.words)
    return OcrLine(fold_lookalike_letters(line.text), line.conf, line.box, words, line.alternatives)


def code_charset(text: str) -> str:
    """The alphabet to re-read the code on a line read as `text` in: ID_CHARSET when an ID
    number's label comes before the code (公民身份号码330E…), else CODE_CHARSET (a letter's
    prose line may end a USCC wrapped from the line above and name 身份证号码 after it)."""
    start = code_start(text)
    if start is None:
        return CODE_CHARSET
    head = text[:start]
    return ID_CHARSET if any(label in head for label in ID_LABELS) else CODE_CHARSET


def _pdf_pages(path: Path, engine: OcrEngine, keep_images: bool = False) -> Iterator[PageText]:
    import pdfplumber

    try:
        pdf = pdfplumber.open(path)
        n_pages = len(pdf.pages)
    except Exception as exc:  # pdfminer raises a zoo of types for bad files
        raise InputRejected(_pdf_failure(path, exc), hint=_pdf_hint(exc)) from exc
    with pdf:
        if n_pages > MAX_PDF_PAGES:
            raise InputRejected(f"{path.name} has {n_pages} pages, more than {MAX_PDF_PAGES}")
        for n, page in enumerate(pdf.pages, start=1):
            try:
                lines = _text_layer_lines(page)
                if _chars(lines) < MIN_TEXT_LAYER_CHARS:
                    lines = _pdfium_text_lines(path, n - 1)
                if _chars(lines) >= MIN_TEXT_LAYER_CHARS:
                    picture = _page_picture(page) if keep_images and n <= MAX_EVIDENCE_PAGES else None
                    yield PageText(n, lines, "pdf-text", int(page.width), int(page.height),
                                   image=picture, image_scale=EVIDENCE_DPI / 72)
                else:
                    image = page.to_image(resolution=PDF_RENDER_DPI).original
                    yield ocr_page(n, image, engine, keep_image=keep_images and n <= MAX_EVIDENCE_PAGES)
            except InputRejected:
                raise
            except Exception as exc:
                raise InputRejected(f"page {n} of {path.name} cannot be read: {exc}") from exc
            finally:
                page.close()


# A text-layer page is rendered at this resolution for evidence crops only.
EVIDENCE_DPI = 144


def _page_picture(page) -> np.ndarray:
    return np.asarray(page.to_image(resolution=EVIDENCE_DPI).original.convert("L"))


def _chars(lines: tuple[OcrLine, ...]) -> int:
    return sum(len(ln.text.strip()) for ln in lines)


def _pdfium_text_lines(path: Path, index: int) -> tuple[OcrLine, ...]:
    """The text layer as PDFium reads it. pdfminer (under pdfplumber) gets nothing from some
    embedded CJK fonts (CFF outlines with an Identity CMap, as fpdf2 writes Noto CJK) that
    PDFium decodes; one text line per PDFium line, boxed from its characters."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(path)
    try:
        page = doc[index]
        height = page.get_size()[1]
        textpage = page.get_textpage()
        text = textpage.get_text_range()
        lines, pos = [], 0
        for raw in text.split("\n"):
            chunk = raw.rstrip("\r")
            boxes = [textpage.get_charbox(i) for i in range(pos, pos + len(chunk)) if not chunk[i - pos].isspace()]
            pos += len(raw) + 1
            if not boxes:
                continue
            left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
            top, bottom = height - max(b[3] for b in boxes), height - min(b[1] for b in boxes)
            box = Box(int(left), int(top), max(1, int(right - left)), max(1, int(bottom - top)))
            lines.append(OcrLine(strip_cjk_spaces(chunk.strip()), 1.0, box, (Word(chunk.strip(), 1.0, box),)))
        return tuple(sorted(lines, key=lambda ln: (ln.box.y, ln.box.x)))
    finally:
        doc.close()


# Words further apart than this many text heights are in different columns.
COLUMN_GAP = 2.5


def _text_layer_lines(page) -> tuple[OcrLine, ...]:
    """Words of a PDF text layer grouped into lines by their baseline."""
    words = page.extract_words(keep_blank_chars=False, x_tolerance=2, y_tolerance=3)
    rows: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - w["top"]) <= 3:
            rows[-1].append(w)
        else:
            rows.append([w])
    # A row that crosses a wide gap holds two columns (a licence prints 经营范围 left and
    # 住所 right on the same baselines): each side is a line of its own, as OCR would box it.
    segments: list[list[dict]] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        seg = [row[0]]
        for w in row[1:]:
            height = max(1.0, w["bottom"] - w["top"])
            if w["x0"] - seg[-1]["x1"] > COLUMN_GAP * height:
                segments.append(seg)
                seg = []
            seg.append(w)
        segments.append(seg)
    lines = []
    for row in segments:
        ws = tuple(
            Word(w["text"], 1.0, Box(int(w["x0"]), int(w["top"]), int(w["x1"] - w["x0"]), int(w["bottom"] - w["top"])))
            for w in row
        )
        box = ws[0].box
        for w in ws[1:]:
            box = box.union(w.box)
        lines.append(OcrLine(strip_cjk_spaces(" ".join(w.text for w in ws)), 1.0, box, ws))
    return tuple(lines)


def _root_names(exc: BaseException) -> str:
    """Type names along an exception's chain: pdfplumber wraps pdfminer's errors (a
    PDFPasswordIncorrect arrives as a bare PdfminerException)."""
    names, seen = [], set()
    stack: list[BaseException] = [exc]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        names.append(type(e).__name__)
        stack.extend(x for x in (e.__cause__, e.__context__, *e.args) if isinstance(x, BaseException))
    return " ".join(names)


def _pdf_failure(path: Path, exc: Exception) -> str:
    names = _root_names(exc)
    if "Password" in names or "Encrypt" in names:
        return f"{path.name} is password-protected"
    if "Syntax" in names or "EOF" in names:
        return f"{path.name} is not a readable PDF ({names.split()[-1]}: {exc})"
    return f"{path.name} cannot be opened as a PDF ({names}: {exc})"


def _pdf_hint(exc: Exception) -> str:
    names = _root_names(exc)
    if "Password" in names or "Encrypt" in names:
        return "ask the sender for an unprotected copy, or remove the password with the owner's consent"
    return "re-export or rescan the document"
