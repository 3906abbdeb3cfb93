"""Fixed-bucket histograms of durations, for percentiles over any set of days.

Daily rollups store, per (contract, service type, priority, site, day), a histogram of response and of resolution
business times in seconds; the P90 over any set of days is the percentile of the sum of their histograms. That
only works if every histogram uses the same buckets, so the layout is fixed and versioned: :data:`BUCKETS_V1`.
A new layout would be ``BUCKETS_V2`` next to it, and stored rows say which one they use; V1 never changes (a
test pins its edges).

**Layout V1** (275 buckets; bucket ``i`` holds ``edges[i] <= seconds < edges[i + 1]``):

- bucket 0: exactly 0 s (its upper edge is the smallest positive float). Business time is often exactly zero
  (a work order answered before business hours begin), and then the percentile is exactly 0;
- bucket 1: (0 s, 60 s), linear;
- buckets 2-273: geometric from 60 s to 400 days with ratio ``r = 1.05``: the edges are 60 s * 1.05^k rounded to
  the millisecond (exact integer arithmetic, so they are the same on every platform) for k = 0..271, then 400
  days (34,560,000 s; the last ratio is 1.043);
- bucket 274: overflow, 400 days and more.

**Estimate and error bound.** The percentile is the bucket holding the order statistic that
``numpy.percentile(sample, q, method="inverted_cdf")`` returns (the same rank, computed with the same
floating-point operations: the ``ceil(n * q / 100 - 1)``-th value from 0), estimated as the bucket's
*geometric midpoint* ``sqrt(low * high)``. For a true value ``x`` in ``[low, high)`` with ``high / low <= r``,
``estimate / x`` lies in ``(1 / sqrt(r), sqrt(r)]``, so the relative error ``|estimate - x| / x`` is at most
``sqrt(r) - 1``; ``sqrt(1.05) - 1 = 2.47 %`` (2.4699 % with the millisecond rounding of the edges), within the
required +-2.5 %: ``r`` is the round ratio below the limit ``1.025^2 = 1.050625``. The other buckets have their
own rules: 0 s is exact; (0, 60 s) is estimated as 30 s, an absolute error of at most 30 s (60 s required);
the overflow bucket gives 400 days, a lower bound (no error bound beyond 400 days). Means are not computed from
histograms: sums are stored separately.

**Storage.** Histograms are int64 arrays of :attr:`BucketLayout.size` counts. :func:`to_sparse` gives the
non-zero counts as a JSON-friendly ``{"bucket index": count}`` dict; :func:`to_bytes` gives all counts as
little-endian int32 (1,100 bytes; a count above 2^31 - 1 is refused).

Every function takes the layout as ``layout=`` (default :data:`BUCKETS_V1`) and raises ValueError for bad input:
negative, NaN or infinite durations (:func:`counts` skips NaN), histograms of the wrong shape, negative or
non-integer counts, ``q`` outside [0, 100], malformed sparse or byte forms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

Counts: TypeAlias = NDArray[np.int64]
Floats: TypeAlias = NDArray[np.float64]

FIRST_BUCKET_SECONDS = 60
MAX_SECONDS = 400 * 86_400  # 400 days
RATIO = 1.05
RELATIVE_ERROR = 0.025  # guaranteed for values in [60 s, 400 days): sqrt(RATIO) - 1 = 0.0247 <= 0.025
ABSOLUTE_ERROR = 30.0  # seconds, for values in (0, 60 s); 0 s is exact

_INT32_MAX = 2**31 - 1


@dataclass(frozen=True, eq=False)
class BucketLayout:
    """A fixed bucket layout: ``edges`` (size + 1 boundaries, the last is +inf) and each bucket's ``estimates``."""

    version: int
    edges: Floats
    estimates: Floats

    @property
    def size(self) -> int:
        return len(self.estimates)


def _readonly(values: list[float]) -> Floats:
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


def _layout_v1() -> BucketLayout:
    # 60 s * 1.05^k in whole milliseconds, rounded half up with integers: identical on every platform.
    geometric: list[float] = []
    k = 0
    while (ms := (2 * 60_000 * 105**k + 100**k) // (2 * 100**k)) < MAX_SECONDS * 1000:
        geometric.append(ms / 1000)
        k += 1
    edges = [0.0, math.ulp(0.0), *geometric, float(MAX_SECONDS), math.inf]
    middles = [math.sqrt(low * high) for low, high in zip(edges[2:-2], edges[3:-1], strict=True)]
    estimates = [0.0, FIRST_BUCKET_SECONDS / 2, *middles, float(MAX_SECONDS)]
    return BucketLayout(1, _readonly(edges), _readonly(estimates))


BUCKETS_V1 = _layout_v1()


def bucket_of(seconds: ArrayLike, *, layout: BucketLayout = BUCKETS_V1) -> Counts:
    """The bucket index of each duration (same shape as the input)."""
    values = np.asarray(seconds, dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        first = values.ravel()[np.argmax(bad.ravel())]
        raise ValueError(f"durations must be finite and >= 0 seconds, got {first!r}")
    return (np.searchsorted(layout.edges, values, side="right") - 1).astype(np.int64)


def counts(seconds: ArrayLike, *, layout: BucketLayout = BUCKETS_V1) -> Counts:
    """The histogram of a sample of durations (any shape, flattened); NaN values are skipped."""
    values = np.asarray(seconds, dtype=np.float64).ravel()
    buckets = bucket_of(values[~np.isnan(values)], layout=layout)
    return np.bincount(buckets, minlength=layout.size).astype(np.int64)


def _histogram(hist: ArrayLike, layout: BucketLayout) -> Counts:
    array = np.asarray(hist)
    if array.shape != (layout.size,):
        raise ValueError(f"a histogram has shape ({layout.size},), got {array.shape}")
    if array.dtype.kind not in "iu":
        raise ValueError(f"histogram counts must be integers, got dtype {array.dtype}")
    if array.dtype.kind == "u" and array.max(initial=0) > np.iinfo(np.int64).max:
        raise ValueError("histogram counts must fit in int64")
    counted = array.astype(np.int64)
    if (counted < 0).any():
        raise ValueError("histogram counts must be >= 0")
    return counted


def merge(*histograms: ArrayLike, layout: BucketLayout = BUCKETS_V1) -> Counts:
    """The sum of histograms (of the same layout); no histograms give an empty one."""
    total = np.zeros(layout.size, dtype=np.int64)
    for hist in histograms:
        total += _histogram(hist, layout)
    return total


def percentile(hist: ArrayLike, q: float, *, layout: BucketLayout = BUCKETS_V1) -> float | None:
    """The q-th percentile (q in [0, 100]) in seconds, within the module's error bound; None when empty."""
    counted = _histogram(hist, layout)
    if isinstance(q, bool) or not isinstance(q, int | float | np.integer | np.floating):
        raise ValueError(f"q must be a number from 0 to 100, got {q!r}")
    if not 0 <= q <= 100:  # also refuses NaN
        raise ValueError(f"q must be from 0 to 100, got {q!r}")
    cumulative = np.cumsum(counted)
    n = int(cumulative[-1])
    if n == 0:
        return None
    rank = max(math.ceil(n * (float(q) / 100) - 1), 0)  # numpy's inverted_cdf: the rank-th value from 0
    return float(layout.estimates[int(np.searchsorted(cumulative, rank, side="right"))])


def to_sparse(hist: ArrayLike, *, layout: BucketLayout = BUCKETS_V1) -> dict[str, int]:
    """The non-zero counts as ``{"bucket index": count}`` (JSON-friendly), in bucket order."""
    counted = _histogram(hist, layout)
    return {str(index): int(counted[index]) for index in np.flatnonzero(counted)}


def from_sparse(sparse: Mapping[str, int], *, layout: BucketLayout = BUCKETS_V1) -> Counts:
    """The histogram of a :func:`to_sparse` dict (zero counts may be present; keys are canonical indexes)."""
    hist = np.zeros(layout.size, dtype=np.int64)
    for key, count in sparse.items():
        if not isinstance(key, str) or not key.isascii() or not key.isdigit() or str(int(key)) != key:
            raise ValueError(f"a sparse histogram key is a bucket index like '12', got {key!r}")
        if not int(key) < layout.size:
            raise ValueError(f"bucket index {key} is beyond the layout's {layout.size} buckets")
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= np.iinfo(np.int64).max:
            raise ValueError(f"a sparse histogram count is an integer >= 0, got {count!r} for bucket {key}")
        hist[int(key)] = count
    return hist


def to_bytes(hist: ArrayLike, *, layout: BucketLayout = BUCKETS_V1) -> bytes:
    """All counts as little-endian int32 (4 bytes per bucket)."""
    counted = _histogram(hist, layout)
    if counted.max(initial=0) > _INT32_MAX:
        raise ValueError(f"a count above {_INT32_MAX} does not fit the int32 byte form")
    return counted.astype("<i4").tobytes()


def from_bytes(data: bytes | bytearray | memoryview, *, layout: BucketLayout = BUCKETS_V1) -> Counts:
    """The histogram of a :func:`to_bytes` value (bytes, or the memoryview a database driver may return)."""
    data = bytes(data)
    if len(data) != 4 * layout.size:
        raise ValueError(f"a histogram is {4 * layout.size} bytes (int32 per bucket), got {len(data)}")
    hist = np.frombuffer(data, dtype="<i4").astype(np.int64)
    if (hist < 0).any():
        raise ValueError("histogram counts must be >= 0")
    return hist
