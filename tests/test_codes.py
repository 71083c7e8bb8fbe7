"""USCC and ID number checks and checksum-guided repair, on strings only."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from extractors.codes import (
    _allowed_id,
    _allowed_uscc,
    agreeing_repair,
    choice_reading,
    choice_slots,
    CONFUSABLES,
    USCC_ALPHABET,
    id_birth_date,
    id_check_char,
    id_sex,
    is_valid_id_number,
    is_valid_uscc,
    likeliest_code,
    mask_id_number,
    one_edit_codes,
    org_code_check_char,
    read_id_number,
    read_uscc,
    repair_from_choices,
    repair_from_likelihood,
    repair_from_other_readings,
    scored_reading,
    uscc_check_char,
    uscc_org_code_ok,
)


TODAY = dt.date(2026, 11, 28)


def test_spec_examples_are_valid():
    assert is_valid_uscc("91350100M000100Y43")
    assert is_valid_id_number("11010519491231002X", today=TODAY)
    assert id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert id_sex("11010519491231002X") == "女"


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y44",  # wrong check character
        "91350100M000100Y4",  # too short
        "9135O100M000100Y43",  # letter in the division code
        "91350100M00010OY43",  # O is not in the alphabet
        "91990100M000100Y4X",  # X not possible here and 99 is no province
    ],
)
def test_invalid_usccs(code):
    assert not is_valid_uscc(code)


def test_division_must_be_a_real_province():
    body = "91" + "990100" + "M000100Y4"
    assert not is_valid_uscc(body + uscc_check_char(body))
    body = "91" + "330106" + "M000100Y4"
    assert is_valid_uscc(body + uscc_check_char(body))


def test_id_number_rules():
    assert not is_valid_id_number("110105194912310021", today=TODAY)  # check char
    born_tomorrow = "110105" + (TODAY + dt.timedelta(days=1)).strftime("%Y%m%d") + "001"
    assert not is_valid_id_number(born_tomorrow + id_check_char(born_tomorrow), today=TODAY)
    feb30 = "11010519490230002"
    assert not is_valid_id_number(feb30 + id_check_char(feb30), today=TODAY)


def test_org_code_check():
    org = "MA2H3K7Q"
    code_body = "91330106" + org + org_code_check_char(org)
    assert uscc_org_code_ok(code_body + uscc_check_char(code_body))
    wrong = "91330106" + org + ("0" if org_code_check_char(org) != "0" else "1")
    assert not uscc_org_code_ok(wrong + uscc_check_char(wrong))


def _random_uscc(rng: random.Random) -> str:
    province = rng.choice(["11", "31", "33", "44", "51", "65"])
    body = "91" + province + f"{rng.randrange(10000):04d}" + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_check_char(body)


def _random_id(rng: random.Random) -> str:
    born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(18000))
    body = rng.choice(["110105", "330106", "440305"]) + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
    return body + id_check_char(body)


READERS = [
    pytest.param(read_uscc, _random_uscc, _allowed_uscc, id="uscc"),
    pytest.param(lambda s: read_id_number(s, today=TODAY), _random_id, _allowed_id, id="id_number"),
]


def _damage(code: str, rng: random.Random, n: int, allowed, *, impossible: bool) -> str | None:
    """Replace n characters by confusables: impossible=True picks confusables that cannot
    stand at that position (O for 0), False picks ones that can (8 for B)."""
    options = []
    for i, c in enumerate(code):
        alts = sorted(x for x in CONFUSABLES.get(c, ()) if x != c and (x not in allowed(i)) == impossible)
        if alts:
            options.append((i, alts))
    if len(options) < n:
        return None
    chars = list(code)
    for i, alts in rng.sample(options, n):
        chars[i] = rng.choice(alts)
    return "".join(chars)


@pytest.mark.parametrize("reader,make,allowed", READERS)
def test_impossible_characters_are_repaired_to_the_true_code(reader, make, allowed):
    rng = random.Random(7)
    outcomes = {"right": 0, "unreadable": 0}
    for _ in range(300):
        true = make(rng)
        damaged = _damage(true, rng, rng.choice([1, 2]), allowed, impossible=True)
        if damaged is None:
            continue
        result = reader(damaged)
        assert result.value in (true, None), f"{damaged} repaired to {result.value}, truth {true}"
        outcomes["right" if result.ok else "unreadable"] += 1
    assert outcomes["right"] > 5 * outcomes["unreadable"]


# In an ID number every confusable of a digit is a letter, so only USCCs have misreadings
# that could stand where they are.
def test_plausible_misreadings_are_never_guessed():
    """A misread character that could stand where it is (B for 8): one alone always breaks
    the check and is reported unreadable, not repaired into some other valid code."""
    rng = random.Random(11)
    tried = 0
    for _ in range(300):
        true = _random_uscc(rng)
        damaged = _damage(true, rng, 1, _allowed_uscc, impossible=False)
        if damaged is None:
            continue
        tried += 1
        result = read_uscc(damaged)
        assert result.status == "unreadable" and result.value is None
    assert tried > 200


def test_two_readings_agreeing_on_a_repair():
    """Two readings that misread different characters: the code one step from both is the
    truth; with a single reading nothing is repaired."""
    rng = random.Random(5)
    right = 0
    for _ in range(200):
        true = _random_uscc(rng)
        a = _damage(true, rng, 1, _allowed_uscc, impossible=False)
        b = _damage(true, rng, 1, _allowed_uscc, impossible=False)
        if a is None or b is None or a == b:
            continue
        assert agreeing_repair([a], "uscc") is None
        result = agreeing_repair([a, b], "uscc")
        if result is not None:
            assert result.value == true
            right += 1
    assert right > 100


def _misread_as_stranger(code: str, rng: random.Random, allowed) -> tuple[int, str]:
    """A position and a letter that cannot stand there and is no known confusion of what
    does (F for 1 in a division code)."""
    while True:
        i = rng.randrange(len(code))
        strangers = [c for c in "ACEFHJKMNPRUWY" if c not in allowed(i) and c not in CONFUSABLES.get(code[i], ())]
        if strangers:
            return i, rng.choice(strangers)


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id_number", _random_id, _allowed_id)])
def test_a_stranger_misreading_is_repaired_from_what_another_reading_saw(kind, make, allowed):
    """One reading has a character no confusion explains where only a digit may stand;
    another reading of the line, wrong elsewhere, read that position right: the repair
    takes it there. Alone, the first reading stays unreadable."""
    rng = random.Random(13)
    for _ in range(200):
        true = make(rng)
        i, stranger = _misread_as_stranger(true, rng, allowed)
        first = true[:i] + stranger + true[i + 1 :]
        j = rng.choice([k for k in range(18) if k != i])
        other_char = rng.choice([c for c in allowed(j) if c != true[j]])
        other = true[:j] + other_char + true[j + 1 :]
        assert repair_from_other_readings([first], kind, today=TODAY) is None
        result = repair_from_other_readings([first, other], kind, today=TODAY)
        assert result is not None and result.value == true and result.status == "repaired"


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id_number", _random_id, _allowed_id)])
def test_another_reading_wrong_at_the_same_place_repairs_nothing(kind, make, allowed):
    """Both readings wrong where the first read a stranger: what the second saw there is a
    single misread of the truth, which no check passes; nothing is made of it."""
    rng = random.Random(17)
    for _ in range(200):
        true = make(rng)
        i, stranger = _misread_as_stranger(true, rng, allowed)
        wrong = rng.choice([c for c in allowed(i) if c != true[i]])
        first = true[:i] + stranger + true[i + 1 :]
        other = true[:i] + wrong + true[i + 1 :]
        assert repair_from_other_readings([first, other], kind, today=TODAY) is None


def test_repair_reports_substitutions():
    result = read_uscc("9I350100M000100Y43")  # I is not in the alphabet: must become 1
    assert result.status == "repaired" and result.value == "91350100M000100Y43"
    assert result.substitutions == ((1, "I", "1"),)


def test_letters_never_invented_into_digits_only_positions():
    # positions 3-8 are digits; an unrelated letter there is unreadable, not guessed
    assert read_uscc("91ZZZZZZM000100Y43").status == "unreadable"


def test_mask_hides_birth_date_and_sequence():
    masked = mask_id_number("11010519491231002X")
    assert masked == "110105********002X"
    assert "19491231" not in masked


# --- choice readings -------------------------------------------------------------------


def _with_choice(code: str, i: int, first: str, second: str) -> str:
    return code[:i] + f"[{first}{second}]" + code[i + 1 :]


def test_choice_slots():
    assert choice_reading(("A", "B", "83", "C")) == "AB[83]C"
    assert choice_slots("AB[83]C") == ["A", "B", "83", "C"]
    assert choice_slots("AB[83]C-") is None
    assert choice_slots("统一[83]") is None
    assert choice_slots("") is None


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id_number", _random_id, _allowed_id)])
def test_a_runner_up_backed_by_two_readings_of_the_sure_characters_repairs(kind, make, allowed):
    """A character misread with the truth as its runner-up is repaired when two plain
    readings read the sure characters alike; with only its own plain reading it is not."""
    rng = random.Random(23)
    repaired = 0
    for _ in range(200):
        true = make(rng)
        i = rng.randrange(18)
        wrong = rng.choice([c for c in allowed(i) if c != true[i]])
        misread = true[:i] + wrong + true[i + 1 :]
        choices = _with_choice(true, i, wrong, true[i])
        assert repair_from_choices([misread, choices], kind, today=TODAY) is None
        result = repair_from_choices([misread, misread, choices], kind, today=TODAY)
        # An ID number's check is mod 11: the first choice may itself pass (then it is no
        # repair's business); never may the repair give anything but the truth.
        assert result is None or result.value == true
        repaired += result is not None
    assert repaired > 150


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id_number", _random_id, _allowed_id)])
def test_choices_that_disagree_with_the_other_readings_repair_nothing(kind, make, allowed):
    """The choice reading's sure characters read otherwise by the other readings (a sure
    character misread): no candidate is tried, even one that would pass."""
    rng = random.Random(29)
    for _ in range(200):
        true = make(rng)
        i, j = rng.sample(range(18), 2)
        wrong_i = rng.choice([c for c in allowed(i) if c != true[i]])
        wrong_j = rng.choice([c for c in allowed(j) if c != true[j]])
        misread = true[:i] + wrong_i + true[i + 1 :]
        misread = misread[:j] + wrong_j + misread[j + 1 :]
        # the choice reading sure of its wrong j; the others read j right
        choices = _with_choice(misread, i, wrong_i, true[i])
        other = true[:i] + wrong_i + true[i + 1 :]
        assert repair_from_choices([other, other, choices], kind, today=TODAY) is None


def test_too_many_doubts_or_two_passing_candidates_repair_nothing():
    true = "91350100M000100Y43"
    doubts = "".join(f"[{c}{'7' if c != '7' else '8'}]" if k < 4 else c for k, c in enumerate(true))
    assert repair_from_choices([true, true, doubts], "uscc") is None
    # two choice readings leading to two different passing codes
    a = _with_choice(true, 17, "4", "3")  # 3 is the check character: passes
    wrong_body = true[:12] + "7" + true[13:17]
    b = _with_choice(wrong_body + "3", 17, "3", uscc_check_char(wrong_body))
    assert repair_from_choices([true[:17] + "4", true[:17] + "4", a], "uscc").value == true
    assert repair_from_choices([true[:17] + "4", true[:17] + "4", wrong_body + "3", wrong_body + "3", a, b], "uscc") is None


# --- the likeliest code: a recogniser's scores weighed by the checksum ------------------


def _one_edit(code: str, rng: random.Random, allowed, edit: str) -> str:
    i = rng.randrange(18)
    if edit == "change":
        return code[:i] + rng.choice([c for c in allowed(i) if c != code[i]]) + code[i + 1 :]
    if edit == "lose":
        return code[:i] + code[i + 1 :]
    return code[:i] + rng.choice(allowed(i)) + code[i:]


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id", _random_id, _allowed_id)])
@pytest.mark.parametrize("edit", ["change", "lose", "add"])
def test_one_edit_codes_hold_the_code_a_changed_lost_or_added_character_came_from(kind, make, allowed, edit):
    rng = random.Random(31)
    for _ in range(100):
        true = make(rng)
        misread = _one_edit(true, rng, allowed, edit)
        cands = one_edit_codes(misread, kind, today=TODAY)
        assert true in cands
        valid = is_valid_uscc if kind == "uscc" else (lambda c: is_valid_id_number(c, today=TODAY))
        assert all(valid(c) for c in cands)


def _recogniser(printed: str, seen: str, doubt: dict[int, float]):
    """A likelihood as a recogniser's would be for `seen` read where `printed` stands (same
    length): each character read at its doubt's probability (0.999 where sure), the printed
    one, where it differs, at the rest, any other character at 1e-6 (a recogniser's
    restricted scores of the code lines of dev pages put most characters well below that)."""
    import math

    def likelihood(text: str) -> float:
        if len(text) != len(seen):
            return -60.0  # a character more or less than the crop holds: very unlikely
        total = 0.0
        for i, c in enumerate(text):
            p_seen = doubt.get(i, 0.999)
            if c == seen[i]:
                total += math.log(p_seen)
            elif c == printed[i]:
                total += math.log(max(1e-6, 1 - p_seen))
            else:
                total += math.log(1e-6)
        return total

    return likelihood


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id", _random_id, _allowed_id)])
def test_the_likeliest_code_mends_a_character_misread_with_confidence(kind, make, allowed):
    """A character read at 0.92 where the recogniser gave the printed one 0.08 (no
    runner-up a choice reading would show): the printed code is by far the likeliest
    valid one."""
    rng = random.Random(37)
    for _ in range(100):
        true = make(rng)
        i = rng.randrange(18)
        seen = true[:i] + rng.choice([c for c in allowed(i) if c != true[i]]) + true[i + 1 :]
        likelihood = _recogniser(true, seen, {i: 0.92})
        assert likeliest_code([seen, seen], likelihood, (kind,), today=TODAY) == true


@pytest.mark.parametrize("kind,make,allowed", [("uscc", _random_uscc, _allowed_uscc), ("id", _random_id, _allowed_id)])
def test_two_misread_characters_give_no_code_at_all(kind, make, allowed):
    """No one edit mends two misread characters; whatever one edit makes valid is about as
    unlikely as the next, so nothing leads and nothing is taken: never a wrong code."""
    rng = random.Random(41)
    for _ in range(200):
        true = make(rng)
        i, j = rng.sample(range(18), 2)
        seen = list(true)
        for k in (i, j):
            seen[k] = rng.choice([c for c in allowed(k) if c != true[k]])
        seen = "".join(seen)
        if one_edit_codes(seen, kind, today=TODAY) & {true, seen}:
            continue  # one edit mends it after all, or it passes as read (a page reading then)
        likelihood = _recogniser(true, seen, {i: 0.6, j: 0.6})
        assert likeliest_code([seen], likelihood, (kind,), today=TODAY) in (None, true)


def test_a_lost_character_is_mended_only_where_a_reading_saw_one_more():
    """Every reading one short is what a code wrapped onto the next line looks like
    (…身份证号码：3 / 20505…): no character is added. One reading of 19 says the crop
    holds a character more than 17."""
    true = "91350100M000100Y43"
    short = true[:5] + true[6:]

    def likelihood(text):
        return 0.0 if text == true else -2.0 if text == short else -40.0

    assert likeliest_code([short, short], likelihood, ("uscc",)) is None
    assert likeliest_code([short, true[:5] + "A" + true[5:6] + true[6:]], likelihood, ("uscc",)) == true


def test_a_likeliest_code_far_less_likely_than_the_reading_is_not_taken():
    true = "91350100M000100Y43"
    seen = true[:17] + "4"
    assert likeliest_code([seen], lambda t: 0.0 if t == seen else -30.0 if t == true else -60.0, ("uscc",)) is None
    assert likeliest_code([seen], lambda t: 0.0 if t == seen else -3.0 if t == true else -60.0, ("uscc",)) == true
    assert likeliest_code([seen], lambda t: float("-inf"), ("uscc",)) is None  # nothing weighed


def test_a_scored_alternative_repairs_only_when_one_code_of_its_kind_validates():
    uscc, id_number = "91350100M000100Y43", "11010519491231002X"
    assert repair_from_likelihood([scored_reading(uscc)], "uscc").value == uscc
    assert repair_from_likelihood([scored_reading(uscc)], "uscc").status == "repaired"
    assert repair_from_likelihood([scored_reading(uscc)], "id", today=TODAY) is None
    assert repair_from_likelihood([uscc], "uscc") is None  # a plain reading is no scored one
    other = uscc[:12] + "7" + uscc[13:17]
    other += uscc_check_char(other)
    assert repair_from_likelihood([scored_reading(uscc), scored_reading(other)], "uscc") is None
    assert repair_from_likelihood([scored_reading(id_number)], "id", today=TODAY).value == id_number
    # The code as read is kept as evidence, with what the repair changed.
    repaired = repair_from_likelihood([scored_reading(uscc)], "uscc", raw=uscc[:17] + "8")
    assert (repaired.raw, repaired.substitutions) == (uscc[:17] + "8", ((17, "8", "3"),))
