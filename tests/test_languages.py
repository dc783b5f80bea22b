import math

import pandas as pd
import pytest

from stiltgrid.core.languages import (
    COLUMNS,
    DEFAULT_PATH,
    LanguageTableError,
    in_pretraining,
    load_languages,
    log_volume,
    require_languages,
    volume_strata,
)
from stiltgrid.data import xtreme as xt

HEADER = "\t".join(COLUMNS) + "\n"


def test_shipped_table():
    with open(DEFAULT_PATH, encoding="utf-8") as handle:
        assert handle.readline() == "iso\tname\tfamily\tgenus\tscript\tpretrain_tokens_m\tpretrain_gib\n"
    df = load_languages()
    assert list(df.columns) == list(COLUMNS)
    assert len(df) == 50
    assert set(df.index) == set(xt.benchmark_languages("xtreme_r"))
    assert df["pretrain_gib"].dtype == float and pd.api.types.is_string_dtype(df["iso"])
    assert df.index.name is None and df.sort_values("iso").index[0] == "af"
    for iso in df.index:
        assert len(df.at[iso, "script"]) == 4 and df.at[iso, "script"].istitle()


def test_shipped_values():
    df = load_languages()
    # zh = Simplified + Traditional: 259 + 176 = 435 M tokens, 46.9 + 16.6 = 63.5 GiB
    assert df.at["zh", "pretrain_tokens_m"] == 435 and df.at["zh", "pretrain_gib"] == pytest.approx(63.5)
    # my: the larger of the two CC-100 entries
    assert df.at["my", "pretrain_tokens_m"] == 56 and df.at["my", "pretrain_gib"] == pytest.approx(1.6)
    assert df.at["en", "pretrain_gib"] == pytest.approx(300.8)
    for iso in ("yo", "ht", "qu", "wo"):
        assert math.isnan(df.at[iso, "pretrain_tokens_m"]) and math.isnan(df.at[iso, "pretrain_gib"])
    assert df.at["kk", "family"] == "Turkic" and df.at["kk", "genus"] == "Turkic"
    assert df.at["th", "family"] == "Kra-Dai" and df.at["th", "genus"] == "Kam-Tai"
    assert df.at["eu", "family"] == "isolate" and df.at["ko", "genus"] == "Korean"
    assert df.at["ja", "script"] == "Jpan" and df.at["zh", "script"] == "Hans"
    assert in_pretraining(df).sum() == 46


def _write(tmp_path, body, header=HEADER):
    path = tmp_path / "langs.tsv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_generated_world_table(tmp_path):
    path = _write(tmp_path, "xa\tXalic\tProto-A\tA-genus\tZzzz\t12.5\t0.1\nxb\tXbolic\tProto-A\tB-genus\tLatn\t\t\n")
    df = load_languages(path)
    assert list(df.index) == ["xa", "xb"]
    assert df.at["xa", "pretrain_tokens_m"] == 12.5
    assert math.isnan(df.at["xb", "pretrain_gib"])


@pytest.mark.parametrize(
    "body, header, message",
    [
        ("xa\tXalic\tF\tG\tLatn\t1\t1\n", "iso\tname\tfamily\tgenus\tscript\ttokens\tgib\n", ":1: header is"),
        ("xa\tXalic\tF\tG\tLatn\t1\n", HEADER, ":2: 6 fields, expected 7"),
        (
            "xa\tXalic\tF\tG\tLatn\t1\t1\nxb\tXb\tF\tG\tLatn\tmany\t1\n",
            HEADER,
            ":3: column 'pretrain_tokens_m': 'many'",
        ),
        ("xa\tXalic\tF\tG\tLatn\t1\t-2\n", HEADER, ":2: column 'pretrain_gib': -2"),
        ("xa\t\tF\tG\tLatn\t1\t1\n", HEADER, ":2: column 'name' is empty"),
        (
            "xa\tXalic\tF\tG\tLatn\t1\t1\nxa\tXalic2\tF\tG\tLatn\t1\t1\n",
            HEADER,
            ":3: column 'iso': 'xa' already on line 2",
        ),
        ("", HEADER, "no languages"),
    ],
)
def test_errors_name_file_line_column(tmp_path, body, header, message):
    path = _write(tmp_path, body, header)
    with pytest.raises(LanguageTableError) as err:
        load_languages(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(LanguageTableError, match="file not found"):
        load_languages(tmp_path / "nope.tsv")


def test_volume_strata():
    df = load_languages()
    strata = volume_strata(df, [1, 10, 100])
    assert list(strata.cat.categories) == ["absent", "<1", "1-10", "10-100", ">=100"]
    assert strata["jv"] == "<1"  # 0.2 GiB
    assert strata["sw"] == "1-10"  # 1.6 GiB
    assert strata["de"] == "10-100"  # 66.6 GiB
    assert strata["en"] == ">=100"  # 300.8 GiB
    assert strata["yo"] == "absent"
    tokens = volume_strata(df, [100, 1000], column="pretrain_tokens_m", labels=["low", "mid", "high"])
    assert tokens["mr"] == "mid" and tokens["jv"] == "low" and tokens["en"] == "high"


def test_volume_strata_boundaries_and_errors(tmp_path):
    path = _write(tmp_path, "xa\tA\tF\tG\tLatn\t1\t1\nxb\tB\tF\tG\tLatn\t1\t10\nxc\tC\tF\tG\tLatn\t1\t0.999\n")
    strata = volume_strata(load_languages(path), [1, 10])
    # bins are closed on the left: 1 -> "1-10", 10 -> ">=10"
    assert list(strata) == ["1-10", ">=10", "<1"]
    with pytest.raises(ValueError, match="strictly increasing"):
        volume_strata(load_languages(path), [10, 1])
    with pytest.raises(ValueError, match="need 3 labels"):
        volume_strata(load_languages(path), [1, 10], labels=["a", "b"])


def test_log_volume_and_require():
    df = load_languages()
    logs = log_volume(df)
    assert logs["en"] == pytest.approx(math.log10(300.8))
    assert math.isnan(logs["yo"])
    assert log_volume(df, absent=-1.0)["yo"] == -1.0
    require_languages(df, ["en", "de"])
    with pytest.raises(KeyError, match="xx"):
        require_languages(df, ["en", "xx"], "a test")
