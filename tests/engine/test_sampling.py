"""ISO 2859-1:1999 single sampling: Table 1, Tables 2-A/2-B/2-C with their arrows, 100 % inspection, switching."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from oqms.engine.sampling import (
    AQLS,
    CODE_LETTERS,
    LEVELS,
    REASONS,
    REDUCED_SAMPLE_SIZES,
    SAMPLE_SIZES,
    SCORE_FOR_REDUCED,
    SEVERITIES,
    Plan,
    SamplingError,
    Switching,
    accept_number_one_step_tighter,
    code_letter,
    master_plan,
    one_step_tighter,
    single_plan,
    table_cell,
)

# --- Table 1 ------------------------------------------------------------------------------------------------

# Table 1 by column (one letter per lot size range 2-8, 9-15, ..., 500 001 and over), as printed in the public
# renderings of ISO 2859-1 / ANSI Z1.4 / MIL-STD-105E Table 1 that were compared.
TABLE_1_COLUMNS = {
    "S-1": "AAAABBBBCCCCDDD",
    "S-2": "AAABBBCCCDDDEEE",
    "S-3": "AABBCCDDEEFFGGH",
    "S-4": "AABCCDEEFGGHJJK",
    "I": "AABCCDEFGHJKLMN",
    "II": "ABCDEFGHJKLMNPQ",
    "III": "BCDEFGHJKLMNPQR",
}
RANGES = [
    (2, 8), (9, 15), (16, 25), (26, 50), (51, 90), (91, 150), (151, 280), (281, 500), (501, 1200),
    (1201, 3200), (3201, 10_000), (10_001, 35_000), (35_001, 150_000), (150_001, 500_000), (500_001, 10**9),
]  # fmt: skip
BOUNDARY_CASES = [
    (lot, level, letters[row])
    for level, letters in TABLE_1_COLUMNS.items()
    for row, (low, high) in enumerate(RANGES)
    for lot in (low, high)
]


@pytest.mark.parametrize(("lot", "level", "expected"), BOUNDARY_CASES)
def test_table_1_at_every_range_boundary(lot: int, level: str, expected: str) -> None:
    assert code_letter(lot, level) == expected


def test_table_1_defaults_to_level_ii() -> None:
    assert [code_letter(lot) for lot in (8, 9, 500, 501, 500_000, 500_001)] == ["A", "B", "H", "J", "P", "Q"]


# --- Tables 2-A, 2-B, 2-C ------------------------------------------------------------------------------------

# (starting code letter, AQL, letter of the plan used, sample size, Ac, Re). Checked against a resolved
# MIL-STD-105E table set (2-A, 2-B) and a GB/T 2828.1-2012 (= ISO 2859-1:1999) transcription (2-A, 2-B, 2-C);
# arrows, chained arrows and the corners of the tables included.
NORMAL_CELLS = [
    ("A", 0.01, "Q", 1250, 0, 1),
    ("A", 0.65, "F", 20, 0, 1),
    ("A", 6.5, "A", 2, 0, 1),
    ("A", 10, "C", 5, 1, 2),
    ("A", 15, "B", 3, 1, 2),
    ("A", 25, "A", 2, 1, 2),
    ("A", 1000, "A", 2, 30, 31),
    ("B", 4.0, "B", 3, 0, 1),
    ("B", 6.5, "A", 2, 0, 1),
    ("B", 10, "C", 5, 1, 2),
    ("B", 1000, "B", 3, 44, 45),
    ("C", 2.5, "C", 5, 0, 1),
    ("C", 650, "C", 5, 44, 45),
    ("C", 1000, "B", 3, 44, 45),
    ("D", 1.5, "D", 8, 0, 1),
    ("D", 400, "D", 8, 44, 45),
    ("D", 650, "C", 5, 44, 45),
    ("E", 1.0, "E", 13, 0, 1),
    ("E", 100, "E", 13, 21, 22),
    ("E", 150, "E", 13, 30, 31),
    ("E", 250, "E", 13, 44, 45),
    ("E", 400, "D", 8, 44, 45),
    ("F", 0.65, "F", 20, 0, 1),
    ("F", 1.0, "E", 13, 0, 1),
    ("F", 1.5, "G", 32, 1, 2),
    ("F", 65, "F", 20, 21, 22),
    ("F", 100, "E", 13, 21, 22),
    ("F", 150, "E", 13, 30, 31),
    ("G", 150, "E", 13, 30, 31),
    ("G", 40, "G", 32, 21, 22),
    ("H", 0.65, "J", 80, 1, 2),
    ("H", 2.5, "H", 50, 3, 4),
    ("J", 0.4, "K", 125, 1, 2),
    ("J", 0.65, "J", 80, 1, 2),
    ("J", 1.0, "J", 80, 2, 3),
    ("J", 1.5, "J", 80, 3, 4),
    ("J", 15, "J", 80, 21, 22),
    ("K", 0.65, "K", 125, 2, 3),
    ("K", 10, "K", 125, 21, 22),
    ("L", 10, "K", 125, 21, 22),
    ("M", 0.15, "M", 315, 1, 2),
    ("N", 0.1, "N", 500, 1, 2),
    ("P", 0.065, "P", 800, 1, 2),
    ("Q", 0.01, "Q", 1250, 0, 1),
    ("Q", 0.025, "R", 2000, 1, 2),
    ("Q", 0.65, "Q", 1250, 14, 15),
    ("R", 0.01, "Q", 1250, 0, 1),
    ("R", 0.015, "P", 800, 0, 1),
    ("R", 0.025, "R", 2000, 1, 2),
    ("R", 0.65, "R", 2000, 21, 22),
    ("R", 1.0, "Q", 1250, 21, 22),
    ("R", 1000, "B", 3, 44, 45),
]
TIGHTENED_CELLS = [
    ("A", 0.01, "R", 2000, 0, 1),
    ("A", 6.5, "B", 3, 0, 1),
    ("A", 15, "C", 5, 1, 2),
    ("A", 25, "B", 3, 1, 2),
    ("A", 40, "A", 2, 1, 2),
    ("A", 1000, "A", 2, 27, 28),
    ("B", 6.5, "B", 3, 0, 1),
    ("B", 10, "D", 8, 1, 2),
    ("B", 1000, "B", 3, 41, 42),
    ("C", 4.0, "C", 5, 0, 1),
    ("C", 6.5, "E", 13, 1, 2),
    ("C", 650, "C", 5, 41, 42),
    ("D", 2.5, "D", 8, 0, 1),
    ("D", 400, "D", 8, 41, 42),
    ("E", 1.5, "E", 13, 0, 1),
    ("E", 2.5, "G", 32, 1, 2),
    ("E", 150, "E", 13, 27, 28),
    ("E", 250, "E", 13, 41, 42),
    ("E", 400, "D", 8, 41, 42),
    ("F", 1.0, "F", 20, 0, 1),
    ("F", 1.5, "H", 50, 1, 2),
    ("F", 65, "F", 20, 18, 19),
    ("F", 100, "E", 13, 18, 19),
    ("G", 0.65, "G", 32, 0, 1),
    ("G", 1.0, "J", 80, 1, 2),
    ("G", 1.5, "H", 50, 1, 2),
    ("H", 0.65, "K", 125, 1, 2),
    ("H", 10, "H", 50, 8, 9),
    ("J", 0.4, "L", 200, 1, 2),
    ("J", 0.65, "K", 125, 1, 2),
    ("J", 1.0, "J", 80, 1, 2),
    ("J", 6.5, "J", 80, 8, 9),
    ("K", 10, "K", 125, 18, 19),
    ("K", 15, "J", 80, 18, 19),
    ("L", 0.65, "L", 200, 2, 3),
    ("M", 0.15, "N", 500, 1, 2),
    ("N", 0.1, "P", 800, 1, 2),
    ("P", 0.025, "P", 800, 0, 1),
    ("P", 0.04, "R", 2000, 1, 2),
    ("Q", 0.01, "R", 2000, 0, 1),
    ("Q", 0.015, "Q", 1250, 0, 1),
    ("Q", 0.025, "S", 3150, 1, 2),
    ("Q", 0.04, "R", 2000, 1, 2),
    ("R", 0.01, "R", 2000, 0, 1),
    ("R", 0.015, "Q", 1250, 0, 1),
    ("R", 0.025, "S", 3150, 1, 2),
    ("R", 0.04, "R", 2000, 1, 2),
    ("R", 0.65, "R", 2000, 18, 19),
    ("R", 1.0, "Q", 1250, 18, 19),
    ("R", 1000, "B", 3, 41, 42),
]
REDUCED_CELLS = [
    ("A", 0.01, "Q", 500, 0, 1),
    ("A", 6.5, "A", 2, 0, 1),
    ("A", 10, "D", 3, 1, 2),
    ("A", 15, "C", 2, 1, 2),
    ("A", 25, "A", 2, 1, 2),
    ("A", 150, "A", 2, 7, 8),
    ("A", 1000, "A", 2, 30, 31),
    ("B", 4.0, "B", 2, 0, 1),
    ("B", 6.5, "A", 2, 0, 1),
    ("B", 10, "D", 3, 1, 2),
    ("B", 15, "C", 2, 1, 2),
    ("B", 150, "B", 2, 7, 8),
    ("B", 400, "B", 2, 14, 15),
    ("B", 1000, "B", 2, 30, 31),
    ("C", 2.5, "C", 2, 0, 1),
    ("C", 6.5, "E", 5, 1, 2),
    ("C", 100, "C", 2, 6, 7),
    ("C", 150, "C", 2, 8, 9),
    ("C", 400, "C", 2, 14, 15),
    ("C", 650, "C", 2, 21, 22),
    ("C", 1000, "B", 2, 30, 31),
    ("D", 10, "D", 3, 1, 2),
    ("D", 250, "D", 3, 14, 15),
    ("D", 650, "C", 2, 21, 22),
    ("E", 6.5, "E", 5, 1, 2),
    ("E", 150, "E", 5, 14, 15),
    ("E", 400, "D", 3, 21, 22),
    ("F", 0.65, "F", 8, 0, 1),
    ("F", 1.0, "E", 5, 0, 1),
    ("F", 1.5, "H", 20, 1, 2),
    ("F", 65, "F", 8, 10, 11),
    ("F", 100, "E", 5, 10, 11),
    ("G", 1.0, "J", 32, 1, 2),
    ("H", 0.65, "K", 50, 1, 2),
    ("H", 1.0, "J", 32, 1, 2),
    ("H", 10, "H", 20, 6, 7),
    ("J", 0.25, "H", 20, 0, 1),
    ("J", 0.4, "L", 80, 1, 2),
    ("J", 1.0, "J", 32, 1, 2),
    ("J", 4.0, "J", 32, 5, 6),
    ("J", 6.5, "J", 32, 6, 7),
    ("J", 10, "J", 32, 8, 9),
    ("K", 1.0, "K", 50, 2, 3),
    ("K", 10, "K", 50, 10, 11),
    ("L", 10, "K", 50, 10, 11),
    ("N", 0.025, "N", 200, 0, 1),
    ("P", 0.025, "N", 200, 0, 1),
    ("P", 0.04, "R", 800, 1, 2),
    ("Q", 0.015, "P", 315, 0, 1),
    ("Q", 0.025, "N", 200, 0, 1),
    ("Q", 0.04, "R", 800, 1, 2),
    ("R", 0.01, "Q", 500, 0, 1),
    ("R", 0.015, "P", 315, 0, 1),
    ("R", 0.025, "N", 200, 0, 1),
    ("R", 0.15, "R", 800, 5, 6),
    ("R", 0.65, "R", 800, 10, 11),
    ("R", 1.0, "Q", 500, 10, 11),
]


@pytest.mark.parametrize(("letter", "aql", "final", "n", "ac", "re"), NORMAL_CELLS)
def test_table_2a_normal(letter: str, aql: float, final: str, n: int, ac: int, re: int) -> None:
    plan = master_plan(letter, aql, "normal")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (final, n, ac, re)


@pytest.mark.parametrize(("letter", "aql", "final", "n", "ac", "re"), TIGHTENED_CELLS)
def test_table_2b_tightened(letter: str, aql: float, final: str, n: int, ac: int, re: int) -> None:
    plan = master_plan(letter, aql, "tightened")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (final, n, ac, re)


@pytest.mark.parametrize(("letter", "aql", "final", "n", "ac", "re"), REDUCED_CELLS)
def test_table_2c_reduced(letter: str, aql: float, final: str, n: int, ac: int, re: int) -> None:
    plan = master_plan(letter, aql, "reduced")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == (final, n, ac, re)


def test_tightened_letter_a_at_aql_10_follows_the_arrow_down_to_d() -> None:
    # The one cell where the sources disagree (see the module docstring): MIL-STD-105E renderings show an arrow
    # down to D; a GB/T 2828.1 transcription shows (0, 1) with 2 items. The arrow is kept.
    assert table_cell("A", 10, "tightened") == "down"
    plan = master_plan("A", 10, "tightened")
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == ("D", 8, 1, 2)


@pytest.mark.parametrize(
    ("letter", "aql", "severity", "cell"),
    [
        ("A", 10, "normal", "down"),  # no row above A: the arrow points down (to C)
        ("F", 1.0, "normal", "up"),
        ("R", 0.015, "normal", "up"),  # no row below R: up through Q to P
        ("R", 0.025, "normal", (1, 2)),
        ("B", 1000, "normal", (44, 45)),
        ("S", 0.025, "tightened", (1, 2)),  # the extra letter S (3 150 items)
        ("S", 0.010, "tightened", None),
        ("S", 1000, "tightened", None),
        ("R", 0.025, "tightened", "down"),
        ("R", 0.015, "tightened", "up"),
        ("Q", 0.025, "reduced", "up"),  # the long up arrow over P, Q, R
        ("H", 1.0, "reduced", "down"),  # where the 1989 edition had Ac 0, Re 2
        ("J", 6.5, "reduced", (6, 7)),
        ("J", 10, "reduced", (8, 9)),
    ],
)
def test_printed_cells(letter: str, aql: float, severity: str, cell: object) -> None:
    assert table_cell(letter, aql, severity) == cell


def test_sample_sizes_of_the_code_letters() -> None:
    normal = [2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150]
    reduced = [2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800]
    assert dict(zip("ABCDEFGHJKLMNPQRS", normal, strict=True)) == SAMPLE_SIZES
    assert dict(zip(CODE_LETTERS, reduced, strict=True)) == REDUCED_SAMPLE_SIZES


def _walk(letter: str, aql: float, severity: str) -> list[object]:
    """The printed cells passed from the starting cell to the plan, read through the public table_cell."""
    letters = list(CODE_LETTERS) + (["S"] if severity == "tightened" else [])
    row = letters.index(letter)
    cells = [table_cell(letter, aql, severity)]
    step = 1 if cells[0] == "down" else -1
    while not isinstance(cells[-1], tuple):
        row += step
        cells.append(table_cell(letters[row], aql, severity))
    return cells


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_cell_leads_to_a_plan_through_arrows_of_one_direction(severity: str) -> None:
    for letter in CODE_LETTERS:
        for aql in AQLS:
            cells = _walk(letter, aql, severity)
            arrows, plan_cell = cells[:-1], cells[-1]
            assert len(set(arrows)) <= 1 and None not in arrows, (letter, aql, cells)
            plan = master_plan(letter, aql, severity)
            assert (plan.accept, plan.reject) == plan_cell
            assert plan.reject == plan.accept + 1  # 1999 edition: no Ac/Re gap, reduced plans included
            sizes = REDUCED_SAMPLE_SIZES if severity == "reduced" else SAMPLE_SIZES
            assert plan.sample_size == sizes[plan.code_letter]


def test_tightened_never_samples_less_and_reduced_never_more_than_normal() -> None:
    for letter in CODE_LETTERS:
        for aql in AQLS:
            normal = master_plan(letter, aql, "normal")
            assert master_plan(letter, aql, "tightened").sample_size >= normal.sample_size, (letter, aql)
            assert master_plan(letter, aql, "reduced").sample_size <= normal.sample_size, (letter, aql)
            assert master_plan(letter, aql, "tightened").accept <= normal.accept, (letter, aql)


# --- Worked examples and 100 % inspection ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lot", "level", "aql", "severity", "expected"),
    [
        (1000, "II", 1.0, "normal", ("J", 80, 2, 3)),  # the classic example
        (1000, "II", 1.5, "normal", ("J", 80, 3, 4)),
        (20, "I", 1.5, "normal", ("D", 8, 0, 1)),  # B, arrow to C, arrow to D
        (125, "III", 1.0, "reduced", ("J", 32, 1, 2)),  # ISO reduced: G, arrows to H and J
        (
            100_000,
            "S-4",
            0.65,
            "normal",
            ("J", 80, 1, 2),
        ),  # published ISO 2859-1:1999 examples (35 001-500 000)
        (100_000, "S-3", 0.65, "normal", ("F", 20, 0, 1)),
        (100_000, "S-4", 0.40, "normal", ("K", 125, 1, 2)),
        (100_000, "S-3", 0.40, "normal", ("G", 32, 0, 1)),
        (100_000, "S-4", 0.25, "normal", ("H", 50, 0, 1)),
        (100_000, "S-4", 0.15, "normal", ("J", 80, 0, 1)),
        (200_000, "III", 0.025, "tightened", ("S", 3150, 1, 2)),  # Q, down to S
        (1_000_000, "III", 0.025, "tightened", ("S", 3150, 1, 2)),  # R, down to S
        (1_000_000, "III", 0.015, "normal", ("P", 800, 0, 1)),  # R, up through Q to P
        (1_000_000, "III", 0.015, "reduced", ("P", 315, 0, 1)),
        (1_000_000, "III", 0.010, "normal", ("Q", 1250, 0, 1)),
    ],
)
def test_worked_examples(
    lot: int, level: str, aql: float, severity: str, expected: tuple[str, int, int, int]
) -> None:
    plan = single_plan(lot, aql, level, severity)
    assert (plan.code_letter, plan.sample_size, plan.accept, plan.reject) == expected
    assert not plan.full_inspection and plan.level == level and plan.severity == severity


def test_small_lot_is_inspected_completely_with_the_plans_numbers() -> None:
    # Lot 8, level II: A, arrows down to F (20 items, Ac 0): all 8 items, Ac 0, Re 1.
    plan = single_plan(8, 0.65)
    assert plan == Plan("F", 8, 0, 1, "normal", 0.65, "II", full_inspection=True)
    # Lot 20 (letter C) reaches F's 20 items exactly: "equals or exceeds" -> 100 %; lot 21 does not.
    assert single_plan(20, 0.65).full_inspection and single_plan(20, 0.65).sample_size == 20
    assert not single_plan(21, 0.65).full_inspection and single_plan(21, 0.65).sample_size == 20
    reduced = single_plan(2, 1.0, severity="reduced")  # A, arrows down to E (5 items)
    assert (reduced.code_letter, reduced.sample_size, reduced.accept, reduced.reject) == ("E", 2, 0, 1)
    assert reduced.full_inspection


def test_aql_forms() -> None:
    assert single_plan(1000, 1) == single_plan(1000, 1.0) == single_plan(1000, Decimal("1.0"))
    assert single_plan(1000, 0.1 + 0.05).aql == 0.15
    assert single_plan(1000, Decimal("0.010")).aql == 0.010


def test_plan_accepts() -> None:
    plan = single_plan(1000, 1.0)
    assert plan.accepts(0) and plan.accepts(2) and not plan.accepts(3)
    with pytest.raises(SamplingError) as error:
        plan.accepts(-1)
    assert error.value.code == "bad_count"


# --- Bad input -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lot_size": 1}, "lot_size_too_small"),
        ({"lot_size": 0}, "lot_size_too_small"),
        ({"lot_size": -5}, "lot_size_too_small"),
        ({"lot_size": 100.0}, "lot_size_not_integer"),
        ({"lot_size": "100"}, "lot_size_not_integer"),
        ({"lot_size": True}, "lot_size_not_integer"),
        ({"lot_size": None}, "lot_size_not_integer"),
        ({"level": "IV"}, "unknown_level"),
        ({"level": "ii"}, "unknown_level"),
        ({"level": "S1"}, "unknown_level"),
        ({"severity": "strict"}, "unknown_severity"),
        ({"severity": "Normal"}, "unknown_severity"),
        ({"aql": 0.3}, "unknown_aql"),
        ({"aql": 2.0}, "unknown_aql"),
        ({"aql": -1}, "unknown_aql"),
        ({"aql": float("nan")}, "unknown_aql"),
        ({"aql": float("inf")}, "unknown_aql"),
        ({"aql": 0}, "unknown_aql"),
        ({"aql": 1500}, "unknown_aql"),
        ({"aql": "1.0"}, "unknown_aql"),
        ({"aql": True}, "unknown_aql"),
    ],
)
def test_bad_input_says_why(kwargs: dict[str, object], code: str) -> None:
    arguments: dict[str, object] = {
        "lot_size": 1000,
        "aql": 1.0,
        "level": "II",
        "severity": "normal",
        **kwargs,
    }
    with pytest.raises(SamplingError) as error:
        single_plan(**arguments)  # type: ignore[arg-type]
    assert error.value.code == code
    assert isinstance(error.value, ValueError)


def test_bad_code_letters_and_levels_elsewhere() -> None:
    for call in (lambda: master_plan("I", 1.0), lambda: master_plan("S", 0.025, "tightened")):
        with pytest.raises(SamplingError) as error:
            call()
        assert error.value.code == "unknown_code_letter"
    with pytest.raises(SamplingError) as error:
        table_cell("S", 0.025, "normal")
    assert error.value.code == "unknown_code_letter"
    with pytest.raises(SamplingError) as error:
        code_letter(100, "III ")
    assert error.value.code == "unknown_level"
    assert [code_letter(100, level) for level in LEVELS] == ["B", "B", "C", "D", "D", "F", "G"]


# --- One step tighter (switching score) ------------------------------------------------------------------------


def test_one_step_tighter_aql() -> None:
    assert one_step_tighter(1.0) == 0.65 and one_step_tighter(1000) == 650 and one_step_tighter(0.010) is None


def test_every_normal_plan_with_ac_2_or_more_has_the_tighter_plan_beside_it() -> None:
    series = [0, 1, 2, 3, 5, 7, 10, 14, 21, 30, 44]
    for letter in CODE_LETTERS:
        for aql in AQLS:
            plan = master_plan(letter, aql)
            tighter = accept_number_one_step_tighter(plan)
            if plan.accept < 2:
                assert tighter is None
                continue
            assert tighter == series[series.index(plan.accept) - 1], (letter, aql)
            beside = master_plan(plan.code_letter, one_step_tighter(aql) or 0.010)
            assert (beside.code_letter, beside.sample_size, beside.accept) == (
                plan.code_letter,
                plan.sample_size,
                tighter,
            )


def test_one_step_tighter_uses_the_row_of_the_plan_used() -> None:
    plan = master_plan("L", 10)  # arrow up to K (125 items, Ac 21); at 6.5 the K row has Ac 14
    assert (plan.code_letter, plan.accept) == ("K", 21)
    assert accept_number_one_step_tighter(plan) == 14
    with pytest.raises(SamplingError) as error:
        accept_number_one_step_tighter(master_plan("J", 1.0, "tightened"))
    assert error.value.code == "not_normal_plan"


# --- Switching rules -------------------------------------------------------------------------------------------

A, F = True, False  # lot accepted / not accepted


def run(results: list[bool], start: Switching | None = None, ac: int = 1) -> Switching:
    """Record lots with a plan of acceptance number ``ac`` (accepted lots also pass one step tighter)."""
    state = start or Switching()
    for accepted in results:
        state = state.record(
            accepted, accept_number=ac, accepted_one_step_tighter=accepted if ac >= 2 else None
        )
    return state


def tightened() -> Switching:
    state = run([F, F])
    assert state.state == "tightened" and state.reason == "normal_to_tightened"
    return state


def test_starts_on_normal() -> None:
    assert (
        Switching() == Switching.start() and Switching().state == "normal" and Switching().reason == "start"
    )
    assert Switching.start("tightened").state == "tightened"
    with pytest.raises(SamplingError) as error:
        Switching.start("discontinued")
    assert error.value.code == "unknown_severity"


@pytest.mark.parametrize(
    "results",
    [[F, F], [F, A, F], [F, A, A, F], [F, A, A, A, F], [A, A, F, A, A, A, A, F, A, A, F]],
)
def test_two_not_accepted_within_five_lots_switch_to_tightened(results: list[bool]) -> None:
    before = run(results[:-1])
    assert before.state == "normal"
    after = run(results[-1:], before)
    assert (after.state, after.reason, after.switched) == ("tightened", "normal_to_tightened", True)


@pytest.mark.parametrize("results", [[F, A, A, A, A, F], [F, A, A, A, A, F, A, A, A, A, F, A, A, A, A, F]])
def test_two_not_accepted_six_lots_apart_stay_normal(results: list[bool]) -> None:
    state = run(results)
    assert state.state == "normal" and state.reason == "not_accepted" and not state.switched


def test_tightened_to_normal_after_five_consecutive_accepted() -> None:
    state = run([A, A, A, A], tightened())
    assert state.state == "tightened" and state.accepted_in_row == 4
    state = run([F, A, A, A, A], state)  # a lot not accepted restarts the run
    assert state.state == "tightened" and state.accepted_in_row == 4 and state.not_accepted_on_tightened == 1
    state = run([A], state)
    assert (state.state, state.reason, state.score, state.normal_results) == (
        "normal",
        "tightened_to_normal",
        0,
        (),
    )
    assert run([F], state).state == "normal"  # the 2-in-5 window starts again with normal inspection


def test_discontinued_after_five_lots_not_accepted_on_tightened() -> None:
    state = run([F, A, F, A, A, F, A, A, A, F], tightened())  # never 5 accepted in a row; 4 not accepted
    assert state.state == "tightened" and state.not_accepted_on_tightened == 4
    state = run([F], state)
    assert (state.state, state.reason, state.severity) == ("discontinued", "discontinued", None)
    with pytest.raises(SamplingError) as error:
        state.record(True)
    assert error.value.code == "discontinued"
    resumed = state.resume()
    assert (resumed.state, resumed.reason) == ("tightened", "resumed")
    assert (
        resumed.not_accepted_on_tightened == 0 and resumed.accepted_in_row == 0 and resumed.lots == state.lots
    )
    assert run([F, F, F, F], resumed).state == "tightened"  # counting starts again
    assert run([F, F, F, F, F], resumed).state == "discontinued"


def test_not_accepted_count_on_tightened_restarts_with_each_spell() -> None:
    state = run([F, F, F, F, A, A, A, A, A], tightened())
    assert state.state == "normal"
    state = run([F, F], state)  # back to tightened: the earlier 4 no longer count
    assert state.state == "tightened" and state.not_accepted_on_tightened == 0
    assert run([F, F, F, F], state).state == "tightened"


def test_resume_only_when_discontinued() -> None:
    for state in (Switching(), tightened()):
        with pytest.raises(SamplingError) as error:
            state.resume()
        assert error.value.code == "not_discontinued"


def test_switching_score_with_acceptance_number_0_or_1() -> None:
    state = run([A] * 14)
    assert state.score == 28 and not state.reduced_allowed
    assert run([A], state).score == 30 and run([A], state).reduced_allowed
    assert run([A] * 3, run([F], run([A] * 5))).score == 6  # reset to 0 by the lot not accepted, then +2 each
    assert run([A, A], ac=0).score == 4


def test_switching_score_with_acceptance_number_2_or_more() -> None:
    state = Switching()
    state = state.record(True, accept_number=2, accepted_one_step_tighter=True)
    state = state.record(True, accept_number=5, accepted_one_step_tighter=True)
    assert state.score == 6
    state = state.record(
        True, accept_number=2, accepted_one_step_tighter=False
    )  # accepted, not one step tighter
    assert (state.state, state.score, state.reason) == ("normal", 0, "accepted")
    state = run([A] * 10, state, ac=2)
    assert state.score == 30 and state.reduced_allowed
    state = state.record(False, accept_number=2, accepted_one_step_tighter=False)
    assert state.score == 0 and state.state == "normal"


def test_switching_score_from_counts_with_a_plan() -> None:
    plan = single_plan(1000, 1.0)  # J: 80 items, Ac 2; one step tighter (0.65) Ac 1 on the same 80 items
    state = Switching().record_lot(plan, 1)
    assert state.score == 3
    state = state.record_lot(plan, 2)  # accepted, but not at 0.65
    assert (state.score, state.reason) == (0, "accepted")
    state = state.record_lot(plan, 3)
    assert (state.score, state.reason, state.normal_results) == (0, "not_accepted", (True, True, False))
    small = single_plan(100, 1.0)  # F: 20 items, Ac 0
    assert Switching().record_lot(small, 0).score == 2 and Switching().record_lot(small, 1).score == 0


def test_record_lot_checks_the_plan_and_the_count() -> None:
    with pytest.raises(SamplingError) as error:
        Switching().record_lot(single_plan(1000, 1.0, severity="tightened"), 0)
    assert error.value.code == "plan_severity_mismatch"
    for count in (-1, 1.5, True):
        with pytest.raises(SamplingError) as error:
            Switching().record_lot(single_plan(1000, 1.0), count)  # type: ignore[arg-type]
        assert error.value.code == "bad_count"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"accepted": True}, "accept_number_required"),
        ({"accepted": True, "accept_number": -1}, "accept_number_required"),
        ({"accepted": True, "accept_number": True}, "accept_number_required"),
        ({"accepted": True, "accept_number": 3}, "tighter_result_required"),
        ({"accepted": False, "accept_number": 3, "accepted_one_step_tighter": True}, "inconsistent_results"),
        ({"accepted": 1, "accept_number": 1}, "accepted_not_bool"),
    ],
)
def test_record_arguments_on_normal(kwargs: dict[str, object], code: str) -> None:
    with pytest.raises(SamplingError) as error:
        Switching().record(**kwargs)  # type: ignore[arg-type]
    assert error.value.code == code


def test_approval_of_reduced_inspection() -> None:
    below = run([A] * 14)
    with pytest.raises(SamplingError) as error:
        below.approve_reduced(production_steady=True)
    assert error.value.code == "score_too_low"
    ready = run([A], below)
    with pytest.raises(SamplingError) as error:
        ready.approve_reduced(production_steady=False)
    assert error.value.code == "production_not_steady"
    with pytest.raises(SamplingError) as error:
        tightened().approve_reduced(production_steady=True)
    assert error.value.code == "not_normal"
    assert run([A] * 10, ready).state == "normal"  # never automatic, however high the score
    reduced = ready.approve_reduced(production_steady=True)
    assert (reduced.state, reduced.reason, reduced.score, reduced.lots) == (
        "reduced",
        "normal_to_reduced",
        0,
        15,
    )


def test_reduced_back_to_normal() -> None:
    reduced = run([A] * 15).approve_reduced(production_steady=True)
    assert run([A] * 20, reduced).state == "reduced"
    back = run([A, A, F], reduced)
    assert (back.state, back.reason, back.score, back.normal_results) == (
        "normal",
        "reduced_to_normal_not_accepted",
        0,
        (),
    )
    assert run([F], back).state == "normal"  # the lot that ended reduced inspection does not count for 9.3.1
    assert reduced.end_reduced("production_irregular").reason == "reduced_to_normal_irregular"
    assert reduced.end_reduced("other").reason == "reduced_to_normal_other"
    with pytest.raises(SamplingError) as error:
        reduced.end_reduced("weather")  # type: ignore[arg-type]
    assert error.value.code == "unknown_cause"
    with pytest.raises(SamplingError) as error:
        Switching().end_reduced("other")
    assert error.value.code == "not_reduced"


def test_lots_are_counted_and_reasons_are_known() -> None:
    state = run([A, F, A, F, A, A, A, A, A])
    assert state.lots == 9 and state.reason in REASONS
    assert set(REASONS) >= {"normal_to_tightened", "tightened_to_normal", "normal_to_reduced", "discontinued"}


# --- Storage ---------------------------------------------------------------------------------------------------


def test_round_trip_through_json() -> None:
    states = [
        Switching(),
        run([A, F, A]),
        run([A] * 16),
        tightened(),
        run([F, A, A, F], tightened()),
        run([A] * 15).approve_reduced(production_steady=True),
        run([F] * 5, tightened()),
    ]
    for state in states:
        stored = json.loads(json.dumps(state.to_dict()))
        assert Switching.from_dict(stored) == state


@pytest.mark.parametrize(
    "change",
    [
        {"version": 2},
        {"version": True},
        {"state": "relaxed"},
        {"reason": "because"},
        {"score": -2},
        {"score": 1},
        {"score": "4"},
        {"lots": 1.0},
        {"normal_results": [1, 0]},
        {"normal_results": "TF"},
        {"normal_results": [False, True, False]},
        {"normal_results": [True] * 5},
        {"state": "tightened", "score": 4},
        {"state": "tightened", "accepted_in_row": 5},
        {"state": "tightened", "not_accepted_on_tightened": 5},
        {"accepted_in_row": 1},
        {"extra": 1},
    ],
)
def test_from_dict_refuses_malformed_states(change: dict[str, object]) -> None:
    data = {**Switching().to_dict(), **change}
    with pytest.raises(SamplingError) as error:
        Switching.from_dict(data)
    assert error.value.code == "bad_state"


def test_from_dict_refuses_missing_keys_and_non_mappings() -> None:
    data = Switching().to_dict()
    del data["score"]
    for bad in (data, [], "normal"):
        with pytest.raises(SamplingError) as error:
            Switching.from_dict(bad)  # type: ignore[arg-type]
        assert error.value.code == "bad_state"


# --- Property test against an independent reference -----------------------------------------------------------


class Reference:
    """The switching rules re-derived from the whole history of the current spell at every step."""

    def __init__(self) -> None:
        self.state = "normal"
        self.spell: list[tuple[bool, int, bool]] = []  # (accepted, Ac, accepted one step tighter)
        self.lots = 0

    def begin(self, state: str) -> None:
        self.state, self.spell = state, []

    @property
    def score(self) -> int:
        if self.state != "normal":
            return 0
        score = 0
        for accepted, ac, tighter in self.spell:
            passed = tighter if ac >= 2 else accepted
            score = score + (3 if ac >= 2 else 2) if passed else 0
        return score

    def lot(self, accepted: bool, ac: int, tighter: bool) -> bool:
        if self.state == "discontinued":
            return False
        self.lots += 1
        self.spell.append((accepted, ac, tighter))
        results = [a for a, _ac, _t in self.spell]
        if self.state == "normal" and results[-5:].count(False) >= 2:
            self.begin("tightened")
        elif self.state == "tightened" and results.count(False) >= 5:
            self.begin("discontinued")
        elif (self.state == "tightened" and len(results) >= 5 and all(results[-5:])) or (
            self.state == "reduced" and not accepted
        ):
            self.begin("normal")
        return True

    def approve(self, steady: bool) -> bool:
        if self.state != "normal" or self.score < 30 or not steady:
            return False
        self.begin("reduced")
        return True

    def end_reduced(self) -> bool:
        if self.state != "reduced":
            return False
        self.begin("normal")
        return True

    def resume(self) -> bool:
        if self.state != "discontinued":
            return False
        self.begin("tightened")
        return True


Step = tuple[str, bool, int, bool]
lots = st.tuples(st.just("lot"), st.booleans(), st.sampled_from([0, 1, 2, 3, 21]), st.booleans())
others = st.tuples(
    st.sampled_from(["approve", "end_reduced", "resume"]), st.booleans(), st.just(0), st.just(False)
)
# Runs of good lots (accepted, and accepted one step tighter) so that scores of 30, reduced inspection, returns
# from tightened and long spells are reached often, mixed with single random lots and the explicit steps.
good_run = st.integers(1, 16).map(lambda length: [("lot", True, 1, True)] * length)
chunks = st.one_of(lots.map(lambda step: [step]), others.map(lambda step: [step]), good_run)


def allowed_by_reference(reference: Reference, step: Step) -> bool:
    kind, flag, ac, tighter = step
    if kind == "lot":
        return reference.lot(flag, ac, tighter and flag)
    if kind == "approve":
        return reference.approve(flag)
    return reference.end_reduced() if kind == "end_reduced" else reference.resume()


def apply(state: Switching, step: Step) -> Switching:
    kind, flag, ac, tighter = step
    if kind == "lot":
        return state.record(flag, accept_number=ac, accepted_one_step_tighter=tighter and flag)
    if kind == "approve":
        return state.approve_reduced(production_steady=flag)
    return state.end_reduced("other") if kind == "end_reduced" else state.resume()


@settings(max_examples=150, deadline=None)
@given(st.lists(chunks, max_size=40))
def test_switching_matches_the_reference(chunked: list[list[Step]]) -> None:
    state, reference = Switching(), Reference()
    for step in (step for chunk in chunked for step in chunk):
        if allowed_by_reference(reference, step):
            state = apply(state, step)
        else:
            with pytest.raises(SamplingError):
                apply(state, step)
        assert (state.state, state.score, state.lots) == (reference.state, reference.score, reference.lots)
        assert state.reduced_allowed == (reference.state == "normal" and reference.score >= SCORE_FOR_REDUCED)
        assert Switching.from_dict(json.loads(json.dumps(state.to_dict()))) == state
