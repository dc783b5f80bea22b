"""What each Snakemake rule runs. Each function takes the rule's ``snakemake`` object (input, output, params,
wildcards, threads, log) and makes one call into the engine; the .smk files stay free of ML logic."""

from __future__ import annotations

import json
from pathlib import Path

from stiltgrid import faults, paths, runtime
from stiltgrid.formats import read_jsonl, write_jsonl
from stiltgrid.tasks import get_task

log = runtime.log


def _setup(smk) -> None:
    from stiltgrid import gpus

    runtime.setup(threads=smk.threads, log_path=smk.log[0] if smk.log else None)
    faults.job_started(smk)  # tests only: STILTGRID_FAULT (off by default)
    claimed = gpus.claim(int(smk.resources.get("gpu", 0)))
    if claimed:
        log.info("using GPU %s", ",".join(claimed))


def _write_json(path: str, payload: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def load_split(data_dir: str, task, split: str, labels: list[str] | None = None) -> list[dict]:
    return read_jsonl(Path(data_dir) / f"{split}.jsonl", task.format, labels)


# -- data ----------------------------------------------------------------------------------------------------------
def make_world(smk) -> None:
    """Generate the offline multilingual world (corpus, tasks, lexicons, language table) for one dataset."""
    from stiltgrid.world import DEFAULT_WORLD, WORLD_TASKS, generate_world
    from stiltgrid.config import deep_merge

    _setup(smk)
    p = smk.params
    spec = deep_merge(DEFAULT_WORLD, p.world)
    spec["seed"] = p.seed
    roles = {name: get_task(name).role for name in WORLD_TASKS}
    tasks = {name: dict(p.sizes[role]) for name, role in roles.items()}
    out_dir = Path(smk.output.languages).parent
    generate_world(spec, out_dir, tasks=tasks, corpus_sentences=p.corpus_sentences,
                   test_langs=sorted(spec["languages"]))
    log.info("generated world '%s' in %s", smk.wildcards.dataset, out_dir)


# -- phase 1 -------------------------------------------------------------------------------------------------------
def mlm_checkpoint(smk) -> None:
    from stiltgrid import checkpoint

    _setup(smk)
    spec, out = dict(smk.params.spec), smk.output[0]
    if spec["source"] == "hub":
        checkpoint.fetch_hub(spec["id"], spec["revision"], out)
    elif spec["source"] == "local":
        checkpoint.copy_local(spec["path"], out)
    else:
        corpus = sorted(str(p) for p in Path(smk.input.corpus).glob("*.txt"))
        checkpoint.pretrain_scratch(corpus, out, spec, threads=smk.threads)


# -- phases 2, 3 and 4 ---------------------------------------------------------------------------------------------
def _task_data(names: list[str], data_dirs: list[str]):
    from stiltgrid.features import label_list
    from stiltgrid.trainer import TaskData

    out = {}
    for name, data_dir in zip(names, data_dirs):
        task = get_task(name)
        train = load_split(data_dir, task, "train", list(task.labels) if task.labels else None)
        dev = load_split(data_dir, task, "dev", list(task.labels) if task.labels else None)
        out[name] = TaskData(task, train, dev, label_list(task, train, dev))
    return out


def _fit(smk, checkpoint_dir: str):
    from stiltgrid import trainer

    _setup(smk)
    p = smk.params
    cfg = trainer.TrainConfig.from_params({**p.hparams, "seed": int(smk.wildcards.seed)})
    result = trainer.fit(_task_data(list(p.tasks), list(smk.input.data)), smk.input.init, cfg, checkpoint_dir)
    log.info("trained %s: best dev %.2f after %d/%d steps", "+".join(p.tasks), result.summary["best_dev"],
             result.summary["steps"], result.summary["total_steps"])
    return result


def train_intermediate(smk) -> None:
    """Phase 2: train the intermediate task(s) and keep only the encoder (target training starts fresh heads)."""
    from stiltgrid.trainer import clear_checkpoint

    out = smk.output[0]
    result = _fit(smk, paths.checkpoint_dir(out))
    result.model.save(out, result.tokenizer, with_heads=False)
    _write_json(str(Path(out) / "train_summary.json"), result.summary)
    clear_checkpoint(paths.checkpoint_dir(out))


def _record(smk, target: str, lang: str, metrics: dict, n: int) -> dict:
    wc = smk.wildcards
    return {"model": wc.model, "intermediate": wc.intermediate, "target": target, "language": lang,
            "seed": int(wc.seed), "n_examples": n, "metrics": metrics}


def train_target(smk) -> None:
    """Phases 3 + 4: fine-tune on the English training set, then score every language of the target (zero-shot)."""
    from stiltgrid.evaluation import score
    from stiltgrid.inference import predict
    from stiltgrid.trainer import clear_checkpoint

    eval_dir = str(Path(smk.output.summary).parent)
    result = _fit(smk, paths.checkpoint_dir(eval_dir))
    p, (name,) = smk.params, smk.params.tasks
    task, hp = get_task(name), p.hparams
    model = result.model.to(runtime.device())
    labels = model.heads_spec[name]["labels"]
    declared = list(task.labels) if task.labels else None
    for lang, pred_path, metrics_path in zip(p.languages, smk.output.predictions, smk.output.metrics):
        examples = load_split(smk.input.data[0], task, f"test.{lang}", declared)
        predictions = predict(model, name, task.format, examples, result.tokenizer, labels, hp["max_length"],
                              hp["eval_batch_size"], hp["doc_stride"], hp["precision"])
        write_jsonl(pred_path, ({"id": ex["id"], "prediction": pred} for ex, pred in zip(examples, predictions)))
        metrics = score(task, examples, predictions, lang)
        _write_json(metrics_path, _record(smk, name, lang, metrics, len(examples)))
        log.info("%s %s: %s", name, lang, {k: round(v, 2) for k, v in metrics.items()})
    _write_json(smk.output.summary, result.summary)
    clear_checkpoint(paths.checkpoint_dir(eval_dir))


# -- phase 4 for retrieval targets ---------------------------------------------------------------------------------
def evaluate_retrieval(smk) -> None:
    """BUCC-style mining (threshold tuned on dev, applied to test) or Tatoeba-style retrieval on the encoder."""
    from transformers import AutoTokenizer

    from stiltgrid.embed import embed
    from stiltgrid.metrics import retrieval as R
    from stiltgrid.model import load_encoder

    _setup(smk)
    p = smk.params
    task = get_task(p.task)
    encoder = load_encoder(smk.input.encoder).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)

    def vectors(rset):
        def run(texts):
            return embed(encoder, tokenizer, texts, p.layer, p.pooling, p.max_length, p.batch_size, p.precision)
        return run(rset.src_texts), run(rset.tgt_texts)

    for lang, pred_path, metrics_path in zip(p.languages, smk.output.predictions, smk.output.metrics):
        test = R.retrieval_set(load_split(smk.input.data, task, f"test.{lang}"))
        test_src, test_tgt = vectors(test)
        if task.metric == "bucc":
            dev = R.retrieval_set(load_split(smk.input.data, task, f"dev.{lang}"))
            dev_src, dev_tgt = vectors(dev)
            dev_cands = R.bucc_candidates(dev_src, dev_tgt, dev.src_ids, dev.tgt_ids, k=p.margin_k)
            test_cands = R.bucc_candidates(test_src, test_tgt, test.src_ids, test.tgt_ids, k=p.margin_k)
            metrics = R.bucc_evaluate(dev_cands, dev.gold_pairs, test_cands, test.gold_pairs)
            mined = sorted((pair for pair, s in test_cands.items() if s >= metrics["threshold"]),
                           key=lambda pair: -test_cands[pair])
            rows = ({"src_id": s, "tgt_id": t, "score": round(float(test_cands[(s, t)]), 6)} for s, t in mined)
        else:
            # As XTREME's official scoring: each English sentence retrieves its nearest source-language sentence.
            nearest = R.tatoeba_predictions(test_src, test_tgt, query_side="tgt")
            metrics = {"accuracy": R.tatoeba_accuracy(test_src, test_tgt, test.gold_index, query_side="tgt")}
            rows = ({"id": tid, "prediction": test.src_ids[int(j)]} for tid, j in zip(test.tgt_ids, nearest))
        write_jsonl(pred_path, rows)
        metrics = {k: float(v) for k, v in metrics.items()}
        _write_json(metrics_path, _record(smk, p.task, lang, metrics, len(test.src_ids)))
        log.info("%s %s: %s", p.task, lang, {k: round(float(v), 2) for k, v in metrics.items()})


# -- phase 5 -------------------------------------------------------------------------------------------------------
def aggregate(smk) -> None:
    from stiltgrid import aggregate as A

    _setup(smk)
    p = smk.params
    results = A.tidy(smk.input.metrics)
    A.write_all(results, dict(smk.output), task_languages=dict(p.task_languages), baseline=p.baseline,
                intermediate_order=list(p.intermediates), target_order=list(p.targets))
