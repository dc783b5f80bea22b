"""What each Snakemake rule runs. Each function takes the rule's ``snakemake`` object (input, output, params,
wildcards, threads, log) and makes one call into the engine; the .smk files stay free of ML logic."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from stiltgrid import faults, paths, runtime
from stiltgrid.formats import get_format, read_jsonl, write_jsonl
from stiltgrid.lineage import seal_job
from stiltgrid.lineage import settings_of as _params
from stiltgrid.tasks import get_task

log = runtime.log


def _sealed(job):
    """A job function whose outputs, once complete, are sealed with their manifest (stiltgrid.lineage)."""
    @functools.wraps(job)
    def run(smk) -> None:
        job(smk)
        seal_job(smk)

    return run


def _setup(smk) -> None:
    from stiltgrid import gpus, launch
    from stiltgrid.config import register_declared_tasks

    runtime.setup(threads=smk.threads, log_path=smk.log[0] if smk.log else None)
    # Which checkout's code runs this job (and through which fork server): the workflow's own (scripts put it first).
    log.info("stiltgrid package %s, fork server %s", Path(__file__).parent,
             launch.socket_path() if launch.enabled() else "off")
    register_declared_tasks(smk.config)
    faults.job_started(smk)  # tests only: STILTGRID_FAULT (off by default)
    claimed = gpus.claim(int(smk.resources.get("gpu", 0)))
    if claimed:
        log.info("using GPU %s", ",".join(claimed))


def _write_json(path: str | Path, payload: dict) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def load_split(data_dir: str, task, split: str, labels: list[str] | None = None) -> list[dict]:
    # the same checks as a declared task's files (ids used twice included), for generated and fetched data too
    return read_jsonl(Path(data_dir) / paths.split_file(split), task.format, labels, unique_ids=True)


# -- data ----------------------------------------------------------------------------------------------------------
@_sealed
def make_world(smk) -> None:
    """Generate the offline multilingual world (corpus, tasks, lexicons, language table) for one dataset."""
    from stiltgrid.config import deep_merge
    from stiltgrid.tasks import world_tasks
    from stiltgrid.world import DEFAULT_WORLD, generate_world

    _setup(smk)
    p = _params(smk)
    spec = deep_merge(DEFAULT_WORLD, p.world)
    spec["seed"] = p.seed
    tasks = {name: dict(p.sizes[task.role]) for name, task in world_tasks().items()}
    out_dir = Path(smk.output.languages).parent
    generate_world(spec, out_dir, tasks=tasks, corpus_sentences=p.corpus_sentences,
                   test_langs=sorted(spec["languages"]))
    log.info("generated world '%s' in %s", smk.wildcards.dataset, out_dir)


@_sealed
def prepare_local_task(smk) -> None:
    """Validate a task declared from local files and write its task directory."""
    from stiltgrid import local_tasks

    _setup(smk)
    counts = local_tasks.prepare(smk.wildcards.task, dict(_params(smk).spec), smk.output[0])
    log.info("prepared declared task '%s': %s", smk.wildcards.task, counts)


@_sealed
def augment_intermediate(smk) -> None:
    """A research variant's training set: the base task's English train set with a share of the examples made
    non-English (translated, or code-switched through bilingual lexicons); the English dev set is kept (early
    stopping stays on English, as for every intermediate)."""
    import shutil

    from stiltgrid import augment
    from stiltgrid.lexicons import load_lexicon

    _setup(smk)
    variant, out = dict(_params(smk).variant), Path(smk.output[0])
    base = get_task(variant["base"])
    labels = list(base.labels) if base.labels else None
    english = load_split(smk.input.base, base, "train", labels)
    langs = list(variant["languages"])
    if variant["augment"] == "translate":
        if _params(smk).source == "world":
            translations = _world_translations(Path(smk.input.world).parent, base.name, len(english), langs,
                                               variant["noise"], english)
        else:
            translations = {lang: read_jsonl(path, base.format, labels)
                            for lang, path in zip(langs, smk.input.translations)}
        rows = augment.mix_translations(english, base.format, translations, variant["share"], variant["seed"])
        stats = {"translated": sum("@" in r["id"] for r in rows)}
    else:
        lexicon_paths = ([f"{smk.input.lexicons}/{lang}.tsv" for lang in langs] if _params(smk).source == "world"
                         else list(smk.input.lexicons))
        lexicons = {lang: load_lexicon(path) for lang, path in zip(langs, lexicon_paths)}
        rows, switch = augment.codeswitch_with_stats(english, base.format, lexicons, variant["share"],
                                                     variant["rate"], variant["seed"])
        stats = switch.as_dict()
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / paths.split_file("train"), rows)
    shutil.copyfile(Path(smk.input.base) / paths.split_file("dev"), out / paths.split_file("dev"))
    _write_json(str(out / "task.json"), {"variant": smk.wildcards.variant, "base": base.name, "spec": variant,
                                         "examples": len(rows), "stats": stats})
    log.info("variant %s: %d examples, %s", smk.wildcards.variant, len(rows), stats)


def _world_translations(world_dir: Path, task: str, n: int, langs: list[str], noise: float,
                        english: list[dict]) -> dict[str, list[dict]]:
    """The generated world renders the same abstract training examples in other languages (exactly, or with word
    noise): a translate-train set parallel to the English one. English is rendered again so that a world that no
    longer matches the generated files is caught here, not trained on."""
    from stiltgrid.world import World

    world = World(json.loads((world_dir / "world.json").read_text()))
    rendered = world.task_splits(task, "train", n, ["en"] + langs, noise)
    if [r["id"] for r in rendered["en"]] != [r["id"] for r in english]:
        raise RuntimeError(f"{world_dir}: re-rendered '{task}' train set does not match the generated one")
    return {lang: rendered[lang] for lang in langs}


# -- phase 1 -------------------------------------------------------------------------------------------------------
@_sealed
def mlm_checkpoint(smk) -> None:
    from stiltgrid import mlm

    _setup(smk)
    spec, out = dict(_params(smk).spec), smk.output[0]
    if spec["source"] == "hub":
        mlm.fetch_hub(spec["id"], spec.get("commit") or spec["revision"], out)
    elif spec["source"] == "local":
        mlm.link_local(spec["path"], out)
    else:
        corpus = sorted(str(p) for p in Path(smk.input.corpus).glob("*.txt"))
        mlm.pretrain_scratch(corpus, out, spec, threads=smk.threads)


# -- phases 2, 3 and 4 ---------------------------------------------------------------------------------------------
def _task_data(names: list[str], data_dirs: list[str], prefix: str):
    from stiltgrid.trainer import TaskData

    out = {}
    for name, data_dir in zip(names, data_dirs):
        task = get_task(name)
        fmt = get_format(task.format)
        train = load_split(data_dir, task, "train", list(task.labels) if task.labels else None)
        dev = load_split(data_dir, task, "dev", list(task.labels) if task.labels else None)
        out[name] = TaskData(task, fmt.with_prefix(train, prefix), fmt.with_prefix(dev, prefix),
                             fmt.label_list(task, train, dev))
    return out


def _fit(smk, checkpoint_dir: str):
    from stiltgrid import trainer

    _setup(smk)
    p = _params(smk)
    cfg = trainer.TrainConfig.from_params({**p.hparams, "seed": int(smk.wildcards.seed)})
    data = _task_data(list(p.tasks), list(smk.input.data), getattr(p, "prefix", ""))
    sampling = getattr(p, "sampling", None)  # multi-task intermediate jobs only
    tuning = getattr(p, "tuning", None)  # LoRA jobs only (stiltgrid.lora)
    result = trainer.fit(data, smk.input.init, cfg, checkpoint_dir, dict(sampling) if sampling is not None else None,
                         _mlm_data(smk), dict(tuning) if tuning is not None else None,
                         getattr(smk.input, "base", None))
    log.info("trained %s: best dev %.2f after %d/%d steps", "+".join(p.tasks), result.summary["best_dev"],
             result.summary["steps"], result.summary["total_steps"])
    return result


def _mlm_data(smk):
    """An MLM variant's corpus lines and settings (None for other jobs): English and the variant's languages, from
    a generated world's corpus directory or the variant's ``mlm.corpus`` files (one per language, in that order)."""
    from stiltgrid.mlm import read_corpus
    from stiltgrid.trainer import MLMData

    mlm = getattr(_params(smk), "mlm", None)
    if mlm is None:
        return None
    corpus = smk.input.corpus
    files = [f"{corpus}/{lang}.txt" for lang in mlm["languages"]] if isinstance(corpus, str) else list(corpus)
    lines = read_corpus(files, mlm["max_lines"])
    log.info("continued MLM on %d corpus lines (%s), %s MLM micro-batches per task micro-batch", len(lines),
             " ".join(mlm["languages"]), mlm["ratio"])
    return MLMData(lines, dict(mlm))


def _summary(smk, summary: dict) -> dict:
    lineage = getattr(smk.params, "lineage", None)
    return {**summary, "provenance": runtime.provenance(_params(smk).hparams["precision"], lineage)}


@_sealed
def train_intermediate(smk) -> None:
    """Phase 2: train the intermediate task(s) and keep only the encoder (target training starts fresh heads); with
    LoRA, the adapter and the heads instead (stiltgrid.lora), their bytes in the summary."""
    from stiltgrid import lora
    from stiltgrid.trainer import clear_checkpoint

    out = smk.output[0]
    result = _fit(smk, paths.checkpoint_dir(out))
    if "tuning" in result.summary:
        lora.save_checkpoint(result.model, out, result.tokenizer)
        result.summary["tuning"]["artefact_bytes"] = lora.artefact_bytes(out, exclude=lora.TOKENIZER_FILES)
    else:
        result.model.save(out, result.tokenizer, with_heads=False)
    _write_json(Path(out) / paths.CELL_TRAIN_SUMMARY, _summary(smk, result.summary))
    clear_checkpoint(paths.checkpoint_dir(out))


def _record(smk, target: str, lang: str, metrics: dict, n: int, precision: str, split: str = "test",
            truncation=None, warnings=()) -> dict:
    wc = smk.wildcards
    record = {"model": wc.model, "intermediate": wc.intermediate, "target": target, "language": lang,
              "seed": int(wc.seed), "split": split, "n_examples": n, "metrics": metrics}
    if truncation is not None:
        record["truncation"] = truncation
    return {**record, "warnings": [w for w in warnings if w],
            "provenance": runtime.provenance(precision, getattr(smk.params, "lineage", None))}


def _warn(record: dict, where: str) -> None:
    for warning in record["warnings"]:
        log.warning("%s: %s", where, warning)


@_sealed
def train_target(smk) -> None:
    """Phases 3 + 4: fine-tune on the English training set, then score every language of the target (zero-shot);
    a declared target without an English test file is scored in English on its dev set (``dev_languages``)."""
    from stiltgrid import guards
    from stiltgrid.evaluation import score
    from stiltgrid.features import truncation
    from stiltgrid.inference import predict
    from stiltgrid.perturb import perturb
    from stiltgrid.trainer import clear_checkpoint

    cell = Path(smk.output.cell)
    result = _fit(smk, paths.checkpoint_dir(str(cell)))
    p, (name,) = _params(smk), _params(smk).tasks
    task, hp, prefix = get_task(name), p.hparams, getattr(p, "prefix", "")
    fmt = get_format(task.format)
    model = result.model.to(runtime.device())
    labels = model.heads_spec[name]["labels"]
    declared = list(task.labels) if task.labels else None
    perturbations = getattr(p, "perturbations", {})
    resources = _perturbation_resources(p.perturb_resources) if perturbations else {}

    def run(shown):
        return predict(model, name, task.format, shown, result.tokenizer, labels, hp["max_length"],
                       hp["eval_batch_size"], hp["doc_stride"], hp["precision"])

    def scored(examples, lang: str, split: str) -> tuple[list, dict]:
        shown = fmt.with_prefix(examples, prefix)
        predictions = run(shown)
        stats = guards.with_shares(truncation(task.format, shown, result.tokenizer, hp["max_length"]))
        warnings = [guards.truncation_warning(f"{split} {lang}", stats),
                    guards.collapse_warning(task, examples, predictions)]
        record = _record(smk, name, lang, score(task, examples, predictions, lang), len(examples), hp["precision"],
                         split, stats, warnings)
        _warn(record, f"{name} {split} {lang}")
        log.info("%s %s %s: %s", name, split, lang, {k: round(v, 2) for k, v in record["metrics"].items()})
        return predictions, record

    for lang in getattr(p, "dev_languages", []):  # labelled dev: these examples also chose the best checkpoint
        examples = load_split(smk.input.data[0], task, "dev", declared)
        predictions, record = scored(examples, lang, "dev")
        write_jsonl(cell / paths.CELL_DEV_PREDICTIONS.format(lang=lang),
                    ({"id": ex["id"], "prediction": pred} for ex, pred in zip(examples, predictions)))
        _write_json(cell / paths.CELL_DEV_METRICS.format(lang=lang), record)
    for lang in p.languages:
        examples = load_split(smk.input.data[0], task, f"test.{lang}", declared)
        predictions, record = scored(examples, lang, "test")
        write_jsonl(cell / paths.CELL_PREDICTIONS.format(lang=lang),
                    ({"id": ex["id"], "prediction": pred} for ex, pred in zip(examples, predictions)))
        _write_json(cell / paths.CELL_METRICS.format(lang=lang), record)

        # the robustness question: the same fine-tuned model on perturbed copies of this test set
        for pname, spec in perturbations.items():
            perturbed = perturb(examples, task.format, spec["kind"], spec["strength"], p.perturb_seed, lang=lang,
                                **resources)
            predictions = run(fmt.with_prefix(perturbed, prefix))
            metrics = score(task, perturbed, predictions, lang)
            record = {**_record(smk, name, lang, metrics, len(perturbed), hp["precision"]), "perturbation": pname,
                      **spec}
            _write_json(cell / paths.CELL_PERTURBED_METRICS.format(perturbation=pname, lang=lang), record)
            log.info("%s %s %s(%.2f): %s", name, lang, spec["kind"], spec["strength"],
                     {k: round(v, 2) for k, v in metrics.items()})
    _write_json(cell / paths.CELL_TRAIN_SUMMARY, _summary(smk, result.summary))
    clear_checkpoint(paths.checkpoint_dir(str(cell)))


def _perturbation_resources(files: dict) -> dict:
    """Lexicons and entity gazetteer the perturbations read, loaded once per job."""
    from stiltgrid.lexicons import load_entities, load_lexicon

    lexicons = {lang: load_lexicon(path) for lang, path in files.get("lexicons", {}).items() if Path(path).exists()}
    entities = load_entities(files["entities"]) if files.get("entities") else None
    return {"lexicons": lexicons or None, "entities": entities}


# -- phase 4 for retrieval targets ---------------------------------------------------------------------------------
@_sealed
def evaluate_retrieval(smk) -> None:
    """BUCC-style mining (threshold tuned on dev, applied to test), Tatoeba-style retrieval, or query/pool retrieval
    scored with mAP@20 (LAReQA, Mewsli-X) on the encoder."""
    from transformers import AutoTokenizer

    from stiltgrid import guards, lora
    from stiltgrid.config import resolve_layer
    from stiltgrid.embed import embed, reading
    from stiltgrid.features import text_truncation
    from stiltgrid.metrics import retrieval as R
    from stiltgrid.metrics.registry import MINING, NEAREST, RANKING, get_metric

    _setup(smk)
    p = _params(smk)
    task = get_task(p.task)
    encoder = lora.load_encoder(smk.input.encoder, getattr(smk.input, "base", None)).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)
    layers = encoder.config.num_hidden_layers
    # layer / pooling `auto`: by the kind of encoder the model is (its own directory, or its declaration)
    read = reading(p.layer, p.pooling, getattr(smk.input, "model", smk.input.encoder),
                   getattr(p, "sentence_embedding", None))
    layer, pooling = resolve_layer(read["layer"], layers, smk.input.encoder), read["pooling"]
    log.info("retrieval.layer %s: hidden state %d of the encoder's %d layers, %s pooling%s", p.layer, layer, layers,
             pooling, f" ({read['rule']})" if read["rule"] else "")
    # The side that queries gets the query prefix, the side searched the passage prefix. Tatoeba's official
    # direction: English (tgt) sentences query; BUCC mining and query/pool retrieval query from src.
    metric = get_metric(task.metric)
    query_side = "tgt" if metric.protocol == NEAREST and p.tatoeba_query == "en" else "src"
    prefix = {side: p.prefixes["query" if side == query_side else "passage"] for side in ("src", "tgt")}

    def run(texts, side: str):
        return embed(encoder, tokenizer, [prefix[side] + t for t in texts], layer, pooling, p.max_length,
                     p.batch_size, p.precision)

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
        stats = {"src": truncated(test.src_texts, "src"),
                 "tgt": candidate_pool(test)[1] if metric.shared_pool else truncated(test.tgt_texts, "tgt")}
        if metric.protocol == RANKING:
            # As XTREME-R scores LAReQA / Mewsli-X: each query ranks the whole pool; mAP@20 over queries with a gold.
            value, n_scored, ranked = R.map_at_k_retrieval(run(test.src_texts, "src"), candidate_pool(test)[0],
                                                           test.src_ids, test.tgt_ids, test.gold_sets, k=20)
            metrics = {"map@20": value}
            rows = ({"id": qid, "prediction": top} for qid, top in ranked)
        elif metric.protocol == MINING:
            test_src, test_tgt = vectors(test)
            dev = R.retrieval_set(load_split(smk.input.data, task, f"dev.{lang}"))
            dev_src, dev_tgt = vectors(dev)
            dev_cands = R.bucc_candidates(dev_src, dev_tgt, dev.src_ids, dev.tgt_ids, k=p.margin_k, backend=p.mining)
            test_cands = R.bucc_candidates(test_src, test_tgt, test.src_ids, test.tgt_ids, k=p.margin_k,
                                           backend=p.mining)
            metrics = R.bucc_evaluate(dev_cands, dev.gold_pairs, test_cands, test.gold_pairs)
            mined = sorted((pair for pair, s in test_cands.items() if s >= metrics["threshold"]),
                           key=lambda pair: -test_cands[pair])
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
        sides = ({"src": f"{lang} queries", "tgt": "candidate pool"} if metric.shared_pool
                 else {"src": f"{lang} sentences", "tgt": f"English sentences paired with {lang}"})
        warnings = [guards.truncation_warning(sides[side], stats[side]) for side in ("src", "tgt")]
        # a shared pool's warning once per job, not once per language
        warnings = [w for w in warnings if w not in all_warnings]
        record = _record(smk, p.task, lang, metrics, n_scored, p.precision, truncation=stats, warnings=warnings)
        _write_json(cell / paths.CELL_METRICS.format(lang=lang), record)
        _warn(record, f"{p.task} {lang}")
        all_warnings += record["warnings"]
        headline[lang] = metrics[task.headline_metric]
        log.info("%s %s: %s", p.task, lang, {k: round(float(v), 2) for k, v in metrics.items()})
    summary = {"task": p.task, task.headline_metric: headline,
               "layer": {"setting": p.layer, "hidden_state": layer, "layers": layers}, "warnings": all_warnings}
    if read["rule"]:  # a rule, not the preset, chose: say which, and the pooling it chose
        summary["layer"]["rule"] = read["rule"]
        summary["pooling"] = {"setting": p.pooling, "used": pooling}
    _write_json(cell / paths.CELL_RETRIEVAL_SUMMARY, summary)


# -- the selection question's estimates ---------------------------------------------------------------------------
def _selection_texts(p, data_dirs: list[str]) -> tuple[list[str], int]:
    """The sampled English texts of a task (an intermediate's training sets pooled, or a target's), and how many
    English training examples it has. A retrieval target has no training set: its English dev set (LAReQA,
    Mewsli-X), or the English side of its dev sets (BUCC, Tatoeba)."""
    from stiltgrid import transferability as TR

    rows, n_train = [], 0
    for name, data_dir in zip(p.tasks, data_dirs):
        task = get_task(name)
        fmt = get_format(task.format)
        if fmt.trainable:
            examples = load_split(data_dir, task, "train", list(task.labels) if task.labels else None)
            rows += [TR.example_text(fmt, ex) for ex in examples]
            n_train += len(examples)
        elif (Path(data_dir) / paths.split_file("dev")).exists():  # query/pool retrieval: an English dev set
            rows += [ex["text"] for ex in load_split(data_dir, task, "dev")]
        else:  # paired with English (BUCC, Tatoeba): the English side of each language's dev set
            rows += list(dict.fromkeys(ex["text"] for lang in p.languages if lang != "en"
                                       for ex in load_split(data_dir, task, f"dev.{lang}") if ex["side"] == "tgt"))
    return TR.sample(rows, p.sample, p.sample_seed), n_train


@_sealed
def selection_text(smk) -> None:
    """A task's text vector on the base encoder: the mean of its sampled English texts' mean-pooled last layer."""
    import time

    from transformers import AutoTokenizer

    from stiltgrid import transferability as TR
    from stiltgrid.model import load_encoder

    start = time.perf_counter()
    _setup(smk)
    p = _params(smk)
    texts, n_train = _selection_texts(p, list(smk.input.data))
    encoder = load_encoder(smk.input.encoder).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)
    vector = TR.task_vector(encoder, tokenizer, texts, p.max_length, p.batch_size)
    seconds = round(time.perf_counter() - start, 3)
    _write_json(smk.output[0], {"name": p.name, "tasks": list(p.tasks), "n_train": n_train, "n_sampled": len(texts),
                                "vector": [round(float(v), 7) for v in vector], "seconds": seconds,
                                "provenance": runtime.provenance("auto", getattr(smk.params, "lineage", None))})
    log.info("text vector of %s from %d sampled texts (%d training examples) in %.1f s", p.name, len(texts), n_train,
             seconds)


@_sealed
def selection_logme(smk) -> None:
    """LogME of a target's sampled English training features under an intermediate checkpoint (no fine-tuning)."""
    import time

    from transformers import AutoTokenizer

    from stiltgrid import lora
    from stiltgrid import transferability as TR
    from stiltgrid.errors import UserError

    start = time.perf_counter()
    _setup(smk)
    p = _params(smk)
    task = get_task(p.target)
    fmt = get_format(task.format)
    train = load_split(smk.input.data, task, "train", list(task.labels) if task.labels else None)
    examples = fmt.with_prefix(TR.sample(train, p.sample, p.sample_seed), getattr(p, "prefix", ""))
    encoder = lora.load_encoder(smk.input.encoder, getattr(smk.input, "base", None)).to(runtime.device())
    tokenizer = AutoTokenizer.from_pretrained(smk.input.encoder)
    features, labels, rows = TR.labelled_features(task.format, examples, encoder, tokenizer, p.max_length,
                                                  p.batch_size, p.max_rows, p.sample_seed)
    try:
        value = TR.logme(features, labels)
    except ValueError as err:  # e.g. a sample with one class: say which file, and what to change
        raise UserError(f"{smk.input.data}/{paths.split_file('train')}: {err} ({len(labels)} rows from "
                        f"{len(examples)} sampled examples; raise analysis.selection.sample)") from None
    seconds = round(time.perf_counter() - start, 3)
    wc = smk.wildcards
    _write_json(smk.output[0], {"intermediate": wc.intermediate, "target": p.target, "seed": int(wc.seed),
                                "logme": value, "rows": len(labels), "classes": len(set(labels)), "row": rows,
                                "n_sampled": len(examples), "seconds": seconds,
                                "provenance": runtime.provenance("auto", getattr(smk.params, "lineage", None))})
    log.info("LogME of %s under %s: %.4f (%d rows: %s) in %.1f s", p.target, wc.intermediate, value, len(labels),
             rows, seconds)


# -- phase 5 -------------------------------------------------------------------------------------------------------
@_sealed
def aggregate(smk) -> None:
    from stiltgrid import aggregate as A

    _setup(smk)
    p = _params(smk)
    records = list(p.metrics) + list(p.dev_metrics)
    results = A.tidy(records)
    dev = A.dev_scores(list(p.summaries), results, dict(p.task_languages))
    A.write_all(results, dict(smk.output), task_languages=dict(p.task_languages), baseline=p.baseline,
                intermediate_order=list(p.intermediates), target_order=list(p.targets), dev=dev)
    warnings = A.gather_warnings(list(p.config_warnings), list(p.warning_summaries), records)
    A.write_warnings(warnings, smk.output.warnings)
    if warnings:
        log.warning("%d warning(s) in %s", len(warnings), smk.output.warnings)


@_sealed
def results_page(smk) -> None:
    """The static results site (stiltgrid.results_page)."""
    from stiltgrid import results_page as R

    _setup(smk)
    pages = R.write_site(smk.output[0], vars(_params(smk)), smk.input.languages)
    log.info("wrote %d pages into %s", len(pages), smk.output[0])


@_sealed
def export_predictions(smk) -> None:
    """One row's test predictions in the layout XTREME's evaluate.py reads (stiltgrid.export)."""
    from stiltgrid import export as X

    _setup(smk)
    p = _params(smk)
    manifest = X.write_submission(smk.output[0], p.row, p.seed, dict(p.targets), dict(p.cells), dict(p.data),
                                  dict(p.skipped), getattr(smk.input, "choices", None))
    log.info("exported %s (seed %d): %s; skipped %s", p.row, p.seed,
             {task: spec["intermediate"] for task, spec in manifest["tasks"].items()}, manifest["skipped"])


# -- the research questions ----------------------------------------------------------------------------------------
@_sealed
def analyse(smk) -> None:
    """One research question: its table, figure and summary from the metrics of the cells it compares."""
    from stiltgrid import aggregate as A
    from stiltgrid.analysis import QUESTIONS

    _setup(smk)
    p = _params(smk)
    question, section = p.question, dict(p.section)
    stats = {"n_boot": p.bootstrap, "alpha": p.alpha, "seed": p.seed}
    scores = A.tidy(list(p.metrics))
    languages = smk.input.languages
    module = QUESTIONS[question]
    if question == "families":
        result = module.analyse(scores, languages=languages, comparisons=section["comparisons"],
                                targets=list(p.targets), **stats)
    elif question == "low_resource":
        result = module.analyse(scores, languages=languages, comparisons=section["comparisons"],
                                strata=dict(section["strata"]), targets=list(p.targets), **stats)
    elif question == "xtreme_mix":
        result = module.analyse(scores, comparisons=section["comparisons"], targets=list(p.targets),
                                task_languages=dict(p.task_languages), **stats)
    elif question == "alternatives":
        result = module.analyse(scores, reference=section["reference"], alternatives=list(section["alternatives"]),
                                kinds=dict(p.kinds), targets=list(p.targets), task_languages=dict(p.task_languages),
                                **stats)
    elif question == "tuning":
        checkpoints = {inter: list(dirs) for inter, dirs in dict(p.checkpoints).items()}
        tunings = module.tunings_of({inter: f"{dirs[0]}/{paths.CELL_TRAIN_SUMMARY}"
                                     for inter, dirs in checkpoints.items()})
        result = module.analyse(scores, reference=section["reference"], alternatives=list(section["alternatives"]),
                                sizes=module.sizes(checkpoints), tunings=tunings, kinds=dict(p.kinds),
                                targets=list(p.targets), task_languages=dict(p.task_languages), **stats)
    elif question == "selection":
        estimates = dict(p.estimates)
        table, seconds = module.read_estimates(dict(estimates["text"]), {t: dict(v) for t, v in
                                                                         estimates["logme"].items()},
                                               list(p.candidates), list(p.targets))
        result = module.analyse(scores, estimates=table, candidates=list(p.candidates), targets=list(p.targets),
                                seconds=seconds, grid_seconds=_recorded_seconds(list(smk.input.intermediates),
                                                                                list(smk.input.cells)), **stats)
    elif question == "volume":
        result = module.analyse(scores, languages=languages, intermediates=[i for i in p.intermediates if i != "none"],
                                targets=list(p.targets), volume_column=section.get("column", "pretrain_gib"), **stats)
    else:
        perturbed = _perturbed_scores(scores, list(p.perturbed))
        difficulty = _difficulty(dict(p.difficulty_tasks), list(smk.input.intermediates), list(smk.input.task_data))
        result = module.analyse(perturbed, difficulty=difficulty, targets=list(p.targets), **stats)
    module.write(result, str(Path(smk.output.table).parent))
    log.info("analysis %s: %s", question, result.facts)


def _recorded_seconds(intermediate_dirs: list[str], cell_dirs: list[str]) -> dict[str, float]:
    """The training loops' seconds the grid's jobs recorded (train_summary.json): intermediates and trained cells."""
    def total(dirs):
        found = [Path(d) / paths.CELL_TRAIN_SUMMARY for d in dirs]
        return round(sum(json.loads(f.read_text())["seconds"] for f in found if f.exists()), 3)

    return {"intermediates": total(intermediate_dirs), "cells": total(cell_dirs)}


def _perturbed_scores(clean, perturbed_files: list[str]):
    """Clean and perturbed scores in one long table (clean rows: perturbation 'clean', strength 0)."""
    import pandas as pd

    rows = []
    for path in perturbed_files:
        record = json.loads(Path(path).read_text())
        for metric, value in record["metrics"].items():
            rows.append({"model": record["model"], "intermediate": record["intermediate"],
                         "target": record["target"], "language": record["language"], "seed": record["seed"],
                         "perturbation": record["perturbation"], "strength": float(record["strength"]),
                         "metric": metric, "value": float(value)})
    targets = {row["target"] for row in rows}
    clean = clean[clean["target"].isin(targets)].assign(perturbation="clean", strength=0.0)
    return pd.concat([clean, pd.DataFrame(rows)], ignore_index=True)


def _difficulty(tasks: dict[str, str], intermediate_dirs: list[str], data_dirs: list[str]) -> list[dict]:
    """Each intermediate's best English dev score (mean over seeds) and its task's chance level."""
    from stiltgrid.analysis.robustness import chance_level

    best: dict[str, list[float]] = {}
    for path in intermediate_dirs:
        inter = Path(path).parent.name
        best.setdefault(inter, []).append(json.loads((Path(path) / paths.CELL_TRAIN_SUMMARY).read_text())["best_dev"])
    data = {Path(d).name: d for d in data_dirs}
    rows = []
    for inter, name in tasks.items():
        task = get_task(name)
        n_choices = None
        if get_format(task.format).multi_sequence:
            dev = load_split(data[name], task, "dev")
            n_choices = round(sum(len(ex["choices"]) for ex in dev) / len(dev))
        rows.append({"intermediate": inter, "format": task.format, "dev_score": sum(best[inter]) / len(best[inter]),
                     "chance": chance_level(task.format, len(task.labels) if task.labels else None, n_choices)})
    return rows
