"""Full fine-tuning vs LoRA (stiltgrid.engine.lora) on the same model and data, in one run: trainable parameters, the
intermediate checkpoint's bytes, training examples per second; then the checkpoint ratio of XLM-R Large at the
paper's settings, computed from its architecture (no download).

Part 1: an XLM-R-architecture encoder (random init; ``--hidden``, ``--layers``) with a 3-label classification head,
trained on random token sequences of ``--length`` tokens, batch ``--batch-size``, for ``--steps`` optimiser steps
after ``--warmup`` untimed ones, in TaskModel with the trainer's optimiser step (AdamW over the trainable
parameters, clipping). Full and LoRA alternate in rounds (``--rounds``) and the median round is reported, so a
machine's load drifts into both alike. The checkpoint is what the intermediate job keeps: full, the encoder
(``save_pretrained``); LoRA, adapter + heads (``lora.save_checkpoint``), tokenizer files aside.

Part 2: XLM-R Large (config.json fields in stiltgrid.engine.lora.ARCHITECTURES), LoRA rank 8 on query and value (the
`paper-lora` preset), with an MNLI head (3 labels) and with a SQuAD span head.

    nice -n 10 python bench/lora.py                        # the recorded run (CPU, about a minute)
    python bench/lora.py --device cuda --hidden 1024 --layers 24 --length 256 --batch-size 32   # XLM-R Large shape
    python bench/lora.py --quick                           # smoke test (seconds)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))

import torch  # noqa: E402

from stiltgrid.engine import lora  # noqa: E402
from stiltgrid.engine.model import TaskModel  # noqa: E402

PAPER = lora.resolve(
    [("paper-lora", {"method": "lora", "rank": 8, "alpha": 16, "dropout": 0.1, "modules": ["query", "value"]})]
)


class Tokens:
    """What save_pretrained needs of a tokenizer here: nothing (the checkpoints are compared without one)."""

    def save_pretrained(self, _):
        pass


def build(args, tuning) -> TaskModel:
    from transformers import XLMRobertaConfig, XLMRobertaModel

    torch.manual_seed(0)
    config = XLMRobertaConfig(
        vocab_size=args.vocab,
        hidden_size=args.hidden,
        num_hidden_layers=args.layers,
        num_attention_heads=max(1, args.hidden // 64),
        intermediate_size=4 * args.hidden,
        max_position_embeddings=args.length + 2,
        type_vocab_size=1,
        pad_token_id=1,
    )
    model = TaskModel(
        XLMRobertaModel(config, add_pooling_layer=False),
        {"task": {"format": "classification", "labels": ["a", "b", "c"]}},
    )
    if tuning is not None:
        lora.wrap(model, tuning)
    return model.to(args.device)


def batches(args):
    g = torch.Generator().manual_seed(1)
    for _ in range(args.warmup + args.steps):
        yield {
            "input_ids": torch.randint(5, args.vocab, (args.batch_size, args.length), generator=g),
            "attention_mask": torch.ones(args.batch_size, args.length, dtype=torch.long),
            "labels": torch.randint(0, 3, (args.batch_size,), generator=g),
        }


def round_time(model, args) -> float:
    """Seconds of ``--steps`` training steps (after ``--warmup`` untimed ones)."""
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-4)
    model.train()
    started = None
    for step, batch in enumerate(batches(args)):
        if step == args.warmup:
            if args.device == "cuda":
                torch.cuda.synchronize()
            started = time.perf_counter()
        batch = {k: v.to(args.device) for k, v in batch.items()}
        with torch.autocast(args.device, dtype=torch.bfloat16, enabled=args.device == "cuda"):
            loss = model("task", batch)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    if args.device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - started


def checkpoint_bytes(model, tuning) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if tuning is None:
            model.save(tmp, with_heads=False)
        else:
            lora.save_checkpoint(model, tmp, Tokens())
        return lora.artefact_bytes(tmp)


def part1(args) -> dict:
    tunings = {"full": None, "lora": PAPER}
    models = {name: build(args, tuning) for name, tuning in tunings.items()}
    times, peaks = {name: [] for name in tunings}, {name: 0.0 for name in tunings}
    for _ in range(args.rounds):
        for name, model in models.items():
            if args.device == "cuda":
                torch.cuda.reset_peak_memory_stats()
            times[name].append(round_time(model, args))
            if args.device == "cuda":  # both models stay resident: the other's weights are in every peak
                peaks[name] = max(peaks[name], torch.cuda.max_memory_allocated() / 2**20)
    out = {}
    for name, model in models.items():
        seconds = statistics.median(times[name])
        out[name] = {
            **lora.parameter_counts(model),
            "checkpoint_bytes": checkpoint_bytes(model, tunings[name]),
            "examples_per_s": args.steps * args.batch_size / seconds,
            "rounds_s": [round(t, 3) for t in times[name]],
        }
        if args.device == "cuda":
            out[name]["gpu_memory_peak_mb"] = round(peaks[name], 1)
    return out


def part2() -> dict:
    arch = lora.ARCHITECTURES["FacebookAI/xlm-roberta-large"]
    full = lora.sizes(arch, None)
    rows = {"full (encoder)": full}
    for label, heads in (("LoRA + MNLI head", [("pair_classification", 3)]), ("LoRA + SQuAD head", [("span_qa", 0)])):
        rows[label] = lora.sizes(arch, PAPER, heads)
    return {label: {**r, "ratio": full["checkpoint_bytes"] / r["checkpoint_bytes"]} for label, r in rows.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tiny model and a few steps (smoke test)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.hidden, args.layers, args.vocab, args.length = 64, 2, 500, 32
        args.steps, args.warmup, args.rounds = 3, 1, 1
    torch.set_num_threads(torch.get_num_threads())
    print(
        f"part 1: XLM-R architecture, hidden {args.hidden}, {args.layers} layers, vocab {args.vocab}, "
        f"{args.length} tokens x batch {args.batch_size}, {args.steps} steps x {args.rounds} rounds on "
        f"{args.device}; LoRA: {lora.describe(PAPER)}"
    )
    one = part1(args)
    print(f"{'':<6}{'parameters':>14}{'trainable':>14}{'checkpoint':>14}{'examples/s':>12}")
    for name, r in one.items():
        print(
            f"{name:<6}{r['parameters']:>14,}{r['trainable_parameters']:>14,}"
            f"{lora.human_bytes(r['checkpoint_bytes']):>14}{r['examples_per_s']:>12.1f}"
        )
    print(
        f"LoRA vs full: {one['full']['trainable_parameters'] / one['lora']['trainable_parameters']:.1f}x fewer "
        f"trainable parameters, checkpoint {one['full']['checkpoint_bytes'] / one['lora']['checkpoint_bytes']:.1f}x "
        f"smaller, training {one['lora']['examples_per_s'] / one['full']['examples_per_s']:.2f}x the examples/s"
    )
    two = part2()
    print(f"\npart 2: XLM-R Large (from its architecture), {lora.describe(PAPER)}, fp32 checkpoints")
    print(f"{'':<24}{'parameters':>14}{'trainable':>14}{'checkpoint':>12}{'smaller':>9}")
    for label, r in two.items():
        print(
            f"{label:<24}{r['parameters']:>14,}{r['trainable_parameters']:>14,}"
            f"{lora.human_bytes(r['checkpoint_bytes']):>12}{r['ratio']:>8.0f}x"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"part1": one, "part2": two, "args": vars(args)}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
