"""Parameter-efficient training: LoRA through ``peft``, chosen per phase and task with the ``tuning`` setting.

``tuning: full`` (the default) trains every weight, as before. ``tuning: lora`` freezes the encoder and trains
low-rank updates ``B A`` (rank ``rank``, scaled by ``alpha / rank``, ``dropout`` on their input) of the linear layers
named in ``modules`` (XLM-R / BERT attention projections: query, key, value, dense); the task heads are always
trained in full and saved.

* A LoRA intermediate checkpoint is the adapter (peft's ``adapter_model.safetensors`` + ``adapter_config.json``), the
  heads (``heads.pt``, ``heads.json``) and the tokenizer: no copy of the encoder. The job below it also reads the
  base encoder (input ``base``).
* A target job (or a retrieval cell) starts from the base encoder with the intermediate adapter **merged** into its
  weights (W + alpha/r B A). Merging rather than stacking: the target phase then sees an ordinary encoder whatever it
  trains (full, or a fresh adapter of its own), the intermediate update costs nothing per token, and with
  ``dropout`` > 0 a stacked frozen adapter would still draw dropout noise on its path in training mode, which is no
  part of what the intermediate phase learnt. A fresh target adapter on the merged weights spans the same functions
  as a trainable adapter stacked on a frozen one. Merged and unmerged give the same outputs to float rounding
  (tests/test_lora.py: 1e-5 absolute on fp32 hidden states).
* Resume: a LoRA job's checkpoint holds the trainable weights only (the frozen encoder is re-read from its input), and
  the same schedule, RNG states and optimiser state as a full job's, so a killed run ends byte-equal.

Kept light at import: the Snakefile reads :func:`resolve` on every invocation (peft is imported where it is used).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from stiltgrid.core.errors import UserError

FULL, LORA = "full", "lora"
DEFAULTS = {"rank": 8, "alpha": 16, "dropout": 0.1, "modules": ["query", "value"]}
ADAPTER_CONFIG = "adapter_config.json"  # peft's file names
ADAPTER_WEIGHTS = "adapter_model.safetensors"
#: what every checkpoint carries whatever its training (left out of its artefact bytes)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "sentencepiece.bpe.model")
#: Training compute of a LoRA token relative to a fully fine-tuned one: forward 2N and the activations' backward 2N
#: FLOPs per token and parameter are still spent, the weights' gradients (2N) are not (the adapters' are ~0.1% of N).
TRAIN_COST = 4 / 6
#: Architectures of hub encoders, from their config.json (facts, so sizes need no download).
ARCHITECTURES = {
    "FacebookAI/xlm-roberta-large": {
        "model_type": "xlm-roberta",
        "vocab_size": 250002,
        "hidden_size": 1024,
        "num_hidden_layers": 24,
        "num_attention_heads": 16,
        "intermediate_size": 4096,
        "max_position_embeddings": 514,
        "type_vocab_size": 1,
        "pad_token_id": 1,
    },
    "FacebookAI/xlm-roberta-base": {
        "model_type": "xlm-roberta",
        "vocab_size": 250002,
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "max_position_embeddings": 514,
        "type_vocab_size": 1,
        "pad_token_id": 1,
    },
}
ARCHITECTURES["xlm-roberta-large"] = ARCHITECTURES["FacebookAI/xlm-roberta-large"]
ARCHITECTURES["xlm-roberta-base"] = ARCHITECTURES["FacebookAI/xlm-roberta-base"]


class LoRAError(UserError, ValueError):
    pass


# -- settings ------------------------------------------------------------------------------------------------------
def resolve(levels: list[tuple[str, object]]) -> dict | None:
    """The tuning of one job from its settings, lowest precedence first: ``(where, value)`` pairs whose value is None
    (not set), ``"full"`` / ``"lora"`` (starts afresh: LoRA with the defaults) or a mapping (``method`` and LoRA
    settings, merged into the level below; without ``method`` it keeps the one below). None for full training (the
    job's settings then stay as they were before the setting existed); else every LoRA setting, filled in."""
    spec: dict = {"method": FULL}
    where = "tuning"
    for at, value in levels:
        if value is None:
            continue
        where = at
        if isinstance(value, str):
            spec = {"method": value}
        else:
            spec = {**spec, **value}
    method = spec.pop("method")
    if method == FULL:
        if spec:
            raise LoRAError(
                f"{where}: {', '.join(sorted(spec))} only apply to `method: lora` (remove them, or set `method: lora`)"
            )
        return None
    if method != LORA:
        raise LoRAError(f"{where}: unknown tuning method '{method}' (known: {FULL}, {LORA})")
    unknown = sorted(set(spec) - set(DEFAULTS))
    if unknown:
        raise LoRAError(f"{where}: unknown LoRA setting '{unknown[0]}' (known: {', '.join(DEFAULTS)})")
    spec = {**DEFAULTS, **spec}
    if not (isinstance(spec["rank"], int) and spec["rank"] >= 1):
        raise LoRAError(f"{where}: rank must be a whole number >= 1, not {spec['rank']!r}")
    if not spec["alpha"] > 0 or not 0 <= spec["dropout"] < 1:
        raise LoRAError(f"{where}: alpha must be > 0 and dropout in [0, 1)")
    if not spec["modules"] or not all(isinstance(m, str) for m in spec["modules"]):
        raise LoRAError(f"{where}: modules must name at least one linear layer (e.g. [query, value])")
    return {"method": LORA, **spec, "modules": sorted(set(spec["modules"]))}


def describe(spec: dict | None) -> str:
    if spec is None:
        return FULL
    return f"LoRA r{spec['rank']} alpha {spec['alpha']:g} ({', '.join(spec['modules'])})"


#: below this learning rate a LoRA job warns: adapters start at zero on a frozen encoder and usually want several
#: times full fine-tuning's rate (which for large encoders is 1e-5 to 3e-5)
LOW_LR = 1e-4


def lr_warning(spec: dict | None, lr: float) -> str | None:
    """A one-line warning for a LoRA job trained at a full-fine-tuning learning rate, or None."""
    if spec is None or lr >= LOW_LR:
        return None
    return (
        f"LoRA at lr {lr:g}: adapters start at zero on a frozen encoder and usually need several times full "
        f"fine-tuning's rate (e.g. 3e-4 for rank {spec['rank']}); raise `lr` for this task or phase"
    )


# -- the model -----------------------------------------------------------------------------------------------------
def _config(spec: dict):
    from peft import LoraConfig

    return LoraConfig(
        r=spec["rank"],
        lora_alpha=spec["alpha"],
        lora_dropout=spec["dropout"],
        target_modules=list(spec["modules"]),
        bias="none",
    )


def wrap(model, spec: dict, where: str = "tuning") -> None:
    """Freeze ``model``'s encoder and give it trainable LoRA adapters; the heads (and an MLM variant's MLM head)
    stay trainable. Adapters are initialised from the torch RNG (seeded by the job), B at zero: the wrapped model
    starts with the encoder's outputs."""
    from peft import get_peft_model

    try:
        model.encoder = get_peft_model(model.encoder, _config(spec))
    except ValueError as err:  # peft: target modules not found in the base model
        names = sorted({n.rpartition(".")[2] for n, m in model.encoder.named_modules() if type(m).__name__ == "Linear"})
        raise LoRAError(
            f"{where}: modules {spec['modules']} name no linear layer of the encoder "
            f"({type(model.encoder).__name__}: {', '.join(names)}) [{err}]"
        ) from None


def trainable_state(model) -> dict:
    """The trainable weights of ``model`` (LoRA jobs' checkpoints and best weights: the frozen encoder is re-read from
    the job's input), detached copies on the CPU."""
    return {name: p.detach().cpu().clone() for name, p in model.named_parameters() if p.requires_grad}


def load_trainable(model, state: dict) -> None:
    trainable = {name for name, p in model.named_parameters() if p.requires_grad}
    if set(state) != trainable:
        raise RuntimeError(f"checkpoint holds {len(state)} trainable tensors, the model {len(trainable)}")
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected, unexpected


def parameter_counts(model) -> dict[str, int]:
    """Parameters of ``model`` (tied weights once) and those trained."""
    params = {id(p): p for p in model.parameters()}.values()
    return {
        "parameters": sum(p.numel() for p in params),
        "trainable_parameters": sum(p.numel() for p in params if p.requires_grad),
    }


def save_checkpoint(model, out_dir: str | Path, tokenizer) -> None:
    """A LoRA intermediate checkpoint: the adapter, the heads and the tokenizer (stiltgrid.engine.model's file
    names)."""
    import torch

    from stiltgrid.engine.model import HEADS_FILE, HEADS_SPEC

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.encoder.save_pretrained(str(out))
    (out / "README.md").unlink(missing_ok=True)  # peft's model-card stub
    # peft records the base it was given (the job's input path); the lineage, not this field, says which it is
    config = json.loads((out / ADAPTER_CONFIG).read_text())
    config["base_model_name_or_path"] = None
    (out / ADAPTER_CONFIG).write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
    tokenizer.save_pretrained(str(out))
    torch.save(model.heads.state_dict(), out / HEADS_FILE)
    (out / HEADS_SPEC).write_text(json.dumps(model.heads_spec, indent=2))


def is_adapter(path: str | Path) -> bool:
    return (Path(path) / ADAPTER_CONFIG).exists()


def load_encoder(init_dir: str | Path, base_dir: str | Path | None = None, merge: bool = True):
    """The encoder a job starts from: ``init_dir`` itself, or (a LoRA intermediate checkpoint) the base encoder in
    ``base_dir`` with the adapter merged into its weights (``merge=False``: the adapter kept as a separate path)."""
    from stiltgrid.engine.model import load_encoder as load_plain

    if not is_adapter(init_dir):
        return load_plain(init_dir)
    if base_dir is None:
        raise LoRAError(f"{init_dir}: a LoRA adapter, and the job was not given the base encoder it adapts")
    from peft import PeftModel

    adapted = PeftModel.from_pretrained(load_plain(base_dir), str(init_dir))
    if not merge:
        return adapted
    merged = adapted.merge_and_unload()
    for p in merged.parameters():  # peft loads for inference (frozen); the encoder is trained below like any other
        p.requires_grad_(True)
    return merged


def artefact_bytes(out_dir: str | Path, exclude: tuple[str, ...] = ()) -> int:
    """Bytes of the files of a checkpoint directory (its model files; ``exclude``: names left out)."""
    return sum(p.stat().st_size for p in Path(out_dir).rglob("*") if p.is_file() and p.name not in exclude)


# -- sizes from an architecture (no weights) -----------------------------------------------------------------------
def architecture(model_spec: dict, model_dir: str | Path | None = None) -> dict | None:
    """The config.json fields of a model: a fetched or local copy's own, a scratch model's from its spec (as
    stiltgrid.engine.mlm builds it), a known hub model's from :data:`ARCHITECTURES`; None when unknown."""
    if model_spec["source"] == "scratch":
        return {
            "model_type": "xlm-roberta",
            "vocab_size": model_spec["vocab_size"],
            "hidden_size": model_spec["hidden_size"],
            "num_hidden_layers": model_spec["layers"],
            "num_attention_heads": model_spec["heads"],
            "intermediate_size": model_spec["intermediate_size"],
            "max_position_embeddings": model_spec["max_length"] + 2,
            "type_vocab_size": 1,
            "pad_token_id": 1,
        }
    for directory in ([model_spec["path"]] if model_spec["source"] == "local" else []) + (
        [model_dir] if model_dir else []
    ):
        config = Path(directory) / "config.json"
        if config.exists():
            return json.loads(config.read_text())
    return ARCHITECTURES.get(model_spec.get("id", ""))


def sizes(arch: dict, spec: dict | None, heads: list[tuple[str, int]] = ()) -> dict[str, int]:
    """Parameters and fp32 bytes of an encoder of architecture ``arch`` (config.json fields) trained with ``spec``
    (None: full): ``parameters``, ``trainable_parameters`` (LoRA: adapters + heads), ``adapter_parameters``,
    ``head_parameters`` and ``checkpoint_bytes``, the weights an intermediate checkpoint keeps (full: the encoder;
    LoRA: adapter + heads). ``heads``: (format, number of labels) of the tasks. Built on the meta device from the
    architecture: no weights are read or allocated."""
    import torch
    from transformers import AutoConfig, AutoModel

    from stiltgrid.formats import get_format

    fields = {k: v for k, v in arch.items() if k != "model_type"}
    config = AutoConfig.for_model(arch["model_type"], **fields)
    with torch.device("meta"):
        try:
            encoder = AutoModel.from_config(config, add_pooling_layer=False)
        except TypeError:
            encoder = AutoModel.from_config(config)
        head_params = sum(
            p.numel() for fmt, n in heads for p in get_format(fmt).head(config.hidden_size, n, 0.0).parameters()
        )
    params = {id(p): p for p in encoder.parameters()}.values()
    total = sum(p.numel() for p in params)
    adapter = 0
    if spec is not None:
        for name, module in encoder.named_modules():
            if isinstance(module, torch.nn.Linear) and name.rpartition(".")[2] in spec["modules"]:
                adapter += spec["rank"] * (module.in_features + module.out_features)
    kept = total if spec is None else adapter + head_params
    return {
        "parameters": total + head_params + adapter,
        "adapter_parameters": adapter,
        "head_parameters": head_params,
        "trainable_parameters": total + head_params if spec is None else adapter + head_params,
        "checkpoint_bytes": 4 * kept,
    }


def human_bytes(n: float) -> str:
    if n <= 0:
        return "0 B"
    units = ("B", "KB", "MB", "GB", "TB")
    k = min(len(units) - 1, int(math.log(n, 1000)))
    return f"{n / 1000**k:,.{0 if k == 0 else 1}f} {units[k]}"
