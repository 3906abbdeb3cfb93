"""A failing demo load leaves nothing behind; the same seed gives the same codes."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from oqms.accounts.models import User
from oqms.core.models import AuditEntry
from oqms.demo import builders
from oqms.engine.identifiers import uscc_problem
from oqms.vendors.models import Vendor


@pytest.mark.django_db
def test_a_failure_rolls_everything_back(monkeypatch: Any) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr("oqms.demo.management.commands.demo.generate", broken)
    with pytest.raises(RuntimeError):
        call_command("demo", work_orders=10, stdout=io.StringIO())
    assert not Vendor.objects.exists() and not User.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_small_load_and_if_empty_on_an_empty_database() -> None:
    out = io.StringIO()
    call_command("demo", if_empty=True, work_orders=12, stdout=out)
    assert Vendor.objects.count() == 8
    assert "Elapsed" in out.getvalue()


def test_credit_codes_are_valid_and_reproducible() -> None:
    codes = [builders.credit_code("310115", np.random.default_rng(7)) for _ in range(2)]
    assert codes[0] == codes[1] and uscc_problem(codes[0]) is None
    rng = np.random.default_rng(1)
    assert all(uscc_problem(builders.credit_code("320594", rng)) is None for _ in range(200))
