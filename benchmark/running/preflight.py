"""Checks a run makes before loading data or planning: nothing may fail late.

A run that would fail after minutes of work (an unwritable store or cache, a
``nan`` timeout, a grid of a million cells) is refused at once with the reason and
the option that changes it.
"""

from __future__ import annotations

import math
import os
from datetime import datetime, timezone
from pathlib import Path

from musicbench.benchmark.constants import state_folder
from musicbench.benchmark.planning.config import OWN, RunConfig
from musicbench.benchmark.results.cache import EmbeddingCache, probe_writable
from musicbench.benchmark.results.store import check_store_path
from musicbench.errors import ConfigError


def grid_size(config: RunConfig) -> int:
    """An upper bound of the cells a configuration expands to, without expanding it."""

    def points(grids: dict[str, dict[str, list[object]]]) -> int:
        return sum(math.prod(len(values) for values in grid.values()) for name, grid in grids.items() if name != OWN)

    clusterers = points(config.clusterers) + (1 if OWN in config.clusterers else 0)
    return len(config.seeds) * points(config.encoders) * clusterers


def check_number(option: str, value: float | None, *, minimum: float = 0.0) -> None:
    """``value`` must be finite and above ``minimum`` (``None`` means unset)."""
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or math.isinf(value)
        or value <= minimum
    ):
        raise ConfigError(f"{option} must be a finite number above {minimum:g}, got {value!r}.")


def check_early(config: RunConfig, store: Path) -> None:
    """The checks that need no plugin, no data and no worker: made first, so that a typo
    is refused in a fraction of a second, before plugin files are imported (a plugin
    that imports scikit-learn took 2.5 s) and before the workers' forkserver starts."""
    check_number("--timeout (or the config's timeout)", config.timeout)
    check_number("memory_budget", config.memory_budget)
    check_store_path(store)


def preflight(config: RunConfig, store: Path, cache: EmbeddingCache, max_cells: int) -> Path:
    """Refuse, before any work, what would fail or lose results later.

    Returns the path of this run's log, where the workers' own output (plugins that
    print, native libraries' messages) goes instead of the terminal.
    """
    check_early(config, store)
    cells = grid_size(config)
    if cells > max_cells:
        raise ConfigError(
            f"This run expands to up to {cells:,} cells ({len(config.seeds)} seed(s) x the encoder and clusterer "
            f"grids), more than the {max_cells:,} accepted by default. Make the grids smaller, or pass "
            f"--max-cells {cells} to run them all."
        )
    check_store_path(store)
    cache.check_writable()
    logs = state_folder(store) / "logs"
    probe_writable(logs, "The run log folder", "Put the store in a writable folder")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    return logs / f"run-{stamp}-{os.getpid()}.log"
