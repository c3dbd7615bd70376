"""Computing every registered metric for one cell (an embedding and its clusters).

Result names say what was measured: ``nmi[genre]`` is an external metric against
the ``genre`` label, ``silhouette@reference`` an internal metric in the dataset's
preprocessed feature space (comparable across encoders), ``silhouette@latent`` the
same in the encoder's own space (not comparable across encoders), and
``n_clusters`` a partition figure.

Noise (label ``-1``) is handled one way everywhere: external metrics count noise as
one more cluster; internal metrics use the non-noise points only; the
``noise_fraction`` figure is always reported beside them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from registry import Dataset, MetricSpec, MetricUndefined

DEFAULT_SAMPLE_SIZE = 10_000
"""Internal metrics on more points than this use a fixed seeded sample."""
SAMPLE_SEED = 20_240_601


@dataclass(frozen=True)
class MetricValue:
    """One computed figure; ``value`` is NaN when undefined, with the reason."""

    name: str
    metric: str
    value: float
    higher_is_better: bool | None
    label: str | None = None
    space: str | None = None
    reason: str | None = None


def evaluation_sample(n_tracks: int, size: int = DEFAULT_SAMPLE_SIZE) -> np.ndarray | None:
    """The rows internal metrics use: all (``None``) or a fixed seeded sample.

    The sample depends only on the dataset's size, so every cell of a dataset is
    measured on the same tracks.
    """
    if n_tracks <= size:
        return None
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(n_tracks, size=size, replace=False))


def _call(spec: MetricSpec, *args: object) -> tuple[float, str | None]:
    try:
        value = float(spec.func(*args))
    except MetricUndefined as exc:
        return math.nan, exc.reason
    if math.isnan(value):
        return value, "the metric is undefined for this partition"
    return value, None


def evaluate(
    metrics: Sequence[MetricSpec],
    dataset: Dataset,
    embedding: np.ndarray,
    labels: np.ndarray,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
) -> dict[str, MetricValue]:
    """Every metric for one cell, keyed by result name."""
    labels = np.asarray(labels)
    rows = evaluation_sample(dataset.n_tracks, sample_size)
    spaces = {"latent": embedding, "reference": dataset.audio}
    results: dict[str, MetricValue] = {}
    for spec in metrics:
        if spec.scope == "external":
            for label, truth in dataset.labels.items():
                value, reason = _call(spec, truth, labels)
                name = f"{spec.name}[{label}]"
                results[name] = MetricValue(name, spec.name, value, spec.higher_is_better, label=label, reason=reason)
        elif spec.scope == "internal":
            sampled = labels if rows is None else labels[rows]
            for space, X in spaces.items():
                X = X if rows is None else X[rows]
                value, reason = _call(spec, X, sampled)
                name = f"{spec.name}@{space}"
                results[name] = MetricValue(name, spec.name, value, spec.higher_is_better, space=space, reason=reason)
        else:
            value, reason = _call(spec, labels)
            results[spec.name] = MetricValue(spec.name, spec.name, value, spec.higher_is_better, reason=reason)
    return results
