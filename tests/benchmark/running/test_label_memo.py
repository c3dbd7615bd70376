"""Labels shared between cells that cluster identical bytes with a seedless clusterer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicbench import build_registry
from musicbench.benchmark.results.store import ResultStore
from musicbench.benchmark.running import label_memo
from musicbench.benchmark.running.label_memo import LabelMemo, embedding_digest, label_key, memoisable
from tests.benchmark.support import bench


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    return build_registry((), ())


def test_only_clusterers_without_a_seed_are_memoised(registry) -> None:  # type: ignore[no-untyped-def]
    assert memoisable(registry.get("clusterer", "agglomerative"))
    assert memoisable(registry.get("clusterer", "hdbscan"))
    assert not memoisable(registry.get("clusterer", "kmeans"))
    assert not memoisable(registry.get("clusterer", "gmm"))


def test_the_key_follows_the_bytes_the_parameters_and_the_threads(registry) -> None:  # type: ignore[no-untyped-def]
    Z = np.arange(12, dtype=np.float64).reshape(6, 2)
    entry = registry.get("clusterer", "agglomerative")
    key = label_key(Z, entry, {"n_clusters": 2}, None)
    assert key == label_key(Z.copy(), entry, {"n_clusters": 2}, None)
    changed = Z.copy()
    changed[3, 1] = np.nextafter(changed[3, 1], np.inf)  # one bit of one value
    assert label_key(changed, entry, {"n_clusters": 2}, None) != key
    assert label_key(Z, entry, {"n_clusters": 3}, None) != key
    assert label_key(Z, entry, {"n_clusters": 2}, 2) != key
    assert label_key(Z, registry.get("clusterer", "hdbscan"), {"n_clusters": 2}, None) != key
    assert embedding_digest(Z.astype(np.float32)) != embedding_digest(Z)
    assert embedding_digest(Z.reshape(3, 4)) != embedding_digest(Z)


def test_an_entry_comes_back_from_memory_and_from_disk(tmp_path: Path) -> None:
    labels = np.array([0, 1, 1, -1], dtype=np.int32)
    writer = LabelMemo(tmp_path)
    writer.put("ab" * 32, labels, {"eps": 0.5}, 3.25)
    for memo in (writer, LabelMemo(tmp_path)):  # a second process sees it on disk
        hit = memo.get("ab" * 32, 4)
        assert hit is not None
        np.testing.assert_array_equal(hit.labels, labels)
        assert hit.labels.dtype == np.int32
        assert (hit.fitted_params, hit.cluster_s) == ({"eps": 0.5}, 3.25)
    assert writer.get("ab" * 32, 5) is None  # another row count is another input
    assert LabelMemo().get("ab" * 32, 4) is None  # no folder: nothing shared


def test_a_returned_entry_is_a_copy() -> None:
    memo = LabelMemo()
    memo.put("k", np.zeros(3, dtype=np.int32), {}, 1.0)
    first = memo.get("k", 3)
    assert first is not None
    first.labels[:] = 7
    again = memo.get("k", 3)
    assert again is not None and not again.labels.any()


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    memo = LabelMemo(tmp_path)
    memo.put("cd" * 32, np.zeros(5, dtype=np.int32), {}, 1.0)
    (tmp_path / "cd" / f"{'cd' * 32}.npy").write_bytes(b"")
    assert LabelMemo(tmp_path).get("cd" * 32, 5) is None


def test_memory_keeps_a_bounded_number_of_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(label_memo, "MEMORY_ENTRIES", 2)
    memo = LabelMemo()
    for key in "abc":
        memo.put(key, np.zeros(2, dtype=np.int32), {}, 0.0)
    assert memo.get("a", 2) is None
    assert memo.get("c", 2) is not None


def test_seeds_of_a_seedless_encoder_share_labels_equal_to_a_fresh_fit(tmp_path: Path) -> None:
    # raw gives the same array for every seed: agglomerative is fitted once, and its
    # labels equal those of a run with one seed; each cell keeps its own seed.
    def run(store: Path, seeds: str) -> list:  # type: ignore[type-arg]
        done = bench(
            "run", "--encoders", "raw", "--clusterers", "agglomerative", "--seeds", seeds,
            "--jobs", "1", "--store", store, "--top", "0", "-P", "n_tracks=300",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        results = ResultStore(store)
        records = sorted(results.records(), key=lambda r: r.seed)
        results.close()
        return records

    for folder in ("a", "b"):  # separate caches: the second run must compute its own labels
        (tmp_path / folder).mkdir()
    shared = run(tmp_path / "a" / "three.sqlite", "3")
    alone = run(tmp_path / "b" / "one.sqlite", "1")
    # the workers share the labels through the cache folder beside the store: one entry
    assert len(list((tmp_path / "a" / ".musicbench" / "cache" / "labels").rglob("*.npy"))) == 1
    assert [r.seed for r in shared] == [0, 1, 2]
    for record in shared:
        np.testing.assert_array_equal(record.labels, alone[0].labels)
        assert record.metrics == alone[0].metrics
        assert record.cluster_s == shared[0].cluster_s  # the seconds the labels took once
