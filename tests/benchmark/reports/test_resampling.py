"""The paired bootstrap: registered contingency forms, intervals, ties, chance."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from musicbench import PluginError, build_registry
from musicbench.benchmark.reports import build
from musicbench.benchmark.reports.resampling import Resampler, chance, contingency_form, scores
from musicbench.benchmark.reports.text import ranking_digits, to_csv, to_markdown
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore
from musicbench.plugins.metrics import contingency
from musicbench.plugins.metrics.external import accuracy, contingency_table, purity

N_TRACKS = 2000


def _truth(n: int = N_TRACKS) -> np.ndarray:
    return np.random.default_rng(42).integers(0, 6, n)


def _noisy(truth: np.ndarray, keep: float, seed: int, k: int = 6) -> np.ndarray:
    """A clustering that keeps the class of a fraction ``keep`` of the tracks and is random elsewhere."""
    rng = np.random.default_rng(seed)
    return np.where(rng.random(truth.size) < keep, truth, rng.integers(0, k, truth.size)).astype(np.int32)


def _store(
    path,
    labelings: dict[str, list[np.ndarray]],
    truth: np.ndarray,
    order: list[str] | None = None,
    scored: dict[str, Callable[[np.ndarray, np.ndarray], float]] | None = None,
) -> ResultStore:
    """A store of one ``km`` cell per encoder and seed, with ``scored`` metrics (default NMI) against genre."""
    store = ResultStore(path)
    genre = np.array([f"g{t}" for t in truth])
    store.put_dataset(
        DatasetRecord("fp", "synthetic", {}, truth.size, "genre", np.arange(truth.size).astype(str), {"genre": genre})
    )
    cells = []
    for encoder, per_seed in labelings.items():
        for seed, labels in enumerate(per_seed):
            metrics: dict[str, dict[str, Any]] = {}
            for name, score in (scored or {"nmi": normalized_mutual_info_score}).items():
                value = float(score(truth, labels))
                metrics[f"{name}[genre]"] = {"value": value, "higher_is_better": True, "metric": name, "label": "genre"}
            metrics["n_clusters"] = {"value": float(np.unique(labels).size), "higher_is_better": None}
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
def test_the_registered_forms_match_scikit_learn(k):
    truth = _truth()
    pred = _noisy(truth, 0.3, 1, k)
    table = contingency_table(truth, pred)[None]
    form = {name: contingency_form(name) for name in ("nmi", "ari", "accuracy", "purity")}
    assert form["nmi"](table)[0] == pytest.approx(normalized_mutual_info_score(truth, pred), abs=1e-12)
    assert form["ari"](table)[0] == pytest.approx(adjusted_rand_score(truth, pred), abs=1e-12)
    assert form["accuracy"](table)[0] == pytest.approx(accuracy(truth, pred))
    assert form["purity"](table)[0] == pytest.approx(purity(truth, pred))


def test_a_metric_without_a_form_or_registration_has_none():
    assert contingency_form("ami") is None  # registered without one
    assert contingency_form("silhouette") is None  # not an external metric
    assert contingency_form("no-such-metric") is None


def test_a_form_that_breaks_its_contract_is_named():
    tables = np.ones((3, 2, 2))
    with pytest.raises(PluginError, match=r"returned shape \(\) for 3 tables"):
        scores(lambda t: 0.5, tables)
    with pytest.raises(PluginError, match="failed: ZeroDivisionError"):
        scores(lambda t: 1 / 0, tables)
    np.testing.assert_array_equal(scores(lambda t: t.sum(axis=(1, 2)), tables), [4.0, 4.0, 4.0])


def test_replicates_are_paired_and_reproducible():
    truth = _truth()
    a = _noisy(truth, 0.5, 1)
    first = Resampler(truth, 50, seed=3).replicates(contingency.nmi, [a, a.copy()])
    np.testing.assert_array_equal(first[0], first[1])  # the same resample for every labeling
    np.testing.assert_array_equal(first, Resampler(truth, 50, seed=3).replicates(contingency.nmi, [a, a]))
    assert not np.array_equal(first, Resampler(truth, 50, seed=4).replicates(contingency.nmi, [a, a]))
    assert first[0].min() < normalized_mutual_info_score(truth, a) < first[0].max()


def test_replicates_count_every_drawn_track_exactly():
    # the tables the forms receive are the bootstrap's exact counts, whatever the batching
    truth = _truth(300)
    pred = _noisy(truth, 0.5, 1)
    tables = []
    Resampler(truth, 7, seed=2).replicates(lambda t: tables.append(t.copy()) or t[:, 0, 0], [pred])
    draws = np.random.default_rng(2).integers(0, truth.size, size=(7, truth.size))
    codes = pd.factorize(pred)[0]  # clusters numbered by first appearance in the whole labeling
    expected = np.stack([np.bincount(truth[d] * 6 + codes[d], minlength=36).reshape(6, 6) for d in draws])
    np.testing.assert_array_equal(tables[0], expected)
    assert tables[0].dtype == np.float64


def test_shared_labelings_give_each_labeling_its_own_row():
    truth = _truth()
    a, b = _noisy(truth, 0.5, 1), _noisy(truth, 0.2, 2)
    sampler = Resampler(truth, 30, seed=1)
    both = sampler.replicates(contingency.nmi, [a, b, a + 7, b.copy()])  # a + 7: the same partition renamed
    alone = [sampler.replicates(contingency.nmi, [x])[0] for x in (a, b)]
    np.testing.assert_array_equal(both, np.stack([alone[0], alone[1], alone[0], alone[1]]))
    assert not np.array_equal(alone[0], alone[1])


def test_observed_is_the_metric_on_the_tracks_as_drawn():
    truth = _truth(500)
    labelings = [_noisy(truth, keep, s) for s, keep in enumerate((0.2, 0.5, 0.9))]
    observed = Resampler(truth, 10).observed(contingency.nmi, labelings)
    np.testing.assert_allclose(observed, [normalized_mutual_info_score(truth, x) for x in labelings], atol=1e-12)


def test_corrected_replicates_are_centred_on_the_observed_metric():
    # 60 tracks in 10 classes, clustered at random: resamples repeat tracks, which
    # raises NMI well above the observed value, so the uncorrected interval misses it
    truth = np.random.default_rng(1).integers(0, 10, 60)
    labels = np.random.default_rng(2).integers(0, 10, 60)
    sampler = Resampler(truth, 200, seed=0)
    raw = sampler.replicates(contingency.nmi, [labels])[0]
    fixed = sampler.corrected(contingency.nmi, [labels])[0]
    observed = normalized_mutual_info_score(truth, labels)
    assert np.percentile(raw, 2.5) > observed  # the defect the correction removes
    assert fixed.mean() == pytest.approx(observed, abs=1e-12)
    assert np.percentile(fixed, 2.5) < observed < np.percentile(fixed, 97.5)
    np.testing.assert_allclose(np.diff(fixed), np.diff(raw), atol=1e-12)  # shifted, not reshaped


def test_a_small_many_class_board_prints_intervals_around_its_means(tmp_path):
    truth = np.random.default_rng(3).integers(0, 12, 80)
    labelings = {
        name: [_noisy(truth, keep, s + i * 10, k=12) for s in range(3)]
        for i, (name, keep) in enumerate({"a": 0.5, "b": 0.3, "c": 0.0}.items())
    }
    board = build(_store(tmp_path / "s.sqlite", labelings, truth))
    for entry in board.entries:
        assert entry.low < entry.mean(board.metric) < entry.high, entry.encoder


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
    assert chance(contingency.nmi, truth, few)[0] < 0.01 < chance(contingency.nmi, truth, many)[0]
    assert abs(chance(contingency.ari, truth, many)[0]) < 0.01  # adjusted for chance


TOY_PLUGIN = """
import numpy as np
import pandas as pd

from musicbench import hookimpl


def inverse_purity_from_tables(tables):
    tables = np.asarray(tables, dtype=float)
    return tables.max(axis=2).sum(axis=1) / tables.sum(axis=(1, 2))


def inverse_purity(labels_true, labels_pred):
    t, p = pd.factorize(np.asarray(labels_true))[0], pd.factorize(np.asarray(labels_pred))[0]
    table = np.zeros((t.max() + 1, p.max() + 1))
    np.add.at(table, (t, p), 1)
    return float(inverse_purity_from_tables(table[None])[0])


@hookimpl
def register_metrics(register):
    register(
        "toy", inverse_purity, higher_is_better=True, scope="external", contingency=inverse_purity_from_tables
    )
"""


def test_a_metric_registered_with_a_form_gets_intervals(tmp_path):
    plugin = tmp_path / "toy_metric.py"
    plugin.write_text(TOY_PLUGIN)
    metrics_only = {"builtins": ("musicbench.plugins.metrics",), "entry_points": False, "environ": {}}
    registry = build_registry([plugin], **metrics_only)
    assert not registry.failures
    truth = _truth()
    labelings = {
        "good": [_noisy(truth, 0.7, s) for s in range(2)],
        "poor": [_noisy(truth, 0.3, s + 10) for s in range(2)],
    }
    store = _store(tmp_path / "s.sqlite", labelings, truth, scored={"toy": registry.get("metric", "toy").factory})
    board = build(store, metric="toy[genre]", registry=registry)
    good, poor = board.entries
    assert [(e.encoder, e.rank, e.tied) for e in board.entries] == [("good", 1, False), ("poor", 2, False)]
    assert good.low < good.high and poor.low < poor.high and poor.high < good.low
    assert "paired bootstrap" in board.bootstrap
    assert board.chance is not None and board.chance[1] < poor.mean("toy[genre]")
    # the same store read without the plugin: the metric is unknown, so no intervals
    plain = build(store, metric="toy[genre]", registry=build_registry(**metrics_only))
    assert "No bootstrap intervals" in plain.bootstrap and math.isnan(plain.entries[0].low)
    assert [e.encoder for e in plain.entries] == ["good", "poor"]


def test_a_broken_form_costs_the_intervals_not_the_leaderboard(tmp_path):
    plugin = tmp_path / "broken_metric.py"
    plugin.write_text(TOY_PLUGIN.replace("return tables.max(axis=2)", "return 1 / 0 * tables.max(axis=2)"))
    registry = build_registry([plugin], builtins=(), entry_points=False, environ={})
    truth = _truth(300)
    # any stored figure will do: the form is what breaks
    store = _store(tmp_path / "s.sqlite", {"a": [_noisy(truth, 0.5, 0)]}, truth, scored={"toy": purity})
    board = build(store, metric="toy[genre]", registry=registry)
    assert "No bootstrap intervals" in board.bootstrap and "ZeroDivisionError" in board.bootstrap
    assert math.isnan(board.entries[0].low) and board.entries[0].rank == 1
