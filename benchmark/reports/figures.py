"""The HTML leaderboard's figures, as PNG bytes (matplotlib's Agg backend, no display).

Every figure is drawn from the leaderboard; only the projections read an embedding,
from the cache, by the key the store recorded.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from pathlib import Path

import numpy as np

from musicbench import MISSING_LABEL
from musicbench.benchmark.reports.table import Leaderboard
from musicbench.benchmark.results.cache import EmbeddingCache

MAX_BARS = 12
PROJECTION_POINTS = 4000
"""At most this many tracks are projected: below umap-learn's 4,096-point threshold for
exact neighbours, whose compiled code numba keeps on disk (5.6 s for 4,000 points in a
fresh process). Above it, pynndescent compiles functions that cannot be cached in every
process: 5,000 points took 25 s there, 20 of them compiling (13.6 s with the rest cached)."""
PROJECTION_SEED = 0
WARM_FROM_TRACKS = 10_000
"""``bench run`` projects the best cell's embedding itself from this many tracks up."""


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")  # headless: the report is written to a file, never shown
    import matplotlib.pyplot as plt

    return plt


def _plain(text: str) -> str:
    """Text matplotlib draws literally: a ``$`` would start mathtext (and can fail to parse)."""
    return str(text).replace("$", r"\$")


def _png(fig) -> bytes:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    _pyplot().close(fig)
    return buffer.getvalue()


def heatmap(lb: Leaderboard) -> bytes:
    """Encoder (rows) x clusterer (columns) grid of the ranking metric's mean."""
    plt = _pyplot()
    rows = sorted({e.encoder_label for e in lb.entries})
    cols = sorted({e.clusterer_label for e in lb.entries})
    grid = np.full((len(rows), len(cols)), np.nan)
    for e in lb.entries:
        grid[rows.index(e.encoder_label), cols.index(e.clusterer_label)] = e.mean(lb.metric)
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(cols), 1.0 + 0.45 * len(rows)))
    image = ax.imshow(grid, cmap="viridis" if lb.higher_is_better else "viridis_r", aspect="auto")
    ax.set_xticks(range(len(cols)), [_plain(c) for c in cols], rotation=35, ha="right")
    ax.set_yticks(range(len(rows)), [_plain(r) for r in rows])
    for (i, j), value in np.ndenumerate(grid):
        if not math.isnan(value):
            # Dark text on light cells, white on dark: readable on every colour of the map.
            r, g, b, _ = image.cmap(image.norm(value))
            colour = "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.5 else "white"
            ax.text(j, i, f"{value:.2f}", ha="center", va="center", color=colour, fontsize=8)
    fig.colorbar(image, ax=ax, label=_plain(f"{lb.metric} (mean over seeds)"))
    ax.set_title(_plain(f"{lb.metric}: encoder x clusterer"))
    return _png(fig)


def bars(lb: Leaderboard, metrics: list[str]) -> bytes:
    """The top entries' main metrics: mean with the standard deviation over seeds as error bars."""
    plt = _pyplot()
    top = lb.entries[:MAX_BARS][::-1]  # the best at the top of each panel
    labels = [_plain(f"{e.encoder_label} x {e.clusterer_label}") for e in top]
    fig, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics) + 2.5, 0.9 + 0.32 * len(top)), sharey=True)
    for ax, metric in zip(np.atleast_1d(axes), metrics, strict=True):
        means = [e.mean(metric) for e in top]
        stds = [0.0 if math.isnan(s := e.std(metric)) else s for e in top]
        ax.barh(range(len(top)), means, xerr=stds, color="#4c72b0", ecolor="#333333", capsize=2)
        if metric == lb.metric and lb.chance is not None:
            ax.axvline(lb.chance[0], color="#c44e52", linestyle="--", linewidth=1, label="chance")
        if lb.ceiling is not None and lb.ceiling.get(metric) is not None:
            ax.axvline(
                float(lb.ceiling[metric]), color="#55a868", linestyle="--", linewidth=1, label="supervised ceiling"
            )
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.set_title(_plain(metric), fontsize=9)
        ax.tick_params(labelsize=8)
    np.atleast_1d(axes)[0].set_yticks(range(len(top)), labels)
    return _png(fig)


def project(embedding: np.ndarray, method: str = "umap") -> tuple[np.ndarray, np.ndarray]:
    """2-D coordinates of (a fixed sample of at most 4,000 of) ``embedding``'s rows, and the rows."""
    rows = np.arange(embedding.shape[0])
    if rows.size > PROJECTION_POINTS:
        rows = np.sort(np.random.default_rng(PROJECTION_SEED).choice(rows, PROJECTION_POINTS, replace=False))
    X = embedding[rows]
    if X.shape[1] <= 2:
        return np.column_stack([X, np.zeros((X.shape[0], 2 - X.shape[1]))]), rows
    if method == "umap":
        import umap

        from musicbench.plugins.encoders import numba_cache, umap_distances

        numba_cache.enable()  # the UMAP encoder's compiled code, loaded instead of compiled
        with warnings.catch_warnings(), umap_distances.numba_pairwise():
            warnings.simplefilter("ignore")  # "n_jobs overridden by random_state": wanted
            return umap.UMAP(n_components=2, random_state=PROJECTION_SEED).fit_transform(X), rows
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=PROJECTION_SEED).fit_transform(X), rows


def cached_projection(cache: EmbeddingCache, key: str, method: str) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`project` of the cached embedding ``key``, itself cached beside it.

    The 2-D coordinates are written to ``<cache root>/projections/<key>-<method>.npz``
    the first time (``bench run`` does it for each dataset's best cell), so
    ``bench leaderboard`` reads them instead of fitting UMAP at report time. None when
    the embedding is not in the cache.
    """
    path = Path(cache.root) / "projections" / f"{key}-{method}-{PROJECTION_POINTS}-{PROJECTION_SEED}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as stored:
            return stored["coords"], stored["rows"]
    cached = cache.get(key)
    if cached is None:
        return None
    coords, rows = project(cached.embedding, method)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial.npz")
    np.savez(partial, coords=coords, rows=rows)
    os.replace(partial, path)  # a reader sees a whole file or none
    return coords, rows


def warm_projection(lb: Leaderboard, cache: EmbeddingCache, method: str = "umap") -> None:
    """Compute and cache the projection of ``lb``'s best cell now (``bench run`` calls it
    once per dataset), so ``bench leaderboard`` does not fit UMAP at report time."""
    best = lb.entries[0].best_cell(lb.metric, lb.higher_is_better) if lb.entries else None
    # Small datasets are left to the report (it caches them too): there UMAP's fit is
    # short, and a run of a few hundred tracks should not pay UMAP's start-up.
    if best is not None and (lb.dataset is None or lb.dataset.n_tracks >= WARM_FROM_TRACKS):
        cached_projection(cache, best.embedding_key, method)


def projections(coords: np.ndarray, colourings: dict[str, np.ndarray], title: str) -> bytes:
    """One scatter panel per colouring (cluster, genre, language...) of the same points."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(colourings), figsize=(5.2 * len(colourings), 4.8))
    for ax, (name, values) in zip(np.atleast_1d(axes), colourings.items(), strict=True):
        values = np.asarray(values).astype(str)
        present = values != str(MISSING_LABEL)
        kinds, codes = np.unique(values[present], return_inverse=True)
        if (~present).any():
            ax.scatter(*coords[~present].T, s=3, c="#cccccc", label="(missing)")
        cmap = plt.get_cmap("tab20" if len(kinds) > 10 else "tab10")
        for k, kind in enumerate(kinds[:20]):
            ax.scatter(*coords[present][codes == k].T, s=3, color=cmap(k % cmap.N), label=_plain(kind))
        if len(kinds) <= 20:
            # Many categories (languages) go below the panel so they hide no points.
            many = len(kinds) > 8
            ax.legend(
                markerscale=3,
                fontsize=7,
                frameon=False,
                loc="upper center" if many else "best",
                bbox_to_anchor=(0.5, -0.02) if many else None,
                ncol=5 if many else 1,
            )
        ax.set_title(_plain(f"coloured by {name}") + (f" (first 20 of {len(kinds)})" if len(kinds) > 20 else ""))
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(_plain(title), fontsize=10)
    return _png(fig)
