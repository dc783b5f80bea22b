"""Screenshot of a finished run's results page (``results/<model>/report/<preset>/index.html``) for the README.

Run it in the workflow's directory after `snakemake`, with the same ``--config`` / ``--configfile``; it needs the
test requirements (selenium) and Debian's ``chromium`` and ``chromium-driver``:

    snakemake --cores 2 --config preset=ci && python docs/screenshot.py --config preset=ci

writes ``docs/results-page.png`` of the repository this script is in (``--out`` to change): the page at 1280 px
wide, down to the end of the XTREME score table (``--full`` for the whole page).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "workflow"))

from stiltgrid.cli.why import load_config  # noqa: E402
from stiltgrid.grid.config import load_grid  # noqa: E402
from stiltgrid.grid.dag import JobGraph  # noqa: E402

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
WIDTH = 1280


def screenshot(page: Path, out: Path, full: bool) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        sys.exit("needs chromium and chromedriver on PATH: apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},800"):
        options.add_argument(flag)
    options.binary_location = chromium
    driver = webdriver.Chrome(options=options, service=Service(driver_path))
    try:
        driver.get(page.resolve().as_uri())
        end = (
            "document.body.scrollHeight"
            if full
            else "document.querySelector('#xtreme').getBoundingClientRect().bottom + window.scrollY + 60"
        )
        height = int(driver.execute_script(f"return {end}"))
        driver.set_window_size(WIDTH, height + 140)  # the window's frame takes part of its height: measure it
        frame = height + 140 - driver.execute_script("return window.innerHeight")
        driver.set_window_size(WIDTH, height + frame)
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", nargs="*", default=[])
    parser.add_argument("--configfile", nargs="*", default=[])
    parser.add_argument("--out", default=str(ROOT / "docs" / "results-page.png"))
    parser.add_argument("--full", action="store_true", help="the whole page, not only the answer")
    args = parser.parse_args(argv)
    config = load_config(".", args.configfile, args.config)
    page = Path(JobGraph(config, load_grid(config)).results_page_output()) / "index.html"
    if not page.is_file():
        sys.exit(f"{page} is missing: run snakemake with the same --config first")
    screenshot(page, Path(args.out), args.full)
    print(f"wrote {args.out} from {page}")


if __name__ == "__main__":
    main()
