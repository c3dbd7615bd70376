"""Building encoders and clusterers from registry entries, the one way everywhere.

The runner, ``bench plugins check`` and the tests all build estimators here, so a
cell's recorded parameters are exactly the ones the estimator was built with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from musicbench import Clusterer, ClustererInfo, Encoder, EncoderInfo, PluginEntry
from musicbench.benchmark.planning.params import accepted_params, check_params
from musicbench.errors import DataError

DEFAULT_MEMORY_BUDGET = 8 * 1024**3
"""Bytes a clusterer may plan to use before it is skipped (a 24 GB machine runs
two jobs and the embeddings beside it)."""


def resolve_encoder_params(
    entry: PluginEntry, params: Mapping[str, Any], seed: int, n_clusters: int | None = None
) -> dict[str, Any]:
    """Registered defaults, updated by ``params``, with ``random_state`` set to ``seed``.

    An encoder that also clusters (it takes ``n_clusters``, like VaDE) gets the
    dataset's cluster count unless ``params`` sets one, exactly as clusterers do.
    """
    check_params("encoder", entry.name, entry.factory, params)
    accepted = accepted_params(entry.factory)
    resolved = dict(entry.defaults)
    if n_clusters is not None and "n_clusters" in accepted:
        resolved["n_clusters"] = n_clusters
    resolved.update(params)
    if "random_state" in accepted:
        resolved["random_state"] = seed
    return resolved


def resolve_clusterer_params(
    entry: PluginEntry, params: Mapping[str, Any], n_samples: int, n_clusters: int, seed: int
) -> dict[str, Any]:
    """Defaults, then ``params``; the cluster count and seed fill what is left unset.

    The cluster-count parameter is the entry's ``n_clusters_param`` info (default
    ``n_clusters``, or ``n_components`` for mixtures). A clusterer whose info has
    ``auto_params(n_samples, n_clusters) -> dict`` (density parameters) gets those
    for any key the user did not set.
    """
    check_params("clusterer", entry.name, entry.factory, params)
    if n_clusters > n_samples:
        raise DataError(
            f"Cannot make {n_clusters} clusters of {n_samples} rows: the dataset has fewer "
            "rows than clusters. Load more rows or set a smaller n_clusters."
        )
    accepted = accepted_params(entry.factory)
    resolved = dict(entry.defaults)
    info = entry.info
    assert isinstance(info, ClustererInfo), f"{entry.name} is a {entry.kind}, not a clusterer"
    count_param = info.n_clusters_param
    if count_param is None:
        count_param = next((p for p in ("n_clusters", "n_components") if p in accepted), None)
    if count_param and count_param in accepted:
        resolved[count_param] = n_clusters
    if info.auto_params is not None:
        resolved.update(info.auto_params(n_samples, n_clusters))
    if "random_state" in accepted:
        resolved["random_state"] = seed
    resolved.update(params)
    chosen = resolved.get(count_param) if count_param else None
    if isinstance(chosen, int) and not isinstance(chosen, bool) and chosen < 1:
        # An unlabelled dataset (a folder of audio without genre folders) has no class
        # count to default to: without this, scikit-learn's "Got 0 instead" reached the user.
        raise DataError(
            f"{entry.name}: {count_param}={chosen} is not a cluster count. The dataset has no labels to take "
            f"the number of clusters from: set it, e.g. -C {entry.name}.{count_param}=8."
        )
    if isinstance(chosen, int) and not isinstance(chosen, bool) and chosen > n_samples:
        raise DataError(
            f"{entry.name}: cannot make {chosen} clusters of {n_samples} rows ({count_param}={chosen} "
            "is set). Load more rows or set a smaller value."
        )
    return resolved


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
