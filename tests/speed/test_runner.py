"""Benchmark: runner overhead per cell.

The same cheap cells (raw and pca encoders x kmeans, several seeds, metrics and
all) are computed twice: by ``bench run`` (plan, worker process, cache, SQLite
store, progress) and by a plain loop in this process. Both are in the group
"runner overhead"; their difference divided by ``extra_info['cells']`` is the
runner's overhead per cell. The worker process's start-up is included on purpose:
a user pays it on every run.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from musicbench import Registry
from musicbench.benchmark.cli import main
from musicbench.benchmark.running.evaluation import evaluate
from musicbench.resolution import resolve_clusterer_params, resolve_encoder_params

ENCODERS, CLUSTERERS, SEEDS, TRACKS = ("raw", "pca"), ("kmeans",), 4, 1500


def bench_run(folder: Path) -> None:
    folder.mkdir()
    try:
        main(
            [
                "run",
                "--encoders",
                ",".join(ENCODERS),
                "--clusterers",
                ",".join(CLUSTERERS),
                "--seeds",
                str(SEEDS),
                "-P",
                f"n_tracks={TRACKS}",
                "--store",
                str(folder / "s.sqlite"),
                "--top",
                "0",
                "--jobs",
                "1",
            ]
        )  # one worker against the one-process loop
    except SystemExit as exc:
        assert not exc.code, f"bench run exited with {exc.code}"


def plain_loop(registry: Registry) -> int:
    dataset = registry.get("dataset", "synthetic").create(n_tracks=TRACKS).load()
    cells = 0
    for name, clusterer_name, seed in itertools.product(ENCODERS, CLUSTERERS, range(SEEDS)):
        entry = registry.get("encoder", name)
        Z = entry.factory(**resolve_encoder_params(entry, {}, seed)).fit(dataset).transform(dataset)
        centry = registry.get("clusterer", clusterer_name)
        params = resolve_clusterer_params(centry, {}, dataset.n_tracks, dataset.n_classes(), seed)
        evaluate(registry.metrics(), dataset, Z, centry.factory(**params).fit_predict(Z))
        cells += 1
    return cells


def test_runner(benchmark, tmp_path: Path) -> None:
    runs = iter(range(1000))
    benchmark.group = "runner overhead"
    benchmark.extra_info["cells"] = len(ENCODERS) * len(CLUSTERERS) * SEEDS
    benchmark.pedantic(lambda: bench_run(tmp_path / f"run{next(runs)}"), rounds=3, iterations=1)


def test_plain_loop(benchmark, registry: Registry) -> None:
    benchmark.group = "runner overhead"
    benchmark.extra_info["cells"] = len(ENCODERS) * len(CLUSTERERS) * SEEDS
    cells = benchmark.pedantic(plain_loop, args=(registry,), rounds=3, iterations=1)
    assert cells == benchmark.extra_info["cells"]
