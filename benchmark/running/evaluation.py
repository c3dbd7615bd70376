"""Computing every registered metric for one cell (an embedding and its clusters).

Result names say what was measured: ``nmi[genre]`` is an external metric against
the ``genre`` label, ``silhouette@reference`` an internal metric in the dataset's
preprocessed feature space (comparable across encoders), ``silhouette@latent`` the
same in the encoder's own space (not comparable across encoders), ``n_clusters``
a partition figure, and ``probe_accuracy[genre]`` an embedding metric (the
embedding alone, whatever its clusters).

Noise and missing labels, the one place they are decided:

* **Noise** (cluster label ``-1``). External metrics count noise as one more
  cluster, so labelling points noise never improves them. Internal metrics use the
  non-noise points only (noise has no centre). Partition figures report both
  ``n_clusters`` (noise excluded) and ``noise_fraction``, always shown beside the rest.
* **Missing true labels** (``""``, ``None`` or NaN, e.g. the 16 tracks without a
  language in the lyrics excerpt). Each external metric against that label column
  uses only the rows whose label is known, and records how many (``n_rows``). If
  no row has one, the metric is NaN with a reason.
* **Large inputs.** Internal metrics use a fixed seeded sample of
  ``sample_size`` rows that depends only on the dataset's size, so every cell of a
  dataset is measured on the same tracks (:func:`evaluation_sample`); noise is
  removed from the sample. External and partition metrics use every row.
* **Embedding metrics** (the linear probe) depend on the embedding and a label
  column, not on the clusters: the encode task computes them once per embedding
  (:func:`embedding_metrics`; a direct call of :func:`evaluate` memoises them in the
  process by the embedding's digest, see :func:`label_memo.embedding_digest`),
  on the known-label rows, at most ``EMBEDDING_SAMPLE_SIZE`` of them in a fixed
  seeded stratified sample; every cell of that embedding stores the same figure
  and its ``n_rows``.
* **Undefined values** (one cluster for silhouette, a single-class label...) are
  NaN with the metric's reason (:class:`registry.MetricUndefined`), never an error.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from musicbench import MISSING_LABEL, Dataset, MetricSpec, MetricUndefined
from musicbench.benchmark.running.label_memo import embedding_digest
from musicbench.errors import DataError

DEFAULT_SAMPLE_SIZE = 10_000
"""Internal metrics on more points than this use a fixed seeded sample."""
SAMPLE_SEED = 20_240_601
NOISE = -1
EMBEDDING_SAMPLE_SIZE = 5_000
"""Embedding metrics (a cross-validated probe) use at most this many rows, stratified."""
EMBEDDING_MEMO_ENTRIES = 256
_embedding_memo: OrderedDict[tuple[str, ...], tuple[float, str | None, int]] = OrderedDict()


@dataclass(frozen=True)
class MetricValue:
    """One computed figure; ``value`` is NaN when undefined, with the reason.

    ``n_rows`` is the number of rows it was computed on (known labels only for an
    external metric; the non-noise sample for an internal one).
    """

    name: str
    metric: str
    value: float
    higher_is_better: bool | None
    label: str | None = None
    space: str | None = None
    reason: str | None = None
    n_rows: int | None = None


def evaluation_sample(n_tracks: int, size: int = DEFAULT_SAMPLE_SIZE) -> np.ndarray | None:
    """The rows internal metrics use: all (``None``) or a fixed seeded sample.

    The sample depends only on the dataset's size, so every cell of a dataset is
    measured on the same tracks.
    """
    if n_tracks <= size:
        return None
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(n_tracks, size=size, replace=False))


def stratified_sample(codes: np.ndarray, size: int = EMBEDDING_SAMPLE_SIZE) -> np.ndarray:
    """Sorted rows of a fixed seeded sample of at most ``size`` rows, each class
    keeping its share (at least one row); all rows when there are few enough."""
    n = len(codes)
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(SAMPLE_SEED)
    chosen = []
    for code in np.unique(codes):
        members = np.flatnonzero(codes == code)
        take = max(1, int(round(len(members) * size / n)))
        chosen.append(rng.choice(members, size=min(take, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))


def _embedding_metric(
    spec: MetricSpec, embedding: np.ndarray, digest: str, label: str, codes: np.ndarray, known: np.ndarray
) -> tuple[float, str | None, int]:
    """``spec`` on the embedding's known-label rows (sampled), once per embedding and label."""
    key = (digest, spec.name, label, embedding_digest(codes))
    found = _embedding_memo.get(key)
    if found is None:
        rows = stratified_sample(codes, EMBEDDING_SAMPLE_SIZE)
        value, reason = _call(spec, embedding[known][rows], codes[rows])
        found = (value, reason, len(rows))
        _embedding_memo[key] = found
        while len(_embedding_memo) > EMBEDDING_MEMO_ENTRIES:
            _embedding_memo.popitem(last=False)
    _embedding_memo.move_to_end(key)
    return found


def known_label_rows(truth: np.ndarray) -> np.ndarray:
    """A boolean mask of the rows whose true label is known (not ``""``, None or NaN)."""
    truth = np.asarray(truth)
    known = ~pd.isna(truth)
    if truth.dtype.kind in "OUST":
        known &= truth != MISSING_LABEL
    return np.asarray(known, dtype=bool)


def _call(spec: MetricSpec, *args: object) -> tuple[float, str | None]:
    try:
        value = float(spec.func(*args))
    except MetricUndefined as exc:
        return math.nan, exc.reason
    except Exception as exc:  # noqa: BLE001 - one broken metric costs only its own figure
        return math.nan, f"the metric {spec.name!r} failed: {type(exc).__name__}: {' '.join(str(exc).split())}"
    if math.isnan(value):
        return value, "the metric is undefined for this partition"
    return value, None


def _check_embedding(dataset: Dataset, embedding: np.ndarray) -> None:
    n = dataset.n_tracks
    if embedding.ndim != 2 or embedding.shape[0] != n:
        raise DataError(f"evaluate: the embedding has shape {embedding.shape}, expected ({n}, d) for {dataset.name!r}.")


def _check_inputs(dataset: Dataset, embedding: np.ndarray, labels: np.ndarray) -> None:
    n = dataset.n_tracks
    if labels.shape != (n,):
        raise DataError(f"evaluate: {labels.shape} cluster labels given for the {n} tracks of {dataset.name!r}.")
    _check_embedding(dataset, embedding)


def embedding_metrics(metrics: Sequence[MetricSpec], dataset: Dataset, embedding: np.ndarray) -> dict[str, MetricValue]:
    """The embedding-scope metrics (the linear probe) of one embedding, keyed by result name.

    They depend on the embedding alone, so the encode task computes them once, in the
    worker that fitted it, and every cell of the embedding stores the same figures
    (computed in each clusterer cell, two workers computed the same probe twice).
    """
    embedding = np.asarray(embedding)
    _check_embedding(dataset, embedding)
    on_embedding = [s for s in metrics if s.scope == "embedding"]
    results: dict[str, MetricValue] = {}
    reason: str | None
    if not on_embedding:
        return results
    digest = embedding_digest(embedding)
    for label, truth in dataset.labels.items():
        known = known_label_rows(truth)
        codes = pd.factorize(np.asarray(truth)[known])[0]
        for spec in on_embedding:
            name = f"{spec.name}[{label}]"
            if not known.any():
                value, reason, n_rows = math.nan, f"no track has a known {label!r} label", 0
            else:
                value, reason, n_rows = _embedding_metric(spec, embedding, digest, label, codes, known)
            results[name] = MetricValue(
                name, spec.name, value, spec.higher_is_better, label=label, reason=reason, n_rows=n_rows
            )
    return results


def evaluate(
    metrics: Sequence[MetricSpec],
    dataset: Dataset,
    embedding: np.ndarray,
    labels: np.ndarray,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    *,
    with_embedding_metrics: bool = True,
) -> dict[str, MetricValue]:
    """Every metric for one cell, keyed by result name.

    Parameters
    ----------
    metrics : sequence of MetricSpec
        The metrics to compute (``registry.metrics()``).
    dataset : Dataset
        Supplies the label columns and the reference space (``dataset.audio``).
    embedding : ndarray of shape (n_tracks, d)
        The encoder's output, the latent space.
    labels : ndarray of shape (n_tracks,)
        Cluster labels; ``-1`` is noise.
    sample_size : int
        Internal metrics on more rows than this use :func:`evaluation_sample`.
    with_embedding_metrics : bool
        Also the embedding-scope metrics (:func:`embedding_metrics`); the runner
        leaves them out when the encode task has computed them.
    """
    labels = np.asarray(labels)
    embedding = np.asarray(embedding)
    _check_inputs(dataset, embedding, labels)
    results: dict[str, MetricValue] = {}
    value: float
    reason: str | None
    external = [s for s in metrics if s.scope == "external"]
    internal = [s for s in metrics if s.scope == "internal"]
    for label, truth in dataset.labels.items():
        known = known_label_rows(truth)
        n_known = int(known.sum())
        # Codes once per column: every external metric then works on integers.
        codes = pd.factorize(np.asarray(truth)[known])[0]
        for spec in external:
            name = f"{spec.name}[{label}]"
            if n_known == 0:
                value, reason = math.nan, f"no track has a known {label!r} label"
            else:
                value, reason = _call(spec, codes, labels[known])
            results[name] = MetricValue(
                name, spec.name, value, spec.higher_is_better, label=label, reason=reason, n_rows=n_known
            )
    if with_embedding_metrics:
        results.update(embedding_metrics(metrics, dataset, embedding))
    if internal:
        rows = evaluation_sample(dataset.n_tracks, sample_size)
        rows = np.arange(dataset.n_tracks) if rows is None else rows
        rows = rows[labels[rows] != NOISE]
        sampled = labels[rows]
        for space, X in (("latent", embedding), ("reference", dataset.audio)):
            points = X[rows]
            for spec in internal:
                name = f"{spec.name}@{space}"
                value, reason = _call(spec, points, sampled)
                results[name] = MetricValue(
                    name, spec.name, value, spec.higher_is_better, space=space, reason=reason, n_rows=len(rows)
                )
    for spec in metrics:
        if spec.scope == "partition":
            value, reason = _call(spec, labels)
            results[spec.name] = MetricValue(spec.name, spec.name, value, spec.higher_is_better, reason=reason)
    return results
