"""The generated multilingual world: a seeded generator of small synthetic languages and tasks with known structure,
so the whole STILTs grid runs offline and analyses can be checked against planted ground truth.

- :data:`DEFAULT_WORLD` / :func:`validate_spec`: the spec (families with grammars; languages with family, script,
  pre-training volume and lexical drift).
- :class:`World`: builds every language from a spec; realises meanings (:class:`Clause`) as tagged tokens,
  translates (optionally with noise), generates corpora, any task in any language, retrieval sets, lexicons.
- :func:`generate_world`: writes languages.tsv, corpus/, tasks/, lexicon/ and world.json.
- :data:`WORLD_TASKS`: task name -> format name (see :mod:`stiltgrid.formats`); :data:`WORLD_LABELS` its label set.
"""

from .generate import generate_world
from .language import CCG_TAGS, NER_TAGS, UPOS, Language, Tok
from .meaning import NP, Clause, nli_label, same_meaning
from .spec import DEFAULT_WORLD, WorldSpecError, default_world, validate_spec
from .tasks import (INTERMEDIATE_TASKS, POOLED_TASKS, RETRIEVAL_TASKS, TARGET_TASKS, WORLD_LABELS, WORLD_TASKS,
                    task_labels)
from .world import World

__all__ = [
    "DEFAULT_WORLD", "World", "generate_world", "WORLD_TASKS", "WORLD_LABELS", "INTERMEDIATE_TASKS", "TARGET_TASKS",
    "RETRIEVAL_TASKS", "POOLED_TASKS", "task_labels", "validate_spec", "default_world", "WorldSpecError", "Language", "Tok",
    "Clause", "NP", "nli_label", "same_meaning", "UPOS", "NER_TAGS", "CCG_TAGS",
]
