"""``span_qa``: extractive QA in SQuAD v1.1 form (SQuAD, XQuAD, MLQA, TyDiQA-GoldP).

    {"id": str, "context": str, "question": str,
     "answers": {"text": [str, ...], "answer_start": [int, ...]}}    character offsets into context

Long contexts are cut into overlapping windows (``doc_stride``); the answer is the best-scoring span over all
windows of an example, at most ``max_answer_tokens`` long. Rewrites leave answer spans whole and move their offsets.
"""

from __future__ import annotations

from stiltgrid.formats.base import FieldSpec, Format, FormatError, apply_edits, cuts


class SpanQA(Format):
    name = "span_qa"
    fields = (FieldSpec("id", str), FieldSpec("context", str), FieldSpec("question", str), FieldSpec("answers", dict))
    text_fields = ("question", "context")
    metric = "squad"
    category = "qa"
    zero_chance = True
    example = {
        "id": "squad-1",
        "context": "Anna sees the fish in the river.",
        "question": "What does Anna see?",
        "answers": {"text": ["the fish"], "answer_start": [10]},
    }

    def check_values(self, ex, where, labels):
        answers = ex["answers"]
        texts, starts = answers.get("text"), answers.get("answer_start")
        if not isinstance(texts, list) or not isinstance(starts, list) or len(texts) != len(starts):
            raise FormatError(f"{where}: field 'answers' needs lists 'text' and 'answer_start' of equal length")
        for text, start in zip(texts, starts):
            if not isinstance(start, int) or ex["context"][start : start + len(text)] != text:
                raise FormatError(f"{where}: field 'answers': '{text}' is not at offset {start} of the context")

    def gold(self, examples):
        return [ex["answers"] for ex in examples]

    def constant_prediction(self, dev):
        return [""] * len(dev), "an empty answer"

    def collapse(self, examples, predictions):
        if all(p == "" for p in predictions) and any(ex["answers"]["text"] for ex in examples):
            return f"predictions collapsed: all {len(predictions)} answers are empty"
        return None

    def protected_spans(self, ex, key):
        if key != "context":
            return []
        answers = ex["answers"]
        return [(s, s + len(t)) for t, s in zip(answers["text"], answers["answer_start"])]

    def rewrite_text(self, ex, out, key, text, text_edits):
        if key != "context":
            return super().rewrite_text(ex, out, key, text, text_edits)
        spans = self.protected_spans(ex, key)
        edits = text_edits(key, text, spans)
        for s, e, _ in edits:
            for a, b in spans:
                if cuts(s, e, a, b):
                    raise AssertionError(f"{ex['id']}: an edit at {s}:{e} cuts the answer span {a}:{b}")
        new_context, mapper = apply_edits(text, edits)
        starts = [mapper(a) for a, _ in spans]
        out["context"] = new_context
        out["answers"] = {
            **ex["answers"],
            "answer_start": starts,
            "text": [new_context[st : mapper(b)] for st, (_, b) in zip(starts, spans)],
        }
        return len(edits)

    def lengths(self, examples, tokenizer):
        return None

    def encode(self, examples, tokenizer, max_length, label_ids, doc_stride):
        """SQuAD-style windows over long contexts; the answer is at the <s> token when outside a window."""
        questions = [ex["question"].lstrip() for ex in examples]
        stride = min(doc_stride, max_length // 2)
        try:
            enc = tokenizer(
                questions,
                [ex["context"] for ex in examples],
                truncation="only_second",
                max_length=max_length,
                stride=stride,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
            )
        except BaseException as err:  # the Rust tokenizer panics (a BaseException) when a window has no room left
            if type(err).__name__ != "PanicException" or "stride" not in str(err):
                raise
            from stiltgrid.core.errors import ConfigError

            longest = max(len(ids) for ids in tokenizer(questions)["input_ids"])
            raise ConfigError(
                f"max_length {max_length} leaves too little room for the context after the longest "
                f"question ({longest} tokens) with a window stride of {stride} (doc_stride): raise "
                f"max_length or lower doc_stride in the preset's training settings"
            ) from None
        features = []
        for f, example_index in enumerate(enc["overflow_to_sample_mapping"]):
            ex = examples[example_index]
            sequence_ids = enc.sequence_ids(f)
            offsets = [off if sequence_ids[k] == 1 else None for k, off in enumerate(enc["offset_mapping"][f])]
            feature = {"input_ids": enc["input_ids"][f], "example_index": example_index, "offsets": offsets}
            answers = ex["answers"]
            if answers["text"]:
                start_char = answers["answer_start"][0]
                end_char = start_char + len(answers["text"][0])
                start = end = 0
                context_positions = [k for k, off in enumerate(offsets) if off is not None]
                if (
                    context_positions
                    and offsets[context_positions[0]][0] <= start_char
                    and offsets[context_positions[-1]][1] >= end_char
                ):
                    start = next(k for k in context_positions if offsets[k][1] > start_char)
                    end = next(k for k in reversed(context_positions) if offsets[k][0] < end_char)
                feature["start_positions"], feature["end_positions"] = start, end
            features.append(feature)
        return features

    def head(self, hidden, num_labels, dropout):
        from stiltgrid.formats.heads import SpanHead

        return SpanHead(hidden)

    def forward(self, model, head, batch):
        from torch import nn

        start, end = head(model.encode(batch))
        out = {"start_logits": start, "end_logits": end}
        if "start_positions" in batch:
            out["loss"] = (
                nn.functional.cross_entropy(start, batch["start_positions"])
                + nn.functional.cross_entropy(end, batch["end_positions"])
            ) / 2
        return out

    def decode(self, examples, features, outputs, labels, max_answer_tokens):
        best: dict[int, tuple[float, str]] = {}
        for feature, o in zip(features, outputs):
            i = feature["example_index"]
            text, score = _best_span(
                examples[i]["context"], feature["offsets"], o["start_logits"], o["end_logits"], max_answer_tokens
            )
            if i not in best or score > best[i][0]:
                best[i] = (score, text)
        return [best.get(i, (0.0, ""))[1] for i in range(len(examples))]


def _best_span(context, offsets, start_logits, end_logits, max_answer_tokens, n_best=20):
    import numpy as np

    def candidates(logits):  # the n_best positions by logit that lie in the context
        top = np.argsort(logits)[::-1][:n_best]
        return np.array([k for k in top if k < len(offsets) and offsets[k] is not None], dtype=np.int64)

    starts, ends = candidates(start_logits), candidates(end_logits)
    # every (start, end) pair at once (float32 sums, as pair by pair); argmax takes the first best pair in
    # (start rank, end rank) order, which is the pair a loop keeping only strictly better scores would keep
    scores = start_logits[starts][:, None] + end_logits[ends][None, :]
    width = ends[None, :] - starts[:, None] + 1
    scores = np.where((width >= 1) & (width <= max_answer_tokens) & ~np.isnan(scores), scores, -np.inf)
    if not scores.size or scores.max() == -np.inf:
        return "", -np.inf
    s, e = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return context[offsets[starts[s]][0] : offsets[ends[e]][1]].strip(), float(scores[s, e])


FORMAT = SpanQA()
