"""The supervised ceiling: computed once per dataset, kept in the store, shown as a reference row."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import MetricSpec, build_registry
from musicbench.benchmark.planning.datasets import load_dataset
from musicbench.benchmark.reports import build
from musicbench.benchmark.reports.text import to_csv, to_markdown
from musicbench.benchmark.running import ceiling
from tests.benchmark.reports.test_resampling import _noisy, _store, _truth


@pytest.fixture(autouse=True)
def _own_memo(tmp_path, monkeypatch):
    """Each test its own memo folder: a ceiling remembered by another test would not be computed here."""
    monkeypatch.setattr(ceiling, "memo_folder", lambda: tmp_path / "memo")


def test_the_ceiling_is_computed_once_and_stored(tmp_path):
    registry = build_registry(entry_points=False)
    data = load_dataset(registry, "synthetic", {"n_tracks": 200, "lyrics": False})
    store = _store(tmp_path / "s.sqlite", {}, _truth())
    first = ceiling.ensure(store, data, registry.metrics())
    assert first is not None and 0.0 < first["nmi[genre]"] <= 1.0 and first["n_rows"] == 200
    assert store.reference(data.fingerprint, "ceiling") == first
    again = ceiling.compute(data, registry.metrics())
    np.testing.assert_equal(again["nmi[genre]"], first["nmi[genre]"])  # fixed seed: the same figure


def test_the_background_ceiling_is_the_same_figure_stored_by_the_caller(tmp_path):
    registry = build_registry(entry_points=False)
    data = load_dataset(registry, "synthetic", {"n_tracks": 200, "lyrics": False})
    store = _store(tmp_path / "s.sqlite", {}, _truth())
    running = ceiling.Background(store, data, registry.metrics())
    assert running._thread is not None  # nothing stored yet: it computes
    value = running.finish()
    again = ceiling.compute(data, registry.metrics())
    assert value == store.reference(data.fingerprint, "ceiling") == again | {"seconds": value["seconds"]}
    assert ceiling.Background(store, data, registry.metrics())._thread is None  # stored: nothing to compute again


def test_a_failing_background_ceiling_raises_in_the_callers_thread(tmp_path, monkeypatch):
    registry = build_registry(entry_points=False)
    data = load_dataset(registry, "synthetic", {"n_tracks": 200, "lyrics": False})
    store = _store(tmp_path / "s.sqlite", {}, _truth())

    def too_few(dataset, metrics):
        raise ValueError("n_splits=5 cannot be greater than the number of members in each class")

    monkeypatch.setattr(ceiling, "compute", too_few)
    running = ceiling.Background(store, data, registry.metrics())
    with pytest.raises(ValueError, match="n_splits"):
        running.finish()
    assert store.reference(data.fingerprint, "ceiling") is None


def test_a_dataset_too_small_for_the_folds_says_so_in_its_own_terms():
    registry = build_registry(entry_points=False)
    data = load_dataset(registry, "synthetic", {"n_tracks": 200, "lyrics": False})
    tiny = data.subset(np.arange(4))  # an audio folder of four clips, as a user tried
    with pytest.raises(
        ValueError,
        match=r"5-fold cross-validation needs a genre class of 5 tracks or more; "
        r"the largest has \d of 4 tracks with a known genre",
    ):
        ceiling.compute(tiny, registry.metrics())


def test_the_ceiling_scores_through_the_registered_metrics():
    registry = build_registry(entry_points=False)
    data = load_dataset(registry, "synthetic", {"n_tracks": 200, "lyrics": False})
    metrics = registry.metrics()
    assert ceiling.compute(data, metrics).keys() >= {"nmi[genre]", "ari[genre]", "accuracy[genre]"}
    # A registered "nmi" is the one called; an unregistered metric is left out, not imported.
    constant = MetricSpec("nmi", lambda truth, predicted: 0.25, scope="external", higher_is_better=True)
    scored = ceiling.compute(data, [constant, *(m for m in metrics if m.name not in ("nmi", "ari"))])
    assert scored["nmi[genre]"] == 0.25 and "ari[genre]" not in scored and "accuracy[genre]" in scored


def test_without_a_ceiling_metric_nothing_is_computed(tmp_path):
    registry = build_registry(entry_points=False)
    data = load_dataset(registry, "synthetic", {"n_tracks": 200, "lyrics": False})
    store = _store(tmp_path / "s.sqlite", {}, _truth())
    internal_only = [m for m in registry.metrics() if m.scope != "external"]
    assert ceiling.ensure(store, data, internal_only) is None
    assert ceiling.Background(store, data, internal_only)._thread is None


def test_the_leaderboard_shows_the_stored_ceiling(tmp_path):
    truth = _truth()
    store = _store(tmp_path / "s.sqlite", {"a": [_noisy(truth, 0.4, 1)]}, truth)
    store.put_reference("fp", "ceiling", {"nmi[genre]": 0.6789, "method": "test"})
    board = build(store)
    assert board.ceiling is not None
    assert "| ref | ceiling | supervised gradient boosting (CV) | audio | 0.679 |" in to_markdown(board)
    assert to_csv(board).splitlines()[-1].startswith(",,ceiling,ceiling")


def _synthetic(n_tracks: int = 200):
    registry = build_registry(entry_points=False)
    return registry, load_dataset(registry, "synthetic", {"n_tracks": n_tracks, "lyrics": False})


def test_a_new_store_reads_the_remembered_ceiling_instead_of_fitting(tmp_path, monkeypatch):
    registry, data = _synthetic()
    first = ceiling.ensure(_store(tmp_path / "a.sqlite", {}, _truth()), data, registry.metrics())
    assert first is not None and len(list((tmp_path / "memo").glob("*.json"))) == 1

    def no_fit(dataset, metrics):
        raise AssertionError("the remembered ceiling should have been read")

    monkeypatch.setattr(ceiling, "compute", no_fit)
    other = _store(tmp_path / "b.sqlite", {}, _truth())
    assert ceiling.ensure(other, data, registry.metrics()) == first == other.reference(data.fingerprint, "ceiling")
    third = _store(tmp_path / "c.sqlite", {}, _truth())
    running = ceiling.Background(third, data, registry.metrics())
    assert running._thread is None and running.finish() == first == third.reference(data.fingerprint, "ceiling")


def test_the_memo_is_keyed_by_the_rows_the_metrics_and_the_versions(monkeypatch):
    registry, data = _synthetic()
    metrics = registry.metrics()
    path = ceiling._memo_path(data, metrics)
    assert path is not None and ceiling._memo_path(data, metrics) == path  # the same computation, the same file
    assert ceiling._memo_path(data.subset(np.arange(199)), metrics) != path  # other rows
    relabelled = data.subset(np.arange(200))
    relabelled.labels["genre"] = np.roll(np.asarray(relabelled.labels["genre"]), 1)
    assert ceiling._memo_path(relabelled, metrics) != path  # other labels, the same features
    constant = MetricSpec("nmi", lambda truth, predicted: 0.25, scope="external", higher_is_better=True)
    assert ceiling._memo_path(data, [constant, *(m for m in metrics if m.name != "nmi")]) != path  # another nmi
    monkeypatch.setattr(ceiling, "versions_of", lambda names: {name: "0.0" for name in names})
    assert ceiling._memo_path(data, metrics) != path  # another scikit-learn or numpy


def test_a_damaged_memo_is_a_miss_and_an_unwritable_one_costs_only_the_fit(tmp_path, monkeypatch):
    registry, data = _synthetic()
    metrics = registry.metrics()
    path = ceiling._memo_path(data, metrics)
    assert path is not None
    path.parent.mkdir(parents=True)
    for damaged in ("{not json", "[]", '{"nmi[genre]": "high", "n_rows": 200}', '{"nmi[genre]": 0.5}'):
        path.write_text(damaged)
        assert ceiling._load(path, data, metrics) is None, damaged
    value = ceiling.ensure(_store(tmp_path / "a.sqlite", {}, _truth()), data, metrics)
    assert value is not None and ceiling._load(path, data, metrics) == value  # computed and written over it
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setattr(ceiling, "memo_folder", lambda: blocked / "memo")  # a folder that cannot be made
    store = _store(tmp_path / "b.sqlite", {}, _truth())
    assert ceiling.ensure(store, data, metrics) == value | {
        "seconds": store.reference(data.fingerprint, "ceiling")["seconds"]
    }
