"""Identity codes on Chinese documents: the unified social credit code (USCC) and the
resident ID number, with their check characters and checksum-guided OCR repair.

Pure functions over strings (SPEC.md §3). Nothing here touches OCR, disk or a database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from dataclasses import dataclass

# --- USCC (GB 32100-2015) -------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 organisation code: positions 9-17 of the USCC.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# --- ID number (GB 11643-1999) --------------------------------------------------------

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"

CODE_LENGTH = 18  # both codes

# What OCR engines mistake a character for, both ways (SPEC.md §3). A candidate that fails its
# check is repaired by trying these substitutions.
# Kept to SPEC.md's list on purpose: every extra pair multiplies the candidates a repair
# tries, and with them the chance that a wrong code happens to pass its check.
_CONFUSABLE_GROUPS = ("0ODQ", "1ILT", "2Z", "5S", "8B", "6G", "XK")
CONFUSABLES: dict[str, frozenset[str]] = {}
for _group in _CONFUSABLE_GROUPS:
    for _ch in _group:
        CONFUSABLES[_ch] = CONFUSABLES.get(_ch, frozenset()) | frozenset(_group)

# At most this many impossible characters are repaired in one code.
MAX_FORCED_REPAIRS = 3

# First two digits of a GB/T 2260 division code: the provinces, plus 71 Taiwan, 81 Hong Kong,
# 82 Macau. A code whose division starts otherwise is not real, whatever its checksum says.
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)


# The province (or municipality, autonomous region, SAR) each two-digit prefix names, as an
# address spells it: 浙江省…, 北京市…, 广西壮族自治区… all start with these characters.
PROVINCE_NAMES = {
    "11": "北京", "12": "天津", "13": "河北", "14": "山西", "15": "内蒙古", "21": "辽宁", "22": "吉林",
    "23": "黑龙江", "31": "上海", "32": "江苏", "33": "浙江", "34": "安徽", "35": "福建", "36": "江西",
    "37": "山东", "41": "河南", "42": "湖北", "43": "湖南", "44": "广东", "45": "广西", "46": "海南",
    "50": "重庆", "51": "四川", "52": "贵州", "53": "云南", "54": "西藏", "61": "陕西", "62": "甘肃",
    "63": "青海", "64": "宁夏", "65": "新疆", "71": "台湾", "81": "香港", "82": "澳门",
}


def address_province(address: str) -> str | None:
    """The two-digit province code an address starts with (浙江省杭州市… → 33), or None
    when it does not start with a province's name (a street without its province)."""
    for code, name in PROVINCE_NAMES.items():
        if address.startswith(name):
            return code
    return None


def registration_no_check_digit(first14: str) -> str:
    """Check digit of a pre-2015 15-digit business registration number (工商注册号,
    GS 15-2006): ISO 7064 MOD 11,10 over the first 14 digits."""
    p = 10
    for ch in first14:
        s = (p + int(ch)) % 10 or 10
        p = (2 * s) % 11
    return str((11 - p) % 10)


def is_valid_registration_no(code: str) -> bool:
    return len(code) == 15 and code.isdigit() and code[:2] in PROVINCE_CODES and registration_no_check_digit(code[:14]) == code[14]


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC whose first 17 characters are given."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code (USCC positions 9-16)."""
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


def is_valid_uscc(code: str) -> bool:
    """True when `code` is 18 USCC-alphabet characters with a correct check character.

    Positions 3-8 (the administrative division) must be digits: the check character alone
    cannot tell `33O1O6` from `330106`, and no division code has letters.
    """
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    if not code[2:8].isdigit() or code[2:4] not in PROVINCE_CODES:
        return False
    return uscc_check_char(code[:17]) == code[17]


def uscc_org_code_ok(code: str) -> bool:
    """The organisation-code check inside a USCC (positions 9-17). A failure is a warning
    only: codes issued to some entity kinds do not carry a GB 11714 check."""
    org = code[8:17]
    if any(c not in ORG_ALPHABET for c in org[:8]):
        return False
    return org_code_check_char(org[:8]) == org[8]


def id_check_char(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def id_birth_date(code: str) -> dt.date | None:
    """The birth date an ID number encodes, or None when it is not a real date."""
    try:
        return dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def id_sex(code: str) -> str:
    """男 for an odd sequence digit (position 17), 女 for an even one."""
    return "男" if int(code[16]) % 2 else "女"


def is_valid_id_number(code: str, *, today: dt.date | None = None) -> bool:
    """18 characters, digits with an optional trailing X, a correct check character, and a
    birth date that exists and is plausible (1900 to today): a checksum alone accepts about
    one random string in eleven, the date rules out most of those (OCR-FACTS.md)."""
    if len(code) != 18 or not code[:17].isdigit() or code[17] not in "0123456789X":
        return False
    if code[:2] not in PROVINCE_CODES:
        return False
    born = id_birth_date(code)
    today = today or dt.date.today()
    if born is None or not (dt.date(1900, 1, 1) <= born <= today):
        return False
    return id_check_char(code[:17]) == code[17]


# --- repair ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeReading:
    """What became of one code as read from a page.

    `value` is set only when the code validates (as read, or after a unique repair);
    `status` is one of ``valid``, ``repaired``, ``unreadable``.
    """

    raw: str
    value: str | None
    status: str
    substitutions: tuple[tuple[int, str, str], ...] = ()  # (position, read, repaired-to)

    @property
    def ok(self) -> bool:
        return self.value is not None


def _allowed_uscc(pos: int) -> str:
    return "0123456789" if 2 <= pos < 8 else USCC_ALPHABET


def _allowed_id(pos: int) -> str:
    return "0123456789X" if pos == 17 else "0123456789"


def _repair(raw: str, allowed, valid, seen: dict[int, set[str]] | None = None) -> CodeReading:
    """Repair only what must be wrong: a character that cannot stand at its position (O, I,
    Z, S in a USCC; a letter in an ID number or in a USCC's division code) is replaced by
    the characters it is confused with. Exactly one validating candidate is accepted.

    A character that *could* stand where it is is left alone: one substitution always
    breaks these checks, but with two misread characters a one-substitution "repair"
    validates a different, wrong code about half the time (measured in tests/test_codes.py).
    Agreement between independent readings (`agreeing_repair`) covers those cases.
    `seen` adds, per position, what other readings of the same code read there: a
    recogniser may misread a character as one it is not known to be confused with (F for
    1), and another reading of the line shows what stood there.
    """
    raw = raw.upper()
    if valid(raw):
        return CodeReading(raw, raw, "valid")
    forced = [i for i, ch in enumerate(raw) if ch not in allowed(i)]
    if not forced or len(forced) > MAX_FORCED_REPAIRS:
        return CodeReading(raw, None, "unreadable")
    seen = seen or {}
    choices = [sorted(c for c in CONFUSABLES.get(raw[i], frozenset()) | seen.get(i, set()) if c in allowed(i)) for i in forced]
    found = set()
    for combo in itertools.product(*choices):
        cand = list(raw)
        for i, c in zip(forced, combo, strict=True):
            cand[i] = c
        if valid("".join(cand)):
            found.add("".join(cand))
    if len(found) != 1:
        return CodeReading(raw, None, "unreadable")
    return _repaired(raw, found.pop())


def repair_from_other_readings(raws: list[str], kind: str, *, today: dt.date | None = None) -> CodeReading | None:
    """A repair of one reading's impossible characters (`_repair`) that may also take, at
    each of them, what another 18-character reading of the line read there (911FO108… read
    again as 91110108…: F is no digit's usual confusion). Exactly one validating candidate,
    and the same from every reading that gives one; None otherwise."""
    allowed, valid = _rules(kind, today)
    readings = sorted({r.upper() for r in raws if len(r) == 18})
    if len(readings) < 2:
        return None
    found: dict[str, str] = {}  # repaired code → the reading it was repaired from
    for r in readings:
        seen = {i: {o[i] for o in readings if o != r} for i in range(18)}
        reading = _repair(r, allowed, valid, seen)
        if reading.ok:
            found.setdefault(reading.value, r)
    if len(found) != 1:
        return None
    ((value, raw),) = found.items()
    return _repaired(raw, value)


def _repaired(raw: str, value: str) -> CodeReading:
    subs = tuple((i, a, b) for i, (a, b) in enumerate(zip(raw, value, strict=True)) if a != b)
    return CodeReading(raw, value, "repaired", subs)


def single_substitutions(raw: str, allowed, valid) -> set[str]:
    """Every valid code one confusable substitution away from `raw`."""
    raw = raw.upper()
    out = set()
    for i, ch in enumerate(raw):
        for c in CONFUSABLES.get(ch, ()):
            if c != ch and c in allowed(i):
                cand = raw[:i] + c + raw[i + 1 :]
                if valid(cand):
                    out.add(cand)
    return out


def agreeing_repair(raws: list[str], kind: str, *, today: dt.date | None = None) -> CodeReading | None:
    """A repair two different readings of the same code agree on.

    Each reading's single-substitution candidates are collected; a candidate reached from
    two distinct readings, and the only such candidate, is taken. Two engines (or two
    passes) misreading *different* characters rarely both land one step from the same
    wrong code."""
    allowed, valid = _rules(kind, today)
    readings = sorted({r.upper() for r in raws if len(r) == 18})
    if len(readings) < 2:
        return None
    votes: dict[str, set[str]] = {}
    for r in readings:
        for cand in single_substitutions(r, allowed, valid) | ({r} if valid(r) else set()):
            votes.setdefault(cand, set()).add(r)
    agreed = [c for c, who in votes.items() if len(who) >= 2]
    if len(agreed) != 1:
        return None
    return _repaired(readings[0], agreed[0])


# --- choice readings: a recogniser's runner-ups ----------------------------------------
# A recogniser unsure of a character says what else it might be: 91110108MAYM[83]0507K is
# read with 8 first and 3 second at its thirteenth character. The choices are what the
# engine read there, not the whole alphabet; still, every candidate is one more chance
# for a wrong code to pass its check, and the characters read with confidence may be
# wrong too (of 9 choice readings that misread a code on degraded dev pages, 3 had a sure
# character wrong, and one of those, alone, repaired to a wrong code that passed). So a
# reading with more than MAX_DOUBTFUL doubtful characters is not repaired; its sure
# characters must be read the same by MIN_SURE_BACKING plain readings of the line
# (the same view's own reading, and one more: the page's, another view's or another
# engine's); and the repair is taken only when exactly one candidate validates.
MAX_DOUBTFUL = 3
MIN_SURE_BACKING = 2
_CHOICE = re.compile(r"\[([0-9A-Z]{2,})\]|([0-9A-Z])")


def code_runs(text: str) -> list[str]:
    """The runs of code characters in a reading, upper-cased, with the spaces and hyphens
    an engine reads inside a code dropped first."""
    return re.findall(r"[0-9A-Z]+", re.sub(r"[\s\-]", "", text).upper())


def choice_slots(text: str) -> list[str] | None:
    """The characters a choice reading allows at each position (``AB[83]C`` → A, B, 83,
    C), or None when `text` is anything else than code characters and choices."""
    slots, at = [], 0
    for m in _CHOICE.finditer(text.upper()):
        if m.start() != at:
            return None
        slots.append(m.group(1) or m.group(2))
        at = m.end()
    return slots if at == len(text) and slots else None


def first_choices(slots) -> str:
    """What a choice reading reads as its first choices (``AB[83]C`` → ``AB8C``)."""
    return "".join(s[0] for s in slots)


def choice_reading(slots) -> str:
    """Slots (`rapid.decode_choices`: a character, or a character and its runner-up)
    written as a choice reading: ``("A", "B", "83", "C")`` → ``AB[83]C``."""
    return "".join(f"[{s}]" if len(s) > 1 else s for s in slots)


def repair_from_choices(texts: list[str], kind: str, *, today: dt.date | None = None) -> CodeReading | None:
    """The one code that the choice readings among `texts` allow and that validates: each
    reading of 18 positions with 1 to MAX_DOUBTFUL doubtful ones whose sure characters
    MIN_SURE_BACKING of the other (plain) readings in `texts` read alike, every
    combination of its choices kept to what may stand at each position. None when no
    candidate validates, or two different ones do."""
    allowed, valid = _rules(kind, today)
    plain = [run for t in texts if "[" not in t for run in code_runs(t) if len(run) == CODE_LENGTH]
    found: dict[str, str] = {}  # code → the first choices it was repaired from
    for text in texts:
        slots = choice_slots(text) if "[" in text else None
        if slots is None or len(slots) != CODE_LENGTH:
            continue
        doubtful = [i for i, s in enumerate(slots) if len(s) > 1]
        if not doubtful or len(doubtful) > MAX_DOUBTFUL:
            continue
        first = first_choices(slots)
        sure = [i for i in range(CODE_LENGTH) if i not in doubtful]
        if sum(all(run[i] == first[i] for i in sure) for run in plain) < MIN_SURE_BACKING:
            continue
        options = [[c for c in slots[i] if c in allowed(i)] for i in doubtful]
        for combo in itertools.product(*options):
            cand = list(first)
            for i, c in zip(doubtful, combo, strict=True):
                cand[i] = c
            code = "".join(cand)
            if valid(code):
                found.setdefault(code, first)
    if len(found) != 1:
        return None
    ((value, raw),) = found.items()
    return _repaired(raw, value)


# --- likelihood: the valid code the recogniser finds likeliest -----------------------------
# A character of a code misread with confidence (a 1 of 111 lost, 8 read for 5) has no
# runner-up, but the recogniser may still have given the printed one some score. Every valid code one edit away
# from a reading (a character changed, lost or added) is scored by how likely the
# recogniser finds it in the crop (`rapid.LineScores`, summed over the views read), and
# the likeliest is taken when it leads the next by LIKELIHOOD_MARGIN and is not much less
# likely than the reading itself (LIKELIHOOD_FLOOR): a misread that no one edit mends
# leaves its one-edit candidates all unlikely, or close together.
LIKELIHOOD_MARGIN = 10.0  # nats
LIKELIHOOD_FLOOR = -12.0  # nats, against the likeliest reading's own
SCORED_MARK = "≈"  # an alternative that is a likeliest code, not a reading


def one_edit_codes(run: str, kind: str, *, today: dt.date | None = None) -> set[str]:
    """The valid codes (of `kind`) `run` is or that one changed, lost or added character
    away from it makes, each character kept to what may stand where it stands."""
    allowed, valid = _rules(kind, today)
    run = run.upper()
    out = {run} if len(run) == CODE_LENGTH and valid(run) else set()
    if len(run) == CODE_LENGTH:
        cands = (run[:i] + c + run[i + 1 :] for i in range(CODE_LENGTH) for c in allowed(i) if c != run[i])
    elif len(run) == CODE_LENGTH - 1:
        cands = (run[:i] + c + run[i:] for i in range(CODE_LENGTH) for c in allowed(i))
    elif len(run) == CODE_LENGTH + 1:
        cands = (run[:i] + run[i + 1 :] for i in range(len(run)))
    else:
        return out
    out.update(c for c in cands if valid(c))
    return out


def likeliest_code(readings: list[str], likelihood, kinds: tuple[str, ...], *,
                   today: dt.date | None = None) -> str | None:
    """The one-edit valid code (`one_edit_codes`, of any of `kinds`) of the code-length
    runs (17 to 19 characters) in `readings` that `likelihood` (text → log-likelihood)
    finds likeliest, when it leads the next by LIKELIHOOD_MARGIN and lies within
    LIKELIHOOD_FLOOR of the likeliest run as read; None otherwise."""
    runs = {run for t in readings for run in code_runs(t) if abs(len(run) - CODE_LENGTH) <= 1}
    if not runs:
        return None
    if max(len(r) for r in runs) < CODE_LENGTH:
        # Every reading short: a code wrapped onto the next line (…身份证号码：3 / 20505…),
        # not a character lost. A lost one is seen by some view now and then.
        return None
    candidates = set().union(*(one_edit_codes(r, k, today=today) for r in runs for k in kinds))
    if not candidates:
        return None
    scored = sorted(((likelihood(c), c) for c in candidates), reverse=True)
    best, code = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else -math.inf
    as_read = max(likelihood(r) for r in runs)
    if not math.isfinite(best) or best - runner_up < LIKELIHOOD_MARGIN or best - as_read < LIKELIHOOD_FLOOR:
        return None
    return code


def scored_reading(code: str) -> str:
    """A likeliest code (`likeliest_code`) written as a line's alternative: marked, so that
    extraction never takes it for a code read as it stands."""
    return SCORED_MARK + code


def repair_from_likelihood(texts: list[str], kind: str, *, raw: str | None = None,
                           today: dt.date | None = None) -> CodeReading | None:
    """The one code of `kind` that the scored readings among `texts` (`scored_reading`)
    give and that validates, as a repair of `raw` (the code as read, kept as evidence);
    None when none does or two differ."""
    _allowed, valid = _rules(kind, today)
    found = {t[len(SCORED_MARK):] for t in texts if t.startswith(SCORED_MARK) and valid(t[len(SCORED_MARK):])}
    if len(found) != 1:
        return None
    code = found.pop()
    raw = (raw or code).upper()
    return _repaired(raw, code) if len(raw) == CODE_LENGTH else CodeReading(raw, code, "repaired")


def _rules(kind: str, today: dt.date | None):
    if kind == "uscc":
        return _allowed_uscc, is_valid_uscc
    return _allowed_id, lambda s: is_valid_id_number(s, today=today)


def read_uscc(raw: str) -> CodeReading:
    """Validate an 18-character USCC reading, repairing OCR confusions when exactly one
    repair validates."""
    if len(raw) != 18:
        return CodeReading(raw, None, "unreadable")
    return _repair(raw, _allowed_uscc, is_valid_uscc)


def read_id_number(raw: str, *, today: dt.date | None = None) -> CodeReading:
    """Validate an 18-character ID number reading, repairing OCR confusions when exactly
    one repair validates (check character and plausible birth date)."""
    if len(raw) != 18:
        return CodeReading(raw, None, "unreadable")
    return _repair(raw, _allowed_id, lambda s: is_valid_id_number(s, today=today))


def mask_id_number(code: str) -> str:
    """`110105********002X`: enough to recognise in a log, not enough to use."""
    if len(code) < 10:
        return "*" * len(code)
    return code[:6] + "*" * (len(code) - 10) + code[-4:]
