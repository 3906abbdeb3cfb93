"""Helpers for choice classes with meaning: a translated label and a badge colour.

A ``TextChoices`` class may carry ``colours = {value: bootstrap-colour}`` (assigned after the class body, since
enum bodies turn attributes into members) and, for a workflow, ``transitions = {from: {to, ...}}``.
"""

from __future__ import annotations

from typing import Any


def colour_of(choices: Any, value: str) -> str:
    return str(getattr(choices, "colours", {}).get(value, "secondary"))
