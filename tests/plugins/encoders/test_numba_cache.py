"""umap-learn's numba functions go to numba's on-disk cache (compiled once per machine)."""

from __future__ import annotations

from pathlib import Path

from musicbench.plugins.encoders import numba_cache


def test_every_umap_numba_function_but_a_parallel_twin_gets_a_file_cache() -> None:
    import importlib

    from numba.core.caching import NullCache
    from numba.core.dispatcher import Dispatcher

    numba_cache.enable()
    uncached = {
        f"{name}.{attr}"
        for name in numba_cache.UMAP_MODULES
        for attr, value in vars(importlib.import_module(name)).items()
        if isinstance(value, Dispatcher) and isinstance(value._cache, NullCache)
    }
    # the parallel compilation of the serial optimiser's function must not share its cache entry
    assert uncached == {"umap.layouts._nb_optimize_layout_euclidean_single_epoch_parallel"}
    assert numba_cache.enable() == 0  # idempotent


def test_a_fit_goes_through_the_disk_cache() -> None:
    from umap import layouts

    from musicbench.plugins.encoders.classic import UMAPEncoder
    from musicbench.testing import tiny_dataset

    UMAPEncoder(n_components=2, n_neighbors=5, random_state=0).fit(tiny_dataset(n_tracks=60))
    optimiser = layouts._nb_optimize_layout_euclidean_single_epoch  # umap-learn compiles it without cache=True
    stats = optimiser.stats
    assert sum(stats.cache_hits.values()) + sum(stats.cache_misses.values()) >= 1  # the file cache was asked
    index = Path(optimiser._cache._cache_path)
    assert any(p.name.startswith("layouts._optimize_layout_euclidean_single_epoch-") for p in index.glob("*.nbi"))


def _home(monkeypatch, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = numba_cache._record_path("umap")
    assert path.parent == tmp_path / "musicbench"
    return path


def _warm_record(monkeypatch, tmp_path: Path) -> tuple[Path, Path]:  # type: ignore[no-untyped-def]
    """A record of one cache file that exists, with this machine's versions: warm."""
    import json

    record = _home(monkeypatch, tmp_path)
    index = tmp_path / "layouts.f-1.py311.nbi"
    index.write_bytes(b"")
    record.parent.mkdir(parents=True)
    record.write_text(json.dumps({"versions": numba_cache._versions(), "files": [str(index)]}))
    assert numba_cache.umap_is_warm()
    return record, index


def test_a_machine_without_a_record_is_cold(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _home(monkeypatch, tmp_path)
    assert not numba_cache.umap_is_warm()


def test_the_record_is_warm_while_its_files_and_versions_hold(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import json

    record, index = _warm_record(monkeypatch, tmp_path)
    index.unlink()  # a cleaned __pycache__: the code must be compiled again
    assert not numba_cache.umap_is_warm()
    index.write_bytes(b"")
    record.write_text(json.dumps({"versions": {**numba_cache._versions(), "numba": "0.1"}, "files": [str(index)]}))
    assert not numba_cache.umap_is_warm()  # an upgraded numba compiles afresh
    record.write_text("{not json")
    assert not numba_cache.umap_is_warm()  # a torn record reads as cold, never as an error


def test_a_record_of_another_environment_is_not_read(monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import sys

    record, _ = _warm_record(monkeypatch, tmp_path)
    # a fresh virtual environment has its own umap-learn, whose cache files are not these
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "other-venv"))
    assert numba_cache._record_path("umap") != record and not numba_cache.umap_is_warm()
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))  # numba writes it all there
    assert not numba_cache.umap_is_warm()


def test_the_warm_up_leaves_a_record_of_its_cache_files(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    code = "import musicbench.plugins.encoders.umap_warmup"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)
    check = "from musicbench.plugins.encoders import numba_cache; print(numba_cache.umap_is_warm())"
    done = subprocess.run([sys.executable, "-c", check], env=env, check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "True"
    import json

    (record,) = (tmp_path / "musicbench").glob("numba-umap-*.json")
    files = json.loads(record.read_text())["files"]
    names = {Path(f).name.split("-")[0] for f in files}
    # umap-learn's layout optimiser and the encoder's own distance loop are both in it
    assert {"layouts._optimize_layout_euclidean_single_epoch", "umap_distances._upper"} <= names
