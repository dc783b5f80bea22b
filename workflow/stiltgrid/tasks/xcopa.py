"""XCOPA: causal commonsense reasoning (choose the more plausible cause or effect), 2 choices, 11 languages.

XTREME-R fine-tunes on English SIQA and then on English COPA. Our grid trains one English set per target; the hub
loader gives English SIQA (33k questions, 3 choices; dev = SIQA validation), the first and much larger of the two
stages (COPA has 400 training questions). XCOPA's untranslated ``cause`` / ``effect`` keyword becomes an English
question in the hub files; the generated world trains on its own English COPA-style split with the keyword as is.
"""

from stiltgrid.tasks.base import Task

TASK = Task(
    name="xcopa",
    format="multiple_choice",
    metric="accuracy",
    role="target",
    category="classification",
    english_train="siqa",
    description="XCOPA: trained on English SIQA (XTREME-R: SIQA then COPA), 2-choice causal reasoning in "
                "11 languages.",
)
