import numpy as np
import pytest

from stiltgrid.metrics import retrieval
from stiltgrid.metrics.retrieval import (
    average_precision_at_k,
    bucc_candidates,
    bucc_evaluate,
    bucc_optimal_threshold,
    bucc_scores,
    knn,
    knn_both,
    l2_normalize,
    mean_average_precision_at_k,
    mine_bitext,
    mine_bitext_numpy,
    rank_candidates,
    retrieval_set,
    tatoeba_accuracy,
)


def _planted(seed=0, n_src=1500, n_tgt=1600, n_pairs=1200, dim=48, noise=0.5):
    """Random source/target sentences where the first n_pairs sources have a noisy translation in the target set."""
    rng = np.random.default_rng(seed)
    src = rng.standard_normal((n_src, dim)).astype(np.float32)
    tgt = rng.standard_normal((n_tgt, dim)).astype(np.float32)
    perm = rng.permutation(n_tgt)[:n_pairs]
    tgt[perm] = src[:n_pairs] + noise * rng.standard_normal((n_pairs, dim)).astype(np.float32)
    return src, tgt, perm


def test_l2_normalize_copies_and_keeps_zero_rows():
    x = np.array([[3.0, 4.0], [0.0, 0.0]], dtype=np.float32)
    y = l2_normalize(x)
    np.testing.assert_allclose(y, [[0.6, 0.8], [0.0, 0.0]])
    assert x[0, 0] == 3.0  # input untouched


def test_knn_faiss_equals_numpy():
    src, tgt, _ = _planted(1)
    x, y = l2_normalize(src), l2_normalize(tgt)
    s_f, i_f = knn(x, y, 4, "faiss")
    s_n, i_n = knn(x, y, 4, "numpy")
    np.testing.assert_array_equal(i_f, i_n)
    np.testing.assert_allclose(s_f, s_n, atol=1e-5)
    assert (np.diff(s_f, axis=1) <= 1e-6).all()  # best first
    # k is capped at the database size
    assert knn(x[:3], y[:2], 4)[1].shape == (3, 2)
    with pytest.raises(ValueError, match="unknown backend"):
        knn(x, y, 4, "annoy")


def _top_k_by_rule(x, y, k):
    """The documented neighbour rule on the full product: decreasing similarity, then increasing index."""
    sims = x @ y.T
    k = min(k, len(y))
    order = np.lexsort((np.broadcast_to(np.arange(len(y)), sims.shape), -sims), axis=1)[:, :k]
    return np.take_along_axis(sims, order, axis=1), order


def _assert_same_neighbours(got, expected):
    np.testing.assert_array_equal(got[1], expected[1])
    np.testing.assert_allclose(got[0], expected[0], atol=1e-5)


@pytest.mark.parametrize(
    "n_x, n_y, k",
    [(300, 170, 4), (170, 300, 4), (50, 3, 4), (3, 50, 4), (1, 40, 4), (40, 1, 4), (1, 1, 4), (60, 60, 60), (25, 9, 9)],
)
def test_knn_both_one_pass_equals_numpy_and_two_searches(n_x, n_y, k):
    rng = np.random.default_rng(n_x * 1000 + n_y)
    x = l2_normalize(rng.standard_normal((n_x, 24)))
    y = l2_normalize(rng.standard_normal((n_y, 24)))
    fwd, bwd = knn_both(x, y, k)
    assert fwd[1].shape == (n_x, min(k, n_y)) and bwd[1].shape == (n_y, min(k, n_x))
    assert fwd[0].dtype == np.float32 and fwd[1].dtype == np.int64
    for got, ref in zip((fwd, bwd), knn_both(x, y, k, backend="numpy")):
        _assert_same_neighbours(got, ref)
    _assert_same_neighbours(fwd, knn(x, y, k, "faiss"))
    _assert_same_neighbours(bwd, knn(y, x, k, "faiss"))


def test_knn_both_tiles_cover_every_pair():
    # blocks much smaller than the inputs, neither dividing them: many tiles, and a narrower last block of y
    rng = np.random.default_rng(5)
    x = rng.standard_normal((53, 16)).astype(np.float32)
    y = rng.standard_normal((41, 16)).astype(np.float32)
    fwd, bwd = retrieval._knn_both_one_pass(x, y, 4, 3, x_block=7, y_block=5)
    _assert_same_neighbours(fwd, _top_k_by_rule(x, y, 4))
    _assert_same_neighbours(bwd, _top_k_by_rule(y, x, 3))


def test_knn_both_ties_keep_the_lowest_index():
    # small integer vectors: every product is exact whatever the summation order, and many are equal
    rng = np.random.default_rng(3)
    x = rng.integers(-1, 2, size=(80, 6)).astype(np.float32)
    y = rng.integers(-1, 2, size=(70, 6)).astype(np.float32)
    y[10:20] = y[0]  # duplicates: exact ties at every rank
    fwd, bwd = retrieval._knn_both_one_pass(x, y, 4, 4, x_block=16, y_block=32)
    expected_fwd, expected_bwd = _top_k_by_rule(x, y, 4), _top_k_by_rule(y, x, 4)
    tied = (expected_fwd[0][:, 3] == np.sort(x @ y.T, axis=1)[:, -5]).sum()
    assert tied > 10  # the k-th place is really contested
    _assert_same_neighbours(fwd, expected_fwd)
    _assert_same_neighbours(bwd, expected_bwd)
    _assert_same_neighbours(knn_both(x, y, 4)[0], expected_fwd)  # default tiles
    # with k >= the other side numpy keeps everything, so its order is fully specified too
    for got, ref in zip(knn_both(x[:4], y[:3], 4), knn_both(x[:4], y[:3], 4, backend="numpy")):
        _assert_same_neighbours(got, ref)


def test_knn_both_rejects_bad_input():
    x = np.ones((3, 4), dtype=np.float32)
    with pytest.raises(ValueError, match="empty input"):
        knn_both(x, np.empty((0, 4), dtype=np.float32), 4)
    with pytest.raises(ValueError, match="empty input"):
        knn_both(np.empty((0, 4), dtype=np.float32), x, 4)
    with pytest.raises(ValueError, match="dimension mismatch"):
        knn_both(x, np.ones((3, 5), dtype=np.float32), 4)
    with pytest.raises(ValueError, match="k must be"):
        knn_both(x, x, 0)
    with pytest.raises(ValueError, match="unknown backend"):
        knn_both(x, x, 4, "annoy")


def test_mining_edge_sizes_agree_across_backends():
    rng = np.random.default_rng(9)
    for n_x, n_y in [(1, 1), (1, 30), (30, 1), (2, 3), (45, 20)]:
        x, y = rng.standard_normal((n_x, 12)), rng.standard_normal((n_y, 12))
        a, b = mine_bitext(x, y), mine_bitext_numpy(x, y)
        np.testing.assert_array_equal(a.src, b.src)
        np.testing.assert_array_equal(a.tgt, b.tgt)
        np.testing.assert_array_equal(a.score, b.score)
        assert 1 <= len(a) <= min(n_x, n_y)
    empty = mine_bitext(np.empty((0, 12)), rng.standard_normal((4, 12)))
    assert len(empty) == 0 and empty.src.dtype == np.int64


def test_mining_scores_depend_on_neighbour_sets_not_their_order():
    # the same neighbour sets listed in another order must give bit-identical pairs and scores
    src, tgt, _ = _planted(4, n_src=300, n_tgt=320, n_pairs=200)
    x, y = l2_normalize(src), l2_normalize(tgt)
    (fs, fi), (bs, bi) = knn_both(x, y, 4)
    reference = mine_bitext(x, y)
    original = retrieval.knn_both
    retrieval.knn_both = lambda *args, **kwargs: ((fs[:, ::-1], fi[:, ::-1]), (bs[:, ::-1], bi[:, ::-1]))
    try:
        reversed_lists = mine_bitext(x, y)
    finally:
        retrieval.knn_both = original
    np.testing.assert_array_equal(reversed_lists.src, reference.src)
    np.testing.assert_array_equal(reversed_lists.tgt, reference.tgt)
    np.testing.assert_array_equal(reversed_lists.score, reference.score)


def test_margin_mining_by_hand():
    # x0 = (1,0), x1 = (0,1); y0 = (1,0), y1 = (0.6,0.8); k = min(4, 2) = 2 -> the means are over both candidates
    # cos: x0.y0 = 1, x0.y1 = 0.6, x1.y0 = 0, x1.y1 = 0.8
    # fwd means: x0 (1+0.6)/2 = 0.8, x1 (0+0.8)/2 = 0.4; bwd means: y0 (1+0)/2 = 0.5, y1 (0.6+0.8)/2 = 0.7
    # ratio margin: (x0,y0) = 1 / ((0.8+0.5)/2) = 1/0.65; (x0,y1) = 0.6/0.75 = 0.8
    #               (x1,y0) = 0;                  (x1,y1) = 0.8 / ((0.4+0.7)/2) = 0.8/0.55
    x = np.array([[1, 0], [0, 1]], dtype=np.float32)
    y = np.array([[1, 0], [0.6, 0.8]], dtype=np.float32)
    for mined in (mine_bitext(x, y), mine_bitext_numpy(x, y)):
        pairs = mined.as_list()
        assert [(s, t) for s, t, _ in pairs] == [(0, 0), (1, 1)]
        assert pairs[0][2] == pytest.approx(1 / 0.65, rel=1e-6)
        assert pairs[1][2] == pytest.approx(0.8 / 0.55, rel=1e-6)


def test_margin_mining_greedy_one_to_one():
    # x0 = (1,0), x1 = (0.8,0.6); one target y0 = (1,0). fwd k = 1, bwd k = 2
    # fwd means: x0 = 1, x1 = 0.8; bwd mean y0 = (1 + 0.8)/2 = 0.9
    # scores: (x0,y0) = 1 / 0.95 = 1.0526 (fwd and bwd); (x1,y0) = 0.8 / 0.85 = 0.9412 (fwd)
    # greedy by score: (x0,y0) kept; (x1,y0) dropped because y0 is taken
    x = np.array([[1, 0], [0.8, 0.6]], dtype=np.float32)
    y = np.array([[1, 0]], dtype=np.float32)
    pairs = mine_bitext(x, y).as_list()
    assert len(pairs) == 1
    assert pairs[0][:2] == (0, 0)
    assert pairs[0][2] == pytest.approx(1 / 0.95, rel=1e-6)
    # forward-only mode keeps both sources
    assert [p[:2] for p in mine_bitext(x, y, retrieval="fwd").as_list()] == [(0, 0), (1, 0)]


def test_mining_faiss_equals_numpy_on_random_data():
    src, tgt, perm = _planted(2)
    faiss_pairs = mine_bitext(src, tgt, backend="faiss")
    numpy_pairs = mine_bitext_numpy(src, tgt)
    np.testing.assert_array_equal(faiss_pairs.src, numpy_pairs.src)
    np.testing.assert_array_equal(faiss_pairs.tgt, numpy_pairs.tgt)
    # neighbourhood means are recomputed from the indices, so equal neighbours give bit-identical scores and order
    np.testing.assert_array_equal(faiss_pairs.score, numpy_pairs.score)
    # sanity: the planted translations are found
    found = {(int(s), int(t)) for s, t in zip(faiss_pairs.src, faiss_pairs.tgt)}
    planted = {(i, int(perm[i])) for i in range(len(perm))}
    assert len(found & planted) / len(planted) > 0.95
    for mode in ("fwd", "bwd", "intersect"):
        a = mine_bitext(src, tgt, retrieval=mode)
        b = mine_bitext_numpy(src, tgt, retrieval=mode)
        np.testing.assert_array_equal(a.src, b.src)
        np.testing.assert_array_equal(a.tgt, b.tgt)


DEV = {("s1", "t1"): 0.9, ("s2", "t2"): 0.8, ("s3", "t9"): 0.7, ("s4", "t4"): 0.6, ("s5", "t8"): 0.5}
DEV_GOLD = [("s1", "t1"), ("s2", "t2"), ("s4", "t4"), ("s6", "t6")]
TEST = {("a", "A"): 0.95, ("b", "B"): 0.7, ("c", "X"): 0.56, ("d", "D"): 0.54, ("e", "Y"): 0.3}
TEST_GOLD = [("a", "A"), ("b", "B"), ("d", "D"), ("f", "F")]


def test_bucc_threshold_on_dev():
    # dev, 4 gold pairs, candidates by decreasing score:
    #   0.9 correct: P 1/1  R 1/4  F1 0.400 -> best, threshold (0.9+0.8)/2 = 0.85
    #   0.8 correct: P 2/2  R 2/4  F1 0.667 -> best, threshold (0.8+0.7)/2 = 0.75
    #   0.7 wrong:   P 2/3  R 2/4  F1 0.571
    #   0.6 correct: P 3/4  R 3/4  F1 0.750 -> best, threshold (0.6+0.5)/2 = 0.55
    #   0.5 wrong:   P 3/5  R 3/4  F1 0.667
    assert bucc_optimal_threshold(DEV, DEV_GOLD) == pytest.approx(0.55)


def test_bucc_dev_threshold_applied_to_test():
    # test with threshold 0.55: extracted a, b, c (3), correct a, b (2); 4 gold
    # P = 2/3 = 66.67, R = 2/4 = 50, F1 = 2 * (2/3) * (1/2) / (2/3 + 1/2) = 4/7 = 57.14
    result = bucc_evaluate(DEV, DEV_GOLD, TEST, TEST_GOLD)
    assert result["threshold"] == pytest.approx(0.55)
    assert result["precision"] == pytest.approx(200 / 3)
    assert result["recall"] == pytest.approx(50.0)
    assert result["f1"] == pytest.approx(400 / 7)
    assert result["n_extracted"] == 3
    assert result["dev_f1"] == pytest.approx(75.0)
    # tuning on test itself would pick (0.54+0.3)/2 = 0.42 (F1 75): the dev-tuned threshold is what is reported
    assert bucc_optimal_threshold(TEST, TEST_GOLD) == pytest.approx(0.42)


def test_bucc_threshold_edge_cases():
    # best prefix = whole list: the official code would index past the end; the last score is used
    cands = {("a", "A"): 0.9, ("b", "B"): 0.8}
    assert bucc_optimal_threshold(cands, [("a", "A"), ("b", "B")]) == pytest.approx(0.8)
    assert bucc_scores(cands, [("a", "A"), ("b", "B")], 0.8)["f1"] == 100.0
    # nothing correct: threshold stays 0 and all scores are 0
    assert bucc_optimal_threshold(cands, [("z", "Z")]) == 0.0
    assert bucc_scores(cands, [("z", "Z")], 0.0) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "threshold": 0.0,
        "n_extracted": 2,
    }


def test_bucc_candidates_ids_and_duplicate_texts():
    x = np.array([[1, 0], [0, 1], [0.7, 0.7]], dtype=np.float32)
    y = np.array([[1, 0.05], [0.05, 1]], dtype=np.float32)
    cands = bucc_candidates(x, y, ["de-1", "de-2", "de-3"], ["en-1", "en-2"])
    assert set(cands) == {("de-1", "en-1"), ("de-2", "en-2")}
    # with texts: "Hallo" occurs twice on the source side, so it cannot be mapped to one id and is dropped
    x2 = np.array([[1, 0], [0, 1], [1, 0]], dtype=np.float32)
    cands = bucc_candidates(
        x2,
        y,
        ["de-1", "de-2", "de-3"],
        ["en-1", "en-2"],
        src_texts=["Hallo", "Welt", "Hallo "],
        tgt_texts=["Hello", "World"],
    )
    assert set(cands) == {("de-2", "en-2")}


def test_tatoeba_accuracy_by_hand():
    # src: s0 = (1,0), s1 = (0,1), s2 = (0.6,0.8); tgt: t0 = (0.9,0.1), t1 = (0.1,0.9), t2 = (0,1); gold s_i <-> t_i
    # normalised t0 = (0.9939, 0.1104), t1 = (0.1104, 0.9939)
    # query = src: s0 -> t0 (0.994) ok; s1 -> t2 (1.0 > 0.994) wrong; s2 -> t1 (0.861 > 0.8 > 0.685) wrong -> 1/3
    # query = tgt (official direction): t0 -> s0 ok; t1 -> s1 (0.994 > 0.861) ok; t2 -> s1 (1.0 > 0.8) wrong -> 2/3
    src = np.array([[1, 0], [0, 1], [0.6, 0.8]], dtype=np.float32)
    tgt = np.array([[0.9, 0.1], [0.1, 0.9], [0, 1]], dtype=np.float32)
    assert tatoeba_accuracy(src, tgt, [0, 1, 2], query_side="src") == pytest.approx(100 / 3)
    assert tatoeba_accuracy(src, tgt, [0, 1, 2]) == pytest.approx(200 / 3)
    assert tatoeba_accuracy(src, tgt, [0, 1, 2], backend="numpy") == pytest.approx(200 / 3)
    # a source without translation is not a query
    assert tatoeba_accuracy(src, tgt, [0, 1, None], query_side="src") == pytest.approx(50.0)
    with pytest.raises(ValueError, match="gold entries"):
        tatoeba_accuracy(src, tgt, [0, 1])


def test_map_at_20_by_hand():
    # q1: [a b c d], relevant {a, c}: hits at ranks 1 and 3 -> (1/1 + 2/3) / min(2, 20) = 0.8333
    # q2: [x y z],   relevant {z}:    hit at rank 3 -> (1/3) / 1 = 0.3333
    # q3: [p p q],   relevant {q, r}: repeated p counts once; q at rank 3 -> (1/3) / 2 = 0.1667
    # mAP = (0.8333 + 0.3333 + 0.1667) / 3 = 0.4444 -> 44.44 %
    rankings = [["a", "b", "c", "d"], ["x", "y", "z"], ["p", "p", "q"]]
    relevant = [{"a", "c"}, {"z"}, {"q", "r"}]
    assert mean_average_precision_at_k(rankings, relevant, k=20) == pytest.approx(100 * (5 / 6 + 1 / 3 + 1 / 6) / 3)
    assert average_precision_at_k(["a", "b", "c"], {"c"}, k=2) == 0.0
    # relevant item at rank 21 is outside the top 20
    assert average_precision_at_k([f"n{i}" for i in range(20)] + ["hit"], {"hit"}, k=20) == 0.0
    # divisor min(#relevant, k): 25 relevant items all in the top 20 -> 1.0
    items = [f"r{i}" for i in range(25)]
    assert average_precision_at_k(items, set(items), k=20) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="no relevant item"):
        mean_average_precision_at_k([["a"]], [set()])


def test_rank_candidates():
    q = np.array([[1, 0]], dtype=np.float32)
    c = np.array([[0, 1], [1, 0], [0.7, 0.7]], dtype=np.float32)
    assert rank_candidates(q, c, k=3, normalize=True)[0].tolist() == [1, 2, 0]


def test_retrieval_set_from_format():
    examples = [
        {"id": "s1", "side": "src", "text": "Hallo", "gold": "t2"},
        {"id": "s2", "side": "src", "text": "Nichts", "gold": None},
        {"id": "t1", "side": "tgt", "text": "World", "gold": None},
        {"id": "t2", "side": "tgt", "text": "Hello", "gold": None},
    ]
    rs = retrieval_set(examples)
    assert rs.src_ids == ["s1", "s2"] and rs.tgt_ids == ["t1", "t2"]
    assert rs.gold_pairs == {("s1", "t2")}
    assert rs.gold_index == [1, None]
    with pytest.raises(ValueError, match="not the id of a tgt line"):
        retrieval_set([{"id": "s1", "side": "src", "text": "x", "gold": "nope"}])


def _same_sets(got, expected):
    """Same neighbour set per row (order may differ at float-noise near-ties between summation orders)."""
    np.testing.assert_array_equal(np.sort(got[1], axis=1), np.sort(expected[1], axis=1))
    np.testing.assert_allclose(np.sort(got[0], axis=1), np.sort(expected[0], axis=1), atol=1e-5)


def _clustered(seed, n_x, n_y, dim=64, topics=20):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((topics, dim))
    x = centres[rng.integers(topics, size=n_x)] + 0.7 * rng.standard_normal((n_x, dim))
    y = centres[rng.integers(topics, size=n_y)] + 0.7 * rng.standard_normal((n_y, dim))
    return l2_normalize(x), l2_normalize(y)


@pytest.mark.parametrize(
    "n_x, n_y, k", [(700, 500, 4), (300, 900, 4), (1, 400, 4), (400, 1, 4), (60, 60, 60), (500, 40, 9)]
)
def test_bf16_screen_equals_numpy(n_x, n_y, k):
    pytest.importorskip("torch")
    x, y = _clustered(n_x + n_y, n_x, n_y)
    stats = {}
    fwd, bwd = retrieval._knn_both_bf16(x, y, min(k, n_y), min(k, n_x), x_block=128, y_block=96, stats=stats)
    ref_fwd, ref_bwd = knn_both(x, y, k, backend="numpy")
    _same_sets(fwd, ref_fwd)
    _same_sets(bwd, ref_bwd)
    assert fwd[1].dtype == np.int64 and fwd[0].dtype == np.float32
    assert (np.diff(fwd[0], axis=1) <= 1e-6).all() and (np.diff(bwd[0], axis=1) <= 1e-6).all()  # best first
    if min(n_x, n_y) > max(16, 2 * k):  # the screen really ran (else the float32 one pass does)
        assert stats["row_fallback"] < n_x and stats["col_fallback"] < n_y


def test_bf16_screen_bound_holds_and_fallback_stays_exact():
    torch = pytest.importorskip("torch")
    x, y = _clustered(7, 400, 300)
    # the approximate product is within the documented bound of the exact one, on every pair
    approx = torch.mm(torch.from_numpy(x).bfloat16(), torch.from_numpy(y).bfloat16().T).float().numpy()
    exact = x.astype(np.float64) @ y.astype(np.float64).T
    slack = 2 * 2.0**-8 * np.sqrt(x.shape[1])  # loose: twice the worst input rounding on unit vectors
    assert np.abs(approx - exact).max() < slack / 4
    # adversarial: whole blocks of duplicated vectors and near-duplicates closer than the bound -> no row can be
    # certified from 16 candidates, and the float32 fallback must still give the exact (lowest index) answer
    rng = np.random.default_rng(8)
    base = l2_normalize(rng.standard_normal((6, 32)))
    x = l2_normalize(np.repeat(base, 60, axis=0) + 1e-4 * rng.standard_normal((360, 32)))
    y = l2_normalize(np.repeat(base, 50, axis=0) + 1e-4 * rng.standard_normal((300, 32)))
    y[:40] = y[0]  # exact duplicates: exact ties
    stats = {}
    fwd, bwd = retrieval._knn_both_bf16(x, y, 4, 4, x_block=64, y_block=64, stats=stats)
    assert stats["row_fallback"] > 300 and stats["col_fallback"] > 250
    _assert_same_neighbours(fwd, _top_k_by_rule(x, y, 4))
    _assert_same_neighbours(bwd, _top_k_by_rule(y, x, 4))
    assert set(fwd[1][0]) <= set(range(40)) and list(fwd[1][0]) == sorted(fwd[1][0])  # ties: lowest indices


def test_bf16_backend_mines_the_numpy_pairs():
    pytest.importorskip("torch")
    x, y = _clustered(3, 1500, 1400, dim=48, topics=30)
    reference = mine_bitext_numpy(x, y)
    for mined in (mine_bitext(x, y, backend="bf16"), mine_bitext(x, y, backend="faiss")):
        np.testing.assert_array_equal(mined.src, reference.src)
        np.testing.assert_array_equal(mined.tgt, reference.tgt)
        np.testing.assert_array_equal(mined.score, reference.score)
    # on a CPU without bf16 dot products the backend is the float32 one pass; forced here
    original = retrieval.fast_bf16_matmul
    retrieval.fast_bf16_matmul = lambda: False
    try:
        stats = {}
        assert knn_both(x[:50], y[:60], 4, backend="bf16", stats=stats)[0][1].shape == (50, 4) and not stats
    finally:
        retrieval.fast_bf16_matmul = original


@pytest.mark.parametrize("backend", ["bf16", "numpy"])
def test_bucc_candidates_are_the_same_with_every_mining_backend(backend):
    """The `retrieval.mining` setting of a preset changes the search, never the candidates a BUCC job scores."""
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((20, 48)).astype(np.float32)
    src = centres[rng.integers(20, size=400)] + 0.5 * rng.standard_normal((400, 48)).astype(np.float32)
    distractors = centres[rng.integers(20, size=250)] + 0.5 * rng.standard_normal((250, 48)).astype(np.float32)
    tgt = np.concatenate([src[:150] + 0.3 * rng.standard_normal((150, 48)).astype(np.float32), distractors])
    src_ids, tgt_ids = [f"s{i}" for i in range(400)], [f"t{i}" for i in range(400)]
    reference = retrieval.bucc_candidates(src, tgt, src_ids, tgt_ids, k=4, backend="faiss")
    assert len(reference) > 150
    assert retrieval.bucc_candidates(src, tgt, src_ids, tgt_ids, k=4, backend=backend) == reference
