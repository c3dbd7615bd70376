"""The remembered top table: the same table as a built one, never shown for another store state."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from musicbench.benchmark.reports import board_cache, build, table
from musicbench.benchmark.reports.board_cache import load_top, remember_top, render_top, store_state
from musicbench.benchmark.reports.text import top_table
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore
from tests.benchmark.support import REPO, bench_here

N_TRACKS = 300
METRIC = "nmi[genre]"


def _text(renderable: object) -> str:
    console = Console(width=160, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(renderable)
    return console.export_text()


def _cell(encoder: str, seed: int, keep: float, when: str = "2026-01-01 00:00:00") -> CellRecord:
    from sklearn.metrics import normalized_mutual_info_score

    truth = np.arange(N_TRACKS) % 3
    rng = np.random.default_rng(seed + 10 * len(encoder))
    labels = np.where(rng.random(N_TRACKS) < keep, truth, rng.integers(0, 3, N_TRACKS))
    value = float(normalized_mutual_info_score(truth, labels))
    return CellRecord(
        key=f"{encoder}-{seed}",
        config_id=f"{encoder}-{seed}",
        dataset="toy",
        dataset_fingerprint="fp",
        encoder=encoder,
        encoder_args={},
        encoder_params={},
        clusterer="km",
        clusterer_args={},
        clusterer_params={},
        seed=seed,
        status="ok",
        reason=None,
        metrics={METRIC: {"value": value, "higher_is_better": True, "metric": "nmi", "label": "genre"}},
        embedding_key=encoder,
        created_at=when,
        labels=labels,
    )


@pytest.fixture
def store(tmp_path: Path) -> ResultStore:
    results = ResultStore(tmp_path / "s.sqlite")
    genre = np.array([f"g{i % 3}" for i in range(N_TRACKS)])
    results.put_dataset(
        DatasetRecord("fp", "toy", {}, N_TRACKS, "genre", np.arange(N_TRACKS).astype(str), {"genre": genre})
    )
    for encoder, keep in (("good", 0.8), ("poor", 0.2)):
        for seed in (0, 1):
            results.put(_cell(encoder, seed, keep))
    results.put_reference("fp", "ceiling", {METRIC: 0.9})
    return results


def _remember(results: ResultStore) -> None:
    state = store_state(results.path, "fp")
    remember_top(results.path, build(results, "toy"), state)


def _load(results: ResultStore) -> board_cache.TopRows | None:
    return load_top(results.path, "toy", "fp", METRIC, store_state(results.path, "fp"))


@pytest.mark.parametrize("n", [1, 2, 10])
def test_the_remembered_table_is_the_built_one(store: ResultStore, n: int) -> None:
    _remember(store)
    remembered = _load(store)
    assert remembered is not None
    board = build(store, "toy")
    assert _text(render_top(remembered, n)) == _text(top_table(board, n))
    shown = _text(render_top(remembered, n))
    assert f"toy: top {min(n, 2)} by nmi[genre]" in shown and "ceiling" in shown and "chance" in shown
    assert ("poor" in shown) == (n > 1)


def test_stores_side_by_side_keep_their_own_rows(store: ResultStore) -> None:
    other = ResultStore(store.path.with_name("other.sqlite"))  # the same folder, the same dataset
    record = store.dataset("fp")
    assert record is not None
    other.put_dataset(record)
    other.put(_cell("only", 0, 0.5))
    _remember(store)
    _remember(other)
    mine, theirs = _load(store), _load(other)
    assert mine is not None and theirs is not None  # neither replaced the other's rows
    assert "good" in _text(render_top(mine, 10)) and "only" in _text(render_top(theirs, 10))


def test_nothing_is_remembered_until_a_board_is_built(store: ResultStore) -> None:
    assert _load(store) is None


@pytest.mark.parametrize(
    "change",
    ["new cell", "forced rerun", "failed rerun", "new ceiling", "other labels"],
)
def test_a_changed_store_is_a_miss(store: ResultStore, change: str) -> None:
    _remember(store)
    assert _load(store) is not None
    if change == "new cell":
        store.put(_cell("third", 0, 0.5))
    elif change == "forced rerun":  # the same key again, computed later
        store.put(_cell("good", 0, 0.8, when="2026-01-02 00:00:00"))
    elif change == "failed rerun":
        store.put(dataclasses.replace(_cell("good", 0, 0.8), status="error", reason="boom", metrics={}))
    elif change == "new ceiling":
        store.put_reference("fp", "ceiling", {METRIC: 0.95})
    else:  # a row rewritten with other labels but the same time stamp (an import, a repair)
        cell = _cell("poor", 1, 0.2)
        store.put(dataclasses.replace(cell, labels=cell.labels[::-1].copy()))
    assert _load(store) is None
    _remember(store)  # built again, remembered again
    assert _load(store) is not None


def test_a_cell_written_while_the_board_was_built_is_a_miss(store: ResultStore, monkeypatch) -> None:
    before = store_state(store.path, "fp")
    board = build(store, "toy")
    store.put(_cell("late", 0, 0.5))  # lands after the board read the store
    remember_top(store.path, board, before)
    assert _load(store) is None  # the board does not show "late": it must not pass for the new state


def test_another_metric_or_code_version_is_a_miss(store: ResultStore, monkeypatch) -> None:
    _remember(store)
    state = store_state(store.path, "fp")
    assert load_top(store.path, "toy", "fp", "ari[genre]", state) is None
    monkeypatch.setattr(board_cache, "BOARD_CACHE_FORMAT", board_cache.BOARD_CACHE_FORMAT + 1)
    assert _load(store) is None


def test_an_unreadable_or_damaged_cache_is_a_miss(store: ResultStore, tmp_path: Path) -> None:
    _remember(store)
    (path,) = (tmp_path / ".musicbench" / "boards").glob("*.json")
    path.write_text("{not json", encoding="utf-8")
    assert _load(store) is None
    assert store_state(tmp_path / "missing.sqlite", "fp") is None


_READ = """
import json, sys
from rich.console import Console
from musicbench.benchmark.reports.board_cache import load_top, render_top, store_state
top = load_top({path!r}, "toy", "fp", "nmi[genre]", store_state({path!r}, "fp"))
Console(file=open("/dev/null", "w")).print(render_top(top, 10))
print(json.dumps([top is not None, sorted(m for m in ("numpy", "scipy", "pandas") if m in sys.modules)]))
"""


def test_reading_the_cache_imports_no_numeric_library(store: ResultStore) -> None:
    _remember(store)
    done = subprocess.run(
        [sys.executable, "-c", _READ.format(path=str(store.path))],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True, []]


def test_the_no_op_rerun_prints_the_remembered_table_until_the_store_changes(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    store = tmp_path / "s.sqlite"
    args = ["run", "--store", store, "-P", "n_tracks=200", "--encoders", "raw", "--clusterers", "kmeans,gmm"]
    code, first, err = bench_here(capsys, *args, "--seeds", "2")
    assert code == 0, err
    builds = []
    real_build = table.build
    monkeypatch.setattr(table, "build", lambda *a, **k: builds.append(a) or real_build(*a, **k))
    code, again, err = bench_here(capsys, *args, "--seeds", "2")
    assert code == 0 and "0 to compute" in err, err
    assert again == first and "gmm" in again and builds == []  # the run's table, from the cache
    results = ResultStore(store)
    (cell,) = [r for r in results.records(with_labels=True) if r.clusterer == "gmm" and r.seed == 0]
    metrics = {**cell.metrics, METRIC: {**cell.metrics[METRIC], "value": 0.0}}  # as a changed rerun would
    results.put(dataclasses.replace(cell, metrics=metrics, created_at=cell.created_at + "1"))
    results.close()
    code, after, err = bench_here(capsys, *args, "--seeds", "2")
    assert code == 0 and "0 to compute" in err, err
    assert len(builds) == 1 and after != again  # built again from the changed store, not the old rows
    code, last, err = bench_here(capsys, *args, "--seeds", "2")
    assert last == after and len(builds) == 1  # and remembered for the next rerun


def test_bench_leaderboard_builds_the_chosen_board_once_and_remembers_it(
    capsys, store: ResultStore, tmp_path: Path, monkeypatch
) -> None:
    genre = np.array([f"g{i % 3}" for i in range(N_TRACKS)])
    store.put_dataset(
        DatasetRecord("fp2", "other", {}, N_TRACKS, "genre", np.arange(N_TRACKS).astype(str), {"genre": genre})
    )
    store.put(dataclasses.replace(_cell("good", 0, 0.8), key="o-0", dataset="other", dataset_fingerprint="fp2"))
    builds = []
    real_build = table.build
    monkeypatch.setattr(table, "build", lambda *a, **k: builds.append(a[1:]) or real_build(*a, **k))
    out = tmp_path / "lb"
    code, printed, err = bench_here(
        capsys, "leaderboard", "--store", store.path, "--dataset", "toy", "--output", out, "--projection", "none"
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == ["toy.csv", "toy.html", "toy.md"]
    assert builds == [("toy", None)]  # the chosen board only, and only once
    remembered = _load(store)
    assert remembered is not None and remembered["rows"][0][:3] == ["1", "good", "km"]
    assert "toy: top 2 by nmi[genre]" in printed and "other" not in printed
    code, _, err = bench_here(capsys, "leaderboard", "--store", store.path, "--dataset", "nope", "--output", out)
    assert code == 2 and "no cells for dataset 'nope'" in " ".join(err.split())
