import pytest

from stiltgrid.data import xtreme as xt

XTREME_COUNTS = {
    "xnli": 15,
    "pawsx": 7,
    "udpos": 33,
    "panx": 40,
    "xquad": 11,
    "mlqa": 7,
    "tydiqa": 9,
    "bucc2018": 4,
    "tatoeba": 36,
}
XTREME_R_COUNTS = {
    "xnli": 15,
    "xcopa": 11,
    "udpos": 38,
    "panx": 48,
    "xquad": 12,
    "mlqa": 7,
    "tydiqa": 9,
    "tatoeba": 41,
    "mewslix": 11,
    "lareqa": 11,
}


def test_task_language_counts():
    assert {t: len(v) for t, v in xt.benchmark_task_languages(xt.XTREME).items()} == XTREME_COUNTS
    assert {t: len(v) for t, v in xt.benchmark_task_languages(xt.XTREME_R).items()} == XTREME_R_COUNTS
    for bench in xt.BENCHMARKS:
        for task, langs in xt.benchmark_task_languages(bench).items():
            assert len(set(langs)) == len(langs), (bench, task)


def test_specific_lists():
    assert xt.task_languages("bucc2018") == ("de", "fr", "ru", "zh")
    assert set(xt.task_languages("mlqa")) == {"ar", "de", "en", "es", "hi", "vi", "zh"}
    assert set(xt.task_languages("tydiqa")) == set("ar bn en fi id ko ru sw te".split())
    assert "en" not in xt.task_languages("tatoeba")
    assert set(xt.task_languages("xcopa", "xtreme_r")) == set("et ht id it qu sw ta th tr vi zh".split())
    assert set(xt.task_languages("mewslix", "xtreme-r")) == set("ar de en es fa ja pl ro ta tr uk".split())


def test_xtreme_r_extensions():
    x, r = xt.benchmark_task_languages(xt.XTREME), xt.benchmark_task_languages(xt.XTREME_R)
    assert set(r["udpos"]) - set(x["udpos"]) == set("lt pl uk wo ro".split())
    assert set(r["panx"]) - set(x["panx"]) == set("qu pl uk az lt pa gu ro".split())
    assert set(r["tatoeba"]) - set(x["tatoeba"]) == set("az lt pl uk ro".split())
    assert set(r["xquad"]) - set(x["xquad"]) == {"ro"}


def test_benchmark_languages():
    langs40 = xt.benchmark_languages("xtreme")
    langs50 = xt.benchmark_languages("xtreme_r")
    assert len(langs40) == 40 and len(langs50) == 50
    assert set(langs50) - set(langs40) == set("az gu ht lt pa pl qu ro uk wo".split())
    # PAN-X alone covers all 40 XTREME languages
    assert set(xt.task_languages("panx")) == set(langs40)


def test_tasks_and_categories():
    assert xt.benchmark_tasks("xtreme") == (
        "pawsx",
        "xnli",
        "udpos",
        "panx",
        "xquad",
        "mlqa",
        "tydiqa",
        "bucc2018",
        "tatoeba",
    )
    r_tasks = xt.benchmark_tasks("xtreme_r")
    assert len(r_tasks) == 10 and "pawsx" not in r_tasks and "bucc2018" not in r_tasks
    assert xt.task_category("lareqa", "xtreme_r") == xt.RETRIEVAL
    assert xt.task_category("xcopa", "xtreme_r") == xt.CLASSIFICATION
    assert xt.task_category("udpos") == xt.STRUCTURED_PREDICTION
    assert xt.task_category("TyDiQA-GoldP") == xt.QA
    with pytest.raises(ValueError, match="not part of xtreme"):
        xt.task_category("xcopa", "xtreme")


def test_score_metric_table():
    for task in ("xquad", "mlqa", "tydiqa"):
        assert set(xt.score_metrics(task)) == {"exact_match", "f1"}
    for task in ("udpos", "panx", "bucc2018"):
        assert xt.score_metrics(task) == ("f1",)
    for task in ("xnli", "pawsx", "tatoeba", "xcopa"):
        assert xt.score_metrics(task) == ("accuracy",)
    assert xt.score_metrics("lareqa") == xt.score_metrics("mewslix") == ("map@20",)


def test_training_sets():
    assert xt.train_set("xnli")[0].name == "mnli"
    assert xt.train_set("xquad")[0].name == xt.train_set("mlqa")[0].name == "squad_v1"
    assert xt.train_set("xquad")[0].size == 87_599
    assert xt.train_set("bucc2018") is None and xt.train_set("tatoeba") is None
    assert xt.train_set("tatoeba", "xtreme_r")[0].name == "squad_v1"
    assert [t.name for t in xt.train_set("xcopa", "xtreme_r")] == ["siqa", "copa_en"]


def test_canonical_task_aliases():
    assert xt.canonical_task("PAWS-X") == "pawsx"
    assert xt.canonical_task("UD-POS") == "udpos"
    assert xt.canonical_task("WikiANN") == "panx"
    assert xt.canonical_task("PAN-X") == "panx"
    assert xt.canonical_task("TyDiQA-GoldP") == "tydiqa"
    assert xt.canonical_task("BUCC") == "bucc2018"
    assert xt.canonical_task("Mewsli-X") == "mewslix"
    with pytest.raises(ValueError, match="unknown XTREME task"):
        xt.canonical_task("glue")
    assert xt.known_task("glue") is None and xt.known_task("squad") is None and xt.known_task("bucc") == "bucc2018"
    with pytest.raises(ValueError, match="unknown benchmark"):
        xt.benchmark_tasks("superglue")


def test_language_tasks():
    assert xt.language_tasks("de") == ("pawsx", "xnli", "udpos", "panx", "xquad", "mlqa", "bucc2018", "tatoeba")
    assert xt.language_tasks("ht", "xtreme_r") == ("xcopa",)
