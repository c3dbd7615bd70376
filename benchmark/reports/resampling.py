"""Paired bootstrap over tracks: confidence intervals, ties and the chance reference.

The store keeps every cell's cluster labels and the dataset's true labels, so an
entry's ranking metric can be recomputed on resampled tracks without clustering
again. One replicate draws ``n`` track indices with replacement; the *same* draw is
used for every seed of every entry (a paired bootstrap), the metric is recomputed
for each cell and averaged over the entry's seeds. Over ``n_resamples`` replicates:

* an entry's 95 % interval is the 2.5th and 97.5th percentile of its replicate
  means, corrected for bias (below; the percentile bootstrap, Efron & Tibshirani
  1993, *An Introduction to the Bootstrap*, ch. 13);
* an entry *ties* with the leader of the current rank (the best entry holding it)
  when the 95 % percentile interval of their paired difference (leader minus entry,
  replicate by replicate) contains 0. Comparing with the leader, not the neighbour,
  keeps ties from chaining down the table. The paired bootstrap for comparing two
  systems on the same test items is Koehn (2004), "Statistical significance tests
  for machine translation evaluation", EMNLP, and Berg-Kirkpatrick et al. (2012).

A resample repeats some tracks, which raises NMI (mutual information is biased
upward on a sample with repeated tracks, most on small datasets with many classes):
uncorrected, the percentile interval of GTZAN's umap x kmeans was [0.3675, 0.4075]
around a mean of 0.3741, and Beatport's [0.2835, 0.3071] excluded its mean of 0.2696.
So every cell's replicates are shifted by the bootstrap's estimate of that bias,
the mean of the replicates minus the metric on the tracks as drawn (Efron &
Tibshirani ch. 10): :meth:`Resampler.corrected`. The interval keeps its width and
sits around the printed mean; the paired differences that decide the ties are
differences of corrected replicates, so a tie is judged on the same numbers the
intervals show. The interval covers the sampling of tracks (what another set of songs of the same
kind would give) and, through the mean over seeds, part of the seed variation; it
is not a test over seeds. The resamples come from ``numpy.random.default_rng(seed)``
and depend only on the number of tracks, so the same store gives the same intervals
bit for bit.

Metrics are computed from contingency tables built with one sparse product per
batch (every replicate's track counts times every cell's (class, cluster) one-hot
matrix), which is what makes hundreds of replicates for dozens of entries on 28k
tracks take seconds. The product runs in float32, which halves the memory it streams
and is exact: every partial sum is a whole number of at most ``n`` tracks, far below
2**24, so the tables the metrics receive (as float64) are the same numbers a float64
product gives. Cells whose labels are the same partition (a deterministic encoder
and clusterer over several seeds) share one row of the product. The formulas are the metrics' own: a metric registered with a
contingency-table form (``register(..., contingency=...)``,
:data:`musicbench.contracts.ContingencyForm`) is recomputed with it, so a new
metric gets intervals without a change here. The built-in NMI, ARI, purity and
accuracy declare one (:mod:`musicbench.plugins.metrics.contingency`); a metric
without one (AMI, whose expected value per replicate is too slow) gets no interval,
and only equal means tie.

The chance reference is a permutation null: the best cell's own cluster labels,
shuffled over the tracks, keep its cluster sizes but lose any relation to the
label; the mean and 95th percentile of the metric over the shuffles are what a
clustering of that shape scores by chance (NMI rises with the number of clusters,
so a clusterer making many small clusters is not rewarded here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

from musicbench import PluginError, build_registry
from musicbench.contracts import ContingencyForm

if TYPE_CHECKING:
    from musicbench import Registry

N_RESAMPLES = 200
BOOTSTRAP_SEED = 0
N_PERMUTATIONS = 200
CONFIDENCE = 0.95
METRIC_PLUGINS = ("musicbench.plugins.metrics",)
"""The built-in plugins a leaderboard needs: the metrics, not the estimators."""
_BATCH_ELEMENTS = 4_000_000
"""Replicate counts per batch (replicates x tracks): bounds the memory of one product."""


def contingency_form(metric: str, registry: Registry | None = None) -> ContingencyForm | None:
    """The contingency-table form the metric ``metric`` (its plugin name: ``nmi``) declares.

    Parameters
    ----------
    metric : str
        The metric's registered name, as each stored figure records it.
    registry : Registry, optional
        The plugins to look in. By default a fresh one with the built-in metrics,
        the installed entry points and ``MUSICBENCH_PLUGINS`` (estimators are only
        registered by name, never imported).

    Returns
    -------
    callable or None
        ``None`` for a metric that is not registered, declares no form or whose form
        cannot be imported: its leaderboard has no intervals, which is a poorer table,
        never a failed one.
    """
    if registry is None:
        registry = build_registry(builtins=METRIC_PLUGINS)
    try:
        return registry.get("metric", metric).contingency_form()
    except PluginError:  # unknown, disabled, or a form that does not import
        return None


def scores(form: ContingencyForm, tables: np.ndarray) -> np.ndarray:
    """``form`` on a stack of tables, checked: one float per table.

    Raises
    ------
    PluginError
        The form failed or did not give one score per table: a plugin's bug, named,
        instead of a traceback from inside it.
    """
    name = f"{getattr(form, '__module__', '?')}:{getattr(form, '__qualname__', repr(form))}"
    try:
        values = np.asarray(form(tables), dtype=np.float64)
    except Exception as exc:  # noqa: BLE001 - any error of third-party code
        detail = " ".join(str(exc).split())
        raise PluginError(f"The contingency form {name} failed: {type(exc).__name__}: {detail}") from exc
    if values.shape != (len(tables),):
        raise PluginError(
            f"The contingency form {name} returned shape {values.shape} for {len(tables)} tables; "
            f"it must return one score per table, shape ({len(tables)},)."
        )
    return values


@dataclass(frozen=True)
class Resampler:
    """The paired bootstrap of one dataset's tracks (those with a known label)."""

    truth: np.ndarray
    """Integer codes ``0..c-1`` of the true label on the resampled rows."""
    n_resamples: int = N_RESAMPLES
    seed: int = BOOTSTRAP_SEED

    def _batches(self) -> list[np.ndarray]:
        """Per batch, an ``(n, replicates)`` matrix of how often each track was drawn.

        Tracks by replicates, C-ordered: the layout the sparse product reads, so it
        makes no transposed copy.
        """
        n = self.truth.size
        rng = np.random.default_rng(self.seed)
        per_batch = max(1, _BATCH_ELEMENTS // max(n, 1))
        batches = []
        for start in range(0, self.n_resamples, per_batch):
            size = min(per_batch, self.n_resamples - start)
            draws = rng.integers(0, n, size=(size, n))
            flat = (draws * size + np.arange(size)[:, None]).ravel()
            batches.append(np.bincount(flat, minlength=n * size).reshape(n, size).astype(np.float32))
        return batches

    def corrected(self, form: ContingencyForm, predictions: Sequence[np.ndarray]) -> np.ndarray:
        """:meth:`replicates`, each row shifted by its bootstrap bias estimate (the row's
        mean minus :meth:`observed`), so its mean is the metric on the tracks as drawn."""
        values, observed = self._scores(form, predictions, resample=True)
        assert values is not None
        return values - (values.mean(axis=1) - observed)[:, None]

    def observed(self, form: ContingencyForm, predictions: Sequence[np.ndarray]) -> np.ndarray:
        """The metric ``form`` computes for each labeling on the tracks as drawn (no resampling)."""
        return self._scores(form, predictions, resample=False)[1]

    def replicates(self, form: ContingencyForm, predictions: Sequence[np.ndarray]) -> np.ndarray:
        """The metric ``form`` computes, for each labeling on every replicate: shape
        ``(len(predictions), n_resamples)``."""
        values = self._scores(form, predictions, resample=True)[0]
        assert values is not None
        return values

    def _scores(
        self, form: ContingencyForm, predictions: Sequence[np.ndarray], resample: bool
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """The replicates (when ``resample``) and the observed scores of each labeling."""
        n_classes = int(self.truth.max()) + 1
        shapes: list[tuple[int, int, int]] = []
        columns: list[np.ndarray] = []
        offset = 0
        first: dict[bytes, int] = {}  # a partition's codes -> its row in ``shapes``
        which = []
        for labels in predictions:
            codes = pd.factorize(np.asarray(labels), use_na_sentinel=False)[0]
            # factorize numbers clusters by first appearance, so equal codes mean equal
            # tables (not merely equivalent ones): sharing them changes no number
            seen = first.setdefault(codes.tobytes(), len(shapes))
            which.append(seen)
            if seen < len(shapes):
                continue
            k = int(codes.max()) + 1
            columns.append(offset + self.truth * k + codes)
            shapes.append((offset, n_classes, k))
            offset += n_classes * k
        n = self.truth.size
        onehot = sparse.csr_matrix(
            (np.ones(n * len(shapes), dtype=np.float32), (np.concatenate(columns), np.tile(np.arange(n), len(shapes)))),
            shape=(offset, n),
        )
        unique = None
        if resample:
            counts = np.hstack([np.asarray(onehot @ batch) for batch in self._batches()])  # (offset, replicates)
            unique = np.empty((len(shapes), self.n_resamples))
            for i, (start, c, k) in enumerate(shapes):
                tables = counts[start : start + c * k].T.reshape(self.n_resamples, c, k).astype(np.float64)
                unique[i] = scores(form, tables)
        drawn = np.asarray(onehot.sum(axis=1), dtype=np.float64).ravel()  # every track once: the observed tables
        observed = np.array([scores(form, drawn[start : start + c * k].reshape(1, c, k))[0] for start, c, k in shapes])
        return (None if unique is None else unique[which]), observed[which]


def interval(values: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The percentile interval of ``values``."""
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def chance(
    form: ContingencyForm,
    truth: np.ndarray,
    labels: np.ndarray,
    n_permutations: int = N_PERMUTATIONS,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float]:
    """Mean and 95th percentile of the metric ``form`` computes for ``labels`` shuffled over the tracks."""
    rng = np.random.default_rng(seed)
    codes = pd.factorize(np.asarray(labels), use_na_sentinel=False)[0]
    c, k = int(truth.max()) + 1, int(codes.max()) + 1
    tables = np.stack(
        [np.bincount(truth * k + rng.permutation(codes), minlength=c * k).reshape(c, k) for _ in range(n_permutations)]
    )
    values = scores(form, tables)
    return float(values.mean()), float(np.percentile(values, 95))
