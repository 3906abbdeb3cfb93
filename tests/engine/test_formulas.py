"""KPI formulas: examples, precedence, errors (position and code), no-data semantics, security, and properties
(hypothesis): random text parses or fails cleanly, random trees match a plain Python reference, and the array
form matches the scalar form element by element."""

from __future__ import annotations

import ast
import math
import pickle
import sys
import time
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oqms.engine.formulas import ERROR_CODES, MAX_DEPTH, MAX_LENGTH, Formula, FormulaError, parse

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def value(text: str, **values: float | None) -> float | None:
    return parse(text).evaluate(values)


# --- examples -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        # The seed's targets: equipment maintenance response within 2 h (P90), first-time fix rate >= 95 %.
        ("p90_response_minutes <= 120", {"p90_response_minutes": 95.5}, 1.0),
        ("p90_response_minutes <= 120", {"p90_response_minutes": 120}, 1.0),
        ("p90_response_minutes <= 120", {"p90_response_minutes": 121}, 0.0),
        ("p90_response_minutes <= 120", {"p90_response_minutes": None}, None),
        ("100 * first_time_fixed / resolved >= 95", {"first_time_fixed": 96, "resolved": 100}, 1.0),
        ("100 * first_time_fixed / resolved >= 95", {"first_time_fixed": 19, "resolved": 20}, 1.0),
        ("100 * first_time_fixed / resolved >= 95", {"first_time_fixed": 94, "resolved": 100}, 0.0),
        ("100 * first_time_fixed / resolved >= 95", {"first_time_fixed": 0, "resolved": 0}, None),
        ("100 * resolved_within_target / resolved", {"resolved_within_target": 45, "resolved": 50}, 90.0),
        ("mean_response_minutes <= 120", {"mean_response_minutes": 119.9}, 1.0),
        ("min(a, b)", {"a": 3, "b": -2}, -2.0),
        ("max(a, b, 7)", {"a": 3, "b": -2}, 7.0),
        ("if(resolved > 0, reopened / resolved * 100, 0)", {"resolved": 40, "reopened": 2}, 5.0),
        ("if(resolved > 0, reopened / resolved * 100, 0)", {"resolved": 0, "reopened": 0}, 0.0),
        ("abs(a - b)", {"a": 3, "b": 5}, 2.0),
        ("clamp(x, 0, 100)", {"x": 130}, 100.0),
        ("clamp(x, 0, 100)", {"x": -4}, 0.0),
        ("clamp(x, 0, 100)", {"x": 42.5}, 42.5),
        ("coalesce(late, 0) + 1", {}, 1.0),
        ("7 % 3", {}, 1.0),
        ("-7 % 3", {}, 2.0),  # floored, as in Python: the sign of the divisor
        ("7 % -3", {}, -2.0),
        ("5.5 % 2", {}, 1.5),
        ("2 ^ 10", {}, 1024.0),
        ("2.5e3 + .5 + 1E-1", {}, 2500.6),
        ("1 and 2", {}, 1.0),
        ("0 or 0", {}, 0.0),
        ("not 3", {}, 0.0),
        ("a == b", {"a": 0.1 + 0.2, "b": 0.3}, 0.0),  # floats compare exactly
        ("a != b", {"a": 1, "b": 1}, 0.0),
    ],
)
def test_examples(text: str, values: dict[str, float | None], expected: float | None) -> None:
    assert parse(text).evaluate(values) == expected


def test_names_text_and_equality() -> None:
    formula = parse("  100*first_time_fixed/resolved>=95 ")
    assert formula.names == frozenset({"first_time_fixed", "resolved"})
    assert formula.text == str(formula) == "100 * first_time_fixed / resolved >= 95"
    assert formula == parse("(100 * first_time_fixed) / resolved >= 95")
    assert hash(formula) == hash(parse(formula.text))
    assert parse("1 + 2").names == frozenset()
    assert isinstance(formula, Formula)
    assert (
        repr(formula)
        == "Formula(text='100 * first_time_fixed / resolved >= 95', names=" + repr(formula.names) + ")"
    )


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("(a / b) * 100", "a / b * 100"),
        ("a - (b - c)", "a - (b - c)"),
        ("(a - b) - c", "a - b - c"),
        ("a / (b * c)", "a / (b * c)"),
        ("(-2) ^ 2", "(-2) ^ 2"),
        ("-(2 ^ 2)", "-2 ^ 2"),
        ("(2 ^ 3) ^ 2", "(2 ^ 3) ^ 2"),
        ("2 ^ (3 ^ 2)", "2 ^ 3 ^ 2"),
        ("2^(-1)", "2 ^ -1"),
        ("+a", "a"),
        ("- -a", "--a"),
        ("not (a < b)", "not a < b"),
        ("(not a) < b", "(not a) < b"),
        ("(a or b) and c", "(a or b) and c"),
        ("a or (b and c)", "a or b and c"),
        ("1 + (not a)", "1 + (not a)"),
        ("MIN(a, b) AND Not c", "min(a, b) and not c"),
        ("IF(a, b, c)", "if(a, b, c)"),
        ("1.50 + 1e3 + 0.1e-4 + 12345678901234567890", "1.5 + 1000 + 1e-05 + 1.2345678901234567e+19"),
        ("round(x, -2)", "round(x, -2)"),
        ("响应达标率>=95", "响应达标率 >= 95"),
        ("min（a，b）", "min(a, b)"),
    ],
)
def test_normalised_text(text: str, normalised: str) -> None:
    assert parse(text).text == normalised
    assert parse(normalised).text == normalised


# --- precedence and associativity -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2 * 3", 7.0),  # * before +
        ("(1 + 2) * 3", 9.0),
        ("10 - 4 - 3", 3.0),  # left-associative
        ("100 / 10 / 5", 2.0),
        ("2 * 3 % 4", 2.0),  # * / % share a level, left to right
        ("7 % 4 * 2", 6.0),
        ("2 ^ 3 ^ 2", 512.0),  # right-associative
        ("(2 ^ 3) ^ 2", 64.0),
        ("-2 ^ 2", -4.0),  # ^ before unary minus
        ("(-2) ^ 2", 4.0),
        ("2 ^ -1", 0.5),  # unary minus in an exponent
        ("-2 * -3", 6.0),
        ("2 * 3 ^ 2", 18.0),
        ("--3", 3.0),
        ("1 + 2 < 4", 1.0),  # arithmetic before comparison
        ("1 + (2 < 4)", 2.0),
        ("0 < 1 and 2 < 1", 0.0),  # comparison before and
        ("1 or 0 and 0", 1.0),  # and before or
        ("(1 or 0) and 0", 0.0),
        ("not 0 and 0", 0.0),  # not before and
        ("not 0 or 0", 1.0),
        ("not 1 < 0", 1.0),  # comparison before not
        ("not not 2", 1.0),
        ("-3 % 5", 2.0),  # unary minus before %
        ("2 + 3 * 4 ^ 2 / 8 - 1", 7.0),
    ],
)
def test_precedence(text: str, expected: float) -> None:
    assert value(text) == expected


# --- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "position", "params"),
    [
        ("", "empty", 0, {}),
        ("  \t ", "empty", 0, {}),
        ("a $ b", "unknown_character", 2, {"character": "$"}),
        ("a = b", "unknown_character", 2, {"character": "="}),
        ("a & b", "unknown_character", 2, {"character": "&"}),
        ("1e", "bad_number", 0, {"number": "1e"}),
        ("x + 1.2.3", "bad_number", 4, {"number": "1.2.3"}),
        ("3.", "bad_number", 0, {"number": "3."}),
        ("2a", "bad_number", 0, {"number": "2a"}),
        ("1e999", "bad_number", 0, {"number": "1e999"}),
        ("100 * resolved / )", "unexpected_token", 17, {"token": ")"}),
        ("a b", "unexpected_token", 2, {"token": "b"}),
        ("(a b)", "unexpected_token", 3, {"token": "b"}),
        ("a + * b", "unexpected_token", 4, {"token": "*"}),
        ("a)", "unexpected_token", 1, {"token": ")"}),
        ("min(a,)", "unexpected_token", 6, {"token": ")"}),
        ("a, b", "unexpected_token", 1, {"token": ","}),
        ("and", "unexpected_token", 0, {"token": "and"}),
        ("1 + not a", "unexpected_token", 4, {"token": "not"}),
        ("a +", "unexpected_end", 3, {}),
        ("not", "unexpected_end", 3, {}),
        ("(a + b", "missing_parenthesis", 6, {"opened_at": 0}),
        ("min(a, (b", "missing_parenthesis", 9, {"opened_at": 7}),
        ("（a + b", "missing_parenthesis", 6, {"opened_at": 0}),
        ("a < b < c", "chained_comparison", 6, {"operator": "<"}),
        ("a == b + c < d", "chained_comparison", 11, {"operator": "<"}),
        ("foo(1)", "unknown_function", 0, {"name": "foo", "suggestion": None}),
        ("1 + mni(a, b)", "unknown_function", 4, {"name": "mni", "suggestion": "min"}),
        ("max + 1", "function_not_called", 0, {"name": "max"}),
        ("2 * if", "function_not_called", 4, {"name": "if"}),
        ("min(a)", "argument_count", 0, {"function": "min", "given": 1, "min": 2, "max": None}),
        ("1 + abs()", "argument_count", 4, {"function": "abs", "given": 0, "min": 1, "max": 1}),
        ("round(a, 1, 2)", "argument_count", 0, {"function": "round", "given": 3, "min": 1, "max": 2}),
        ("if(a, b)", "argument_count", 0, {"function": "if", "given": 2, "min": 3, "max": 3}),
        ("coalesce(a)", "argument_count", 0, {"function": "coalesce", "given": 1, "min": 2, "max": None}),
        ("clamp(a, b)", "argument_count", 0, {"function": "clamp", "given": 2, "min": 3, "max": 3}),
        ("round(a, 1.5)", "bad_round_digits", 9, {"low": -10, "high": 10}),
        ("round(a, b)", "bad_round_digits", 9, {"low": -10, "high": 10}),
        ("round(a, 11)", "bad_round_digits", 9, {"low": -10, "high": 10}),
        ("x" * (MAX_LENGTH + 1), "too_long", MAX_LENGTH, {"length": MAX_LENGTH + 1, "limit": MAX_LENGTH}),
        ("(" * 51 + "a" + ")" * 51, "too_deep", 50, {"limit": MAX_DEPTH}),
        ("-" * 51 + "a", "too_deep", 50, {"limit": MAX_DEPTH}),
    ],
)
def test_errors(text: str, code: str, position: int, params: dict[str, Any]) -> None:
    with pytest.raises(FormulaError) as caught:
        parse(text)
    error = caught.value
    assert (error.code, error.position, error.params) == (code, position, params)
    assert f"at position {position}" in error.message
    assert str(error) == error.message
    assert code in ERROR_CODES
    assert isinstance(error, ValueError)


def test_error_messages_read_well() -> None:
    def message(text: str, names: list[str] | None = None) -> str:
        with pytest.raises(FormulaError) as caught:
            parse(text, names)
        return caught.value.message

    assert message("100 * resolved / )") == "unexpected ')' at position 17"
    assert message("(a + b") == "missing ')' at position 6 to close the '(' at position 0"
    assert message("a = b") == "unknown character '=' at position 2 (compare with '==')"
    assert message("min(a)") == "min() at position 0 takes at least 2 arguments, not 1"
    assert message("abs()") == "abs() at position 0 takes 1 argument, not 0"
    assert (
        message("resolvd / 2", ["resolved"])
        == "unknown name 'resolvd' at position 0 (did you mean 'resolved'?)"
    )
    assert message("a\x00") == "unknown character '\\x00' at position 1"


def test_unknown_names_when_names_are_given() -> None:
    names = ["resolved", "first_time_fixed", "响应达标率"]
    assert parse("100 * first_time_fixed / resolved", names).names == frozenset(names[:2])
    assert parse("响应达标率 >= 95", names).names == frozenset({"响应达标率"})
    with pytest.raises(FormulaError) as caught:
        parse("first_time_fixed / resolvd", names)
    assert (caught.value.code, caught.value.position) == ("unknown_name", 19)
    assert caught.value.params == {"name": "resolvd", "suggestion": "resolved"}
    with pytest.raises(FormulaError) as caught:
        parse("x", [])
    assert caught.value.params == {"name": "x", "suggestion": None}
    assert parse("x").names == {"x"}  # without names, any name is allowed


def test_the_leftmost_problem_is_reported() -> None:
    # The tokenizer reads lazily: a syntax error before a bad character wins.
    with pytest.raises(FormulaError) as caught:
        parse(") $")
    assert (caught.value.code, caught.value.position) == ("unexpected_token", 0)
    with pytest.raises(FormulaError) as caught:
        parse("a $ )")
    assert (caught.value.code, caught.value.position) == ("unknown_character", 2)


def test_formulas_pickle() -> None:
    formula = parse("if(a > 0, round(b / a, 1), coalesce(c, -1))")
    copy = pickle.loads(pickle.dumps(formula))
    assert copy == formula
    assert copy.evaluate({"a": 2, "b": 3}) == formula.evaluate({"a": 2, "b": 3}) == 1.5


def test_error_pickles() -> None:
    with pytest.raises(FormulaError) as caught:
        parse("min(a)")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.message, copy.position, copy.code, copy.params) == (
        caught.value.message,
        caught.value.position,
        caught.value.code,
        caught.value.params,
    )


def test_limits() -> None:
    assert parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH).text == "a"
    assert value("-" * MAX_DEPTH + "2") == 2.0
    deep_calls = "min(" * MAX_DEPTH + "1" + ", 2)" * MAX_DEPTH
    assert value(deep_calls) == 1.0
    with pytest.raises(FormulaError, match="nesting too deep"):
        parse("min(" * (MAX_DEPTH + 1) + "1" + ", 2)" * (MAX_DEPTH + 1))
    with pytest.raises(FormulaError, match="nesting too deep"):
        parse("2 ^ " * (MAX_DEPTH + 1) + "1")
    with pytest.raises(FormulaError, match="nesting too deep"):
        parse("not " * (MAX_DEPTH + 1) + "a")
    flat = " + ".join(f"a{i}" for i in range(300))  # a long flat sum is not deep
    assert len(flat) < MAX_LENGTH
    assert parse(flat).evaluate({f"a{i}": 1 for i in range(300)}) == 300.0
    assert parse("1" + " " * (MAX_LENGTH - 1)).text == "1"


def test_worst_case_nesting_parses_and_evaluates() -> None:
    # Each level stacks every precedence level before opening the next: the deepest tree the limits allow.
    text = "a"
    for _ in range(MAX_DEPTH // 3):  # a call, an exponent and parentheses: three levels each
        text = f"min(a or b and c < d + e * f ^ ({text}), 1)"
    formula = parse(text)
    values = dict.fromkeys("abcdef", 1.0)
    assert formula.evaluate(values) == 1.0
    assert formula.evaluate_array({name: np.ones(3) for name in values}).tolist() == [1.0, 1.0, 1.0]
    assert parse(formula.text) == formula


def test_recursion_limit_is_a_formula_error() -> None:
    # Called from deep in a caller's stack, the parser still fails with a FormulaError, not a RecursionError.
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(_stack()) + 60)
    try:
        with pytest.raises(FormulaError) as caught:
            parse("(" * MAX_DEPTH + "a" + ")" * MAX_DEPTH)
    finally:
        sys.setrecursionlimit(limit)
    assert caught.value.code == "too_deep"


def _stack() -> list[object]:
    frame, frames = sys._getframe(), []
    while frame is not None:
        frames.append(frame)
        frame = frame.f_back  # type: ignore[assignment]
    return frames


# --- security -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os')",
        "__import__('os').system('ls')",
        "().__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "a.b",
        "a[0]",
        "a[0:1]",
        "lambda: 0",
        "lambda x: x",
        "eval('1')",
        "exec('1')",
        "open('/etc/passwd')",
        "globals()",
        "a if b else c",
        "[x for x in a]",
        "{'a': 1}",
        "'text'",
        '"text"',
        "a; b",
        "a\nimport os",
        "# comment",
        "a := 1",
        "a ** 2",
        "f'{a}'",
        "\\",
        "1 if 1",
        "(" * 10_000,
        ")" * 500,
        "-" * 1_999 + "1",
        "not " * 499 + "a",
        "(" * 999 + "a" + ")" * 999,
        "1" * MAX_LENGTH,
        "9" * 400,
        "a" * 5_000,
    ],
)
def test_hostile_input_raises_formula_error(text: str) -> None:
    with pytest.raises(FormulaError):
        parse(text)


def test_no_python_evaluation_in_the_module() -> None:
    import oqms.engine.formulas as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    assert not used & {"eval", "exec", "compile", "__import__", "getattr", "setattr", "import_module"}
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"ast", "builtins", "importlib", "operator.attrgetter"}


# --- no data, zero division, laziness -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a",
        "-a",
        "not a",
        "a + 1",
        "1 - a",
        "a * 0",
        "0 / a",
        "a % 2",
        "a ^ 0",  # IEEE pow says NaN ^ 0 = 1 and 1 ^ NaN = 1; no data wins here
        "1 ^ a",
        "a < 1",
        "a == a",
        "a != 1",
        "a and 0",  # no short circuit around missing data
        "1 or a",
        "min(a, 1)",
        "max(1, a)",
        "abs(a)",
        "round(a)",
        "round(a, 2)",
        "clamp(a, 0, 1)",
        "clamp(1, a, 2)",
        "if(a, 1, 2)",
        "coalesce(a, b)",
        "if(1, a, 2)",
        "if(0, 1, a)",
    ],
)
def test_missing_data_propagates(text: str) -> None:
    assert value(text, a=None) is None
    assert value(text) is None  # a missing name is the same as None
    assert np.isnan(parse(text).evaluate_array({"a": [np.nan, np.nan]})).all()


@pytest.mark.parametrize(
    "text",
    ["a / 0", "a % 0", "a / (b - b)", "a / -0.0", "0 ^ -1", "(-8) ^ (1 / 3)", "2 ^ 101", "2 ^ -101",
     "a ^ 1000", "1e300 * 1e300", "-1e300 * 1e300", "1e308 + 1e308", "1e308 / 1e-10", "10 ^ 100 ^ 2",
     "clamp(1, 5, 0)", "round(1e308, 10)"],
)  # fmt: skip
def test_undefined_arithmetic_is_none(text: str) -> None:
    assert value(text, a=3, b=2) is None
    assert np.isnan(parse(text).evaluate_array({"a": [3.0], "b": [2.0]})).all()


def test_defined_edge_arithmetic() -> None:
    assert math.isclose(value("2 ^ 100") or 0, 2.0**100, rel_tol=1e-15)
    assert math.isclose(value("0.5 ^ -100") or 0, 2.0**100, rel_tol=1e-15)
    assert value("0 ^ 0") == 1.0
    assert value("(-8) ^ 3") == -512.0
    assert value("(-2) ^ -1") == -0.5
    assert value("0 / a", a=5) == 0.0
    assert value("1e-300 * 1e-300") == 0.0  # underflow is zero, not an error


def test_if_and_coalesce_are_lazy() -> None:
    assert value("if(a > 0, b, 0)", a=0) == 0.0  # b missing but not taken
    assert value("if(a > 0, b, 0)", a=1) is None  # b missing and taken
    assert value("if(a > 0, 0, b / 0)", a=1) == 0.0  # the untaken branch would be undefined
    assert value("if(a, 1, 2)", a=None) is None  # no condition, no choice
    assert value("coalesce(a, b / 0)", a=4) == 4.0
    assert value("coalesce(a, b, 7)", b=2) == 2.0
    assert value("coalesce(a, b, 7)") == 7.0
    assert value("coalesce(a, b)") is None
    assert value("coalesce(a / 0, 1)", a=1) == 1.0  # undefined counts as no data
    rows = {"a": [0.0, 1.0, np.nan], "b": [np.nan, 5.0, 5.0]}
    assert parse("if(a > 0, b, 0)").evaluate_array(rows).tolist()[:2] == [0.0, 5.0]
    assert np.isnan(parse("if(a > 0, b, 0)").evaluate_array(rows)[2])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("round(2.5)", 3.0),  # half away from zero (四舍五入), not to even
        ("round(3.5)", 4.0),
        ("round(-2.5)", -3.0),
        ("round(0.5)", 1.0),
        ("round(0.49999999999999994)", 1.0),  # one unit in the last place below a half: counts as a half
        ("round(0.4999999)", 0.0),
        ("round(2.4)", 2.0),
        ("round(-0.4)", 0.0),
        (
            "round(1.005, 2)",
            1.01,
        ),  # as the decimal text suggests, though 1.005 is 1.00499999999999989... in binary
        ("round(2.675, 2)", 2.68),
        ("round(0.285, 2)", 0.29),
        ("round(1.0049999, 2)", 1.0),
        ("round(94.996, 1)", 95.0),
        ("round(1234.5678, -2)", 1200.0),
        ("round(1250, -2)", 1300.0),
        ("round(-1250, -2)", -1300.0),
        ("round(123.456, 0)", 123.0),
        ("round(5e-324, 10)", 0.0),
        ("round(12345678.5)", 12345679.0),
        ("round(4503599627370497)", 4503599627370497.0),  # 2^52 + 1: already whole
        ("round(1125899906842624.25)", 1125899906842624.0),  # 2^50 + 1/4: not near a half
        ("round(1125899906842624.5)", 1125899906842625.0),
        ("round(1e300)", 1e300),
    ],
)
def test_round(text: str, expected: float) -> None:
    result = value(text)
    assert result == expected
    assert math.copysign(1.0, result) == math.copysign(1.0, expected)  # no -0.0
    assert parse(text).evaluate_array({}).item() == expected


@FAST
@given(
    st.integers(-99_999_999, 99_999_999),
    st.integers(0, 8),
    st.integers(-3, 4),
)
def test_round_matches_decimal_half_up(mantissa: int, exponent: int, digits: int) -> None:
    # Decimal numbers of up to 8 significant digits round as their decimal text says.
    text = str(Decimal(mantissa).scaleb(-exponent))
    expected = float(Decimal(text).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))
    assert parse(f"round(x, {digits})").evaluate({"x": float(text)}) == expected


def test_inputs() -> None:
    formula = parse("a + b")
    assert formula.evaluate({"a": 1, "b": Decimal("2.5")}) == 3.5
    assert formula.evaluate({"a": np.float32(1), "b": np.int64(2)}) == 3.0
    assert formula.evaluate({"a": math.nan, "b": 1}) is None  # NaN and infinities are no data
    assert formula.evaluate({"a": math.inf, "b": 1}) is None
    assert formula.evaluate({"a": 1, "b": 2, "unused": "ignored"}) == 3.0
    with pytest.raises(TypeError):
        formula.evaluate({"a": "1", "b": 2})
    with pytest.raises(TypeError):
        formula.evaluate({"a": object(), "b": 2})
    with pytest.raises(TypeError):
        parse(b"a")  # type: ignore[arg-type]


# --- CJK and full-width punctuation ---------------------------------------------------------------


def test_cjk_names_and_full_width_punctuation() -> None:
    formula = parse("if（响应次数 > 0，100 * 按时响应次数 / 响应次数，0） >= 95")
    assert formula.names == {"响应次数", "按时响应次数"}
    assert formula.text == "if(响应次数 > 0, 100 * 按时响应次数 / 响应次数, 0) >= 95"
    assert formula.evaluate({"响应次数": 20, "按时响应次数": 19}) == 1.0
    assert parse("响应达标率_2025 >= 95").evaluate({"响应达标率_2025": 96}) == 1.0
    assert parse("\u3000a\u3000+\u3000b").text == "a + b"  # the ideographic space is whitespace
    with pytest.raises(FormulaError) as caught:
        parse("a ＋ b")  # only the full-width parentheses and comma are accepted
    assert (caught.value.code, caught.value.position) == ("unknown_character", 2)
    with pytest.raises(FormulaError) as caught:
        parse("min（a，b")
    assert (caught.value.code, caught.value.position, caught.value.params) == (
        "missing_parenthesis",
        7,
        {"opened_at": 3},
    )


# --- arrays ---------------------------------------------------------------------------------------


def test_evaluate_array() -> None:
    formula = parse("100 * first_time_fixed / resolved >= 95")
    result = formula.evaluate_array(
        {"first_time_fixed": np.array([96, 94, 0, np.nan]), "resolved": np.array([100, 100, 0, 10])}
    )
    assert result.dtype == np.float64
    assert result[:2].tolist() == [1.0, 0.0]
    assert np.isnan(result[2:]).all()
    # Broadcasting; a missing name is all NaN; the result has the shape of all the arrays given.
    assert parse("a * b").evaluate_array({"a": [[1.0], [2.0]], "b": [1.0, 10.0, 100.0]}).shape == (2, 3)
    assert np.isnan(parse("a + 1").evaluate_array({"b": [1.0, 2.0]})).tolist() == [True, True]
    assert parse("coalesce(a, 0) + 1").evaluate_array({"b": [1.0, 2.0]}).tolist() == [1.0, 1.0]
    assert parse("2 + 3").evaluate_array({}).shape == ()
    infinite = parse("a").evaluate_array({"a": [1.0, np.inf, -np.inf]})  # non-finite inputs are no data
    assert infinite[0] == 1.0 and np.isnan(infinite[1:]).all()
    with pytest.raises(ValueError, match="broadcast"):
        parse("a + b").evaluate_array({"a": [1.0, 2.0], "b": [1.0, 2.0, 3.0]})


def test_evaluate_array_is_vectorised() -> None:
    # A million rows in well under a second: no Python loop per element.
    formula = parse("if(resolved > 0, 100 * first_time_fixed / resolved, coalesce(fallback, 0)) >= 95")
    rng = np.random.default_rng(7)
    resolved = rng.integers(0, 50, 1_000_000).astype(float)
    fixed = np.floor(resolved * rng.uniform(0.8, 1.0, resolved.size))
    started = time.perf_counter()
    result = formula.evaluate_array({"resolved": resolved, "first_time_fixed": fixed})
    assert time.perf_counter() - started < 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(resolved > 0, 100 * fixed / resolved, 0) >= 95
    assert result.shape == (resolved.size,)
    assert (result == expected).all()


# --- properties -----------------------------------------------------------------------------------

NAMES = ("a", "b", "c", "响应率")
BINARY = ("+", "-", "*", "/", "%", "^", "<", "<=", ">", ">=", "==", "!=", "and", "or")
Tree = tuple[Any, ...]

numbers = st.one_of(
    st.integers(0, 12).map(float),
    st.floats(0, 1e6, allow_nan=False),
    st.sampled_from([0.0, 0.5, 2.5, 1e-300, 1e300, 5e-324]),
    st.floats(0, allow_nan=False, allow_infinity=False),
)
leaves = st.one_of(
    st.sampled_from(NAMES).map(lambda name: ("name", name)),
    numbers.map(lambda number: ("num", number)),
)


def extend(children: st.SearchStrategy[Tree], with_round: bool) -> st.SearchStrategy[Tree]:
    some = st.lists(children, min_size=2, max_size=3)
    options = [
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("not"), children),
        st.tuples(st.just("bin"), st.sampled_from(BINARY), children, children),
        st.tuples(st.just("call"), st.sampled_from(["min", "max", "coalesce"]), some),
        st.tuples(st.just("call"), st.just("abs"), st.lists(children, min_size=1, max_size=1)),
        st.tuples(
            st.just("call"), st.sampled_from(["if", "clamp"]), st.lists(children, min_size=3, max_size=3)
        ),
    ]
    if with_round:
        options.append(st.tuples(st.just("round"), children, st.integers(-3, 4)))
    return st.one_of(options)


trees = st.recursive(leaves, lambda children: extend(children, False), max_leaves=14)
trees_with_round = st.recursive(leaves, lambda children: extend(children, True), max_leaves=14)
data_values = st.one_of(
    st.none(),
    st.integers(-3, 3).map(float),
    st.sampled_from([0.5, -0.0, 100.0, 1e300, -1e300]),
    st.floats(allow_nan=False, allow_infinity=False),
)
environments = st.dictionaries(st.sampled_from(NAMES), data_values)


def render(tree: Tree) -> str:
    """Fully parenthesised text of a tree."""
    kind = tree[0]
    if kind == "num":
        return repr(tree[1])
    if kind == "name":
        return str(tree[1])
    if kind == "neg":
        return f"(-{render(tree[1])})"
    if kind == "not":
        return f"(not {render(tree[1])})"
    if kind == "bin":
        return f"({render(tree[2])} {tree[1]} {render(tree[3])})"
    if kind == "round":
        return f"round({render(tree[1])}, {tree[2]})"
    return f"{tree[1]}({', '.join(render(arg) for arg in tree[2])})"


def finite(number: float) -> float | None:
    return number if math.isfinite(number) else None


def power(x: float, y: float) -> float | None:
    if abs(y) > 100:
        return None
    with np.errstate(all="ignore"):  # numpy's pow, as the module uses, so that results are bit-identical
        return finite(float(np.power(x, y)))


REFERENCE: Mapping[str, Callable[[float, float], float | None]] = {
    "+": lambda x, y: finite(x + y),
    "-": lambda x, y: finite(x - y),
    "*": lambda x, y: finite(x * y),
    "/": lambda x, y: None if y == 0 else finite(x / y),
    "%": lambda x, y: None if y == 0 else finite(x % y),
    "^": power,
    "<": lambda x, y: float(x < y),
    "<=": lambda x, y: float(x <= y),
    ">": lambda x, y: float(x > y),
    ">=": lambda x, y: float(x >= y),
    "==": lambda x, y: float(x == y),
    "!=": lambda x, y: float(x != y),
    "and": lambda x, y: float(bool(x) and bool(y)),
    "or": lambda x, y: float(bool(x) or bool(y)),
}


def reference(tree: Tree, env: Mapping[str, float | None]) -> float | None:
    """Plain Python evaluation of a tree with the documented no-data rules."""
    kind = tree[0]
    if kind == "num":
        return float(tree[1])
    if kind == "name":
        return env.get(tree[1])
    if kind in ("neg", "not"):
        operand = reference(tree[1], env)
        if operand is None:
            return None
        return -operand if kind == "neg" else float(not operand)
    if kind == "bin":
        x, y = reference(tree[2], env), reference(tree[3], env)
        return None if x is None or y is None else REFERENCE[tree[1]](x, y)
    function, args = tree[1], tree[2]
    if function == "if":
        condition = reference(args[0], env)
        return None if condition is None else reference(args[1] if condition else args[2], env)
    if function == "coalesce":
        for arg in args:
            if (result := reference(arg, env)) is not None:
                return result
        return None
    values = [reference(arg, env) for arg in args]
    if any(v is None for v in values):
        return None
    numbers = [float(v) for v in values if v is not None]
    if function == "abs":
        return abs(numbers[0])
    if function == "clamp":
        return None if numbers[1] > numbers[2] else min(max(numbers[0], numbers[1]), numbers[2])
    return min(numbers) if function == "min" else max(numbers)


def same(x: float | None, y: float | None) -> bool:
    return x is None and y is None or (x is not None and y is not None and x == y)


@FAST
@given(trees, environments, st.booleans())
def test_random_trees_match_the_reference(tree: Tree, env: dict[str, float | None], full_width: bool) -> None:
    text = render(tree)
    if full_width:
        text = text.replace("(", "（").replace(")", "）").replace(",", "，")
    formula = parse(text, NAMES)
    expected = reference(tree, env)
    assert same(formula.evaluate(env), expected), (formula.text, env)
    again = parse(formula.text)  # the normalised text means the same
    assert again.text == formula.text
    assert same(again.evaluate(env), expected)


@FAST
@given(trees_with_round, st.lists(environments, min_size=1, max_size=6), st.booleans())
def test_array_evaluation_matches_scalar_evaluation(
    tree: Tree, rows: list[dict[str, float | None]], drop_unused: bool
) -> None:
    formula = parse(render(tree))
    arrays = {
        name: np.array([np.nan if row.get(name) is None else row[name] for row in rows])
        for name in NAMES
        if not drop_unused or any(name in row for row in rows)
    }
    result = formula.evaluate_array(arrays)
    assert result.shape == ((len(rows),) if arrays else ())  # the shape of the arrays given
    result = np.broadcast_to(result, (len(rows),))
    for row, element in zip(rows, result.tolist(), strict=True):
        scalar = formula.evaluate(row)
        assert (scalar is None and math.isnan(element)) or scalar == element, (formula.text, row)


FRAGMENTS = [
    *"0123456789.eE+-*/%^<>=!(),_ ab响（），$[]'\":;\\\t\n",
    *["and", "or", "not", "min", "max", "if", "round", "coalesce", "clamp", "abs", "<=", "==", "!="],
    *["1e5", "1e-3", "__import__", "lambda", "\u3000", "(a, b)", "AND", "nan", "inf"],
]
random_text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.characters(), st.text(max_size=3)), max_size=40
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_text)
def test_random_text_parses_or_raises_formula_error(text: str) -> None:
    try:
        formula = parse(text)
    except FormulaError as error:
        assert error.code in ERROR_CODES
        assert 0 <= error.position <= len(text)
        assert f"at position {error.position}" in error.message
        return
    assert parse(formula.text) == formula
    values = dict.fromkeys(formula.names, 2.0)
    scalar = formula.evaluate(values)
    assert scalar is None or math.isfinite(scalar)
    array = formula.evaluate_array({name: np.array([2.0]) for name in formula.names})
    assert same(scalar, None if math.isnan(array.item()) else array.item())
