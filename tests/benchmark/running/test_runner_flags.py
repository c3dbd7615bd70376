"""Every ``bench run`` flag does what it says: each test fails if its flag is ignored.

The runs go through the real CLI (in this process, with real worker processes) on
the stand-in plugins; ``test_runner.py`` has the end-to-end subprocess runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from musicbench.benchmark.results.cache import EmbeddingCache
from musicbench.benchmark.results.store import CellRecord, ResultStore
from tests.benchmark.support import FAILING, ISOLATE, SMALL, TOY, bench_here

PLUGINS = ["--plugin", str(TOY), "--plugin", str(FAILING), *ISOLATE]


def _run(capsys, store: Path, *args: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    code, _, err = bench_here(capsys, "run", "--store", str(store), *PLUGINS, *SMALL, "--top", "0", *args)
    return code, err


def _rows(store: Path) -> dict[tuple[str, str, int], CellRecord]:
    results = ResultStore(store)
    try:
        return {(r.encoder, r.clusterer, r.seed): r for r in results.records(with_labels=True)}
    finally:
        results.close()


def _config(folder: Path, sleep_s: float) -> Path:
    config = folder / "run.toml"
    config.write_text(f"[encoders.sleepy]\nseconds = [{sleep_s}]\n[encoders.pca-lite]\n[clusterers.kmeans-lite]\n")
    return config


def test_selection_flags_choose_the_cells(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    code, err = _run(
        capsys, store, "--encoders", "pca-lite,mixture-embed", "--clusterers", "split-median,own", "--seeds", "2"
    )
    assert code == 0, err
    assert sorted(_rows(store)) == sorted(
        [(e, "split-median", s) for e in ("pca-lite", "mixture-embed") for s in (0, 1)]
        + [("mixture-embed", "(own)", 0), ("mixture-embed", "(own)", 1)]
    )


def test_all_takes_every_encoder_and_clusterer(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    code, err = _run(capsys, store, "--all", "--seeds", "1", "--timeout", "2")
    rows = _rows(store)
    assert {e for e, _, _ in rows} == {"pca-lite", "torch-ae", "lyrics-pca", "mixture-embed", "broken", "sleepy"}
    assert {c for _, c, _ in rows} == {"kmeans-lite", "split-median", "too-big", "(own)"}
    assert code == 1  # broken and sleepy fail


def test_dataset_parameters_reach_the_loader(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    code, err = _run(
        capsys, store, "--encoders", "pca-lite", "--clusterers", "split-median", "--seeds", "1", "-P", "n_tracks=150"
    )
    assert code == 0, err
    (row,) = _rows(store).values()
    assert row.labels.shape == (150,)


def test_timeout_turns_a_slow_fit_into_a_timeout_row(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    config = _config(tmp_path, 5.0)
    code, err = _run(capsys, store, "--config", str(config), "--seeds", "1", "--timeout", "2.5")
    assert code == 1
    rows = _rows(store)
    assert rows[("sleepy", "kmeans-lite", 0)].status == "timeout"
    assert "2.5 s timeout" in rows[("sleepy", "kmeans-lite", 0)].reason
    assert rows[("pca-lite", "kmeans-lite", 0)].status == "ok"


def test_retry_failed_recomputes_failures_only_and_only_when_asked(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    config = _config(tmp_path, 5.0)
    assert _run(capsys, store, "--config", str(config), "--seeds", "1", "--timeout", "2.5")[0] == 1
    first = _rows(store)
    # without the flag nothing is recomputed, even with time enough now
    code, err = _run(capsys, store, "--config", str(config), "--seeds", "1", "--timeout", "30")
    assert code == 1 and "0 to compute" in err
    assert _rows(store)[("sleepy", "kmeans-lite", 0)].status == "timeout"
    code, err = _run(capsys, store, "--config", str(config), "--seeds", "1", "--timeout", "30", "--retry-failed")
    assert code == 0, err
    after = _rows(store)
    assert after[("sleepy", "kmeans-lite", 0)].status == "ok"
    ok = ("pca-lite", "kmeans-lite", 0)
    assert after[ok].created_at == first[ok].created_at  # an ok cell is not redone


def test_retry_failed_leaves_skipped_cells_alone(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    args = ["--encoders", "lyrics-pca,pca-lite", "--clusterers", "kmeans-lite", "--seeds", "1"]
    assert _run(capsys, store, *args)[0] == 0
    before = {k: r.created_at for k, r in _rows(store).items()}
    assert _rows(store)[("lyrics-pca", "kmeans-lite", 0)].status == "skipped"
    code, err = _run(capsys, store, *args, "--retry-failed")
    assert code == 0 and "0 to compute" in err
    assert {k: r.created_at for k, r in _rows(store).items()} == before


def _tamper(store: Path) -> str:
    """Overwrite the cached pca-lite embedding with a constant one; return its key."""
    (row,) = [r for r in _rows(store).values() if r.encoder == "pca-lite"]
    cache = EmbeddingCache(store.parent / ".musicbench" / "cache")
    cached = cache.get(row.embedding_key)
    assert cached is not None
    cache.put(row.embedding_key, np.zeros_like(cached.embedding), None, cached.meta)
    return row.embedding_key


def test_a_cached_embedding_is_reused_by_a_new_cell(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    assert _run(capsys, store, "--encoders", "pca-lite", "--clusterers", "kmeans-lite", "--seeds", "1")[0] == 0
    _tamper(store)
    assert _run(capsys, store, "--encoders", "pca-lite", "--clusterers", "split-median", "--seeds", "1")[0] == 0
    # split-median on the constant cached vectors puts every track in one cluster
    assert _rows(store)[("pca-lite", "split-median", 0)].metrics["n_clusters"]["value"] == 1.0


def test_force_recomputes_the_cells_and_the_embedding(capsys, tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    args = ["--encoders", "pca-lite", "--clusterers", "kmeans-lite", "--seeds", "1"]
    assert _run(capsys, store, *args)[0] == 0
    first = _rows(store)[("pca-lite", "kmeans-lite", 0)]
    key = _tamper(store)
    code, err = _run(capsys, store, *args)
    assert code == 0 and "0 to compute" in err and "computed 0 in" in " ".join(err.split())
    code, err = _run(capsys, store, *args, "--force")
    assert code == 0 and "1 to compute" in err and "computed 1 in" in " ".join(err.split())
    forced = _rows(store)[("pca-lite", "kmeans-lite", 0)]
    assert forced.created_at > first.created_at
    # refitted, not read back from the (tampered) cache: the first run's numbers
    assert forced.metrics == first.metrics and np.array_equal(forced.labels, first.labels)
    assert np.abs(EmbeddingCache(store.parent / ".musicbench" / "cache").get(key).embedding).sum() > 0


@pytest.mark.parametrize("seeds", ["1", "3"])
def test_seeds_sets_the_number_of_seeds(capsys, tmp_path: Path, seeds: str) -> None:
    store = tmp_path / "s.sqlite"
    assert _run(capsys, store, "--encoders", "pca-lite", "--clusterers", "split-median", "--seeds", seeds)[0] == 0
    assert sorted(s for _, _, s in _rows(store)) == list(range(int(seeds)))


def test_jobs_do_not_change_a_torch_encoders_numbers(capsys, tmp_path: Path) -> None:
    # The built-in VAE (the one training loop of every torch encoder) and its own
    # cluster-free embedding: bit-identical whatever the number of worker processes.
    config = tmp_path / "run.toml"
    config.write_text(
        '[dataset]\nname = "synthetic"\nparams = { n_tracks = 200, lyrics = false }\n'
        "[encoders.vae]\nepochs = [3]\nbatch_size = [64]\n[clusterers.kmeans]\nn_init = [2]\n"
    )
    stores = {}
    for jobs in ("1", "2"):
        store = tmp_path / f"jobs{jobs}" / "s.sqlite"
        store.parent.mkdir()
        code, _, err = bench_here(
            capsys, "run", "--config", str(config), "--store", str(store), "--seeds", "2", "--jobs", jobs, "--top", "0"
        )
        assert code == 0, err
        stores[jobs] = _rows(store)
    one, two = stores["1"], stores["2"]
    assert set(one) == set(two) == {("vae", "kmeans", 0), ("vae", "kmeans", 1)}
    for cell, row in one.items():
        assert row.status == "ok" and two[cell].embedding_key == row.embedding_key
        assert row.metrics == two[cell].metrics and np.array_equal(row.labels, two[cell].labels)
        vectors = [
            EmbeddingCache(tmp_path / f"jobs{j}" / ".musicbench" / "cache").get(row.embedding_key).embedding
            for j in "12"
        ]
        assert vectors[0].tobytes() == vectors[1].tobytes()
    # and the seed matters: otherwise the comparison above would prove nothing
    assert one[("vae", "kmeans", 0)].metrics != one[("vae", "kmeans", 1)].metrics
