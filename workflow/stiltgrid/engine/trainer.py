"""Fine-tuning: single-task or multi-task, with exact resume from checkpoints.

* Dynamic padding: each epoch is shuffled and cut into batches, each padded to its longest sequence; the batch order
  is then shuffled. With ``length_grouping`` (off by default, see stiltgrid.core.hparams) the shuffled epoch is first
  cut into mega-batches of 50 batches, each sorted by length, so a batch holds sequences of similar length.
* Multi-task, one head per task. Proportional sampling (the default) = each epoch's batches of every task shuffled
  together, so a task is drawn in proportion to its number of batches. The other samplers (uniform, temperature,
  capped: jiant's) keep the run's length and give each task round(p * N) of its N micro-batches (largest remainder),
  each task cycling through reshuffled passes of its data, then shuffle them: the realised proportions are the
  configured ones to within 1/N, where jiant's independent draws per step stray by about sqrt(p(1 - p) / N).
* Continued MLM (MLM variants): ``ratio`` MLM micro-batches per task micro-batch, interleaved evenly (after the
  k-th task micro-batch, floor((k + 1) * ratio) - floor(k * ratio) of them) and cycling through seeded passes of the
  multilingual corpus; their loss, times ``weight``, trains the encoder and the checkpoint's MLM head, which is then
  dropped. The task's part of the schedule is the same as without MLM.
* Gradient accumulation, linear warm-up and decay, gradient clipping, AdamW.
* Early stopping on the English dev set(s): evaluate every ``eval_every`` optimiser steps on a seeded sample of
  ``eval_subset`` dev examples, stratified by label; stop after ``patience`` evaluations without gain; keep the
  best weights.
* ``min_steps``: a training set too small to give that many optimiser steps in ``epochs`` is trained for more
  epochs (fractional: exactly the steps asked); early stopping does the rest. The summary's ``schedule`` says so.
* Guards (stiltgrid.engine.guards), in the summary's ``warnings`` and the log: a task whose best dev score never beats
  the best constant prediction (the majority class), with the cause read from the run's own training-loss and dev
  curves (diverged, under-trained, or learnt without reaching dev) and the setting to change; training inputs
  truncated by ``max_length``.
* The whole schedule is a pure function of the seed, so a job killed mid-training resumes from its last checkpoint
  (model, optimiser, scheduler, RNG states, early-stopping state) and ends with the same weights as an uninterrupted
  run.
* A non-finite loss stops the job at once; nothing is written to the output.
* ``tuning`` (stiltgrid.engine.lora): LoRA adapters on a frozen encoder instead of full fine-tuning; checkpoints and
  best weights then hold the trainable weights only.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from stiltgrid.core import behaviour
from stiltgrid.core.errors import UserError
from stiltgrid.core.hparams import TrainConfig
from stiltgrid.engine import features as F
from stiltgrid.engine import guards, inference, lora
from stiltgrid.engine.evaluation import dev_score
from stiltgrid.engine.model import TaskModel, load_encoder, load_mlm
from stiltgrid.formats import get_format
from stiltgrid.runtime import faults
from stiltgrid.runtime import process as runtime

log = runtime.log
MLM = "<mlm>"  # the schedule's name for MLM micro-batches (no task name has angle brackets)


@dataclass
class TaskData:
    task: object  # stiltgrid.tasks.Task
    train: list[dict]
    dev: list[dict]
    labels: list[str]


@dataclass
class MLMData:
    """Continued MLM of an MLM variant: corpus lines and the settings of its ``mlm:`` section."""

    lines: list[str]
    settings: dict  # ratio, weight, mask_prob (and what the job was told: languages, max_lines)


class NonFiniteLoss(UserError, FloatingPointError):
    pass


def length_grouped_batches(
    lengths: list[int], batch_size: int, generator: torch.Generator, group: bool = True
) -> list[list[int]]:
    order = torch.randperm(len(lengths), generator=generator).tolist()
    if group:
        mega = batch_size * 50
        order = [i for s in range(0, len(order), mega) for i in sorted(order[s : s + mega], key=lambda i: -lengths[i])]
    batches = [order[s : s + batch_size] for s in range(0, len(order), batch_size)]
    shuffled = torch.randperm(len(batches), generator=generator).tolist()
    return [batches[i] for i in shuffled]


def sampling_probabilities(sizes: dict[str, int], sampling: dict | None) -> dict[str, float]:
    """Each task's share of the micro-batches under ``sampling`` (``{"kind", ...parameters}``; None: proportional),
    from its number of training features ``n`` (a QA context split into windows counts once per window):
    proportional n, uniform 1, temperature min(n, examples_cap) ** (1 / temperature), capped min(n, examples_cap)."""
    kind = (sampling or {}).get("kind", "proportional")
    cap = (sampling or {}).get("examples_cap") or math.inf
    if kind == "proportional":
        weights = {name: float(n) for name, n in sizes.items()}
    elif kind == "uniform":
        weights = {name: 1.0 for name in sizes}
    elif kind == "temperature":
        weights = {name: min(n, cap) ** (1.0 / sampling["temperature"]) for name, n in sizes.items()}
    elif kind == "capped":
        weights = {name: float(min(n, cap)) for name, n in sizes.items()}
    else:
        raise ValueError(f"unknown multi-task sampler '{kind}'")
    total = sum(weights.values())
    return {name: w / total for name, w in sorted(weights.items())}


def _allocate(probabilities: dict[str, float], total: int) -> dict[str, int]:
    """Largest-remainder rounding of ``p * total``: counts that sum to ``total`` (ties go to the earlier task)."""
    exact = {name: p * total for name, p in probabilities.items()}
    counts = {name: math.floor(x) for name, x in exact.items()}
    by_remainder = sorted(exact, key=lambda name: -(exact[name] - counts[name]))
    for name in by_remainder[: total - sum(counts.values())]:
        counts[name] += 1
    return counts


def build_schedule(
    task_lengths: dict[str, list[int]], cfg: TrainConfig, sampling: dict | None = None
) -> list[tuple[str, list[int]]]:
    """The complete list of micro-batches (task, feature indices), a pure function of the seed (and the sampler)."""
    if (sampling or {}).get("kind", "proportional") != "proportional":
        return _sampled_schedule(task_lengths, cfg, sampling)
    generator = torch.Generator().manual_seed(cfg.seed)
    schedule: list[tuple[str, list[int]]] = []
    whole_epochs = math.ceil(cfg.epochs)
    for epoch in range(whole_epochs):
        epoch_batches = []
        for name in sorted(task_lengths):
            batches = length_grouped_batches(task_lengths[name], cfg.batch_size, generator, cfg.length_grouping)
            if epoch == whole_epochs - 1 and cfg.epochs < whole_epochs:  # fractional last epoch
                batches = batches[: max(1, round(len(batches) * (cfg.epochs - epoch)))]
            epoch_batches.extend((name, b) for b in batches)
        mix = torch.randperm(len(epoch_batches), generator=generator).tolist()
        schedule.extend(epoch_batches[i] for i in mix)
    return schedule


def _sampled_schedule(
    task_lengths: dict[str, list[int]], cfg: TrainConfig, sampling: dict
) -> list[tuple[str, list[int]]]:
    """As many micro-batches as the proportional schedule, shared among the tasks by the sampler's probabilities."""
    whole_epochs = math.ceil(cfg.epochs)
    total = 0
    for epoch in range(whole_epochs):
        for lengths in task_lengths.values():
            batches = math.ceil(len(lengths) / cfg.batch_size)
            last = epoch == whole_epochs - 1 and cfg.epochs < whole_epochs
            total += max(1, round(batches * (cfg.epochs - epoch))) if last else batches
    counts = _allocate(sampling_probabilities({n: len(v) for n, v in task_lengths.items()}, sampling), total)
    generator = torch.Generator().manual_seed(cfg.seed)
    slots: list[tuple[str, list[int]]] = []
    for name in sorted(task_lengths):
        stream: list[list[int]] = []
        while len(stream) < counts[name]:  # a task drawn more often than its data allows starts another pass
            stream.extend(length_grouped_batches(task_lengths[name], cfg.batch_size, generator, cfg.length_grouping))
        slots.extend((name, b) for b in stream[: counts[name]])
    mix = torch.randperm(len(slots), generator=generator).tolist()
    return [slots[i] for i in mix]


def interleave_mlm(
    schedule: list[tuple[str, list[int]]], mlm_lengths: list[int], cfg: TrainConfig, ratio: float
) -> list[tuple[str, list[int]]]:
    """``schedule`` with ``ratio`` MLM micro-batches per task micro-batch, spread evenly (exact to within one over
    any prefix), drawn from seeded passes of the corpus."""
    ratio = Fraction(ratio).limit_denominator(10**6)  # floor(k * 0.29) must not fall one short by rounding
    generator = torch.Generator().manual_seed(cfg.seed)
    stream: list[list[int]] = []
    out: list[tuple[str, list[int]]] = []
    for k, item in enumerate(schedule):
        out.append(item)
        for _ in range(math.floor((k + 1) * ratio) - math.floor(k * ratio)):
            if not stream:
                stream = length_grouped_batches(mlm_lengths, cfg.batch_size, generator, cfg.length_grouping)[::-1]
            out.append((MLM, stream.pop()))
    return out


def task_proportions(schedule: list[tuple[str, list[int]]], names) -> dict[str, float]:
    """Each task's share of the micro-batches of ``schedule``."""
    return {name: sum(1 for n, _ in schedule if n == name) / max(1, len(schedule)) for name in sorted(names)}


def dev_sample(fmt: str, examples: list[dict], n: int, seed: int) -> list[dict]:
    """At most ``n`` dev examples for early stopping, in file order: a seeded sample, stratified by label for the
    formats with one label per example (each label keeps its share; the largest remainders round up). The whole set
    when it has no more than ``n``."""
    if n >= len(examples):
        return list(examples)
    rng = random.Random(seed)
    label = get_format(fmt).label_field
    if label is None:
        return [examples[i] for i in sorted(rng.sample(range(len(examples)), n))]
    groups: dict = {}
    for i, ex in enumerate(examples):
        groups.setdefault(ex[label], []).append(i)
    labels = sorted(groups, key=str)
    exact = {label: n * len(groups[label]) / len(examples) for label in labels}
    quota = {label: int(exact[label]) for label in labels}
    for label in sorted(labels, key=lambda lb: quota[lb] - exact[lb])[: n - sum(quota.values())]:
        quota[label] += 1
    chosen = [i for label in labels for i in rng.sample(groups[label], quota[label])]
    return [examples[i] for i in sorted(chosen)]


def _by_language(examples: list[dict]) -> dict[str, list[dict]]:
    """Training examples by language: English, and a research variant's translated examples (id ``<id>@<lang>``)."""
    groups: dict[str, list[dict]] = {}
    for ex in examples:
        _, at, lang = str(ex["id"]).rpartition("@")
        groups.setdefault(lang if at else "en", []).append(ex)
    return groups


def _fingerprint(
    init_dir: str,
    tasks: dict[str, TaskData],
    cfg: TrainConfig,
    sampling: dict | None,
    mlm: MLMData | None,
    tuning: dict | None = None,
    base_dir: str | None = None,
) -> str:
    # the engine's version: a checkpoint written by an earlier behaviour of the trainer is not resumed
    spec = {
        "init": os.path.abspath(init_dir),
        "cfg": asdict(cfg),
        "finetune": behaviour.VERSIONS["finetune"],
        "tasks": {n: [len(d.train), len(d.dev), d.labels] for n, d in sorted(tasks.items())},
    }
    if sampling is not None:
        spec["sampling"] = sampling
    if mlm is not None:
        spec["mlm"] = {**mlm.settings, "lines": len(mlm.lines)}
    if tuning is not None:
        spec["tuning"] = tuning
    if base_dir is not None:
        spec["base"] = os.path.abspath(base_dir)
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _rng_state() -> dict:
    state = {"torch": torch.get_rng_state(), "python": random.getstate(), "numpy": np.random.get_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _save_atomic(obj, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)  # a kill mid-write never leaves a truncated checkpoint behind


@dataclass
class FitResult:
    model: TaskModel  # the best weights (by English dev score), in eval mode
    tokenizer: object
    summary: dict


def fit(
    tasks: dict[str, TaskData],
    init_dir: str,
    cfg: TrainConfig,
    checkpoint_dir: str,
    sampling: dict | None = None,
    mlm: MLMData | None = None,
    tuning: dict | None = None,
    base_dir: str | None = None,
) -> FitResult:
    """Train ``tasks`` from the encoder in ``init_dir`` and return the best model. ``sampling`` (multi-task jobs) is
    the multi-task sampler; its configured and realised task proportions go into the summary. ``mlm`` (MLM
    variants): continued MLM interleaved with the task batches; its realised share goes into the summary.

    The checkpoint in ``checkpoint_dir`` outlives a finished run (it then holds the final state), so a job that dies
    after training but before writing its outputs resumes without retraining; call :func:`clear_checkpoint` once the
    outputs are complete. ``tuning`` (None: full): LoRA settings (stiltgrid.engine.lora); ``base_dir``: the base encoder
    when
    ``init_dir`` is a LoRA intermediate checkpoint (its adapter is merged into it)."""
    from transformers import AutoTokenizer

    runtime.seed_everything(cfg.seed)
    dev = runtime.device()
    tokenizer = AutoTokenizer.from_pretrained(init_dir)
    heads_spec = {name: {"format": d.task.format, "labels": d.labels} for name, d in tasks.items()}
    if mlm is None:
        model = TaskModel(lora.load_encoder(init_dir, base_dir), heads_spec, cfg.dropout)
    else:
        encoder, mlm_head = load_mlm(init_dir)
        model = TaskModel(encoder, heads_spec, cfg.dropout, mlm_head)
    if tuning is not None:
        lora.wrap(model, tuning)
    model = model.to(dev)
    # full training saves every weight; LoRA only what it trains (the frozen encoder is re-read from the inputs)
    weights = model.state_dict if tuning is None else (lambda: lora.trainable_state(model))
    restore = model.load_state_dict if tuning is None else (lambda state: lora.load_trainable(model, state))

    train_feats, dev_sets, truncated, warnings = {}, {}, {}, []
    for name, data in tasks.items():
        train = data.train[: cfg.max_train_examples] if cfg.max_train_examples else data.train
        train_feats[name] = F.featurize(data.task.format, train, tokenizer, cfg.max_length, data.labels, cfg.doc_stride)
        dev_sets[name] = dev_sample(data.task.format, data.dev, cfg.eval_subset, cfg.seed)
        truncated[name] = {}
        for lang, examples in sorted(_by_language(train).items()):
            stats = guards.with_shares(F.truncation(data.task.format, examples, tokenizer, cfg.max_length))
            if stats is not None:
                truncated[name][lang] = stats
                warnings.append(guards.truncation_warning(f"{name} train {lang}", stats))
    baselines = {name: guards.constant_baseline(data.task, dev_sets[name]) for name, data in tasks.items()}
    configured_epochs, cfg = cfg.epochs, _with_min_steps(cfg, train_feats)
    schedule = build_schedule({n: [F.feature_length(f) for f in fs] for n, fs in train_feats.items()}, cfg, sampling)
    feats = train_feats
    if mlm is not None:
        from transformers import DataCollatorForLanguageModeling

        ids = tokenizer(mlm.lines, truncation=True, max_length=cfg.max_length)["input_ids"]
        feats = {**train_feats, MLM: [{"input_ids": seq} for seq in ids]}
        schedule = interleave_mlm(schedule, [len(seq) for seq in ids], cfg, mlm.settings["ratio"])
        masking = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm.settings["mask_prob"])
    total_steps = max(1, math.ceil(len(schedule) / cfg.grad_accum))
    warmup_steps = int(cfg.warmup * total_steps)

    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
    trainable = [(n, p) for n, p in model.named_parameters() if p.requires_grad]  # full: every parameter
    groups = [
        {"params": [p for n, p in trainable if not n.endswith(no_decay)], "weight_decay": cfg.weight_decay},
        {"params": [p for n, p in trainable if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.lr, eps=1e-8)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / max(1, warmup_steps), max(0.0, (total_steps - s) / max(1, total_steps - warmup_steps))),
    )

    state = {
        "step": 0,
        "best_score": -math.inf,
        "bad_evals": 0,
        "history": [],
        "best_weights": None,
        "loss": [],
        "loss_curve": [],
        "loss_acc": [0.0, 0],
    }
    ckpt_dir = Path(checkpoint_dir)
    ckpt_path = ckpt_dir / "state.pt"
    fingerprint = _fingerprint(init_dir, tasks, cfg, sampling, mlm, tuning, base_dir)
    window = max(1, total_steps // 20)  # the training loss is averaged over ~1/20 of the run: the guard's curve
    if ckpt_path.exists():
        saved = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        if saved["fingerprint"] == fingerprint:
            restore(saved["model"])
            optimizer.load_state_dict(saved["optimizer"])
            scheduler.load_state_dict(saved["scheduler"])
            state = saved["state"]
            state.setdefault("loss", [])  # a checkpoint from before the loss records: their curves start here
            state.setdefault("loss_curve", [])
            state.setdefault("loss_acc", [0.0, 0])
            _set_rng_state(saved["rng"])
            log.info("resumed from %s at step %d/%d", ckpt_path, state["step"], total_steps)
        else:
            log.info("ignoring checkpoint %s: it belongs to another configuration", ckpt_path)

    def evaluate() -> tuple[float, dict[str, float]]:
        scores = {}
        for name, data in tasks.items():
            preds = inference.predict(
                model,
                name,
                data.task.format,
                dev_sets[name],
                tokenizer,
                data.labels,
                cfg.max_length,
                cfg.eval_batch_size,
                cfg.doc_stride,
                cfg.precision,
            )
            scores[name] = dev_score(data.task, dev_sets[name], preds)
        model.train()
        return float(np.mean(list(scores.values()))), scores

    acc, acc_n = 0.0, 0  # the current loss window, on the device (one sync per window, not per step)

    def flush_loss(close: bool = True) -> None:
        nonlocal acc, acc_n
        total, n = state["loss_acc"]
        total, n = total + float(acc), n + acc_n
        acc, acc_n = 0.0, 0
        if close and n:
            state["loss_curve"].append([state["step"], round(total / n, 4)])
            total, n = 0.0, 0
        state["loss_acc"] = [total, n]

    def checkpoint() -> None:
        flush_loss(close=False)  # a resumed run continues the window exactly
        ckpt_dir.mkdir(parents=True, exist_ok=True)
        _save_atomic(
            {
                "fingerprint": fingerprint,
                "model": weights(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "state": state,
                "rng": _rng_state(),
            },
            ckpt_path,
        )

    started = time.time()
    model.train()
    progress = tqdm(
        total=total_steps, initial=state["step"], desc=f"train {'+'.join(sorted(tasks))}", mininterval=30, disable=False
    )  # also in job logs (no TTY): a line every 30 s
    while state["step"] < total_steps and not state.get("stopped_early"):
        first = state["step"] * cfg.grad_accum
        micro = schedule[first : first + cfg.grad_accum]
        step_loss, n_task = 0.0, sum(1 for name, _ in micro if name != MLM)
        step_total = 0.0  # every micro-batch's loss, MLM included: the summary's per-step record
        for name, indices in micro:
            examples = [feats[name][i] for i in indices]
            batch = masking(examples) if name == MLM else F.collate(examples, tokenizer.pad_token_id)
            batch = {k: v.to(dev) for k, v in batch.items()}
            with runtime.autocast(cfg.precision, dev):
                if name == MLM:
                    loss = mlm.settings["weight"] * model.mlm_loss(batch) / len(micro)
                else:
                    loss = model(name, batch)["loss"] / len(micro)
            loss = faults.training_loss(name, state["step"] + 1, loss)  # tests only: STILTGRID_FAULT (off by default)
            if not torch.isfinite(loss):
                raise NonFiniteLoss(
                    f"non-finite training loss ({loss.item()}) on task '{name}' at optimiser step "
                    f"{state['step'] + 1} (diverged): {guards.lower_lr_advice(cfg.lr)}, or check the "
                    "data. No output was written."
                )
            loss.backward()
            step_total += loss.item()
            if name != MLM:  # the task's own loss, the same scale whatever the accumulation
                step_loss = step_loss + loss.detach() * len(micro) / n_task
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        acc = acc + step_loss
        acc_n += 1
        state["step"] += 1
        state["loss"].append(round(step_total, 4))
        if state["step"] % window == 0 or state["step"] == total_steps:
            flush_loss()
        progress.update(1)
        if state["step"] % cfg.eval_every == 0 or state["step"] == total_steps:
            score, by_task = evaluate()
            entry = {"step": state["step"], "dev": round(score, 4)}
            if len(tasks) > 1:  # multi-task: each task's own score, for its baseline check
                entry["tasks"] = {name: round(value, 4) for name, value in by_task.items()}
            state["history"].append(entry)
            if score > state["best_score"]:
                state["best_score"], state["bad_evals"] = score, 0
                state["best_weights"] = {k: v.detach().cpu().clone() for k, v in weights().items()}
            else:
                state["bad_evals"] += 1
            log.info("step %d/%d dev %.2f (best %.2f)", state["step"], total_steps, score, state["best_score"])
            if state["bad_evals"] >= cfg.patience:
                state["stopped_early"] = True
                log.info("early stopping after %d evaluations without gain", cfg.patience)
        if state["step"] % cfg.checkpoint_every == 0:
            checkpoint()
    progress.close()
    if acc_n or state["loss_acc"][1]:  # early stopping ended a window short
        flush_loss()
    checkpoint()  # the final state: a rerun after a later failure (e.g. while writing outputs) skips training

    bests = {
        name: (max(h["tasks"][name] for h in state["history"]) if len(tasks) > 1 else round(state["best_score"], 4))
        for name in tasks
    }
    # how far the weights moved tells a collapsed run from one that barely moved, both with a flat loss; measured on
    # the final weights, and only for a full run from a plain encoder the guard may warn about
    plain = tuning is None and base_dir is None
    drift = (
        _drift(model, init_dir) if plain and any(guards.may_warn(bests[n], baselines[n][0]) for n in tasks) else None
    )
    restore(state["best_weights"])
    model.eval()
    diagnoses = {}
    for name in tasks:
        best = bests[name]
        baseline, what = baselines[name]
        dev_curve = [h["tasks"][name] if len(tasks) > 1 else h["dev"] for h in state["history"]]
        diagnosis = guards.diagnose(state["loss_curve"], dev_curve, baseline, cfg, state["step"], drift)
        warning = guards.baseline_warning(name, best, round(baseline, 4), what, diagnosis)
        if warning:
            diagnoses[name] = diagnosis
        warnings.append(warning)
    warnings.append(lora.lr_warning(tuning, cfg.lr))  # None for full training
    warnings = [w for w in warnings if w]
    for warning in warnings:
        log.warning("%s", warning)
    summary = {
        "steps": state["step"],
        "total_steps": total_steps,
        "best_dev": round(state["best_score"], 4),
        "stopped_early": bool(state.get("stopped_early")),
        "seconds": round(time.time() - started, 1),
        "history": state["history"],
        "loss": _loss_curve(state["loss"]),
        "dev_subset": {name: len(d) for name, d in dev_sets.items()},
        "dev_baseline": {name: round(b, 4) for name, (b, _) in baselines.items()},
        "truncation": truncated,
        "warnings": warnings,
        "cost": _cost(schedule[: state["step"] * cfg.grad_accum], feats, dev),
    }
    if tuning is not None:  # full training's summary stays as it was
        summary["tuning"] = {**tuning, **lora.parameter_counts(model)}
    if cfg.min_steps is not None:
        summary["schedule"] = {
            "epochs": configured_epochs,
            "min_steps": cfg.min_steps,
            "epochs_trained_for": cfg.epochs,
            "steps_per_epoch": _steps_per_epoch(cfg, train_feats),
        }
    if diagnoses:  # the curves the guard read, beside its warning
        summary["diagnosis"] = {**diagnoses, "train_loss": state["loss_curve"]}
    if sampling is not None:  # realised over the micro-batches trained (early stopping may end the schedule early)
        trained = schedule[: state["step"] * cfg.grad_accum]
        configured = sampling_probabilities({n: len(fs) for n, fs in train_feats.items()}, sampling)
        summary["sampling"] = {
            **sampling,
            "training_features": {n: len(fs) for n, fs in sorted(train_feats.items())},
            "configured": {n: round(p, 6) for n, p in configured.items()},
            "realised": {n: round(p, 6) for n, p in task_proportions(trained, tasks).items()},
            "micro_batches": len(trained),
        }
    if mlm is not None:  # realised over the micro-batches trained, as the sampling's
        trained = schedule[: state["step"] * cfg.grad_accum]
        n_mlm = sum(1 for name, _ in trained if name == MLM)
        ratio = mlm.settings["ratio"]
        summary["mlm"] = {
            **mlm.settings,
            "corpus_lines": len(mlm.lines),
            "micro_batches": n_mlm,
            "task_micro_batches": len(trained) - n_mlm,
            "configured_share": round(ratio / (1 + ratio), 6),
            "realised_share": round(n_mlm / max(1, len(trained)), 6),
        }
    return FitResult(model, tokenizer, summary)


LOSS_POINTS = 500  # at most this many points of the training-loss curve in a summary


def _loss_curve(losses: list[float]) -> dict:
    """The training loss against optimiser step for the summary (the results page plots it with the dev scores of
    ``history``): each step's loss (summed over its micro-batches, MLM included), or on a run of more than
    LOSS_POINTS steps the mean over each window of ``every`` steps, at the window's last step."""
    every = max(1, math.ceil(len(losses) / LOSS_POINTS))
    steps = list(range(every, len(losses) + 1, every)) + ([len(losses)] if len(losses) % every else [])
    means = [round(float(np.mean(losses[s - every if s % every == 0 else s - s % every : s])), 4) for s in steps]
    return {"every": every, "step": steps, "loss": means}


def _drift(model: TaskModel, init_dir: str) -> float:
    """||w - w0|| / ||w0|| over the encoder's floating-point weights: the share it moved from where it started."""
    start = load_encoder(init_dir).state_dict()
    now = model.encoder.state_dict()
    moved = norm = 0.0
    for key, w0 in start.items():
        if key in now and now[key].shape == w0.shape and w0.is_floating_point():
            moved += float((now[key].detach().double().cpu() - w0.double()).pow(2).sum())
            norm += float(w0.double().pow(2).sum())
    return math.sqrt(moved / norm) if norm else 0.0


def _steps_per_epoch(cfg: TrainConfig, train_feats: dict[str, list]) -> float:
    return sum(math.ceil(len(fs) / cfg.batch_size) for fs in train_feats.values()) / cfg.grad_accum


def _with_min_steps(cfg: TrainConfig, train_feats: dict[str, list]) -> TrainConfig:
    """``cfg`` with enough epochs for ``min_steps`` optimiser steps (rounded up to 1/100 of an epoch)."""
    if cfg.min_steps is None:
        return cfg
    needed = math.ceil(100 * cfg.min_steps / max(_steps_per_epoch(cfg, train_feats), 1e-9)) / 100
    return replace(cfg, epochs=max(cfg.epochs, needed))


def _cost(trained: list[tuple[str, list[int]]], feats: dict[str, list[dict]], dev: torch.device) -> dict:
    """What the training cost, for the planner (stiltgrid.plan.planner): optimiser micro-batches, tokens trained on and
    the padded tokens the device computed, and on CUDA the peak memory allocated."""
    lengths = [[F.feature_length(feats[name][i]) for i in indices] for name, indices in trained]
    cost = {
        "micro_batches": len(trained),
        "tokens": sum(map(sum, lengths)),
        "padded_tokens": sum(max(batch) * len(batch) for batch in lengths if batch),
    }
    if dev.type == "cuda":
        cost["gpu_memory_peak_mb"] = round(torch.cuda.max_memory_allocated(dev) / 2**20, 1)
    return cost


def clear_checkpoint(checkpoint_dir: str) -> None:
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
