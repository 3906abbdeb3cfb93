"""Acceptance sampling by attributes: ISO 2859-1 single sampling plans and the switching rules.

**Edition.** The tables are those of ISO 2859-1:1999 (second edition; GB/T 2828.1-2003 and -2012 are identical
adoptions). Normal (Table 2-A) and tightened (Table 2-B) single sampling plans are the same as in MIL-STD-105E and
ANSI/ASQ Z1.4; the reduced plans (Table 2-C) are the 1999 ones, which removed the gap between the acceptance and
rejection numbers, so in every single sampling plan here ``Re = Ac + 1``.

**Choosing a plan** (clause 10). :func:`code_letter` reads the sample size code letter from Table 1 (lot size and
inspection level: general I, II, III or special S-1 to S-4). :func:`single_plan` then reads the cell for that letter
and the AQL in the table of the current severity. A cell is a plan (Ac, Re) or an arrow: follow the arrow to the
first plan below (or above) it; that plan gives both the sample size (with its code letter) and Ac/Re - "the
sample size to be used is given by the new sample size code letter, not by the original letter". When the sample
size equals or exceeds the lot size, every item is inspected (``sample_size = lot_size``) with that plan's Ac/Re.
Reduced inspection uses its own, smaller sample sizes (Table 2-C: A, B and C are all 2 items). Table 2-B has an
extra code letter S (3 150 items) reached only from Q and R at AQL 0.025. The AQL must be one of the 26 preferred
values 0.010 to 1000 (clause 5.2); values above 10 are for nonconformities per 100 items only.

Facts were cross-checked cell by cell against independent public renderings (resolved normal and tightened tables
of MIL-STD-105E, a GB/T 2828.1-2012 transcription, and published spot values). They agree everywhere except Table
2-B, letter A at AQL 10: the GB/T transcription has a plan (0, 1) with 2 items, the MIL-STD-105E renderings an
arrow down to D (8 items, Ac 1). The arrow is kept here: the 1999 foreword lists no change to the tightened single
plans, and with it no tightened sample is ever smaller than the normal one for the same cell.

**Switching rules** (clause 9; the responsible authority may direct another start than normal). Only lots on
original inspection count; resubmitted lots must not be recorded. Clause numbers are the standard's: 9.3.1 to 9.3.4
in the order below (MIL-STD-105E 4.7.1-4.7.4 and ANSI/ASQ Z1.4 8.3.1-8.3.4 keep the same order).

- 9.3.1 normal -> tightened: 2 out of 5 or fewer consecutive lots not accepted. Counted over the lots inspected
  since normal inspection (re)started (an interpretation: the standard does not say whether a lot that ended
  reduced inspection counts; here it does not).
- 9.3.2 tightened -> normal: 5 consecutive lots accepted.
- 9.3.3 normal -> reduced: the switching score is at least 30, production is at a steady rate and the responsible
  authority considers reduced inspection desirable - never automatic, see :meth:`Switching.approve_reduced`.
  Switching score (9.3.3.2): set to 0 when normal inspection starts (the standard lets the responsible authority
  specify otherwise; not modelled), updated after every lot on normal inspection.
  With Ac >= 2 add 3 if the lot would have been accepted at the AQL one step tighter, otherwise reset to 0; with
  Ac 0 or 1 add 2 if the lot is accepted, otherwise reset to 0. "One step tighter" is read in the same row of
  Table 2-A as the plan used (same code letter, same sample size), see :func:`accept_number_one_step_tighter`.
- 9.3.4 reduced -> normal: a lot is not accepted, or production becomes irregular or delayed, or other conditions
  warrant it (:meth:`Switching.end_reduced`).
- 9.4 discontinuation: when the cumulative number of lots not accepted in the sequence of consecutive lots on
  tightened inspection reaches 5. Inspection resumes only after supplier action the responsible authority accepts
  as likely effective (:meth:`Switching.resume`), and then on tightened inspection as if 9.3.1 had been invoked.

Everything raises :class:`SamplingError` (a ValueError with a ``code``) for bad input.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final, Literal, SupportsIndex, TypeAlias

Level = Literal["S-1", "S-2", "S-3", "S-4", "I", "II", "III"]
Severity = Literal["normal", "tightened", "reduced"]
State = Literal["normal", "tightened", "reduced", "discontinued"]
Cell: TypeAlias = tuple[int, int] | Literal["up", "down"] | None


class SamplingError(ValueError):
    """Bad input for a sampling plan or a switching step: ``code`` says what (for translated messages)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


LEVELS: Final[tuple[Level, ...]] = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
SEVERITIES: Final[tuple[Severity, ...]] = ("normal", "tightened", "reduced")
STATES: Final[tuple[State, ...]] = ("normal", "tightened", "reduced", "discontinued")

#: The preferred AQL values (clause 5.2), in the order of the table columns.
AQLS: Final[tuple[float, ...]] = (
    0.010, 0.015, 0.025, 0.040, 0.065, 0.10, 0.15, 0.25, 0.40, 0.65, 1.0, 1.5, 2.5,
    4.0, 6.5, 10.0, 15.0, 25.0, 40.0, 65.0, 100.0, 150.0, 250.0, 400.0, 650.0, 1000.0,
)  # fmt: skip

#: Code letters of Tables 2-A and 2-C; Table 2-B adds S.
CODE_LETTERS: Final = "ABCDEFGHJKLMNPQR"

#: Sample sizes of the code letters under normal and tightened inspection (Tables 2-A, 2-B).
SAMPLE_SIZES: Final[Mapping[str, int]] = MappingProxyType(
    dict(
        zip(
            "ABCDEFGHJKLMNPQRS",
            (2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800, 1250, 2000, 3150),
            strict=True,
        )
    )
)
#: Sample sizes of the code letters under reduced inspection (Table 2-C).
REDUCED_SAMPLE_SIZES: Final[Mapping[str, int]] = MappingProxyType(
    dict(zip(CODE_LETTERS, (2, 2, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 315, 500, 800), strict=True))
)

# Table 1: upper end of each lot size range (the last range is open) and the letters for
# S-1, S-2, S-3, S-4, I, II, III.
_TABLE_1: Final[tuple[tuple[int | None, str], ...]] = (
    (8, "AAAAAAB"),
    (15, "AAAAABC"),
    (25, "AABBBCD"),
    (50, "ABBCCDE"),
    (90, "BBCCCEF"),
    (150, "BBCDDFG"),
    (280, "BCDEEGH"),
    (500, "BCDEFHJ"),
    (1200, "CCEFGJK"),
    (3200, "CDEGHKL"),
    (10_000, "CDFGJLM"),
    (35_000, "CDFHKMN"),
    (150_000, "DEGJLNP"),
    (500_000, "DEGJMPQ"),
    (None, "DEHKNQR"),
)

# Tables 2-A, 2-B and 2-C, one row per code letter, one column per AQL of AQLS (0.010 on the left, 1000 on the
# right). A number is the acceptance number Ac of a plan (its rejection number is Ac + 1), "v" and "^" are the
# arrows "use the first sampling plan below / above", "." a cell without a plan (row S of Table 2-B).
_TABLE_2A = """
#.010           0.10            1.0             10            100           1000
#   |              |              |              |              |              |
A   v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  7 10 14 21 30
B   v  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44
C   v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^
D   v  v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^  ^
E   v  v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21 30 44  ^  ^  ^
F   v  v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^
G   v  v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^
H   v  v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^
J   v  v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^
K   v  v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
L   v  v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
M   v  v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
N   v  v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
P   v  0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
Q   0  ^  v  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
R   ^  ^  1  2  3  5  7 10 14 21  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
"""
_TABLE_2B = """
#.010           0.10            1.0             10            100           1000
#   |              |              |              |              |              |
A   v  v  v  v  v  v  v  v  v  v  v  v  v  v  v  v  v  v  1  2  3  5  8 12 18 27
B   v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41
C   v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^
D   v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^  ^
E   v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18 27 41  ^  ^  ^
F   v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^
G   v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^
H   v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^
J   v  v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^
K   v  v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
L   v  v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
M   v  v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
N   v  v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
P   v  v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
Q   v  0  v  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
R   0  ^  v  1  2  3  5  8 12 18  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
S   .  .  1  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .
"""
_TABLE_2C = """
#.010           0.10            1.0             10            100           1000
#   |              |              |              |              |              |
A   v  v  v  v  v  v  v  v  v  v  v  v  v  v  0  v  v  1  2  3  5  7 10 14 21 30
B   v  v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  7 10 14 21 30
C   v  v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^
D   v  v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^  ^
E   v  v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10 14 21  ^  ^  ^
F   v  v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^
G   v  v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^
H   v  v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^
J   v  v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^
K   v  v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
L   v  v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
M   v  v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
N   v  v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
P   v  0  ^  v  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
Q   0  ^  ^  v  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
R   ^  ^  ^  1  2  3  5  6  8 10  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^  ^
"""


def _parse_table(text: str) -> dict[str, tuple[Cell, ...]]:
    rows: dict[str, tuple[Cell, ...]] = {}
    for line in text.strip().splitlines():
        if line.startswith("#"):
            continue
        letter, *tokens = line.split()
        cells: list[Cell] = []
        for token in tokens:
            if token == "v":
                cells.append("down")
            elif token == "^":
                cells.append("up")
            elif token == ".":
                cells.append(None)
            else:
                cells.append((int(token), int(token) + 1))
        if len(cells) != len(AQLS):
            raise AssertionError(f"row {letter}: {len(cells)} cells")
        rows[letter] = tuple(cells)
    return rows


_TABLES: Final[dict[Severity, dict[str, tuple[Cell, ...]]]] = {
    "normal": _parse_table(_TABLE_2A),
    "tightened": _parse_table(_TABLE_2B),
    "reduced": _parse_table(_TABLE_2C),
}
_SIZES: Final[dict[Severity, Mapping[str, int]]] = {
    "normal": SAMPLE_SIZES,
    "tightened": SAMPLE_SIZES,
    "reduced": REDUCED_SAMPLE_SIZES,
}


def _follow(severity: Severity, letter: str, column: int) -> tuple[str, int, int]:
    """The plan a cell leads to: (code letter, Ac, Re), following arrows to the first plan in their direction."""
    table = _TABLES[severity]
    letters = list(table)
    row = letters.index(letter)
    cell = table[letter][column]
    step = 1 if cell == "down" else -1
    while not isinstance(cell, tuple):
        row += step
        if not 0 <= row < len(letters):
            raise AssertionError(f"{severity} {letter}/{AQLS[column]}: arrow leads off the table")
        cell = table[letters[row]][column]
        if cell is None:
            raise AssertionError(f"{severity} {letter}/{AQLS[column]}: arrow leads to an empty cell")
    return letters[row], cell[0], cell[1]


# Every starting cell resolved once, at import: a table typo fails loudly here rather than at a lookup.
_RESOLVED: Final[dict[tuple[Severity, str, int], tuple[str, int, int]]] = {
    (severity, letter, column): _follow(severity, letter, column)
    for severity in SEVERITIES
    for letter in CODE_LETTERS
    for column in range(len(AQLS))
}


@dataclass(frozen=True)
class Plan:
    """A single sampling plan: inspect ``sample_size`` items, accept with at most ``accept`` nonconforming.

    ``code_letter`` is the letter of the plan actually used (after following arrows); ``full_inspection`` is true
    when the table's sample size reached the lot size and every item is inspected (clause 10.1).
    """

    code_letter: str
    sample_size: int
    accept: int
    reject: int
    severity: Severity
    aql: float
    level: Level | None = None
    full_inspection: bool = False

    def accepts(self, nonconforming: int) -> bool:
        """Whether a sample with this many nonconforming items (or nonconformities) accepts the lot (11.1.1)."""
        return _count(nonconforming) <= self.accept


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SamplingError(
            "bad_count", f"the number of nonconforming items must be an integer >= 0, not {value!r}"
        )
    return value


def _lot_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, SupportsIndex):
        raise SamplingError("lot_size_not_integer", f"the lot size must be an integer, not {value!r}")
    lot = operator.index(value)
    if lot < 2:
        raise SamplingError("lot_size_too_small", f"the lot size must be at least 2, not {lot}")
    return lot


def _level(value: object) -> Level:
    if value not in LEVELS:
        raise SamplingError(
            "unknown_level", f"inspection level must be one of {', '.join(LEVELS)}, not {value!r}"
        )
    return value


def _severity(value: object) -> Severity:
    if value not in SEVERITIES:
        raise SamplingError(
            "unknown_severity", f"severity must be one of {', '.join(SEVERITIES)}, not {value!r}"
        )
    return value


def _aql_column(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise SamplingError("unknown_aql", f"the AQL must be a number, not {value!r}")
    number = float(value)
    for column, aql in enumerate(AQLS):
        if math.isclose(number, aql, rel_tol=1e-9):
            return column
    raise SamplingError("unknown_aql", f"{value!r} is not one of the preferred AQL values 0.010 ... 1000")


def code_letter(lot_size: int, level: str = "II") -> str:
    """The sample size code letter for a lot size and inspection level (Table 1)."""
    lot, columns = _lot_size(lot_size), _level(level)
    index = LEVELS.index(columns)
    for upper, letters in _TABLE_1:
        if upper is None or lot <= upper:
            return letters[index]
    raise AssertionError("unreachable: the last lot size range is open")


def table_cell(letter: str, aql: float | Decimal, severity: str = "normal") -> Cell:
    """The cell as printed in Table 2-A, 2-B or 2-C: ``(Ac, Re)``, ``"up"``, ``"down"`` or None (no plan)."""
    chosen = _severity(severity)
    rows = _TABLES[chosen]
    if not isinstance(letter, str) or letter not in rows:
        raise SamplingError(
            "unknown_code_letter", f"code letter must be one of {''.join(rows)}, not {letter!r}"
        )
    return rows[letter][_aql_column(aql)]


def master_plan(letter: str, aql: float | Decimal, severity: str = "normal") -> Plan:
    """The plan Table 2-A, 2-B or 2-C gives for a code letter and AQL, arrows followed, without a lot size."""
    chosen = _severity(severity)
    if not isinstance(letter, str) or letter not in CODE_LETTERS:
        raise SamplingError(
            "unknown_code_letter", f"code letter must be one of {CODE_LETTERS}, not {letter!r}"
        )
    column = _aql_column(aql)
    final, accept, reject = _RESOLVED[(chosen, letter, column)]
    return Plan(final, _SIZES[chosen][final], accept, reject, chosen, AQLS[column])


def single_plan(lot_size: int, aql: float | Decimal, level: str = "II", severity: str = "normal") -> Plan:
    """The single sampling plan for a lot (Table 1, then Table 2-A/2-B/2-C), with 100 % inspection of small lots.

    >>> plan = single_plan(1000, 1.0)
    >>> plan.code_letter, plan.sample_size, plan.accept, plan.reject
    ('J', 80, 2, 3)
    """
    lot = _lot_size(lot_size)
    chosen_level = _level(level)
    plan = master_plan(code_letter(lot, chosen_level), aql, severity)
    if plan.sample_size >= lot:
        return replace(plan, sample_size=lot, level=chosen_level, full_inspection=True)
    return replace(plan, level=chosen_level)


def one_step_tighter(aql: float | Decimal) -> float | None:
    """The preferred AQL one step tighter (the next smaller one), or None below 0.010."""
    column = _aql_column(aql)
    return AQLS[column - 1] if column else None


def accept_number_one_step_tighter(plan: Plan) -> int | None:
    """Ac of the normal plan one AQL step tighter with the same sample, for the switching score (9.3.3.2).

    Read in the same row of Table 2-A as ``plan`` (its code letter), one column to the left. For every normal plan
    with Ac >= 2 that cell is a plan with the same sample size (a test checks this), so the lot's count compares
    directly with it; for Ac 0 or 1, or when there is no plan there, the answer is None (not needed by the rule).
    """
    if plan.severity != "normal":
        raise SamplingError("not_normal_plan", "the switching score uses normal inspection plans only")
    column = _aql_column(plan.aql)
    if plan.accept < 2 or column == 0:
        return None
    cell = _TABLES["normal"][plan.code_letter][column - 1]
    return cell[0] if isinstance(cell, tuple) else None


# Switching rules (clause 9).

#: Switching score needed before reduced inspection may be approved (9.3.3.1 a).
SCORE_FOR_REDUCED: Final = 30
_WINDOW: Final = 5  # 9.3.1: 2 not accepted out of 5 or fewer consecutive lots
_NOT_ACCEPTED_FOR_TIGHTENED: Final = 2
_ACCEPTED_FOR_NORMAL: Final = 5  # 9.3.2
_NOT_ACCEPTED_TO_DISCONTINUE: Final = 5  # 9.4

#: Reason codes of :attr:`Switching.reason`, for history rows and translated messages.
REASONS: Final[tuple[str, ...]] = (
    "start",  # inspection started (normal unless the responsible authority directs otherwise)
    "accepted",  # lot accepted, severity unchanged
    "not_accepted",  # lot not accepted, severity unchanged
    "normal_to_tightened",  # 9.3.1
    "tightened_to_normal",  # 9.3.2
    "normal_to_reduced",  # 9.3.3
    "reduced_to_normal_not_accepted",  # 9.3.4 a)
    "reduced_to_normal_irregular",  # 9.3.4 b)
    "reduced_to_normal_other",  # 9.3.4 c)
    "discontinued",  # 9.4
    "resumed",  # 9.4, back on tightened inspection
)
_SWITCHED: Final = frozenset(REASONS) - {"start", "accepted", "not_accepted"}
_DICT_VERSION: Final = 1


def _bad(message: str) -> SamplingError:
    return SamplingError("bad_state", message)


def _non_negative(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(f"{name} must be an integer >= 0, not {value!r}")
    return value


@dataclass(frozen=True)
class Switching:
    """Where a series of lots stands in the switching rules; every step returns a new value.

    ``state`` is the severity for the next lot (or ``discontinued``); ``reason`` the code (see :data:`REASONS`)
    of the step that produced this value. Counters: ``normal_results`` the last 4 or fewer results (True =
    accepted) since normal inspection started, ``score`` the switching score (normal only), ``accepted_in_row`` the
    consecutive accepted lots on tightened inspection, ``not_accepted_on_tightened`` the lots not accepted since
    tightened inspection started, ``lots`` all lots recorded.
    """

    state: State = "normal"
    score: int = 0
    normal_results: tuple[bool, ...] = ()
    accepted_in_row: int = 0
    not_accepted_on_tightened: int = 0
    lots: int = 0
    reason: str = "start"

    def __post_init__(self) -> None:
        if self.state not in STATES:
            raise _bad(f"state must be one of {', '.join(STATES)}, not {self.state!r}")
        if self.reason not in REASONS:
            raise _bad(f"unknown reason {self.reason!r}")
        for name in ("score", "accepted_in_row", "not_accepted_on_tightened", "lots"):
            _non_negative(name, getattr(self, name))
        results = self.normal_results
        if not isinstance(results, tuple) or not all(isinstance(r, bool) for r in results):
            raise _bad("normal_results must be a tuple of booleans")
        if self.state != "normal" and (results or self.score):
            raise _bad("normal_results and score belong to normal inspection")
        if len(results) >= _WINDOW or results.count(False) >= _NOT_ACCEPTED_FOR_TIGHTENED:
            raise _bad("normal_results should already have switched to tightened inspection")
        if self.score == 1:
            raise _bad("a switching score of 1 cannot be reached")
        if self.state != "tightened" and (self.accepted_in_row or self.not_accepted_on_tightened):
            raise _bad("accepted_in_row and not_accepted_on_tightened belong to tightened inspection")
        if (
            self.accepted_in_row >= _ACCEPTED_FOR_NORMAL
            or self.not_accepted_on_tightened >= _NOT_ACCEPTED_TO_DISCONTINUE
        ):
            raise _bad("the tightened counters should already have switched")

    @classmethod
    def start(cls, severity: str = "normal") -> Switching:
        """Start inspection on normal, or on the severity the responsible authority directs (9.1)."""
        return cls(state=_severity(severity))

    @property
    def severity(self) -> Severity | None:
        """The table for the next lot, or None while inspection is discontinued."""
        return None if self.state == "discontinued" else self.state

    @property
    def switched(self) -> bool:
        """Whether the step that produced this value changed the severity (or discontinued or resumed)."""
        return self.reason in _SWITCHED

    @property
    def reduced_allowed(self) -> bool:
        """Whether the switching score allows the responsible authority to approve reduced inspection (9.3.3)."""
        return self.state == "normal" and self.score >= SCORE_FOR_REDUCED

    def record(
        self,
        accepted: bool,
        *,
        accept_number: int | None = None,
        accepted_one_step_tighter: bool | None = None,
    ) -> Switching:
        """The state after one lot on original inspection (9.3, 9.4).

        On normal inspection the switching score needs the plan's ``accept_number`` and, when it is 2 or more,
        whether the lot would also have been accepted at the AQL one step tighter (9.3.3.2). Use
        :meth:`record_lot` to derive both from a plan and the count found.
        """
        if not isinstance(accepted, bool):
            raise SamplingError("accepted_not_bool", f"accepted must be True or False, not {accepted!r}")
        if self.state == "discontinued":
            raise SamplingError("discontinued", "inspection is discontinued (9.4); resume it first")
        lots = self.lots + 1
        if self.state == "normal":
            return self._record_normal(accepted, accept_number, accepted_one_step_tighter, lots)
        if self.state == "tightened":
            return self._record_tightened(accepted, lots)
        if accepted:
            return replace(self, lots=lots, reason="accepted")
        return Switching("normal", lots=lots, reason="reduced_to_normal_not_accepted")

    def _record_normal(
        self, accepted: bool, accept_number: int | None, tighter: bool | None, lots: int
    ) -> Switching:
        if isinstance(accept_number, bool) or not isinstance(accept_number, int) or accept_number < 0:
            raise SamplingError(
                "accept_number_required", "on normal inspection give the plan's acceptance number (9.3.3.2)"
            )
        if accept_number >= 2:
            if not isinstance(tighter, bool):
                raise SamplingError(
                    "tighter_result_required",
                    "with Ac >= 2 say whether the lot would be accepted at the AQL one step tighter (9.3.3.2)",
                )
            if tighter and not accepted:
                raise SamplingError(
                    "inconsistent_results", "a lot not accepted cannot be accepted at a tighter AQL"
                )
        window = (*self.normal_results, accepted)[-_WINDOW:]
        if window.count(False) >= _NOT_ACCEPTED_FOR_TIGHTENED:
            return Switching("tightened", lots=lots, reason="normal_to_tightened")
        # 9.3.3.2 a): +3 when accepted one AQL step tighter (Ac >= 2), +2 when accepted (Ac 0 or 1), else 0.
        gain, kept = (3, tighter) if accept_number >= 2 else (2, accepted)
        score = self.score + gain if kept else 0
        reason = "accepted" if accepted else "not_accepted"
        return replace(self, score=score, normal_results=window[-(_WINDOW - 1) :], lots=lots, reason=reason)

    def _record_tightened(self, accepted: bool, lots: int) -> Switching:
        if accepted:
            if self.accepted_in_row + 1 >= _ACCEPTED_FOR_NORMAL:
                return Switching("normal", lots=lots, reason="tightened_to_normal")
            return replace(self, accepted_in_row=self.accepted_in_row + 1, lots=lots, reason="accepted")
        not_accepted = self.not_accepted_on_tightened + 1
        if not_accepted >= _NOT_ACCEPTED_TO_DISCONTINUE:
            return Switching("discontinued", lots=lots, reason="discontinued")
        return replace(
            self, accepted_in_row=0, not_accepted_on_tightened=not_accepted, lots=lots, reason="not_accepted"
        )

    def record_lot(self, plan: Plan, nonconforming: int) -> Switching:
        """:meth:`record` for a lot inspected with ``plan`` in which ``nonconforming`` items were found."""
        if plan.severity != self.state:
            raise SamplingError(
                "plan_severity_mismatch",
                f"the lot was inspected on {plan.severity}, the scheme is on {self.state}",
            )
        count = _count(nonconforming)
        tighter: bool | None = None
        if self.state == "normal" and plan.accept >= 2:
            tighter_accept = accept_number_one_step_tighter(plan)
            if tighter_accept is None:
                raise AssertionError(f"no tighter plan beside {plan}")
            tighter = count <= tighter_accept
        return self.record(count <= plan.accept, accept_number=plan.accept, accepted_one_step_tighter=tighter)

    def approve_reduced(self, *, production_steady: bool) -> Switching:
        """Switch to reduced inspection as the responsible authority approves it (9.3.3).

        Refused unless inspection is normal, the switching score is at least 30 and production is steady.
        """
        if self.state != "normal":
            raise SamplingError(
                "not_normal", f"reduced inspection follows normal inspection, not {self.state}"
            )
        if self.score < SCORE_FOR_REDUCED:
            raise SamplingError(
                "score_too_low",
                f"the switching score is {self.score}; reduced inspection needs {SCORE_FOR_REDUCED}",
            )
        if production_steady is not True:
            raise SamplingError(
                "production_not_steady", "reduced inspection needs production at a steady rate"
            )
        return Switching("reduced", lots=self.lots, reason="normal_to_reduced")

    def end_reduced(self, cause: Literal["production_irregular", "other"]) -> Switching:
        """Return from reduced to normal inspection because production became irregular or delayed, or for
        other conditions that warrant it (9.3.4 b, c); a lot not accepted does it through :meth:`record`."""
        if self.state != "reduced":
            raise SamplingError("not_reduced", f"inspection is {self.state}, not reduced")
        if cause == "production_irregular":
            return Switching("normal", lots=self.lots, reason="reduced_to_normal_irregular")
        if cause == "other":
            return Switching("normal", lots=self.lots, reason="reduced_to_normal_other")
        raise SamplingError(
            "unknown_cause", f"cause must be 'production_irregular' or 'other', not {cause!r}"
        )

    def resume(self) -> Switching:
        """Resume discontinued inspection, on tightened inspection (9.4), once the supplier's corrective action
        has been accepted by the responsible authority."""
        if self.state != "discontinued":
            raise SamplingError("not_discontinued", f"inspection is {self.state}, not discontinued")
        return Switching("tightened", lots=self.lots, reason="resumed")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (for a JSONField); :meth:`from_dict` reads it back."""
        return {
            "version": _DICT_VERSION,
            "state": self.state,
            "score": self.score,
            "normal_results": list(self.normal_results),
            "accepted_in_row": self.accepted_in_row,
            "not_accepted_on_tightened": self.not_accepted_on_tightened,
            "lots": self.lots,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Switching:
        """Read :meth:`to_dict`'s form; anything malformed or inconsistent raises ``SamplingError('bad_state')``."""
        if not isinstance(data, Mapping):
            raise _bad("a switching state is a mapping")
        expected = {
            "version",
            "state",
            "score",
            "normal_results",
            "accepted_in_row",
            "not_accepted_on_tightened",
        }
        expected |= {"lots", "reason"}
        if set(data) != expected:
            raise _bad(f"keys must be {sorted(expected)}, not {sorted(map(str, data))}")
        if data["version"] != _DICT_VERSION or isinstance(data["version"], bool):
            raise _bad(f"unknown version {data['version']!r}")
        results = data["normal_results"]
        if not isinstance(results, list | tuple):
            raise _bad("normal_results must be a list of booleans")
        return cls(
            state=data["state"],
            score=data["score"],
            normal_results=tuple(results),
            accepted_in_row=data["accepted_in_row"],
            not_accepted_on_tightened=data["not_accepted_on_tightened"],
            lots=data["lots"],
            reason=data["reason"],
        )
