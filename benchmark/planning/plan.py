"""Turning a :class:`RunConfig` into cells, checking everything before work starts.

A cell is (dataset, encoder + parameters, clusterer + parameters, seed). Cells that
share an encoder, its parameters and the seed share one embedding (one fit), keyed
by :func:`benchmark.cache.embedding_key`. Building the plan instantiates every
estimator once (``__init__`` only stores parameters, so this is cheap) to reject
unknown parameters and, for estimators that declare them (scikit-learn's
``_parameter_constraints``), bad values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from musicbench import Dataset, PluginEntry, Registry
from musicbench.benchmark.planning.config import OWN, RunConfig, expand, to_grid
from musicbench.benchmark.planning.factories import DEFAULT_MEMORY_BUDGET, size_skip_reason, skip_reason
from musicbench.benchmark.results.cache import embedding_key
from musicbench.contracts import missing_modalities
from musicbench.errors import ConfigError
from musicbench.hashing import digest, package_versions
from musicbench.resolution import resolve_clusterer_params, resolve_encoder_params

CELL_FORMAT = 1


@dataclass(frozen=True)
class EmbeddingSpec:
    """One encoder fit: the encoder, its parameters and the seed."""

    encoder: str
    args: dict[str, Any]
    params: dict[str, Any]
    seed: int
    key: str
    skip_reason: str | None = None
    clusters_itself: bool = False


@dataclass(frozen=True)
class Cell:
    """One benchmark cell: an embedding, a clusterer and its parameters."""

    embedding: EmbeddingSpec
    clusterer: str
    args: dict[str, Any]
    params: dict[str, Any]
    key: str
    config_id: str
    skip_reason: str | None = None

    @property
    def seed(self) -> int:
        return self.embedding.seed

    def describe(self) -> str:
        enc = _label(self.embedding.encoder, self.embedding.args)
        return f"{enc} x {_label(self.clusterer, self.args)} (seed {self.seed})"


@dataclass
class Plan:
    """Every cell of a run, in a stable order."""

    dataset: Dataset
    config: RunConfig
    cells: list[Cell] = field(default_factory=list)

    def embeddings(self) -> dict[str, EmbeddingSpec]:
        return {c.embedding.key: c.embedding for c in self.cells}


def _label(name: str, args: Mapping[str, Any]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(args.items()))
    return f"{name}({shown})" if shown else name


def effective_params(estimator: Any, params: Mapping[str, Any]) -> dict[str, Any]:
    """Every parameter the estimator was built with, its class defaults included.

    Keys hash these, not only the parameters a user gave: a default changed in a new
    version of a plugin then misses the cache instead of returning stale vectors.
    """
    get_params = getattr(estimator, "get_params", None)
    # An encoder that reads a file of its own (precomputed) adds the file's hash.
    fingerprint = getattr(estimator, "input_fingerprint", None)
    extra = fingerprint() if callable(fingerprint) else {}
    return {**(get_params(deep=False) if callable(get_params) else {}), **params, **extra}


def _instantiate(kind: str, entry: PluginEntry, params: Mapping[str, Any]) -> Any:
    """Build the estimator to prove its parameters are acceptable; return it."""
    try:
        estimator = entry.factory(**params)
    except TypeError as exc:
        raise ConfigError(f"The {kind} {entry.name!r} cannot be built with {dict(params)}: {exc}.") from None
    validate = getattr(estimator, "_validate_params", None)
    if callable(validate) and getattr(estimator, "_parameter_constraints", None):
        try:
            validate()
        except (ValueError, TypeError) as exc:  # sklearn's InvalidParameterError is both
            raise ConfigError(f"Bad parameter value for the {kind} {entry.name!r}: {exc}") from None
    return estimator


def cell_key(embedding: EmbeddingSpec, clusterer: str, params: Mapping[str, Any], plugin_version: str) -> str:
    """sha256 over the embedding key, the clusterer, its parameters and version."""
    return digest("musicbench-cell", CELL_FORMAT, embedding.key, clusterer, dict(params), plugin_version)


def config_id(dataset: Dataset, embedding: EmbeddingSpec, clusterer: str, params: Mapping[str, Any]) -> str:
    """Like :func:`cell_key` without versions: the same cell across upgrades.

    Leaderboards keep the newest row of each ``config_id``.
    """
    return digest(
        "musicbench-config",
        dataset.fingerprint,
        embedding.encoder,
        embedding.params,
        clusterer,
        dict(params),
        embedding.seed,
    )


def _embedding_specs(
    registry: Registry, config: RunConfig, dataset: Dataset, name: str, threads: int = 1
) -> list[EmbeddingSpec]:
    entry = registry.get("encoder", name)
    # More than one BLAS/torch thread reduces sums in another order, which can change
    # the last bits of a fit (and, through training, more): a run with other threads
    # has other embeddings. The default (1) adds nothing, so earlier keys still match.
    versions = package_versions() if threads == 1 else {**package_versions(), "threads": str(threads)}
    specs = []
    for args in expand(to_grid(entry, config.encoders[name])):
        for seed in config.seeds:
            resolved = resolve_encoder_params(entry, args, seed, n_clusters=dataset.n_classes())
            encoder = _instantiate("encoder", entry, resolved)
            params = effective_params(encoder, resolved)
            missing = missing_modalities(encoder, dataset)
            reason = size_skip_reason(entry, params, dataset.n_tracks)
            if missing:
                reason = (
                    f"{name} needs the {', '.join(missing)} modality, which the dataset "
                    f"{dataset.name!r} lacks (it has {', '.join(dataset.modalities)})"
                )
            if getattr(entry.info, "needs_user_file", False) and params.get("path") is None:
                # `--all` takes it too: without its file it has nothing to read, which is not a failure.
                reason = f"{name} reads a file of yours: give it with -E {name}.path=FILE"
            key = embedding_key(dataset.fingerprint, name, params, seed, entry.source.version, versions)
            own = callable(getattr(encoder, "predict", None))
            specs.append(EmbeddingSpec(name, dict(args), params, seed, key, reason, own))
    return specs


def make_plan(registry: Registry, config: RunConfig, dataset: Dataset, threads: int = 1) -> Plan:
    """Every cell of ``config`` on ``dataset``; raises before any work on bad input.

    ``threads`` is the BLAS/torch thread count of each worker: it is part of every
    embedding's key (and so of every cell's) when it is not 1.
    """
    plan = Plan(dataset=dataset, config=config)
    n, k = dataset.n_tracks, dataset.n_classes()
    budget = config.memory_budget or DEFAULT_MEMORY_BUDGET
    clusterer_points: dict[str, list[dict[str, Any]]] = {
        name: expand(to_grid(registry.get("clusterer", name), grid))
        for name, grid in config.clusterers.items()
        if name != OWN
    }
    for name in config.encoders:
        for spec in _embedding_specs(registry, config, dataset, name, threads):
            for clusterer, points in clusterer_points.items():
                entry = registry.get("clusterer", clusterer)
                for args in points:
                    resolved = resolve_clusterer_params(entry, args, n, k, spec.seed)
                    params = effective_params(_instantiate("clusterer", entry, resolved), resolved)
                    # The embedding's width is unknown before fitting; the feature count
                    # stands in for it (memory plans are driven by the row count).
                    skip = spec.skip_reason or skip_reason(entry, params, n, dataset.audio.shape[1], budget)
                    key = cell_key(spec, clusterer, params, entry.source.version)
                    plan.cells.append(
                        Cell(
                            spec, clusterer, dict(args), params, key, config_id(dataset, spec, clusterer, params), skip
                        )
                    )
            if spec.clusters_itself and OWN in config.clusterers:
                key = cell_key(spec, OWN, {}, registry.get("encoder", name).source.version)
                plan.cells.append(Cell(spec, OWN, {}, {}, key, config_id(dataset, spec, OWN, {}), spec.skip_reason))
    if not plan.cells:
        raise ConfigError("The run has no cells: select at least one encoder and one clusterer.")
    return plan
