"""What a run covers: the dataset, the seeds and a parameter grid per plugin.

It comes from ``bench run`` options, from a TOML file (``--config``), or both
(options win). A TOML file looks like::

    seeds = 3                  # or an explicit list: [0, 1, 2]
    timeout = 600              # seconds per encoder fit and per clusterer cell

    [dataset]
    name = "synthetic"         # path = "songs.csv" for file datasets
    params = { n_tracks = 2000 }

    # or several datasets, run one after the other into the same store:
    # [[datasets]]
    # name = "spotify"
    # path = "spotify_songs.csv"
    # params = { preprocessing = ["standardize", "yeo-johnson"] }   # two datasets
    # or every published table of a named suite (`bench datasets` lists them):
    # suite = "music"

    [encoders.pca]             # one table per encoder, {} for its defaults
    n_components = [8, 16]     # a number-typed parameter: a list is a grid

    [encoders.multimodal-vae]
    modalities = ["audio", "context"]       # a list-typed parameter: ONE value
    hidden_sizes = [[64, 32], [128, 64]]    # a list of lists: a grid of two lists
    latent_dim = { grid = [8, 16] }         # the explicit grid, for any parameter

    [clusterers.kmeans]

Whether a list is one value or a grid follows the type the plugin declares for
the parameter (:func:`~musicbench.benchmark.planning.params.declared_type`:
annotation, scikit-learn constraints or default; :meth:`ParamType.list_reading`):

- a sequence (``modalities: Sequence[str]``, ``features``): a list is one value;
  a grid over it is a list of lists, or ``{ grid = [...] }``;
- a single value (a number, a string, a choice): a list is a grid, one cell (or,
  in a dataset's ``params``, one dataset) per value;
- unknown (no annotation, no default) or either (``int | Sequence[int]``): a list
  is an error naming both readings; write ``[[...]]`` for one list or
  ``{ grid = [...] }`` for a grid.

``{ grid = [...] }`` is a grid whatever the type. Since the rule needs the
registry, :func:`read_config` keeps each plugin's table as written
(:class:`ParamTable`) and it becomes a grid where the plugin is known: in
:func:`select` for encoders and clusterers, in :meth:`RunConfig.each_dataset` for
dataset parameters (one dataset per point, each named after its file and told
apart by its fingerprint).

Every key is checked before any work starts: unknown keys, unknown plugins,
unknown parameters and values of the wrong type are :class:`ConfigError` s that
name the file and the key.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from musicbench import PluginEntry, Registry
from musicbench.benchmark.planning.params import ParamType, declared_type, describe_declaration
from musicbench.errors import ConfigError
from musicbench.resolution import check_params

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_DATASET = "synthetic"
DEFAULT_SEEDS = 3
OWN = "(own)"
"""The clusterer name of cells clustered by their encoder itself (e.g. VaDE)."""

Grid = dict[str, list[Any]]
"""``{parameter: [point, ...]}``: every combination of points is one setting."""
GRID_KEY = "grid"
_TOP_KEYS = {"seeds", "timeout", "dataset", "datasets", "suite", "encoders", "clusterers", "memory_budget"}
_DATASET_KEYS = {"name", "path", "params"}


@dataclass
class RunConfig:
    """Everything that decides which cells a run has."""

    dataset: str = DEFAULT_DATASET
    dataset_params: dict[str, Any] = field(default_factory=dict)
    data_path: str | None = None
    encoders: dict[str, Grid] = field(default_factory=dict)
    """Each encoder's grid; straight from :func:`read_config`, its :class:`ParamTable`,
    which :func:`select` turns into the grid."""
    clusterers: dict[str, Grid] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: list(range(DEFAULT_SEEDS)))
    timeout: float | None = None
    memory_budget: int | None = None
    datasets: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    """Every dataset table of the run as ``(name, params, path)``; empty means the
    single ``dataset``/``dataset_params``/``data_path`` above. Params read from a
    file are a :class:`ParamTable`, a grid once the loader is known."""
    suite: str | None = None
    """The named dataset suite that filled ``datasets`` (``--suite``, ``suite = "music"``)."""
    suite_skipped: list[tuple[str, str]] = field(default_factory=list)
    """``(dataset, reason)`` for each suite member whose file is absent."""

    def use_suite(self, name: str) -> None:
        """Plan every dataset of suite ``name`` whose file is present; remember the rest.

        An absent file is skipped with its reason, not an error, so a suite runs on
        the part of it a machine has; a suite with no file present is an error.
        """
        from musicbench.plugins.datasets.suite import suite_entries  # the suite table: no pandas

        selection = suite_entries(name)
        if not selection.datasets:
            reasons = "; ".join(f"{member}: {why}" for member, why in selection.skipped)
            raise ConfigError(f"No dataset of the suite {name!r} is here: {reasons}.")
        self.suite, self.suite_skipped = name, list(selection.skipped)
        self.datasets = list(selection.datasets)
        self.dataset, self.dataset_params, self.data_path = self.datasets[0]

    def each_dataset(self, registry: Registry | None = None) -> list[RunConfig]:
        """One config per dataset of the run (itself when it has one and nothing to expand).

        With ``registry``, a table's parameters from a file become a grid by the
        loader's declared types, one config per point: pass it before loading
        anything. Without it, one config per table, its parameters as written:
        enough for what does not depend on them (the data paths).
        """
        tables = self.datasets or [(self.dataset, self.dataset_params, self.data_path)]
        if len(tables) == 1 and (registry is None or not isinstance(self.dataset_params, ParamTable)):
            return [self]
        configs = []
        for name, params, path in tables:
            points = [params]
            if registry is not None and isinstance(params, ParamTable):
                points = expand(to_grid(registry.get("dataset", name), params))
            configs += [replace(self, dataset=name, dataset_params=p, data_path=path, datasets=[]) for p in points]
        return configs


class ParamTable(dict[str, Any]):
    """A plugin's parameters as a config file wrote them, not yet a grid.

    Which of its lists are grids depends on the types the plugin declares, so
    :func:`to_grid` reads it where the plugin is known. ``where`` names the file and
    the table in error messages.
    """

    def __init__(self, values: Mapping[str, Any] | None = None, where: str = "") -> None:
        super().__init__(values or {})
        self.where = where


def expand(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of a grid, in a stable order (``{}`` gives one empty point)."""
    keys = sorted(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def _table(where: str, table: Any) -> ParamTable:
    """A plugin's table, checked for what needs no registry: its shape and ``{ grid = [...] }`` forms."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table of parameters, got {table!r}.")
    for key, value in table.items():
        if isinstance(value, Mapping):
            points = value.get(GRID_KEY)
            if set(value) != {GRID_KEY} or not isinstance(points, list):
                raise ConfigError(
                    f"{where}.{key}: a table here must be {{ {GRID_KEY} = [...] }}, the values of a grid; "
                    f"got {dict(value)!r}."
                )
            if not points:
                raise ConfigError(f"{where}.{key}: {{ {GRID_KEY} = [] }} is an empty grid: give at least one value.")
    return ParamTable(table, where)


def _ambiguous(where: str, key: str, value: list[Any], param_type: ParamType) -> ConfigError:
    shown = "[" + ", ".join(repr(v) for v in value) + "]"
    return ConfigError(
        f"{where}.{key} = {shown}: the parameter {key} {describe_declaration(param_type)}, so this list could be "
        f"ONE value (the list {shown}: write {key} = [{shown}]) or a GRID of {len(value)} values, one cell each "
        f"(write {key} = {{ {GRID_KEY} = {shown} }}). Write the one you mean."
    )


def _points(where: str, key: str, value: Any, entry: PluginEntry) -> list[Any]:
    """The grid points of one parameter (:meth:`ParamType.list_reading` decides a plain list)."""
    if isinstance(value, Mapping):  # { grid = [...] }, checked by _table
        return list(value[GRID_KEY])
    if not isinstance(value, list):
        return [value]
    # Only a list needs the declared type: the factory is imported here, not for every
    # table (importing torch would hold up the workers' forkserver).
    try:
        check_params(entry.kind, entry.name, entry.factory, {key: value})
    except ConfigError as exc:  # said with the file and table it came from
        raise ConfigError(f"{where}: {exc}") from None
    param_type = declared_type(entry.factory, key)
    reading = param_type.list_reading()
    nested = [isinstance(v, list) for v in value]
    if reading == "value" and not any(nested):
        return [value]
    if reading != "grid" and value and all(nested):
        return list(value)  # a list of lists: a grid of lists
    if reading == "value":
        raise ConfigError(
            f"{where}.{key} mixes lists and single values; the parameter is a list ({param_type.describe()}): "
            f"write one list, or a list of lists for a grid."
        )
    if reading == "ambiguous":
        raise _ambiguous(where, key, value, param_type)
    if not value:
        raise ConfigError(f"{where}.{key} is an empty list: give at least one value.")
    return list(value)


def to_grid(entry: PluginEntry, table: Mapping[str, Any]) -> Grid:
    """``entry``'s grid from its table; a table that is already a grid is returned as it is.

    A :class:`ParamTable` (from a file) is read by the rule of this module's
    docstring; any other mapping is taken as a grid already (a list of points per key).
    """
    if not isinstance(table, ParamTable):
        return dict(table)
    where = table.where or f"[{entry.kind}s.{entry.name}]"
    return {key: _points(where, key, value, entry) for key, value in table.items()}


def _seeds(where: str, value: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ConfigError(f"{where}: seeds must be at least 1, got {value}.")
        return list(range(value))
    if (
        isinstance(value, list)
        and value
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value)
    ):
        if len(set(value)) != len(value):
            raise ConfigError(f"{where}: seeds {value} repeat a seed.")
        return list(value)
    raise ConfigError(
        f"{where}: seeds must be a count (3) or a list of distinct non-negative integers ([0, 1, 2]), got {value!r}."
    )


def _positive(where: str, value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
        raise ConfigError(f"{where}: {what} must be a positive number, got {value!r}.")
    return float(value)


def _dataset(path: Path, where: str, table: Any) -> tuple[str, dict[str, Any], str | None]:
    """A dataset table as ``(name, params, path)``, its params as written (:class:`ParamTable`)."""
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: {where} must be a table with name, path and params.")
    unknown = sorted(set(table) - _DATASET_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)} in {where}. Known: name, path, params.")
    data_path = table.get("path")
    if data_path is not None and not isinstance(data_path, str):
        raise ConfigError(f"{path}: {where}: path must be a string (one file), got {data_path!r}.")
    params = table.get("params", {})
    if not isinstance(params, Mapping):
        raise ConfigError(f"{path}: {where}: params must be a table, got {params!r}.")
    name = str(table.get("name", DEFAULT_DATASET))
    return (name, _table(f"{path}: {where}.params", params), data_path)


def read_config(path: str | Path) -> RunConfig:
    """Read and validate the structure of a TOML run configuration."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"The config file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"The config file {path} is not valid TOML: {exc}.") from None
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}. Known keys: {', '.join(sorted(_TOP_KEYS))}.")
    config = RunConfig()
    if "seeds" in data:
        config.seeds = _seeds(str(path), data["seeds"])
    if "timeout" in data:
        config.timeout = _positive(str(path), data["timeout"], "timeout")
    if "memory_budget" in data:
        config.memory_budget = int(_positive(str(path), data["memory_budget"], "memory_budget (bytes)"))
    given = [key for key in ("dataset", "datasets", "suite") if key in data]
    if len(given) > 1:
        raise ConfigError(f"{path}: give one of [dataset], [[datasets]] and suite, not {' and '.join(given)}.")
    tables = data.get("datasets", [data.get("dataset", {})])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: [[datasets]] must be a list of tables, each with name, path and params.")
    for i, table in enumerate(tables):
        where = "[dataset]" if "datasets" not in data else f"[[datasets]] number {i + 1}"
        config.datasets.append(_dataset(path, where, table))
    config.dataset, config.dataset_params, config.data_path = config.datasets[0]
    if len(config.datasets) == 1:
        config.datasets = []
    if "suite" in data:
        if not isinstance(data["suite"], str):
            raise ConfigError(
                f'{path}: suite must be the name of a dataset suite (e.g. "music"), got {data["suite"]!r}.'
            )
        config.use_suite(data["suite"])
    for kind in ("encoders", "clusterers"):
        tables = data.get(kind, {})
        if not isinstance(tables, Mapping):
            raise ConfigError(f"{path}: [{kind}] must hold one table per plugin, e.g. [{kind}.NAME].")
        setattr(config, kind, {name: _table(f"{path}: {kind}.{name}", t) for name, t in tables.items()})
    return config


def select(
    registry: Registry,
    kind: str,
    chosen: Sequence[str] | None,
    grids: Mapping[str, Grid],
    take_all: bool,
) -> dict[str, Grid]:
    """The plugins of ``kind`` a run uses, each with its grid.

    ``take_all`` (``--all``) takes every registered one; ``chosen`` (``--encoders``)
    names them; otherwise the config's tables do; with none of these, every one.
    Grids from the config apply to whichever are selected; a table as a file wrote it
    (:class:`ParamTable`) becomes its grid here (:func:`to_grid`).
    """
    registered = registry.names(kind)  # type: ignore[arg-type]
    extra = [OWN] if kind == "clusterer" else []
    if take_all:
        names = registered + extra
    elif chosen:
        names = [OWN if n in ("own", OWN) and kind == "clusterer" else n for n in chosen]
    elif grids:
        names = list(grids)
    else:
        names = registered + extra
    # Unknown names fail here; a factory is imported only where a list needs its types.
    entries = {n: registry.get(kind, n) for n in [*names, *grids] if n != OWN}  # type: ignore[arg-type]
    return {
        name: to_grid(entries[name], grids.get(name, {})) if name != OWN else dict(grids.get(name, {}))
        for name in dict.fromkeys(names)
    }
