"""Plugin contract checks (``bench plugins check`` and the contract tests).

Each check builds the plugin as the runner would, runs it on a tiny synthetic
dataset and returns the problems it found. The same functions back the test suite,
so a third-party plugin that passes ``bench plugins check`` passes our contract.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from sklearn.base import clone

from musicbench.benchmark.factories import resolve_clusterer_params, resolve_encoder_params
from musicbench import MISSING_LABEL, Dataset, MetricUndefined, MusicbenchError, PluginEntry, Registry, clusterer_input
from musicbench.contracts import missing_modalities

Status = Literal["pass", "fail", "skip"]
CHECK_TRACKS = 240


@dataclass(frozen=True)
class CheckResult:
    kind: str
    name: str
    status: Status
    detail: str = ""


def tiny_dataset(registry: Registry, n_tracks: int = CHECK_TRACKS, seed: int = 0) -> Dataset:
    """A small synthetic dataset with every modality."""
    return registry.get("dataset", "synthetic").create(n_tracks=n_tracks, seed=seed, lyrics_words=12).load()


def without_texts(dataset: Dataset) -> Dataset:
    """The same dataset with every text modality emptied."""
    empty = {k: np.full(dataset.n_tracks, MISSING_LABEL, dtype=object) for k in dataset.texts}
    return replace(dataset, texts=empty)


def _fit_transform(entry: PluginEntry, dataset: Dataset, seed: int) -> np.ndarray:
    params = resolve_encoder_params(entry, entry.meta.get("check_params", {}), seed)
    encoder = entry.factory(**params)
    fitted = encoder.fit(dataset)
    if fitted is not encoder:
        raise AssertionError("fit must return self")
    return encoder.transform(dataset)


def check_encoder(entry: PluginEntry, dataset: Dataset) -> list[str]:
    """Shape, dtype, finiteness, determinism, clone; refusal of a missing modality, NaNs and zero rows."""
    problems: list[str] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Z = _fit_transform(entry, dataset, seed=0)
        if not isinstance(Z, np.ndarray) or Z.ndim != 2 or Z.shape[0] != dataset.n_tracks:
            return [f"transform must return an (n_tracks, d) array, got {getattr(Z, 'shape', type(Z))}"]
        if Z.dtype != np.float32:
            problems.append(f"transform must return float32, got {Z.dtype}")
        if not np.isfinite(Z).all():
            problems.append("transform returned non-finite values")
        if not np.array_equal(Z, _fit_transform(entry, dataset, seed=0)):
            problems.append("two fits with the same random_state gave different embeddings")
        encoder = entry.factory(**resolve_encoder_params(entry, {}, 0))
        if clone(encoder).get_params() != encoder.get_params():
            problems.append("clone() does not reproduce get_params()")
        text_free = without_texts(dataset)
        if missing_modalities(encoder, text_free):
            try:
                encoder.fit(text_free)
                problems.append("fit accepted a dataset that lacks a modality it requires")
            except MusicbenchError:
                pass
        bad = replace(dataset, audio=np.where(np.arange(dataset.n_tracks)[:, None] == 3, np.nan, dataset.audio).astype(np.float32))
        try:
            entry.factory(**resolve_encoder_params(entry, entry.meta.get("check_params", {}), 0)).fit(bad)
            problems.append("fit accepted NaN features instead of refusing them clearly")
        except MusicbenchError:
            pass
        try:
            entry.factory(**resolve_encoder_params(entry, entry.meta.get("check_params", {}), 0)).fit(dataset.subset(np.arange(0)))
            problems.append("fit accepted a dataset with zero rows instead of refusing it clearly")
        except MusicbenchError:
            pass
    return problems


def check_clusterer(entry: PluginEntry, dataset: Dataset) -> list[str]:
    """Integer labels of the right length, noise as -1, deterministic under a seed,
    clonable, and ``fitted_params_`` (if any) a dict."""
    X = clusterer_input(dataset.audio)
    k = dataset.n_classes()
    params = resolve_clusterer_params(entry, {}, X.shape[0], k, seed=0)

    def run() -> tuple[object, np.ndarray]:
        clusterer = entry.factory(**params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return clusterer, np.asarray(clusterer.fit_predict(X))

    clusterer, labels = run()
    problems = []
    if labels.shape != (X.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        problems.append(f"fit_predict must return n integer labels, got {labels.dtype} {labels.shape}")
    elif labels.min() < -1:
        problems.append("labels below -1 (only -1 may mark noise)")
    elif not np.array_equal(labels, run()[1]):
        problems.append("two runs with the same random_state gave different labels")
    fresh = entry.factory(**params)
    # repr, not ==: parameters such as hdbscan's joblib Memory() are equal but not ==
    if repr(clone(fresh).get_params()) != repr(fresh.get_params()):
        problems.append("clone() does not reproduce get_params()")
    if not isinstance(getattr(clusterer, "fitted_params_", {}), dict):
        problems.append("fitted_params_ must be a dict of the parameters chosen in fit")
    return problems


def check_metric(entry: PluginEntry, dataset: Dataset) -> list[str]:
    """A float (or MetricUndefined) on a real partition, the same after renaming the
    clusters, and no exception but MetricUndefined on a single cluster."""
    spec = entry.metric_spec()
    k = dataset.n_classes()
    pred = np.arange(dataset.n_tracks) % k

    def call(labels: np.ndarray) -> float | None:
        if spec.scope == "external":
            truth = dataset.labels[dataset.primary_label]
            return spec.func(truth, labels)
        if spec.scope == "internal":
            return spec.func(dataset.audio, labels)
        return spec.func(labels)

    try:
        value = call(pred)
    except MetricUndefined:
        return []
    if not isinstance(value, (float, int, np.floating, np.integer)):
        return [f"returned {type(value).__name__}, expected a float"]
    problems = []
    renamed = call((pred + 1) % k * 7)  # the same partition under other cluster ids
    if not np.isclose(float(renamed), float(value), rtol=1e-9, atol=1e-12, equal_nan=True):
        problems.append(f"renaming the clusters changed the value ({value} -> {renamed})")
    try:
        call(np.zeros(dataset.n_tracks, dtype=int))
    except MetricUndefined:
        pass
    return problems


def check_dataset(entry: PluginEntry, dataset: Dataset) -> list[str]:
    """The loader loads with its defaults into a valid Dataset (skipped without a file)."""
    loaded = entry.create().load()
    if not isinstance(loaded, Dataset):
        return [f"load() returned {type(loaded).__name__}, expected a Dataset"]
    if loaded.audio.dtype != np.float32:
        return [f"audio must be float32, got {loaded.audio.dtype}"]
    if len(loaded.fingerprint) != 64:
        return ["fingerprint must be a sha256 hex digest"]
    return []


CHECKS: dict[str, Callable[[PluginEntry, Dataset], list[str]]] = {
    "dataset": check_dataset,
    "encoder": check_encoder,
    "clusterer": check_clusterer,
    "metric": check_metric,
}


def run_check(entry: PluginEntry, dataset: Dataset) -> CheckResult:
    """Run the contract check of ``entry``'s kind; exceptions are failures."""
    try:
        problems = CHECKS[entry.kind](entry, dataset)
    except MusicbenchError as exc:
        if entry.kind == "dataset" or entry.meta.get("needs_user_file"):
            return CheckResult(entry.kind, entry.name, "skip", str(exc))
        return CheckResult(entry.kind, entry.name, "fail", str(exc))
    except Exception as exc:
        return CheckResult(entry.kind, entry.name, "fail", f"{type(exc).__name__}: {exc}")
    if problems:
        return CheckResult(entry.kind, entry.name, "fail", "; ".join(problems))
    return CheckResult(entry.kind, entry.name, "pass")
