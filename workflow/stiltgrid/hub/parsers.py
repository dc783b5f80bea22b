"""Row parsers shared by several sources: hub-schema rows (ClassLabels already decoded to names) -> our formats.

Each parser is ``parse(rows, prefix, drops) -> iterator of examples``; rows it cannot use are skipped and counted
with ``drops.add(reason)`` (they end up in task.json), never silently repaired into something else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from stiltgrid.hub.base import Drops

NLI_LABELS = ("entailment", "neutral", "contradiction")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _has_label(label) -> bool:
    return label is not None and label != "" and not (isinstance(label, int) and label < 0)


def pair(
    rows: Iterable[dict],
    prefix: str,
    drops: Drops,
    *,
    a: str,
    b: str,
    labels: tuple[str, ...],
    id_field: str | None = None,
    label_field: str = "label",
) -> Iterator[dict]:
    """Sentence pairs: ``a`` / ``b`` columns and a label column already decoded to a name (or a string label)."""
    for i, row in enumerate(rows):
        label = row.get(label_field)
        if not _has_label(label):
            drops.add("no gold label")
            continue
        label = str(label)
        if label not in labels:
            drops.add(f"label '{label}' outside {list(labels)}")
            continue
        text_a, text_b = _text(row.get(a)), _text(row.get(b))
        if not text_a or not text_b:
            drops.add("empty sentence")
            continue
        rid = row.get(id_field) if id_field else None
        yield {
            "id": f"{prefix}-{rid if rid not in (None, '') else i}",
            "text_a": text_a,
            "text_b": text_b,
            "label": label,
        }


nli = partial(pair, a="premise", b="hypothesis", labels=NLI_LABELS)


def single(
    rows: Iterable[dict], prefix: str, drops: Drops, *, text: str, labels: tuple[str, ...], id_field: str | None = None
) -> Iterator[dict]:
    for i, row in enumerate(rows):
        label = row.get("label")
        if not _has_label(label) or str(label) not in labels:
            drops.add("no gold label")
            continue
        sentence = _text(row.get(text))
        if not sentence:
            drops.add("empty sentence")
            continue
        rid = row.get(id_field) if id_field else None
        yield {"id": f"{prefix}-{rid if rid not in (None, '') else i}", "text": sentence, "label": str(label)}


# -- extractive QA ---------------------------------------------------------------------------------------------------
def align_answers(context: str, texts: list[str], starts: list[int], drops: Drops) -> tuple[list[str], list[int]]:
    """Keep the answers that sit at their offsets; one that does not (some sources strip contexts and answer texts
    after computing the offsets) moves to its nearest occurrence in the context, or is dropped if there is none."""
    out_texts, out_starts = [], []
    for text, start in zip(texts or [], starts or []):
        if text is None or start is None:
            continue
        if context[start : start + len(text)] != text:
            stripped = text.strip()
            if stripped and context[start : start + len(stripped)] == stripped:
                text = stripped
            else:
                hits, pos = [], context.find(stripped) if stripped else -1
                while pos >= 0:
                    hits.append(pos)
                    pos = context.find(stripped, pos + 1)
                if not hits:
                    drops.add("answer not in context")
                    continue
                text, start = stripped, min(hits, key=lambda p: abs(p - start))
                drops.add("answer offset realigned")
        if not text:
            continue
        out_texts.append(text)
        out_starts.append(int(start))
    return out_texts, out_starts


def squad(rows: Iterable[dict], prefix: str, drops: Drops) -> Iterator[dict]:
    """SQuAD v1.1 schema (rajpurkar/squad, google/xtreme XQuAD / MLQA / tydiqa): id, context, question,
    answers {text: [...], answer_start: [...]}. Questions without an answer found in the context are dropped."""
    for i, row in enumerate(rows):
        context = row.get("context") or ""
        answers = row.get("answers") or {}
        if isinstance(answers, list):  # a list of {text, answer_start} structs
            texts = [a.get("text") for a in answers]
            starts = [a.get("answer_start") for a in answers]
        else:
            texts, starts = answers.get("text") or [], answers.get("answer_start") or []
        texts, starts = align_answers(context, list(texts), list(starts), drops)
        question = _text(row.get("question"))
        if not texts:
            drops.add("question without answer")
            continue
        if not question or not context.strip():
            drops.add("empty question or context")
            continue
        rid = row.get("id")
        yield {
            "id": str(rid) if rid not in (None, "") else f"{prefix}-{i}",
            "context": context,
            "question": question,
            "answers": {"text": texts, "answer_start": starts},
        }


# -- tagging ---------------------------------------------------------------------------------------------------------
def tagging(
    rows: Iterable[dict],
    prefix: str,
    drops: Drops,
    *,
    tags: str,
    tokens: str = "tokens",
    strip_lang_prefix: str | None = None,
) -> Iterator[dict]:
    """Token/tag sequences (tags already decoded to names). ``strip_lang_prefix`` removes a ``"xx:"`` prefix that
    the original PAN-X files put on every token, should a copy still carry it."""
    prefix_tag = f"{strip_lang_prefix}:" if strip_lang_prefix else None
    for i, row in enumerate(rows):
        toks, labs = list(row.get(tokens) or []), list(row.get(tags) or [])
        if prefix_tag and toks and all(isinstance(t, str) and t.startswith(prefix_tag) for t in toks):
            toks = [t[len(prefix_tag) :] for t in toks]
        if not toks or len(toks) != len(labs):
            drops.add("empty sentence or tag count mismatch")
            continue
        if any(not isinstance(t, str) or not t.strip() for t in toks) or any(lab in (None, "") for lab in labs):
            drops.add("empty token or tag")
            continue
        yield {"id": f"{prefix}-{i}", "tokens": [t.strip() for t in toks], "tags": [str(lab) for lab in labs]}


# -- retrieval -------------------------------------------------------------------------------------------------------
def parallel_pairs(
    rows: Iterable[dict],
    prefix: str,
    drops: Drops,
    *,
    src: str = "source_sentence",
    tgt: str = "target_sentence",
    src_id: str | None = None,
    tgt_id: str | None = None,
) -> Iterator[dict]:
    """Gold translation pairs -> retrieval lines: every source sentence once (``side: src``, with the id of its
    translation as ``gold``), every target sentence once (``side: tgt``). Ids come from ``src_id`` / ``tgt_id``
    columns when the hub has them (BUCC sentence ids), else from the row index."""
    src_lines: dict[str, dict] = {}
    tgt_lines: dict[str, dict] = {}
    for i, row in enumerate(rows):
        s_text, t_text = _text(row.get(src)), _text(row.get(tgt))
        if not s_text or not t_text:
            drops.add("empty sentence")
            continue
        s_key = _text(row.get(src_id)) if src_id else ""
        t_key = _text(row.get(tgt_id)) if tgt_id else ""
        s_id = f"{prefix}-src-{s_key}" if s_key else f"{prefix}-src-{i:06d}"
        t_id = f"{prefix}-tgt-{t_key}" if t_key else f"{prefix}-tgt-{i:06d}"
        if t_id not in tgt_lines:
            tgt_lines[t_id] = {"id": t_id, "side": "tgt", "text": t_text, "gold": None}
        if s_id in src_lines:
            drops.add("second gold pair for one source sentence")
            continue
        src_lines[s_id] = {"id": s_id, "side": "src", "text": s_text, "gold": t_id}
    yield from src_lines.values()
    yield from tgt_lines.values()
