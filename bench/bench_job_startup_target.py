"""The work of a benchmark job: the imports every stiltgrid training or evaluation job needs."""


def work() -> None:
    import torch  # noqa: F401
    from transformers.models.bert import modeling_bert  # noqa: F401
    from transformers.models.xlm_roberta import modeling_xlm_roberta  # noqa: F401
