"""The results page (stiltgrid.results.page) in a real headless browser: Debian's chromium driven through its
chromedriver (selenium). On the `ci` grid: the landing page shows the paper table with the values of
`paper_table.tsv`, no console errors, a per-cell curve image that loads, and `snakemake --report` opens on the same
answer. On a synthetic two-seed grid (tests/results_page_data.py; a second grid run would cost minutes): ± and 95 %
intervals, with the numbers checked against the per-seed values."""

import contextlib
import math
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from repo import run_snakemake

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
MODEL = "tiny-ci"
# No network, no first-run or background work, a throw-away profile: the page must render from the disk alone.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER), reason="needs Debian's chromium and chromium-driver (.ci/run installs them)"
)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def open_page(browser, path: Path):
    browser.get(path.resolve().as_uri())
    browser.execute_script("return document.readyState")  # the load is complete when get returns
    return browser


def console_errors(browser) -> list[dict]:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]


def shown_table(browser, table_id: str = "paper-table") -> dict:
    """(row, column) -> (data-value, shown text) of every value cell of a table on the page."""
    cells = browser.find_elements("css selector", f"#{table_id} td[data-value]")
    return {
        (c.get_attribute("data-row"), c.get_attribute("data-column")): (c.get_attribute("data-value"), c.text)
        for c in cells
    }


def expected_table(path: Path) -> dict:
    table = pd.read_csv(path, sep="\t", index_col=0, dtype=str, keep_default_na=False)
    return {
        (row, col): table.at[row, col]
        for row in table.index
        for col in table.columns
        if not col.endswith("_delta") and table.at[row, col] != ""
    }


# --- the ci grid --------------------------------------------------------------------------------------------------


@pytest.mark.slow
@needs_browser
def test_ci_landing_page_shows_the_paper_table_and_loads_a_curve(ci_grid, browser):
    site = ci_grid / "results" / MODEL / "report" / "ci"
    page = open_page(browser, site / "index.html")
    assert page.find_element("tag name", "h1").text.startswith("Results")
    tsv = expected_table(ci_grid / "results" / MODEL / "tables" / "ci" / "paper_table.tsv")
    shown = shown_table(page)
    assert set(shown) == set(tsv)
    deltas = pd.read_csv(ci_grid / "results" / MODEL / "tables" / "ci" / "paper_table.tsv", sep="\t", index_col=0)
    for (row, col), value in tsv.items():
        data_value, text = shown[row, col]
        assert data_value == value, (row, col)
        lines = text.splitlines()
        assert lines[0] == f"{float(value):.1f}", (row, col, text)
        if row != "none":
            assert f"({deltas.at[row, f'{col}_delta']:+.1f})" in lines, (row, col, text)
        assert "±" not in text  # one seed: no spread
    assert "Single seed: no standard deviation or interval" in page.find_element("tag name", "main").text
    assert console_errors(page) == []

    # a row's value links to its cell page, whose training curves (an inline PNG) load
    link = page.find_element("css selector", '#paper-table td[data-row="mnli"][data-column="xnli"] a')
    assert link.get_attribute("href").endswith("/cell-mnli--xnli.html")
    link.click()
    figure = page.find_element("css selector", "img.figure")
    assert page.execute_script("return arguments[0].complete && arguments[0].naturalWidth", figure) > 0
    text = page.find_element("tag name", "main").text
    assert "intermediate, seed 1: best dev" in text and "target, seed 1: best dev" in text
    assert console_errors(page) == []
    # every number traceable: the per-language scores link to the cell's metrics records, which exist
    metrics = [a.get_attribute("href") for a in page.find_elements("css selector", "table a")]
    assert metrics and all(Path(href.removeprefix("file://")).is_file() for href in metrics)


@pytest.mark.slow
@needs_browser
def test_snakemake_report_opens_on_the_answer(ci_grid, browser, tmp_path):
    report = tmp_path / "report.html"
    run_snakemake(ci_grid, "--cores", "1", "--config", "preset=ci", "--report", str(report))
    page = open_page(browser, report)
    # the opening view renders the workflow description, which inlines the answer (landing.inc)
    table = page.find_element("css selector", "#paper-table")
    assert table.is_displayed()
    tsv = expected_table(ci_grid / "results" / MODEL / "tables" / "ci" / "paper_table.tsv")
    assert {key: value for key, (value, _) in shown_table(page).items()} == tsv


# --- several seeds (synthetic) ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_seeds(tmp_path_factory):
    import results_page_data as D

    from stiltgrid.results import page as R

    work = tmp_path_factory.mktemp("two-seeds")
    with contextlib.chdir(work):
        out, settings, languages = D.build(seeds=(1, 2))
        R.write_site(out, settings, languages)
    return work, out


def seed_values(work: Path, inter: str, target: str) -> list[float]:
    """A (intermediate, target) cell's value per seed, recomputed from scores.tsv: mean over languages (none of
    the synthetic targets is QA)."""
    scores = pd.read_csv(work / "results/m/tables/synthetic/scores.tsv", sep="\t")
    rows = scores[(scores.intermediate == inter) & (scores.target == target) & scores.metric.isin(["accuracy", "f1"])]
    return rows.groupby("seed")["value"].mean().tolist()


@pytest.mark.slow
@needs_browser
def test_two_seeds_show_spread_and_intervals(two_seeds, browser):
    from scipy.stats import t

    work, out = two_seeds
    page = open_page(browser, work / out / "index.html")
    shown = shown_table(page)
    assert (
        "2 seeds: each value is the mean over seeds ± their standard deviation"
        in page.find_element("tag name", "main").text
    )
    mnli, none = seed_values(work, "mnli", "xnli"), seed_values(work, "none", "xnli")
    sd = pd.Series(mnli).std()
    half = t.ppf(0.975, 1) * sd / math.sqrt(2)
    mean = sum(mnli) / 2
    lines = shown["mnli", "xnli"][1].splitlines()
    assert f"± {sd:.1f} [{mean - half:.1f}, {mean + half:.1f}]" in lines
    gains = [a - b for a, b in zip(mnli, none)]
    dsd = pd.Series(gains).std()
    dhalf = t.ppf(0.975, 1) * dsd / math.sqrt(2)
    assert f"Δ ± {dsd:.1f} [{sum(gains) / 2 - dhalf:+.1f}, {sum(gains) / 2 + dhalf:+.1f}]" in lines
    assert "±" not in shown["mnli", "tatoeba"][1]  # a retrieval cell of one seed has no spread
    warnings = page.find_element("css selector", ".warn").text
    assert "1 warning(s)" in warnings and "configuration: a planted warning" in warnings
    assert console_errors(page) == []


@pytest.mark.slow
@needs_browser
def test_target_and_analysis_pages_render(two_seeds, browser):
    work, out = two_seeds
    page = open_page(browser, work / out / "target-xnli.html")
    header = [th.text for th in page.find_elements("css selector", "table th")][1:]
    # by family (families by name; largest pre-training volume first), English marked
    assert [h.splitlines()[0] for h in header] == ["ea", "eb", "ka", "sa", "sb", "en (English)", "wa", "wb"]
    image = page.find_element("css selector", "img.figure")
    assert page.execute_script("return arguments[0].naturalWidth", image) > 0
    page = open_page(browser, work / out / "analysis-volume.html")
    assert page.find_element("css selector", "main table td").text == "xnli"  # the summary's markdown table
    assert page.find_element("css selector", "main strong").text == "not"
    assert page.execute_script("return document.querySelector('img.figure').naturalWidth") > 0
    assert console_errors(page) == []
