"""Tiny local models and toy task data for engine tests (built in seconds, no hub)."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = (
    "anna boris carla sees likes buys the a red blue big small car book house in paris lima oslo not good bad"
).split()


def corpus(path: Path, n: int = 400, seed: int = 0) -> Path:
    rng = random.Random(seed)
    path.write_text("\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 10))) for _ in range(n)) + "\n")
    return path


def xlmr_dir(root: Path, hidden: int = 32, layers: int = 2, positions: int = 130) -> Path:
    """A randomly initialised XLM-R-architecture encoder with a trained tokenizer, saved like a hub checkpoint
    (``positions`` position embeddings, two of them taken by the padding offset; the tokenizer claims 512)."""
    from transformers import XLMRobertaConfig, XLMRobertaForMaskedLM

    from stiltgrid.engine.mlm import train_tokenizer

    out = root / "xlmr"
    tokenizer = train_tokenizer([str(corpus(root / "corpus.txt"))], 120, out)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden,
        max_position_embeddings=positions,
        pad_token_id=tokenizer.pad_token_id,
        type_vocab_size=1,
    )
    XLMRobertaForMaskedLM(config).save_pretrained(str(out))
    return out


def sentiment(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(3, 9))]
        label = "positive" if "good" in words else "negative"
        rows.append({"id": f"s{seed}-{i}", "text": " ".join(words), "label": label})
    return rows


def tagging(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        tokens = [rng.choice(WORDS) for _ in range(rng.randint(3, 9))]
        tags = [
            "PROPN" if t in ("anna", "boris", "carla") else "NOUN" if t in ("car", "book", "house") else "X"
            for t in tokens
        ]
        rows.append({"id": f"t{seed}-{i}", "tokens": tokens, "tags": tags})
    return rows


def qa(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        who, city = rng.choice(["anna", "boris", "carla"]), rng.choice(["paris", "lima", "oslo"])
        context = f"the car is red . {who} buys a book in {city} . " + " ".join(rng.choice(WORDS) for _ in range(12))
        rows.append(
            {
                "id": f"q{seed}-{i}",
                "context": context,
                "question": "who buys a book ?",
                "answers": {"text": [who], "answer_start": [context.index(who)]},
            }
        )
    return rows


def sentiment_tasks() -> dict:
    """The trainer's input for the toy sentiment task: sst2's definition on 160 training and 40 dev sentences."""
    from stiltgrid.engine import trainer
    from stiltgrid.formats import get_format
    from stiltgrid.tasks import get_task

    task = get_task("sst2")
    train, dev = sentiment(160, 1), sentiment(40, 2)
    return {"sst2": trainer.TaskData(task, train, dev, get_format(task.format).label_list(task, train, dev))}
