"""PAN-X / WikiANN named-entity recognition (BIO)."""

from stiltgrid.hub.base import Source
from stiltgrid.hub.xtreme_targets import WIKIANN_HUB, XTREME_HUB, panx_plan
from stiltgrid.tasks.base import (
    STRUCTURED_PREDICTION,
    XTREME,
    XTREME_R,
    Benchmark,
    Leaderboard,
    Published,
    Task,
    TrainSet,
    langs,
)
from stiltgrid.world.language import NER_TAGS
from stiltgrid.world.meaning import Profile
from stiltgrid.world.tasks import TaggingGenerator, WorldData

NAME = "panx"
LANGUAGES = langs(
    "ar he vi id jv ms tl eu ml ta te af nl en de el bn hi mr ur fa fr it pt es bg ru ja ka ko th sw yo "
    "my zh kk tr et fi hu"
)
#: XTREME-R's additions, which the hub source reads from unimelb-nlp/wikiann (same data and splits)
XTREME_R_ADDED = langs("qu pl uk az lt pa gu ro")
TRAIN = (TrainSet("panx_en", "English WikiANN", 20_000),)

TASK = Task(
    name=NAME,
    format="tagging",
    metric="seqeval_f1",
    role="target",
    category=STRUCTURED_PREDICTION,
    benchmarks={XTREME: Benchmark(LANGUAGES, TRAIN), XTREME_R: Benchmark(LANGUAGES + XTREME_R_ADDED, TRAIN)},
    leaderboard=Leaderboard("tsv", "tags"),
    aliases=("WikiANN", "NER", "PAN-X NER", "WikiANN NER"),
    description="PAN-X / WikiANN named-entity recognition (BIO).",
    published=Published(
        train=20_000, test=10_000, source="XTREME (Hu et al. 2020) Table 1: test 1,000-10,000 per language"
    ),
    sources=(
        Source(
            name=NAME,
            task=NAME,
            refs=(XTREME_HUB, WIKIANN_HUB),
            plan=panx_plan(XTREME_R_ADDED),
            available=LANGUAGES + XTREME_R_ADDED,
            description="PAN-X (WikiANN, Rahimi et al. splits) from google/xtreme PAN-X.<lang>; XTREME-R's "
            "extra languages from unimelb-nlp/wikiann <lang>",
        ),
    ),
    world=WorldData(
        TaggingGenerator("ner", Profile(p_loc=0.85, p_org=0.5, p_pnoun=0.1, p_coord=0.25, p_rel=0.15), 0.15),
        labels=NER_TAGS,
    ),
)
