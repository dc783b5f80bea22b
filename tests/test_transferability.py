"""The transferability estimates (stiltgrid.engine.transferability): LogME against a direct evaluation of the evidence
and a brute-force search over (alpha, beta), higher for informative features than for noise; seeded samples; and, on a
planted case where the right intermediate is known (a target whose data is a copy of one intermediate's English
data), the estimate jobs rank that intermediate first."""

import itertools
import json
import shutil

import numpy as np
import pytest
from behaviour_probes import Probes, job

from stiltgrid.engine import transferability as T


def _svd_column(features, y):
    u, s, _ = np.linalg.svd(features, full_matrices=False)
    return T._logme_column(s**2, u.T @ y, float(y @ y), *features.shape)


@pytest.mark.parametrize("n, d", [(200, 8), (30, 60)], ids=["tall", "wide"])
def test_logme_evidence_is_the_direct_formula_at_its_maximum(n, d):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(n, d))
    y = (features[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float)
    value, alpha, beta = _svd_column(features, y)
    # the SVD shortcut evaluates exactly the evidence of the D x D posterior (wide: D > N, zero singular values)
    assert value == pytest.approx(T.evidence(features, y, alpha, beta), rel=1e-9)
    # and the fixed point is the maximum: no (alpha, beta) around it does better
    around = [
        T.evidence(features, y, alpha * a, beta * b) for a, b in itertools.product((0.5, 0.9, 1.1, 2.0), repeat=2)
    ]
    assert value >= max(around) - 1e-12


def test_logme_is_the_mean_over_classes_and_prefers_informative_features():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=300)
    informative = np.eye(3)[labels] * 2.0 + rng.normal(size=(300, 3)) * 0.5
    informative = np.hstack([informative, rng.normal(size=(300, 5))])
    noise = rng.normal(size=(300, 8))
    per_class = [_svd_column(informative, (labels == c).astype(float))[0] for c in range(3)]
    assert T.logme(informative, labels) == pytest.approx(np.mean(per_class))
    assert T.logme(informative, labels) > T.logme(noise, labels) + 0.3
    # string labels are classes like any other
    assert T.logme(informative, np.array(["a", "b", "c"])[labels]) == pytest.approx(T.logme(informative, labels))
    with pytest.raises(ValueError, match="two classes"):
        T.logme(noise, np.zeros(300))


def test_samples_are_seeded_and_keep_file_order():
    rows = list(range(100))
    first = T.sample(rows, 10, seed=3)
    assert first == T.sample(rows, 10, seed=3) and first == sorted(first) and len(set(first)) == 10
    assert first != T.sample(rows, 10, seed=4)
    assert T.sample(rows[:5], 10, seed=3) == rows[:5]
    assert T.cosine([1, 0], [1, 0]) == pytest.approx(1.0) and T.cosine([1, 0], [0, 2]) == pytest.approx(0.0)


# -- planted: the target is a copy of mnli's English data ----------------------------------------------------------
CANDIDATES = ("mnli", "squad", "hellaswag")
SETTINGS = {"sample": 40, "sample_seed": 0, "max_length": 48, "batch_size": 16}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """Text vectors and LogME of a target whose files are a copy of mnli's, through the estimate jobs, on the
    behaviour probes' world and model and their intermediate checkpoints of three tasks (three formats)."""
    from stiltgrid import jobs
    from stiltgrid.analysis import selection as S

    probes = Probes(tmp_path_factory.mktemp("planted"))
    root, data = probes.root, probes._world() / "tasks"
    copy = root / "planted"
    shutil.copytree(data / "mnli", copy)
    text, logme = {}, {}
    for name, tasks, data_dir in [*((c, [c], data / c) for c in CANDIDATES), ("planted", ["mnli"], copy)]:
        text[name] = str(root / f"text-{name}.json")
        jobs.selection_text(
            job(
                "selection_text",
                {"name": name, "tasks": tasks, "languages": [], **SETTINGS},
                {"encoder": str(probes._model()), "data": [str(data_dir)]},
                {"out": text[name]},
                {"model": "probe", "name": name},
                root / "log",
            )
        )
    for inter in CANDIDATES:
        logme[inter] = str(root / f"logme-{inter}.json")
        jobs.selection_logme(
            job(
                "selection_logme",
                {"target": "mnli", "max_rows": 400, **SETTINGS},
                {"encoder": str(probes._intermediate(inter)), "data": str(copy)},
                {"out": logme[inter]},
                {"model": "probe", "intermediate": inter, "target": "planted", "seed": "1"},
                root / "log",
            )
        )
    table, seconds = S.read_estimates(text, {"planted": logme}, list(CANDIDATES), ["planted"])
    return table, seconds, text, logme


@pytest.mark.slow
def test_planted_copy_is_ranked_first_by_every_estimator_that_sees_it(planted):
    from stiltgrid.analysis import selection as S

    table, seconds, text, logme = planted
    # the copy's sample is the same texts, so its vector is mnli's own: cosine 1
    assert json.loads(open(text["planted"]).read())["vector"] == json.loads(open(text["mnli"]).read())["vector"]
    assert S.ranking(table, "text_similarity", "planted", CANDIDATES)[0] == "mnli"
    # features trained on these very labels explain them best
    values = {i: json.loads(open(path).read())["logme"] for i, path in logme.items()}
    assert S.ranking(table, "logme", "planted", CANDIDATES)[0] == "mnli", values
    assert json.loads(open(logme["mnli"]).read())["row"] == "sentence pair, mean-pooled, its label"
    assert seconds["text_similarity"] > 0 and seconds["logme"] > 0
