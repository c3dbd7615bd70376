"""The paired bootstrap: metrics from contingency tables, intervals, ties, chance."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from musicbench.benchmark.reports import build
from musicbench.benchmark.reports.resampling import Resampler, chance, metric_from_tables
from musicbench.benchmark.reports.text import ranking_digits, to_csv, to_markdown
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore
from musicbench.plugins.metrics.external import accuracy, contingency_table, purity

N_TRACKS = 2000


def _truth(n: int = N_TRACKS) -> np.ndarray:
    return np.random.default_rng(42).integers(0, 6, n)


def _noisy(truth: np.ndarray, keep: float, seed: int, k: int = 6) -> np.ndarray:
    """A clustering that keeps the class of a fraction ``keep`` of the tracks and is random elsewhere."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(truth.size) < keep, truth, rng.integers(0, k, truth.size)).astype(np.int32)


def _store(
    path, labelings: dict[str, list[np.ndarray]], truth: np.ndarray, order: list[str] | None = None
) -> ResultStore:
    store = ResultStore(path)
    genre = np.array([f"g{t}" for t in truth])
    store.put_dataset(
        DatasetRecord("fp", "synthetic", {}, truth.size, "genre", np.arange(truth.size).astype(str), {"genre": genre})
    )
    cells = []
    for encoder, per_seed in labelings.items():
        for seed, labels in enumerate(per_seed):
            value = float(normalized_mutual_info_score(truth, labels))
            metrics = {
                "nmi[genre]": {"value": value, "higher_is_better": True, "metric": "nmi", "label": "genre"},
                "n_clusters": {"value": float(np.unique(labels).size), "higher_is_better": None},
            }
            cells.append(
                CellRecord(
                    key=f"{encoder}-{seed}",
                    config_id=f"{encoder}-{seed}",
                    dataset="synthetic",
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
                    metrics=metrics,
                    embedding_key=encoder,
                    created_at="2026-01-01",
                    labels=labels,
                )
            )
    if order is not None:
        cells.sort(key=lambda c: order.index(c.key))
    for cell in cells:
        store.put(cell)
    return store


@pytest.mark.parametrize("k", [2, 6, 40])
def test_metrics_from_tables_match_scikit_learn(k):
    truth = _truth()
    pred = _noisy(truth, 0.3, 1, k)
    table = contingency_table(truth, pred)[None]
    assert metric_from_tables("nmi", table)[0] == pytest.approx(normalized_mutual_info_score(truth, pred), abs=1e-12)
    assert metric_from_tables("ari", table)[0] == pytest.approx(adjusted_rand_score(truth, pred), abs=1e-12)
    assert metric_from_tables("accuracy", table)[0] == pytest.approx(accuracy(truth, pred))
    assert metric_from_tables("purity", table)[0] == pytest.approx(purity(truth, pred))


def test_replicates_are_paired_and_reproducible():
    truth = _truth()
    a = _noisy(truth, 0.5, 1)
    first = Resampler(truth, 50, seed=3).replicates("nmi", [a, a.copy()])
    np.testing.assert_array_equal(first[0], first[1])  # the same resample for every labeling
    np.testing.assert_array_equal(first, Resampler(truth, 50, seed=3).replicates("nmi", [a, a]))
    assert not np.array_equal(first, Resampler(truth, 50, seed=4).replicates("nmi", [a, a]))
    assert first[0].min() < normalized_mutual_info_score(truth, a) < first[0].max()


def test_identical_labels_tie(tmp_path):
    truth = _truth()
    same = [_noisy(truth, 0.4, s) for s in range(2)]
    board = build(_store(tmp_path / "s.sqlite", {"a": same, "b": [x.copy() for x in same]}, truth))
    assert [(e.rank, e.tied) for e in board.entries] == [(1, True), (1, True)]


@pytest.mark.parametrize("seed", range(5))
def test_entries_far_apart_never_tie(tmp_path, seed):
    truth = _truth()
    labelings = {
        "good": [_noisy(truth, 0.6, s) for s in range(2)],
        "poor": [_noisy(truth, 0.3, s + 10) for s in range(2)],
    }
    board = build(_store(tmp_path / "s.sqlite", labelings, truth), seed=seed)
    assert [(e.encoder, e.rank, e.tied) for e in board.entries] == [("good", 1, False), ("poor", 2, False)]
    good, poor = board.entries
    assert good.low < good.mean("nmi[genre]") < good.high and poor.high < good.low


def test_ranks_and_intervals_do_not_depend_on_row_order(tmp_path):
    truth = _truth()
    labelings = {
        name: [_noisy(truth, keep, s + i * 10) for s in range(2)]
        for i, (name, keep) in enumerate({"a": 0.50, "b": 0.49, "c": 0.40, "d": 0.39}.items())
    }
    keys = [f"{n}-{s}" for n in labelings for s in range(2)]
    boards = [
        build(_store(tmp_path / f"{i}.sqlite", labelings, truth, order)) for i, order in enumerate([keys, keys[::-1]])
    ]
    first, second = ([(e.encoder, e.rank, e.low, e.high) for e in b.entries] for b in boards)
    assert first == second  # bit for bit
    assert to_csv(boards[0]) == to_csv(boards[1])
    assert {e.encoder: e.rank for e in boards[0].entries} == {"a": 1, "b": 1, "c": 3, "d": 3}


def test_digits_tell_apart_rows_of_different_rank_and_chance_row(tmp_path):
    truth = _truth(20_000)
    labelings = {"a": [_noisy(truth, 0.30, 1)], "b": [_noisy(truth, 0.3, 2)]}
    board = build(_store(tmp_path / "s.sqlite", labelings, truth))
    digits = ranking_digits(board)
    a, b = board.entries
    if a.rank != b.rank:
        assert f"{a.mean(board.metric):.{digits}f}" != f"{b.mean(board.metric):.{digits}f}"
    markdown = to_markdown(board)
    assert "| ref | chance |" in markdown and "95th pct" in markdown
    assert board.chance is not None and board.chance[0] < board.chance[1] < b.mean(board.metric)


def test_chance_rises_with_the_number_of_clusters():
    truth = _truth()
    few, many = (np.random.default_rng(0).integers(0, k, truth.size) for k in (6, 300))
    assert chance("nmi", truth, few)[0] < 0.01 < chance("nmi", truth, many)[0]
    assert abs(chance("ari", truth, many)[0]) < 0.01  # adjusted for chance
