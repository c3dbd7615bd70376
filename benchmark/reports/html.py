"""The HTML leaderboard: one self-contained file (inline CSS and JavaScript, base64 PNG figures).

The page is a Jinja2 template with autoescaping on, so every piece of text that
comes from the store (plugin names, parameters, reasons, labels) is escaped without
any field having to remember it; nothing is loaded from elsewhere. The table sits in
its own scroll box with a sticky header and sticky rank/encoder/clusterer columns,
and a little inline script sorts it by any column or by a chosen metric.
"""

from __future__ import annotations

import base64
import math

import numpy as np

from musicbench import MISSING_LABEL
from musicbench.benchmark.reports import figures
from musicbench.benchmark.reports.table import Leaderboard
from musicbench.benchmark.reports.text import (
    CEILING_NOTE,
    CHANCE_NOTE,
    SPACES_NOTE,
    TIES_NOTE,
    main_rows,
    problem_rows,
    rows_note,
    sample_note,
)
from musicbench.benchmark.results.cache import EmbeddingCache
from musicbench.benchmark.results.store import ResultStore


def environment():  # type: ignore[no-untyped-def]
    """The Jinja2 environment of the leaderboard and summary pages (autoescape on)."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    loader = PackageLoader("musicbench.benchmark.reports", "templates")
    return Environment(loader=loader, autoescape=select_autoescape(default=True, default_for_string=True))


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def _projection(
    lb: Leaderboard, store: ResultStore, cache: EmbeddingCache, method: str, images: dict[str, bytes]
) -> tuple[str, str, str, str]:
    """(heading, text, image, alt) for the best cell's embedding, or why it cannot be drawn."""
    heading = "The best cell's embedding"
    if not lb.entries:
        return heading, "No ranked cell, so no projection.", "", ""
    chosen = lb.entries[0].best_cell(lb.metric, lb.higher_is_better)
    best = store.record(chosen.key, with_labels=True) if chosen else None
    if best is None or best.labels is None:
        return heading, "The best cell has no stored cluster labels, so no projection.", "", ""
    found = figures.cached_projection(cache, best.embedding_key, method)
    if found is None:
        return (
            heading,
            (
                f"The embedding of the best cell (cache key {best.embedding_key[:16]}) is not in the cache "
                f"at {cache.root}, so its projections cannot be drawn. Rerun bench run with --force for "
                "this cell to recompute it."
            ),
            "",
            "",
        )
    coords, rows = found
    colourings: dict[str, np.ndarray] = {"cluster": best.labels[rows]}
    labels = lb.dataset.labels if lb.dataset else {}
    primary = lb.dataset.primary_label if lb.dataset else "genre"
    for name in dict.fromkeys([primary, "genre", "language"]):
        if name in labels and np.any(labels[name] != MISSING_LABEL):
            colourings[name] = labels[name][rows]
    title = f"{best.encoder} x {best.clusterer}, seed {best.seed}: {method.upper()} of the embedding"
    images["projection"] = figures.projections(coords, colourings, title)
    return heading, f"{title} ({len(rows):,} tracks).", _b64(images["projection"]), title


def to_html(
    lb: Leaderboard,
    store: ResultStore,
    cache: EmbeddingCache,
    projection: str = "umap",
    images: dict[str, bytes] | None = None,
    title: str | None = None,
) -> str:
    """The whole page as one string; ``images`` (if given) receives each figure's PNG
    by name (``heatmap``, ``metrics``, ``projection``); ``title`` names the page
    (default: the dataset's name)."""
    images = {} if images is None else images
    metrics = lb.main_metrics()
    header = ["rank", "encoder", "clusterer", "modalities", *metrics, "seeds", "fit s"]
    higher = {
        m: next((c.metrics[m].get("higher_is_better") for e in lb.entries for c in e.cells if m in c.metrics), None)
        for m in metrics
    }
    choices = [(4 + i, m, bool(higher[m])) for i, m in enumerate(metrics) if higher[m] is not None]
    shown: list[tuple[str, str, str, str]] = []
    if lb.entries:
        images["heatmap"] = figures.heatmap(lb)
        shown.append(("Encoder x clusterer", "", _b64(images["heatmap"]), f"heatmap of {lb.metric}"))
        plotted = [m for m in metrics if any(not math.isnan(e.mean(m)) for e in lb.entries)][:4]
        images["metrics"] = figures.bars(lb, plotted)
        text = "Dashed lines: the chance (red) and supervised ceiling (green) references of the ranking metric."
        shown.append(("Main metrics", text, _b64(images["metrics"]), "bar chart of the main metrics"))
    if projection != "none":
        shown.append(_projection(lb, store, cache, projection, images))
    unranked = ", ".join(f"{e.encoder_label} x {e.clusterer_label}" for e in lb.unranked)
    return (
        environment()
        .get_template("leaderboard.html.j2")
        .render(
            title=f"musicbench leaderboard: {title or lb.dataset_name}",
            dataset=lb.dataset_name,
            info=lb.dataset,
            fingerprint=lb.fingerprint[:12],
            metric=lb.metric,
            direction="higher" if lb.higher_is_better else "lower",
            n_entries=len(lb.entries),
            n_cells=lb.n_cells,
            header=header,
            rows=main_rows(lb, metrics),
            n_ranked=len(lb.entries),
            choices=choices,
            latent_warning="@latent" in lb.metric,
            notes=[
                f"{TIES_NOTE} Resampling: {lb.bootstrap}.",
                CHANCE_NOTE,
                CEILING_NOTE,
                SPACES_NOTE,
                *filter(None, [sample_note(lb), rows_note(lb)]),
            ],
            unranked=unranked,
            figures=shown,
            problems=problem_rows(lb.problems),
        )
    )
