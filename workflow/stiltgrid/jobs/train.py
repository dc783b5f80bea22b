"""Jobs that train: the MLM checkpoint (phase 1), intermediate tasks (2), target tasks and their evaluation (3, 4)."""

from __future__ import annotations

from pathlib import Path

from stiltgrid.core import paths
from stiltgrid.formats import get_format, write_jsonl
from stiltgrid.grid.lineage import settings_of as _params
from stiltgrid.jobs.common import load_split, log, log_warnings, metrics_record, sealed, setup, write_json
from stiltgrid.runtime import process as runtime
from stiltgrid.tasks import get_task


# -- phase 1 -------------------------------------------------------------------------------------------------------
@sealed
def mlm_checkpoint(smk) -> None:
    from stiltgrid.engine import mlm

    setup(smk)
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
    from stiltgrid.engine.trainer import TaskData

    out = {}
    for name, data_dir in zip(names, data_dirs):
        task = get_task(name)
        fmt = get_format(task.format)
        train = load_split(data_dir, task, "train", list(task.labels) if task.labels else None)
        dev = load_split(data_dir, task, "dev", list(task.labels) if task.labels else None)
        out[name] = TaskData(
            task, fmt.with_prefix(train, prefix), fmt.with_prefix(dev, prefix), fmt.label_list(task, train, dev)
        )
    return out


def _fit(smk, checkpoint_dir: str):
    from stiltgrid.engine import trainer

    setup(smk)
    p = _params(smk)
    cfg = trainer.TrainConfig.from_params({**p.hparams, "seed": int(smk.wildcards.seed)})
    data = _task_data(list(p.tasks), list(smk.input.data), getattr(p, "prefix", ""))
    sampling = getattr(p, "sampling", None)  # multi-task intermediate jobs only
    tuning = getattr(p, "tuning", None)  # LoRA jobs only (stiltgrid.engine.lora)
    result = trainer.fit(
        data,
        smk.input.init,
        cfg,
        checkpoint_dir,
        dict(sampling) if sampling is not None else None,
        _mlm_data(smk),
        dict(tuning) if tuning is not None else None,
        getattr(smk.input, "base", None),
    )
    log.info(
        "trained %s: best dev %.2f after %d/%d steps",
        "+".join(p.tasks),
        result.summary["best_dev"],
        result.summary["steps"],
        result.summary["total_steps"],
    )
    return result


def _mlm_data(smk):
    """An MLM variant's corpus lines and settings (None for other jobs): English and the variant's languages, from
    a generated world's corpus directory or the variant's ``mlm.corpus`` files (one per language, in that order)."""
    from stiltgrid.engine.mlm import read_corpus
    from stiltgrid.engine.trainer import MLMData

    mlm = getattr(_params(smk), "mlm", None)
    if mlm is None:
        return None
    corpus = smk.input.corpus
    files = [f"{corpus}/{lang}.txt" for lang in mlm["languages"]] if isinstance(corpus, str) else list(corpus)
    lines = read_corpus(files, mlm["max_lines"])
    log.info(
        "continued MLM on %d corpus lines (%s), %s MLM micro-batches per task micro-batch",
        len(lines),
        " ".join(mlm["languages"]),
        mlm["ratio"],
    )
    return MLMData(lines, dict(mlm))


def _summary(smk, summary: dict) -> dict:
    lineage = getattr(smk.params, "lineage", None)
    return {**summary, "provenance": runtime.provenance(_params(smk).hparams["precision"], lineage)}


@sealed
def train_intermediate(smk) -> None:
    """Phase 2: train the intermediate task(s) and keep only the encoder (target training starts fresh heads); with
    LoRA, the adapter and the heads instead (stiltgrid.engine.lora), their bytes in the summary."""
    from stiltgrid.engine import lora
    from stiltgrid.engine.trainer import clear_checkpoint

    out = smk.output[0]
    result = _fit(smk, paths.checkpoint_dir(out))
    if "tuning" in result.summary:
        lora.save_checkpoint(result.model, out, result.tokenizer)
        result.summary["tuning"]["artefact_bytes"] = lora.artefact_bytes(out, exclude=lora.TOKENIZER_FILES)
    else:
        result.model.save(out, result.tokenizer, with_heads=False)
    write_json(Path(out) / paths.CELL_TRAIN_SUMMARY, _summary(smk, result.summary))
    clear_checkpoint(paths.checkpoint_dir(out))


@sealed
def train_target(smk) -> None:
    """Phases 3 + 4: fine-tune on the English training set, then score every language of the target (zero-shot);
    a declared target without an English test file is scored in English on its dev set (``dev_languages``)."""
    from stiltgrid.data.perturb import perturb
    from stiltgrid.engine import guards
    from stiltgrid.engine.evaluation import score
    from stiltgrid.engine.features import truncation
    from stiltgrid.engine.inference import predict
    from stiltgrid.engine.trainer import clear_checkpoint

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
        return predict(
            model,
            name,
            task.format,
            shown,
            result.tokenizer,
            labels,
            hp["max_length"],
            hp["eval_batch_size"],
            hp["doc_stride"],
            hp["precision"],
        )

    def scored(examples, lang: str, split: str) -> tuple[list, dict]:
        shown = fmt.with_prefix(examples, prefix)
        predictions = run(shown)
        stats = guards.with_shares(truncation(task.format, shown, result.tokenizer, hp["max_length"]))
        warnings = [
            guards.truncation_warning(f"{split} {lang}", stats),
            guards.collapse_warning(task, examples, predictions),
        ]
        record = metrics_record(
            smk,
            name,
            lang,
            score(task, examples, predictions, lang),
            len(examples),
            hp["precision"],
            split,
            stats,
            warnings,
        )
        log_warnings(record, f"{name} {split} {lang}")
        log.info("%s %s %s: %s", name, split, lang, {k: round(v, 2) for k, v in record["metrics"].items()})
        return predictions, record

    for lang in getattr(p, "dev_languages", []):  # labelled dev: these examples also chose the best checkpoint
        examples = load_split(smk.input.data[0], task, "dev", declared)
        predictions, record = scored(examples, lang, "dev")
        write_jsonl(
            cell / paths.CELL_DEV_PREDICTIONS.format(lang=lang),
            ({"id": ex["id"], "prediction": pred} for ex, pred in zip(examples, predictions)),
        )
        write_json(cell / paths.CELL_DEV_METRICS.format(lang=lang), record)
    for lang in p.languages:
        examples = load_split(smk.input.data[0], task, f"test.{lang}", declared)
        predictions, record = scored(examples, lang, "test")
        write_jsonl(
            cell / paths.CELL_PREDICTIONS.format(lang=lang),
            ({"id": ex["id"], "prediction": pred} for ex, pred in zip(examples, predictions)),
        )
        write_json(cell / paths.CELL_METRICS.format(lang=lang), record)

        # the robustness question: the same fine-tuned model on perturbed copies of this test set
        for pname, spec in perturbations.items():
            perturbed = perturb(
                examples, task.format, spec["kind"], spec["strength"], p.perturb_seed, lang=lang, **resources
            )
            predictions = run(fmt.with_prefix(perturbed, prefix))
            metrics = score(task, perturbed, predictions, lang)
            record = {
                **metrics_record(smk, name, lang, metrics, len(perturbed), hp["precision"]),
                "perturbation": pname,
                **spec,
            }
            write_json(cell / paths.CELL_PERTURBED_METRICS.format(perturbation=pname, lang=lang), record)
            log.info(
                "%s %s %s(%.2f): %s",
                name,
                lang,
                spec["kind"],
                spec["strength"],
                {k: round(v, 2) for k, v in metrics.items()},
            )
    write_json(cell / paths.CELL_TRAIN_SUMMARY, _summary(smk, result.summary))
    clear_checkpoint(paths.checkpoint_dir(str(cell)))


def _perturbation_resources(files: dict) -> dict:
    """Lexicons and entity gazetteer the perturbations read, loaded once per job."""
    from stiltgrid.core.lexicons import load_entities, load_lexicon

    lexicons = {lang: load_lexicon(path) for lang, path in files.get("lexicons", {}).items() if Path(path).exists()}
    entities = load_entities(files["entities"]) if files.get("entities") else None
    return {"lexicons": lexicons or None, "entities": entities}
