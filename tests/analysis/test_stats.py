"""Shared statistics: intervals cover planted means, tests are exact where they should be, all is seeded."""

import math

import numpy as np
import pytest

from stiltgrid.analysis import stats as st


def test_mean_effect_covers_a_planted_mean_and_is_deterministic():
    rng = np.random.default_rng(1)
    values = 2.0 + rng.normal(0, 1, 60)
    clusters = np.repeat(np.arange(20), 3)
    a = st.mean_effect(values, clusters, n_boot=1000, n_perm=2000, seed=7, label="x")
    b = st.mean_effect(values, clusters, n_boot=1000, n_perm=2000, seed=7, label="x")
    assert (a.ci_low, a.ci_high, a.p_value) == (b.ci_low, b.ci_high, b.p_value)
    assert a.ci_low < 2.0 < a.ci_high and a.ci_low > 0
    assert a.significant() and a.n_clusters == 20 and a.n_units == 60
    c = st.mean_effect(values, clusters, n_boot=1000, n_perm=2000, seed=8, label="x")
    assert c.ci_low != a.ci_low  # another seed, another stream


def test_mean_effect_of_noise_is_not_significant():
    values = np.random.default_rng(2).normal(0, 1, 40)
    effect = st.mean_effect(values, n_boot=1000, n_perm=2000, seed=0)
    assert effect.ci_low < 0 < effect.ci_high and not effect.significant()


def test_two_languages_with_one_value_each_are_never_significant():
    # the percentile bootstrap alone would "exclude 0"; the exact sign-flip test (p >= 0.5) vetoes it
    effect = st.mean_effect([3.0, 4.0], ["a", "b"], n_boot=1000, seed=0)
    assert effect.ci_low > 0 and effect.p_permutation == 0.5 and not effect.significant()


def test_single_value_has_no_interval():
    effect = st.mean_effect([1.5], seed=0)
    assert effect.estimate == 1.5 and math.isnan(effect.ci_low) and not effect.significant()


def test_two_stage_bootstrap_widens_the_interval_for_clustered_data():
    rng = np.random.default_rng(3)
    language_effect = np.repeat(rng.normal(0, 2, 8), 9)
    values = 1.0 + language_effect + rng.normal(0, 0.3, 72)
    clustered = st.mean_effect(values, np.repeat(np.arange(8), 9), n_boot=1000, seed=0)
    naive = st.mean_effect(values, n_boot=1000, seed=0)
    assert clustered.ci_high - clustered.ci_low > 1.5 * (naive.ci_high - naive.ci_low)


def test_sign_flip_is_exact_for_small_samples():
    # all 8 sign patterns of (1, 2, 3): |mean| >= 2 only for all-plus and all-minus
    assert st.sign_flip_p([1.0, 2.0, 3.0], n_perm=1000) == pytest.approx(2 / 8)
    assert st.sign_flip_p([0.0, 0.0]) == 1.0


def test_paired_test_detects_a_shift_and_not_noise():
    rng = np.random.default_rng(4)
    shifted = st.paired_test(2.0 + rng.normal(0, 1, 30), n_perm=2000, seed=0)
    assert shifted.wilcoxon_p < 0.01 and shifted.permutation_p < 0.01
    noise = st.paired_test(rng.normal(0, 1, 30), n_perm=2000, seed=0)
    assert noise.wilcoxon_p > 0.05 and noise.permutation_p > 0.05
    assert st.paired_test(np.zeros(5)).wilcoxon_p == 1.0


def test_difference_of_two_groups():
    rng = np.random.default_rng(5)
    a_vals, b_vals = 3 + rng.normal(0, 1, 30), rng.normal(0, 1, 30)
    a = st.mean_effect(a_vals, n_boot=1000, seed=0, label="a")
    b = st.mean_effect(b_vals, n_boot=1000, seed=0, label="b")
    diff = st.difference_effect(a, a_vals, b, b_vals, n_perm=2000, seed=0)
    assert diff.estimate == pytest.approx(a.estimate - b.estimate) and diff.ci_low > 0 and diff.significant()


def test_correlation_exact_permutation_and_bootstrap():
    x = np.arange(7.0)
    r = st.correlation(x, x**2, method="spearman", n_boot=1000, n_perm=10000, seed=0)
    assert r.r == pytest.approx(1.0) and r.exact and r.p_value == pytest.approx(2 / 5040)
    rng = np.random.default_rng(6)
    xs = rng.normal(size=40)
    strong = st.correlation(xs, -xs + rng.normal(0, 0.3, 40), method="pearson", n_boot=1000, n_perm=2000, seed=0)
    assert strong.r < -0.8 and strong.ci_high < 0 and strong.significant()
    noise = st.correlation(xs, rng.normal(size=40), n_boot=1000, n_perm=2000, seed=0)
    assert noise.ci_low < 0 < noise.ci_high and not noise.significant()
    assert math.isnan(st.correlation([1, 2, 3], [5, 5, 5]).r)  # constant variable


def test_holm():
    adjusted = st.holm([0.01, 0.04, math.nan, 0.03])
    assert adjusted[0] == pytest.approx(0.03) and adjusted[3] == pytest.approx(0.06)
    assert adjusted[1] == pytest.approx(0.06) and math.isnan(adjusted[2])
