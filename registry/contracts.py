"""The contracts every plugin fulfils: datasets, encoders, clusterers and metrics.

They are deliberately small. A dataset is plain data (:class:`Dataset`); encoders
and clusterers follow scikit-learn's estimator conventions; a metric is a plain
function plus a few facts about it (:class:`MetricSpec`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:  # numpy is imported where it is used, so `import musicbench` stays instant
    import numpy as np

AUDIO = "audio"
"""The numeric feature modality every dataset has."""

TEXT_MODALITIES = ("lyrics", "title")
"""Text modalities a dataset may carry, in order of preference."""

MISSING_LABEL = ""
"""How a missing label or a missing text is stored."""

CONTEXT = "context"
"""Numeric metadata that is not audio (release year, popularity), declared by the dataset.

Only encoders that ask for it read it (``multimodal-vae`` with ``"context"`` among its
modalities); audio-only encoders never see it.
"""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded, preprocessed dataset.

    Parameters
    ----------
    name : str
        The registry name of the loader that produced it.
    audio : ndarray of shape (n_tracks, n_features), float32
        The preprocessed numeric features. This is also the common reference space
        in which internal metrics are compared across encoders.
    feature_names : tuple of str
        One name per column of ``audio``.
    track_ids : ndarray of shape (n_tracks,)
        Unique track identifiers, as strings.
    labels : mapping of str to ndarray of shape (n_tracks,)
        Ground-truth label columns (``genre``, ``subgenre``, ``language``...), as
        object arrays of strings; a missing label is ``""``.
    texts : mapping of str to ndarray of shape (n_tracks,)
        Text modalities (``lyrics``, ``title``), as object arrays of strings; a
        missing text is ``""``.
    primary_label : str
        The label that sets the default number of clusters and the default ranking.
    params : mapping
        Every loader parameter that shaped this dataset, preprocessing included.
    fingerprint : str
        sha256 (hex) of the source content and ``params``: equal fingerprints mean
        equal datasets.
    notes : tuple of str
        What loading did that a user should know (rows dropped, duplicates merged).
    context : ndarray of shape (n_tracks, n_context), float32, optional
        The ``context`` modality: numeric metadata that is not audio (release year,
        popularity), unscaled; ``None`` when the dataset declares none.
    context_names : tuple of str
        One name per column of ``context``.

    Notes
    -----
    This is the object an encoder's ``fit(dataset)`` and ``transform(dataset)``
    receive, and the one a dataset loader's ``load()`` returns. Treat it as
    read-only: the same object is shared by every encoder of a run. Derived facts:
    :attr:`n_tracks`, :attr:`modalities` (``audio`` plus each text modality with at
    least one non-empty text, and ``context`` when declared), :meth:`n_classes` and
    :meth:`subset`.
    """

    name: str
    audio: np.ndarray
    feature_names: tuple[str, ...]
    track_ids: np.ndarray
    labels: Mapping[str, np.ndarray]
    texts: Mapping[str, np.ndarray] = field(default_factory=dict)
    primary_label: str = "genre"
    params: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    notes: tuple[str, ...] = ()
    context: np.ndarray | None = None
    context_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = self.audio.shape[0]
        if self.audio.ndim != 2 or self.audio.shape[1] != len(self.feature_names):
            raise ValueError(
                f"Dataset {self.name!r}: audio has shape {self.audio.shape} but "
                f"{len(self.feature_names)} feature names were given."
            )
        columns = {"track_ids": self.track_ids, **self.labels, **self.texts}
        if self.context is not None:
            if self.context.ndim != 2 or self.context.shape[1] != len(self.context_names):
                raise ValueError(
                    f"Dataset {self.name!r}: context has shape {self.context.shape} but "
                    f"{len(self.context_names)} context names were given."
                )
            columns[CONTEXT] = self.context
        for key, column in columns.items():
            if len(column) != n:
                raise ValueError(f"Dataset {self.name!r}: {key!r} has {len(column)} rows, audio has {n}.")
        if self.primary_label not in self.labels:
            raise ValueError(
                f"Dataset {self.name!r}: primary label {self.primary_label!r} is not "
                f"among its labels {sorted(self.labels)}."
            )

    @property
    def n_tracks(self) -> int:
        return int(self.audio.shape[0])

    @property
    def modalities(self) -> tuple[str, ...]:
        """``audio``, every text modality that has at least one non-empty text, and
        ``context`` when the dataset declares context columns."""
        import numpy as np

        present = [m for m, t in self.texts.items() if np.any(t != MISSING_LABEL)]
        context = (CONTEXT,) if self.context is not None and self.context.shape[1] > 0 else ()
        return (AUDIO, *present, *context)

    def n_classes(self, label: str | None = None) -> int:
        """The number of distinct non-missing values of a label (default: primary)."""
        values = self.labels[label or self.primary_label]
        return int(len(set(values.tolist()) - {MISSING_LABEL}))

    def subset(self, rows: np.ndarray) -> Dataset:
        """The same dataset restricted to ``rows`` (indices or a boolean mask)."""
        return Dataset(
            name=self.name,
            audio=self.audio[rows],
            feature_names=self.feature_names,
            track_ids=self.track_ids[rows],
            labels={k: v[rows] for k, v in self.labels.items()},
            texts={k: v[rows] for k, v in self.texts.items()},
            primary_label=self.primary_label,
            params=self.params,
            fingerprint=self.fingerprint,
            notes=self.notes,
            context=None if self.context is None else self.context[rows],
            context_names=self.context_names,
        )


@runtime_checkable
class DatasetLoader(Protocol):
    """Builds a :class:`Dataset`; parameters are ``__init__`` keyword arguments.

    Loaders that read a file take it as the ``path`` parameter (``--data PATH``).
    """

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def load(self) -> Dataset: ...


@runtime_checkable
class Encoder(Protocol):
    """A scikit-learn style estimator that embeds a dataset's tracks.

    ``__init__`` only stores keyword arguments; ``fit`` does the work and returns
    ``self``; ``transform`` returns an ``(n_tracks, d)`` float32 matrix. Randomness
    enters only through a ``random_state`` parameter.
    """

    required_modalities: ClassVar[tuple[str, ...]]

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def set_params(self, **params: Any) -> Any: ...

    def fit(self, dataset: Dataset) -> Any: ...

    def transform(self, dataset: Dataset) -> np.ndarray: ...


@runtime_checkable
class Clusterer(Protocol):
    """Anything with ``fit_predict(Z) -> labels``; noise is labelled ``-1``.

    ``Z`` is always a C-contiguous float64 matrix (:func:`clusterer_input`).
    scikit-learn clusterers satisfy this as they are and are registered unwrapped.
    """

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def fit_predict(self, X: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class ClusteringEncoder(Encoder, Protocol):
    """An encoder that also clusters (registered with ``clusters=True``, like VaDE).

    After ``fit``, ``predict(dataset)`` returns one integer cluster per track; the
    runner records it as the ``(own)`` clusterer's cell.
    """

    def predict(self, dataset: Dataset) -> np.ndarray: ...


def clusterer_input(Z: Any) -> np.ndarray:
    """An embedding as every clusterer receives it: C-contiguous float64.

    Embeddings are stored in float32, but covariance-based methods are not safe in
    it: scikit-learn's full-covariance GaussianMixture failed on GTZAN's 57 raw
    features for 3 of 10 seeds in float32 ("ill-defined empirical covariance") and
    for none in float64.
    """
    import numpy as np

    return np.ascontiguousarray(Z, dtype=np.float64)


def missing_modalities(encoder: Any, dataset: Dataset) -> tuple[str, ...]:
    """The modalities ``encoder`` needs that ``dataset`` lacks (empty if none).

    An encoder may define ``missing_modalities(dataset)`` itself when what it needs
    depends on its parameters (for example "any text modality").
    """
    own = getattr(encoder, "missing_modalities", None)
    if callable(own):
        return tuple(own(dataset))
    required = getattr(encoder, "required_modalities", (AUDIO,))
    return tuple(m for m in required if m not in dataset.modalities)


def fitted_modalities(encoder: Any) -> tuple[str, ...]:
    """The modalities a fitted ``encoder`` read, as the result store records them.

    An encoder whose inputs depend on its parameters and data (the multimodal VAE,
    the ``text`` encoder) says so in a ``modalities_`` attribute after ``fit``;
    otherwise its ``required_modalities`` are what it read.
    """
    used: Any = getattr(encoder, "modalities_", None)
    if used is None:
        used = getattr(encoder, "required_modalities", (AUDIO,))
    return tuple(str(m) for m in used)


def fit_diagnostics(encoder: Any) -> dict[str, tuple[float, str]]:
    """Figures a fitted encoder reports about itself, as ``{name: (value, note)}``.

    The VAE family reports ``active_units`` (Burda et al. 2016: latent dimensions
    whose posterior mean varies by more than 0.01 across tracks).
    """
    own = getattr(encoder, "fit_diagnostics_", None)
    return dict(own) if isinstance(own, Mapping) else {}


class MetricUndefined(Exception):
    """Raised by a metric function when the metric is undefined for its input.

    The evaluator records NaN together with ``reason``; it is never an error.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


MetricScope = Literal["external", "internal", "partition", "embedding"]
"""How a metric is computed.

* ``external``: ``f(labels_true, labels_pred)``, once per label column of the dataset;
  reported as ``name[label]``, e.g. ``nmi[genre]``.
* ``internal``: ``f(X, labels_pred)``, once per space; reported as ``name@space``
  with space ``latent`` (the encoder's own output) or ``reference`` (the dataset's
  preprocessed features, the same for every encoder and so comparable across them).
* ``partition``: ``f(labels_pred)``, e.g. the number of clusters found.
* ``embedding``: ``f(embedding, labels_true)``, once per embedding and label column,
  whatever the clusters; reported as ``name[label]``, e.g. ``probe_accuracy[genre]``.
"""

ContingencyForm = Callable[["np.ndarray"], "np.ndarray"]
"""An external metric computed from contingency tables: ``f(tables) -> scores``.

``tables`` has shape ``(r, n_classes, n_clusters)``: ``r`` tables of float counts of
the rows with each (true class, cluster) pair, noise an ordinary cluster. A count
may be any non-negative whole number: the paired bootstrap counts a track drawn
twice twice. The function returns the ``r`` scores, shape ``(r,)``, computed on
whole stacks at once because the bootstrap scores hundreds of tables per cell.
A metric that declares one (``register(..., contingency=...)``,
:class:`musicbench.info.MetricInfo`) gets leaderboard intervals and ties.
"""

METRIC_SPACES = ("latent", "reference")


@dataclass(frozen=True)
class MetricSpec:
    """A metric function and the facts needed to compute and rank it."""

    name: str
    func: Callable[..., float]
    scope: MetricScope
    higher_is_better: bool | None
    """``None`` for descriptive figures (cluster count) that are not a quality."""
    description: str = ""

    @property
    def needs_labels(self) -> bool:
        return self.scope == "external"

    @property
    def spaces(self) -> tuple[str, ...]:
        return METRIC_SPACES if self.scope == "internal" else ()
