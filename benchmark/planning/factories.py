"""Building encoders and clusterers from resolved parameters, and when to skip them.

Parameters are resolved next to the registry (:mod:`musicbench.resolution`); this
module builds the estimators from them and holds the size and memory skip rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from musicbench import Clusterer, ClustererInfo, Encoder, EncoderInfo, PluginEntry

DEFAULT_MEMORY_BUDGET = 8 * 1024**3
"""Bytes a clusterer may plan to use before it is skipped (a 24 GB machine runs
two jobs and the embeddings beside it)."""


def memory_skip_reason(
    entry: PluginEntry, params: Mapping[str, Any], n_samples: int, n_features: int, budget: int
) -> str | None:
    """Why a clusterer must be skipped for memory, or ``None`` if it fits.

    A clusterer's info may carry ``memory_bytes(n_samples, n_features, params)``, its
    planned peak; one without it is assumed to fit.
    """
    estimate = getattr(entry.info, "memory_bytes", None)
    if estimate is None:
        return None
    needed = int(estimate(n_samples, n_features, params))
    if needed <= budget:
        return None
    return (
        f"{entry.name} would need about {needed / 1024**3:.1f} GiB for {n_samples:,} rows, "
        f"over the memory budget of {budget / 1024**3:.1f} GiB"
    )


def size_skip_reason(entry: PluginEntry, params: Mapping[str, Any], n_samples: int) -> str | None:
    """Why an encoder or clusterer must be skipped for time, or ``None`` if the input
    is small enough.

    An entry's info may carry ``max_samples(params) -> (limit, why)``: above
    ``limit`` rows (``None``: no limit) it would run for hours (an O(n^2)-time
    algorithm), and ``why`` says so.
    """
    rule = getattr(entry.info, "max_samples", None)  # encoders and clusterers have one
    if rule is None:
        return None
    limit, why = rule(params)
    if limit is None or n_samples <= limit:
        return None
    return f"{entry.name} is skipped above {limit:,} rows ({n_samples:,} given): {why}"


def skip_reason(
    entry: PluginEntry,
    params: Mapping[str, Any],
    n_samples: int,
    n_features: int,
    budget: int = DEFAULT_MEMORY_BUDGET,
) -> str | None:
    """The size rule, then the memory rule: why to skip a clusterer before fitting.

    A clusterer that can only tell from the data (DBSCAN's neighbourhoods) raises
    :class:`musicbench.errors.ResourceLimitError` from ``fit`` instead; record both
    as ``skipped`` with the message as the reason.
    """
    return size_skip_reason(entry, params, n_samples) or memory_skip_reason(
        entry, params, n_samples, n_features, budget
    )


def fitted_params(estimator: Any) -> dict[str, Any]:
    """Parameters a clusterer chose while fitting (DBSCAN's ``eps``), to record.

    Built-in wrappers expose them as ``fitted_params_``; others have none.
    """
    return dict(getattr(estimator, "fitted_params_", None) or {})


def build_encoder(entry: PluginEntry, resolved: Mapping[str, Any]) -> Encoder:
    """The encoder of ``entry`` built with fully resolved parameters (no defaults added).

    The return type is the :class:`musicbench.Encoder` protocol the runner relies on.
    """
    assert isinstance(entry.info, EncoderInfo), f"{entry.name} is a {entry.kind}, not an encoder"
    encoder: Encoder = entry.factory(**resolved)
    return encoder


def build_clusterer(entry: PluginEntry, resolved: Mapping[str, Any]) -> Clusterer:
    """The clusterer of ``entry`` built with fully resolved parameters."""
    assert isinstance(entry.info, ClustererInfo), f"{entry.name} is a {entry.kind}, not a clusterer"
    clusterer: Clusterer = entry.factory(**resolved)
    return clusterer
