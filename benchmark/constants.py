"""Defaults and limits that the command line shows in its options and help.

They live here, apart from the modules that use them, because this module imports
nothing heavy: ``bench --help`` and ``bench <command> --help`` list them without
importing numpy (see ``tests/benchmark/cli/test_cli_imports.py``).
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_STORE = Path("musicbench.sqlite")
"""The result store ``bench`` reads and writes unless ``--store`` says otherwise."""

MAX_CELLS = 10_000
"""The largest grid ``bench run`` starts without ``--max-cells`` (a typo guard)."""

EXPORT_FORMATS = ("npy", "csv")
"""What ``bench export`` writes."""
