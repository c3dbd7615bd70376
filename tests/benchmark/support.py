"""Helpers for the runner tests (imported as ``tests.benchmark.support``): stand-in plugins and ``bench`` as a real subprocess.

The built-in encoders, clusterers and metrics are disabled in these tests so that
they exercise the runner through the registry alone, with small stand-in plugins
(``tests/benchmark/plugins``) whose behaviour is known: one that fails, one that
sleeps past a timeout, one that needs lyrics, one that clusters itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
PLUGIN_DIR = Path(__file__).resolve().parent / "plugins"
TOY = PLUGIN_DIR / "toy.py"
FAILING = PLUGIN_DIR / "failing.py"
HOSTILE = PLUGIN_DIR / "hostile.py"
ISOLATE = [
    "--disable",
    "musicbench.plugins.encoders",
    "--disable",
    "musicbench.plugins.clusterers",
    "--disable",
    "musicbench.plugins.metrics",
]
SMALL = ["-P", "n_tracks=200", "-P", "lyrics=false"]


def bench_command(*args: str | os.PathLike[str]) -> list[str]:
    return [sys.executable, "-m", "musicbench.benchmark", *map(str, args)]


def bench_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MUSICBENCH_PLUGINS", "MUSICBENCH_DISABLE")}
    env["COLUMNS"] = "200"
    return env


def bench(
    *args: str | os.PathLike[str], cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``bench ARGS`` in a real subprocess and return what it did."""
    return subprocess.run(
        bench_command(*args), cwd=cwd or REPO, env=bench_env(), capture_output=True, text=True, timeout=timeout
    )


def toy_run_args(store: Path, *extra: str) -> list[str]:
    return ["run", "--store", str(store), "--plugin", str(TOY), "--plugin", str(FAILING), *ISOLATE, *SMALL, *extra]


def bench_here(capsys: Any, *args: str | os.PathLike[str]) -> tuple[int, str, str]:
    """Run ``bench ARGS`` in this process (faster than a subprocess); return (exit code, out, err)."""
    from musicbench.benchmark.cli import main

    code = 0
    try:
        main([str(a) for a in args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
