"""XTREME / XTREME-R leaderboard export: one row's test predictions in the layout google-research/xtreme's
``evaluate.py`` reads, so that the official tools score and submit them.

``python evaluate.py --prediction_folder <export>/predictions --label_folder <labels> --xtreme_version xtreme|xtreme-r``
reads ``<task>/test-<lang>.<suffix>`` for the task ids of its language tables (``bucc2018`` for BUCC), each with the
reader its ``READER_FUNCTION`` names; the suffix is ``json`` for QA and Mewsli-X, ``jsonl`` for XCOPA, ``tsv`` else:

* xnli, pawsx (``read_label``): one predicted label per line, in test-file order;
* udpos, panx (``read_tag``): one predicted tag per line, a blank line after each sentence;
* xquad, mlqa, tydiqa (``read_squad``): ``{question id: answer text}``;
* bucc2018 (``read_label``, then split on the tab): one mined pair ``<src id>\\t<English id>`` per line -- the pairs
  scoring above the threshold tuned on dev;
* tatoeba (``read_label``): for each English sentence, in test-file order, the 0-based line of the sentence it
  retrieves among the other language's (XTREME's ``similarity_search`` indexes that side and queries with English);
* xcopa (``read_xcopa``, XTREME-R): one JSON object per line whose ``label`` is the chosen answer's index;
* mewslix (``read_squad``, XTREME-R): ``{mention id: [entity ids, best first]}``.

LAReQA has no reader in ``evaluate.py`` and is left out, as are tasks of neither benchmark; ``export.json`` beside
``predictions/`` says which intermediate and cell each task's files come from and what was left out. Ids and line
order are those of the test files the grid scored, so the files score against labels of those same files.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from stiltgrid.data import xtreme as xt
from stiltgrid.grid.config import BEST
from stiltgrid.core.errors import UserError
from stiltgrid.formats import read_jsonl
from stiltgrid.core.paths import split_file

MANIFEST = "export.json"
PREDICTIONS = "predictions"


def prediction_file(root: str | Path, task: str, lang: str) -> Path:
    return Path(root) / task / f"test-{lang}.{xt.leaderboards()[task].suffix}"


def _rows(cell: Path, lang: str) -> list[dict]:
    from stiltgrid.core import paths

    text = (cell / paths.CELL_PREDICTIONS.format(lang=lang)).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _tatoeba_lines(rows: list[dict], data_dir: str, lang: str) -> list[str]:
    """For each English test sentence in file order, the line of its retrieved sentence among the src lines."""
    examples = read_jsonl(Path(data_dir) / split_file("test", lang), "retrieval")
    src_line = {ex["id"]: i for i, ex in enumerate(e for e in examples if e["side"] == "src")}
    retrieved = {row["id"]: row["prediction"] for row in rows}
    return [str(src_line[retrieved[ex["id"]]]) for ex in examples if ex["side"] == "tgt"]


def _labels(rows, path, data_dir, lang) -> str:
    return "".join(f"{row['prediction']}\n" for row in rows)


def _tags(rows, path, data_dir, lang) -> str:
    if any(not row["prediction"] for row in rows):  # an empty sentence would vanish between blank lines
        raise UserError(f"{path}: a sentence without tags cannot be written in evaluate.py's tag format")
    return "".join("".join(f"{tag}\n" for tag in row["prediction"]) + "\n" for row in rows)


def _pairs(rows, path, data_dir, lang) -> str:
    return "".join(f"{row['src_id']}\t{row['tgt_id']}\n" for row in rows)


def _retrieved_lines(rows, path, data_dir, lang) -> str:
    return "".join(f"{line}\n" for line in _tatoeba_lines(rows, data_dir, lang))


def _choices(rows, path, data_dir, lang) -> str:
    return "".join(json.dumps({"id": row["id"], "label": row["prediction"]}) + "\n" for row in rows)


def _by_id(rows, path, data_dir, lang) -> str:
    return json.dumps({row["id"]: row["prediction"] for row in rows}, ensure_ascii=False, indent=1) + "\n"


#: the line layouts evaluate.py's readers expect (``Leaderboard.layout``): one prediction per line (read_label), a tag
#: per line with a blank line after each sentence (read_tag), mined ``src<TAB>English`` id pairs (BUCC), per English
#: sentence the line it retrieves (Tatoeba), ``{"id", "label"}`` JSON lines (read_xcopa), ``{id: prediction}`` (QA
#: answers, Mewsli-X rankings; read_squad)
LAYOUTS = {"labels": _labels, "tags": _tags, "pairs": _pairs, "retrieved_lines": _retrieved_lines,
           "choices": _choices, "by_id": _by_id}


def write_task(task: str, rows: list[dict], path: Path, data_dir: str | None = None, lang: str | None = None) -> None:
    """One language's predictions file of ``task`` (evaluate.py's id) from a cell's prediction rows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = LAYOUTS[xt.leaderboards()[task].layout](rows, path, data_dir, lang)
    path.write_text(text, encoding="utf-8")


def read_choices(path: str) -> dict[str, str]:
    """target -> intermediate of the aggregate's ``best_per_target.tsv`` (empty: no dev score to choose on)."""
    with open(path, newline="") as handle:
        return {row["target"]: row["intermediate"] for row in csv.DictReader(handle, delimiter="\t")}


def write_submission(out_dir: str, row: str, seed: int | None, targets: dict, cells: dict, data: dict, skipped: dict,
                     choices: str | None = None) -> dict:
    """Export ``row`` (an intermediate, or ``best-dev`` with the aggregate's ``choices``) at ``seed`` (None: per
    target the first seed the chosen intermediate's cell ran in).

    ``targets``: target -> {"task": evaluate.py's id, "languages": [...]}; ``cells``: target -> {intermediate: {seed:
    cell directory}}; ``data``: target -> task directory (Tatoeba); ``skipped``: the grid's other targets and why.
    Returns the manifest it writes, with the ``--xtreme_version`` that scores the grid's targets."""
    from stiltgrid.results.aggregate import benchmark_for

    chosen = read_choices(choices) if row == BEST else {target: row for target in targets}
    out = Path(out_dir)
    version = "xtreme-r" if benchmark_for(list(targets) + list(skipped)) == xt.XTREME_R else "xtreme"
    manifest = {"row": row, "seed": seed, "xtreme_version": version, "prediction_folder": PREDICTIONS,
                "tasks": {}, "skipped": dict(skipped)}
    for target, spec in targets.items():
        inter = chosen.get(target) or ""
        if not inter:
            manifest["skipped"][target] = "no dev score to choose an intermediate on"
            continue
        seeds = sorted(cells.get(target, {}).get(inter, {}), key=int)
        if not seeds:
            raise UserError(f"export: {target}'s {row} row is '{inter}', which has no cell"
                            + (f" at seed {seed} (set the preset's export.seed to a seed it ran in)" if seed else ""))
        cell = Path(cells[target][inter][seeds[0]])
        for lang in spec["languages"]:
            write_task(spec["task"], _rows(cell, lang), prediction_file(out / PREDICTIONS, spec["task"], lang),
                       data.get(target), lang)
        manifest["tasks"][spec["task"]] = {"target": target, "intermediate": inter, "seed": int(seeds[0]),
                                           "cell": str(cell), "languages": list(spec["languages"])}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest
