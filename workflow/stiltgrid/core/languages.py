"""Language metadata: the 50 XTREME-R languages (``resources/languages.tsv``) or any table in the same format.

Format: UTF-8, tab-separated, header exactly ``iso  name  family  genus  script  pretrain_tokens_m  pretrain_gib``
(in that order), one row per language:

``iso``                language code, unique (ISO 639-1 for real languages; a generated world may use its own)
``name``               English name
``family``             language family, XTREME naming (12 families plus "isolate" for Basque and Korean)
``genus``              WALS genus
``script``             ISO 15924 script code (CLDR likely-subtags)
``pretrain_tokens_m``  CC-100 size in millions of tokens; empty when the language is not in CC-100
``pretrain_gib``       CC-100 size in GiB; empty when the language is not in CC-100

Sources of the shipped table (project fact sheet section 6): families and genera from WALS
(cldf-datasets/wals), XTREME family names from the XTREME README, scripts from CLDR, CC-100 sizes from XLM-R
(Conneau et al. 2020, appendix table) via mayhewsw/multilingual-data-stats. Notes on particular rows:

* zh: CC-100 lists Simplified (259M tokens, 46.9 GiB) and Traditional (176M, 16.6 GiB) Chinese separately; the
  table holds their sum (435M tokens, 63.5 GiB). The script is the Simplified one (Hans).
* my: CC-100 has two Burmese entries (56M / 1.6 GiB and 15M / 0.4 GiB), one of them Zawgyi-encoded (which one is
  unverified); the table holds the larger entry.
* yo, ht, qu, wo are not among XLM-R's 100 languages: both size columns are empty.
* The "tokens" column may count whitespace words; token counts of ja, zh, th and my are not comparable with the
  others (ja: 530M "tokens" but 69.3 GiB). GiB is the safer volume measure.
* ht: the fact sheet gives "French-based creole" (WALS family "other", genus Creoles and Pidgins); the family
  column says "Creole". tl: CC-100 calls it "Filipino". ja / ko scripts are Jpan / Kore (mixed scripts).
* Kazakh and Turkish are "Turkic" here while WALS says "Altaic"; Thai is "Kra-Dai" here, "Tai-Kadai" in WALS.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid.core.errors import UserError

COLUMNS = ("iso", "name", "family", "genus", "script", "pretrain_tokens_m", "pretrain_gib")
TEXT_COLUMNS = COLUMNS[:5]
NUMERIC_COLUMNS = COLUMNS[5:]
DEFAULT_PATH = Path(__file__).resolve().parent.parent / "resources" / "languages.tsv"


class LanguageTableError(UserError, ValueError):
    """The language table is malformed; the message names the file, the line and the column."""


def load_languages(path: str | Path | None = None) -> pd.DataFrame:
    """Read and validate a language table; returns a DataFrame indexed by ``iso`` (also kept as a column).

    Text columns are ``str``; the two ``pretrain_*`` columns are float with NaN where empty. Errors (wrong header,
    wrong number of fields, empty text field, duplicate iso, non-numeric or negative size) raise
    :class:`LanguageTableError` naming the file, line and column.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    if not path.exists():
        raise LanguageTableError(f"{path}: file not found")
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        try:
            header = next(reader)
        except StopIteration:
            raise LanguageTableError(f"{path}: empty file (expected header {' '.join(COLUMNS)})") from None
        if tuple(h.strip() for h in header) != COLUMNS:
            raise LanguageTableError(
                f"{path}:1: header is {header!r}; expected the tab-separated columns {', '.join(COLUMNS)} in this order"
            )
        records = []
        seen: dict[str, int] = {}
        for lineno, fields in enumerate(reader, start=2):
            if not fields or all(not f.strip() for f in fields):
                continue
            where = f"{path}:{lineno}"
            if len(fields) != len(COLUMNS):
                raise LanguageTableError(
                    f"{where}: {len(fields)} fields, expected {len(COLUMNS)} ({', '.join(COLUMNS)})"
                )
            row = dict(zip(COLUMNS, (f.strip() for f in fields)))
            for col in TEXT_COLUMNS:
                if not row[col]:
                    raise LanguageTableError(f"{where}: column '{col}' is empty")
            if row["iso"] in seen:
                raise LanguageTableError(f"{where}: column 'iso': '{row['iso']}' already on line {seen[row['iso']]}")
            seen[row["iso"]] = lineno
            for col in NUMERIC_COLUMNS:
                row[col] = _parse_size(row[col], where, col)
            records.append(row)
    if not records:
        raise LanguageTableError(f"{path}: no languages")
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for col in TEXT_COLUMNS:
        df[col] = df[col].astype(str)
    for col in NUMERIC_COLUMNS:
        df[col] = df[col].astype(float)
    df.index = pd.Index(df["iso"].tolist())  # unnamed, so "iso" is never ambiguous between index and column
    return df


def _parse_size(text: str, where: str, col: str) -> float:
    if text == "":
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise LanguageTableError(
            f"{where}: column '{col}': '{text}' is not a number (leave it empty if unknown)"
        ) from None
    if not math.isfinite(value) or value < 0:
        raise LanguageTableError(f"{where}: column '{col}': {text} is not a finite non-negative number")
    return value


def _format_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def require_languages(df: pd.DataFrame, isos: Iterable[str], what: str = "") -> None:
    """Raise ``KeyError`` listing the codes of ``isos`` that the table lacks."""
    missing = [iso for iso in isos if iso not in df.index]
    if missing:
        raise KeyError(f"language table lacks {', '.join(missing)}" + (f" (needed by {what})" if what else ""))


def in_pretraining(df: pd.DataFrame, column: str = "pretrain_gib") -> pd.Series:
    """Boolean per language: has a CC-100 size (i.e. was seen in pre-training)."""
    return df[column].notna()


def volume_strata(
    df: pd.DataFrame,
    thresholds: Sequence[float],
    column: str = "pretrain_gib",
    labels: Sequence[str] | None = None,
    absent_label: str = "absent",
) -> pd.Series:
    """Bin languages by pre-training volume.

    ``thresholds`` (strictly increasing, say ``[1, 10, 100]``) cut ``column`` into ``len(thresholds) + 1`` bins
    closed on the left: ``< 1``, ``[1, 10)``, ``[10, 100)``, ``>= 100``. Default labels are ``"<1"``, ``"1-10"``,
    ``"10-100"``, ``">=100"``. Languages without a size get ``absent_label``. Returns an ordered categorical
    Series indexed like ``df`` (absent first, then increasing volume).
    """
    thresholds = [float(t) for t in thresholds]
    if not thresholds:
        raise ValueError("volume_strata: give at least one threshold")
    if any(b <= a for a, b in zip(thresholds, thresholds[1:])):
        raise ValueError(f"volume_strata: thresholds must be strictly increasing, got {thresholds}")
    if column not in df.columns:
        raise KeyError(f"volume_strata: no column '{column}'")
    if labels is None:
        fmt = [_format_number(t) for t in thresholds]
        labels = [f"<{fmt[0]}"] + [f"{a}-{b}" for a, b in zip(fmt, fmt[1:])] + [f">={fmt[-1]}"]
    labels = list(labels)
    if len(labels) != len(thresholds) + 1:
        raise ValueError(
            f"volume_strata: {len(thresholds)} thresholds need {len(thresholds) + 1} labels, got {len(labels)}"
        )
    if absent_label in labels:
        raise ValueError(f"volume_strata: absent_label '{absent_label}' clashes with a stratum label")
    values = df[column].to_numpy(dtype=float)
    bins = np.searchsorted(np.asarray(thresholds), values, side="right")
    names = [absent_label if math.isnan(v) else labels[b] for v, b in zip(values, bins)]
    return pd.Series(
        pd.Categorical(names, categories=[absent_label] + labels, ordered=True),
        index=df.index,
        name=f"{column}_stratum",
    )


def log_volume(df: pd.DataFrame, column: str = "pretrain_gib", absent: float | None = None) -> pd.Series:
    """``log10`` of the pre-training volume; languages without a size get ``absent`` (NaN by default)."""
    values = df[column].astype(float)
    out = np.log10(values.where(values > 0))
    if absent is not None:
        out = out.fillna(absent)
    return out.rename(f"log10_{column}")
