"""The results page: static HTML that opens on the answer, written by the ``results_page`` rule into
``results/<model>/report/<preset>/`` (flat, one file per page, every page self-contained: CSS inline, figures as
``data:`` URIs, no JavaScript, nothing fetched at view time).

* ``index.html``: warnings first, then the paper table (Δ against the baseline, coloured like the gains heatmap;
  with more than one seed each value carries mean ± standard deviation over seeds and a 95 % t-interval of the mean,
  paired by seed for Δ), the ``best-dev`` choices and the XTREME / XTREME-R score table.
* ``target-<target>.html``: the gain of every intermediate per language, ordered by language family and by
  pre-training volume (the language table the analyses read), English outlined.
* ``cell-<intermediate>--<target>.html``: per seed, dev score and training loss against optimiser step of the
  intermediate and of the target training (``history`` and ``loss`` of ``train_summary.json``), the per-language
  scores and the cell's files.
* ``analysis-<question>.html``: a research question's ``summary.md`` rendered, its figure and ``table.tsv``.
* ``landing.inc``: the answer section of ``index.html`` alone, which ``workflow/report/workflow.rst`` inlines on the
  opening view of ``snakemake --report`` (there pages cannot link to each other: they are the report's results).

Every number names the file it comes from (a ``source`` line under each table, links relative to the page, so they
resolve when the directory is opened in place).
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stiltgrid.core import paths as P
from stiltgrid.grid.config import BEST

INDEX, LANDING = "index.html", "landing.inc"
ENGLISH = "en"
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1b1f24;background:#fff}
main{max-width:78rem;margin:0 auto;padding:1rem 1.5rem 3rem}
nav.top{background:#24292f;color:#fff;padding:.5rem 1.5rem;font-size:.9rem}
nav.top a{color:#fff;margin-right:1rem}
h1{font-size:1.5rem;margin:.8rem 0 .3rem}h2{font-size:1.2rem;margin:1.6rem 0 .4rem}h3{font-size:1rem}
p.lead{color:#444;margin:.2rem 0 1rem}
.sr table{border-collapse:collapse;font-size:.85rem;margin:.4rem 0}
.sr th,.sr td{border:1px solid #d0d7de;padding:.25rem .45rem;text-align:right;vertical-align:top}
.sr th{background:#f6f8fa}.sr td.name,.sr th.name{text-align:left}
.sr td a{color:inherit}
.sr .delta{display:block;font-size:.75rem}.sr .spread{display:block;font-size:.7rem;opacity:.85}
.sr .source{font-size:.75rem;color:#57606a;margin:.1rem 0 .8rem}
.sr .warn{background:#fff8c5;border:1px solid #d4a72c;padding:.5rem .8rem;margin:.6rem 0}
.sr .ok{background:#dafbe1;border:1px solid #4ac26b;padding:.4rem .8rem;margin:.6rem 0}
.sr .note{font-size:.8rem;color:#444}
.sr .scroll{overflow-x:auto}
img.figure{max-width:100%;height:auto;border:1px solid #d0d7de;margin:.4rem 0}
ul.links{columns:3;font-size:.85rem}
code{font-size:.85em}
.sr code::before,.sr code::after{content:none}
"""


# --- numbers ------------------------------------------------------------------------------------------------------

@dataclass
class Spread:
    """Mean over seeds with its standard deviation and 95 % t-interval (n > 1), of a value or of a paired Δ."""

    mean: float
    n: int
    sd: float = math.nan
    low: float = math.nan
    high: float = math.nan

    @classmethod
    def of(cls, values) -> Spread:
        values = np.asarray([v for v in values if not np.isnan(v)], dtype=float)
        if len(values) == 0:
            return cls(math.nan, 0)
        if len(values) == 1:
            return cls(float(values[0]), 1)
        from scipy.stats import t

        mean, sd = float(values.mean()), float(values.std(ddof=1))
        half = float(t.ppf(0.975, len(values) - 1)) * sd / math.sqrt(len(values))
        return cls(mean, len(values), sd, mean - half, mean + half)


def seed_values(scores: pd.DataFrame, choices: pd.DataFrame, task_languages: dict) -> pd.DataFrame:
    """The per-task value of every (intermediate, target) per seed, as the paper table averages them (the
    ``best-dev`` row from the choices of ``best_per_target.tsv``), plus ``avg``: the mean over the targets of a
    seed. Columns intermediate, target, seed, value."""
    from stiltgrid.results import aggregate as A

    chosen = choices[choices["intermediate"] != ""] if len(choices) else choices
    if len(chosen):
        scores = A.with_best_row(scores, chosen)
    parts = []
    for seed, rows in scores.groupby("seed", dropna=False, sort=True):
        values = A.task_values(rows, task_languages)
        parts.append(values[["intermediate", "target", "value"]].assign(seed=seed))
    if not parts:
        return pd.DataFrame(columns=["intermediate", "target", "seed", "value"])
    values = pd.concat(parts, ignore_index=True)
    avg = values.groupby(["intermediate", "seed"], dropna=False)["value"].mean().reset_index().assign(target="avg")
    return pd.concat([values, avg], ignore_index=True)


def spreads(values: pd.DataFrame, baseline: str) -> tuple[dict, dict]:
    """(value spread, Δ spread) per (intermediate, column): Δ paired by seed with the baseline's value."""
    by_cell = {key: rows.set_index("seed")["value"] for key, rows in values.groupby(["intermediate", "target"])}
    value, delta = {}, {}
    for (inter, col), series in by_cell.items():
        value[inter, col] = Spread.of(series.to_numpy())
        base = by_cell.get((baseline, col))
        if base is not None and inter != baseline:
            common = series.index.intersection(base.index)
            delta[inter, col] = Spread.of((series[common] - base[common]).to_numpy())
    return value, delta


def colour(delta: float, bound: float) -> str:
    """The gains heatmap's colour (RdBu, symmetric around 0) of a Δ, as CSS."""
    if delta is None or np.isnan(delta):
        return ""
    from matplotlib import colormaps

    r, g, b, _ = colormaps["RdBu"]((delta + bound) / (2 * bound) if bound else 0.5)
    text = "color:#fff;" if abs(delta) > 0.6 * bound else ""  # readable on the dark ends of the scale
    return f"{text}background:#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


# --- HTML helpers -------------------------------------------------------------------------------------------------

def esc(text) -> str:
    return html.escape(str(text), quote=True)


def link(href: str | None, text: str) -> str:
    return f'<a href="{esc(href)}">{text}</a>' if href else text


def png(fig) -> str:
    """A matplotlib figure as an <img> with a data: URI (the page stays one file)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode()
    return f'<img class="figure" alt="figure" src="data:image/png;base64,{data}">'


def png_file(path: str, alt: str) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode()
    return f'<img class="figure" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def page(title: str, body: str, nav: str) -> str:
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="data:,"><title>{esc(title)}</title><style>{CSS}</style></head>\n'
            f'<body><nav class="top">{nav}</nav><main class="sr">\n{body}\n</main></body></html>\n')


def tsv_table(path: str, source: str) -> str:
    """A TSV file as a table, cells exactly as written."""
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    head = "".join(f"<th>{esc(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f'<td class="{"name" if i == 0 else ""}">{esc(v)}</td>'
                                    for i, v in enumerate(row)) + "</tr>\n" for row in table.itertuples(index=False))
    return f'<div class="scroll"><table><tr>{head}</tr>\n{rows}</table></div>{source}'


def markdown(text: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)


# --- the site -----------------------------------------------------------------------------------------------------

class Site:
    """Everything the pages show, read from the aggregate's tables, the cells' files and the analyses' outputs."""

    def __init__(self, out_dir: str, settings: dict, languages: str):
        self.out = Path(out_dir)
        self.s = settings
        self.languages = languages
        self.baseline = settings["baseline"]
        self.targets = list(settings["targets"])
        tables = settings["tables"]
        self.tables = tables
        self.paper = pd.read_csv(tables["paper_table"], sep="\t", index_col=0)
        self.paper_text = pd.read_csv(tables["paper_table"], sep="\t", index_col=0, dtype=str, keep_default_na=False)
        self.scores = pd.read_csv(tables["scores"], sep="\t")
        best = pd.read_csv(tables["best"], sep="\t", keep_default_na=False)
        self.choices = best.assign(**{c: pd.to_numeric(best[c].replace("", np.nan)) for c in
                                      ("dev", "value", self.baseline, "delta") if c in best})
        self.task_languages = {t: list(v) for t, v in settings["task_languages"].items()}
        self.values, self.deltas = spreads(seed_values(self.scores, self.choices, self.task_languages), self.baseline)
        self.n_seeds = max((s.n for s in self.values.values()), default=0)
        self._drawn: dict = {}  # intermediate curves, shared by the cells of a row
        self.cells = {}  # (intermediate, target) -> [cell record], in seed order
        for cell in settings["cells"]:
            self.cells.setdefault((cell["intermediate"], cell["target"]), []).append(cell)

    # paths ---------------------------------------------------------------------------------------------------------
    def rel(self, path: str) -> str:
        """A workdir-relative path as a link relative to the pages."""
        return os.path.relpath(path, self.out)

    def source(self, *paths: str) -> str:
        return ('<p class="source">source: ' + ", ".join(link(self.rel(p), f"<code>{esc(p)}</code>") for p in paths)
                + "</p>")

    @staticmethod
    def cell_page(inter: str, target: str) -> str:
        return f"cell-{inter}--{target}.html"

    def nav(self) -> str:
        return (f'<b>stiltgrid</b> {esc(self.s["model"])} · {esc(self.s["preset"])} '
                f'<a href="{INDEX}">results</a>'
                + "".join(f'<a href="target-{esc(t)}.html">{esc(t)}</a>' for t in self.targets)
                + "".join(f'<a href="analysis-{esc(q)}.html">{esc(q)}</a>' for q in self.s["analyses"]))

    # the answer ----------------------------------------------------------------------------------------------------
    def warnings(self) -> str:
        text = Path(self.tables["warnings"]).read_text()
        lines = [line[2:] for line in text.splitlines() if line.startswith("- ")]
        if not lines:
            return f'<div class="ok">No warnings.</div>{self.source(self.tables["warnings"])}'
        items = "".join(f"<li>{markdown(line).strip().removeprefix('<p>').removesuffix('</p>')}</li>"
                        for line in lines)
        return (f'<div class="warn"><b>{len(lines)} warning(s)</b>: numbers below may mean nothing where they '
                f'apply (README: bring your own encoder, warnings).<ul>{items}</ul></div>'
                f'{self.source(self.tables["warnings"])}')

    def seeds_note(self) -> str:
        if self.n_seeds > 1:
            return (f"<p class=\"note\">{self.n_seeds} seeds: each value is the mean over seeds ± their standard "
                    "deviation, with the 95 % t-interval of the mean; Δ is paired by seed with "
                    f"<code>{esc(self.baseline)}</code>.</p>")
        return ("<p class=\"note\">Single seed: no standard deviation or interval can be given (list more "
                "<code>seeds</code> in the preset to get them).</p>")

    def paper_table(self, links: bool) -> str:
        columns = [c for c in self.paper.columns if not c.endswith("_delta")]
        deltas = self.paper[[f"{c}_delta" for c in columns]].drop(index=self.baseline, errors="ignore")
        bound = float(np.nanmax(np.abs(deltas.to_numpy(dtype=float)))) if deltas.size else 1.0
        bound = bound if bound and not np.isnan(bound) else 1.0
        chosen = dict(zip(self.choices["target"], self.choices["intermediate"]))
        head = "".join(f"<th>{link(f'target-{c}.html' if links and c != 'avg' else None, esc(c))}</th>"
                       for c in columns)
        rows = []
        for inter, row in self.paper.iterrows():
            cells = []
            for col in columns:
                value, delta = row[col], row[f"{col}_delta"]
                if np.isnan(value):
                    cells.append("<td>–</td>")
                    continue
                text = f'<span class="value">{value:.1f}</span>'
                spread = self.values.get((inter, col))
                if spread is not None and spread.n > 1:
                    text += f'<span class="spread">± {spread.sd:.1f} [{spread.low:.1f}, {spread.high:.1f}]</span>'
                if inter != self.baseline and not np.isnan(delta):
                    text += f'<span class="delta">({delta:+.1f})</span>'
                    dspread = self.deltas.get((inter, col))
                    if dspread is not None and dspread.n > 1:
                        text += (f'<span class="spread">Δ ± {dspread.sd:.1f} '
                                 f'[{dspread.low:+.1f}, {dspread.high:+.1f}]</span>')
                source = chosen.get(col) if inter == BEST else inter
                if inter == BEST and source:
                    text += f'<span class="spread">{esc(source)}</span>'
                target_cell = (source, col) in self.cells
                title = (f"{inter} × {col}: mean over languages and seeds; files: " + ", ".join(
                    c["dir"] for c in self.cells[source, col])) if target_cell else f"{inter}: mean over targets"
                text = link(self.cell_page(source, col) if links and target_cell else None, text)
                style = "" if inter == self.baseline else colour(delta, bound)
                cells.append(f'<td style="{style}" title="{esc(title)}" data-row="{esc(inter)}" '
                             f'data-column="{esc(col)}" data-value="{esc(self.paper_text.at[inter, col])}">{text}</td>')
            rows.append(f'<tr><td class="name">{esc(inter)}</td>{"".join(cells)}</tr>')
        return (f'<div class="scroll"><table id="paper-table"><tr><th class="name">intermediate</th>{head}</tr>\n'
                + "\n".join(rows) + "</table></div>"
                + "<p class=\"note\">Per-task score averaged over languages and seeds (QA: mean of EM and F1); in "
                f"brackets Δ against <code>{esc(self.baseline)}</code>, coloured as the gains heatmap (blue gain, "
                "red loss). <code>avg</code>: mean over the targets."
                + (" Each value links to its cell: training curves, per-language scores, files." if links else "")
                + "</p>" + self.seeds_note() + self.source(self.tables["paper_table"], self.tables["scores"]))

    def best_table(self, links: bool) -> str:
        rows = []
        for _, r in self.choices.iterrows():
            inter = r["intermediate"]
            name = link(self.cell_page(inter, r["target"]) if links and (inter, r["target"]) in self.cells else None,
                        esc(inter or "–"))
            def num(v, sign=False):
                return "–" if np.isnan(v) else (f"{v:+.1f}" if sign else f"{v:.1f}")
            rows.append(f'<tr><td class="name">{esc(r["target"])}</td><td class="name">{name}</td>'
                        f'<td class="name">{esc(r["chosen_on"])}</td><td>{num(r["dev"])}</td>'
                        f'<td>{num(r["value"])}</td><td>{num(r[self.baseline])}</td><td>{num(r["delta"], True)}'
                        "</td></tr>")
        return ('<div class="scroll"><table id="best-dev"><tr><th class="name">target</th><th class="name">'
                'intermediate</th><th class="name">chosen on</th><th>dev</th><th>test</th>'
                f'<th>{esc(self.baseline)}</th><th>Δ</th></tr>\n' + "\n".join(rows) + "</table></div>"
                f'<p class="note"><code>{BEST}</code>: per target, the intermediate with the best English dev score '
                "averaged over seeds (never chosen on test); a target without a dev set takes the dev scores named "
                "in <i>chosen on</i>.</p>" + self.source(self.tables["best"]))

    def xtreme_table(self) -> str:
        table = pd.read_csv(self.tables["xtreme"], sep="\t", keep_default_na=False, dtype=str)
        name = "XTREME-R" if len(table) and table["benchmark"].iloc[0] == "xtreme_r" else "XTREME"
        shown = [c for c in table.columns if c not in ("benchmark", "model", "missing")
                 and (table[c] != "").any()]
        head = "".join(f'<th class="{"name" if c == "intermediate" else ""}">{esc(c)}</th>' for c in shown)
        rows = "".join("<tr>" + "".join(f'<td class="{"name" if c == "intermediate" else ""}">'
                                        f'{esc(r[c]) if r[c] != "" else "–"}</td>' for c in shown) + "</tr>\n"
                       for _, r in table.iterrows())
        missing = table["missing"].iloc[0] if "missing" in table and len(table) else ""
        note = (f'<p class="note">Overall score not defined on this grid: {esc(missing)}.</p>' if missing
                else "")
        return (f'<div class="scroll"><table id="xtreme"><tr>{head}</tr>\n{rows}</table></div>{note}'
                + self.source(self.tables["xtreme"])), name

    def answer(self, links: bool) -> str:
        xtreme, name = self.xtreme_table()
        return (f"<h2>Warnings</h2>{self.warnings()}"
                f"<h2>Did intermediate training help? Paper table, Δ vs <code>{esc(self.baseline)}</code></h2>"
                f"{self.paper_table(links)}"
                f"<h2>The <code>{BEST}</code> row: intermediate chosen on dev per target</h2>{self.best_table(links)}"
                f"<h2>{name} score</h2>{xtreme}")

    def index(self) -> str:
        seeds = sorted({c["seed"] for cells in self.cells.values() for c in cells}, key=int)
        lead = (f'<p class="lead">Model <code>{esc(self.s["model"])}</code>, preset <code>{esc(self.s["preset"])}'
                f'</code>: {len(self.cells)} (intermediate, target) cells, seed(s) {", ".join(map(str, seeds))}.</p>')
        pages = ("<h2>More</h2><p>Gains per language: " + ", ".join(
            f'<a href="target-{esc(t)}.html">{esc(t)}</a>' for t in self.targets) + ".</p>"
            + ("<p>Research questions: " + ", ".join(f'<a href="analysis-{esc(q)}.html">{esc(q)}</a>'
                                                      for q in self.s["analyses"]) + ".</p>" if self.s["analyses"]
               else "")
            + "<p>Cells (training curves, per-language scores, files):</p><ul class=\"links\">" + "".join(
                f'<li><a href="{self.cell_page(i, t)}">{esc(i)} × {esc(t)}</a></li>' for i, t in self.cells)
            + "</ul>" + f"<h3>Gains heatmap</h3>{png_file(self.tables['heatmap'], 'gains heatmap')}"
            + self.source(self.tables["heatmap"]))
        body = (f"<h1>Results: English intermediate training and zero-shot transfer</h1>{lead}"
                f"{self.answer(links=True)}{pages}")
        return page(f"stiltgrid results: {self.s['model']} {self.s['preset']}", body, self.nav())

    def landing(self) -> str:
        """The answer alone for the Snakemake report's opening view (its own scoped style, no links)."""
        scoped = "".join(line for line in CSS.splitlines() if line.startswith(".sr"))  # rules under .sr only
        return (f'<div class="sr"><style>{scoped}</style>'
                f'<p><b>Results of {esc(self.s["model"])} · {esc(self.s["preset"])}</b>: the answer below; pages per '
                'target, per cell (training curves) and per research question are under the <i>Results</i> '
                f'category, or open <code>{esc(self.out / INDEX)}</code> in a browser.</p>'
                f"{self.answer(links=False)}</div>\n")

    # per target ----------------------------------------------------------------------------------------------------
    def language_order(self, languages: list[str]) -> tuple[list[str], list[str], pd.DataFrame]:
        """Languages by family (families by name, largest pre-training volume first within one) and by volume."""
        from stiltgrid.core.languages import load_languages

        table = load_languages(self.languages).reindex(languages)
        table["family"] = table["family"].fillna("unknown")
        volume = table["pretrain_gib"].fillna(-1.0)
        by_family = sorted(languages, key=lambda lang: (table.at[lang, "family"], -volume[lang], lang))
        by_volume = sorted(languages, key=lambda lang: (-volume[lang], lang))
        return by_family, by_volume, table

    def gains(self, target: str) -> pd.DataFrame:
        """Per-language headline score (mean over seeds) of every intermediate for ``target``: intermediates ×
        languages."""
        from stiltgrid.results.scores import headline_scores

        rows = self.scores[(self.scores["target"] == target) & (self.scores["split"] == "test")]
        headline = headline_scores(rows, exclude_languages=())
        wide = headline.pivot(index="intermediate", columns="language", values="value")
        order = [i for i in self.s["intermediates"] if i in wide.index]
        return wide.reindex(index=order)

    def gains_figure(self, target: str, gains: pd.DataFrame, by_family, by_volume, table) -> str:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle

        delta = gains.drop(index=self.baseline) - gains.loc[self.baseline]
        bound = float(np.nanmax(np.abs(delta.to_numpy()))) if delta.size else 1.0
        bound = bound if bound and not np.isnan(bound) else 1.0
        width = max(8.0, 2.5 + 0.42 * len(by_family))
        fig, axes = plt.subplots(2, 1, figsize=(width, 2.4 + 0.7 * max(1, len(delta))), squeeze=False)
        for ax, order, what in ((axes[0][0], by_family, "by language family"),
                                (axes[1][0], by_volume, "by pre-training volume (GiB, largest first)")):
            data = delta.reindex(columns=order).to_numpy(dtype=float)
            image = ax.imshow(data, cmap="RdBu", vmin=-bound, vmax=bound, aspect="auto")
            if what.startswith("by language family"):
                labels = [f"{lang}\n{table.at[lang, 'family']}" for lang in order]
            else:
                labels = [f"{lang}\n" + ("?" if np.isnan(table.at[lang, "pretrain_gib"])
                                         else f"{table.at[lang, 'pretrain_gib']:.2g}") for lang in order]
            ax.set_xticks(range(len(order)), labels, fontsize=7, rotation=90 if len(order) > 12 else 0)
            ax.set_yticks(range(len(delta)), delta.index, fontsize=8)
            for tick, lang in zip(ax.get_xticklabels(), order):
                if lang == ENGLISH:
                    tick.set_fontweight("bold")
            if ENGLISH in order:
                j = order.index(ENGLISH)
                ax.add_patch(Rectangle((j - 0.5, -0.5), 1, len(delta), fill=False, lw=2, ec="black"))
            for (i, j), value in np.ndenumerate(data):
                if not np.isnan(value) and len(order) <= 20:
                    ax.text(j, i, f"{value:+.1f}", ha="center", va="center", fontsize=6.5)
            families = [table.at[lang, "family"] for lang in order]
            if what.startswith("by language family"):
                for j in range(1, len(order)):
                    if families[j] != families[j - 1]:
                        ax.axvline(j - 0.5, color="black", lw=0.8)
            ax.set_title(f"{target}: Δ vs {self.baseline} per language, {what}", fontsize=8)
            fig.colorbar(image, ax=ax, label="Δ (points)", fraction=0.03)
        fig.tight_layout()
        return png(fig)

    def target(self, target: str) -> str:
        gains = self.gains(target)
        if self.baseline not in gains.index or gains.empty:
            body = f"<h1>{esc(target)}</h1><p>No <code>{esc(self.baseline)}</code> row: no gains to show.</p>"
            return page(target, body, self.nav())
        by_family, by_volume, table = self.language_order(list(gains.columns))
        figure = self.gains_figure(target, gains, by_family, by_volume, table)
        head = "".join(f"<th>{'<b>' + esc(lang) + ' (English)</b>' if lang == ENGLISH else esc(lang)}<br>"
                       f"<small>{esc(table.at[lang, 'family'])}</small></th>" for lang in by_family)
        rows = []
        for inter, row in gains.iterrows():
            cells = []
            for lang in by_family:
                value = row[lang]
                text = "–" if np.isnan(value) else f"{value:.1f}"
                if inter != self.baseline and not np.isnan(value):
                    text += f' <span class="delta">({value - gains.at[self.baseline, lang]:+.1f})</span>'
                cell = self.cells.get((inter, target), [])
                href = self.rel(f"{cell[0]['dir']}/{P.CELL_METRICS.format(lang=lang)}") if cell else None
                cells.append(f"<td>{link(href, text)}</td>")
            name = link(self.cell_page(inter, target) if (inter, target) in self.cells else None, esc(inter))
            rows.append(f'<tr><td class="name">{name}</td>{"".join(cells)}</tr>')
        body = (f"<h1>{esc(target)}: gains per language</h1>{figure}"
                f"<p class=\"note\">Headline score per language (QA: mean of EM and F1), mean over seeds, with Δ "
                f"against <code>{esc(self.baseline)}</code>; languages by family, as the analyses group them "
                f"(language table <code>{esc(self.languages)}</code>). Each value links to the metrics record "
                "of its cell's first seed; the row name to the cell page. English, the training language, is outlined "
                "in the figure.</p>"
                f'<div class="scroll"><table><tr><th class="name">intermediate</th>{head}</tr>\n'
                + "\n".join(rows) + "</table></div>" + self.source(self.tables["scores"], self.languages))
        return page(f"{target}: gains per language", body, self.nav())

    # per cell ------------------------------------------------------------------------------------------------------
    @staticmethod
    def read_summary(path: str | None) -> dict | None:
        return json.loads(Path(path).read_text()) if path and Path(path).exists() else None

    def curves_figure(self, what: str, runs: list[tuple[str, dict]]) -> str:
        """Dev score and training loss against step of one training (a line per seed)."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, (dev_ax, loss_ax) = plt.subplots(1, 2, figsize=(9, 2.6))
        for seed, summary in runs:
            history = summary.get("history", [])
            dev_ax.plot([h["step"] for h in history], [h["dev"] for h in history], marker="o", ms=3,
                        label=f"seed {seed}")
            loss = summary.get("loss")
            if loss:
                loss_ax.plot(loss["step"], loss["loss"], lw=1, label=f"seed {seed}")
            baseline = summary.get("dev_baseline", {})
            if len(baseline) == 1:
                dev_ax.axhline(next(iter(baseline.values())), color="grey", ls="--", lw=0.8)
        dev_ax.set_title(f"{what}: English dev score (dashed: majority-class baseline)", fontsize=8)
        loss_ax.set_title(f"{what}: training loss", fontsize=8)
        if not any(s.get("loss") for _, s in runs):
            loss_ax.text(0.5, 0.5, "no loss record in train_summary.json\n(trained before it was recorded)",
                         ha="center", va="center", transform=loss_ax.transAxes, fontsize=8)
        for ax in (dev_ax, loss_ax):
            ax.set_xlabel("optimiser step", fontsize=8)
            ax.tick_params(labelsize=7)
            if len(runs) > 1:
                ax.legend(fontsize=7)
        # fixed margins: tight_layout measured every label and doubled the time
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.19, top=0.89, wspace=0.2)
        return png(fig)

    def intermediate_curves(self, inter: str, runs: list[tuple[str, dict]]) -> str:
        """An intermediate's curves, drawn once for every target of its row."""
        key = (inter, tuple(seed for seed, _ in runs))
        if key not in self._drawn:
            self._drawn[key] = self.curves_figure(f"intermediate {inter}", runs)
        return self._drawn[key]

    def cell(self, inter: str, target: str) -> str:
        cells = self.cells[inter, target]
        trained = [(c["seed"], self.read_summary(c.get("summary"))) for c in cells]
        trained = [(seed, s) for seed, s in trained if s]
        inter_runs = [(c["seed"], self.read_summary(c.get("intermediate_summary"))) for c in cells]
        inter_runs = [(seed, s) for seed, s in inter_runs if s]
        notes = []
        if inter == self.baseline:
            notes.append(f"<code>{esc(inter)}</code>: no intermediate training (the MLM checkpoint).")
        if not trained:
            notes.append(f"{esc(target)} is scored on the encoder without training: no target curve.")
        figure = ((self.intermediate_curves(inter, inter_runs) if inter_runs else "")
                  + (self.curves_figure(f"target {target} after {inter}", trained) if trained else ""))
        from stiltgrid.results.scores import headline_scores

        rows = self.scores[(self.scores["intermediate"] == inter) & (self.scores["target"] == target)]
        per_lang = headline_scores(rows, exclude_languages=(), average_seeds=False) if len(rows) else rows
        languages = self.task_languages.get(target) or sorted(set(per_lang.get("language", [])))
        head = "".join(f"<th>seed {esc(c['seed'])}</th>" for c in cells)
        lines = []
        for lang in languages:
            tds = []
            for c in cells:
                hit = per_lang[(per_lang["language"] == lang) & (per_lang["seed"].astype(str) == str(c["seed"]))] \
                    if len(per_lang) else per_lang
                text = f"{float(hit['value'].iloc[0]):.2f}" if len(hit) else "–"
                tds.append(f"<td>{link(self.rel(c['dir'] + '/' + P.CELL_METRICS.format(lang=lang)), text)}</td>")
            lines.append(f'<tr><td class="name">{esc(lang)}</td>{"".join(tds)}</tr>')
        files = []
        for c in cells:
            listing = sorted(Path(c["dir"]).iterdir()) if Path(c["dir"]).is_dir() else []
            shown = [link(self.rel(str(p)), f"<code>{esc(p.name)}</code>") for p in listing
                     if p.is_file() and not p.name.startswith(".")]
            extra = ([link(self.rel(c["intermediate_summary"]), f"<code>{esc(c['intermediate_summary'])}</code>")]
                     if c.get("intermediate_summary") else [])
            files.append(f"<li>seed {esc(c['seed'])}: <code>{esc(c['dir'])}</code>: {', '.join(shown)}"
                         + (f"; intermediate: {extra[0]}" if extra else "") + "</li>")
        warnings = [w for _, s in trained + inter_runs for w in s.get("warnings", [])]
        warn = ('<div class="warn"><ul>' + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul></div>"
                if warnings else "")
        facts = "".join(f"<li>{what}, seed {esc(seed)}: best dev {s['best_dev']:.2f} after {s['steps']} of "
                        f"{s['total_steps']} steps{' (stopped early)' if s.get('stopped_early') else ''}</li>"
                        for what, runs in (("intermediate", inter_runs), ("target", trained)) for seed, s in runs)
        body = (f"<h1>{esc(inter)} × {esc(target)}</h1>{warn}" + "".join(f"<p>{n}</p>" for n in notes)
                + figure + (f"<ul>{facts}</ul>" if facts else "")
                + f"<h2>Score per language</h2><div class=\"scroll\"><table><tr><th class=\"name\">language</th>"
                f"{head}</tr>\n" + "\n".join(lines) + "</table></div>"
                + "<p class=\"note\">Headline score (QA: mean of EM and F1); each links to its metrics record.</p>"
                + "<h2>Files</h2><ul>" + "".join(files) + "</ul>")
        return page(f"{inter} × {target}", body, self.nav())

    # analyses ------------------------------------------------------------------------------------------------------
    def analysis(self, question: str) -> str:
        out = self.s["analyses"][question]
        body = (f"<h1>Research question: {esc(question)}</h1>{markdown(Path(out['summary']).read_text())}"
                + self.source(out["summary"]) + png_file(out["figure"], f"{question} figure")
                + self.source(out["figure"]) + "<h2>Table</h2>"
                + tsv_table(out["table"], self.source(out["table"])))
        return page(f"research question: {question}", body, self.nav())

    # all of it -----------------------------------------------------------------------------------------------------
    def write(self) -> list[str]:
        self.out.mkdir(parents=True, exist_ok=True)
        pages = {INDEX: self.index(), LANDING: self.landing()}
        pages.update({f"target-{t}.html": self.target(t) for t in self.targets})
        pages.update({self.cell_page(i, t): self.cell(i, t) for i, t in self.cells})
        pages.update({f"analysis-{q}.html": self.analysis(q) for q in self.s["analyses"]})
        for name, text in pages.items():
            (self.out / name).write_text(text, encoding="utf-8")
        return sorted(pages)


def write_site(out_dir: str, settings: dict, languages: str) -> list[str]:
    """Every page of the results site into ``out_dir`` (settings: stiltgrid.grid.dag.JobGraph.results_page; languages:
    the language table the analyses read)."""
    return Site(out_dir, settings, languages).write()
