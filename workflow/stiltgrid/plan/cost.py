"""What a grid's GPU jobs cost: the tokens each job processes, a throughput table, and calibration from finished jobs.

Work. A training job (``train_intermediate``, ``train_<target>``) trains on its English training features for
``epochs`` (random batches are padded to their longest feature, length-grouped ones to about the mean), runs a sample
of ``eval_subset`` dev examples forward every ``eval_every`` optimiser steps and at the end, and a target job then runs
every language's test set forward, once more per robustness perturbation (and a declared target without English test
data its whole English dev set). A retrieval job (``evaluate_<target>``)
encodes its sentences. Inference sorts by length, so its tokens are the features' own lengths. A LoRA job's
(stiltgrid.engine.lora) training tokens count ``lora.TRAIN_COST`` (2/3) of a full one's: its frozen encoder needs no
weight gradients, so training tokens are in full-fine-tuning equivalents and one throughput entry serves both.

Sizes are measured from the task's files under the model's tokenizer (up to ``SAMPLE`` lines per file, spread over
the file) when both are there; a hub dataset not yet fetched is sized from its task's published sizes
(``Task.published``); anything else is :class:`Unknown`, with the reason.

Throughput: training and inference tokens/s per (model, device, precision, max_length), entered by the user
(``--throughput`` YAML) or fitted to finished jobs. A job's predicted device-seconds are

    overhead_s + train_tokens / train_tokens_per_s + (dev + test + perturbed tokens) / infer_tokens_per_s

Calibration reads each finished job's Snakemake benchmark (``benchmarks/...tsv``: wall-clock of the whole job) and,
for training jobs, its ``train_summary.json`` (seconds of the training loop, steps done of the total, device and
precision): the loop's seconds are trained plus dev-evaluated tokens, the rest of the job is the overhead plus the
test-set tokens. Least squares on relative error, non-negative, per throughput key.
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import yaml

from stiltgrid.core import paths as P
from stiltgrid.engine import lora
from stiltgrid.grid.dag import Job, JobGraph

# Lines tokenized per file: lengths whose standard deviation is half their mean give the mean to about 1 %
# (0.5 / sqrt(2000)).
SAMPLE = 2000


class Unknown(Exception):
    """A cost that cannot be given without guessing; the message says what is missing."""


def phase_of(job: Job) -> str | None:
    """The cost phase of a GPU job (None for data, model, table and analysis jobs, which this module does not cost)."""
    if job.rule == "train_intermediate":
        return "intermediate"
    if job.rule.startswith("train_"):
        return "target"
    if job.rule.startswith("evaluate_"):
        return "retrieval"
    return None


def model_key(spec: dict) -> str:
    """What a model's throughput depends on: its architecture. A hub model's id, a local copy's path, or a scratch
    model's size (so tiny models of the same shape share one entry)."""
    if spec["source"] == "hub":
        return spec["id"]
    if spec["source"] == "local":
        return spec["path"]
    shape = ("vocab_size", "hidden_size", "layers", "heads", "intermediate_size")
    return "scratch(" + ", ".join(f"{k}={spec.get(k)}" for k in shape) + ")"


def resolved_precision(precision: str, device: str) -> str:
    """As stiltgrid.runtime.process resolves it on the device: bf16 on CUDA when asked for ("auto" or "bf16"), else
    fp32."""
    return "bf16" if device.startswith("cuda") and precision in ("auto", "bf16") else "fp32"


# -- sizes ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lengths:
    """One split of a task: its examples and the token lengths of a sample of its features."""

    examples: int
    lengths: tuple[int, ...]  # tokens of each sampled feature (at most max_length)
    features_per_example: float = 1.0  # span QA: windows over contexts longer than max_length
    sequences: float = 1.0  # per feature (multiple choice: one per answer)
    published: bool = False  # from the task's published sizes, not measured

    def mean(self) -> float:
        return sum(self.lengths) / len(self.lengths) if self.lengths else 0.0

    def padded(self, batch_size: int) -> float:
        """Expected length of a random batch of ``batch_size`` features: the longest in it."""
        counts, n = Counter(self.lengths), len(self.lengths)
        expected, below = 0.0, 0
        for length in sorted(counts):
            above = below + counts[length]
            expected += length * ((above / n) ** batch_size - (below / n) ** batch_size)
            below = above
        return expected

    def forward_tokens(self) -> float:
        return self.examples * self.features_per_example * self.sequences * self.mean()


class Sizer:
    """Sizes of a grid's task splits: measured from the files with the model's tokenizer, else published."""

    def __init__(self, graph: JobGraph):
        self.model_dir = Path(graph.model_dir())
        self.hub = graph.grid.dataset["source"] == "hub"
        self._cache: dict = {}

    @cached_property
    def tokenizer(self):
        if not (self.model_dir / "tokenizer_config.json").exists():
            return None
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(self.model_dir)

    def split(
        self, task: str, path: str | Path, max_length: int, limit: int | None = None, doc_stride: int = 128
    ) -> Lengths:
        """The split in file ``path`` (its first ``limit`` examples), featurized at ``max_length``."""
        key = (task, str(path), max_length, limit, doc_stride)
        if key not in self._cache:
            self._cache[key] = self._measure(task, Path(path), max_length, limit, doc_stride)
        return self._cache[key]

    def _measure(self, task: str, path: Path, max_length: int, limit: int | None, doc_stride: int) -> Lengths:
        if not path.exists():
            return self._published(task, path, max_length, limit, f"{path} is not there yet (its data job writes it)")
        if self.tokenizer is None:
            return self._published(
                task,
                path,
                max_length,
                limit,
                f"{self.model_dir} has no tokenizer yet (the mlm_checkpoint job writes it)",
            )
        from stiltgrid.engine.features import feature_length, featurize
        from stiltgrid.formats import get_format
        from stiltgrid.tasks import get_task

        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()][:limit]
        sample = [json.loads(line) for line in lines[:: max(1, len(lines) // SAMPLE)][:SAMPLE]]
        fmt = get_format(get_task(task).format)
        if not fmt.trainable:  # embedded whole
            cap = min(max_length, self.tokenizer.model_max_length)
            ids = self.tokenizer([ex["text"] for ex in sample], truncation=True, max_length=cap)["input_ids"]
            return Lengths(len(lines), tuple(len(seq) for seq in ids))
        features = featurize(fmt.name, sample, self.tokenizer, max_length, [], doc_stride)
        multi = fmt.multi_sequence
        sequences = sum(len(f["input_ids"]) for f in features) / len(features) if multi else 1.0
        return Lengths(len(lines), tuple(feature_length(f) for f in features), len(features) / len(sample), sequences)

    @staticmethod
    def _published_of(task: str):
        from stiltgrid.tasks import all_tasks

        known = all_tasks().get(task)
        return known.published if known else None

    def _published(self, task: str, path: Path, max_length: int, limit: int | None, missing: str) -> Lengths:
        ref = self._published_of(task) if self.hub else None
        split = path.name.removesuffix(".jsonl")
        if split == "train":
            count, sequences = (ref.train, ref.train_sequences) if ref else (None, 1)
        elif split == "dev" and ref and limit:  # the sampled eval_subset dev examples: bounded by eval_subset
            count, sequences = limit, ref.train_sequences
        elif split.startswith("test.") and split != "test.pool":
            count, sequences = (ref.test_encoded, ref.test_sequences) if ref else (None, 1)
        elif split.startswith("dev.") and ref:  # BUCC's dev (sample) sets: not in the published table
            count, sequences = 0, 1
        else:
            count, sequences = None, 1
        if count is None:
            raise Unknown(
                f"size of {task} {split}: {missing}" + ("" if self.hub else " (published sizes cover hub data only)")
            )
        count = min(count, limit) if limit else count
        return Lengths(count, (max_length,), sequences=sequences, published=True)


# -- work ----------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Work:
    """Tokens one job processes."""

    train_tokens: float = 0.0  # trained on (forward and backward), the whole schedule
    steps: int = 0  # optimiser steps of the whole schedule
    eval_every: int = 1
    eval_tokens: float = 0.0  # one dev evaluation
    test_tokens: float = 0.0  # test sets of every language, or a retrieval job's sentences
    perturb_tokens: float = 0.0  # the robustness question's perturbed copies of the test sets
    published: bool = False  # some size came from a task's published sizes

    def evaluations(self, steps: int | None = None) -> int:
        return math.ceil((self.steps if steps is None else steps) / self.eval_every) if self.steps else 0

    def infer_tokens(self, perturbed: bool = True) -> float:
        return self.evaluations() * self.eval_tokens + self.test_tokens + (self.perturb_tokens if perturbed else 0)


def work(job: Job, sizer: Sizer) -> Work:
    """The tokens a GPU job processes; :class:`Unknown` when a size is."""
    settings = job.settings
    if phase_of(job) == "retrieval":
        return _retrieval_work(job, sizer)
    hp = settings["hparams"]
    max_length, stride = hp["max_length"], hp["doc_stride"]
    train_tokens = eval_tokens = micro_batches = 0.0
    published = False
    for task, data in zip(settings["tasks"], job.inputs["data"]):
        train = sizer.split(task, f"{data}/train.jsonl", max_length, hp["max_train_examples"], stride)
        # the sampled dev subset, sized from as many lines of the file
        dev = sizer.split(task, f"{data}/dev.jsonl", max_length, hp["eval_subset"], stride)
        features = train.examples * train.features_per_example
        per_feature = train.mean() if hp["length_grouping"] else train.padded(hp["batch_size"])
        train_tokens += features * hp["epochs"] * train.sequences * per_feature
        micro_batches += math.ceil(features / hp["batch_size"]) * hp["epochs"]
        eval_tokens += dev.forward_tokens()
        published |= train.published or dev.published
    mlm = settings.get("mlm")
    if mlm is not None:  # continued MLM: `ratio` corpus micro-batches per task one, sized at max_length (a bound)
        extra = math.floor(micro_batches * mlm["ratio"])
        train_tokens += extra * hp["batch_size"] * max_length
        micro_batches += extra
    if settings.get("tuning") is not None:  # LoRA: forward and activation gradients only
        train_tokens *= lora.TRAIN_COST
    test_tokens = 0.0
    if phase_of(job) == "target":
        (task,) = settings["tasks"]
        for lang in settings["languages"]:
            test = sizer.split(task, f"{job.inputs['data'][0]}/test.{lang}.jsonl", max_length, None, stride)
            test_tokens += test.forward_tokens()
            published |= test.published
        for _ in settings.get("dev_languages", []):  # English scored on the whole dev set (Grid.dev_languages)
            dev = sizer.split(task, f"{job.inputs['data'][0]}/dev.jsonl", max_length, None, stride)
            test_tokens += dev.forward_tokens()
            published |= dev.published
    return Work(
        train_tokens=train_tokens,
        steps=max(1, math.ceil(micro_batches / hp["grad_accum"])),
        eval_every=hp["eval_every"],
        eval_tokens=eval_tokens,
        test_tokens=test_tokens,
        perturb_tokens=test_tokens * len(settings.get("perturbations", {})),
        published=published,
    )


def _retrieval_work(job: Job, sizer: Sizer) -> Work:
    from stiltgrid.metrics.registry import get_metric
    from stiltgrid.tasks import get_task

    settings, data = job.settings, job.inputs["data"]
    task = get_task(settings["task"])
    files = [f"{data}/test.{lang}.jsonl" for lang in settings["languages"]]
    metric = get_metric(task.metric)
    if metric.tunes_on_dev:  # BUCC tunes its threshold on dev
        files += [f"{data}/dev.{lang}.jsonl" for lang in settings["languages"]]
    if metric.shared_pool:  # one candidate pool shared by every language, encoded once per job
        files.append(f"{data}/test.pool.jsonl")
    sizes = [sizer.split(task.name, path, settings["max_length"]) for path in files]
    return Work(test_tokens=sum(s.forward_tokens() for s in sizes), published=any(s.published for s in sizes))


# -- throughput ----------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Key:
    model: str
    device: str
    precision: str
    max_length: int

    def __str__(self) -> str:
        return f"(model {self.model}, device {self.device}, precision {self.precision}, max_length {self.max_length})"


@dataclass(frozen=True)
class Rate:
    key: Key
    train: float | None = None  # training tokens/s
    inference: float | None = None  # inference tokens/s
    overhead_s: float = 0.0  # per job: start-up, loading, saving
    source: str = ""

    def describe(self) -> str:
        def rate(value):
            return "-" if value is None else f"{value:,.0f} tok/s"

        return (
            f"{self.key}: train {rate(self.train)}, inference {rate(self.inference)}, "
            f"overhead {self.overhead_s:,.1f} s [{self.source}]"
        )


_ENTRY_FIELDS = {
    "model",
    "device",
    "precision",
    "max_length",
    "train_tokens_per_s",
    "infer_tokens_per_s",
    "overhead_s",
    "note",
}


def load_throughput(path: str | Path, models: dict) -> list[Rate]:
    """A user's throughput table (docs/throughput.example.yaml). ``model`` may name a model of the config (read as
    its :func:`model_key`) or give the key itself."""
    entries = (yaml.safe_load(Path(path).read_text()) or {}).get("throughput")
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected a list under 'throughput:'")
    rates = []
    for n, entry in enumerate(entries, start=1):
        where = f"{path}: entry {n}"
        unknown = sorted(set(entry) - _ENTRY_FIELDS)
        if unknown:
            raise ValueError(f"{where}: unknown key '{unknown[0]}' (known: {', '.join(sorted(_ENTRY_FIELDS))})")
        missing = [k for k in ("model", "device", "precision", "max_length") if k not in entry]
        if missing:
            raise ValueError(f"{where}: missing '{missing[0]}'")
        if entry["precision"] not in ("bf16", "fp32"):
            raise ValueError(f"{where}: precision must be bf16 or fp32, not '{entry['precision']}'")
        for name in ("train_tokens_per_s", "infer_tokens_per_s"):
            if name in entry and not (isinstance(entry[name], (int, float)) and entry[name] > 0):
                raise ValueError(f"{where}: {name} must be a positive number")
        model = entry["model"]
        key = Key(
            model_key(models[model]) if model in models else model,
            entry["device"],
            entry["precision"],
            int(entry["max_length"]),
        )
        rates.append(
            Rate(
                key,
                entry.get("train_tokens_per_s"),
                entry.get("infer_tokens_per_s"),
                float(entry.get("overhead_s", 0.0)),
                f"{path}" + (f": {entry['note']}" if "note" in entry else ""),
            )
        )
    return rates


def job_key(job: Job, model: str, device: str) -> Key:
    """The throughput entry a job runs at on ``device``."""
    settings = job.settings if phase_of(job) == "retrieval" else job.settings["hparams"]
    return Key(model, device, resolved_precision(settings["precision"], device), settings["max_length"])


def seconds(work: Work, rate: Rate | None, key: Key, perturbed: bool = True) -> float:
    """Predicted device-seconds of a job; :class:`Unknown` naming the missing throughput entry or field."""
    if rate is None:
        raise Unknown(f"no throughput entry for {key}")
    total = rate.overhead_s
    if work.train_tokens:
        if rate.train is None:
            raise Unknown(f"throughput entry {key} has no train_tokens_per_s")
        total += work.train_tokens / rate.train
    infer = work.infer_tokens(perturbed)
    if infer:
        if rate.inference is None:
            raise Unknown(f"throughput entry {key} has no infer_tokens_per_s")
        total += infer / rate.inference
    return total


# -- calibration from finished jobs --------------------------------------------------------------------------------
def job_log(job: Job) -> str:
    """The log of a GPU job, as workflow/rules/common.smk's ``log_path`` names it."""
    wc = job.wildcards
    parts = {
        "intermediate": ("intermediate", wc["intermediate"]),
        "target": ("target", wc["intermediate"], wc.get("target")),
        "retrieval": ("evaluate", wc["intermediate"], wc.get("target")),
    }[phase_of(job)]
    return os.path.join(P.LOGS.format(model=wc["model"]), *parts, f"seed{wc['seed']}") + ".log"


def benchmark_path(log: str) -> str:
    """Where a rule's ``benchmark:`` directive writes: its log's path under benchmarks/ instead of logs/, .tsv."""
    if not (log.startswith("logs/") and log.endswith(".log")):
        raise ValueError(f"not a log path: {log}")
    return "benchmarks/" + log[len("logs/") : -len(".log")] + ".tsv"


def read_benchmark(path: str | Path) -> float:
    """Wall-clock seconds of a job from its Snakemake benchmark TSV (the mean of the ``s`` column over repeats)."""
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if not rows or "s" not in rows[0]:
        raise ValueError(f"{path}: not a Snakemake benchmark file (no 's' column)")
    return sum(float(row["s"]) for row in rows) / len(rows)


@dataclass(frozen=True)
class Record:
    """What a finished GPU job measured."""

    job: Job
    seconds: float  # wall-clock of the whole job (benchmark)
    device: str
    precision: str
    loop_seconds: float | None = None  # training jobs: the training loop (train_summary.json)
    steps: int | None = None  # optimiser steps done (early stopping ends sooner)
    total_steps: int | None = None


def read_record(job: Job, root: str | Path = ".") -> Record | None:
    """The job's record, or None while it has no benchmark or its outputs are incomplete."""
    bench = Path(root, benchmark_path(job_log(job)))
    out = Path(root, job.outputs[0])
    if not bench.exists():
        return None
    if phase_of(job) == "retrieval":
        metrics = out / P.CELL_METRICS.format(lang=job.settings["languages"][0])
        if not metrics.exists():
            return None
        prov = json.loads(metrics.read_text())["provenance"]
        return Record(job, read_benchmark(bench), prov["device"], prov["precision"])
    summary_path = out / P.CELL_TRAIN_SUMMARY
    if not summary_path.exists():
        return None
    summary = json.loads(summary_path.read_text())
    prov = summary["provenance"]
    return Record(
        job,
        read_benchmark(bench),
        prov["device"],
        prov["precision"],
        float(summary["seconds"]),
        int(summary["steps"]),
        int(summary["total_steps"]),
    )


def calibrate(measured: list[tuple[Record, Work]], model: str, source: str) -> list[Rate]:
    """Throughput entries fitted to finished jobs, one per (model, device, precision, max_length) they ran with.

    Unknowns per key: seconds per training token, per inference token, and the per-job overhead (non-negative,
    least squares on relative error). A training job gives two equations (its loop, and the rest of the job), a
    retrieval job one."""
    import numpy as np
    from scipy.optimize import nnls

    rows: dict[Key, list[tuple[list[float], float]]] = {}
    jobs: Counter = Counter()
    for record, done in measured:
        key = replace(job_key(record.job, model, record.device), precision=record.precision)
        jobs[key] += 1
        equations = rows.setdefault(key, [])
        if record.loop_seconds is None:
            equations.append(([0.0, done.test_tokens, 1.0], record.seconds))
            continue
        share = record.steps / record.total_steps if record.total_steps else 1.0
        equations.append(
            ([done.train_tokens * share, done.evaluations(record.steps) * done.eval_tokens, 0.0], record.loop_seconds)
        )
        equations.append(([0.0, done.test_tokens + done.perturb_tokens, 1.0], record.seconds - record.loop_seconds))
    rates = []
    for key, equations in rows.items():
        a = np.array([coef for coef, _ in equations], dtype=float)
        b = np.array([max(value, 0.0) for _, value in equations], dtype=float)
        weight = 1.0 / np.maximum(b, 1e-3)
        used = a.any(axis=0)
        solution = np.zeros(3)
        solution[used] = nnls(a[:, used] * weight[:, None], b * weight)[0]
        # jobs all of one size cannot tell a rate from the overhead: one split is as good as another for them
        split = "" if np.linalg.matrix_rank(a[:, used]) == used.sum() else ", too alike to separate rate and overhead"
        rates.append(
            Rate(
                key,
                train=1.0 / solution[0] if solution[0] > 0 else None,
                inference=1.0 / solution[1] if solution[1] > 0 else None,
                overhead_s=float(solution[2]),
                source=f"{source}: {jobs[key]} finished jobs{split}",
            )
        )
    return rates
