"""Unified social credit code (统一社会信用代码, GB 32100-2015): shape and check character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oqms.engine.identifiers import USCC_ALPHABET, USCC_WEIGHTS, uscc_check_character, uscc_problem

VALID = ["91350100M000100Y43", "91110000600037341L"]
LETTERS = USCC_ALPHABET[10:]
FORBIDDEN = "IOSVZ"


def test_alphabet_and_weights_follow_the_standard() -> None:
    # 10 digits and the 21 capital letters without I, O, S, V, Z; weights are 3^i mod 31.
    assert len(USCC_ALPHABET) == 31
    assert not set(FORBIDDEN) & set(USCC_ALPHABET)
    assert tuple(pow(3, i, 31) for i in range(17)) == USCC_WEIGHTS


@pytest.mark.parametrize("code", VALID)
def test_known_valid_codes(code: str) -> None:
    assert uscc_problem(code) is None
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize(
    "code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", " 91350100M000100Y43"]
)
def test_wrong_length(code: str) -> None:
    assert uscc_problem(code) == "length"


@pytest.mark.parametrize("letter", list(FORBIDDEN))
@pytest.mark.parametrize("position", [0, 1, 9, 16, 17])
def test_forbidden_letters_anywhere(letter: str, position: int) -> None:
    code = VALID[0]
    assert uscc_problem(code[:position] + letter + code[position + 1 :]) == "characters"


@pytest.mark.parametrize(
    "code",
    [
        "91350100m000100Y43",  # lower case
        "913501A0M000100Y43",  # a letter in the administrative division (positions 3-8 are digits)
        "91350100M00010-Y43",  # punctuation
        "91350100M000100Y4 ",  # trailing space inside the 18
        "９1350100M000100Y43",  # a full-width digit
    ],
)
def test_other_bad_characters(code: str) -> None:
    assert uscc_problem(code) == "characters"


@pytest.mark.parametrize("code", VALID)
def test_every_other_check_character_is_wrong(code: str) -> None:
    wrong = [c for c in USCC_ALPHABET if c != code[17]]
    assert len(wrong) == 30
    for char in wrong:
        assert uscc_problem(code[:17] + char) == "check", char


def test_single_character_typo_in_the_body_is_detected() -> None:
    code = VALID[1]
    for position in range(17):
        for char in USCC_ALPHABET:
            if char == code[position] or (2 <= position <= 7 and not char.isdigit()):
                continue
            typo = code[:position] + char + code[position + 1 :]
            assert uscc_problem(typo) == "check", typo


def test_check_character_refuses_bad_prefixes() -> None:
    with pytest.raises(ValueError, match="17"):
        uscc_check_character("1234")
    with pytest.raises(ValueError, match="not allowed"):
        uscc_check_character("9135010OM000100Y4")


_body_char = st.sampled_from(USCC_ALPHABET)
_prefix = st.builds(
    lambda head, division, org: "".join(head) + "".join(division) + "".join(org),
    st.lists(_body_char, min_size=2, max_size=2),
    st.lists(st.sampled_from("0123456789"), min_size=6, max_size=6),
    st.lists(_body_char, min_size=9, max_size=9),
)


@settings(max_examples=300, deadline=None)
@given(prefix=_prefix, data=st.data())
def test_property_appending_the_check_character_gives_a_valid_code(prefix: str, data: st.DataObject) -> None:
    check = uscc_check_character(prefix)
    assert check in USCC_ALPHABET
    code = prefix + check
    assert uscc_problem(code) is None
    other = data.draw(st.sampled_from([c for c in USCC_ALPHABET if c != check]))
    assert uscc_problem(prefix + other) == "check"
    forbidden = data.draw(st.sampled_from(FORBIDDEN))
    assert uscc_problem(prefix + forbidden) == "characters"
