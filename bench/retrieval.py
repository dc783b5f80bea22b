"""BUCC-style bitext mining at realistic size: our exact faiss paths against a numpy brute force, and an IVF index.

Synthetic sentence embeddings (float32, L2-normalised): every vector is a shared direction (embeddings of one model
are anisotropic) plus one of ``--topics`` topic directions plus noise. A ``--planted`` share of the sources has its
translation among the targets (``normalise(source + noise)``); every other target is a distractor drawn like a
source. Targets are shuffled. Mining is ``metrics.retrieval.mine_bitext`` (k = 4, ratio margin, ``max`` retrieval,
threshold 0: one candidate per sentence, greedy one-to-one), run with

* ``faiss``:   the package's default, ``knn_both``: one pass over ``x @ y.T`` (numpy sgemm tiles) feeding faiss's
               top-k heaps of rows and of columns, so both directions cost one product;
* ``bf16``:    ``knn_both(..., backend="bf16")``: one bfloat16 product (torch; AMX / AVX512-BF16) screens 24
               candidates per row and column, re-scored in float32 and certified by a rounding bound; rows and
               columns that fail are searched again exactly in float32 (their counts are printed);
* ``faiss2``:  the previous default, two exact searches (``faiss.IndexFlatIP``, x -> y and y -> x);
* ``numpy``:   ``mine_bitext_numpy``, the chunked brute-force matrix product + partial sort, run per direction;
* ``ivf``:     ``knn_both`` swapped for two ``faiss.IndexIVFFlat`` searches (inner product, ``--nlist`` lists trained
               on a sample, each ``--nprobe`` tried in turn; train + add + search are timed).

The exact paths must mine the same pairs; the IVF index trades exactness for fewer products, so its mined pairs are
compared with the exact ones twice: all mined pairs, and the pairs a BUCC evaluation extracts (score >= the
F1-optimal threshold, tuned on the exact result against the planted pairs). Times are CPU seconds of the process
when single-threaded (robust to other load on a shared machine), wall-clock otherwise.

    nice -n 10 python bench/retrieval.py --methods numpy,faiss,bf16   # 100,000 x 100,000 x 768, ~15 min on one core
    python bench/retrieval.py --quick                             # smoke test
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))


def make_vectors(n_src: int, n_tgt: int, dim: int, topics: int, planted: float, noise: float, seed: int):
    """(x, y, gold) with gold = {src_row: tgt_row}; built in chunks to keep the float64 temporaries small."""
    import numpy as np

    rng = np.random.default_rng(seed)
    shared = rng.standard_normal(dim).astype(np.float32)
    shared /= np.linalg.norm(shared)
    centres = rng.standard_normal((topics, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)

    def draw(n: int) -> np.ndarray:
        out = np.empty((n, dim), dtype=np.float32)
        for s in range(0, n, 16384):
            m = min(16384, n - s)
            v = rng.standard_normal((m, dim), dtype=np.float32) / np.float32(np.sqrt(dim))
            v += 0.6 * shared + 0.8 * centres[rng.integers(topics, size=m)]
            out[s : s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
        return out

    x = draw(n_src)
    n_gold = min(int(round(planted * n_src)), n_tgt)
    src_rows = rng.choice(n_src, size=n_gold, replace=False)
    y = np.empty((n_tgt, dim), dtype=np.float32)
    for s in range(0, n_gold, 16384):
        rows = src_rows[s : s + 16384]
        v = x[rows] + noise * rng.standard_normal((len(rows), dim), dtype=np.float32) / np.float32(np.sqrt(dim))
        y[s : s + len(rows)] = v / np.linalg.norm(v, axis=1, keepdims=True)
    y[n_gold:] = draw(n_tgt - n_gold)
    order = rng.permutation(n_tgt)  # target row of original row i is where(order == i)
    y = y[order]
    where = np.empty(n_tgt, dtype=np.int64)
    where[order] = np.arange(n_tgt)
    gold = {int(s): int(where[i]) for i, s in enumerate(src_rows)}
    return x, y, gold


def peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # Linux: KiB


@contextlib.contextmanager
def patched_knn_both(replacement):
    """Mine with ``replacement(original, x, y, k, backend)`` in place of ``knn_both`` (``mine_bitext`` calls it by
    its module-global name)."""
    from stiltgrid.metrics import retrieval

    original = retrieval.knn_both
    retrieval.knn_both = lambda x, y, k, backend="faiss": replacement(original, x, y, k, backend)
    try:
        yield
    finally:
        retrieval.knn_both = original


def swapped_knn_both(search):
    """Mine with ``search(x, y, k)`` -> (sims, inds) run in both directions instead of ``knn_both``'s one pass."""
    return patched_knn_both(lambda original, x, y, k, backend: (search(x, y, k), search(y, x, k)))


def recorded_stats(stats: dict):
    """Let ``mine_bitext``'s ``knn_both`` call fill ``stats`` (the bf16 screen's fallback counts)."""
    return patched_knn_both(lambda original, x, y, k, backend: original(x, y, k, backend, stats=stats))


def ivf_search(nlist: int, nprobe: int, train_points: int, seed: int, stats: dict):
    """An exact-interface k-NN search through a fresh ``faiss.IndexIVFFlat`` on the database (trained per call)."""
    import faiss
    import numpy as np

    def search(x, y, k):
        k = min(k, len(y))
        lists = max(1, min(nlist, len(y) // 39))  # faiss wants >= 39 training points per list
        quantizer = faiss.IndexFlatIP(y.shape[1])
        index = faiss.IndexIVFFlat(quantizer, y.shape[1], lists, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(seed).choice(len(y), size=min(len(y), train_points), replace=False)
        start = time.process_time()
        index.train(y[np.sort(sample)])
        stats["train_s"] = stats.get("train_s", 0.0) + time.process_time() - start
        index.add(y)
        index.nprobe = min(nprobe, lists)
        sims, inds = index.search(x, k)
        if (inds < 0).any():
            raise LookupError(f"IVF nprobe {nprobe}: fewer than {k} neighbours found for some queries")
        return sims, inds.astype(np.int64)

    return search


def timed(fn):
    """(result, CPU seconds of this process, wall seconds). Single-threaded on a shared machine, CPU time is what
    the method costs whatever else runs; with more threads it sums them, so then compare wall time."""
    start, start_cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.process_time() - start_cpu, time.perf_counter() - start


def pair_set(mined) -> set[tuple[int, int]]:
    return set(zip(mined.src.tolist(), mined.tgt.tolist()))


def compare(name: str, mined, reference, ref_name: str) -> str:
    import numpy as np

    a, b = pair_set(mined), pair_set(reference)
    same_order = len(mined) == len(reference) and bool(
        np.array_equal(mined.src, reference.src) and np.array_equal(mined.tgt, reference.tgt)
    )
    overlap = len(a & b) / max(1, len(b))
    verdict = "identical pairs and order" if same_order else ("same pair set" if a == b else "DIFFERENT pairs")
    return (
        f"{name} vs {ref_name}: {len(mined)} vs {len(reference)} pairs, overlap {overlap:.4%} "
        f"({len(a & b)} shared) -> {verdict}"
    )


def candidates(mined) -> dict[tuple[int, int], float]:
    return {(s, t): v for s, t, v in mined.as_list()}


def extracted(mined, threshold: float) -> set[tuple[int, int]]:
    return {(s, t) for s, t, v in mined.as_list() if v >= threshold}


def extraction(mined, threshold: float, gold: dict[int, int]) -> str:
    from stiltgrid.metrics.retrieval import bucc_scores

    scores = bucc_scores(candidates(mined), gold.items(), threshold)
    return (
        f"{scores['n_extracted']:,} pairs (P {scores['precision']:.2f} R {scores['recall']:.2f} F1 {scores['f1']:.2f})"
    )


def gold_recall(mined, gold: dict[int, int]) -> float:
    found = sum(1 for s, t in zip(mined.src.tolist(), mined.tgt.tolist()) if gold.get(s) == t)
    return found / max(1, len(gold))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes for a smoke test")
    p.add_argument("--n", type=int, default=100_000, help="sentences per side")
    p.add_argument("--dim", type=int, default=768)
    p.add_argument("--topics", type=int, default=1000, help="topic directions the vectors cluster around")
    p.add_argument("--planted", type=float, default=0.05, help="share of sources whose translation is a target")
    p.add_argument("--noise", type=float, default=1.5, help="translation noise (norm relative to the source)")
    p.add_argument("--k", type=int, default=4)
    p.add_argument("--threads", type=int, default=1, help="BLAS / OpenMP threads for every method")
    p.add_argument("--nlist", type=int, default=0, help="IVF lists (0: 4 * sqrt(n))")
    p.add_argument("--nprobe", default="4,8,16,32", help="IVF nprobe values tried in turn, comma list")
    p.add_argument("--train-points", type=int, default=0, help="IVF training sample (0: 64 per list)")
    p.add_argument(
        "--methods",
        default="faiss,bf16,faiss2,numpy,ivf",
        help="comma list of faiss (one pass), bf16 (bfloat16 screen), faiss2 (two IndexFlatIP searches), numpy, ivf",
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.dim, args.topics, args.noise, args.nprobe = 3000, 64, 50, 0.5, "4,16"
    nlist = args.nlist or int(4 * args.n**0.5)
    train_points = args.train_points or 64 * nlist
    methods = args.methods.split(",")

    import faiss
    import numpy as np
    import torch
    from threadpoolctl import threadpool_limits

    from stiltgrid.metrics import retrieval

    faiss.omp_set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    print(
        f"settings: {args.n:,} x {args.n:,} sentences, dim {args.dim}, float32, {args.topics} topics, planted "
        f"share {args.planted:g}, noise {args.noise:g}, k {args.k}, ratio margin, max retrieval, threshold 0, "
        f"threads {args.threads}, faiss {faiss.__version__}, numpy {np.__version__}, torch {torch.__version__} "
        f"(fast bf16 matmul: {retrieval.fast_bf16_matmul()})"
    )
    (x, y, gold), _, gen_s = timed(
        lambda: make_vectors(args.n, args.n, args.dim, args.topics, args.planted, args.noise, args.seed)
    )
    print(f"data: {len(gold):,} planted pairs, generated in {gen_s:.1f} s; {x.nbytes / 2**20:.0f} MiB per side")
    clock = "CPU" if args.threads == 1 else "wall"
    cost = (lambda r: r[1]) if args.threads == 1 else (lambda r: r[2])
    print(f"times: {clock} seconds of this process{' (wall-clock in brackets)' if args.threads == 1 else ''}")

    def show(name: str, r) -> str:
        return (
            f"{name:<19}: {cost(r):8.1f} s ({r[2]:.1f}), {len(r[0]):,} pairs, planted recall "
            f"{gold_recall(r[0], gold):.2%}, peak RSS so far {peak_gib():.2f} GiB"
        )

    results: dict[str, tuple] = {}
    ivf_rows = []
    with threadpool_limits(limits=args.threads):
        if "faiss" in methods:
            results["faiss"] = timed(lambda: retrieval.mine_bitext(x, y, k=args.k, backend="faiss"))
            print(show("faiss one pass", results["faiss"]))
        if "bf16" in methods:
            bf16_stats: dict = {}
            with recorded_stats(bf16_stats):
                results["bf16"] = timed(lambda: retrieval.mine_bitext(x, y, k=args.k, backend="bf16"))
            print(show("bf16 screen", results["bf16"]))
            if bf16_stats:
                st = bf16_stats
                print(
                    f"    bf16 screen: {st['row_fallback']:,} of {st['rows']:,} rows and {st['col_fallback']:,} "
                    f"of {st['cols']:,} columns not certified, searched again in float32 "
                    f"({st['row_fallback_s'] + st['col_fallback_s']:.1f} s); product + screen {st['screen_s']:.1f} s"
                )
            else:
                print("    bf16 screen: no fast bf16 matmul on this CPU, the float32 one pass ran instead")
        if "faiss2" in methods:
            with swapped_knn_both(lambda a, b, k: retrieval.knn(a, b, k, "faiss")):
                results["faiss2"] = timed(lambda: retrieval.mine_bitext(x, y, k=args.k, backend="faiss"))
            print(show("faiss 2 x IndexFlat", results["faiss2"]))
        if "numpy" in methods:
            results["numpy"] = timed(lambda: retrieval.mine_bitext_numpy(x, y, k=args.k))
            print(show("numpy brute force", results["numpy"]))
        reference = "faiss" if "faiss" in results else "numpy" if "numpy" in results else None
        threshold = None
        if reference:  # the BUCC extraction threshold, tuned on the exact result against the planted pairs
            ref = results[reference][0]
            threshold = retrieval.bucc_optimal_threshold(candidates(ref), gold.items())
            print(
                f"BUCC threshold (F1-optimal on the exact {reference} result): {threshold:.4f}; extracted: "
                + "; ".join(f"{m} {extraction(results[m][0], threshold, gold)}" for m in results)
            )
        if "ivf" in methods:
            for nprobe in [int(v) for v in args.nprobe.split(",")]:
                stats: dict = {}
                try:
                    with swapped_knn_both(ivf_search(nlist, nprobe, train_points, args.seed, stats)):
                        r = timed(lambda: retrieval.mine_bitext(x, y, k=args.k, backend="faiss"))
                except LookupError as err:
                    print(f"ivf nlist {nlist} nprobe {nprobe}: {err}")
                    continue
                print(show(f"ivf nprobe {nprobe}", r) + f"; k-means {stats['train_s']:.1f} s of it")
                same_all = same_extracted = False
                if reference:
                    ref = results[reference][0]
                    same_all = pair_set(r[0]) == pair_set(ref)
                    same_extracted = extracted(r[0], threshold) == extracted(ref, threshold)
                    print(f"    all pairs: {compare('ivf', r[0], ref, reference)}")
                    print(
                        f"    extracted (score >= threshold): {extraction(r[0], threshold, gold)}, "
                        f"{'same set as' if same_extracted else 'DIFFERENT from'} {reference}"
                    )
                ivf_rows.append((nprobe, r, same_all, same_extracted))
                if same_all:
                    break  # the smallest nprobe that reproduces every exact pair
    print()
    exact = {"faiss": "faiss flat (exact)", "bf16": "bf16 screen (exact)", "faiss2": "faiss 2 x IndexFlatIP (exact)"}
    for name, label in exact.items():
        if name in results and "numpy" in results:
            print(compare(name, results[name][0], results["numpy"][0], "numpy"))
            print(
                f"speed-up {label} vs numpy: {cost(results['numpy']) / cost(results[name]):.2f}x "
                f"({cost(results['numpy']):.1f} s -> {cost(results[name]):.1f} s {clock})"
                + ("; one search per direction" if name == "faiss2" else "; one pass for both directions")
            )
    base = "numpy" if "numpy" in results else reference
    for nprobe, r, same_all, same_extracted in ivf_rows:
        if base:
            verdict = (
                "all mined pairs equal the exact ones"
                if same_all
                else "BUCC-extracted pairs equal the exact ones, not all pairs"
                if same_extracted
                else "pairs differ from the exact ones"
            )
            print(
                f"speed-up ivf nlist {nlist} nprobe {nprobe} vs {base}: {cost(results[base]) / cost(r):.2f}x "
                f"({cost(results[base]):.1f} s -> {cost(r):.1f} s {clock}); {verdict}"
            )
    print(f"peak RSS of this process: {peak_gib():.2f} GiB")


if __name__ == "__main__":
    main()
