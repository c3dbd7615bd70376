"""Start-up time of ``bench`` commands: whole-process wall time, median of repeats.

Times ``python -c pass`` (the interpreter alone), ``bench --version``, ``--help``,
``run --help``, ``plugins``, ``datasets`` and, given ``--store`` (a store where every
cell of ``bench run --all`` is already computed), the no-op rerun with and without
the leaderboard it prints. Each command runs ``--repeat`` times as
``python -m musicbench.benchmark``.

To compare with another version of musicbench, install it beside this one and pass
its folder; the two sides then alternate, command by command, so that both see the
same load::

    git archive BASE --prefix=base/ | tar -x -C /tmp && pip install --no-deps --target /tmp/base-site /tmp/base
    python tests/speed/cli_speed.py --compare /tmp/base-site --store /tmp/full.sqlite

(fill the store first with ``bench run --all --store /tmp/full.sqlite``; where the two
versions' cell keys differ, fill one store with each and pass the other's as
``--compare-store``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def timed(command: list[str], pythonpath: str | None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of the command's processes.

    On a loaded machine the wall time mostly measures waiting for a core; the CPU time
    is what the command itself needed, close to its wall time on a quiet machine.
    """
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return seconds, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", metavar="SITE", help="another musicbench installed in this folder (pip --target)")
    parser.add_argument("--store", help="a store holding every cell of `bench run --all`: time the no-op rerun")
    parser.add_argument(
        "--compare-store",
        help="the --compare side's own full store, where the two versions' cell keys differ (default: --store)",
    )
    args = parser.parse_args()
    bench = [sys.executable, "-m", "musicbench.benchmark"]
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "bench --version": [*bench, "--version"],
        "bench --help": [*bench, "--help"],
        "bench run --help": [*bench, "run", "--help"],
        "bench plugins": [*bench, "plugins"],
        "bench datasets": [*bench, "datasets"],
    }
    if args.store:
        commands["bench run --all (no-op), --top 0"] = [*bench, "run", "--all", "--store", args.store, "--top", "0"]
        commands["bench run --all (no-op)"] = [*bench, "run", "--all", "--store", args.store]
    sides = {"this": None, **({"compare": args.compare} if args.compare else {})}
    stores = {"this": args.store, "compare": args.compare_store or args.store}
    print(
        f"cores: {len(os.sched_getaffinity(0))}; load average before: {os.getloadavg()[0]:.2f}; "
        f"median of {args.repeat}, seconds: wall / CPU (user + system, the command's processes)"
    )
    print(f"{'command':36}" + "".join(f"{side:>16}" for side in sides))
    for name, command in commands.items():
        times: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
        for _ in range(args.repeat):
            for side, path in sides.items():  # alternate: both sides see the same load
                own = [stores[side] if part == args.store else part for part in command]
                times[side].append(timed(own, path))
        shown = [
            f"{statistics.median(w for w, _ in times[s]):7.2f} /{statistics.median(c for _, c in times[s]):6.2f}"
            for s in sides
        ]
        print(f"{name:36}" + "".join(f"{text:>16}" for text in shown), flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f} (other processes on the machine inflate every figure)")


if __name__ == "__main__":
    main()
