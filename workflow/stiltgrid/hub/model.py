"""A hub encoder's files (the ``mlm_checkpoint`` job and ``stiltgrid fetch`` read them the same way; no torch here)."""

from __future__ import annotations

from pathlib import Path

#: what a hub encoder needs (weights, config, tokenizer); ``onnx/`` exports also match ``*.json`` and are not read
MODEL_FILES = ["*.json", "*.safetensors", "*.model", "*.txt"]
MODEL_IGNORE = ["onnx/*"]


def download_hub(model_id: str, revision: str) -> Path:
    """The model's files at ``revision`` in the hub cache (downloaded once; a commit already cached costs no request),
    retried on transient errors; returns the snapshot directory."""
    from huggingface_hub import snapshot_download

    from stiltgrid.hub.transport import with_retries

    return Path(
        with_retries(
            lambda: snapshot_download(
                repo_id=model_id, revision=revision, allow_patterns=MODEL_FILES, ignore_patterns=MODEL_IGNORE
            )
        )
    )
