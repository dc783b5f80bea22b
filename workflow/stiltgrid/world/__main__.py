"""``python -m stiltgrid.world OUT_DIR``: write the default (or a given) generated world with uniform task sizes."""

from __future__ import annotations

import argparse
import json
import time

from stiltgrid.metrics.registry import get_metric
from stiltgrid.tasks import world_tasks
from stiltgrid.world import DEFAULT_WORLD, generate_world


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m stiltgrid.world", description=__doc__)
    ap.add_argument("out_dir")
    ap.add_argument("--spec", help="a full world spec as JSON (default: DEFAULT_WORLD)")
    ap.add_argument("--corpus", type=int, default=20000, help="corpus lines of a volume-1.0 language")
    ap.add_argument("--train", type=int, default=2000)
    ap.add_argument("--dev", type=int, default=300)
    ap.add_argument("--test", type=int, default=300)
    ap.add_argument("--tasks", default=",".join(world_tasks()), help="comma-separated task names")
    ap.add_argument("--test-langs", default=None, help="comma-separated (default: every language of the spec)")
    args = ap.parse_args(argv)
    spec = DEFAULT_WORLD
    if args.spec:
        with open(args.spec, encoding="utf-8") as handle:
            spec = json.load(handle)
    tasks = {}
    generated = world_tasks()
    for task in args.tasks.split(","):
        info = generated[task]
        if not info.trainable:  # BUCC-style mining tunes its threshold on a dev split
            tuned = get_metric(info.metric).tunes_on_dev
            tasks[task] = {"dev": args.dev, "test": args.test} if tuned else {"test": args.test}
        elif info.role == "intermediate":
            tasks[task] = {"train": args.train, "dev": args.dev}
        else:
            tasks[task] = {"train": args.train, "dev": args.dev, "test": args.test}
    langs = args.test_langs.split(",") if args.test_langs else list(spec["languages"])
    start = time.perf_counter()
    generate_world(spec, args.out_dir, tasks=tasks, corpus_sentences=args.corpus, test_langs=langs)
    print(f"wrote {args.out_dir} in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
