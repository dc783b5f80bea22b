"""The bring-your-own example (docs/bring-your-own.md) run literally on the real-encoder lane: multilingual-e5-small
fine-tuned on the catalog classification task with the `pretrained` preset's own settings (lr 2e-5, batch 32,
`min_steps` 1000, `max_length` 128, early stopping on English dev), scored in every locale the task declares.

The lane's slow tests shorten fine-tuning to fit CI; this script is the full-length run, too long for CI on two CPU
cores, whose figures docs/bring-your-own.md reports. It prints one line per locale and a summary, and writes
OUT_DIR/literal.json.

    python3 tests/real_encoder/readme_literal.py OUT_DIR [THREADS]
"""

import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE.parent.parent / "workflow")]

from test_real_encoder_lane import _cache, readme_graph, smk  # noqa: E402  (the lane's own example and job call)

from stiltgrid import jobs  # noqa: E402
from stiltgrid.core.paths import CELL_TRAIN_SUMMARY  # noqa: E402
from stiltgrid.data.declared import register_all  # noqa: E402


def main(out_dir: str, threads: int = 2) -> None:
    sys.path.insert(0, str(HERE))
    import catalog_task

    cache = _cache()
    encoder = cache / "e5-small-catalog"
    if not (encoder / "model.safetensors").exists():
        sys.exit(f"{encoder} is missing: run `python3 -m pytest tests/test_real_encoder_lane.py` once to build it")
    tasks = catalog_task.build(cache / "catalog")
    graph = readme_graph(encoder, tasks)
    settings = graph.cell("my-e5", "none", "catalog-cls", 1).settings  # the preset's settings, unchanged
    register_all({"catalog-cls": tasks["catalog-cls"]})
    data = Path(tasks["catalog-cls"]["files"]["train"]).parent
    out = Path(out_dir) / "cell"
    started = time.time()
    job = smk("train_catalog-cls", settings, {"init": str(encoder), "data": [str(data)]}, out)
    job.threads = threads
    jobs.train_target(job)
    seconds = time.time() - started
    summary = json.loads((out / CELL_TRAIN_SUMMARY).read_text())
    baseline = summary["dev_baseline"]["catalog-cls"]
    per_lang = {}
    for lang in settings["languages"]:
        record = json.loads((out / f"{lang}.metrics.json").read_text())
        per_lang[lang] = {"accuracy": record["metrics"]["accuracy"], "warnings": record["warnings"]}
        print(f"{lang:8s} {record['metrics']['accuracy']:6.2f}  {'; '.join(record['warnings'])}")
    scores = [v["accuracy"] for v in per_lang.values()]
    result = {
        "hparams": settings["hparams"],
        "schedule": summary["schedule"],
        "steps": summary["steps"],
        "best_dev": summary["best_dev"],
        "dev_majority_baseline": baseline,
        "warnings": summary["warnings"],
        "diagnosis": summary.get("diagnosis"),
        "locales": len(scores),
        "mean_test": sum(scores) / len(scores),
        "min_test": min(scores),
        "seconds": round(seconds),
        "per_locale": per_lang,
    }
    (Path(out_dir) / "literal.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "per_locale"}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1], *map(int, sys.argv[2:3]))
