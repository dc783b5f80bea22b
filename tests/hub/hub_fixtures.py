"""Tiny copies of the hub dataset repositories the loaders read, in the hubs' real on-disk layout.

``build_mirror(root)`` writes ``root/<owner>/<name>/`` for every hub id: a README.md whose ``configs:`` block names
the configs and split files as on the hub, and parquet files written by ``datasets`` with the hub's features (column
names, dtypes, ClassLabel names). Repositories written by ``push_to_hub`` (HellaSwag, the Cosmos QA copy, SIQA,
CommonsenseQA) keep their files under ``data/``. ``datasets.load_dataset`` reads these directories exactly as it
reads the hub, so the tests run the same parsing code as a real fetch; tests/hub/hub_server.py serves them over HTTP.
The rows are a few per split, with the edge cases the parsers must handle.
"""

from __future__ import annotations

from pathlib import Path

import datasets
from datasets import ClassLabel, Dataset, Features, Sequence, Value

datasets.disable_progress_bars()

NLI = ClassLabel(names=["entailment", "neutral", "contradiction"])
UPOS = ClassLabel(
    names=[
        "ADJ",
        "ADP",
        "ADV",
        "AUX",
        "CCONJ",
        "DET",
        "INTJ",
        "NOUN",
        "NUM",
        "PART",
        "PRON",
        "PROPN",
        "PUNCT",
        "SCONJ",
        "SYM",
        "VERB",
        "X",
    ]
)
NER = ClassLabel(names=["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"])
SQUAD_FEATURES = Features(
    {
        "id": Value("string"),
        "title": Value("string"),
        "context": Value("string"),
        "question": Value("string"),
        "answers": Sequence({"text": Value("string"), "answer_start": Value("int32")}),
    }
)
XQUAD_FEATURES = Features(
    {
        "id": Value("string"),
        "context": Value("string"),
        "question": Value("string"),
        "answers": Sequence({"text": Value("string"), "answer_start": Value("int32")}),
    }
)
PARALLEL = Features(
    {name: Value("string") for name in ("source_sentence", "target_sentence", "source_lang", "target_lang")}
)


def qa(
    qid: str,
    context: str,
    question: str,
    *answers: str,
    title: str = "T",
    shift: int = 0,
    features: Features = SQUAD_FEATURES,
) -> dict:
    """A SQuAD-schema row; answer offsets are computed from the context (``shift`` corrupts them on purpose)."""
    starts = [context.find(a) + shift if context.find(a) >= 0 else 3 for a in answers]
    row = {
        "id": qid,
        "context": context,
        "question": question,
        "answers": {"text": list(answers), "answer_start": starts},
    }
    if "title" in features:
        row["title"] = title
    return row


# -- repositories: hub id -> {config: {split: (features, rows)}} -----------------------------------------------
def _glue():
    mnli = Features({"premise": Value("string"), "hypothesis": Value("string"), "label": NLI, "idx": Value("int32")})
    qqp = Features(
        {
            "question1": Value("string"),
            "question2": Value("string"),
            "label": ClassLabel(names=["not_duplicate", "duplicate"]),
            "idx": Value("int32"),
        }
    )
    sst2 = Features(
        {"sentence": Value("string"), "label": ClassLabel(names=["negative", "positive"]), "idx": Value("int32")}
    )
    nli_row = lambda p, h, label, idx: {"premise": p, "hypothesis": h, "label": label, "idx": idx}  # noqa: E731
    return {
        "mnli": {
            "train": (
                mnli,
                [
                    nli_row(
                        "Conceptually cream skimming has two basic dimensions.",
                        "Product and geography are what make cream skimming work. ",
                        1,
                        0,
                    ),
                    nli_row(
                        "One of our number will carry out your instructions minutely.",
                        "A member of my team will execute your orders with immense precision.",
                        0,
                        1,
                    ),
                    nli_row("Gays and lesbians.", "Heterosexuals.", 2, 2),
                ],
            ),
            "validation_matched": (
                mnli,
                [
                    nli_row("The new rights are nice enough", "Everyone likes them", 1, 0),
                    nli_row("This site includes a list of all award winners.", "The site cannot be searched.", 2, 1),
                ],
            ),
            "validation_mismatched": (mnli, [nli_row("MISMATCHED premise", "MISMATCHED hypothesis", 0, 0)]),
            "test_matched": (mnli, [nli_row("hidden", "hidden label", -1, 0)]),
            "test_mismatched": (mnli, [nli_row("hidden", "hidden label", -1, 0)]),
        },
        "qqp": {
            "train": (
                qqp,
                [
                    {
                        "question1": "How is the life of a math student?",
                        "question2": "Which level of prepration is enough for the exam jlpt5?",
                        "label": 0,
                        "idx": 0,
                    },
                    {
                        "question1": "How do I control my horny emotions?",
                        "question2": "How do you control your horniness?",
                        "label": 1,
                        "idx": 1,
                    },
                ],
            ),
            "validation": (
                qqp,
                [
                    {
                        "question1": "Why are African-Americans so beautiful?",
                        "question2": "Why are hispanics so beautiful?",
                        "label": 0,
                        "idx": 0,
                    }
                ],
            ),
            "test": (qqp, [{"question1": "a?", "question2": "b?", "label": -1, "idx": 0}]),
        },
        "sst2": {
            "train": (
                sst2,
                [
                    {"sentence": "hide new secretions from the parental units ", "label": 0, "idx": 0},
                    {"sentence": "contains no wit , only labored gags ", "label": 0, "idx": 1},
                    {"sentence": "that loves its characters ", "label": 1, "idx": 2},
                ],
            ),
            "validation": (
                sst2,
                [{"sentence": "it 's a charming and often affecting journey . ", "label": 1, "idx": 0}],
            ),
            "test": (sst2, [{"sentence": "uneasy mishmash of styles and genres .", "label": -1, "idx": 0}]),
        },
    }


def _squad():
    notre_dame = (
        "Architecturally, the school has a Catholic character. Atop the Main Building's gold dome is a "
        "golden statue of the Virgin Mary."
    )
    super_bowl = "Super Bowl 50 was an American football game. The Denver Broncos defeated the Carolina Panthers."
    return {
        "plain_text": {
            "train": (
                SQUAD_FEATURES,
                [
                    qa(
                        "5733be284776f41900661182",
                        notre_dame,
                        "What is atop the Main Building?",
                        "a golden statue of the Virgin Mary",
                        title="University_of_Notre_Dame",
                    ),
                    qa(
                        "5733be284776f4190066117f",
                        notre_dame,
                        "What character does the school have?",
                        "Catholic",
                        title="University_of_Notre_Dame",
                    ),
                ],
            ),
            "validation": (
                SQUAD_FEATURES,
                [
                    qa(
                        "56be4db0acb8001400a502ec",
                        super_bowl,
                        "Who won Super Bowl 50?",
                        "Denver Broncos",
                        "The Denver Broncos",
                        "Denver Broncos",
                        title="Super_Bowl_50",
                    )
                ],
            ),
        }
    }


def _anli():
    features = Features(
        {
            "uid": Value("string"),
            "premise": Value("string"),
            "hypothesis": Value("string"),
            "label": NLI,
            "reason": Value("string"),
        }
    )
    out = {}
    for r in ("r1", "r2", "r3"):
        for split, n in (("train", 2), ("dev", 1), ("test", 1)):
            rows = [
                {
                    "uid": f"{r}-{split}-{i}",
                    "premise": f"Premise {r} {split} {i}.",
                    "hypothesis": f"Hypothesis {r} {split} {i}.",
                    "label": i % 3,
                    "reason": "",
                }
                for i in range(n)
            ]
            out[f"{split}_{r}"] = (features, rows)
    return {"plain_text": out}


def _snli():
    features = Features({"premise": Value("string"), "hypothesis": Value("string"), "label": NLI})
    rows = [
        {
            "premise": "A person on a horse jumps over a broken down airplane.",
            "hypothesis": "A person is training his horse for a competition.",
            "label": 1,
        },
        {
            "premise": "A person on a horse jumps over a broken down airplane.",
            "hypothesis": "A person is outdoors, on a horse.",
            "label": 0,
        },
        {"premise": "Two women are embracing.", "hypothesis": "The sisters are hugging.", "label": -1},
    ]
    return {"plain_text": {"train": (features, rows), "validation": (features, rows[:1]), "test": (features, rows[:1])}}


def _hellaswag():
    features = Features(
        {
            "ind": Value("int32"),
            "activity_label": Value("string"),
            "ctx_a": Value("string"),
            "ctx_b": Value("string"),
            "ctx": Value("string"),
            "endings": Sequence(Value("string")),
            "source_id": Value("string"),
            "split": Value("string"),
            "split_type": Value("string"),
            "label": Value("string"),
        }
    )

    def row(ind, label, split):
        return {
            "ind": ind,
            "activity_label": "Removing ice from car",
            "ctx_a": "Then, the man writes over the snow covering the window of a car, and a woman wearing "
            "winter clothes smiles.",
            "ctx_b": "then",
            "ctx": "…",
            "endings": [
                ", the man adds wax to the windshield and cuts it.",
                ", a person board a ski lift, while two men supporting the head of the person wearing "
                "winter clothes snow as the we girls sled.",
                ", the man puts on a christmas coat, knitted with netting.",
                ", the man continues removing the snow on his car.",
            ],
            "source_id": "activitynet~v_-1IBHYS3L-Y",
            "split": split,
            "split_type": "indomain",
            "label": label,
        }

    return {
        "default": {
            "train": (features, [row(4, "3", "train"), row(5, "0", "train")]),
            "validation": (features, [row(24, "3", "val")]),
            "test": (features, [row(99, "", "test")]),
        }
    }


def _cosmos():
    features = Features(
        {
            "id": Value("string"),
            "context": Value("string"),
            "question": Value("string"),
            **{f"answer{k}": Value("string") for k in range(4)},
            "label": Value("int32"),
        }
    )

    def row(rid, label):
        return {
            "id": rid,
            "context": "Good Old War and person L : I saw both of these bands Wednesday night.",
            "question": "In the future , will this person go to see other bands play ?",
            "answer0": "None of the above choices .",
            "answer1": "This person likes music and likes to see the show , they will see other bands play .",
            "answer2": "This person only likes Good Old War .",
            "answer3": "Other Bands is not on tour .",
            "label": label,
        }

    siqa_id = (
        "3Q9SPIIRWJKVQ8244310E8TUS6YWAC##34V1S5K3GTZMDUBNBIGY93FLDOB690##A1S1K7134S2VUC##Blog_1044056##q1_a1"
        "##3XU9MCX6VQQG7YPLCSAFDPQNH4GR20"
    )
    return {
        "default": {
            "train": (features, [row(siqa_id, 1)]),
            "validation": (features, [row("dev-1", 2)]),
            "test": (features, [row("test-1", -1)]),
        }
    }


def _commonsense_qa():
    features = Features(
        {
            "id": Value("string"),
            "question": Value("string"),
            "question_concept": Value("string"),
            "choices": Sequence({"label": Value("string"), "text": Value("string")}),
            "answerKey": Value("string"),
        }
    )

    def row(rid, key):
        return {
            "id": rid,
            "question": "The sanctions against the school were a punishing blow, and they seemed to "
            "what the efforts the school had made to change?",
            "question_concept": "punishing",
            "choices": {
                "label": ["A", "B", "C", "D", "E"],
                "text": ["ignore", "enforce", "authoritarian", "yell at", "avoid"],
            },
            "answerKey": key,
        }

    return {
        "default": {
            "train": (features, [row("075e483d21c29a511267ef62bedc0461", "A")]),
            "validation": (features, [row("1afa02df02c908a558b4036e80242fac", "E")]),
            "test": (features, [row("90b30172e645ff91f7171a048582eb8b", "")]),
        }
    }


def _xtreme():
    xnli = Features(
        {
            "language": Value("string"),
            "sentence1": Value("string"),
            "sentence2": Value("string"),
            "gold_label": Value("string"),
        }
    )

    def xnli_rows(langs, n):
        return [
            {
                "language": lang,
                "sentence1": f"{lang} premise {i}",
                "sentence2": f"{lang} hypothesis {i}",
                "gold_label": ("entailment", "neutral", "contradiction")[i % 3],
            }
            for lang in langs
            for i in range(n)
        ]

    paws = Features({"sentence1": Value("string"), "sentence2": Value("string"), "label": Value("string")})

    def paws_rows(lang, n):
        return [{"sentence1": f"{lang} s1 {i}", "sentence2": f"{lang} s2 {i}", "label": str(i % 2)} for i in range(n)]

    udpos = Features({"tokens": Sequence(Value("string")), "pos_tags": Sequence(UPOS)})
    panx = Features(
        {"tokens": Sequence(Value("string")), "ner_tags": Sequence(NER), "langs": Sequence(Value("string"))}
    )
    tydiqa_context = "Quantum field theory naturally began with the study of electromagnetic interactions."
    bucc_rows = [
        {
            "source_sentence": "Das ist ein Test.",
            "target_sentence": "This is a test.",
            "source_lang": "de-000000001",
            "target_lang": "en-000000007",
        },
        {
            "source_sentence": "Noch ein Satz.",
            "target_sentence": "Another sentence.",
            "source_lang": "de-000000002",
            "target_lang": "en-000000003",
        },
        {
            "source_sentence": "Das ist ein Test.",
            "target_sentence": "This is a trial.",
            "source_lang": "de-000000001",
            "target_lang": "en-000000009",
        },
    ]
    return {
        "XNLI": {"test": (xnli, xnli_rows(["en", "de", "fr"], 3)), "validation": (xnli, xnli_rows(["en", "de"], 2))},
        "PAWS-X.en": {
            "train": (paws, paws_rows("en", 3)),
            "validation": (paws, paws_rows("en", 2)),
            "test": (paws, paws_rows("en", 2)),
        },
        "PAWS-X.de": {
            "train": (paws, paws_rows("de", 1)),
            "validation": (paws, paws_rows("de", 1)),
            "test": (paws, paws_rows("de", 2) + [{"sentence1": "", "sentence2": "x", "label": "1"}]),
        },
        "udpos.English": {
            "train": (
                udpos,
                [
                    {
                        "tokens": ["What", "if", "Google", "Morphed", "Into", "GoogleOS", "?"],
                        "pos_tags": [10, 13, 11, 15, 1, 11, 12],
                    }
                ],
            ),
            "validation": (udpos, [{"tokens": ["I", "ran", "."], "pos_tags": [10, 15, 12]}]),
            "test": (udpos, [{"tokens": ["Yes", "."], "pos_tags": [6, 12]}]),
        },
        "udpos.German": {
            "train": (udpos, [{"tokens": ["Ja"], "pos_tags": [6]}]),
            "validation": (udpos, [{"tokens": ["Ja"], "pos_tags": [6]}]),
            "test": (
                udpos,
                [{"tokens": ["Der", "Hund", "bellt", "."], "pos_tags": [5, 7, 15, 12]}, {"tokens": [], "pos_tags": []}],
            ),
        },
        "udpos.Thai": {"test": (udpos, [{"tokens": ["ผม", "ไป"], "pos_tags": [10, 15]}])},
        "PAN-X.en": {
            "train": (
                panx,
                [
                    {
                        "tokens": ["R.H.", "Saunders", "(", "St.", "Lawrence", "River", ")", "(", "968", "MW", ")"],
                        "ner_tags": [3, 4, 0, 3, 4, 4, 0, 0, 0, 0, 0],
                        "langs": ["en"] * 11,
                    }
                ],
            ),
            "validation": (panx, [{"tokens": ["Rick", "Astley"], "ner_tags": [1, 2], "langs": ["en", "en"]}]),
            "test": (panx, [{"tokens": ["Paris"], "ner_tags": [5], "langs": ["en"]}]),
        },
        "PAN-X.de": {
            "train": (panx, [{"tokens": ["Berlin"], "ner_tags": [5], "langs": ["de"]}]),
            "validation": (panx, [{"tokens": ["Berlin"], "ner_tags": [5], "langs": ["de"]}]),
            # a copy that still carries the original files' "de:" token prefix
            "test": (
                panx,
                [
                    {
                        "tokens": ["de:Angela", "de:Merkel", "de:besucht", "de:Paris"],
                        "ner_tags": [1, 2, 0, 5],
                        "langs": ["de"] * 4,
                    }
                ],
            ),
        },
        "XQuAD.en": {
            "validation": (
                XQUAD_FEATURES,
                [
                    qa(
                        "56beb4343aeaaa14008c925b",
                        "The Panthers defense gave up just 308 points.",
                        "How many points did the Panthers defense surrender?",
                        "308",
                        features=XQUAD_FEATURES,
                    )
                ],
            )
        },
        "XQuAD.de": {
            "validation": (
                XQUAD_FEATURES,
                [
                    qa(
                        "56beb4343aeaaa14008c925b",
                        "Die Verteidigung der Panthers gab nur 308 Punkte ab.",
                        "Wie viele Punkte gab die Verteidigung der Panthers ab?",
                        "308",
                        features=XQUAD_FEATURES,
                    )
                ],
            )
        },
        "MLQA.en.en": {
            "test": (SQUAD_FEATURES, [qa("a1", "Alice lives in Lyon.", "Where does Alice live?", "Lyon")]),
            "validation": (SQUAD_FEATURES, [qa("a0", "Bob is here.", "Who?", "Bob")]),
        },
        "MLQA.de.de": {
            "test": (
                SQUAD_FEATURES,
                [
                    # offsets computed before the context was stripped: one off, as in sources that strip afterwards
                    qa("b1", "Alice wohnt in Lyon.", "Wo wohnt Alice?", "Lyon", shift=1),
                    qa("b2", "Bob wohnt in Paris.", "Wo wohnt Bob?", "Berlin"),
                ],
            ),
            "validation": (SQUAD_FEATURES, [qa("b0", "Bob ist hier.", "Wer?", "Bob")]),
        },
        "tydiqa": {
            "train": (
                SQUAD_FEATURES,
                [
                    qa(
                        "english--2627208006131213014-0",
                        tydiqa_context,
                        "What did quantum field theory begin with?",
                        "the study of electromagnetic interactions",
                    ),
                    qa("arabic-2387335860751143628-11", "نشأت الفلسفة في اليونان.", "أين نشأت الفلسفة؟", "اليونان"),
                ],
            ),
            "validation": (
                SQUAD_FEATURES,
                [
                    qa("english-1047009541406185585-0", tydiqa_context, "What is the topic?", "Quantum field theory"),
                    qa("arabic-2387335860751143628-12", "نشأت الفلسفة في اليونان.", "أين؟", "اليونان"),
                    qa("swahili--1000006405355497307-0", "Dar es Salaam ni mji mkubwa.", "Mji gani?", "Dar es Salaam"),
                ],
            ),
        },
        "bucc18.de": {"validation": (PARALLEL, bucc_rows[:2]), "test": (PARALLEL, bucc_rows)},
        "tatoeba.deu": {
            "validation": (
                PARALLEL,
                [
                    {
                        "source_sentence": "Ich habe Hunger.\n",
                        "target_sentence": "I am hungry.\n",
                        "source_lang": "deu",
                        "target_lang": "eng",
                    },
                    {
                        "source_sentence": "Wo ist Tom?\n",
                        "target_sentence": "Where is Tom?\n",
                        "source_lang": "deu",
                        "target_lang": "eng",
                    },
                    {
                        "source_sentence": "Wo steckt Tom?\n",
                        "target_sentence": "Where is Tom?\n",
                        "source_lang": "deu",
                        "target_lang": "eng",
                    },
                ],
            )
        },
    }


REPOS = {
    "nyu-mll/glue": _glue,
    "rajpurkar/squad": _squad,
    "facebook/anli": _anli,
    "stanfordnlp/snli": _snli,
    "Rowan/hellaswag": _hellaswag,
    "Samsoup/cosmos_qa": _cosmos,
    "tau/commonsense_qa": _commonsense_qa,
    "google/xtreme": _xtreme,
}
#: directory of a config's files in each repository (the hub's own naming)
CONFIG_DIR = {
    "tau/commonsense_qa": "data",
    "Rowan/hellaswag": "data",
    "Samsoup/cosmos_qa": "data",
    "lighteval/siqa": "data",
}

from hub_fixtures_xtreme_r import XTREME_R_REPOS  # noqa: E402  (reuses the helpers above)

REPOS.update(XTREME_R_REPOS)


def build_mirror(root: Path) -> Path:
    for hub_id, make in REPOS.items():
        repo = root / hub_id
        configs = make()
        card = []
        for config, splits in configs.items():
            folder = CONFIG_DIR.get(hub_id, config)
            card.append(f"- config_name: {config}\n  data_files:")
            for split, (features, rows) in splits.items():
                path = repo / folder / f"{split}-00000-of-00001.parquet"
                path.parent.mkdir(parents=True, exist_ok=True)
                Dataset.from_list(rows, features=features).to_parquet(str(path))
                card.append(f"  - split: {split}\n    path: {folder}/{split}-*")
        if card:
            (repo / "README.md").write_text(
                "---\nconfigs:\n" + "\n".join(card) + "\n---\n# mirror fixture\n", encoding="utf-8"
            )
    return root
