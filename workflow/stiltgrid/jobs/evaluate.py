"""The retrieval targets' job (phase 4): scored on the intermediate encoder, without training."""

from __future__ import annotations

from pathlib import Path

from stiltgrid.core import paths
from stiltgrid.formats import write_jsonl
from stiltgrid.grid.lineage import settings_of as _params
from stiltgrid.jobs.common import load_split, log, log_warnings, metrics_record, sealed, setup, write_json
from stiltgrid.runtime import process as runtime
from stiltgrid.tasks import get_task


# -- phase 4 for retrieval targets ---------------------------------------------------------------------------------
@sealed
def evaluate_retrieval(smk) -> None:
    """BUCC-style mining (threshold tuned on dev, applied to test), Tatoeba-style retrieval, or query/pool retrieval
    scored with mAP@20 (LAReQA, Mewsli-X) on the encoder."""
    from transformers import AutoTokenizer

    from stiltgrid.engine import guards, lora
    from stiltgrid.engine.embed import embed, reading
    from stiltgrid.engine.features import text_truncation
    from stiltgrid.grid.config import resolve_layer
    from stiltgrid.metrics import retrieval as R
    from stiltgrid.metrics.registry import MINING, NEAREST, RANKING, get_metric

    setup(smk)
    p = _params(smk)
    task = get_task(p.task)
    encoder = lora.load_encoder(smk.input.encoder, getattr(smk.input, "base", None)).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)
    layers = encoder.config.num_hidden_layers
    # layer / pooling `auto`: by the kind of encoder the model is (its own directory, or its declaration)
    read = reading(
        p.layer, p.pooling, getattr(smk.input, "model", smk.input.encoder), getattr(p, "sentence_embedding", None)
    )
    layer, pooling = resolve_layer(read["layer"], layers, smk.input.encoder), read["pooling"]
    log.info(
        "retrieval.layer %s: hidden state %d of the encoder's %d layers, %s pooling%s",
        p.layer,
        layer,
        layers,
        pooling,
        f" ({read['rule']})" if read["rule"] else "",
    )
    # The side that queries gets the query prefix, the side searched the passage prefix. Tatoeba's official
    # direction: English (tgt) sentences query; BUCC mining and query/pool retrieval query from src.
    metric = get_metric(task.metric)
    query_side = "tgt" if metric.protocol == NEAREST and p.tatoeba_query == "en" else "src"
    prefix = {side: p.prefixes["query" if side == query_side else "passage"] for side in ("src", "tgt")}

    def run(texts, side: str):
        return embed(
            encoder,
            tokenizer,
            [prefix[side] + t for t in texts],
            layer,
            pooling,
            p.max_length,
            p.batch_size,
            p.precision,
        )

    def truncated(texts, side: str):
        return guards.with_shares(text_truncation([prefix[side] + t for t in texts], tokenizer, p.max_length))

    def vectors(rset):
        return run(rset.src_texts, "src"), run(rset.tgt_texts, "tgt")

    pools: dict = {}

    def shared_pool(split: str) -> list[dict]:
        """tgt lines of ``{split}.pool.jsonl`` (a candidate pool shared by every language), read once per job."""
        if split not in pools:
            path = Path(smk.input.data) / paths.split_file(split, paths.POOL)
            pools[split] = load_split(smk.input.data, task, f"{split}.pool") if path.exists() else []
        return pools[split]

    pool_vectors: dict = {}

    def candidate_pool(rset):
        """Vectors and truncation counts of the candidates. The same pool is ranked for every query language
        (LAReQA, Mewsli-X): embedded and counted once per job."""
        key = (tuple(rset.tgt_ids), tuple(rset.tgt_texts))
        if key not in pool_vectors:
            pool_vectors.clear()
            pool_vectors[key] = run(rset.tgt_texts, "tgt"), truncated(rset.tgt_texts, "tgt")
        return pool_vectors[key]

    cell, headline, all_warnings = Path(smk.output.cell), {}, []
    for lang in p.languages:
        test = R.retrieval_set(load_split(smk.input.data, task, f"test.{lang}") + shared_pool("test"))
        n_scored = len(test.src_ids)
        stats = {
            "src": truncated(test.src_texts, "src"),
            "tgt": candidate_pool(test)[1] if metric.shared_pool else truncated(test.tgt_texts, "tgt"),
        }
        if metric.protocol == RANKING:
            # As XTREME-R scores LAReQA / Mewsli-X: each query ranks the whole pool; mAP@20 over queries with a gold.
            value, n_scored, ranked = R.map_at_k_retrieval(
                run(test.src_texts, "src"), candidate_pool(test)[0], test.src_ids, test.tgt_ids, test.gold_sets, k=20
            )
            metrics = {"map@20": value}
            rows = ({"id": qid, "prediction": top} for qid, top in ranked)
        elif metric.protocol == MINING:
            test_src, test_tgt = vectors(test)
            dev = R.retrieval_set(load_split(smk.input.data, task, f"dev.{lang}"))
            dev_src, dev_tgt = vectors(dev)
            dev_cands = R.bucc_candidates(dev_src, dev_tgt, dev.src_ids, dev.tgt_ids, k=p.margin_k, backend=p.mining)
            test_cands = R.bucc_candidates(
                test_src, test_tgt, test.src_ids, test.tgt_ids, k=p.margin_k, backend=p.mining
            )
            metrics = R.bucc_evaluate(dev_cands, dev.gold_pairs, test_cands, test.gold_pairs)
            mined = sorted(
                (pair for pair, s in test_cands.items() if s >= metrics["threshold"]),
                key=lambda pair: -test_cands[pair],
            )
            rows = ({"src_id": s, "tgt_id": t, "score": round(float(test_cands[(s, t)]), 6)} for s, t in mined)
        else:
            # XTREME's official scoring (tatoeba_query: en): each English sentence retrieves its nearest
            # source-language sentence; tatoeba_query: xx the other way.
            test_src, test_tgt = vectors(test)
            nearest = R.tatoeba_predictions(test_src, test_tgt, query_side=query_side)
            metrics = {"accuracy": R.tatoeba_accuracy(test_src, test_tgt, test.gold_index, query_side=query_side)}
            if query_side == "tgt":
                rows = ({"id": tid, "prediction": test.src_ids[int(j)]} for tid, j in zip(test.tgt_ids, nearest))
            else:
                rows = ({"id": sid, "prediction": test.tgt_ids[int(j)]} for sid, j in zip(test.src_ids, nearest))
        write_jsonl(cell / paths.CELL_PREDICTIONS.format(lang=lang), rows)
        metrics = {k: float(v) for k, v in metrics.items()}
        sides = (
            {"src": f"{lang} queries", "tgt": "candidate pool"}
            if metric.shared_pool
            else {"src": f"{lang} sentences", "tgt": f"English sentences paired with {lang}"}
        )
        warnings = [guards.truncation_warning(sides[side], stats[side]) for side in ("src", "tgt")]
        # a shared pool's warning once per job, not once per language
        warnings = [w for w in warnings if w not in all_warnings]
        record = metrics_record(smk, p.task, lang, metrics, n_scored, p.precision, truncation=stats, warnings=warnings)
        write_json(cell / paths.CELL_METRICS.format(lang=lang), record)
        log_warnings(record, f"{p.task} {lang}")
        all_warnings += record["warnings"]
        headline[lang] = metrics[task.headline_metric]
        log.info("%s %s: %s", p.task, lang, {k: round(float(v), 2) for k, v in metrics.items()})
    summary = {
        "task": p.task,
        task.headline_metric: headline,
        "layer": {"setting": p.layer, "hidden_state": layer, "layers": layers},
        "warnings": all_warnings,
    }
    if read["rule"]:  # a rule, not the preset, chose: say which, and the pooling it chose
        summary["layer"]["rule"] = read["rule"]
        summary["pooling"] = {"setting": p.pooling, "used": pooling}
    write_json(cell / paths.CELL_RETRIEVAL_SUMMARY, summary)
