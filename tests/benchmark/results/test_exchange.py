"""Results files: export every cell, merge them back, refuse mismatched datasets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicbench import DataError
from musicbench.benchmark.results.exchange import FORMAT_VERSION, import_results, read_results, write_results
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore

FP = "f" * 64


def dataset(fingerprint: str = FP, args: dict | None = None) -> DatasetRecord:
    return DatasetRecord(
        fingerprint,
        "songs",
        args or {"n": 3},
        3,
        "genre",
        np.array(["a", "b", "c"]),
        {"genre": np.array(["rock", "pop", "rock"])},
    )


def cell(key: str, nmi: float, fingerprint: str = FP) -> CellRecord:
    return CellRecord(
        key=key,
        config_id="c-" + key,
        dataset="songs",
        dataset_fingerprint=fingerprint,
        encoder="pca",
        encoder_args={"n_components": 2},
        encoder_params={"n_components": 2, "random_state": 0},
        clusterer="kmeans",
        clusterer_args={},
        clusterer_params={"n_clusters": 2},
        seed=0,
        status="ok",
        reason=None,
        metrics={"nmi[genre]": {"value": nmi, "higher_is_better": True}},
        versions={"musicbench": "0.1.0"},
        created_at="2026-01-01T00:00:00",
        labels=np.array([0, 1, 0]),
    )


def store_with(path: Path, *cells: CellRecord, data: DatasetRecord | None = None) -> ResultStore:
    store = ResultStore(path)
    store.put_dataset(data or dataset())
    for record in cells:
        store.put(record)
    return store


def test_export_writes_every_field_of_every_cell(tmp_path: Path) -> None:
    store = store_with(tmp_path / "a.sqlite", cell("k1", 0.5), cell("k2", 0.25))
    assert write_results(store, tmp_path / "out.json") == 2
    data = read_results(tmp_path / "out.json")
    assert data["format_version"] == FORMAT_VERSION
    first = data["cells"][0]
    assert first["labels"] == [0, 1, 0] and first["dataset_fingerprint"] == FP
    assert first["encoder_params"] == {"n_components": 2, "random_state": 0}
    assert first["versions"] == {"musicbench": "0.1.0"}
    assert data["datasets"][0]["labels"] == {"genre": ["rock", "pop", "rock"]}


def test_import_adds_then_skips_identical_cells(tmp_path: Path) -> None:
    write_results(store_with(tmp_path / "a.sqlite", cell("k1", 0.5)), tmp_path / "out.json")
    target = ResultStore(tmp_path / "b.sqlite")
    first = import_results(target, tmp_path / "out.json")
    again = import_results(target, tmp_path / "out.json")
    assert (first.added, first.skipped, again.added, again.skipped) == (1, 0, 0, 1)
    record = target.record("k1")
    assert record is not None and record.labels.tolist() == [0, 1, 0] and record.value("nmi[genre]") == 0.5
    assert target.dataset(FP).track_ids.tolist() == ["a", "b", "c"]


def test_a_conflicting_cell_is_kept_beside_the_stored_one_with_provenance(tmp_path: Path) -> None:
    write_results(store_with(tmp_path / "a.sqlite", cell("k1", 0.5)), tmp_path / "theirs.json")
    ours = store_with(tmp_path / "b.sqlite", cell("k1", 0.4))
    summary = import_results(ours, tmp_path / "theirs.json")
    assert summary.conflicts == 1
    rows = {r.key: r for r in ours.records()}
    assert rows["k1"].value("nmi[genre]") == 0.4
    [imported] = [r for k, r in rows.items() if k != "k1"]
    assert imported.key.startswith("k1+") and imported.value("nmi[genre]") == 0.5
    assert imported.versions["imported_from"]["original_key"] == "k1"
    assert imported.versions["imported_from"]["file"] == "theirs.json"
    assert import_results(ours, tmp_path / "theirs.json").conflicts == 0  # not duplicated twice


def test_the_same_dataset_with_another_fingerprint_is_refused(tmp_path: Path) -> None:
    write_results(store_with(tmp_path / "a.sqlite", cell("k1", 0.5)), tmp_path / "theirs.json")
    other = "e" * 64
    ours = store_with(tmp_path / "b.sqlite", cell("k9", 0.4, other), data=dataset(other))
    with pytest.raises(DataError, match="different source data"):
        import_results(ours, tmp_path / "theirs.json")
    assert [r.key for r in ours.records()] == ["k9"], "nothing was imported"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"format": "other"}', "not a musicbench results file"),
        ('{"format": "musicbench-results", "format_version": 99}', "format_version 99"),
        (
            '{"format": "musicbench-results", "format_version": 1, "datasets": [], "cells": [{"key": "k"}]}',
            r"cells\[0\] lacks",
        ),
        (
            '{"format": "musicbench-results", "format_version": 1, "datasets": [{"fingerprint": "x"}], "cells": []}',
            r"datasets\[0\] lacks",
        ),
    ],
)
def test_a_bad_file_is_a_data_error_naming_the_entry(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        import_results(ResultStore(tmp_path / "s.sqlite"), path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("metrics", [], "metrics must be an object"),
        ("versions", "0.1.0", "versions must be an object"),
        ("modalities", "audio", "modalities must be a list of names"),
        ("modalities", ["audio", 3], "modalities must be a list of names"),
    ],
)
def test_every_json_column_is_type_checked_on_import(tmp_path: Path, field: str, value: object, message: str) -> None:
    import json

    write_results(store_with(tmp_path / "a.sqlite", cell("k1", 0.5)), tmp_path / "out.json")
    data = json.loads((tmp_path / "out.json").read_text())
    data["cells"][0][field] = value
    (tmp_path / "bad.json").write_text(json.dumps(data))
    target = ResultStore(tmp_path / "b.sqlite")
    with pytest.raises(DataError, match=rf"cells\[0\]\.{message}"):
        import_results(target, tmp_path / "bad.json")
    assert target.records() == []
