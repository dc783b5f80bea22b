"""Shared statistics of the analyses: seeded bootstrap intervals, paired tests, correlations, Holm adjustment.

Every function takes an integer ``seed`` and is deterministic given it (numpy ``default_rng``; sub-streams are
derived with :func:`substream`, which hashes labels with CRC-32 so they do not depend on Python's hash seed).

Mean effects (:func:`mean_effect`). The interval is a percentile bootstrap that resamples *clusters* (languages),
then, within each drawn language, its units (its targets): a two-stage bootstrap, so both the spread between
languages and the noise across a language's targets widen the interval. With one unit per language it is the
ordinary bootstrap over languages. The percentile bootstrap is too optimistic with few languages (it never reaches
beyond the range of the data: two languages with the same sign always "exclude 0"), so an effect is called
significant only when the bootstrap p-value *and* an exact or Monte-Carlo sign-flip permutation test over the units
are both below alpha (``p_value`` is the larger of the two; an intersection-union test).

Correlations (:func:`correlation`): Spearman (Pearson of ranks) or Pearson, a percentile bootstrap interval over
the paired units, and a permutation p-value (exact enumeration when n! <= n_perm).

Resolution: a bootstrap p-value is at least 2 / (n_boot + 1) and a Monte-Carlo permutation p-value at least
1 / (n_perm + 1); after a Holm adjustment over k tests, significance needs k times that below alpha, hence the
defaults of 2000 replicates and 10000 permutations.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

N_BOOT = 2000
N_PERM = 10000
ALPHA = 0.05


def substream(seed: int, *labels) -> np.random.Generator:
    """A generator for one block of an analysis: the same (seed, labels) always give the same stream."""
    key = zlib.crc32("\x1f".join(str(label) for label in labels).encode("utf-8"))
    return np.random.default_rng([int(seed), key])


def percentile_ci(replicates: np.ndarray, alpha: float = ALPHA) -> tuple[float, float]:
    reps = np.asarray(replicates, dtype=float)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return math.nan, math.nan
    low, high = np.quantile(reps, [alpha / 2, 1 - alpha / 2])
    return float(low), float(high)


def bootstrap_p(replicates: np.ndarray, null: float = 0.0) -> float:
    """Two-sided bootstrap p-value: twice the smaller share of replicates on either side of ``null``."""
    reps = np.asarray(replicates, dtype=float)
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return math.nan
    below = (1 + np.count_nonzero(reps <= null)) / (reps.size + 1)
    above = (1 + np.count_nonzero(reps >= null)) / (reps.size + 1)
    return float(min(1.0, 2 * min(below, above)))


def cluster_bootstrap_means(
    values: Sequence[float], clusters: Sequence | None, n_boot: int, rng: np.random.Generator, within: bool = True
) -> np.ndarray:
    """``n_boot`` bootstrap replicates of the mean of ``values``.

    Clusters are drawn with replacement; with ``within`` each drawn cluster's units are drawn again with
    replacement (two-stage bootstrap). The replicate is the mean over all drawn units, so a cluster weighs by its
    number of units as in the point estimate. ``clusters=None``: every value is its own cluster.
    """
    vals = np.asarray(values, dtype=float)
    if vals.size == 0:
        return np.full(n_boot, math.nan)
    codes = np.arange(vals.size) if clusters is None else pd.factorize(np.asarray(clusters, dtype=object))[0]
    k = int(codes.max()) + 1
    sizes = np.bincount(codes, minlength=k)
    order = np.argsort(codes, kind="stable")
    ordered = vals[order]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    drawn = rng.integers(0, k, size=(n_boot, k))
    drawn_sizes = sizes[drawn]
    width = int(sizes.max())
    slots = np.arange(width)
    if within:
        offsets = np.floor(rng.random((n_boot, k, width)) * drawn_sizes[..., None]).astype(np.int64)
    else:
        offsets = np.broadcast_to(slots, (n_boot, k, width))
    valid = slots < drawn_sizes[..., None]
    # offsets stay below the cluster size, so the index is always in range; padding slots are masked out
    index = starts[drawn][..., None] + np.minimum(offsets, drawn_sizes[..., None] - 1)
    sums = np.where(valid, ordered[index], 0.0).sum(axis=(1, 2))
    return sums / drawn_sizes.sum(axis=1)


def _sign_matrix(n: int, n_perm: int, rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    if 2**n <= n_perm:
        codes = np.arange(2**n)[:, None] >> np.arange(n)[None, :]
        return 1.0 - 2.0 * (codes & 1), True
    return rng.choice(np.array([-1.0, 1.0]), size=(n_perm, n)), False


def sign_flip_p(differences: Sequence[float], n_perm: int = N_PERM, seed: int = 0, label: str = "") -> float:
    """Two-sided sign-flip permutation p-value for a mean of 0 (exact when 2**n <= n_perm)."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return math.nan
    observed = abs(d.mean())
    if observed == 0.0:
        return 1.0
    signs, exact = _sign_matrix(d.size, n_perm, substream(seed, label, "sign-flip"))
    null = np.abs(signs @ d) / d.size
    hits = np.count_nonzero(null >= observed * (1 - 1e-12))
    return float(hits / len(null)) if exact else float((1 + hits) / (1 + len(null)))


def two_sample_permutation_p(
    a: Sequence[float], b: Sequence[float], n_perm: int = N_PERM, seed: int = 0, label: str = ""
) -> float:
    """Two-sided permutation p-value for equal means of two samples (labels shuffled, Monte Carlo)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size == 0 or b.size == 0:
        return math.nan
    observed = abs(a.mean() - b.mean())
    pooled = np.concatenate([a, b])
    rng = substream(seed, label, "two-sample")
    perms = np.argsort(rng.random((n_perm, pooled.size)), axis=1)
    shuffled = pooled[perms]
    null = np.abs(shuffled[:, : a.size].mean(axis=1) - shuffled[:, a.size :].mean(axis=1))
    return float((1 + np.count_nonzero(null >= observed * (1 - 1e-12))) / (1 + n_perm))


@dataclass(frozen=True)
class Effect:
    """A mean (or a difference of means) with its bootstrap interval and two p-values."""

    estimate: float
    ci_low: float
    ci_high: float
    p_bootstrap: float
    p_permutation: float
    n_clusters: int  # resampled clusters (languages)
    n_units: int  # observations (e.g. (target, language) pairs)
    replicates: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.empty(0))

    @property
    def p_value(self) -> float:
        """The larger of the bootstrap and permutation p-values (NaN when either is missing)."""
        if math.isnan(self.p_bootstrap) or math.isnan(self.p_permutation):
            return math.nan
        return max(self.p_bootstrap, self.p_permutation)

    def significant(self, alpha: float = ALPHA) -> bool:
        return bool(self.p_value < alpha)


def _clean(values, clusters):
    vals = np.asarray(values, dtype=float)
    keep = np.isfinite(vals)
    cl = None if clusters is None else np.asarray(clusters, dtype=object)[keep]
    return vals[keep], cl


def mean_effect(
    values: Sequence[float],
    clusters: Sequence | None = None,
    *,
    n_boot: int = N_BOOT,
    n_perm: int = N_PERM,
    alpha: float = ALPHA,
    seed: int = 0,
    within: bool = True,
    label: str = "",
) -> Effect:
    """Mean of ``values`` with a (two-stage) cluster bootstrap interval and a sign-flip test over the values.

    ``clusters`` (e.g. the language of each (target, language) gain) are the resampling unit; NaN values are
    dropped. With fewer than two values no interval or p-value is given.
    """
    vals, cl = _clean(values, clusters)
    n_clusters = vals.size if cl is None else len(set(cl.tolist()))
    if vals.size == 0:
        return Effect(math.nan, math.nan, math.nan, math.nan, math.nan, 0, 0, np.full(n_boot, math.nan))
    estimate = float(vals.mean())
    if vals.size < 2:
        return Effect(estimate, math.nan, math.nan, math.nan, math.nan, n_clusters, 1, np.full(n_boot, estimate))
    reps = cluster_bootstrap_means(vals, cl, n_boot, substream(seed, label, "bootstrap"), within=within)
    low, high = percentile_ci(reps, alpha)
    return Effect(
        estimate, low, high, bootstrap_p(reps), sign_flip_p(vals, n_perm, seed, label), n_clusters, int(vals.size), reps
    )


def difference_effect(
    a: Effect,
    a_values: Sequence[float],
    b: Effect,
    b_values: Sequence[float],
    *,
    n_perm: int = N_PERM,
    alpha: float = ALPHA,
    seed: int = 0,
    label: str = "",
) -> Effect:
    """``a - b`` for two independent groups: bootstrap replicates subtracted (stratified bootstrap) and a
    two-sample permutation test on the values."""
    a_vals = np.asarray(a_values, dtype=float)
    b_vals = np.asarray(b_values, dtype=float)
    a_vals, b_vals = a_vals[np.isfinite(a_vals)], b_vals[np.isfinite(b_vals)]
    estimate = a.estimate - b.estimate
    if a_vals.size < 2 or b_vals.size < 2:
        return Effect(
            estimate,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            a.n_clusters + b.n_clusters,
            a.n_units + b.n_units,
            np.full(len(a.replicates), math.nan),
        )
    reps = a.replicates - b.replicates
    low, high = percentile_ci(reps, alpha)
    return Effect(
        estimate,
        low,
        high,
        bootstrap_p(reps),
        two_sample_permutation_p(a_vals, b_vals, n_perm, seed, label),
        a.n_clusters + b.n_clusters,
        a.n_units + b.n_units,
        reps,
    )


# --- paired tests ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairedTest:
    mean_difference: float
    wilcoxon_statistic: float
    wilcoxon_p: float
    permutation_p: float
    n: int
    n_zero: int


def wilcoxon(differences: Sequence[float]) -> tuple[float, float]:
    """(statistic, two-sided p) of scipy's Wilcoxon signed-rank test; (NaN, 1.0) when every difference is 0."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return math.nan, math.nan
    if np.all(d == 0):
        return math.nan, 1.0
    result = sps.wilcoxon(d, zero_method="wilcox", alternative="two-sided")
    return float(result.statistic), float(result.pvalue)


def paired_test(differences: Sequence[float], *, n_perm: int = N_PERM, seed: int = 0, label: str = "") -> PairedTest:
    """Wilcoxon signed-rank and sign-flip permutation tests of paired differences (variant - reference)."""
    d = np.asarray(differences, dtype=float)
    d = d[np.isfinite(d)]
    stat, p_w = wilcoxon(d)
    return PairedTest(
        float(d.mean()) if d.size else math.nan,
        stat,
        p_w,
        sign_flip_p(d, n_perm, seed, label),
        int(d.size),
        int(np.count_nonzero(d == 0)),
    )


# --- correlations ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    method: str
    r: float
    ci_low: float
    ci_high: float
    p_value: float  # permutation
    n: int
    exact: bool  # permutation p from full enumeration

    def significant(self, alpha: float = ALPHA) -> bool:
        return bool(self.p_value < alpha)


def _row_pearson(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    num = (a * b).sum(axis=-1)
    den = np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = num / den
    return np.where(den > 0, r, math.nan)


def correlation(
    x: Sequence[float],
    y: Sequence[float],
    *,
    method: str = "spearman",
    n_boot: int = N_BOOT,
    n_perm: int = N_PERM,
    alpha: float = ALPHA,
    seed: int = 0,
    label: str = "",
) -> Correlation:
    """Spearman or Pearson correlation with a bootstrap interval (pairs resampled) and a permutation p-value.

    Pairs with a NaN are dropped; fewer than 3 pairs, or a constant variable, give NaN.
    """
    if method not in ("spearman", "pearson"):
        raise ValueError(f"correlation: method must be 'spearman' or 'pearson', got {method!r}")
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    if xv.shape != yv.shape:
        raise ValueError(f"correlation: x and y differ in length ({xv.size} vs {yv.size})")
    keep = np.isfinite(xv) & np.isfinite(yv)
    xv, yv = xv[keep], yv[keep]
    n = int(xv.size)
    if n < 3 or np.ptp(xv) == 0 or np.ptp(yv) == 0:
        return Correlation(method, math.nan, math.nan, math.nan, math.nan, n, False)
    rank = method == "spearman"
    tx, ty = (sps.rankdata(xv), sps.rankdata(yv)) if rank else (xv, yv)
    r = float(_row_pearson(tx, ty))
    rng = substream(seed, label, method, "bootstrap")
    idx = rng.integers(0, n, size=(n_boot, n))
    bx, by = xv[idx], yv[idx]
    if rank:
        bx, by = sps.rankdata(bx, axis=1), sps.rankdata(by, axis=1)
    low, high = percentile_ci(_row_pearson(bx, by), alpha)
    exact = math.factorial(n) <= n_perm
    if exact:
        perms = np.array(list(itertools.permutations(range(n))))
    else:
        perms = np.argsort(substream(seed, label, method, "permutation").random((n_perm, n)), axis=1)
    null = np.abs(_row_pearson(tx, ty[perms]))
    hits = np.count_nonzero(null >= abs(r) * (1 - 1e-12))
    p = hits / len(perms) if exact else (1 + hits) / (1 + len(perms))
    return Correlation(method, r, low, high, float(p), n, exact)


def least_squares(x: Sequence[float], y: Sequence[float]) -> tuple[float, float]:
    """(slope, intercept) of the least-squares line; NaN when fewer than 2 distinct x."""
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    keep = np.isfinite(xv) & np.isfinite(yv)
    xv, yv = xv[keep], yv[keep]
    if xv.size < 2 or np.ptp(xv) == 0:
        return math.nan, math.nan
    slope, intercept = np.polyfit(xv, yv, 1)
    return float(slope), float(intercept)


# --- multiple comparisons --------------------------------------------------------------------------------------


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm step-down adjusted p-values; NaN entries stay NaN and do not count as tests."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, math.nan)
    finite = np.flatnonzero(np.isfinite(p))
    m = finite.size
    if m == 0:
        return out
    order = finite[np.argsort(p[finite], kind="stable")]
    adjusted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * p[order]))
    out[order] = adjusted
    return out
