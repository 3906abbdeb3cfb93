"""Seeded draws: reproducible from the seed alone, recomputable with plain SHA-256, unbiased enough."""

from __future__ import annotations

import hashlib
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from oqms.engine import draws


def test_a_number_is_sha256_of_seed_and_label() -> None:
    expected = int.from_bytes(hashlib.sha256(b"abc|2026-12|0|site").digest(), "big")
    assert draws.number("abc", "2026-12|0|site") == expected
    assert draws.below("abc", "2026-12|0|site", 7) == expected % 7
    assert draws.unit("abc", "2026-12|0|site") == (expected >> 203) / 2**53


def test_the_same_seed_gives_the_same_draws_and_another_seed_others() -> None:
    sites = [f"S{k}" for k in range(20)]
    first = draws.sample("seed-1", "2026-12|sites", sites, 5)
    assert first == draws.sample("seed-1", "2026-12|sites", sites, 5)
    assert first != draws.sample("seed-2", "2026-12|sites", sites, 5)
    assert len(set(first)) == 5 and set(first) <= set(sites)
    assert sorted(draws.sample("seed-1", "x", sites, 20)) == sorted(sites)  # a permutation


def test_a_sample_is_the_partial_fisher_yates_shuffle_described() -> None:
    items = list(range(10))
    pool = items[:]
    for i in range(4):
        j = i + draws.below("s", f"lbl|{i}", 10 - i)
        pool[i], pool[j] = pool[j], pool[i]
    assert draws.sample("s", "lbl", items, 4) == pool[:4]


def test_spread_uses_every_item_once_before_any_again() -> None:
    drawn = draws.spread("seed", "2026-W49", ["a", "b", "c"], 8)
    assert len(drawn) == 8
    assert sorted(drawn[:3]) == sorted(drawn[3:6]) == ["a", "b", "c"]
    assert draws.spread("seed", "x", [], 0) == []
    with pytest.raises(ValueError):
        draws.spread("seed", "x", [], 1)


def test_draws_are_roughly_uniform() -> None:
    counts = Counter(draws.below("uniform", str(k), 6) for k in range(6000))
    assert all(850 < counts[v] < 1150 for v in range(6))
    units = [draws.unit("uniform", str(k)) for k in range(2000)]
    assert all(0 <= u < 1 for u in units) and 0.45 < sum(units) / len(units) < 0.55


@pytest.mark.parametrize("bad", [0, -1, True, 2.5])
def test_bad_arguments_are_refused(bad: object) -> None:
    with pytest.raises(ValueError):
        draws.below("s", "l", bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        draws.number("", "l")
    with pytest.raises(ValueError):
        draws.sample("s", "l", [1, 2], 3)


def test_new_seeds_are_long_and_different() -> None:
    seeds = {draws.new_seed() for _ in range(50)}
    assert len(seeds) == 50 and all(len(s) == 32 for s in seeds)


@given(st.text(min_size=1), st.text(), st.integers(1, 10**9))
def test_below_is_always_in_range(seed: str, label: str, n: int) -> None:
    assert 0 <= draws.below(seed, label, n) < n
