"""An entry's parameters as its estimator is built with them: the one resolution.

The runner, ``bench plugins check``, :mod:`musicbench.testing` and the tests all
resolve parameters here, so a cell's recorded parameters are exactly the ones the
estimator was built with. Which value wins is said once, in :mod:`musicbench.info`
("Which defaults win"); this module is that text as code.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from musicbench.core import PluginEntry
from musicbench.errors import ConfigError, DataError
from musicbench.info import ClustererInfo

SEED_PARAM = "random_state"
"""The parameter the runner sets to each cell's seed."""


def accepted_params(factory: Callable[..., Any]) -> list[str]:
    """The keyword parameters ``factory`` (a class or function) accepts."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [n for n, p in signature.parameters.items() if p.kind in kinds and n != "self"]


def check_params(kind: str, name: str, factory: Callable[..., Any], params: Mapping[str, Any]) -> None:
    """Refuse parameters ``factory`` does not take, and a user's seed, before any work starts.

    An encoder's or clusterer's ``random_state`` is the cell's seed: a cell records
    it, so a user value would make every seed the same cell while recording
    different seeds. Seeds are chosen with ``--seeds`` or ``seeds =`` instead.
    """
    accepted = accepted_params(factory)
    if kind in ("encoder", "clusterer") and SEED_PARAM in params and SEED_PARAM in accepted:
        option = "-E" if kind == "encoder" else "-C"
        raise ConfigError(
            f"The {kind} {name!r}: {SEED_PARAM} is set by the run, to each seed in turn, and recorded with "
            f"every cell; it cannot be a parameter ({option} {name}.{SEED_PARAM}, [{kind}s.{name}]). "
            "Choose the seeds with --seeds N or `seeds = [0, 1, 2]` in the config file."
        )
    if not accepted:
        return
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ConfigError(
            f"The {kind} {name!r} has no parameter(s) {', '.join(unknown)}. It accepts: {', '.join(sorted(accepted))}."
        )


def resolve_encoder_params(
    entry: PluginEntry, params: Mapping[str, Any], seed: int, n_clusters: int | None = None
) -> dict[str, Any]:
    """Registered defaults, updated by ``params``, with ``random_state`` set to ``seed``.

    An encoder that also clusters (it takes ``n_clusters``, like VaDE) gets the
    dataset's cluster count unless ``params`` sets one, exactly as clusterers do.
    ``params`` may not set ``random_state`` (:func:`check_params`).
    """
    check_params("encoder", entry.name, entry.factory, params)
    accepted = accepted_params(entry.factory)
    resolved = dict(entry.defaults)
    if n_clusters is not None and "n_clusters" in accepted:
        resolved["n_clusters"] = n_clusters
    resolved.update(params)
    if SEED_PARAM in accepted:
        resolved[SEED_PARAM] = seed
    return resolved


def resolve_clusterer_params(
    entry: PluginEntry, params: Mapping[str, Any], n_samples: int, n_clusters: int, seed: int
) -> dict[str, Any]:
    """Defaults, then the cluster count and ``auto_params``, then ``params``, then the seed.

    The cluster-count parameter is the entry's ``n_clusters_param`` info (default
    ``n_clusters``, or ``n_components`` for mixtures). A clusterer whose info has
    ``auto_params(n_samples, n_clusters) -> dict`` (density parameters) gets those
    for any key the user did not set. ``params`` may not set ``random_state``
    (:func:`check_params`).
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
    resolved.update(params)
    if SEED_PARAM in accepted:
        resolved[SEED_PARAM] = seed
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
