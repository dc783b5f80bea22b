"""The generated multilingual world: a seeded generator of small synthetic languages and tasks with known structure,
so the whole STILTs grid runs offline and analyses can be checked against planted ground truth.

- :data:`DEFAULT_WORLD` / :func:`validate_spec`: the spec (families with grammars; languages with family, script,
  pre-training volume and lexical drift).
- the languages (:mod:`~stiltgrid.world.language`), meanings (:class:`Clause`), lexicon and scripts it is made of,
  and the task generators (:mod:`~stiltgrid.world.tasks`) a task's module picks (``world=``
  :class:`~stiltgrid.world.tasks.WorldData`).

The world itself, built from the task registry one layer up, is :mod:`stiltgrid.data.world` (:class:`World`,
:func:`generate_world`).
"""

from stiltgrid.world.language import CCG_TAGS, NER_TAGS, UPOS, Language, Tok
from stiltgrid.world.meaning import NP, Clause, nli_label, same_meaning
from stiltgrid.world.spec import DEFAULT_WORLD, WorldSpecError, default_world, validate_spec

__all__ = [
    "DEFAULT_WORLD",
    "validate_spec",
    "default_world",
    "WorldSpecError",
    "Language",
    "Tok",
    "Clause",
    "NP",
    "nli_label",
    "same_meaning",
    "UPOS",
    "NER_TAGS",
    "CCG_TAGS",
]
