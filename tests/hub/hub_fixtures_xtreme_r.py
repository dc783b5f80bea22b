"""Tiny copies of the hub repositories the XTREME-R loaders read (same layout rules as hub_fixtures): English SIQA
(lighteval/siqa), XCOPA, XQuAD-R (all 11 configs: the LAReQA pool spans them), XQuAD's Romanian config and a WikiANN
language that google/xtreme lacks."""

from __future__ import annotations

from datasets import Features, Sequence, Value
from hub_fixtures import NER, XQUAD_FEATURES, qa

XQUAD_R_LANGS = ("ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh")


def _siqa():
    features = Features(
        {
            "context": Value("string"),
            "question": Value("string"),
            "answerA": Value("string"),
            "answerB": Value("string"),
            "answerC": Value("string"),
            "label": Value("string"),
        }
    )

    def row(label, context="Tracy didn't go home that evening and resisted Riley's attacks."):
        return {
            "context": context,
            "question": "What does Tracy need to do before this?",
            "answerA": "make a new plan",
            "answerB": "Go home and see Riley",
            "answerC": "Find somewhere to go",
            "label": label,
        }

    return {
        "default": {
            "train": (features, [row("3"), row("1", "Sydney walked past a homeless woman."), row("")]),
            "validation": (features, [row("2")]),
        }
    }


def _xcopa():
    features = Features(
        {
            "premise": Value("string"),
            "choice1": Value("string"),
            "choice2": Value("string"),
            "question": Value("string"),
            "label": Value("int32"),
            "idx": Value("int32"),
            "changed": Value("bool"),
        }
    )

    def row(idx, premise, c1, c2, question, label):
        return {
            "premise": premise,
            "choice1": c1,
            "choice2": c2,
            "question": question,
            "label": label,
            "idx": idx,
            "changed": False,
        }

    et = [
        row(1, "Mees keeras kraani lahti.", "Tualett täitus veega.", "Vesi voolas kraanist.", "effect", 1),
        row(2, "Tüdruk leidis oma helveste seest putuka.", "Ta valas piima kaussi.", "Ta kaotas isu.", "effect", 1),
        row(3, "Naine läks pensionile.", "Ta sai pensioni.", "Ta maksis hüpoteegi ära.", "cause", 0),
    ]
    zh = [
        row(1, "那个人打开了水龙头。", "马桶里充满了水。", "水从喷口流出来。", "effect", 1),
        row(4, "空的", "", "答案", "cause", 0),
    ]
    return {
        "et": {"validation": (features, et[:1]), "test": (features, et)},
        "zh": {"validation": (features, zh[:1]), "test": (features, zh)},
    }


# Parallel paragraphs: the answer to q1 is in sentence 2 of paragraph 1, q2 in sentence 3, q3 in sentence 1 of
# paragraph 2. Chinese ends sentences with 。 and no space, Hindi with ।, Thai has no sentence punctuation.
def _paragraphs(lang: str) -> tuple[str, str]:
    if lang == "zh":
        return "第一句。第二句有答案甲。第三句有答案乙！", "答案丙在这里。最后一句。"
    if lang == "hi":
        return "पहला वाक्य। दूसरे में उत्तर-क है। तीसरे में उत्तर-ख है।", "उत्तर-ग यहाँ है। अंतिम वाक्य।"
    if lang == "th":
        return "ประโยคแรก ประโยคที่สองมี คำตอบก ประโยคที่สามมี คำตอบข", "คำตอบค อยู่ที่นี่ ประโยคสุดท้าย"
    return (
        f"{lang} first sentence. {lang} second has answer-a-{lang} inside. {lang} third has answer-b-{lang}?",
        f"{lang} answer-c-{lang} opens this. {lang} last one.",
    )


def _answers(lang: str) -> tuple[str, str, str]:
    if lang == "zh":
        return "答案甲", "答案乙", "答案丙"
    if lang == "hi":
        return "उत्तर-क", "उत्तर-ख", "उत्तर-ग"
    if lang == "th":
        return "คำตอบก", "คำตอบข", "คำตอบค"
    return f"answer-a-{lang}", f"answer-b-{lang}", f"answer-c-{lang}"


def _xquad_r():
    out = {}
    for lang in XQUAD_R_LANGS:
        p1, p2 = _paragraphs(lang)
        a1, a2, a3 = _answers(lang)
        shift = 1 if lang == "de" else 0  # offsets off by one, as in a copy whose contexts were stripped afterwards
        rows = [
            qa("q1", p1, f"{lang} question one?", a1, features=XQUAD_FEATURES, shift=shift),
            qa("q2", p1, f"{lang} question two?", a2, features=XQUAD_FEATURES),
            qa("q3", p2, f"{lang} question three?", a3, features=XQUAD_FEATURES),
        ]
        out[lang] = {"validation": (XQUAD_FEATURES, rows)}
    return out


def _xquad():
    context = "Apărarea Panthers a cedat doar 308 puncte."
    return {
        "xquad.ro": {
            "validation": (
                XQUAD_FEATURES,
                [
                    qa(
                        "56beb4343aeaaa14008c925b",
                        context,
                        "Câte puncte a cedat apărarea Panthers?",
                        "308",
                        features=XQUAD_FEATURES,
                    )
                ],
            )
        }
    }


def _wikiann():
    features = Features(
        {
            "tokens": Sequence(Value("string")),
            "ner_tags": Sequence(NER),
            "langs": Sequence(Value("string")),
            "spans": Sequence(Value("string")),
        }
    )

    def row(tokens, tags):
        return {"tokens": tokens, "ner_tags": tags, "langs": ["qu"] * len(tokens), "spans": []}

    return {
        "qu": {
            "train": (features, [row(["Qusqu", "llaqta"], [5, 0])]),
            "validation": (features, [row(["Lima"], [5])]),
            "test": (features, [row(["Tupac", "Amaru", "Qusqupi"], [1, 2, 5])]),
        }
    }


XTREME_R_REPOS = {
    "lighteval/siqa": _siqa,
    "cambridgeltl/xcopa": _xcopa,
    "google-research-datasets/xquad_r": _xquad_r,
    "google/xquad": _xquad,
    "unimelb-nlp/wikiann": _wikiann,
}
