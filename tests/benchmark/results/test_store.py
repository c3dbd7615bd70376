"""The SQLite result store: schema version, round trips, replace-by-key."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from musicbench.benchmark.results.store import SCHEMA_VERSION, CellRecord, DatasetRecord, ResultStore
from musicbench.errors import ConfigError, DataError


def _record(key: str = "k1", status: str = "ok", value: float | None = 0.5) -> CellRecord:
    return CellRecord(
        key=key,
        config_id="c-" + key,
        dataset="synthetic",
        dataset_fingerprint="fp",
        encoder="pca",
        encoder_args={"n": 2},
        encoder_params={"n": 2, "random_state": 0},
        clusterer="kmeans",
        clusterer_args={},
        clusterer_params={"n_clusters": 3},
        seed=0,
        status=status,
        reason=None,
        metrics={"nmi[genre]": {"value": value, "higher_is_better": True}},
        fit_s=0.1,
        embedding_key="e",
        versions={"numpy": "x"},
        created_at="2026-01-01T00:00:00",
        labels=np.array([0, 1, 2, -1], dtype=np.int32),
    )


def test_cells_round_trip_and_replace_by_key(tmp_path):
    store = ResultStore(tmp_path / "s.sqlite")
    store.put(_record())
    store.put(_record(value=None))  # undefined metric values are stored as null
    [back] = store.records(with_labels=True)
    assert back.metrics["nmi[genre]"]["value"] is None and back.encoder_params == {"n": 2, "random_state": 0}
    assert list(back.labels) == [0, 1, 2, -1] and back.schema_version == SCHEMA_VERSION
    assert store.statuses(["k1", "absent"]) == {"k1": "ok"}
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    with pytest.raises(ValueError):
        store.put(_record("k2", status="crashed"))


def test_datasets_keep_track_ids_and_labels_without_pickle(tmp_path):
    store = ResultStore(tmp_path / "s.sqlite")
    ids = np.array(["a", "b"], dtype=object)
    store.put_dataset(
        DatasetRecord("fp", "synthetic", {}, 2, "genre", ids, {"genre": np.array(["x", ""], dtype=object)})
    )
    info = store.dataset("fp")
    assert list(info.track_ids) == ["a", "b"] and list(info.labels["genre"]) == ["x", ""]


def test_another_schema_version_is_refused_clearly(tmp_path):
    path = tmp_path / "s.sqlite"
    ResultStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(ConfigError, match="schema version 99"):
        ResultStore(path)
    (tmp_path / "junk.sqlite").write_text("this is not a database, " * 100)
    with pytest.raises(DataError, match="junk.sqlite is damaged .*file is not a database.*recover"):
        ResultStore(tmp_path / "junk.sqlite")
