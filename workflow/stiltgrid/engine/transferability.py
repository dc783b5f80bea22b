"""Cheap transferability estimates: which intermediate task is likely to help a target, before either is trained on.

Two estimators, both reading a fixed seeded sample of English training examples:

* **Task embeddings from text** (Vu et al. 2020, TextEmb): every sampled example's texts, mean-pooled over the tokens
  of the *base* encoder's last layer; the task vector is the mean over the sample. Two tasks are compared by the
  cosine of their vectors (:func:`task_vector`, :func:`cosine`).
* **LogME** (You et al. 2021): features of the target's sampled training examples under an intermediate checkpoint
  (no target fine-tuning), scored by the log marginal evidence of a Bayesian linear model from the features to the
  labels, maximised over the prior precision alpha and the noise precision beta (:func:`logme`). Per format
  (:func:`labelled_features`): a sentence (pair) is its mean-pooled last layer with its label; a multiple-choice
  example gives one (prompt, choice) row per choice, labelled correct / incorrect; tagging gives the first sub-token of
  each word with its tag; span QA gives each context token labelled answer start / inside the answer / outside.
  Token-level rows are subsampled to ``max_rows`` (span QA keeps every answer token and samples the outside ones).
  Retrieval tasks have no labels: LogME does not apply to them (:data:`NO_LABELS`).

Knows no grid: the jobs (stiltgrid.jobs) hand it examples, an encoder and its tokenizer.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from stiltgrid.engine.embed import embed
from stiltgrid.runtime import process as runtime

#: formats without labels to score features against
NO_LABELS = ("retrieval",)
#: LogME's fixed-point iterations stop when alpha and beta move less than this (relative), or after MAX_ITER
TOLERANCE, MAX_ITER = 1e-6, 200


# -- samples -------------------------------------------------------------------------------------------------------
def sample(rows: list, n: int, seed: int) -> list:
    """``n`` rows drawn without replacement (all of them when fewer), in file order: the same rows for a seed."""
    if len(rows) <= n:
        return list(rows)
    keep = np.sort(np.random.default_rng(seed).choice(len(rows), size=n, replace=False))
    return [rows[i] for i in keep]


def example_text(fmt, ex: dict) -> str:
    """The English text of one example as the encoder reads it for its task vector: every free text joined."""
    return fmt.all_text(ex)


# -- text embeddings -----------------------------------------------------------------------------------------------
def task_vector(
    encoder, tokenizer, texts: list[str], max_length: int, batch_size: int, precision: str = "auto"
) -> np.ndarray:
    """Mean over the texts of their mean-pooled last-layer embeddings (float64)."""
    if not texts:
        raise ValueError("task_vector: no texts")
    layers = encoder.config.num_hidden_layers
    vectors = embed(encoder, tokenizer, texts, layers, "mean", max_length, batch_size, precision)
    return vectors.astype(np.float64).mean(axis=0)


def cosine(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / norm) if norm > 0 else math.nan


# -- LogME ---------------------------------------------------------------------------------------------------------
def evidence(features: np.ndarray, y: np.ndarray, alpha: float, beta: float) -> float:
    """log p(y | F, alpha, beta) / N of the model y = F w + noise, w ~ N(0, 1/alpha), noise ~ N(0, 1/beta), evaluated
    directly from the D x D posterior precision A = alpha I + beta F^T F (for checks; :func:`logme` uses the SVD)."""
    f, y = np.asarray(features, dtype=np.float64), np.asarray(y, dtype=np.float64)
    n, d = f.shape
    a = alpha * np.eye(d) + beta * f.T @ f
    m = beta * np.linalg.solve(a, f.T @ y)
    _, logdet = np.linalg.slogdet(a)
    value = (
        n / 2 * math.log(beta)
        + d / 2 * math.log(alpha)
        - n / 2 * math.log(2 * math.pi)
        - beta / 2 * float(np.sum((f @ m - y) ** 2))
        - alpha / 2 * float(m @ m)
        - logdet / 2
    )
    return value / n


def _logme_column(s2: np.ndarray, z: np.ndarray, y_norm2: float, n: int, d: int) -> tuple[float, float, float]:
    """Evidence maximisation for one target column: (evidence / N, alpha, beta).

    ``s2``: squared singular values of F (r of them), ``z = U^T y``. The posterior mean's norm and the residual
    follow from them, so each fixed-point step costs O(r): with t_i = alpha + beta s2_i,
    gamma = sum(beta s2_i / t_i), |m|^2 = sum(beta^2 s2_i z_i^2 / t_i^2), |Fm - y|^2 = sum((alpha z_i / t_i)^2)
    + |y|^2 - |z|^2, then alpha = gamma / |m|^2 and beta = (N - gamma) / |Fm - y|^2 (MacKay's updates)."""
    r = s2.size
    outside = max(y_norm2 - float(z @ z), 0.0)
    alpha, beta = 1.0, 1.0
    for _ in range(MAX_ITER):
        t = alpha + beta * s2
        gamma = float(np.sum(beta * s2 / t))
        m2 = float(np.sum(beta**2 * s2 * z**2 / t**2))
        res2 = float(np.sum((alpha * z / t) ** 2)) + outside
        new_alpha = gamma / max(m2, 1e-300)
        new_beta = (n - gamma) / max(res2, 1e-300)
        done = abs(new_alpha - alpha) <= TOLERANCE * alpha and abs(new_beta - beta) <= TOLERANCE * beta
        alpha, beta = new_alpha, new_beta
        if done:
            break
    t = alpha + beta * s2
    m2 = float(np.sum(beta**2 * s2 * z**2 / t**2))
    res2 = float(np.sum((alpha * z / t) ** 2)) + outside
    # log|A| = sum(log(alpha + beta s2_i)) over the r singular directions + (D - r) log alpha
    logdet = float(np.sum(np.log(t))) + (d - r) * math.log(alpha)
    value = (
        n / 2 * math.log(beta)
        + d / 2 * math.log(alpha)
        - n / 2 * math.log(2 * math.pi)
        - beta / 2 * res2
        - alpha / 2 * m2
        - logdet / 2
    )
    return value / n, alpha, beta


def logme(features: np.ndarray, labels) -> float:
    """LogME of features (N x D) for class labels (N, any hashable): the mean over classes of the maximised evidence
    per example of the one-hot column of that class (You et al. 2021, Algorithm 1 with the SVD of F)."""
    f = np.asarray(features, dtype=np.float64)
    labels = np.asarray(labels)
    if f.ndim != 2 or f.shape[0] != labels.shape[0]:
        raise ValueError(f"logme: {f.shape} features for {labels.shape[0]} labels")
    classes = np.unique(labels)
    if classes.size < 2:
        raise ValueError("logme: needs at least two classes among the labels")
    n, d = f.shape
    u, s, _ = np.linalg.svd(f, full_matrices=False)
    keep = s > s.max() * max(n, d) * np.finfo(np.float64).eps
    u, s2 = u[:, keep], s[keep] ** 2
    values = []
    for c in classes:
        y = (labels == c).astype(np.float64)
        values.append(_logme_column(s2, u.T @ y, float(y @ y), n, d)[0])
    return float(np.mean(values))


# -- features of labelled examples ---------------------------------------------------------------------------------
@torch.no_grad()
def _last_layer(encoder, batch: dict, precision: str) -> torch.Tensor:
    dev = next(encoder.parameters()).device
    inputs = {k: v.to(dev) for k, v in batch.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    with runtime.autocast(precision, dev):
        return encoder(**inputs, output_hidden_states=True).hidden_states[-1].float().cpu()


def _pooled(
    encoder, tokenizer, first: list[str], second: list[str] | None, max_length: int, batch_size: int, precision: str
) -> np.ndarray:
    """Mean-pooled last layer of each text (pair)."""
    out = []
    for start in range(0, len(first), batch_size):
        a = first[start : start + batch_size]
        b = second[start : start + batch_size] if second is not None else None
        batch = tokenizer(a, b, truncation=True, padding=True, max_length=max_length, return_tensors="pt")
        states = _last_layer(encoder, batch, precision)
        mask = batch["attention_mask"].unsqueeze(-1).float()
        out.append(((states * mask).sum(1) / mask.sum(1).clamp(min=1)).numpy())
    return np.concatenate(out) if out else np.zeros((0, encoder.config.hidden_size))


def _token_rows(
    encoder, tokenizer, examples: list[dict], label_of, encode, max_length: int, batch_size: int, precision: str
) -> tuple[np.ndarray, list]:
    """Last-layer features of the tokens ``label_of(example, encoding, row)`` labels (position -> label)."""
    feats, labels = [], []
    for start in range(0, len(examples), batch_size):
        chunk = examples[start : start + batch_size]
        batch = encode(chunk, max_length)
        states = _last_layer(encoder, {k: v for k, v in batch.items() if k != "offset_mapping"}, precision)
        for row, ex in enumerate(chunk):
            for position, label in label_of(ex, batch, row).items():
                feats.append(states[row, position].numpy())
                labels.append(label)
    return (np.stack(feats) if feats else np.zeros((0, encoder.config.hidden_size))), labels


def labelled_features(
    fmt_name: str,
    examples: list[dict],
    encoder,
    tokenizer,
    max_length: int,
    batch_size: int,
    max_rows: int,
    seed: int,
    precision: str = "auto",
) -> tuple[np.ndarray, list, str]:
    """(features, labels, what a row is) of a target's examples under an encoder, for :func:`logme`."""
    encoder.eval()
    if fmt_name in NO_LABELS:
        raise ValueError(f"logme: format '{fmt_name}' has no labels to score features against")
    if fmt_name == "classification":
        return (
            _pooled(encoder, tokenizer, [ex["text"] for ex in examples], None, max_length, batch_size, precision),
            [ex["label"] for ex in examples],
            "sentence, mean-pooled, its label",
        )
    if fmt_name == "pair_classification":
        return (
            _pooled(
                encoder,
                tokenizer,
                [ex["text_a"] for ex in examples],
                [ex["text_b"] for ex in examples],
                max_length,
                batch_size,
                precision,
            ),
            [ex["label"] for ex in examples],
            "sentence pair, mean-pooled, its label",
        )
    if fmt_name == "multiple_choice":
        prompts = [" ".join(p for p in (ex["context"], ex["question"]) if p) for ex in examples for _ in ex["choices"]]
        choices = [c for ex in examples for c in ex["choices"]]
        labels = [int(k == ex["label"]) for ex in examples for k in range(len(ex["choices"]))]
        return (
            _pooled(encoder, tokenizer, prompts, choices, max_length, batch_size, precision),
            labels,
            "(prompt, choice), mean-pooled, correct or not",
        )
    rng = np.random.default_rng(seed)
    if fmt_name == "tagging":

        def encode(chunk, length):
            return tokenizer(
                [ex["tokens"] for ex in chunk],
                is_split_into_words=True,
                truncation=True,
                padding=True,
                max_length=length,
                return_tensors="pt",
            )

        def first_subtokens(ex, batch, row):
            out, seen = {}, set()
            for position, word in enumerate(batch.word_ids(row)):
                if word is not None and word not in seen:
                    seen.add(word)
                    out[position] = ex["tags"][word]
            return out

        feats, labels = _token_rows(
            encoder, tokenizer, examples, first_subtokens, encode, max_length, batch_size, precision
        )
        keep = np.sort(rng.choice(len(labels), size=min(max_rows, len(labels)), replace=False))
        return feats[keep], [labels[i] for i in keep], "first sub-token of a word, its tag"
    if fmt_name == "span_qa":

        def encode(chunk, length):
            return tokenizer(
                [ex["question"] for ex in chunk],
                [ex["context"] for ex in chunk],
                truncation="only_second",
                padding=True,
                max_length=length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )

        def answer_tokens(ex, batch, row):
            starts, texts = ex["answers"]["answer_start"], ex["answers"]["text"]
            begin, end = (starts[0], starts[0] + len(texts[0])) if starts else (-1, -1)
            out, started = {}, False
            for position, seq in enumerate(batch.sequence_ids(row)):
                if seq != 1:
                    continue
                a, b = (int(v) for v in batch["offset_mapping"][row, position])
                overlaps = a < end and b > begin and b > a  # offsets may include a leading space: overlap, not equality
                out[position] = ("inside" if started else "start") if overlaps else "outside"
                started |= overlaps
            return out

        feats, labels = _token_rows(
            encoder, tokenizer, examples, answer_tokens, encode, max_length, batch_size, precision
        )
        labels_arr = np.asarray(labels)
        answer = np.flatnonzero(labels_arr != "outside")
        outside = np.flatnonzero(labels_arr == "outside")
        room = max(0, max_rows - answer.size)
        keep = np.sort(np.concatenate([answer, rng.choice(outside, size=min(room, outside.size), replace=False)]))
        return feats[keep], [labels[i] for i in keep], "context token: answer start, inside the answer or outside"
    raise ValueError(f"logme: no features defined for format '{fmt_name}'")
