"""Duration histograms: the frozen V1 layout, bucketing, merging, storage forms, and the percentile error bound
against numpy.percentile(method="inverted_cdf") (hypothesis, lognormal samples with ties and zeros)."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oqms.engine.histogram import (
    ABSOLUTE_ERROR,
    BUCKETS_V1,
    MAX_SECONDS,
    RATIO,
    RELATIVE_ERROR,
    bucket_of,
    counts,
    from_bytes,
    from_sparse,
    merge,
    percentile,
    to_bytes,
    to_sparse,
)

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DAY = 86_400.0
EDGES = BUCKETS_V1.edges
SIZE = BUCKETS_V1.size
OVERFLOW = SIZE - 1


def within_bound(estimate: float | None, truth: float) -> bool:
    """The documented bound: 0 is exact, (0, 60 s) within 30 s, [60 s, 400 d) within 2.5 %, beyond: 400 days."""
    assert estimate is not None
    if truth == 0:
        return estimate == 0
    if truth < 60:
        return abs(estimate - truth) <= ABSOLUTE_ERROR
    if truth < MAX_SECONDS:
        return abs(estimate - truth) <= RELATIVE_ERROR * truth
    return estimate == MAX_SECONDS


# --- the layout -----------------------------------------------------------------------------------


def test_layout_shape() -> None:
    assert BUCKETS_V1.version == 1
    assert SIZE == 275 == len(EDGES) - 1 == len(BUCKETS_V1.estimates)
    assert EDGES.dtype == np.float64
    assert (np.diff(EDGES) > 0).all()  # strictly increasing
    assert EDGES[0] == 0 and EDGES[1] == math.ulp(0.0)  # bucket 0 is exactly zero
    assert EDGES[2] == 60 and EDGES[3] == 63 and EDGES[4] == 66.15 and EDGES[5] == 69.458
    assert EDGES[-2] == MAX_SECONDS == 400 * DAY
    assert EDGES[-1] == math.inf
    assert not EDGES.flags.writeable and not BUCKETS_V1.estimates.flags.writeable


def test_layout_is_frozen() -> None:
    # Stored histograms depend on these exact edges: a change needs a new layout version, not an edit.
    assert hashlib.sha256(EDGES.tobytes()).hexdigest()[:16] == "0d6b2bb0b0a6baa7"


def test_geometric_buckets_meet_the_error_bound() -> None:
    geometric = EDGES[2:-1]
    ratios = geometric[1:] / geometric[:-1]
    assert ratios.max() <= RATIO * (1 + 2e-5)  # millisecond rounding of the edges
    assert ratios.min() > 1.04
    assert math.sqrt(ratios.max()) - 1 <= RELATIVE_ERROR
    assert math.sqrt(RATIO) - 1 == pytest.approx(0.0247, abs=1e-4)
    # Each estimate is the geometric midpoint and every value of its bucket is within the bound.
    low, high = geometric[:-1], geometric[1:]
    middle = BUCKETS_V1.estimates[2:-1]
    assert np.allclose(middle, np.sqrt(low * high), rtol=1e-15)
    assert ((middle - low) / low <= RELATIVE_ERROR).all()
    assert ((high - middle) / high <= RELATIVE_ERROR).all()


def test_special_buckets() -> None:
    assert BUCKETS_V1.estimates[0] == 0.0
    assert BUCKETS_V1.estimates[1] == 30.0 == ABSOLUTE_ERROR
    assert BUCKETS_V1.estimates[OVERFLOW] == MAX_SECONDS


# --- bucketing ------------------------------------------------------------------------------------


def test_bucket_of() -> None:
    values = [0.0, -0.0, 1e-9, 59.999, 60.0, 62.999, 63.0, 3600.0, MAX_SECONDS - 0.001, MAX_SECONDS, 1e15]
    buckets = bucket_of(values)
    assert buckets.dtype == np.int64
    assert buckets.tolist() == [0, 0, 1, 1, 2, 2, 3, buckets[7], OVERFLOW - 1, OVERFLOW, OVERFLOW]
    assert EDGES[buckets[7]] <= 3600.0 < EDGES[buckets[7] + 1]
    assert bucket_of(5).shape == ()
    assert bucket_of(np.zeros((2, 3))).shape == (2, 3)
    assert bucket_of(EDGES[:-1]).tolist() == list(range(SIZE))  # each edge opens its own bucket
    assert bucket_of([]).shape == (0,)


@FAST
@given(st.lists(st.floats(0, 2 * MAX_SECONDS), min_size=1, max_size=50))
def test_every_value_lies_in_its_bucket(values: list[float]) -> None:
    buckets = bucket_of(values)
    assert (EDGES[buckets] <= values).all()
    assert (np.asarray(values) < EDGES[buckets + 1]).all()


@pytest.mark.parametrize("bad", [[-1.0], [1.0, -0.5], [math.nan], [math.inf], [-math.inf]])
def test_bucket_of_refuses_bad_durations(bad: list[float]) -> None:
    with pytest.raises(ValueError, match="finite and >= 0"):
        bucket_of(bad)


def test_counts() -> None:
    hist = counts([0, 0, 30, 60, 61, np.nan, 3600, 1e12])
    assert hist.dtype == np.int64 and hist.shape == (SIZE,)
    assert hist.sum() == 7  # NaN is skipped
    assert hist[0] == 2 and hist[1] == 1 and hist[2] == 2 and hist[OVERFLOW] == 1
    assert counts([]).sum() == 0
    assert counts([[1.0, 2.0], [3.0, np.nan]]).sum() == 3  # any shape, flattened
    with pytest.raises(ValueError):
        counts([1.0, -1.0])
    with pytest.raises(ValueError):
        counts([math.inf])


# --- merging --------------------------------------------------------------------------------------

durations = st.one_of(
    st.just(0.0),
    st.floats(0, 60),
    st.floats(-3, math.log(MAX_SECONDS)).map(math.exp),  # log-uniform from 0.05 s to 400 days
    st.sampled_from(EDGES[:-1].tolist()),  # exactly on an edge
    st.floats(MAX_SECONDS, 1e10),
)


@FAST
@given(st.lists(durations, max_size=60), st.lists(durations, max_size=60))
def test_merge_of_counts_is_counts_of_the_union(a: list[float], b: list[float]) -> None:
    assert (merge(counts(a), counts(b)) == counts(a + b)).all()
    assert (merge(counts(a)) == counts(a)).all()


def test_merge() -> None:
    one = counts([1.0, 100.0])
    assert merge().tolist() == [0] * SIZE
    assert merge(one, one, one).sum() == 6
    assert merge(one.tolist(), one.astype(np.int32)).dtype == np.int64  # lists and other integer types
    for bad in (one[:-1], np.append(one, 0), one.reshape(1, -1), one.astype(float), -one, ["1"] * SIZE):
        with pytest.raises(ValueError):
            merge(one, bad)


# --- percentiles ----------------------------------------------------------------------------------


def test_percentile_examples() -> None:
    assert percentile(np.zeros(SIZE, np.int64), 90) is None  # empty: no data
    assert percentile(counts([0, 0, 0, 5000]), 50) == 0.0
    assert percentile(counts([0, 0, 0, 5000]), 100) == pytest.approx(5000, rel=RELATIVE_ERROR)
    assert percentile(counts([45.0]), 0) == 30.0
    assert percentile(counts([2 * MAX_SECONDS]), 99) == MAX_SECONDS  # overflow: a lower bound
    sample = np.arange(1, 101) * 60.0  # 1 to 100 minutes
    assert percentile(counts(sample), 90) == pytest.approx(90 * 60, rel=RELATIVE_ERROR)
    assert percentile(counts(sample), 90.0) == percentile(counts(sample), np.int64(90))


@pytest.mark.parametrize("q", [-1, 100.5, math.nan, math.inf, "90", None, True])
def test_percentile_refuses_bad_q(q: object) -> None:
    with pytest.raises(ValueError, match="q must"):
        percentile(counts([1.0]), q)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad", [np.zeros(SIZE - 1, np.int64), np.zeros(SIZE), -counts([1.0]), np.zeros((SIZE, 1))]
)
def test_percentile_refuses_bad_histograms(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        percentile(bad, 50)


QUANTILES = (50.0, 90.0, 95.0, 99.0)


def check_bound(sample: list[float] | np.ndarray, extra_q: float) -> None:
    hist = counts(sample)
    for q in (*QUANTILES, 0.0, 100.0, extra_q):
        truth = float(np.percentile(sample, q, method="inverted_cdf"))
        assert within_bound(percentile(hist, q), truth), (q, truth, percentile(hist, q))


@FAST
@given(st.data(), st.lists(durations, min_size=1, max_size=80), st.floats(0, 100))
def test_percentile_within_the_bound(data: st.DataObject, sample: list[float], q: float) -> None:
    ties = data.draw(st.lists(st.sampled_from(sample), max_size=40), label="ties")
    check_bound(sample + ties, q)


@FAST
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 3000),
    st.floats(1.0, 12.0),  # log-median from 3 s to 45 hours
    st.floats(0.1, 2.5),
    st.floats(0.0, 0.6),  # share of zeros
    st.integers(0, 3),  # rounding to whole seconds, minutes or hours: many ties
    st.floats(0, 100),
)
def test_percentile_within_the_bound_for_lognormal_durations(
    seed: int, n: int, mu: float, sigma: float, zeros: float, unit: int, q: float
) -> None:
    rng = np.random.default_rng(seed)
    sample = rng.lognormal(mu, sigma, n)
    sample[rng.random(n) < zeros] = 0.0
    if unit:
        step = (1.0, 60.0, 3600.0)[unit - 1]
        sample = np.round(sample / step) * step
    check_bound(np.minimum(sample, 2 * MAX_SECONDS), q)


def test_percentile_uses_numpys_rank_rule() -> None:
    # inverted_cdf takes the ceil(n * q / 100)-th value (1-based): 10 values at q = 90 give the 9th, not the 10th.
    sample = [60.0 * 2**i for i in range(10)]
    for q in (0, 9.9, 10, 10.1, 50, 89.9, 90, 90.1, 99.99, 100):
        truth = float(np.percentile(sample, q, method="inverted_cdf"))
        assert bucket_of(percentile(counts(sample), q)) == bucket_of(truth)


# --- storage --------------------------------------------------------------------------------------


@FAST
@given(st.lists(durations, max_size=100))
def test_sparse_and_bytes_round_trips(sample: list[float]) -> None:
    hist = counts(sample)
    sparse = to_sparse(hist)
    assert all(count > 0 for count in sparse.values())
    assert (from_sparse(json.loads(json.dumps(sparse))) == hist).all()
    data = to_bytes(hist)
    assert len(data) == 4 * SIZE
    assert (from_bytes(data) == hist).all()
    assert (from_bytes(memoryview(data)) == hist).all()


def test_storage_forms() -> None:
    hist = counts([0, 0, 61, 1e12])
    assert to_sparse(hist) == {"0": 2, "2": 1, str(OVERFLOW): 1}
    assert list(to_sparse(hist)) == ["0", "2", str(OVERFLOW)]  # in bucket order
    assert to_sparse(np.zeros(SIZE, np.int64)) == {}
    assert from_sparse({}).tolist() == [0] * SIZE
    assert from_sparse({"3": 0}).sum() == 0  # zero counts are allowed
    assert to_bytes(hist)[:8] == b"\x02\x00\x00\x00\x00\x00\x00\x00"  # little-endian int32
    big = np.zeros(SIZE, np.int64)
    big[5] = 2**31 - 1
    assert from_bytes(to_bytes(big))[5] == 2**31 - 1


@pytest.mark.parametrize(
    "sparse",
    [
        {"-1": 1},
        {str(SIZE): 1},
        {"x": 1},
        {"01": 1},
        {" 1": 1},
        {"١": 1},  # an Arabic-Indic digit
        {1: 1},
        {"1": -1},
        {"1": 1.5},
        {"1": 2.0},
        {"1": "3"},
        {"1": True},
        {"1": None},
    ],
)
def test_from_sparse_refuses_malformed_input(sparse: dict[object, object]) -> None:
    with pytest.raises(ValueError):
        from_sparse(sparse)  # type: ignore[arg-type]


def test_bytes_refuse_malformed_input() -> None:
    with pytest.raises(ValueError, match="bytes"):
        from_bytes(b"\x00" * (4 * SIZE - 1))
    with pytest.raises(ValueError, match="bytes"):
        from_bytes(b"")
    with pytest.raises(ValueError, match=">= 0"):
        from_bytes(b"\xff\xff\xff\xff" + b"\x00" * (4 * SIZE - 4))
    too_big = np.zeros(SIZE, np.int64)
    too_big[0] = 2**31
    with pytest.raises(ValueError, match="int32"):
        to_bytes(too_big)
