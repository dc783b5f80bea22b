"""Training throughput and peak memory of our training path against fixed padding and a plain transformers.Trainer.

Part 1 (throughput): one small XLM-R-architecture encoder (random init), trained on sentence pairs whose token
lengths follow an MNLI-like log-normal distribution, in four modes, each in a fresh process:

* ``ours``        stiltgrid's path: ``length_grouped_batches`` + ``features.collate`` (dynamic padding) + TaskModel,
                  the optimiser step of ``trainer.fit`` (AdamW, linear schedule, clipping);
* ``ours-random`` the same with ``length_grouping: false`` (random batches, dynamic padding);
* ``fixed``       the same model and loop, random batches padded to max_length (what jiant does);
* ``hf``          ``transformers.Trainer`` on AutoModelForSequenceClassification (same config and data) with its
                  default random sampler and ``DataCollatorWithPadding`` (dynamic padding to the batch's longest).

Part 2 (final metrics): ``trainer.fit`` itself on the generated world's ``xnli`` (English train/dev), from a tiny MLM
pre-trained here, for each seed: ours, ours with ``length_grouping: false``, and fixed padding (``collate`` padded
to max_length, random batches, as jiant). All runs of a seed take the same number of optimiser steps.

    nice -n 10 python bench/train_throughput.py     # the recorded run (about 15 min on one core)
    python bench/train_throughput.py --quick         # smoke test (seconds)
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MODES = ("ours", "ours-random", "fixed", "hf")
LABELS = ["entailment", "neutral", "contradiction"]
SPECIALS = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]  # the ids checkpoint.train_tokenizer gives them


# -- data ------------------------------------------------------------------------------------------------------------
def pair_lengths(n: int, median: float, sigma: float, max_length: int, seed: int) -> list[int]:
    """Token lengths of sentence pairs (specials included): log-normal, clipped to [8, max_length]."""
    rng = random.Random(seed)
    return [min(max_length, max(8, round(rng.lognormvariate(math.log(median), sigma)))) for _ in range(n)]


def synthetic_pairs(lengths: list[int], vocab: int, seed: int) -> list[dict]:
    """Pairs of made-up words (one token each under the word-level tokenizer); premise about 2/3 of the words."""
    rng = random.Random(seed)
    rows = []
    for i, total in enumerate(lengths):
        words = total - 4  # <s> A </s> </s> B </s>
        first = min(words - 1, max(1, round(words * rng.uniform(0.55, 0.8))))
        ids = [rng.randrange(vocab) for _ in range(words)]
        rows.append(
            {
                "id": f"p{i}",
                "text_a": " ".join(f"w{t}" for t in ids[:first]),
                "text_b": " ".join(f"w{t}" for t in ids[first:]),
                "label": rng.choice(LABELS),
            }
        )
    return rows


def word_tokenizer(vocab: int, max_length: int):
    """A word-level fast tokenizer with XLM-R's special tokens and pair template: one token per word, so the token
    lengths are exactly the drawn ones and tokenisation costs nothing worth measuring."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    table = {tok: i for i, tok in enumerate(SPECIALS)}
    table.update({f"w{i}": len(SPECIALS) + i for i in range(vocab)})
    core = Tokenizer(models.WordLevel(table, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    core.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=core,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        mask_token="<mask>",
        cls_token="<s>",
        sep_token="</s>",
    )
    tokenizer.model_max_length = max_length
    return tokenizer


def encoder_config(args, vocab_size: int, pad_id: int, num_labels: int = 3):
    from transformers import XLMRobertaConfig

    return XLMRobertaConfig(
        vocab_size=vocab_size,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=max(1, args.hidden // 64),
        intermediate_size=4 * args.hidden,
        max_position_embeddings=args.max_length + 2,
        pad_token_id=pad_id,
        bos_token_id=0,
        eos_token_id=2,
        type_vocab_size=1,
        num_labels=num_labels,
    )


# -- memory ----------------------------------------------------------------------------------------------------------
def peak_mib(device) -> float:
    import torch

    if device.type == "cuda":
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


# -- one mode, in its own process ------------------------------------------------------------------------------------
def worker(args, mode: str) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    device = torch.device(
        "cuda" if args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available()) else "cpu"
    )
    tokenizer = word_tokenizer(args.vocab, args.max_length)
    lengths = pair_lengths(args.examples, args.median, args.sigma, args.max_length, args.seed)
    examples = synthetic_pairs(lengths, args.vocab, args.seed)
    steps = args.warmup_steps + args.steps
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    if mode == "hf":
        result = run_hf(args, tokenizer, examples, device, steps)
    else:
        result = run_ours(args, tokenizer, examples, device, steps, mode)
    result.update(mode=mode, device=str(device), threads=args.threads)
    return result


def run_ours(args, tokenizer, examples, device, steps, mode) -> dict:
    import torch
    from transformers import XLMRobertaModel

    from stiltgrid.engine import features as F
    from stiltgrid.engine.model import TaskModel
    from stiltgrid.engine.trainer import length_grouped_batches

    feats = F.featurize("pair_classification", examples, tokenizer, args.max_length, LABELS)
    flen = [F.feature_length(f) for f in feats]
    generator = torch.Generator().manual_seed(args.seed)
    batches = length_grouped_batches(flen, args.batch_size, generator, group=(mode == "ours"))
    if len(batches) < steps:
        raise SystemExit(f"--examples {args.examples} gives {len(batches)} batches; need {steps}")
    pad_to = args.max_length if mode == "fixed" else None
    longest_batch = max(batches, key=lambda b: max(flen[i] for i in b))

    torch.manual_seed(args.seed)
    config = encoder_config(args, len(tokenizer), tokenizer.pad_token_id)
    encoder = XLMRobertaModel(config, add_pooling_layer=False)
    model = TaskModel(encoder, {"pair": {"format": "pair_classification", "labels": LABELS}}, 0.1).to(device)
    # trainer.fit's optimiser: AdamW without decay on biases and norms, linear warm-up and decay, clipping
    no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight")
    groups = [
        {"params": [p for n, p in model.named_parameters() if not n.endswith(no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if n.endswith(no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, eps=1e-8)
    warm = max(1, steps // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / steps))
    )

    def step(indices) -> tuple[int, int]:
        batch = F.collate([feats[i] for i in indices], tokenizer.pad_token_id, pad_to=pad_to)
        batch = {k: v.to(device) for k, v in batch.items()}
        loss = model("pair", batch)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        return batch["input_ids"].numel(), int(batch["attention_mask"].sum())

    model.train()
    setup_mib = peak_mib(device)
    for indices in batches[: args.warmup_steps]:
        step(indices)
    sync(device)
    start, start_cpu = time.perf_counter(), time.process_time()
    slots = real = n = 0
    for indices in batches[args.warmup_steps : steps]:
        s, r = step(indices)
        slots, real, n = slots + s, real + r, n + len(indices)
    sync(device)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
    timed_mib = peak_mib(device)
    step(longest_batch)  # the epoch's longest batch sets the peak of a whole epoch
    sync(device)
    return {
        "examples": n,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "real_tokens": real,
        "padded_tokens": slots,
        "setup_mib": setup_mib,
        "timed_mib": timed_mib,
        "epoch_mib": peak_mib(device),
        "longest_batch_len": max(flen[i] for i in longest_batch) if pad_to is None else pad_to,
    }


def run_hf(args, tokenizer, examples, device, steps) -> dict:
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        DataCollatorWithPadding,
        Trainer,
        TrainerCallback,
        TrainingArguments,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    enc = tokenizer(
        [e["text_a"] for e in examples], [e["text_b"] for e in examples], truncation=True, max_length=args.max_length
    )
    data = [
        {
            "input_ids": enc["input_ids"][i],
            "attention_mask": enc["attention_mask"][i],
            "labels": LABELS.index(e["label"]),
        }
        for i, e in enumerate(examples)
    ]
    collator = DataCollatorWithPadding(tokenizer)  # the Trainer's default when given a tokenizer: dynamic padding
    torch.manual_seed(args.seed)
    model = AutoModelForSequenceClassification.from_config(encoder_config(args, len(tokenizer), tokenizer.pad_token_id))

    class Clock(TrainerCallback):
        def __init__(self):
            self.marks, self.slots, self.real = {}, 0, 0

        def on_step_end(self, targs, state, control, **kw):
            sync(device)
            if state.global_step in (args.warmup_steps, steps):
                self.marks[state.global_step] = (time.perf_counter(), time.process_time())

    clock = Clock()
    sizes = []

    def counting_collator(rows):
        batch = collator(rows)
        sizes.append((batch["input_ids"].numel(), int(batch["attention_mask"].sum()), len(rows)))
        return batch

    with tempfile.TemporaryDirectory() as out:
        targs = TrainingArguments(
            output_dir=out,
            per_device_train_batch_size=args.batch_size,
            max_steps=steps,
            learning_rate=args.lr,
            weight_decay=0.01,
            warmup_steps=max(1, steps // 10),
            lr_scheduler_type="linear",
            max_grad_norm=1.0,
            optim="adamw_torch",
            logging_strategy="no",
            save_strategy="no",
            report_to="none",
            seed=args.seed,
            dataloader_num_workers=0,
            use_cpu=device.type == "cpu",
            disable_tqdm=True,
            train_sampling_strategy=args.hf_sampling,
        )
        trainer = Trainer(
            model=model, args=targs, train_dataset=data, data_collator=counting_collator, callbacks=[clock]
        )
        setup_mib = peak_mib(device)
        trainer.train()
        timed_mib = peak_mib(device)
        # the epoch's peak: a random batch holding the longest example, one more optimiser step
        longest = max(range(len(data)), key=lambda i: len(data[i]["input_ids"]))
        rows = [data[longest]] + random.Random(args.seed).sample(data, args.batch_size - 1)
        batch = {k: v.to(device) for k, v in collator(rows).items()}
        trainer.model.train()
        trainer.model(**batch).loss.backward()
        trainer.optimizer.step()
        trainer.optimizer.zero_grad(set_to_none=True)
        sync(device)
    # the dataloader may fetch ahead; count exactly the batches of the timed steps
    timed = sizes[args.warmup_steps : steps]
    (wall0, cpu0), (wall1, cpu1) = clock.marks[args.warmup_steps], clock.marks[steps]
    return {
        "examples": sum(s[2] for s in timed),
        "seconds": wall1 - wall0,
        "cpu_seconds": cpu1 - cpu0,
        "real_tokens": sum(s[1] for s in timed),
        "padded_tokens": sum(s[0] for s in timed),
        "setup_mib": setup_mib,
        "timed_mib": timed_mib,
        "epoch_mib": peak_mib(device),
        "longest_batch_len": len(data[longest]["input_ids"]),
        "hf_sampling": args.hf_sampling,
    }


def padding_invariance(init_dir, examples: list[dict], max_length: int) -> float:
    """Largest logit difference on one batch between dynamic padding and padding to max_length (eval mode): the
    attention mask makes them the same function, so only the batch order of training can move the metrics."""
    import torch
    from transformers import AutoTokenizer

    from stiltgrid.engine import features as F
    from stiltgrid.engine.model import TaskModel, load_encoder

    tokenizer = AutoTokenizer.from_pretrained(str(init_dir))
    feats = F.featurize("pair_classification", examples, tokenizer, max_length, LABELS)
    torch.manual_seed(0)
    model = TaskModel(load_encoder(init_dir), {"xnli": {"format": "pair_classification", "labels": LABELS}}).eval()
    with torch.no_grad():
        dynamic = model("xnli", F.collate(feats, tokenizer.pad_token_id))["logits"]
        fixed = model("xnli", F.collate(feats, tokenizer.pad_token_id, pad_to=max_length))["logits"]
    return float((dynamic - fixed).abs().max())


# -- part 2: final metrics with trainer.fit --------------------------------------------------------------------------
def metrics_check(args) -> list[dict]:
    """Dev accuracy on the world's xnli after the same number of optimiser steps, per seed and mode."""
    import glob

    from stiltgrid.core.hparams import TrainConfig
    from stiltgrid.data.world import generate_world
    from stiltgrid.engine import features as F
    from stiltgrid.engine import trainer
    from stiltgrid.engine.mlm import pretrain_scratch
    from stiltgrid.formats import read_jsonl
    from stiltgrid.runtime import process as runtime
    from stiltgrid.tasks import get_task
    from stiltgrid.world import DEFAULT_WORLD

    runtime.setup(threads=args.threads)  # quiet the HF libraries as every job does
    logging.getLogger("stiltgrid").setLevel(logging.WARNING)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "world"
        generate_world(
            {**DEFAULT_WORLD, "seed": 13},
            world,
            tasks={"xnli": {"train": args.metric_train, "dev": args.metric_dev}},
            corpus_sentences=args.metric_corpus,
            test_langs=["en"],
        )
        init = Path(tmp) / "mlm"
        pretrain_scratch(
            sorted(glob.glob(str(world / "corpus" / "*.txt"))),
            init,
            dict(
                seed=0,
                vocab_size=3000,
                hidden_size=args.metric_hidden,
                layers=args.metric_layers,
                heads=4,
                intermediate_size=4 * args.metric_hidden,
                max_length=128,
                mask_prob=0.15,
                lr=1e-3,
                steps=args.metric_pretrain_steps,
                batch_size=64,
                warmup=0.05,
            ),
        )
        task = get_task("xnli")
        train = read_jsonl(world / "tasks" / "xnli" / "train.jsonl", task.format, list(task.labels))
        dev = read_jsonl(world / "tasks" / "xnli" / "dev.jsonl", task.format, list(task.labels))
        data = {"xnli": trainer.TaskData(task, train, dev, list(task.labels))}
        rows.append({"padding_logit_diff": padding_invariance(init, train[:32], args.metric_max_length)})
        original = F.collate
        for seed in args.metric_seeds:
            for mode in ("ours", "ours-random", "fixed"):
                cfg = TrainConfig(
                    lr=1e-3,
                    epochs=args.metric_epochs,
                    batch_size=32,
                    max_length=args.metric_max_length,
                    eval_every=10**9,
                    eval_subset=args.metric_dev,
                    patience=10**9,
                    checkpoint_every=10**9,
                    length_grouping=(mode == "ours"),
                    seed=seed,
                )
                if mode == "fixed":  # jiant: every batch (train and eval) padded to max_length
                    F.collate = lambda feats, pad_id, cfg=cfg: original(feats, pad_id, pad_to=cfg.max_length)
                try:
                    ckpt = Path(tmp) / f"ckpt-{mode}-{seed}"
                    result = trainer.fit(data, str(init), cfg, str(ckpt))
                    trainer.clear_checkpoint(str(ckpt))
                finally:
                    F.collate = original
                rows.append(
                    {
                        "seed": seed,
                        "mode": mode,
                        "steps": result.summary["steps"],
                        "dev_acc": result.summary["best_dev"],
                        "seconds": result.summary["seconds"],
                    }
                )
    return rows


# -- driver ----------------------------------------------------------------------------------------------------------
def run_modes(modes: list[str], argv: list[str], threads: int) -> dict[str, dict]:
    """Run modes one after another in one fresh process; a process per mode keeps peak memory comparable."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    proc = subprocess.run(
        [sys.executable, __file__, *argv, "--worker", ",".join(modes)], env=env, capture_output=True, text=True
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or len(lines) != len(modes):
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"modes {modes} failed (exit {proc.returncode})")
    results = [json.loads(line[len("RESULT ") :]) for line in lines]
    return {r["mode"]: r for r in results}


def describe_lengths(args) -> str:
    lengths = sorted(pair_lengths(args.examples, args.median, args.sigma, args.max_length, args.seed))
    q = lambda p: lengths[min(len(lengths) - 1, int(p * len(lengths)))]  # noqa: E731
    return (
        f"pair lengths (tokens incl. specials): median {q(0.5)}, mean {statistics.mean(lengths):.1f}, "
        f"p90 {q(0.9)}, p99 {q(0.99)}, max {lengths[-1]}; "
        f"{sum(x == args.max_length for x in lengths)} of {len(lengths)} at max_length"
    )


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    p.add_argument("--modes", default=",".join(MODES), help=f"comma list of {MODES}")
    p.add_argument("--examples", type=int, default=4096, help="size of the synthetic training set")
    p.add_argument("--steps", type=int, default=30, help="timed optimiser steps per mode")
    p.add_argument("--warmup-steps", type=int, default=3, help="untimed steps before timing")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-length", type=int, default=256)
    p.add_argument("--median", type=float, default=40.0, help="median pair length (log-normal)")
    p.add_argument("--sigma", type=float, default=0.5, help="log-normal sigma of the pair length")
    p.add_argument("--vocab", type=int, default=8000, help="word-level vocabulary size (embedding rows)")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=4)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads per process")
    p.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    p.add_argument(
        "--hf-sampling",
        choices=("random", "group_by_length"),
        default="random",
        help="transformers.Trainer train_sampling_strategy (its default is random)",
    )
    p.add_argument("--skip-metrics", action="store_true", help="skip part 2 (trainer.fit dev accuracy)")
    p.add_argument("--metrics-only", action="store_true", help="run only part 2")
    p.add_argument("--metric-seeds", default="1,2,3")
    p.add_argument("--metric-epochs", type=float, default=3.0)
    p.add_argument("--metric-train", type=int, default=3000)
    p.add_argument("--metric-dev", type=int, default=500)
    p.add_argument("--metric-corpus", type=int, default=3000, help="world corpus lines of a volume-1.0 language")
    p.add_argument("--metric-max-length", type=int, default=96, help="max_length (the demo preset's)")
    p.add_argument("--metric-hidden", type=int, default=128)
    p.add_argument("--metric-layers", type=int, default=2)
    p.add_argument("--metric-pretrain-steps", type=int, default=600)
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.quick:
        args.examples, args.steps, args.warmup_steps, args.batch_size = 256, 3, 1, 16
        args.max_length, args.median, args.vocab, args.hidden, args.layers = 64, 20.0, 500, 64, 1
        args.metric_seeds, args.metric_epochs, args.metric_train, args.metric_dev = "1", 1.0, 200, 50
        args.metric_corpus, args.metric_hidden, args.metric_layers, args.metric_pretrain_steps = 200, 32, 1, 5
        args.metric_max_length = 64
    args.metric_seeds = [int(s) for s in str(args.metric_seeds).split(",") if s]
    unknown = set(args.modes.split(",")) - set(MODES)
    if unknown:
        p.error(f"unknown modes {sorted(unknown)}; use {MODES}")
    return args


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    if args.worker:
        for mode in args.worker.split(","):
            print("RESULT " + json.dumps(worker(args, mode)), flush=True)
        return
    print(
        f"settings: {args.examples} synthetic pairs, batch {args.batch_size}, max_length {args.max_length}, "
        f"{args.warmup_steps} warm-up + {args.steps} timed steps per mode, threads {args.threads}, "
        f"device {args.device}"
    )
    print(
        f"model: XLM-R architecture, random init, hidden {args.hidden}, {args.layers} layers, "
        f"{max(1, args.hidden // 64)} heads, FFN {4 * args.hidden}, vocab {args.vocab + len(SPECIALS)}, dropout 0.1"
    )
    print(
        f"lengths: log-normal(median {args.median:g}, sigma {args.sigma:g}) clipped to [8, {args.max_length}]; "
        + describe_lengths(args)
    )
    if not args.metrics_only:
        modes = args.modes.split(",")
        if args.quick:  # one process for all modes (imports dominate); peaks are then not comparable
            results = run_modes(modes, argv, args.threads)
        else:
            results = {m: r for mode in modes for m, r in run_modes([mode], argv, args.threads).items()}
        device = next(iter(results.values()))["device"]
        # one thread on a shared CPU: CPU time of the process is what the mode costs, whatever else runs
        clock = "cpu_seconds" if device == "cpu" and args.threads == 1 else "seconds"
        unit = "CPU-second of the process (wall-clock in brackets)" if clock == "cpu_seconds" else "second"
        print(f"\nthroughput per {unit}")
        print(
            f"{'mode':<12} {'examples/s':>10} {'(wall)':>8} {'real tok/s':>10} {'pad share':>9} {'peak MiB':>9} "
            f"{'+train MiB':>10} {'epoch peak':>10} {'+train MiB':>10}"
        )
        for m, r in results.items():
            print(
                f"{m:<12} {r['examples'] / r[clock]:>10.1f} {'(%.1f)' % (r['examples'] / r['seconds']):>8} "
                f"{r['real_tokens'] / r[clock]:>10.0f} "
                f"{1 - r['real_tokens'] / r['padded_tokens']:>9.1%} {r['timed_mib']:>9.0f} "
                f"{r['timed_mib'] - r['setup_mib']:>10.0f} {r['epoch_mib']:>10.0f} "
                f"{r['epoch_mib'] - r['setup_mib']:>10.0f}"
            )
        kind = "torch.cuda.max_memory_allocated" if device.startswith("cuda") else "ru_maxrss of the mode's process"
        print(
            f"(peak MiB: {kind} over the timed steps; epoch peak: after one more step on the epoch's longest "
            "batch; +train: above the set-up before the first step)"
        )
        if args.quick:
            print("(--quick: all modes ran in one process, so only the first mode's memory figures stand alone)")
        if "hf" in results:
            print(
                f"hf: transformers.Trainer, sampler '{results['hf']['hf_sampling']}', DataCollatorWithPadding "
                "(dynamic padding to the batch's longest)"
            )
        rate = {m: r["examples"] / r[clock] for m, r in results.items()}
        for other in ("fixed", "hf", "ours-random"):
            if "ours" in rate and other in rate:
                print(f"speed-up ours vs {other:<11}: {rate['ours'] / rate[other]:.2f}x examples/s")
    if not args.skip_metrics:
        print(
            f"\nfinal metrics: trainer.fit on world xnli (train {args.metric_train}, dev {args.metric_dev}), "
            f"tiny MLM pre-trained here (hidden {args.metric_hidden}, {args.metric_layers} layers, "
            f"{args.metric_pretrain_steps} steps), lr 1e-3, batch 32, {args.metric_epochs:g} epochs, "
            f"max_length {args.metric_max_length}, threads {args.threads}"
        )
        rows = metrics_check(args)
        print(
            f"same batch, dynamic vs fixed padding (eval mode): max |logit difference| "
            f"{rows.pop(0)['padding_logit_diff']:.2e}"
        )
        print(f"{'seed':>4} {'mode':<12} {'steps':>5} {'dev acc':>7} {'fit s':>7}")
        for r in rows:
            print(f"{r['seed']:>4} {r['mode']:<12} {r['steps']:>5} {r['dev_acc']:>7.1f} {r['seconds']:>7.1f}")
        by_mode: dict[str, list[float]] = {}
        for r in rows:
            by_mode.setdefault(r["mode"], []).append(r["dev_acc"])
        for mode, accs in by_mode.items():
            sd = statistics.stdev(accs) if len(accs) > 1 else 0.0
            print(f"mean dev acc {mode:<12}: {statistics.mean(accs):.1f} (sd {sd:.1f}, {len(accs)} seeds)")


if __name__ == "__main__":
    main()
