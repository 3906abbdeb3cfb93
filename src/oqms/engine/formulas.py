"""KPI formulas: a small, safe expression language over named measures.

A KPI may be a formula over measures, e.g. ``100 * first_time_fixed / resolved >= 95`` or
``if(resolved > 0, reopened / resolved * 100, 0)``. :func:`parse` reads the text with its own tokenizer and a
Pratt (precedence-climbing) parser into an immutable tree; :class:`Formula` evaluates the tree for one set of
values (:meth:`Formula.evaluate`) or for whole numpy arrays at once (:meth:`Formula.evaluate_array`). Nothing
is ever handed to ``eval``, ``exec``, ``compile`` or ``ast``: the only things a formula can do are the operators
and the whitelisted functions below, so a formula typed by a user cannot reach Python.

**Grammar** (lowest precedence first; ``{x}`` repeats, ``[x]`` is optional)::

    formula    = or_expr
    or_expr    = and_expr { "or" and_expr }
    and_expr   = not_expr { "and" not_expr }
    not_expr   = "not" not_expr | comparison
    comparison = sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]      (not chained: a < b < c is an error)
    sum        = product { ("+" | "-") product }
    product    = unary { ("*" | "/" | "%") unary }
    unary      = ("-" | "+") unary | power
    power      = primary [ "^" unary ]                                  (right-associative: 2^3^2 = 2^9)
    primary    = number | name | function "(" [ formula { "," formula } ] ")" | "(" formula ")"
    number     = digits ["." digits] [exponent] | "." digits [exponent]     (digits are 0-9; 1e-3, 2.5E+4)
    name       = (letter | "_") { letter | 0-9 | "_" }                     (letters include CJK: 响应达标率)

Functions: ``min(a, b, ...)`` and ``max(a, b, ...)`` (2 or more arguments), ``abs(x)``, ``round(x[, digits])``
(digits: an integer constant from -10 to 10), ``if(condition, then, else)``, ``coalesce(a, b, ...)`` (2 or
more) and ``clamp(x, low, high)``. Keywords and function names are case-insensitive (``AND``, ``Min``) and
reserved: they cannot be measure names. Whitespace is free; the full-width ``（`` ``）`` and ``，`` typed by
Chinese input methods count as ``(`` ``)`` and ``,``. A formula has at most 2,000 characters and at most 50
levels of nesting, where parentheses, function calls, prefix operators and exponents each open a level.

**Values.** Numbers are floats. Comparisons, ``and``, ``or`` and ``not`` give 1.0 or 0.0; a condition is true
when it is not zero. A missing, None or non-finite input is *no data*, and no data propagates: the result of
an operator or function with a no-data operand is None (including ``and``/``or`` and comparisons), except that
``coalesce`` gives its first argument that has data and ``if`` evaluates only the branch it takes. Division or
modulo by zero, ``0 ^ -1``, a negative base with a fractional exponent, an exponent beyond +-100, ``clamp`` with
``low > high`` and any non-finite result (overflow) also give None. ``%`` is the floored modulo (the result has
the sign of the divisor, as in Python). ``round`` rounds half away from zero (四舍五入) and counts ``x * 10^digits``
within 4 units in the last place (and at most 2^-20) of a half as a half, so that ``round(1.005, 2)`` is 1.01 as
the decimal text suggests, although the float 1.005 is 1.00499999999999989... in binary.

**Arrays.** :meth:`Formula.evaluate_array` computes the same tree with numpy ufuncs over whole arrays (NaN is no
data; ``if`` chooses per element, both branches are computed); no Python loop runs per element. Every operation
is the same IEEE operation in both forms (powers use ``numpy.power`` in both), so the results are identical.

**Errors.** Every bad formula raises :class:`FormulaError` (a ValueError) with ``position`` (0-based character
offset in the text), an English ``message`` that names the position (``"unexpected ')' at position 12"``), and
``code`` plus ``params`` for a translated message:

=======================  ==========================================================================
code                     params
=======================  ==========================================================================
``empty``                (none)
``too_long``             ``length``, ``limit``
``too_deep``             ``limit``
``unknown_character``    ``character``
``bad_number``           ``number``
``unexpected_token``     ``token``
``unexpected_end``       (none)
``missing_parenthesis``  ``opened_at`` (position of the unclosed "(")
``chained_comparison``   ``operator``
``unknown_function``     ``name``, ``suggestion`` (a close function name or None)
``function_not_called``  ``name``
``argument_count``       ``function``, ``given``, ``min``, ``max`` (None: no upper limit)
``bad_round_digits``     ``low``, ``high``
``unknown_name``         ``name``, ``suggestion`` (a close known name or None)
=======================  ==========================================================================

``Formula.text`` is the normalised source: canonical spacing, lower-case keywords and functions, numbers in
Python's shortest form and only the parentheses that precedence requires (``(a / b) * 100`` becomes
``a / b * 100``); parsing it again gives the same formula.
"""

from __future__ import annotations

import difflib
import math
import operator
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import reduce
from types import MappingProxyType
from typing import SupportsFloat, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_LENGTH = 2000
MAX_DEPTH = 50
MAX_EXPONENT = 100.0
ROUND_DIGITS = (-10, 10)
# name -> (least, most) arguments; None: no upper limit
FUNCTIONS: Mapping[str, tuple[int, int | None]] = MappingProxyType(
    {
        "abs": (1, 1),
        "clamp": (3, 3),
        "coalesce": (2, None),
        "if": (3, 3),
        "max": (2, None),
        "min": (2, None),
        "round": (1, 2),
    }
)
KEYWORDS = frozenset({"and", "or", "not"})
ERROR_CODES = frozenset(
    {
        "empty",
        "too_long",
        "too_deep",
        "unknown_character",
        "bad_number",
        "unexpected_token",
        "unexpected_end",
        "missing_parenthesis",
        "chained_comparison",
        "unknown_function",
        "function_not_called",
        "argument_count",
        "bad_round_digits",
        "unknown_name",
    }
)

Floats: TypeAlias = NDArray[np.float64]
Param: TypeAlias = str | int | None

_FULL_WIDTH = {"（": "(", "）": ")", "，": ","}
_TWO_CHAR = frozenset({"<=", ">=", "==", "!="})
_ONE_CHAR = frozenset("+-*/%^<>(),")
_COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})
# Binding powers: an infix operator continues an expression parsed at min_bp when its power is greater.
_INFIX = {"or": 1, "and": 2, **dict.fromkeys(_COMPARISONS, 4), "+": 5, "-": 5, "*": 6, "/": 6, "%": 6, "^": 8}
_GROUP = {"or": "or", "and": "and", "+": "sum", "-": "sum", "*": "product", "/": "product", "%": "product"}
_NOT_BP, _UNARY_BP = 3, 7
# round(): a fraction within 4 units in the last place (at most 2^-20) of one half counts as a half
_ULPS, _MAX_SLACK = 4 * sys.float_info.epsilon, 2.0**-20


class FormulaError(ValueError):
    """A formula that cannot be parsed: where (``position``), why (``code``, ``params``) and ``message``."""

    def __init__(
        self, message: str, position: int, code: str = "invalid", params: Mapping[str, Param] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.code = code
        self.params: dict[str, Param] = dict(params or {})

    def __reduce__(self) -> tuple[type[FormulaError], tuple[str, int, str, dict[str, Param]]]:
        return type(self), (self.message, self.position, self.code, self.params)


def _error(code: str, position: int, what: str, after: str = "", **params: Param) -> FormulaError:
    return FormulaError(f"{what} at position {position}{after}", position, code, params)


def _quote(text: str) -> str:
    return f"'{text}'" if text.isprintable() else repr(text)


# --- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    kind: (
        str  # "number", "word", "op" (operators and punctuation, full-width ones normalised), "end", "error"
    )
    text: str
    position: int
    value: float = 0.0
    error: FormulaError | None = None  # kind "error": raised when the parser gets to this token


def _is_word_char(char: str) -> bool:
    return char == "_" or char.isalpha() or "0" <= char <= "9"


def _number(text: str, start: int) -> _Token:
    """The number starting at ``start``: digits ["." digits] [("e" | "E") [sign] digits]."""
    end = start
    while end < len(text) and "0" <= text[end] <= "9":
        end += 1
    if end + 1 < len(text) and text[end] == "." and "0" <= text[end + 1] <= "9":
        end += 1
        while end < len(text) and "0" <= text[end] <= "9":
            end += 1
    if end < len(text) and text[end] in "eE":
        digits = end + 2 if end + 1 < len(text) and text[end + 1] in "+-" else end + 1
        if digits < len(text) and "0" <= text[digits] <= "9":
            end = digits
            while end < len(text) and "0" <= text[end] <= "9":
                end += 1
    bad = end
    while bad < len(text) and (_is_word_char(text[bad]) or text[bad] == "."):
        bad += 1
    if bad > end:
        raise _error(
            "bad_number", start, f"malformed number {_quote(text[start:bad])}", number=text[start:bad]
        )
    value = float(text[start:end])
    if not math.isfinite(value):
        raise _error(
            "bad_number", start, f"number {_quote(text[start:end])} is too large", number=text[start:end]
        )
    return _Token("number", text[start:end], start, value)


def _tokens(text: str) -> Iterator[_Token]:
    """The tokens of ``text``, read lazily so that the leftmost problem is the one reported; then "end" forever."""
    index = 0
    while index < len(text):
        char = _FULL_WIDTH.get(text[index], text[index])
        if char.isspace():
            index += 1
        elif "0" <= char <= "9" or (char == "." and "0" <= text[index + 1 : index + 2] <= "9"):
            token = _number(text, index)
            index += len(token.text)
            yield token
        elif char == "_" or char.isalpha():
            end = index + 1
            while end < len(text) and _is_word_char(text[end]):
                end += 1
            yield _Token("word", text[index:end], index)
            index = end
        elif text[index : index + 2] in _TWO_CHAR:
            yield _Token("op", text[index : index + 2], index)
            index += 2
        elif char in _ONE_CHAR:
            yield _Token("op", char, index)
            index += 1
        else:
            hint = " (compare with '==')" if char == "=" else ""
            raise _error(
                "unknown_character", index, f"unknown character {_quote(char)}", hint, character=char
            )
    while True:
        yield _Token("end", "", len(text))


# --- the tree -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Num:
    value: float


@dataclass(frozen=True, slots=True)
class _Name:
    name: str


@dataclass(frozen=True, slots=True)
class _Unary:
    op: str  # "-" or "not"
    operand: _Node


@dataclass(frozen=True, slots=True)
class _Chain:
    """Left-associative operators of one precedence level: operands[0] ops[0] operands[1] ops[1] ..."""

    group: str  # "or", "and", "sum" or "product"
    ops: tuple[str, ...]
    operands: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Binary:
    op: str  # a comparison or "^"
    left: _Node
    right: _Node


@dataclass(frozen=True, slots=True)
class _Call:
    function: str
    args: tuple[_Node, ...]


_Node: TypeAlias = _Num | _Name | _Unary | _Chain | _Binary | _Call


def _digits(node: _Call) -> int:
    """The digits of a round() call (validated by the parser); 0 when not given."""
    return (_literal_int(node.args[1]) or 0) if len(node.args) == 2 else 0


def _literal_int(node: _Node) -> int | None:
    """The value of an integer constant such as ``2`` or ``-1``; None for anything else."""
    sign = 1
    if isinstance(node, _Unary) and node.op == "-":
        sign, node = -1, node.operand
    if isinstance(node, _Num) and node.value.is_integer():
        return sign * int(node.value)
    return None


# --- parsing --------------------------------------------------------------------------------------


class _Parser:
    """A Pratt parser: ``_expression(min_bp)`` reads a prefix, then every infix operator binding tighter."""

    def __init__(self, text: str, names: frozenset[str] | None) -> None:
        self._names = names
        self._tokens = _tokens(text)
        self._token = _Token("start", "", 0)
        self._depth = 0
        self.used: set[str] = set()
        self._advance()

    def formula(self) -> _Node:
        if self._token.kind == "end":
            raise _error("empty", 0, "empty formula", ": expected a number, a name or '('")
        node = self._expression(0)
        if self._token.kind != "end":
            raise self._unexpected(self._token)
        return node

    def _advance(self) -> _Token:
        """Consume the current token and look at the next; a bad next token fails only once it is reached."""
        token = self._token
        if token.error is not None:
            raise token.error
        try:
            self._token = next(self._tokens)
        except FormulaError as error:
            self._token = _Token("error", "", error.position, error=error)
        return token

    def _unexpected(self, token: _Token) -> FormulaError:
        if token.error is not None:
            return token.error
        if token.kind == "end":
            return _error("unexpected_end", token.position, "unexpected end of formula")
        return _error(
            "unexpected_token", token.position, f"unexpected {_quote(token.text)}", token=token.text
        )

    def _nested(self, opener: _Token, min_bp: int) -> _Node:
        """An expression one level deeper (in parentheses, a call, after a prefix operator or "^")."""
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _error(
                "too_deep",
                opener.position,
                "nesting too deep",
                f" (at most {MAX_DEPTH} levels)",
                limit=MAX_DEPTH,
            )
        node = self._expression(min_bp)
        self._depth -= 1
        return node

    def _expression(self, min_bp: int) -> _Node:
        left = self._prefix(self._advance(), min_bp)
        compared = False
        while True:
            token = self._token
            op = token.text.lower() if token.kind == "word" else token.text if token.kind == "op" else ""
            bp = _INFIX.get(op)
            if bp is None or bp <= min_bp:
                return left
            self._advance()
            if op == "^":
                left = _Binary(op, left, self._nested(token, _UNARY_BP))
            elif op in _COMPARISONS:
                if compared:
                    raise _error(
                        "chained_comparison",
                        token.position,
                        f"chained comparison {_quote(op)}",
                        " (write 'a < b and b < c')",
                        operator=op,
                    )
                compared = True
                left = _Binary(op, left, self._expression(bp))
            else:
                right, group = self._expression(bp), _GROUP[op]
                if isinstance(left, _Chain) and left.group == group:
                    left = _Chain(group, (*left.ops, op), (*left.operands, right))
                else:
                    left = _Chain(group, (op,), (left, right))

    def _prefix(self, token: _Token, min_bp: int) -> _Node:
        if token.kind == "number":
            return _Num(token.value)
        if token.kind == "word":
            return self._word(token, min_bp)
        if token.text in ("-", "+"):
            operand = self._nested(token, _UNARY_BP)
            return _Unary("-", operand) if token.text == "-" else operand
        if token.text == "(":
            node = self._nested(token, 0)
            self._close(token)
            return node
        raise self._unexpected(token)

    def _close(self, opener: _Token) -> None:
        if self._token.text == ")" and self._token.kind == "op":
            self._advance()
        elif self._token.kind == "end":
            raise _error(
                "missing_parenthesis",
                self._token.position,
                "missing ')'",
                f" to close the '(' at position {opener.position}",
                opened_at=opener.position,
            )
        else:
            raise self._unexpected(self._token)

    def _word(self, token: _Token, min_bp: int) -> _Node:
        word, lower = token.text, token.text.lower()
        called = self._token.kind == "op" and self._token.text == "("
        if lower == "not" and min_bp <= _NOT_BP:
            return _Unary("not", self._nested(token, _NOT_BP))
        if lower in KEYWORDS:
            raise self._unexpected(token)
        if called:
            if lower not in FUNCTIONS:
                close = difflib.get_close_matches(lower, list(FUNCTIONS), n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise _error(
                    "unknown_function",
                    token.position,
                    f"unknown function {_quote(word)}",
                    hint,
                    name=word,
                    suggestion=close[0] if close else None,
                )
            return self._call(lower, token)
        if lower in FUNCTIONS:
            raise _error(
                "function_not_called",
                token.position,
                f"function {_quote(word)} without arguments",
                f": call it as {lower}(...)",
                name=word,
            )
        if self._names is not None and word not in self._names:
            close = difflib.get_close_matches(word, list(self._names), n=1)
            hint = f" (did you mean {_quote(close[0])}?)" if close else ""
            raise _error(
                "unknown_name",
                token.position,
                f"unknown name {_quote(word)}",
                hint,
                name=word,
                suggestion=close[0] if close else None,
            )
        self.used.add(word)
        return _Name(word)

    def _call(self, function: str, name: _Token) -> _Call:
        opener = self._advance()
        args: list[_Node] = []
        starts: list[int] = []
        if not (self._token.kind == "op" and self._token.text == ")"):
            while True:
                starts.append(self._token.position)
                args.append(self._nested(opener, 0))
                if not (self._token.kind == "op" and self._token.text == ","):
                    break
                self._advance()
        self._close(opener)
        least, most = FUNCTIONS[function]
        if len(args) < least or (most is not None and len(args) > most):
            wanted = (
                f"{least}" if least == most else f"at least {least}" if most is None else f"{least} or {most}"
            )
            raise _error(
                "argument_count",
                name.position,
                f"{function}()",
                f" takes {wanted} argument{'s' if wanted != '1' else ''}, not {len(args)}",
                function=function,
                given=len(args),
                min=least,
                max=most,
            )
        if function == "round" and len(args) == 2:
            digits = _literal_int(args[1])
            if digits is None or not ROUND_DIGITS[0] <= digits <= ROUND_DIGITS[1]:
                low, high = ROUND_DIGITS
                raise _error(
                    "bad_round_digits",
                    starts[1],
                    "round() digits",
                    f" must be an integer constant from {low} to {high}",
                    low=low,
                    high=high,
                )
        return _Call(function, tuple(args))


# --- normalised text ------------------------------------------------------------------------------

_CHAIN_PRECEDENCE = {"or": 1, "and": 2, "sum": 5, "product": 6}


def _precedence(node: _Node) -> int:
    if isinstance(node, _Chain):
        return _CHAIN_PRECEDENCE[node.group]
    if isinstance(node, _Binary):
        return 8 if node.op == "^" else 4
    if isinstance(node, _Unary):
        return _NOT_BP if node.op == "not" else _UNARY_BP
    return 9


def _number_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _wrap(node: _Node, least: int) -> str:
    """The text of an operand, in parentheses when it binds looser than ``least``."""
    text = _render(node)
    return text if _precedence(node) >= least else f"({text})"


def _render(node: _Node) -> str:
    if isinstance(node, _Num):
        return _number_text(node.value)
    if isinstance(node, _Name):
        return node.name
    if isinstance(node, _Unary):
        return (
            f"not {_wrap(node.operand, _NOT_BP)}"
            if node.op == "not"
            else f"-{_wrap(node.operand, _UNARY_BP)}"
        )
    if isinstance(node, _Chain):
        level = _CHAIN_PRECEDENCE[node.group]
        rest = (
            f" {op} {_wrap(operand, level + 1)}"
            for op, operand in zip(node.ops, node.operands[1:], strict=True)
        )
        return _wrap(node.operands[0], level) + "".join(rest)
    if isinstance(node, _Binary):
        if node.op == "^":
            return f"{_wrap(node.left, 9)} ^ {_wrap(node.right, _UNARY_BP)}"
        return f"{_wrap(node.left, 5)} {node.op} {_wrap(node.right, 5)}"
    return f"{node.function}({', '.join(_render(arg) for arg in node.args)})"


# --- scalar evaluation ----------------------------------------------------------------------------

_COMPARE: Mapping[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _arithmetic(op: str, a: float, b: float) -> float | None:
    if op == "+":
        return _finite(a + b)
    if op == "-":
        return _finite(a - b)
    if op == "*":
        return _finite(a * b)
    if op == "^":
        if abs(b) > MAX_EXPONENT:
            return None
        with np.errstate(all="ignore"):
            return _finite(float(np.power(a, b)))
    if b == 0:
        return None
    return _finite(a / b if op == "/" else a % b)


def _round(x: float, digits: int) -> float | None:
    scale = float(10 ** abs(digits))
    scaled = abs(x) * scale if digits >= 0 else abs(x) / scale
    if not math.isfinite(scaled):
        return None
    whole = float(math.floor(scaled))
    whole += float(scaled - whole >= 0.5 - min(_ULPS * scaled, _MAX_SLACK))
    return _finite(math.copysign(whole / scale if digits >= 0 else whole * scale, x) + 0.0)


def _value(node: _Node, env: Mapping[str, float | None]) -> float | None:
    if isinstance(node, _Num):
        return node.value
    if isinstance(node, _Name):
        return env[node.name]
    if isinstance(node, _Call):
        return _call_value(node, env)
    if isinstance(node, _Unary):
        operand = _value(node.operand, env)
        if operand is None:
            return None
        return float(operand == 0) if node.op == "not" else -operand
    if isinstance(node, _Binary):
        a, b = _value(node.left, env), _value(node.right, env)
        if a is None or b is None:
            return None
        return _arithmetic("^", a, b) if node.op == "^" else float(_COMPARE[node.op](a, b))
    values = [_value(operand, env) for operand in node.operands]
    if None in values:
        return None
    numbers = [value for value in values if value is not None]
    if node.group in ("and", "or"):
        truths = [number != 0 for number in numbers]
        return float(all(truths) if node.group == "and" else any(truths))
    result: float | None = numbers[0]
    for op, number in zip(node.ops, numbers[1:], strict=True):
        if result is None:
            return None
        result = _arithmetic(op, result, number)
    return result


def _call_value(node: _Call, env: Mapping[str, float | None]) -> float | None:
    function, args = node.function, node.args
    if function == "if":
        condition = _value(args[0], env)
        return None if condition is None else _value(args[1] if condition != 0 else args[2], env)
    if function == "coalesce":
        return next((value for value in (_value(arg, env) for arg in args) if value is not None), None)
    if function == "round":
        x = _value(args[0], env)
        return None if x is None else _round(x, _digits(node))
    values = [_value(arg, env) for arg in args]
    numbers = [value for value in values if value is not None]
    if len(numbers) < len(values):
        return None
    if function == "abs":
        return abs(numbers[0])
    if function == "clamp":
        x, low, high = numbers
        return None if low > high else min(max(x, low), high)
    return min(numbers) if function == "min" else max(numbers)


# --- array evaluation -----------------------------------------------------------------------------

_NAN = np.float64(np.nan)
_UFUNC_COMPARE = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def _finite_array(values: Floats) -> Floats:
    return np.where(np.isfinite(values), values, _NAN)


def _arithmetic_array(op: str, a: Floats, b: Floats) -> Floats:
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "/":
        result = a / b
    elif op == "%":
        result = np.remainder(a, b)
    else:
        # IEEE pow gives 1 for NaN^0 and 1^NaN: no data must stay no data.
        defined = (np.abs(b) <= MAX_EXPONENT) & ~np.isnan(a)
        result = np.where(defined, np.power(a, b), _NAN)
    return _finite_array(result)


def _round_array(x: Floats, digits: int) -> Floats:
    scale = float(10 ** abs(digits))
    scaled = np.abs(x) * scale if digits >= 0 else np.abs(x) / scale
    whole = np.floor(scaled)
    whole = whole + (scaled - whole >= 0.5 - np.minimum(_ULPS * scaled, _MAX_SLACK))
    return _finite_array(np.copysign(whole / scale if digits >= 0 else whole * scale, x) + 0.0)


def _truth(values: Floats) -> Floats:
    """1.0/0.0 for "not zero", NaN where there is no data."""
    return np.where(np.isnan(values), _NAN, (values != 0).astype(np.float64))


def _array(node: _Node, env: Mapping[str, Floats]) -> Floats:
    if isinstance(node, _Num):
        return np.asarray(node.value, dtype=np.float64)
    if isinstance(node, _Name):
        return env[node.name]
    if isinstance(node, _Call):
        return _call_array(node, env)
    if isinstance(node, _Unary):
        operand = _array(node.operand, env)
        return 1.0 - _truth(operand) if node.op == "not" else -operand
    if isinstance(node, _Binary):
        a, b = _array(node.left, env), _array(node.right, env)
        if node.op == "^":
            return _arithmetic_array("^", a, b)
        compared = _UFUNC_COMPARE[node.op](a, b).astype(np.float64)
        return np.where(np.isnan(a) | np.isnan(b), _NAN, compared)
    values = [_array(operand, env) for operand in node.operands]
    if node.group == "and":
        return reduce(np.multiply, map(_truth, values))
    if node.group == "or":
        return reduce(np.maximum, map(_truth, values))
    result = values[0]
    for op, value in zip(node.ops, values[1:], strict=True):
        result = _arithmetic_array(op, result, value)
    return result


def _call_array(node: _Call, env: Mapping[str, Floats]) -> Floats:
    function = node.function
    if function == "round":
        return _round_array(_array(node.args[0], env), _digits(node))
    args = [_array(arg, env) for arg in node.args]
    if function == "if":
        condition = args[0]
        return np.where(np.isnan(condition), _NAN, np.where(condition != 0, args[1], args[2]))
    if function == "coalesce":
        return reduce(lambda first, then: np.where(np.isnan(first), then, first), args)
    if function == "abs":
        return np.abs(args[0])
    if function == "clamp":
        x, low, high = args
        return np.where(low > high, _NAN, np.minimum(np.maximum(x, low), high))
    return reduce(np.minimum if function == "min" else np.maximum, args)


# --- the formula ----------------------------------------------------------------------------------


def _scalar_input(name: str, value: SupportsFloat | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, str | bytes):
        raise TypeError(f"the value of {name!r} must be a number or None, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"the value of {name!r} must be a number or None, got {value!r}") from None
    return number if math.isfinite(number) else None


@dataclass(frozen=True, slots=True)
class Formula:
    """A parsed formula. Build one with :func:`parse`; equal formulas have equal normalised text."""

    text: str
    names: frozenset[str]
    _root: _Node = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.text

    def evaluate(self, values: Mapping[str, SupportsFloat | None]) -> float | None:
        """The value for one set of measures (int, float, Decimal, numpy numbers or None); None means no data."""
        env = {name: _scalar_input(name, values.get(name)) for name in self.names}
        return _value(self._root, env)

    def evaluate_array(self, values: Mapping[str, ArrayLike]) -> Floats:
        """Element-wise values over arrays (broadcast together); NaN in and out means no data."""
        try:
            shape = np.broadcast_shapes(*(np.shape(array) for array in values.values()))
        except ValueError:
            shapes = ", ".join(f"{name}: {np.shape(array)}" for name, array in values.items())
            raise ValueError(f"the value arrays cannot be broadcast together ({shapes})") from None
        env: dict[str, Floats] = {}
        for name in self.names:
            array = np.asarray(values[name], dtype=np.float64) if name in values else np.asarray(_NAN)
            env[name] = np.where(np.isfinite(array), array, _NAN)
        with np.errstate(all="ignore"):
            result = _array(self._root, env)
        return np.array(np.broadcast_to(result, shape), dtype=np.float64)


def parse(text: str, names: Collection[str] | None = None) -> Formula:
    """Parse a formula; with ``names``, every name used must be one of them. Raises :class:`FormulaError`."""
    if not isinstance(text, str):
        raise TypeError(f"a formula is a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise _error(
            "too_long",
            MAX_LENGTH,
            "formula too long",
            f" ({len(text)} characters, at most {MAX_LENGTH})",
            length=len(text),
            limit=MAX_LENGTH,
        )
    parser = _Parser(text, None if names is None else frozenset(names))
    try:
        root = parser.formula()
        normalised = _render(root)
    except RecursionError:  # not expected within MAX_DEPTH; a safety net for a caller deep in its own stack
        raise _error(
            "too_deep", 0, "nesting too deep", f" (at most {MAX_DEPTH} levels)", limit=MAX_DEPTH
        ) from None
    return Formula(normalised, frozenset(parser.used), root)
