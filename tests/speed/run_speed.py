"""Wall time of the README's ``bench run --all``, and ``--jobs 2`` against ``--jobs 1``.

Each run starts from an empty folder (store and cache) on the default synthetic
dataset. The runs alternate (default ``--jobs``, then ``--jobs 1``, then ``--jobs 2``,
and again for each repeat) so that every kind sees the same load. For each run it
prints the whole command's wall time and splits it in two, from the time stamps of
the run's worker log (each task's line) and the store:

* **start-up**: from the command's start to the first task a worker starts
  (imports, the dataset, the plan, the forkserver);
* **execution**: from the first task's start to the last cell stored, the part that
  ``--jobs`` parallelises.

Usage (from the repository root, on a quiet machine)::

    python tests/speed/run_speed.py --repeat 3
    python tests/speed/run_speed.py --repeat 1 --compare /tmp/base-site   # also the README command of another version

``--compare SITE`` times the README command of a musicbench installed with
``pip install --no-deps --target SITE`` beside each repeat (its log lines may carry
no time stamps: then only its wall time is printed).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

STAMP = re.compile(r"^--- (\d\d):(\d\d):(\d\d)\.(\d{3}) worker")


def _first_task(folder: Path, started: datetime) -> float | None:
    """Seconds from ``started`` to the first task line of the run's worker log."""
    stamps = []
    for log in (folder / ".musicbench" / "logs").glob("*.log"):
        for line in log.read_text(errors="replace").splitlines():
            found = STAMP.match(line)
            if found:
                h, m, s, ms = (int(g) for g in found.groups())
                local = started.astimezone()
                stamp = local.replace(hour=h, minute=m, second=s, microsecond=ms * 1000)
                stamps.append((stamp - local).total_seconds())
    return min(stamps) if stamps else None


def _last_cell(folder: Path, started: datetime) -> float | None:
    with sqlite3.connect(folder / "musicbench.sqlite") as db:
        (last,) = db.execute("SELECT max(created_at) FROM cells").fetchone()
    return None if last is None else (datetime.fromisoformat(last) - started).total_seconds()


def one_run(jobs: int | None, site: str | None = None) -> dict[str, float | None]:
    env = dict(os.environ)
    if site:
        env["PYTHONPATH"] = site
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        command = [sys.executable, "-m", "musicbench.benchmark", "run", "--all"]  # as the README types it
        command += [] if jobs is None else ["--jobs", str(jobs)]
        started = datetime.now(timezone.utc)
        clock = time.perf_counter()
        done = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - clock
        if done.returncode not in (0, 1):
            sys.exit(f"bench run failed ({done.returncode}):\n{done.stderr}")
        first, last = _first_task(folder, started), _last_cell(folder, started)
    execution = None if first is None or last is None else last - first
    return {"wall": wall, "start-up": first, "execution": execution}


def _show(label: str, runs: list[dict[str, float | None]]) -> None:
    def median(key: str) -> str:
        values = [r[key] for r in runs if r[key] is not None]
        return f"{statistics.median(values):6.2f}" if values else "     -"  # type: ignore[type-var]

    each = ", ".join(f"{r['wall']:.2f}" for r in runs)
    print(
        f"{label:<28} wall {median('wall')} s  start-up {median('start-up')} s  execution {median('execution')} s  ({each})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", metavar="SITE", help="another musicbench installed in this folder")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"cores available: {cores}; load average before: {os.getloadavg()[0]:.2f}")
    runs: dict[str, list[dict[str, float | None]]] = {"default": [], "1": [], "2": [], "base": []}
    for _ in range(args.repeat):
        runs["default"].append(one_run(None))
        runs["1"].append(one_run(1))
        runs["2"].append(one_run(2))
        if args.compare:
            runs["base"].append(one_run(None, args.compare))
    _show("bench run --all (README)", runs["default"])
    _show("--jobs 1", runs["1"])
    _show("--jobs 2", runs["2"])
    if args.compare:
        _show(f"README command, {args.compare}", runs["base"])
    for key in ("wall", "execution"):
        one = [r[key] for r in runs["1"] if r[key] is not None]
        two = [r[key] for r in runs["2"] if r[key] is not None]
        if one and two:
            ratio = statistics.median(one) / statistics.median(two)  # type: ignore[type-var]
            print(f"--jobs 2 over --jobs 1, {key}: {ratio:.2f}x")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
