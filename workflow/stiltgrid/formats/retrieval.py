"""``retrieval``: parallel sentences (BUCC 2018, Tatoeba) or queries and a candidate pool (LAReQA, Mewsli-X), one
file per (language, split); scored on the encoder's embeddings, never fine-tuned.

    {"id": str, "side": "src" | "tgt", "text": str, "gold": str | [str, ...] | null}

``src`` lines are in the evaluated language, ``tgt`` lines in English; ``gold`` on a src line is the id of its
translation among the tgt lines, or null when it has none (a distractor). Tatoeba-style sets have a gold for every
src line; BUCC-style sets have distractors on both sides. Query/pool sets (scored with mAP@20): ``src`` lines are
queries in the evaluated language, ``tgt`` lines the candidates (any language); ``gold`` may be a list of tgt ids,
every relevant candidate (LAReQA: the answer sentence in each language of the pool); an empty list counts as null.
A candidate pool shared by every language of a split may live in ``{split}.pool.jsonl`` (tgt lines only) next to
the per-language files, which then hold only the queries; gold ids refer to the pool. Rewrites reach ``src`` lines
only.
"""

from __future__ import annotations

import copy

from stiltgrid.formats.base import FieldSpec, Format, FormatError


class Retrieval(Format):
    name = "retrieval"
    fields = (
        FieldSpec("id", str),
        FieldSpec("side", str),
        FieldSpec("text", str),
        FieldSpec("gold", (str, list), True),
    )
    text_fields = ("text",)
    one_sided = True
    trainable = False
    metric = "tatoeba"
    category = "retrieval"
    example = {"id": "de-1", "side": "src", "text": "der Hund sieht den Fisch", "gold": "en-1"}

    def check_values(self, ex, where, labels):
        if ex["side"] not in ("src", "tgt"):
            raise FormatError(f"{where}: field 'side' must be 'src' or 'tgt', got '{ex['side']}'")
        gold = ex["gold"]
        if isinstance(gold, list):
            if not all(isinstance(g, str) for g in gold):
                raise FormatError(f"{where}: field 'gold' must be a list of tgt ids (strings)")
            if len(set(gold)) != len(gold):
                raise FormatError(f"{where}: field 'gold' lists a tgt id twice")
            if gold and ex["side"] == "tgt":
                raise FormatError(f"{where}: field 'gold': a tgt line has no gold (use null)")

    def rewrite(self, ex, text_edits, token_fn):
        if ex["side"] != "src":
            return copy.deepcopy(ex), 0
        return super().rewrite(ex, text_edits, token_fn)


FORMAT = Retrieval()
