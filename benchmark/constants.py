"""Defaults and limits that the command line shows in its options and help.

They live here, apart from the modules that use them, because this module imports
nothing heavy: ``bench --help`` and ``bench <command> --help`` list them without
importing numpy (see ``tests/benchmark/cli/test_cli_imports.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_STORE = Path("musicbench.sqlite")
"""The result store ``bench`` reads and writes unless ``--store`` says otherwise."""

MAX_CELLS = 10_000
"""The largest grid ``bench run`` starts without ``--max-cells`` (a typo guard)."""

EXPORT_FORMATS = ("npy", "csv")
"""What ``bench export`` writes."""

STATE_FOLDER = ".musicbench"
"""The folder beside a result store that holds what its runs keep besides cells."""

RANKING_METRIC = "nmi"
"""The metric a leaderboard ranks by unless ``--metric`` says otherwise: against the
primary label, never a latent-space metric (see ``reports/text.py``'s ``SPACES_NOTE``)."""


def state_folder(store: str | os.PathLike[str]) -> Path:
    """``<the store's folder>/.musicbench``: the embedding cache, remembered plans and run logs.

    Beside the store, not in the working folder, so that a store and what was
    computed for it move together and two stores never share a cache by accident.
    """
    return Path(store).resolve().parent / STATE_FOLDER


def default_cache_dir(store: str | os.PathLike[str]) -> Path:
    """The embedding cache of ``store`` when ``--cache`` is not given."""
    return state_folder(store) / "cache"


def ranking_metric(primary_label: str) -> str:
    """The default ranking metric's result name for a dataset whose primary label is this."""
    return f"{RANKING_METRIC}[{primary_label}]"
