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
    # params = { preprocessing = ["standardize", "yeo-johnson"] }   # a list is a grid

    [encoders.pca]             # one table per encoder, {} for its defaults
    n_components = [8, 16]     # a list is a grid: one cell per value

    [encoders.vae]
    latent_dim = [8, 16]
    hidden_dims = [[64, 32]]   # a list-valued parameter is a grid of one list

    [clusterers.kmeans]

A list in a dataset parameter is a grid too: one dataset per value (each named
after its file and told apart by its fingerprint); a parameter whose value is a
list is written as a list of one list (``features = [["tempo", "energy"]]``).

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

from musicbench import Registry
from musicbench.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_DATASET = "synthetic"
DEFAULT_SEEDS = 3
OWN = "(own)"
"""The clusterer name of cells clustered by their encoder itself (e.g. VaDE)."""

Grid = dict[str, list[Any]]
_TOP_KEYS = {"seeds", "timeout", "dataset", "datasets", "encoders", "clusterers", "memory_budget"}
_DATASET_KEYS = {"name", "path", "params"}


@dataclass
class RunConfig:
    """Everything that decides which cells a run has."""

    dataset: str = DEFAULT_DATASET
    dataset_params: dict[str, Any] = field(default_factory=dict)
    data_path: str | None = None
    encoders: dict[str, Grid] = field(default_factory=dict)
    clusterers: dict[str, Grid] = field(default_factory=dict)
    seeds: list[int] = field(default_factory=lambda: list(range(DEFAULT_SEEDS)))
    timeout: float | None = None
    memory_budget: int | None = None
    datasets: list[tuple[str, dict[str, Any], str | None]] = field(default_factory=list)
    """Every dataset of the run as ``(name, params, path)``, grids expanded; empty means
    the single ``dataset``/``dataset_params``/``data_path`` above."""

    def each_dataset(self) -> list[RunConfig]:
        """One config per dataset of the run (itself when it has one dataset)."""
        if not self.datasets:
            return [self]
        return [replace(self, dataset=n, dataset_params=p, data_path=path, datasets=[]) for n, p, path in self.datasets]


def expand(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of a grid, in a stable order (``{}`` gives one empty point)."""
    keys = sorted(grid)
    return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def _as_grid(where: str, table: Any) -> Grid:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{where} must be a table of parameters, got {table!r}.")
    grid: Grid = {}
    for key, value in table.items():
        values = list(value) if isinstance(value, list) else [value]
        if not values:
            raise ConfigError(f"{where}.{key} is an empty list: give at least one value.")
        grid[key] = values
    return grid


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


def _datasets(path: Path, where: str, table: Any) -> list[tuple[str, dict[str, Any], str | None]]:
    """One ``(name, params, path)`` per point of a dataset table's parameter grid."""
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
    return [(name, point, data_path) for point in expand(_as_grid(f"{path}: {where}.params", params))]


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
    if "dataset" in data and "datasets" in data:
        raise ConfigError(f"{path}: give either [dataset] or [[datasets]], not both.")
    tables = data.get("datasets", [data.get("dataset", {})])
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{path}: [[datasets]] must be a list of tables, each with name, path and params.")
    for i, table in enumerate(tables):
        where = "[dataset]" if "datasets" not in data else f"[[datasets]] number {i + 1}"
        config.datasets += _datasets(path, where, table)
    config.dataset, config.dataset_params, config.data_path = config.datasets[0]
    if len(config.datasets) == 1:
        config.datasets = []
    for kind in ("encoders", "clusterers"):
        tables = data.get(kind, {})
        if not isinstance(tables, Mapping):
            raise ConfigError(f"{path}: [{kind}] must hold one table per plugin, e.g. [{kind}.NAME].")
        setattr(config, kind, {name: _as_grid(f"{path}: {kind}.{name}", t) for name, t in tables.items()})
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
    Grids from the config apply to whichever are selected.
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
    for name in [*names, *grids]:
        if name != OWN:
            registry.get(kind, name)  # type: ignore[arg-type]  # unknown names fail here
    return {name: dict(grids.get(name, {})) for name in dict.fromkeys(names)}
