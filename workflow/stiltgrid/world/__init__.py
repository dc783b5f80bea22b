"""The generated multilingual world: a seeded generator of small synthetic languages and tasks with known structure,
so the whole STILTs grid runs offline and analyses can be checked against planted ground truth.

- :data:`DEFAULT_WORLD` / :func:`validate_spec`: the spec (families with grammars; languages with family, script,
  pre-training volume and lexical drift).
- :class:`World`: builds every language from a spec; realises meanings (:class:`Clause`) as tagged tokens,
  translates (optionally with noise), generates corpora, any task in any language, retrieval sets, lexicons.
- :func:`generate_world`: writes languages.tsv, corpus/, tasks/, lexicon/ and world.json.
- which tasks the world generates, and how, is declared in each task's module (``world=``
  :class:`~stiltgrid.world.tasks.WorldData`); :func:`stiltgrid.tasks.world_tasks` lists them.
"""

from stiltgrid.world.generate import generate_world
from stiltgrid.world.language import CCG_TAGS, NER_TAGS, UPOS, Language, Tok
from stiltgrid.world.meaning import NP, Clause, nli_label, same_meaning
from stiltgrid.world.spec import DEFAULT_WORLD, WorldSpecError, default_world, validate_spec
from stiltgrid.world.world import World

__all__ = [
    "DEFAULT_WORLD", "World", "generate_world", "validate_spec", "default_world", "WorldSpecError", "Language", "Tok",
    "Clause", "NP", "nli_label", "same_meaning", "UPOS", "NER_TAGS", "CCG_TAGS",
]
