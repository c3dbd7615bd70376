"""Plant the faults issue #16 names, one at a time, and check that the suite notices.

Usage: python tests/mutation/planted.py [SCRATCH_DIR]

cosmic-ray never swaps two names or drops an argument, so the faults the issue's spot
check planted (a metric registered under another's name, a key input left out, a
worker check switched off, a run flag ignored...) are planted here by hand, each in a
copy of the working tree (the same package mapping as run.sh), and the tests that
should catch it are run. Exit status 1 if any fault goes unnoticed.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FAULTS = [
    (
        "ari and ami registrations swapped",
        "plugins/metrics/__init__.py",
        "register(name, getattr(external, name),",
        'register(name, getattr(external, {"ari": "ami", "ami": "ari"}.get(name, name)),',
        "tests/plugins/metrics/test_registered.py",
    ),
    (
        "the encoder's plugin version left out of the embedding key",
        "benchmark/planning/plan.py",
        "key = embedding_key(dataset.fingerprint, name, params, seed, entry.source.version, package_versions())",
        'key = embedding_key(dataset.fingerprint, name, params, seed, "", package_versions())',
        "tests/benchmark/planning/test_keys.py",
    ),
    (
        "the clusterer's plugin version left out of the cell key",
        "benchmark/planning/plan.py",
        "key = cell_key(spec, clusterer, params, entry.source.version)",
        'key = cell_key(spec, clusterer, params, "")',
        "tests/benchmark/planning/test_keys.py",
    ),
    (
        "library versions left out of the embedding key",
        "benchmark/results/cache.py",
        "dict(package_versions() if packages is None else packages),",
        "{},",
        "tests/benchmark/planning/test_keys.py",
    ),
    (
        "the worker's dataset check switched off",
        "benchmark/running/work.py",
        "if self.dataset.fingerprint != context.fingerprint:",
        "if False:",
        "tests/benchmark/running/test_worker_checks.py",
    ),
    (
        "the worker's plugin check switched off",
        "benchmark/running/work.py",
        "if self.registry.plugin_versions() != versions:",
        "if False:",
        "tests/benchmark/running/test_worker_checks.py",
    ),
    (
        "the Dask timeout ignored",
        "benchmark/running/work.py",
        "    if timeout is None:\n        return run_task(",
        "    if True:\n        return run_task(",
        "tests/benchmark/running/test_worker_checks.py",
    ),
    (
        "--retry-failed ignored",
        "benchmark/running/runner.py",
        "redo = set(FAILED) if retry_failed else set()",
        "redo = set()",
        "tests/benchmark/running/test_runner_flags.py",
    ),
    (
        "--force reuses the cached embedding",
        "benchmark/running/runner.py",
        "cached = None if force else run.cache.get(key)",
        "cached = run.cache.get(key)",
        "tests/benchmark/running/test_runner_flags.py",
    ),
    (
        "--timeout ignored",
        "benchmark/cli/run.py",
        "config.timeout = timeout or config.timeout",
        "config.timeout = config.timeout",
        "tests/benchmark/running/test_runner_flags.py",
    ),
    (
        "the best weights not restored after early stopping",
        "plugins/encoders/core/training.py",
        "    module.load_state_dict(best_state)\n",
        "",
        "tests/plugins/encoders/core/test_training_promises.py",
    ),
    (
        "noise counted as a cluster by internal metrics",
        "benchmark/running/evaluation.py",
        "rows = rows[labels[rows] != NOISE]",
        "rows = rows",
        "tests/benchmark/running/test_evaluation.py",
    ),
    (
        "'|' not escaped in Markdown",
        "benchmark/reports/text.py",
        'for char in "\\\\|`*_[]":',
        'for char in "\\\\`*_[]":',
        "tests/benchmark/reports/test_hostile_text.py",
    ),
]


def _copy(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)
    (work / "src").mkdir(parents=True)
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in files:
            if (REPO / name).is_file():
                tar.add(REPO / name, arcname=name)
    buffer.seek(0)
    with tarfile.open(fileobj=buffer) as tar:
        tar.extractall(work / "src", filter="data")
    package = work / "shadow" / "musicbench"
    package.mkdir(parents=True)
    for entry in (work / "src" / "registry").iterdir():
        (package / entry.name).symlink_to(entry)
    (package / "plugins").symlink_to(work / "src" / "plugins")
    (package / "benchmark").symlink_to(work / "src" / "benchmark")


def main(work: Path) -> int:
    _copy(work)
    env = {**os.environ, "PYTHONPATH": str(work / "shadow"), "PYTHONDONTWRITEBYTECODE": "1"}
    missed = []
    for what, path, old, new, tests in FAULTS:
        target = work / "src" / path
        original = target.read_text()
        assert original.count(old) == 1, f"{path}: the code to change is not there once: {old!r}"
        target.write_text(original.replace(old, new))
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", tests],
                cwd=work / "src",
                env=env,
                capture_output=True,
                text=True,
            )
        finally:
            target.write_text(original)
        caught = proc.returncode == 1  # tests failed (2+ would be a usage or collection error)
        print(f"{'caught' if caught else 'MISSED'}: {what} ({tests}, exit {proc.returncode})", flush=True)
        if not caught:
            missed.append(what)
    print(f"{len(FAULTS) - len(missed)} of {len(FAULTS)} planted faults caught")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/musicbench-planted")))
