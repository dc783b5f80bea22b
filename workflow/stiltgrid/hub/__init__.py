"""Hub data sources: what a task's module uses to build its data from the Hugging Face hub.

:mod:`~stiltgrid.hub.base` (``Source``, ``HubRef``, ``Read``, ``Part``, the reader), :mod:`~stiltgrid.hub.transport`
(retries, commits), :mod:`~stiltgrid.hub.lock` (the data lock), :mod:`~stiltgrid.hub.parsers` (rows to examples per
format), one module per repository family (``glue``, ``nli``, ``qa``, ``multiple_choice``, ``retrieval``,
``xtreme_targets``, ``xtreme_r``) and the converters of local copies (``ccg``, ``mewslix``). A family is told its task's
facts by the task's module; the list of sources derived from the task registry, and fetching, are
:mod:`stiltgrid.data.hub`.
"""
