"""Sentence retrieval: k-NN search, BUCC-style margin mining, Tatoeba accuracy and mAP@k.

Behaviour follows XTREME's ``third_party/utils_retrieve.py`` (adapted unchanged in jiant's ``bucc2018.py``):

* Vectors are L2-normalised float32; similarity is the inner product (cosine), searched exactly: one direction
  (:func:`knn`) with ``faiss.IndexFlatIP``, both directions at once (:func:`knn_both`, used by mining) with one pass
  over ``x @ y.T`` (numpy sgemm tiles, each feeding faiss's C++ top-k heaps of its rows and of its columns: half the
  products of two searches). ``backend="numpy"`` gives a brute-force path with the same interface (dense float32
  matrix product + sort) that yields the same neighbours, used as a reference and in benchmarks.
* ``knn_both(..., backend="bf16")`` (opt-in; ``mine_bitext(backend="bf16")``) computes ``x @ y.T`` once in
  bfloat16 (torch, fast on CPUs with AMX or AVX512-BF16), keeps the 24 best approximate candidates of every row and
  column, re-scores them in float32 and certifies with a rigorous rounding bound that they contain the float32
  top-k; rows and columns that cannot be certified are searched again exactly in float32. The result is the
  float32 top-k (the re-scoring sums in another order than sgemm, so only near-ties within ~1e-7 can be listed in
  another order, as between any two BLAS calls). Without fast bf16 instructions it runs the float32 one pass.
* Neighbour order: decreasing similarity, then increasing index (numpy and :func:`knn_both`). At an exact tie on
  the k-th place :func:`knn_both`'s faiss path keeps the lowest index; ``faiss.IndexFlatIP`` and the numpy
  reference's ``argpartition`` keep an unspecified one, so only such boundary ties can make the paths differ.
* Mining (``mode='mine'``, ``retrieval='max'``, ``margin='ratio'``, k = 4): the k nearest neighbours are searched in
  both directions (k capped at the size of the other side). For a candidate (x, y) the ratio margin is
  ``cos(x, y) / ((mean_knn_sim(x) + mean_knn_sim(y)) / 2)``. Each source keeps its best-scoring forward candidate,
  each target its best backward candidate; the two lists are pooled and walked by decreasing score, keeping a pair
  only if neither side was taken before (a side is marked taken even when the pair falls below the threshold), and
  the pair is output when its score is above ``threshold`` (0 by default, i.e. all of them). The mean k-NN
  similarities are recomputed from the neighbour indices, taken in index order (not read from the search result),
  so all backends give bit-identical scores and pairs whenever they find the same neighbour sets; among candidates
  of equal score the lower index wins, and ties in the greedy walk keep input order.
* BUCC threshold (``bucc_optimize``): candidates sorted by decreasing score; after each prefix compute P/R/F1 against
  the gold pairs; at each strict improvement of F1 the threshold becomes the midpoint between this candidate's score
  and the next one's (no improvement at all leaves 0). Extraction keeps candidates with score >= threshold. The
  official code indexes past the end when the best prefix is the whole list; here the last score is used instead.
  XTREME tunes the threshold on BUCC dev and applies it to test (:func:`bucc_evaluate`).
* Tatoeba: nearest neighbour on normalised vectors. The official code (XTREME ``similarity_search`` and jiant's copy)
  indexes the non-English sentences and queries with the English ones, so by default the English (``tgt``) side is
  the query side; ``query_side="src"`` queries with the non-English side instead.
* mAP@k (LAReQA, Mewsli-X in XTREME-R, ``average_precision_at_k``): for each query, the sum over relevant items in
  the top k of precision at that rank, divided by ``min(#relevant, k)``; repeated items count once.

All scores returned to callers are percentages.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

BACKENDS = ("faiss", "numpy")
MINING_BACKENDS = BACKENDS + ("bf16",)  # knn_both / mine_bitext also take the certified bfloat16 screen
MARGINS = ("ratio", "distance", "absolute")
RETRIEVAL_MODES = ("max", "fwd", "bwd", "intersect")


# ---------------------------------------------------------------------------------------------------------------
# vectors and k-NN


def _as_matrix(x, name: str) -> np.ndarray:
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    if arr.ndim != 2:
        raise ValueError(f"{name}: expected a 2-D array of vectors, got shape {arr.shape}")
    return arr


def l2_normalize(x) -> np.ndarray:
    """A float32 copy with unit-length rows (all-zero rows stay zero). The input is not modified."""
    arr = _as_matrix(x, "l2_normalize").copy()
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    np.divide(arr, norms, out=arr, where=norms > 0)
    return arr


def _search_inputs(x, y, k: int, caller: str) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as float32 matrices of one dimension, with ``k`` checked (the searches' shared checks)."""
    x = _as_matrix(x, f"{caller} x")
    y = _as_matrix(y, f"{caller} y")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"{caller}: dimension mismatch, x has {x.shape[1]} and y has {y.shape[1]}")
    if k < 1:
        raise ValueError(f"{caller}: k must be >= 1, got {k}")
    return x, y


def knn(x, y, k: int, backend: str = "faiss") -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``x`` the ``min(k, len(y))`` rows of ``y`` with the largest inner product, best first.

    Returns ``(sims, inds)`` of shape (len(x), k'), float32 and int64. No normalisation is applied here; pass
    normalised vectors for cosine similarity.
    """
    x, y = _search_inputs(x, y, k, "knn")
    if len(y) == 0:
        raise ValueError("knn: the database y is empty")
    k = min(k, len(y))
    if backend == "faiss":
        import faiss

        index = faiss.IndexFlatIP(x.shape[1])
        index.add(y)
        sims, inds = index.search(x, k)
        return sims.astype(np.float32, copy=False), inds.astype(np.int64, copy=False)
    if backend == "numpy":
        return _knn_numpy(x, y, k)
    raise ValueError(f"knn: unknown backend {backend!r}; use one of {BACKENDS}")


def _knn_numpy(x: np.ndarray, y: np.ndarray, k: int, chunk: int = 2048) -> tuple[np.ndarray, np.ndarray]:
    sims_out = np.empty((len(x), k), dtype=np.float32)
    inds_out = np.empty((len(x), k), dtype=np.int64)
    for start in range(0, len(x), chunk):
        block = x[start : start + chunk] @ y.T  # float32, (b, len(y))
        if k < block.shape[1]:
            part = np.argpartition(-block, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(block.shape[1]), (len(block), block.shape[1]))
        part_sims = np.take_along_axis(block, part, axis=1)
        order = np.lexsort((part, -part_sims), axis=1)  # by decreasing sim, then increasing index
        inds_out[start : start + chunk] = np.take_along_axis(part, order, axis=1)
        sims_out[start : start + chunk] = np.take_along_axis(part_sims, order, axis=1)
    return sims_out, inds_out


def _sort_neighbours(sims: np.ndarray, inds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row by decreasing similarity, equal similarities by increasing index (the order ``_knn_numpy`` gives)."""
    order = np.lexsort((inds, -sims), axis=1)
    return np.take_along_axis(sims, order, axis=1), np.take_along_axis(inds, order, axis=1)


def _top_k_heaps(n: int, k: int):
    """faiss's C++ min-heaps keeping the ``k`` largest values of each of ``n`` rows, with numpy arrays behind them.

    A value enters a heap only when it is strictly larger than the heap's smallest, and among equal values the
    smallest id is evicted first. Offered in decreasing id order, a heap therefore keeps the k largest
    (value, id) pairs: among equal values, the largest id.
    """
    import faiss

    sims = np.empty((n, k), dtype=np.float32)
    ids = np.empty((n, k), dtype=np.int64)
    heaps = faiss.float_minheap_array_t()
    heaps.nh, heaps.k = n, k
    heaps.val, heaps.ids = faiss.swig_ptr(sims), faiss.swig_ptr(ids)
    heaps.heapify()
    return heaps, sims, ids


def _knn_both_one_pass(x: np.ndarray, y: np.ndarray, kx: int, ky: int, x_block: int = 1024, y_block: int = 8192):
    """Forward (``kx`` per row of x) and backward (``ky`` per row of y) k-NN from one pass over ``x @ y.T``.

    The product is computed tile by tile (numpy sgemm into one reused buffer); every tile feeds both directions:
    its rows go into the forward heaps in one call, and each of its rows is offered to the backward heaps of all
    its columns (one value per heap), which avoids transposing the tile. Rows and columns are offered in increasing
    index order under the id ``-index - 1``, so among equal similarities at the k-th place the heaps keep the lowest
    index (see :func:`_top_k_heaps`). Inputs are assumed finite.
    """
    import faiss

    fwd, fwd_sims, fwd_ids = _top_k_heaps(len(x), kx)
    bwd, bwd_sims, bwd_ids = _top_k_heaps(len(y), ky)
    x_ids = -np.arange(len(x), dtype=np.int64) - 1
    y_ids = -np.arange(len(y), dtype=np.int64) - 1
    tile = np.empty(min(x_block, len(x)) * min(y_block, len(y)), dtype=np.float32)
    for y0 in range(0, len(y), y_block):
        y_part = y[y0 : y0 + y_block]
        for x0 in range(0, len(x), x_block):
            x_part = x[x0 : x0 + x_block]
            out = tile[: len(x_part) * len(y_part)].reshape(len(x_part), len(y_part))
            np.matmul(x_part, y_part.T, out=out)
            # forward: every row of the tile shares the ids of y_part (id stride 0)
            fwd.addn_with_ids(len(y_part), faiss.swig_ptr(out), faiss.swig_ptr(y_ids[y0:]), 0, x0, len(x_part))
            # backward: row i of the tile gives one value, with the id of x row x0 + i, to each heap from y0 on
            row_address, id_address = out.ctypes.data, x_ids[x0:].ctypes.data
            for i in range(len(x_part)):
                bwd.addn_with_ids(
                    1,
                    faiss.cast_integer_to_float_ptr(row_address + i * out.strides[0]),
                    faiss.cast_integer_to_idx_t_ptr(id_address + i * 8),
                    0,
                    y0,
                    len(y_part),
                )
    return _sort_neighbours(fwd_sims, -fwd_ids - 1), _sort_neighbours(bwd_sims, -bwd_ids - 1)


# The bf16 screen (``knn_both(..., backend="bf16")``). bfloat16 keeps 8 significant bits: unit roundoff 2^-8.
_BF16_U = 2.0**-8
_FP32_U = 2.0**-24
_GROUP = 32  # rows of a tile summarised by one maximum per column before any element is looked at


def fast_bf16_matmul() -> bool:
    """Whether torch is installed and this CPU has bfloat16 dot-product instructions (AMX or AVX512-BF16).

    Without them a bf16 matrix product is emulated and slower than float32, so ``backend="bf16"`` falls back to
    the float32 one pass."""
    try:
        import torch
    except ImportError:
        return False
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def _bf16_bits(values) -> np.ndarray:
    """The bit patterns of a torch bfloat16 tensor as int16 (no copy). For values >= 0 they order like the values,
    and every negative value has a negative pattern: compared with a pattern >= 0 they behave as the values do."""
    import torch

    return values.view(torch.int16).numpy()


def _bits_to_float(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bit patterns (int16) -> their float64 values (bf16 is the upper half of a float32)."""
    return (bits.astype(np.int32) << 16).view(np.float32).astype(np.float64)


def _top_k_exact(a: np.ndarray, b: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact float32 top-k of ``a[rows]`` against all of ``b``, lowest index first among equal similarities (also
    at the k-th place): everything >= the k-th largest value is ordered by (-sim, index)."""
    sims_out = np.empty((len(rows), k), dtype=np.float32)
    inds_out = np.empty((len(rows), k), dtype=np.int64)
    for start in range(0, len(rows), 1024):
        block = a[rows[start : start + 1024]] @ b.T
        kth = -np.partition(-block, k - 1, axis=1)[:, k - 1]
        r, c = np.nonzero(block >= kth[:, None])
        v = block[r, c]
        order = np.lexsort((c, -v, r))
        counts = np.bincount(r, minlength=len(block))
        first = (np.cumsum(counts) - counts)[:, None] + np.arange(k)
        inds_out[start : start + len(block)] = c[order][first]
        sims_out[start : start + len(block)] = v[order][first]
    return sims_out, inds_out


class _Screen:
    """Per query row: the ``width`` largest approximate similarities offered so far (bf16 bit patterns, descending;
    -1 and id -1 for an empty slot) and ``floor``: max(the smallest of them, 0). Invariant: every value of the row
    not in its list is <= ``floor``, which lets a tile offer only the values above it."""

    def __init__(self, n: int, width: int):
        self.bits = np.full((n, width), -1, dtype=np.int16)
        self.ids = np.full((n, width), -1, dtype=np.int64)
        self.floor = np.zeros(n, dtype=np.int16)

    def prime(self, start: int, kth_best: np.ndarray):
        """First tile of rows ``start...``, whose lists are still empty: offer only the values >= the width-th
        largest of that tile (``kth_best``), at least ``width`` of them, instead of all."""
        self.floor[start : start + len(kth_best)] = np.maximum(kth_best, 1) - 1

    def offer(self, rows: np.ndarray, ids: np.ndarray, bits: np.ndarray):
        """Merge values (any number per row, each offered at most once) into the lists of ``rows``."""
        if len(rows) == 0:
            return
        width = self.bits.shape[1]
        touched, slot = np.unique(rows, return_inverse=True)
        owner = np.concatenate([np.repeat(np.arange(len(touched)), width), slot])
        all_bits = np.concatenate([self.bits[touched].ravel(), bits])
        all_ids = np.concatenate([self.ids[touched].ravel(), ids])
        # one sort: by row, then by decreasing value; each row has >= width entries, keep its first width
        order = np.argsort((owner.astype(np.int64) << 17) | (32767 - all_bits.astype(np.int64)), kind="stable")
        counts = np.bincount(owner, minlength=len(touched))
        keep = order[((np.cumsum(counts) - counts)[:, None] + np.arange(width)).ravel()]
        self.bits[touched] = all_bits[keep].reshape(-1, width)
        self.ids[touched] = all_ids[keep].reshape(-1, width)
        self.floor[touched] = np.maximum(self.bits[touched, -1], 0)


def _screen_tile(tile, x0: int, y0: int, rows: _Screen, cols: _Screen, first_rows: bool, first_cols: bool):
    """Feed one bf16 tile of ``x @ y.T`` (rows from x0, columns from y0) to the row and column screens.

    Only values above a list's floor can enter it: for each column and each group of ``_GROUP`` rows the maximum
    is compared with the lower of the column's floor and the group's lowest row floor, and only groups above it are
    looked at element by element. With floors >= 0 the int16 bit patterns compare like the values (see
    :func:`_bf16_bits`). On a block's first tile the floors are primed from the tile itself (rows: the exact
    width-th largest value; columns: the width-th largest group maximum, which at least ``width`` values reach)."""
    bits = _bf16_bits(tile)
    n_rows, n_cols = bits.shape
    grouped = n_rows - n_rows % _GROUP
    group_max = bits[:grouped].reshape(-1, _GROUP, n_cols).max(axis=1)
    if first_rows:
        width = rows.bits.shape[1]
        rows.prime(x0, np.partition(bits, n_cols - width, axis=1)[:, n_cols - width])
    if first_cols:
        width = cols.bits.shape[1]
        if len(group_max) >= width:  # else the floors stay 0 for this tile: every positive value is offered
            cols.prime(y0, np.partition(group_max, len(group_max) - width, axis=0)[len(group_max) - width])
    row_floor = rows.floor[x0 : x0 + n_rows]
    col_floor = cols.floor[y0 : y0 + n_cols]
    # candidate (row, column) positions: whole groups whose maximum passes, plus the ungrouped last rows
    limit = np.minimum(col_floor[None, :], row_floor[:grouped].reshape(-1, _GROUP).min(axis=1)[:, None])
    g, c = np.nonzero(group_max > limit)
    values = bits[:grouped].reshape(-1, _GROUP, n_cols)[g, :, c]  # (groups passing, _GROUP)
    group_rows = g[:, None] * _GROUP + np.arange(_GROUP)
    tail_r, tail_c = np.nonzero(bits[grouped:] > np.minimum(row_floor[grouped:, None], col_floor[None, :]))
    tail_r += grouped
    tail_v = bits[tail_r, tail_c]
    p, lane = np.nonzero(values > row_floor[group_rows])
    up = tail_v > row_floor[tail_r]
    rows.offer(
        np.concatenate([group_rows[p, lane], tail_r[up]]) + x0,
        np.concatenate([c[p], tail_c[up]]) + y0,
        np.concatenate([values[p, lane], tail_v[up]]),
    )
    p, lane = np.nonzero(values > col_floor[c][:, None])
    up = tail_v > col_floor[tail_c]
    cols.offer(
        np.concatenate([c[p], tail_c[up]]) + y0,
        np.concatenate([group_rows[p, lane], tail_r[up]]) + x0,
        np.concatenate([values[p, lane], tail_v[up]]),
    )


def _certify(a: np.ndarray, b: np.ndarray, screen: _Screen, k: int, slack: np.ndarray):
    """Exact top-k of each row of ``a`` among its screened candidates, and whether that is the top-k over all of
    ``b``. ``slack[i]`` bounds ``|exact - approximate|`` beyond the bf16 rounding of the product (see
    :func:`_knn_both_bf16`). Every candidate is re-scored in float32; any other column c has an approximate value
    <= floor, so before the final rounding to bf16 (relative error < 2^-7 even if truncated) at most
    floor / (1 - 2^-7), and its float32 similarity is at most ``bound = floor / (1 - 2^-7) + slack``. The candidates'
    top k are the true top k when the k-th of them is strictly above ``bound``: then nothing outside is as large,
    not even tied."""
    sims = _neighbour_sims(a, b, np.maximum(screen.ids, 0))
    sims[screen.ids < 0] = -np.inf  # empty slot: never certified
    order = np.lexsort((screen.ids, -sims), axis=1)[:, :k]  # decreasing similarity, then increasing index
    top_sims = np.take_along_axis(sims, order, axis=1)
    top_ids = np.take_along_axis(screen.ids, order, axis=1)
    bound = _bits_to_float(screen.floor) / (1 - 2 * _BF16_U) + slack
    return top_sims, top_ids, top_sims[:, -1].astype(np.float64) > bound * (1 + 1e-9)


def _knn_both_bf16(
    x: np.ndarray,
    y: np.ndarray,
    kx: int,
    ky: int,
    width: int = 24,
    x_block: int = 4096,
    y_block: int = 8192,
    stats: dict | None = None,
):
    """Exact forward / backward k-NN (as :func:`_knn_both_one_pass`), screened with one bfloat16 product.

    ``x @ y.T`` is computed once in bf16 (torch; products of bf16 values are exact in float32 and summed in
    float32, then rounded to bf16), tile by tile; each row and each column keeps its ``width`` largest approximate
    values (:class:`_Screen`). Those candidates are re-scored in float32 and certified (:func:`_certify`); rows and
    columns that fail are searched again exactly in float32 against the whole other side, so the result is always
    the float32 top-k. ``stats`` (if given) receives the fallback counts and CPU seconds of the phases.

    Error bound, per pair (i, j), with x^, y^ the bf16 roundings and dx = x - x^, dy = y - y^:
    ``x.y - x^.y^ = dx.y + x^.dy``, so by Cauchy-Schwarz ``|x.y - x^.y^| <= |dx_i| |y_j| + |x^_i| |dy_j|``; a float32
    sum of d exact products, in any order, is off by at most ``g |x^_i| |y^_j|`` with g = d u / (1 - d u) (u = 2^-24,
    taken twice here, as is the float32 re-scoring's own error against x.y); plus (d + 1) 2^-126 for products and
    sums flushed to zero. The norms of the other side are replaced by their maxima, giving one slack per row.
    The float32 accumulation is what the bf16 dot-product instructions (AVX512-BF16, AMX) and oneDNN's kernels do;
    the factor 2 on g and the truncation allowance on the output rounding keep the bound safe for other orders.
    """
    import torch

    kx_wide, ky_wide = max(width, 2 * kx), max(width, 2 * ky)
    x_block, y_block = max(x_block, ky_wide), max(y_block, kx_wide)  # a first tile must prime the floors
    counts = {
        "rows": len(x),
        "cols": len(y),
        "row_fallback": 0,
        "col_fallback": 0,
        "screen_s": 0.0,
        "row_fallback_s": 0.0,
        "col_fallback_s": 0.0,
    }
    if kx_wide >= len(y) or ky_wide >= len(x) or x.shape[1] == 0:  # the screen would keep (almost) everything
        counts.update(row_fallback=len(x), col_fallback=len(y))
        if stats is not None:
            stats.update(counts)
        return _knn_both_one_pass(x, y, kx, ky)
    xb, yb = torch.from_numpy(x).to(torch.bfloat16), torch.from_numpy(y).to(torch.bfloat16)

    def norms(v, vb):
        v_hat = vb.float().numpy()
        # v - v^ is exact in float32 (Sterbenz: v^ is within a factor 2 of v); the norms are taken in float64
        # and inflated by far more than their rounding error
        grow = 1 + 1e-12
        return (
            np.linalg.norm(v.astype(np.float64), axis=1) * grow,
            np.linalg.norm(v_hat.astype(np.float64), axis=1) * grow,
            np.linalg.norm((v - v_hat).astype(np.float64), axis=1) * grow,
        )

    nx, nx_hat, ndx = norms(x, xb)
    ny, ny_hat, ndy = norms(y, yb)
    d = x.shape[1]
    g = 2 * d * _FP32_U / (1 - 2 * d * _FP32_U)
    tiny = (d + 1) * 2.0**-126 * (1 + nx_hat.max()) * (1 + ny_hat.max())  # flushed subnormals
    row_slack = ndx * ny.max() + nx_hat * ndy.max() + g * nx_hat * ny_hat.max() + g * nx * ny.max() + tiny
    col_slack = ndy * nx.max() + ny_hat * ndx.max() + g * ny_hat * nx_hat.max() + g * ny * nx.max() + tiny

    rows, cols = _Screen(len(x), kx_wide), _Screen(len(y), ky_wide)
    start = time.process_time()
    for y0 in range(0, len(y), y_block):
        y_part = yb[y0 : y0 + y_block].T
        for x0 in range(0, len(x), x_block):
            tile = torch.mm(xb[x0 : x0 + x_block], y_part)
            _screen_tile(tile, x0, y0, rows, cols, first_rows=y0 == 0, first_cols=x0 == 0)
    del xb, yb

    counts["screen_s"] = time.process_time() - start
    results = []
    for a, b, screen, k, slack, name in ((x, y, rows, kx, row_slack, "row"), (y, x, cols, ky, col_slack, "col")):
        sims, inds, certified = _certify(a, b, screen, k, slack)
        redo = np.flatnonzero(~certified)
        start = time.process_time()
        if len(redo):
            sims[redo], inds[redo] = _top_k_exact(a, b, redo, k)
        counts[f"{name}_fallback"] = len(redo)
        counts[f"{name}_fallback_s"] = time.process_time() - start
        results.append((sims, inds))
    if stats is not None:
        stats.update(counts)
    return results[0], results[1]


def knn_both(x, y, k: int, backend: str = "faiss", stats: dict | None = None):
    """k-NN in both directions: ``((sims, inds) of x in y, (sims, inds) of y in x)``, as :func:`knn` would give them.

    ``backend="faiss"`` computes ``x @ y.T`` once and takes both directions from it (half the work of two
    searches); ``"bf16"`` screens with one bfloat16 product and certifies the result (:func:`_knn_both_bf16`; same
    neighbours, and the float32 one pass where :func:`fast_bf16_matmul` is false); ``"numpy"`` runs the brute-force
    reference twice. Neighbours are sorted by decreasing similarity, equal similarities by increasing index; k is
    capped at the size of the other side. ``stats``, if given, receives the ``bf16`` backend's fallback counts.
    """
    x, y = _search_inputs(x, y, k, "knn_both")
    if len(x) == 0 or len(y) == 0:
        raise ValueError(f"knn_both: empty input ({len(x)} x rows, {len(y)} y rows)")
    if backend == "faiss":
        return _knn_both_one_pass(x, y, min(k, len(y)), min(k, len(x)))
    if backend == "bf16":
        if fast_bf16_matmul():
            return _knn_both_bf16(x, y, min(k, len(y)), min(k, len(x)), stats=stats)
        return _knn_both_one_pass(x, y, min(k, len(y)), min(k, len(x)))
    if backend == "numpy":
        return knn(x, y, k, "numpy"), knn(y, x, k, "numpy")
    raise ValueError(f"knn_both: unknown backend {backend!r}; use one of {MINING_BACKENDS}")


# ---------------------------------------------------------------------------------------------------------------
# margin-based bitext mining


@dataclass(frozen=True)
class MinedPairs:
    """Mined pairs as row indices into the (deduplicated) source and target matrices, in output order."""

    src: np.ndarray
    tgt: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return len(self.src)

    def as_list(self) -> list[tuple[int, int, float]]:
        return [(int(s), int(t), float(v)) for s, t, v in zip(self.src, self.tgt, self.score)]


def _margin(name: str):
    if name == "ratio":
        return lambda sim, mean: sim / mean
    if name == "distance":
        return lambda sim, mean: sim - mean
    if name == "absolute":
        return lambda sim, mean: sim
    raise ValueError(f"unknown margin {name!r}; use one of {MARGINS}")


def _neighbour_sims(a: np.ndarray, b: np.ndarray, cand: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """a_i . b_c for each candidate c of each row i (float32)."""
    out = np.empty(cand.shape, dtype=np.float32)
    for start in range(0, len(a), chunk):
        out[start : start + chunk] = np.einsum("nd,nkd->nk", a[start : start + chunk], b[cand[start : start + chunk]])
    return out


def _score_candidates(
    a: np.ndarray, b: np.ndarray, cand: np.ndarray, a_mean: np.ndarray, b_mean: np.ndarray, margin, chunk: int = 4096
) -> np.ndarray:
    """margin(a_i . b_c, (a_mean_i + b_mean_c) / 2) for each candidate c of each row i."""
    cos = _neighbour_sims(a, b, cand, chunk)
    denom = (a_mean[:, None] + b_mean[cand]) / 2
    return margin(cos, denom).astype(np.float64)


def mine_bitext(
    x,
    y,
    k: int = 4,
    margin: str = "ratio",
    retrieval: str = "max",
    threshold: float = 0.0,
    backend: str = "faiss",
    normalize: bool = True,
) -> MinedPairs:
    """Margin-based mining between source vectors ``x`` and target vectors ``y`` (see the module docstring).

    ``retrieval``: ``max`` (official BUCC setting: pooled forward/backward best candidates, greedy 1-to-1),
    ``fwd``, ``bwd`` or ``intersect``. Pairs are returned in the order they are produced (for ``max``: by
    decreasing score).
    """
    if retrieval not in RETRIEVAL_MODES:
        raise ValueError(f"unknown retrieval mode {retrieval!r}; use one of {RETRIEVAL_MODES}")
    margin_fn = _margin(margin)
    x = l2_normalize(x) if normalize else _as_matrix(x, "mine_bitext x")
    y = l2_normalize(y) if normalize else _as_matrix(y, "mine_bitext y")
    if len(x) == 0 or len(y) == 0:
        empty = np.empty(0, dtype=np.int64)
        return MinedPairs(empty, empty.copy(), np.empty(0, dtype=np.float64))

    (_, x2y_ind), (_, y2x_ind) = knn_both(x, y, k, backend)
    # The neighbourhood means are recomputed from the neighbour indices with one numpy routine instead of being
    # taken from the search backend's similarities (which differ between BLAS calls by ~1e-7), and each neighbour
    # list is put in index order first, so that two near-equal neighbours listed in the other order cannot change
    # the float sum. Same neighbour sets therefore give bit-identical scores, pairs and order on every backend.
    x2y_ind = np.sort(x2y_ind, axis=1)
    y2x_ind = np.sort(y2x_ind, axis=1)
    x2y_mean = _neighbour_sims(x, y, x2y_ind).mean(axis=1)
    y2x_mean = _neighbour_sims(y, x, y2x_ind).mean(axis=1)

    fwd_scores = _score_candidates(x, y, x2y_ind, x2y_mean, y2x_mean, margin_fn)
    bwd_scores = _score_candidates(y, x, y2x_ind, y2x_mean, x2y_mean, margin_fn)
    fwd_best = x2y_ind[np.arange(len(x)), fwd_scores.argmax(axis=1)]
    bwd_best = y2x_ind[np.arange(len(y)), bwd_scores.argmax(axis=1)]
    fwd_max = fwd_scores.max(axis=1)
    bwd_max = bwd_scores.max(axis=1)

    if retrieval == "fwd":
        return MinedPairs(np.arange(len(x)), fwd_best.copy(), fwd_max)
    if retrieval == "bwd":
        return MinedPairs(bwd_best.copy(), np.arange(len(y)), bwd_max)
    if retrieval == "intersect":
        keep = bwd_best[fwd_best] == np.arange(len(x))
        return MinedPairs(np.arange(len(x))[keep], fwd_best[keep], fwd_max[keep])

    src_all = np.concatenate([np.arange(len(x)), bwd_best])
    tgt_all = np.concatenate([fwd_best, np.arange(len(y))])
    scores = np.concatenate([fwd_max, bwd_max])
    order = np.argsort(-scores, kind="stable")
    seen_src: set[int] = set()
    seen_tgt: set[int] = set()
    out_src, out_tgt, out_score = [], [], []
    for i in order:
        s, t = int(src_all[i]), int(tgt_all[i])
        if s in seen_src or t in seen_tgt:
            continue
        seen_src.add(s)
        seen_tgt.add(t)
        if scores[i] > threshold:
            out_src.append(s)
            out_tgt.append(t)
            out_score.append(float(scores[i]))
    return MinedPairs(
        np.asarray(out_src, dtype=np.int64),
        np.asarray(out_tgt, dtype=np.int64),
        np.asarray(out_score, dtype=np.float64),
    )


def mine_bitext_numpy(
    x, y, k: int = 4, margin: str = "ratio", retrieval: str = "max", threshold: float = 0.0
) -> MinedPairs:
    """Brute-force numpy reference for :func:`mine_bitext` (no faiss)."""
    return mine_bitext(x, y, k=k, margin=margin, retrieval=retrieval, threshold=threshold, backend="numpy")


def _unify(texts: Sequence[str]) -> tuple[list[int], list[int], list[str]]:
    """Official text unification: row -> unique id (first-seen order), and for each unique id the LAST row holding
    it (``unique_embeddings`` keeps the last occurrence's vector), plus the unique texts."""
    ids: dict[str, int] = {}
    row_to_unique = [ids.setdefault(t, len(ids)) for t in texts]
    last_row = [0] * len(ids)
    for row, u in enumerate(row_to_unique):
        last_row[u] = row
    return row_to_unique, last_row, list(ids)


def bucc_candidates(
    src_vecs,
    tgt_vecs,
    src_ids: Sequence[Hashable],
    tgt_ids: Sequence[Hashable],
    src_texts: Sequence[str] | None = None,
    tgt_texts: Sequence[str] | None = None,
    k: int = 4,
    backend: str = "faiss",
) -> dict[tuple, float]:
    """Mine (``max`` / ratio margin) and return ``{(src_id, tgt_id): score}``, as XTREME's candidate files.

    With texts, the official text handling is reproduced: identical sentences (after ``strip``) are mined once, and
    a sentence that occurs more than once on its side cannot be mapped back to one id, so its pairs are dropped.
    Without texts every row is its own sentence. Duplicate (src_id, tgt_id) keys keep the highest score.
    """
    src_vecs = _as_matrix(src_vecs, "bucc_candidates src_vecs")
    tgt_vecs = _as_matrix(tgt_vecs, "bucc_candidates tgt_vecs")
    if len(src_ids) != len(src_vecs) or len(tgt_ids) != len(tgt_vecs):
        raise ValueError(
            f"bucc_candidates: {len(src_ids)} src ids for {len(src_vecs)} vectors, "
            f"{len(tgt_ids)} tgt ids for {len(tgt_vecs)} vectors"
        )

    def side(vecs, ids, texts, name):
        if texts is None:
            return vecs, list(ids)
        if len(texts) != len(vecs):
            raise ValueError(f"bucc_candidates: {len(texts)} {name} texts for {len(vecs)} vectors")
        stripped = [t.strip() for t in texts]
        row_to_unique, last_row, uniques = _unify(stripped)
        counts: dict[int, int] = {}
        for u in row_to_unique:
            counts[u] = counts.get(u, 0) + 1
        unique_ids: list = [None] * len(uniques)
        for row, u in enumerate(row_to_unique):
            if counts[u] == 1:
                unique_ids[u] = ids[row]
        return vecs[last_row], unique_ids

    x, x_ids = side(src_vecs, src_ids, src_texts, "src")
    y, y_ids = side(tgt_vecs, tgt_ids, tgt_texts, "tgt")
    mined = mine_bitext(x, y, k=k, backend=backend)
    cands: dict[tuple, float] = {}
    for s, t, score in mined.as_list():
        sid, tid = x_ids[s], y_ids[t]
        if sid is None or tid is None:
            continue
        key = (sid, tid)
        cands[key] = max(score, cands.get(key, score))
    return cands


def bucc_optimal_threshold(candidates: Mapping[tuple, float], gold_pairs: Iterable[tuple]) -> float:
    """The score threshold that maximises F1 of ``{c : score(c) >= threshold}`` against ``gold_pairs``."""
    gold = set(map(tuple, gold_pairs))
    items = sorted(candidates.items(), key=lambda kv: -kv[1])
    n_gold = len(gold)
    n_extract = n_correct = 0
    threshold = 0.0
    best_f1 = 0.0
    for i, (pair, score) in enumerate(items):
        n_extract += 1
        if tuple(pair) in gold:
            n_correct += 1
        if n_correct > 0:
            precision = n_correct / n_extract
            recall = n_correct / n_gold
            f1 = 2 * precision * recall / (precision + recall)
            if f1 > best_f1:
                best_f1 = f1
                threshold = (score + items[i + 1][1]) / 2 if i + 1 < len(items) else float(score)
    return float(threshold)


def bucc_scores(candidates: Mapping[tuple, float], gold_pairs: Iterable[tuple], threshold: float) -> dict:
    """Precision / recall / F1 (percent) of the candidates with score >= ``threshold``; also the threshold and
    the number extracted. All three are 0 when no extracted pair is gold."""
    gold = set(map(tuple, gold_pairs))
    extracted = {tuple(pair) for pair, score in candidates.items() if score >= threshold}
    n_correct = len(gold & extracted)
    if n_correct > 0:
        precision = n_correct / len(extracted)
        recall = n_correct / len(gold)
        f1 = 2 * precision * recall / (precision + recall)
    else:
        precision = recall = f1 = 0.0
    return {
        "precision": 100.0 * precision,
        "recall": 100.0 * recall,
        "f1": 100.0 * f1,
        "threshold": float(threshold),
        "n_extracted": len(extracted),
    }


def bucc_evaluate(
    dev_candidates: Mapping[tuple, float],
    dev_gold: Iterable[tuple],
    test_candidates: Mapping[tuple, float],
    test_gold: Iterable[tuple],
) -> dict:
    """Tune the threshold on dev, apply it to test: the test scores plus ``threshold`` and dev F1 (``dev_f1``)."""
    dev_gold = list(dev_gold)
    threshold = bucc_optimal_threshold(dev_candidates, dev_gold)
    result = bucc_scores(test_candidates, test_gold, threshold)
    result["dev_f1"] = bucc_scores(dev_candidates, dev_gold, threshold)["f1"]
    return result


# ---------------------------------------------------------------------------------------------------------------
# Tatoeba and ranking metrics


def tatoeba_predictions(src_vecs, tgt_vecs, query_side: str = "tgt", backend: str = "faiss") -> np.ndarray:
    """Nearest neighbour (cosine) of each query row among the other side's rows."""
    src = l2_normalize(src_vecs)
    tgt = l2_normalize(tgt_vecs)
    if query_side == "tgt":
        return knn(tgt, src, 1, backend)[1][:, 0]
    if query_side == "src":
        return knn(src, tgt, 1, backend)[1][:, 0]
    raise ValueError(f"query_side must be 'tgt' or 'src', got {query_side!r}")


def tatoeba_accuracy(
    src_vecs, tgt_vecs, gold_index: Sequence[int | None], query_side: str = "tgt", backend: str = "faiss"
) -> float:
    """Percent of queries whose nearest neighbour is their translation.

    ``gold_index[i]`` is the row of ``tgt_vecs`` that translates source row ``i`` (``None`` or a negative value: no
    translation). ``query_side="tgt"`` (official code): every target row that is some source's translation queries
    the source rows and is correct when the retrieved source row has it as gold. ``query_side="src"``: every source
    row with a translation queries the target rows.
    """
    src = _as_matrix(src_vecs, "tatoeba src_vecs")
    tgt = _as_matrix(tgt_vecs, "tatoeba tgt_vecs")
    gold = np.array([-1 if g is None else int(g) for g in gold_index], dtype=np.int64)
    if len(gold) != len(src):
        raise ValueError(f"tatoeba_accuracy: {len(gold)} gold entries for {len(src)} source vectors")
    if (gold >= len(tgt)).any():
        raise ValueError(f"tatoeba_accuracy: gold index {int(gold.max())} is outside the {len(tgt)} target rows")
    has_gold = gold >= 0
    if not has_gold.any():
        raise ValueError("tatoeba_accuracy: no source row has a gold translation")
    if query_side == "src":
        pred = tatoeba_predictions(src[has_gold], tgt, "src", backend)
        return 100.0 * float(np.mean(pred == gold[has_gold]))
    if query_side == "tgt":
        queries = np.unique(gold[has_gold])
        pred_src = tatoeba_predictions(src, tgt[queries], "tgt", backend)
        return 100.0 * float(np.mean(gold[pred_src] == queries))
    raise ValueError(f"query_side must be 'tgt' or 'src', got {query_side!r}")


def average_precision_at_k(ranking: Sequence[Hashable], relevant: Collection[Hashable], k: int | None = 20) -> float:
    """AP@k as a fraction (0-1); ``k=None`` uses the whole ranking and divides by the number of relevant items."""
    relevant = set(relevant)
    if not relevant:
        raise ValueError("average_precision_at_k: a query has no relevant item")
    ranked = list(ranking)[:k] if k else list(ranking)
    hits = 0
    total = 0.0
    seen: set = set()
    for rank, item in enumerate(ranked, start=1):
        if item in relevant and item not in seen:
            hits += 1
            total += hits / rank
        seen.add(item)
    return total / (min(len(relevant), k) if k else len(relevant))


def mean_average_precision_at_k(
    rankings: Sequence[Sequence[Hashable]], relevant: Sequence[Collection[Hashable]], k: int | None = 20
) -> float:
    """mAP@k in percent: the mean over queries of :func:`average_precision_at_k` (XTREME-R LAReQA / Mewsli-X)."""
    if len(rankings) != len(relevant):
        raise ValueError(f"mean_average_precision_at_k: {len(rankings)} rankings for {len(relevant)} relevance sets")
    if not rankings:
        raise ValueError("mean_average_precision_at_k: no queries")
    return 100.0 * float(np.mean([average_precision_at_k(r, rel, k) for r, rel in zip(rankings, relevant)]))


def rank_candidates(
    query_vecs, candidate_vecs, k: int = 20, backend: str = "faiss", normalize: bool = False
) -> np.ndarray:
    """Row indices of the top-k candidates per query by inner product (cosine with ``normalize=True``)."""
    q = l2_normalize(query_vecs) if normalize else _as_matrix(query_vecs, "rank_candidates queries")
    c = l2_normalize(candidate_vecs) if normalize else _as_matrix(candidate_vecs, "rank_candidates candidates")
    return knn(q, c, k, backend)[1]


def map_at_k_retrieval(
    query_vecs,
    candidate_vecs,
    query_ids: Sequence[Hashable],
    candidate_ids: Sequence[Hashable],
    relevant: Sequence[Collection[Hashable]],
    k: int = 20,
    backend: str = "faiss",
) -> tuple[float, int, list[tuple[Hashable, list]]]:
    """Query/pool retrieval scored as XTREME-R scores LAReQA and Mewsli-X: every query ranks every candidate by
    cosine similarity; mAP@k (percent) over the queries with at least one relevant candidate.

    Returns ``(map, n_scored_queries, [(query_id, [top-k candidate ids]), ...])`` for every query, scored or not.
    """
    if len(query_ids) != len(query_vecs) or len(candidate_ids) != len(candidate_vecs):
        raise ValueError(
            f"map_at_k_retrieval: {len(query_ids)} query ids for {len(query_vecs)} vectors, "
            f"{len(candidate_ids)} candidate ids for {len(candidate_vecs)} vectors"
        )
    if len(relevant) != len(query_ids):
        raise ValueError(f"map_at_k_retrieval: {len(relevant)} relevance sets for {len(query_ids)} queries")
    top = rank_candidates(query_vecs, candidate_vecs, k=k, backend=backend, normalize=True)
    ranked = [[candidate_ids[int(j)] for j in row] for row in top]
    scored = [i for i, rel in enumerate(relevant) if rel]
    if not scored:
        raise ValueError("map_at_k_retrieval: no query has a relevant candidate")
    value = mean_average_precision_at_k([ranked[i] for i in scored], [relevant[i] for i in scored], k)
    return value, len(scored), list(zip(query_ids, ranked))


# ---------------------------------------------------------------------------------------------------------------
# the ``retrieval`` task format


@dataclass(frozen=True)
class RetrievalSet:
    """One (language, split) file of the ``retrieval`` format, split by side, in file order."""

    src_ids: list[str]
    src_texts: list[str]
    tgt_ids: list[str]
    tgt_texts: list[str]
    gold_pairs: set[tuple[str, str]]

    @property
    def gold_index(self) -> list[int | None]:
        """For each src row, the tgt row of its translation (``None`` for a distractor)."""
        tgt_row = {tid: i for i, tid in enumerate(self.tgt_ids)}
        by_src = dict(self.gold_pairs)
        return [tgt_row[by_src[sid]] if sid in by_src else None for sid in self.src_ids]

    @property
    def gold_sets(self) -> list[set[str]]:
        """For each src row (query), the set of its relevant tgt ids (empty when it has none)."""
        sets: dict[str, set[str]] = {}
        for sid, tid in self.gold_pairs:
            sets.setdefault(sid, set()).add(tid)
        return [sets.get(sid, set()) for sid in self.src_ids]


def retrieval_set(examples: Iterable[Mapping]) -> RetrievalSet:
    """Collect ``retrieval`` examples (see :mod:`stiltgrid.formats`); checks that every gold id is a tgt line.

    ``gold`` is one tgt id, a list of them (several relevant candidates) or null."""
    src_ids, src_texts, tgt_ids, tgt_texts, golds = [], [], [], [], []
    for ex in examples:
        if ex["side"] == "src":
            src_ids.append(ex["id"])
            src_texts.append(ex["text"])
            gold = ex.get("gold")
            for tid in gold if isinstance(gold, list) else [] if gold is None else [gold]:
                golds.append((ex["id"], tid))
        elif ex["side"] == "tgt":
            tgt_ids.append(ex["id"])
            tgt_texts.append(ex["text"])
        else:
            raise ValueError(f"retrieval example {ex['id']!r}: side must be 'src' or 'tgt', got {ex['side']!r}")
    for ids, name in ((src_ids, "src"), (tgt_ids, "tgt")):
        if len(set(ids)) != len(ids):
            raise ValueError(f"retrieval set: duplicate {name} ids")
    known_tgt = set(tgt_ids)
    for sid, tid in golds:
        if tid not in known_tgt:
            raise ValueError(f"retrieval example {sid!r}: gold {tid!r} is not the id of a tgt line")
    return RetrievalSet(src_ids, src_texts, tgt_ids, tgt_texts, set(golds))
