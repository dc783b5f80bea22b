"""Model FLOPs utilisation of one XLM-R Large fine-tuning step on a GPU.

XLM-R Large architecture (24 layers, hidden 1024, 16 heads, FFN 4096, vocab 250002, 514 positions), random init (no
download), sequence classification (3 labels), every sequence ``--seq-len`` tokens long (no padding), AdamW.
Precision: bf16 autocast; weights, gradients and AdamW state stay fp32 (the fp32 master weights are the weights
themselves), as stiltgrid's ``runtime.autocast`` trains. One random batch is reused, so data loading is not timed.

FLOPs counted per optimiser step (forward + backward), T = tokens in the step = batch x seq_len:

    6 x N x T  +  12 x layers x hidden x seq_len x T

N = parameters outside the embeddings (word, position, token-type; the classification head counts). The second term
is attention's score and value products (QK^T and AV, forward and backward). MFU = achieved FLOP/s divided by the
GPU's dense bf16 peak (table below; ``--peak-tflops`` overrides).

    python bench/gpu_mfu.py [--batch-size 32] [--attn sdpa] [--compile] [--fused-adamw]
    python bench/gpu_mfu.py --tiny                  # 2-layer toy config, a few steps; runs on CPU
"""

from __future__ import annotations

import argparse
import time

# Dense (no sparsity) bf16 tensor-core peak, TFLOP/s, by a substring of torch.cuda.get_device_name().
# Checked in order. H100 NVL and other names are not in the table: pass --peak-tflops.
PEAK_BF16_TFLOPS = (
    ("H100 PCIe", 756.0),
    ("H100 NVL", None),
    ("H100", 989.4),  # SXM ("NVIDIA H100 80GB HBM3")
    ("H200", 989.4),
    ("A100", 312.0),
)

LARGE = dict(
    num_hidden_layers=24,
    hidden_size=1024,
    num_attention_heads=16,
    intermediate_size=4096,
    vocab_size=250002,
    max_position_embeddings=514,
)
TINY = dict(
    num_hidden_layers=2,
    hidden_size=128,
    num_attention_heads=2,
    intermediate_size=512,
    vocab_size=1000,
    max_position_embeddings=130,
)


def peak_for(name: str) -> float | None:
    for key, peak in PEAK_BF16_TFLOPS:
        if key.lower() in name.lower():
            return peak
    return None


def step_flops(non_embedding_params: int, layers: int, hidden: int, seq_len: int, tokens: int) -> float:
    return 6.0 * non_embedding_params * tokens + 12.0 * layers * hidden * seq_len * tokens


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--warmup", type=int, default=5, help="untimed steps (include torch.compile's compilation)")
    p.add_argument("--steps", type=int, default=20, help="timed steps")
    p.add_argument("--attn", default="sdpa", help="transformers attn_implementation: sdpa, eager, flash_attention_2")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--fused-adamw", action="store_true", help="AdamW(fused=True) instead of the foreach default")
    p.add_argument("--no-clip", action="store_true", help="skip gradient clipping (stiltgrid clips at 1.0)")
    p.add_argument("--precision", choices=("bf16", "fp32"), default="bf16", help="bf16 autocast or plain fp32")
    p.add_argument("--peak-tflops", type=float, default=None, help="the GPU's dense bf16 peak, overrides the table")
    p.add_argument("--tiny", action="store_true", help="2-layer toy config, seq 64, batch 2, 1 + 2 steps (smoke test)")
    p.add_argument("--device", choices=("auto", "cuda", "cpu"), default="auto")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads (CPU runs only; oversubscribing a shared CPU makes every step wait)",
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if args.tiny:
        args.seq_len, args.batch_size, args.warmup, args.steps = 64, 2, 1, 2

    import torch
    from transformers import AutoModelForSequenceClassification, XLMRobertaConfig
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    torch.manual_seed(args.seed)
    cuda = args.device == "cuda" or (args.device == "auto" and torch.cuda.is_available())
    device = torch.device("cuda" if cuda else "cpu")
    if not cuda:
        torch.set_num_threads(args.threads)
    sizes = TINY if args.tiny else LARGE
    if args.seq_len + 2 > sizes["max_position_embeddings"]:
        p.error(f"--seq-len {args.seq_len} exceeds the {sizes['max_position_embeddings'] - 2} positions of the model")
    config = XLMRobertaConfig(**sizes, num_labels=3, type_vocab_size=1, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    with device:  # build the weights where they live (560M parameters)
        model = AutoModelForSequenceClassification.from_config(config, attn_implementation=args.attn)
    model = model.float().train()
    total = sum(p.numel() for p in model.parameters())
    non_embedding = sum(p.numel() for n, p in model.named_parameters() if "embeddings" not in n)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=1e-5, weight_decay=0.01, **({"fused": True} if args.fused_adamw else {})
    )
    step_model = torch.compile(model) if args.compile else model
    bf16 = args.precision == "bf16" and cuda
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16)

    generator = torch.Generator().manual_seed(args.seed)
    input_ids = torch.randint(5, config.vocab_size, (args.batch_size, args.seq_len), generator=generator)
    input_ids[:, 0], input_ids[:, -1] = 0, 2  # <s> ... </s>
    batch = {
        "input_ids": input_ids.to(device),
        "attention_mask": torch.ones_like(input_ids).to(device),
        "labels": torch.randint(3, (args.batch_size,), generator=generator).to(device),
    }

    def step() -> None:
        with autocast:
            loss = step_model(**batch).loss
        loss.backward()
        if not args.no_clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    for _ in range(args.warmup):
        step()
    sync()
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    sync()
    seconds = (time.perf_counter() - start) / args.steps

    tokens = args.batch_size * args.seq_len
    flops = step_flops(non_embedding, config.num_hidden_layers, config.hidden_size, args.seq_len, tokens)
    achieved = flops / seconds / 1e12
    name = torch.cuda.get_device_name() if cuda else "CPU"
    peak, source = (args.peak_tflops, "--peak-tflops") if args.peak_tflops else (peak_for(name), "table")
    print(f"device: {name}; torch {torch.__version__}")
    print(
        f"model: XLM-R {'tiny (--tiny)' if args.tiny else 'Large'} architecture, random init: "
        f"{config.num_hidden_layers} layers, hidden {config.hidden_size}, {config.num_attention_heads} heads, "
        f"FFN {config.intermediate_size}, vocab {config.vocab_size}; {total / 1e6:.1f}M parameters, "
        f"{non_embedding / 1e6:.1f}M outside the embeddings"
    )
    print(
        f"settings: batch {args.batch_size} x seq {args.seq_len} = {tokens} tokens/step, "
        f"{'bf16 autocast (fp32 weights, grads, AdamW state)' if bf16 else 'fp32'}, attention {args.attn}, "
        f"compile {'on' if args.compile else 'off'}, AdamW {'fused' if args.fused_adamw else 'default (foreach)'}, "
        f"clipping {'off' if args.no_clip else '1.0'}, {args.warmup} warm-up + {args.steps} timed steps"
    )
    print(
        f"FLOPs/step = 6 x {non_embedding:,} x {tokens} + 12 x {config.num_hidden_layers} x {config.hidden_size} x "
        f"{args.seq_len} x {tokens} = {flops / 1e12:.4g} TFLOP"
    )
    print(
        f"step time {seconds * 1e3:.1f} ms; {tokens / seconds:,.0f} tokens/s; "
        f"{args.batch_size / seconds:.1f} sequences/s; achieved {achieved:.4g} TFLOP/s"
    )
    if cuda:
        print(f"peak memory allocated: {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB")
        if peak:
            print(f"MFU: {achieved / peak:.1%} of {peak:g} TFLOP/s dense bf16 ({source})")
        else:
            print(f"MFU: unknown peak for '{name}'; pass --peak-tflops")
    else:
        print("MFU: not meaningful on CPU (no bf16 tensor-core peak; fp32 here); run on a GPU")


if __name__ == "__main__":
    main()
