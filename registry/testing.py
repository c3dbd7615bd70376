"""Contract checks for plugins, for ``bench plugins check`` and for pytest.

Every check builds a plugin's entry as the runner would, runs it on a tiny synthetic
dataset, and raises :class:`ContractError` (an ``AssertionError``) saying what is
wrong. The same checks back ``bench plugins check``, musicbench's own contract test
and a plugin author's test, which is three lines::

    from musicbench.testing import parametrize_with_checks

    @parametrize_with_checks(["my-encoder"])
    def test_contract(entry, check):
        check(entry)

Like scikit-learn's ``parametrize_with_checks``, each (entry, check) pair is one test
with an id such as ``encoder:my-encoder-check_encoder_output``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from musicbench.contracts import AUDIO, MISSING_LABEL, Dataset, MetricUndefined, clusterer_input, missing_modalities
from musicbench.core import KINDS, PluginEntry, Registry, build_registry
from musicbench.errors import MusicbenchError
from musicbench.info import ClustererInfo, DatasetInfo, EncoderInfo
from musicbench.resolution import resolve_clusterer_params, resolve_encoder_params

if TYPE_CHECKING:
    import pytest

Status = Literal["pass", "fail", "skip"]
CHECK_TRACKS = 240
Check = Callable[[PluginEntry, Dataset], None]


class ContractError(AssertionError):
    """A plugin that breaks the contract; the message says how."""


class CheckSkipped(Exception):
    """A check that cannot run here (a dataset loader whose file is not given)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of every check of one entry."""

    kind: str
    name: str
    status: Status
    detail: str = ""


def tiny_dataset(registry: Registry | None = None, n_tracks: int = CHECK_TRACKS, seed: int = 0) -> Dataset:
    """A small synthetic dataset with every modality (the built-in ``synthetic`` loader)."""
    if registry is not None and "synthetic" in registry.names("dataset"):
        return registry.get("dataset", "synthetic").create(n_tracks=n_tracks, seed=seed, lyrics_words=12).load()
    return _default_dataset(n_tracks, seed)


@functools.lru_cache(maxsize=2)
def _default_dataset(n_tracks: int, seed: int) -> Dataset:
    from musicbench.plugins.datasets.synthetic import SyntheticDataset

    return SyntheticDataset(n_tracks=n_tracks, seed=seed, lyrics_words=12).load()


def without_texts(dataset: Dataset) -> Dataset:
    """The same dataset with every text modality emptied."""
    empty = {k: np.full(dataset.n_tracks, MISSING_LABEL, dtype=object) for k in dataset.texts}
    return replace(dataset, texts=empty)


def _fail(message: str) -> None:
    raise ContractError(message)


# -- encoders -----------------------------------------------------------------------
def _encoder(entry: PluginEntry, seed: int = 0) -> Any:
    info = entry.info
    assert isinstance(info, EncoderInfo)
    if info.needs_user_file and not info.check_params:
        # Its input is a file of the user's, made for the user's dataset: nothing generic
        # to fit on here (tests/plugins/encoders/test_precomputed.py holds it to the contract).
        raise CheckSkipped(f"{entry.name} reads a file of yours: pass it as a parameter to check it")
    return entry.factory(**resolve_encoder_params(entry, info.check_params, seed))


def _fit_transform(entry: PluginEntry, dataset: Dataset, seed: int) -> np.ndarray:
    encoder = _encoder(entry, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if encoder.fit(dataset) is not encoder:
            _fail("fit must return self")
        return encoder.transform(dataset)


def check_encoder_declared_modalities(entry: PluginEntry, dataset: Dataset) -> None:
    """Modalities said at registration (``modalities=``) are the factory's ``required_modalities``."""
    info = entry.info
    assert isinstance(info, EncoderInfo)
    if info.modalities is None:
        return
    actual = tuple(getattr(entry.factory, "required_modalities", (AUDIO,)))
    if tuple(info.modalities) != actual:
        _fail(f"registered with modalities={info.modalities!r} but its required_modalities are {actual!r}")


def check_encoder_output(entry: PluginEntry, dataset: Dataset) -> None:
    """``transform`` gives a finite float32 ``(n_tracks, d)`` matrix, the same for the same seed."""
    Z = _fit_transform(entry, dataset, seed=0)
    if not isinstance(Z, np.ndarray) or Z.ndim != 2 or Z.shape[0] != dataset.n_tracks:
        _fail(f"transform must return an (n_tracks, d) array, got {getattr(Z, 'shape', type(Z))}")
    problems = []
    if Z.dtype != np.float32:
        problems.append(f"transform must return float32, got {Z.dtype}")
    if not np.isfinite(Z).all():
        problems.append("transform returned non-finite values")
    if not np.array_equal(Z, _fit_transform(entry, dataset, seed=0)):
        problems.append("two fits with the same random_state gave different embeddings")
    if problems:
        _fail("; ".join(problems))


def check_encoder_clone(entry: PluginEntry, dataset: Dataset) -> None:
    """``sklearn.base.clone`` reproduces ``get_params()`` (``__init__`` only stores)."""
    from sklearn.base import clone

    encoder = _encoder(entry)
    if clone(encoder).get_params() != encoder.get_params():
        _fail("clone() does not reproduce get_params()")


def check_encoder_refuses_bad_input(entry: PluginEntry, dataset: Dataset) -> None:
    """A missing modality, NaN features and zero rows are refused with a MusicbenchError."""
    problems = []
    text_free = without_texts(dataset)
    nan_row = np.arange(dataset.n_tracks)[:, None] == 3
    cases = [
        (
            "fit accepted NaN features instead of refusing them clearly",
            replace(dataset, audio=np.where(nan_row, np.nan, dataset.audio).astype(np.float32)),
        ),
        ("fit accepted a dataset with zero rows instead of refusing it clearly", dataset.subset(np.arange(0))),
    ]
    if missing_modalities(_encoder(entry), text_free):
        cases.insert(0, ("fit accepted a dataset that lacks a modality it requires", text_free))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for problem, bad in cases:
            try:
                _encoder(entry).fit(bad)
                problems.append(problem)
            except MusicbenchError:
                pass
    if problems:
        _fail("; ".join(problems))


def check_encoder_own_clusters(entry: PluginEntry, dataset: Dataset) -> None:
    """An encoder registered with ``clusters=True`` has ``predict`` giving n integer labels."""
    info = entry.info
    assert isinstance(info, EncoderInfo)
    encoder = _encoder(entry)
    has_predict = callable(getattr(encoder, "predict", None))
    if not info.clusters:
        if has_predict:
            _fail("the encoder has predict(): register it with clusters=True so its own clustering is a cell")
        return
    if not has_predict:
        _fail("registered with clusters=True but has no predict(dataset)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = np.asarray(encoder.fit(dataset).predict(dataset))
    if labels.shape != (dataset.n_tracks,) or not np.issubdtype(labels.dtype, np.integer):
        _fail(f"predict must return n integer labels, got {labels.dtype} {labels.shape}")


# -- clusterers ---------------------------------------------------------------------
def _clusterer_run(entry: PluginEntry, dataset: Dataset) -> tuple[Any, np.ndarray]:
    info = entry.info
    assert isinstance(info, ClustererInfo)
    X = clusterer_input(dataset.audio)
    params = resolve_clusterer_params(entry, info.check_params, X.shape[0], dataset.n_classes(), seed=0)
    clusterer = entry.factory(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clusterer, np.asarray(clusterer.fit_predict(X))


def check_clusterer_labels(entry: PluginEntry, dataset: Dataset) -> None:
    """n integer labels, noise only as -1, the same for the same seed; ``fitted_params_`` a dict."""
    clusterer, labels = _clusterer_run(entry, dataset)
    if labels.shape != (dataset.n_tracks,) or not np.issubdtype(labels.dtype, np.integer):
        _fail(f"fit_predict must return n integer labels, got {labels.dtype} {labels.shape}")
    if labels.min() < -1:
        _fail("labels below -1 (only -1 may mark noise)")
    if not np.array_equal(labels, _clusterer_run(entry, dataset)[1]):
        _fail("two runs with the same random_state gave different labels")
    if not isinstance(getattr(clusterer, "fitted_params_", {}), dict):
        _fail("fitted_params_ must be a dict of the parameters chosen in fit")


def check_clusterer_clone(entry: PluginEntry, dataset: Dataset) -> None:
    """``clone`` reproduces ``get_params()``."""
    from sklearn.base import clone

    params = resolve_clusterer_params(entry, {}, dataset.n_tracks, dataset.n_classes(), seed=0)
    fresh = entry.factory(**params)
    # repr, not ==: parameters such as hdbscan's joblib Memory() are equal but not ==
    if repr(clone(fresh).get_params()) != repr(fresh.get_params()):
        _fail("clone() does not reproduce get_params()")


# -- metrics ------------------------------------------------------------------------
def _metric_call(entry: PluginEntry, dataset: Dataset, labels: np.ndarray) -> Any:
    spec = entry.metric_spec()
    if spec.scope == "external":
        return spec.func(dataset.labels[dataset.primary_label], labels)
    if spec.scope == "internal":
        return spec.func(dataset.audio, labels)
    if spec.scope == "embedding":  # no clusters: the features stand in for an embedding
        return spec.func(dataset.audio, dataset.labels[dataset.primary_label])
    return spec.func(labels)


def check_metric_value(entry: PluginEntry, dataset: Dataset) -> None:
    """A float (or MetricUndefined), unchanged when the clusters are renamed."""
    k = dataset.n_classes()
    pred = np.arange(dataset.n_tracks) % k
    try:
        value = _metric_call(entry, dataset, pred)
    except MetricUndefined:
        return
    if not isinstance(value, (float, int, np.floating, np.integer)) or isinstance(value, bool):
        _fail(f"returned {type(value).__name__}, expected a float")
    renamed = _metric_call(entry, dataset, (pred + 1) % k * 7)  # the same partition under other ids
    if not np.isclose(float(renamed), float(value), rtol=1e-9, atol=1e-12, equal_nan=True):
        _fail(f"renaming the clusters changed the value ({value} -> {renamed})")


def check_metric_single_cluster(entry: PluginEntry, dataset: Dataset) -> None:
    """One cluster gives a value or MetricUndefined, never another exception."""
    try:
        _metric_call(entry, dataset, np.zeros(dataset.n_tracks, dtype=int))
    except MetricUndefined:
        pass


def check_metric_contingency(entry: PluginEntry, dataset: Dataset) -> None:
    """A declared contingency-table form gives what the metric gives, one score per table."""
    try:
        form = entry.contingency_form()
    except MusicbenchError as exc:
        _fail(str(exc))
    if form is None:
        return
    truth = np.asarray(dataset.labels[dataset.primary_label])
    known = truth != MISSING_LABEL
    classes = np.unique(truth[known], return_inverse=True)[1].ravel()
    k = dataset.n_classes()
    rng = np.random.default_rng(0)
    for pred in (np.arange(known.sum()) % k, rng.integers(0, k + 2, known.sum())):
        try:
            expected = float(entry.metric_spec().func(truth[known], pred))
        except MetricUndefined:
            continue
        table = np.zeros((classes.max() + 1, pred.max() + 1))
        np.add.at(table, (classes, pred), 1)
        got = np.asarray(form(np.stack([table, table])), dtype=float)  # a stack, as the bootstrap calls it
        if got.shape != (2,):
            _fail(f"the contingency form returned shape {got.shape} for 2 tables, expected (2,)")
        if not np.allclose(got, expected, rtol=1e-9, atol=1e-12, equal_nan=True):
            _fail(f"the contingency form gives {got[0]!r} where the metric gives {expected!r}")


# -- datasets -----------------------------------------------------------------------
def check_dataset_loads(entry: PluginEntry, dataset: Dataset) -> None:
    """The loader loads (defaults and ``check_params``) into a valid float32 Dataset."""
    info = entry.info
    assert isinstance(info, DatasetInfo)
    try:
        loaded = entry.create(**info.check_params).load()
    except MusicbenchError as exc:  # e.g. a file loader without --data: nothing to check
        raise CheckSkipped(str(exc)) from None
    if not isinstance(loaded, Dataset):
        _fail(f"load() returned {type(loaded).__name__}, expected a Dataset")
    if loaded.audio.dtype != np.float32:
        _fail(f"audio must be float32, got {loaded.audio.dtype}")
    if len(loaded.fingerprint) != 64:
        _fail("fingerprint must be a sha256 hex digest")


CHECKS: dict[str, tuple[Check, ...]] = {
    "dataset": (check_dataset_loads,),
    "encoder": (
        check_encoder_declared_modalities,
        check_encoder_output,
        check_encoder_clone,
        check_encoder_refuses_bad_input,
        check_encoder_own_clusters,
    ),
    "clusterer": (check_clusterer_labels, check_clusterer_clone),
    "metric": (check_metric_value, check_metric_single_cluster, check_metric_contingency),
}


def problems(entry: PluginEntry, dataset: Dataset) -> list[str]:
    """Every check of ``entry``'s kind; the messages of those that failed."""
    found = []
    for check in CHECKS[entry.kind]:
        try:
            check(entry, dataset)
        except ContractError as exc:
            found.append(str(exc))
    return found


def run_check(entry: PluginEntry, dataset: Dataset) -> CheckResult:
    """Run every check of ``entry``'s kind; any other exception is a failure too."""
    try:
        found = problems(entry, dataset)
    except CheckSkipped as exc:
        return CheckResult(entry.kind, entry.name, "skip", str(exc))
    except Exception as exc:
        return CheckResult(entry.kind, entry.name, "fail", f"{type(exc).__name__}: {exc}")
    if found:
        return CheckResult(entry.kind, entry.name, "fail", "; ".join(found))
    return CheckResult(entry.kind, entry.name, "pass")


class BoundCheck:
    """One check, called by a test as ``check(entry)``; a skip becomes ``pytest.skip``."""

    def __init__(self, check: Check) -> None:
        self.check = check
        self.__name__ = check.__name__

    def __call__(self, entry: PluginEntry) -> None:
        import pytest

        try:
            self.check(entry, tiny_dataset())
        except CheckSkipped as exc:
            pytest.skip(str(exc))

    def __repr__(self) -> str:
        return self.__name__


def parametrize_with_checks(
    names: Sequence[str] | None = None,
    *,
    kinds: Iterable[str] = KINDS,
    registry: Registry | None = None,
) -> pytest.MarkDecorator:
    """A ``pytest.mark.parametrize`` over (entry, check) for every check of every entry.

    Parameters
    ----------
    names : sequence of str, optional
        Entry names to check (default: every enabled entry of ``kinds``).
    kinds : iterable of str
        Which kinds to take entries from.
    registry : Registry, optional
        Default: :func:`musicbench.build_registry` with installed plugins, so a plugin
        installed with ``pip install -e`` is checked exactly as the runner sees it.

    Raises
    ------
    musicbench.UnknownPluginError
        When a name matches no entry (a typo must not make an empty, passing test).
    """
    import pytest

    from musicbench.errors import UnknownPluginError

    registry = registry if registry is not None else build_registry()
    entries = [e for kind in kinds for e in registry.entries(kind)]  # type: ignore[arg-type]
    if names is not None:
        missing = sorted(set(names) - {e.name for e in entries})
        if missing:
            raise UnknownPluginError("plugin", missing[0], [e.name for e in entries])
        entries = [e for e in entries if e.name in names]
    pairs = [(entry, BoundCheck(check)) for entry in entries for check in CHECKS[entry.kind]]
    ids = [f"{entry.kind}:{entry.name}-{check.__name__}" for entry, check in pairs]
    return pytest.mark.parametrize(("entry", "check"), pairs, ids=ids)


# Kept so that code calling a kind's checks as one function keeps working.
def check_encoder(entry: PluginEntry, dataset: Dataset) -> list[str]:
    """Every encoder check; the messages of those that failed."""
    return problems(entry, dataset)


check_clusterer = check_metric = check_dataset = check_encoder
