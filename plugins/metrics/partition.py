"""Partition figures: what the clusterer found, whatever its quality.

Each is ``f(labels) -> float``; noise is ``-1``.
"""

from __future__ import annotations

import numpy as np

from musicbench import MetricUndefined


def _labels(labels: object) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.size == 0:
        raise MetricUndefined("no points")
    return labels


def n_clusters(labels: object) -> float:
    """The number of clusters found, noise excluded (0 when everything is noise)."""
    labels = _labels(labels)
    return float(np.unique(labels[labels != -1]).size)


def noise_fraction(labels: object) -> float:
    """The fraction of points labelled noise (-1)."""
    return float(np.mean(_labels(labels) == -1))
