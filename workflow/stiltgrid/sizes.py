"""Published sizes of the real (hub) datasets, for costing a grid before its data is fetched (stiltgrid.cost).

Once a task's files are fetched, the planner measures them instead (examples, and token lengths under the model's
tokenizer). Until then it reads this table. Token lengths are not published in XLM-R's sub-words, so the planner
counts every sequence at the job's ``max_length`` (dynamic padding never pads beyond it), and where XTREME publishes a
range of per-language test sizes it takes the top of the range: the estimate errs high. Two things it cannot see:
QA contexts longer than ``max_length`` (they add windows) and BUCC's dev ("sample") sets, which XTREME does not size.

Sources:

* [glue] nyu-mll/glue on the Hugging Face hub, split sizes of ``mnli``, ``qqp``, ``sst2`` (GLUE, Wang et al. 2018,
  Table 1 rounds them: 393k, 364k, 67k).
* [squad] Rajpurkar et al. (2016), SQuAD v1.1; rajpurkar/squad ``train`` (stiltgrid.hub.qa).
* [anli] Nie et al. (2020), Adversarial NLI: train rounds 1-3 of 16,946 + 45,460 + 100,459 examples.
* [mc] Rowan/hellaswag, Samsoup/cosmos_qa, tau/commonsense_qa ``train`` (stiltgrid.hub.multiple_choice); HellaSwag
  and Cosmos QA have 4 answers per question, CommonsenseQA 5.
* [ccg] CCGbank (Hockenmaier and Steedman 2007), WSJ sections 02-21: 39,604 sentences.
* [xtreme] Hu et al. (2020), XTREME, Table 1: English training sets and test examples per language (POS 47-20,436,
  NER 1,000-10,000, MLQA 4,517-11,590, TyDiQA-GoldP 323-2,719, BUCC 1,896-14,330 gold pairs, Tatoeba 1,000 pairs).
* [siqa] Sap et al. (2019), Social IQa: 33,410 training questions with 3 answers (XCOPA's English training set here,
  stiltgrid.hub.xtreme_r); [xcopa] Ponti et al. (2020), XCOPA: 500 test questions per language, 2 answers.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    train: int | None = None       # English training examples
    test: int | None = None        # test examples per language (retrieval: sentences to encode per language)
    train_sequences: int = 1       # sequences per training example (multiple choice: one per answer)
    test_sequences: int = 1
    source: str = ""


#: task name (stiltgrid.tasks) -> its published sizes
PUBLISHED: dict[str, Published] = {
    # English intermediate tasks
    "mnli": Published(train=392_702, source="glue"),
    "qqp": Published(train=363_846, source="glue"),
    "sst2": Published(train=67_349, source="glue"),
    "squad": Published(train=87_599, source="squad"),
    "anli": Published(train=162_865, source="anli"),
    "hellaswag": Published(train=39_905, train_sequences=4, source="mc"),
    "cosmosqa": Published(train=25_262, train_sequences=4, source="mc"),
    "commonsenseqa": Published(train=9_741, train_sequences=5, source="mc"),
    "ccg": Published(train=39_604, source="ccg"),
    # targets: English training set, test examples per language
    "xnli": Published(train=392_702, test=5_010, source="xtreme"),
    "pawsx": Published(train=49_401, test=2_000, source="xtreme"),
    "udpos": Published(train=21_253, test=20_436, source="xtreme"),
    "panx": Published(train=20_000, test=10_000, source="xtreme"),
    "xquad": Published(train=87_599, test=1_190, source="xtreme"),
    "mlqa": Published(train=87_599, test=11_590, source="xtreme"),
    "tydiqa": Published(train=3_696, test=2_719, source="xtreme"),
    "xcopa": Published(train=33_410, test=500, train_sequences=3, test_sequences=2, source="siqa, xcopa"),
    # retrieval: both sides of every gold pair are encoded
    "bucc": Published(test=2 * 14_330, source="xtreme"),
    "tatoeba": Published(test=2 * 1_000, source="xtreme"),
}
