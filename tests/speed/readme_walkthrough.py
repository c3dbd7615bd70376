"""Time the README's plugin walk-through (``<!-- example:walkthrough -->``), command by command.

It runs the block's commands in a fresh virtual environment in a temporary folder,
as a newcomer would after installing musicbench, and prints the seconds each took.
tests/test_readme.py runs the same walk-through as a test.

The new venv sees this environment's packages (torch, scikit-learn, musicbench's
dependencies) through a ``.pth`` file instead of downloading them again, and gets
musicbench itself (and so ``bench``) from this checkout. By default ``pip install``
runs with ``--no-deps --no-build-isolation``, so nothing is downloaded; ``--verbatim``
runs the README's pip command exactly as written (pip then fetches setuptools from
the package index for the build).

Usage::

    python tests/speed/readme_walkthrough.py [--verbatim] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
OFFLINE_PIP = "python -m pip install --quiet --no-deps --no-build-isolation"


@dataclass(frozen=True)
class Step:
    command: str
    seconds: float
    returncode: int
    output: str


def walkthrough_commands(readme: Path = README) -> list[str]:
    """The commands of the README's ``example:walkthrough`` block, comments dropped."""
    match = re.search(r"<!-- example:walkthrough -->\n```\w*\n(.*?)```", readme.read_text(encoding="utf-8"), re.S)
    if match is None:
        raise SystemExit(f"{readme} has no <!-- example:walkthrough --> block")
    commands = [line.split(" #", 1)[0].strip() for line in match.group(1).splitlines()]
    return [c for c in commands if c and not c.startswith("#")]


def make_venv(folder: Path) -> dict[str, str]:
    """A fresh venv that borrows this environment's packages; return its environment."""
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    # addsitedir, not a bare path: the parent's .pth files (its packages) are read too
    Path(site, "_walkthrough_parent.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    # pytest comes from the parent environment's packages: a `pytest` command of this venv
    shim = venv / "bin" / "pytest"
    shim.write_text(f'#!/bin/sh\nexec "{python}" -m pytest "$@"\n')
    shim.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MUSICBENCH_PLUGINS", "MUSICBENCH_DISABLE", "PYTHONPATH")}
    # nothing of the parent environment's bin/ on PATH: only this venv's commands
    parent_bin = str(Path(sys.executable).parent)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != parent_bin]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["VIRTUAL_ENV"] = str(venv)
    env["COLUMNS"] = "160"
    # musicbench into the new venv (its `bench` script), from this checkout
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", str(REPO)],
        check=True,
        capture_output=True,
        env=env,
    )
    return env


def run_walkthrough(folder: Path, verbatim: bool = False) -> list[Step]:
    """Run every walk-through command in ``folder``; stop at the first that fails."""
    env = make_venv(folder)
    steps = []
    for command in walkthrough_commands():
        shell = command if verbatim else re.sub(r"^pip install", OFFLINE_PIP, command)
        start = time.perf_counter()
        done = subprocess.run(shell, shell=True, cwd=folder, env=env, capture_output=True, text=True)
        steps.append(Step(command, time.perf_counter() - start, done.returncode, done.stdout + done.stderr))
        if done.returncode != 0:
            break
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbatim", action="store_true", help="run pip exactly as the README writes it")
    parser.add_argument("--keep", type=Path, help="work in this (new) folder and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        steps = run_walkthrough(folder, args.verbatim)
    for step in steps:
        print(f"{step.seconds:7.1f} s  {'ok ' if step.returncode == 0 else 'FAILED'}  {step.command}")
    print(f"{sum(s.seconds for s in steps):7.1f} s  total")
    if any(s.returncode for s in steps):
        print(steps[-1].output)
        sys.exit(1)


if __name__ == "__main__":
    main()
