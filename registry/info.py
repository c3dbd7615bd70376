"""What a plugin may say about an entry when it registers it: one frozen dataclass per kind.

``register(name, factory, defaults=..., description=..., **info)`` takes these fields
as keywords. They are checked when the plugin registers: a key the kind does not
know (a typo such as ``max_sample=``) is a :class:`~musicbench.errors.PluginError`
that names the plugin, where it came from and the closest valid key, instead of
being silently ignored.

Which defaults win
------------------
This is the one place that says it (:mod:`musicbench.resolution` is its code). An
estimator's parameters are resolved in this order, each step overriding the previous
one:

1. the factory's own ``__init__`` defaults (scikit-learn style);
2. ``register(..., defaults={...})``, which is how one class becomes several entries
   (``beta-vae`` is ``vae`` with ``defaults={"beta": 4.0}``);
3. what the runner derives from the dataset: a clusterer's cluster count
   (``n_clusters_param``; an encoder's ``n_clusters`` when it clusters too) and a
   clusterer's ``auto_params``;
4. the user's parameters (``-E``/``-C`` on the command line, ``[encoders.NAME]`` in
   a TOML file), which win over all of the above;
5. the seed: ``random_state``, where the factory takes it, is always the cell's seed.
   A cell records its seed, so a user ``random_state`` would make every seed the same
   cell while recording different seeds: it is refused (a
   :class:`~musicbench.errors.ConfigError` pointing to ``--seeds`` / ``seeds =``).

So a registered default never needs to repeat an ``__init__`` default; it exists to
change one.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from musicbench.errors import PluginError

if TYPE_CHECKING:
    from musicbench.contracts import ContingencyForm

SizeRule = Callable[[Mapping[str, Any]], "tuple[int | None, str]"]
"""``max_samples(params) -> (limit, why)``: above ``limit`` rows (``None``: no limit)
the entry would run for hours; ``why`` says so in the skip reason."""

MemoryRule = Callable[[int, int, Mapping[str, Any]], int]
"""``memory_bytes(n_samples, n_features, params) -> bytes``: a planned peak."""

AutoParams = Callable[[int, int], Mapping[str, Any]]
"""``auto_params(n_samples, n_clusters) -> params`` for keys the user left unset."""

CostRule = Callable[[int], float]
"""``cost(n_samples) -> seconds``: a rough time of one task on one core (an encoder's
fit, or a clusterer's clustering with its metrics). The runner starts the longest
fits first and shows an ETA from it until the store knows better (earlier runs of
the plugin are used first)."""


@dataclass(frozen=True)
class DatasetInfo:
    """Facts about a dataset loader.

    Parameters
    ----------
    check_params : mapping
        Loader parameters ``bench plugins check`` uses (e.g. a small ``n_tracks``).
    """

    check_params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EncoderInfo:
    """Facts about an encoder the runner and the checks use.

    Parameters
    ----------
    check_params : mapping
        Parameters that make the contract checks quick (e.g. ``{"epochs": 2}``).
    clusters : bool
        The encoder also clusters: after ``fit`` its assignment is ``labels_`` and
        ``predict(dataset)`` assigns any dataset; the runner adds an ``(own)`` cell.
    max_samples : callable, optional
        The size rule (:data:`SizeRule`); the encoder is skipped above it.
    preload : str, optional
        A module each local worker imports once before any task (numba warm-up).
    preload_ready : callable, optional
        For a ``preload`` that compiles code once per machine (numba): says, quickly
        and without compiling, whether that code is compiled already. ``bench warm``
        compiles every such preload ahead; ``bench run`` says when its workers' start
        will compile one.
    needs_user_file : bool
        The encoder reads a file the user gives (``precomputed``): the generic
        contract checks skip it unless ``check_params`` name such a file.
    modalities : tuple of str, optional
        Its class's ``required_modalities``, said at registration so that listing
        an encoder registered by name does not import it. ``None``: read from the
        factory. The contract checks fail an entry whose two disagree.
    cost : callable, optional
        The expected seconds of one fit (:data:`CostRule`).
    """

    check_params: Mapping[str, Any] = field(default_factory=dict)
    clusters: bool = False
    max_samples: SizeRule | None = None
    preload: str | None = None
    preload_ready: Callable[[], bool] | None = None
    needs_user_file: bool = False
    modalities: tuple[str, ...] | None = None
    cost: CostRule | None = None


@dataclass(frozen=True)
class ClustererInfo:
    """Facts about a clusterer the runner and the checks use.

    Parameters
    ----------
    check_params : mapping
        Parameters for the contract checks.
    n_clusters_param : str, optional
        The parameter that sets the cluster count (default: ``n_clusters``, else
        ``n_components`` when the factory takes it).
    auto_params : callable, optional
        Density parameters from the expected cluster count (:data:`AutoParams`).
    memory_bytes : callable, optional
        The planned peak memory (:data:`MemoryRule`); skipped above the budget.
    max_samples : callable, optional
        The size rule (:data:`SizeRule`).
    cost : callable, optional
        The expected seconds of one clustering and its metrics (:data:`CostRule`).
    """

    check_params: Mapping[str, Any] = field(default_factory=dict)
    n_clusters_param: str | None = None
    auto_params: AutoParams | None = None
    memory_bytes: MemoryRule | None = None
    max_samples: SizeRule | None = None
    cost: CostRule | None = None


@dataclass(frozen=True)
class MetricInfo:
    """Facts about a metric function; ``scope`` and ``higher_is_better`` are required.

    Parameters
    ----------
    scope : {"external", "internal", "partition", "embedding"}
        How the function is called (see :data:`musicbench.contracts.MetricScope`).
    higher_is_better : bool or None
        ``None`` for a descriptive figure (a cluster count) that is not a quality.
    contingency : callable or str, optional
        An external metric's contingency-table form
        (:data:`musicbench.contracts.ContingencyForm`), or its name
        ``"package.module:function"`` (imported when first used). It must give what
        the metric function gives; with it the leaderboard recomputes the metric on
        resampled tracks, so the metric gets intervals and ties (``bench plugins
        check`` compares the two).
    """

    scope: Literal["external", "internal", "partition", "embedding"]
    higher_is_better: bool | None
    contingency: ContingencyForm | str | None = None

    def __post_init__(self) -> None:
        form = self.contingency
        if form is None:
            return
        if self.scope != "external":
            raise PluginError(
                f"contingency= is for external metrics (scored against a label), not {self.scope!r} ones."
            )
        if not (callable(form) or (isinstance(form, str) and ":" in form)):
            raise PluginError(f"contingency must be a function or its name 'package.module:function', got {form!r}.")


@dataclass(frozen=True)
class per_track:  # noqa: N801 - used like a function: cost=per_track(2.7e-3)
    """A :data:`CostRule` that grows linearly: ``seconds`` per track."""

    seconds: float

    def __call__(self, n_samples: int) -> float:
        return self.seconds * n_samples


PluginInfo = DatasetInfo | EncoderInfo | ClustererInfo | MetricInfo
INFO_TYPES: dict[str, type[Any]] = {
    "dataset": DatasetInfo,
    "encoder": EncoderInfo,
    "clusterer": ClustererInfo,
    "metric": MetricInfo,
}
_SCOPES = ("external", "internal", "partition", "embedding")


def info_keys(kind: str) -> list[str]:
    """The keywords ``register`` accepts for ``kind`` besides defaults and description."""
    return [f.name for f in dataclasses.fields(INFO_TYPES[kind])]


def make_info(kind: str, name: str, meta: Mapping[str, Any], where: str = "") -> PluginInfo:
    """Validate ``register``'s extra keywords for an entry and build its info.

    Parameters
    ----------
    kind : str
        ``dataset``, ``encoder``, ``clusterer`` or ``metric``.
    name : str
        The entry's name, for messages.
    meta : mapping
        The keywords given to ``register`` besides ``defaults`` and ``description``.
    where : str
        Which plugin registered it and where it came from, for messages.

    Raises
    ------
    PluginError
        For an unknown key (naming the closest valid one), a missing required key
        or a value of the wrong kind.
    """
    source = f" (registered by {where})" if where else ""
    valid = info_keys(kind)
    for key in meta:
        if key not in valid:
            close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise PluginError(
                f"The {kind} {name!r}{source} was registered with an unknown key {key!r}.{hint} "
                f"A {kind} accepts: {', '.join(['defaults', 'description', *valid])}."
            )
    if kind == "metric":
        if meta.get("scope") not in _SCOPES:
            raise PluginError(
                f"The metric {name!r}{source} must be registered with scope='external', 'internal', "
                f"'partition' or 'embedding', got {meta.get('scope')!r}."
            )
        if "higher_is_better" not in meta or meta["higher_is_better"] not in (True, False, None):
            raise PluginError(f"The metric {name!r}{source} must say higher_is_better=True, False or None.")
    for key in ("max_samples", "memory_bytes", "auto_params", "cost"):
        if meta.get(key) is not None and not callable(meta[key]):
            raise PluginError(f"The {kind} {name!r}{source}: {key} must be a function, got {type(meta[key]).__name__}.")
    modalities = meta.get("modalities")
    if modalities is not None and not (
        isinstance(modalities, tuple) and modalities and all(isinstance(m, str) and m for m in modalities)
    ):
        raise PluginError(f"The {kind} {name!r}{source}: modalities must be a tuple of names, got {modalities!r}.")
    if "check_params" in meta and not isinstance(meta["check_params"], Mapping):
        raise PluginError(f"The {kind} {name!r}{source}: check_params must be a dict of parameters.")
    info: PluginInfo = INFO_TYPES[kind](**meta)
    return info
