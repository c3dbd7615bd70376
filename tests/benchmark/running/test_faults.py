"""Fault injection: a full disk, damaged cache entries, an unwritable cache.

A run that hits a fault stops with one paragraph and exit code 2, and every cell it
reported finished is in the store; a damaged cache entry is a miss and is rewritten.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
from pathlib import Path

import numpy as np
import pytest

from musicbench.benchmark.results.cache import EmbeddingCache
from musicbench.benchmark.results.store import ResultStore
from musicbench.errors import ConfigError
from tests.benchmark.support import ISOLATE, TOY, bench, bench_command, bench_env

ARGS = ["--plugin", TOY, *ISOLATE, "-P", "n_tracks=3000", "-P", "lyrics=false", "--clusterers", "kmeans-lite"]


def _limit_file_size(limit: int):  # type: ignore[no-untyped-def]
    def apply() -> None:
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG, as on a full disk.
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_stops_the_run_with_exit_2_and_keeps_every_finished_cell(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    # 3,000 tracks x 4 float32 = 48 kB per embedding: the first embeddings and their
    # cells fit in 160 kB, the later ones cannot be written.
    command = bench_command("run", "--store", store, *ARGS, "--encoders", "pca-lite", "--seeds", "12", "--top", "0")
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env=bench_env(),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_limit_file_size(160_000),
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and re.search(r"File too large|could not be written", errors[0]), done.stderr
    finished = re.findall(r"\] (pca-lite.*?) (ok|error)", done.stderr)
    stored = ResultStore(store).records()
    assert len(stored) >= len(finished) >= 1  # the fault came after some cells finished...
    assert len(stored) < 12  # ...and before all of them
    assert all(r.status == "ok" for r in stored)
    rerun = bench("run", "--store", store, *ARGS, "--encoders", "pca-lite", "--seeds", "12", "--top", "0", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(stored)} already in the store" in rerun.stderr


def test_damaged_cache_entries_are_misses_and_are_rewritten(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    first = bench("run", "--store", store, *ARGS, "--encoders", "pca-lite", "--seeds", "2", "--top", "0", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    entries = sorted((tmp_path / ".musicbench" / "cache").glob("*/*.npy"))
    assert len(entries) == 2
    entries[0].write_bytes(b"")  # 0 bytes: np.load raises EOFError (once a bare "aborted")
    entries[1].write_bytes(entries[1].read_bytes()[:100])  # half written
    for command in (
        ["leaderboard", "--store", store, "--output", tmp_path / "lb", "--projection", "pca"],
        ["export", tmp_path / "x.csv", "--store", store, "--seed", "0"],
    ):
        done = bench(*command, cwd=tmp_path)
        assert done.returncode in (0, 2) and "aborted" not in done.stderr and "Traceback" not in done.stderr, (
            done.stderr
        )
    # New cells on the same embeddings: the damaged entries are misses, recomputed and rewritten.
    again = bench(
        "run",
        "--store",
        store,
        *ARGS,
        "--encoders",
        "pca-lite",
        "--seeds",
        "2",
        "--clusterers",
        "split-median",
        "--top",
        "0",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    cache = EmbeddingCache(tmp_path / ".musicbench" / "cache")
    for path in entries:
        entry = cache.get(path.stem)
        assert entry is not None and entry.embedding.shape == (3000, 4)


def test_a_cache_entry_that_cannot_be_read_is_a_miss(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.put("ab" * 32, np.ones((5, 2), dtype=np.float32), None, {})
    npy = tmp_path / "ab" / f"{'ab' * 32}.npy"
    for damage in (b"", b"\x93NUMPY", npy.read_bytes()[:-8], b"garbage" * 10):
        npy.write_bytes(damage)
        assert cache.get("ab" * 32) is None
    (tmp_path / "ab" / f"{'ab' * 32}.json").write_text('{"n_tracks": ')
    assert cache.get("ab" * 32) is None


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_cache_is_refused_before_any_work(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ConfigError, match="cache folder .* cannot be written"):
            EmbeddingCache(folder).check_writable()
        done = bench(
            "run", "--store", tmp_path / "s.sqlite", "--cache", folder, *ARGS, "--encoders", "pca-lite", cwd=tmp_path
        )
        assert done.returncode == 2 and "cannot be written" in done.stderr, done.stderr
        assert not (tmp_path / "s.sqlite").exists()
    finally:
        folder.chmod(0o700)


def test_an_unwritable_cache_path_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    done = bench(
        "run",
        "--store",
        tmp_path / "s.sqlite",
        "--cache",
        blocker / "cache",
        *ARGS,
        "--encoders",
        "pca-lite",
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "cache folder" in done.stderr and "cannot be written" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "s.sqlite").exists(), "refused before the store was created"
