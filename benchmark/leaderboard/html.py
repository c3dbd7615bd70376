"""The HTML leaderboard: one self-contained file (inline CSS, base64 PNG figures).

Every piece of text that comes from the store (plugin names, parameters, reasons,
labels) goes through :func:`html.escape`; nothing is loaded from elsewhere.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence

import numpy as np

from musicbench.benchmark.cache import EmbeddingCache
from musicbench.benchmark.leaderboard import figures
from musicbench.benchmark.leaderboard.table import Leaderboard
from musicbench.benchmark.store import ResultStore
from musicbench.benchmark.leaderboard.text import CHANCE_NOTE, SPACES_NOTE, TIES_NOTE, main_rows, problem_rows
from musicbench import MISSING_LABEL

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 75rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #f3f3f3; } tr.best td { font-weight: bold; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; } .note { color: #555; max-width: 60rem; }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric_from: int = 99, best: bool = False) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cells = "".join(f'<td class="num">{_e(c)}</td>' if j >= numeric_from else f"<td>{_e(c)}</td>" for j, c in enumerate(row))
        body.append(f'<tr class="best">{cells}</tr>' if best and i == 0 else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'


def _projection_section(lb: Leaderboard, store: ResultStore, cache: EmbeddingCache, method: str,
                        images: dict[str, bytes]) -> str:  # fmt: skip
    """UMAP panels of the best cell's embedding, or why they cannot be drawn."""
    if not lb.entries:
        return "<p>No ranked cell, so no projection.</p>"
    chosen = lb.entries[0].best_cell(lb.metric, lb.higher_is_better)
    best = store.record(chosen.key, with_labels=True) if chosen else None
    if best is None or best.labels is None:
        return "<p>The best cell has no stored cluster labels, so no projection.</p>"
    cached = cache.get(best.embedding_key)
    if cached is None:
        return (f"<p>The embedding of the best cell (cache key {_e(best.embedding_key[:16])}) is not in the cache "
                f"at {_e(cache.root)}, so its projections cannot be drawn. Rerun <code>bench run</code> with "
                "<code>--force</code> for this cell to recompute it.</p>")  # fmt: skip
    coords, rows = figures.project(cached.embedding, method)
    colourings: dict[str, np.ndarray] = {"cluster": best.labels[rows]}
    labels = lb.dataset.labels if lb.dataset else {}
    primary = lb.dataset.primary_label if lb.dataset else "genre"
    for name in dict.fromkeys([primary, "genre", "language"]):
        if name in labels and np.any(labels[name] != MISSING_LABEL):
            colourings[name] = labels[name][rows]
    title = f"{best.encoder} x {best.clusterer}, seed {best.seed}: {method.upper()} of the embedding"
    images["projection"] = figures.projections(coords, colourings, title)
    return f"<p>{_e(title)} ({len(rows):,} tracks).</p>" + _img(images["projection"], title)


def to_html(lb: Leaderboard, store: ResultStore, cache: EmbeddingCache, projection: str = "umap",
            images: dict[str, bytes] | None = None) -> str:  # fmt: skip
    """The whole page as one string; ``images`` (if given) receives each figure's PNG
    by name (``heatmap``, ``metrics``, ``projection``)."""
    images = {} if images is None else images
    metrics = lb.main_metrics()
    header = ["rank", "encoder", "clusterer", *metrics, "seeds", "fit s"]
    rows = main_rows(lb, metrics)
    info = lb.dataset
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>musicbench leaderboard: {_e(lb.dataset_name)}</title><style>{STYLE}</style></head><body>",
        f"<h1>musicbench leaderboard: {_e(lb.dataset_name)}</h1>",
        f"<p>Dataset <b>{_e(lb.dataset_name)}</b>"
        + (f" ({info.n_tracks:,} tracks, primary label {_e(info.primary_label)})" if info else "")
        + f", fingerprint {_e(lb.fingerprint[:12])}. Ranked by <b>{_e(lb.metric)}</b> "
        f"({'higher' if lb.higher_is_better else 'lower'} is better), {lb.n_cells} cells.</p>",
        _table(header, rows, numeric_from=3, best=True) if rows else "<p>No cell finished with a value of this metric.</p>",
        f'<p class="note">{_e(TIES_NOTE)} Resampling: {_e(lb.bootstrap)}.</p><p class="note">{_e(CHANCE_NOTE)}</p>'
        f'<p class="note">{_e(SPACES_NOTE)}</p>',
    ]  # fmt: skip
    if lb.entries:
        images["heatmap"] = figures.heatmap(lb)
        parts += ["<h2>Encoder x clusterer</h2>", _img(images["heatmap"], f"heatmap of {lb.metric}")]
        shown = [m for m in metrics if any(not math.isnan(e.mean(m)) for e in lb.entries)][:4]
        images["metrics"] = figures.bars(lb, shown)
        parts += ["<h2>Main metrics</h2>", _img(images["metrics"], "bar chart of the main metrics")]
    if projection != "none":
        parts += ["<h2>The best cell's embedding</h2>", _projection_section(lb, store, cache, projection, images)]
    parts += ["<h2>Failed and skipped cells</h2>"]
    if lb.problems:
        parts += ["<p>Not in the averages above.</p>",
                  _table(["status", "encoder", "clusterer", "seed", "reason"], problem_rows(lb.problems))]  # fmt: skip
    else:
        parts += ["<p>None.</p>"]
    parts += ["<p class=\"note\">Generated by <code>bench leaderboard</code> from the result store only.</p>", "</body></html>"]
    return "\n".join(parts)
