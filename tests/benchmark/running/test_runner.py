"""The runner end to end, through real ``bench run`` processes (no mocks)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np

from musicbench.benchmark.results.cache import EmbeddingCache
from musicbench.benchmark.results.store import CellRecord, ResultStore
from musicbench.hashing import cpu_name
from tests.benchmark.support import ISOLATE, REPO, SMALL, TOY, bench, bench_command, bench_env, toy_run_args


def _rows(store: Path) -> list[CellRecord]:
    results = ResultStore(store)
    try:
        return results.records(with_labels=True)
    finally:
        results.close()


def _by(rows: list[CellRecord], encoder: str) -> list[CellRecord]:
    return [r for r in rows if r.encoder == encoder]


def test_failures_are_rows_and_the_exit_code_says_so(toy_run):
    store, proc = toy_run
    assert proc.returncode == 1, proc.stderr
    rows = _rows(store)
    broken = _by(rows, "broken")
    assert [r.status for r in broken] == ["error", "error"]
    assert all("broken on purpose" in r.reason and "failing.py" in r.reason for r in broken)
    sleepy = _by(rows, "sleepy")
    assert [r.status for r in sleepy] == ["timeout", "timeout"]
    assert all("3 s timeout" in r.reason for r in sleepy)
    assert all(r.metrics == {} and r.labels is None for r in broken + sleepy)  # never zeros


def test_missing_modality_cells_are_skipped_with_the_reason(toy_run):
    store, _ = toy_run
    skipped = _by(_rows(store), "lyrics-pca")
    assert len(skipped) == 2 and {r.status for r in skipped} == {"skipped"}
    assert all("lyrics" in r.reason and "synthetic" in r.reason for r in skipped)


def test_resource_limits_are_skips_and_fitted_parameters_are_recorded(tmp_path):
    store = tmp_path / "limits.sqlite"
    done = bench(*toy_run_args(store, "--encoders", "pca-lite", "--clusterers", "too-big,split-median", "--seeds", "1"))
    assert done.returncode == 0, done.stderr  # a skip is not a failure
    (too_big,) = [r for r in _rows(store) if r.clusterer == "too-big"]
    assert too_big.status == "skipped" and "1 TiB of neighbours" in too_big.reason
    (split,) = [r for r in _rows(store) if r.clusterer == "split-median"]
    assert split.status == "ok" and set(split.fitted_params) == {"threshold"}
    assert isinstance(split.fitted_params["threshold"], float)


def test_ok_cells_carry_metrics_timings_versions_and_labels(toy_run):
    store, _ = toy_run
    ok = [r for r in _rows(store) if r.status == "ok"]
    # pca-lite x kmeans, mixture-embed x kmeans and x (own), over 2 seeds
    assert sorted((r.encoder, r.clusterer, r.seed) for r in ok) == sorted(
        (e, c, s)
        for e, c in [("pca-lite", "kmeans-lite"), ("mixture-embed", "kmeans-lite"), ("mixture-embed", "(own)")]
        for s in (0, 1)
    )
    for r in ok:
        assert 0.0 <= r.metrics["nmi[genre]"]["value"] <= 1.0
        assert {"silhouette@reference", "silhouette@latent", "n_clusters"} <= set(r.metrics)
        assert r.fit_s is not None and r.cluster_s is not None and r.metrics_s is not None
        assert r.peak_rss_bytes and r.peak_rss_bytes > 10 * 1024**2
        assert r.versions["numpy"] == np.__version__ and "toy" in r.versions["plugins"]
        assert r.versions["numba"] == numba.__version__ and r.versions["cpu"] == cpu_name()
        assert r.labels.shape == (200,)
        assert r.encoder_params["random_state"] == r.seed
        # the dataset's genre count fills in the cluster count, for an encoder that clusters too
        params = r.encoder_params if r.clusterer == "(own)" else r.clusterer_params
        assert params["n_clusters"] == 6


def test_each_embedding_is_fitted_once_and_shared(toy_run):
    store, _ = toy_run
    ok = [r for r in _rows(store) if r.status == "ok"]
    keys = {r.embedding_key for r in ok}
    assert len(keys) == 4  # (pca-lite, mixture-embed) x 2 seeds
    cache = EmbeddingCache(store.parent / ".musicbench" / "cache")
    assert all(cache.get(k) is not None for k in keys)
    own = {r.seed: r for r in ok if r.clusterer == "(own)"}
    for r in ok:
        if r.encoder == "mixture-embed" and r.clusterer == "kmeans-lite":
            assert r.embedding_key == own[r.seed].embedding_key
            assert r.fit_s == own[r.seed].fit_s  # one fit, recorded on both cells


def test_a_second_run_computes_nothing_and_force_recomputes_the_same(toy_run, tmp_path):
    # on a copy of the session's store and cache, which the other tests read unchanged
    shutil.copytree(toy_run[0].parent, tmp_path / "copy")
    store = tmp_path / "copy" / toy_run[0].name
    before = {r.key: r for r in _rows(store)}
    again = bench(
        *toy_run_args(
            store,
            "--encoders",
            "pca-lite,lyrics-pca,mixture-embed,broken,sleepy",
            "--clusterers",
            "kmeans-lite,(own)",
            "--seeds",
            "2",
            "--timeout",
            "3",
        )
    )
    assert "0 to compute" in again.stderr
    assert again.returncode == 1  # the stored failures still count
    assert {r.key: r.created_at for r in _rows(store)} == {k: r.created_at for k, r in before.items()}
    forced = bench(
        *toy_run_args(store, "--encoders", "pca-lite", "--clusterers", "kmeans-lite", "--seeds", "2", "--force")
    )
    assert forced.returncode == 0, forced.stderr
    after = {r.key: r for r in _rows(store)}
    for key, old in before.items():
        if old.encoder == "pca-lite":
            assert after[key].created_at > old.created_at
            assert after[key].metrics == old.metrics  # same seed, same numbers
            assert np.array_equal(after[key].labels, old.labels)


def _probe_run(store: Path) -> dict[str, CellRecord]:
    # built-in plugins: the probe is a built-in metric
    store.parent.mkdir(exist_ok=True)
    args = ["run", "--store", str(store), *SMALL, "--encoders", "pca", "--clusterers", "kmeans,gmm", "--seeds", "2"]
    done = bench(*args, "--top", "0")
    assert done.returncode == 0, done.stderr
    return {r.key: r for r in _rows(store)}


def _probes(record: CellRecord) -> dict[str, Any]:
    return {n: m for n, m in record.metrics.items() if n.startswith("probe_")}


def test_the_probe_is_fitted_once_per_embedding_even_from_an_older_cache(tmp_path):
    # Every cell of an embedding stores its encode task's probe; an embedding cached by a
    # version whose encode task did not compute it gets the same figures from its cells.
    import json

    first = _probe_run(tmp_path / "first" / "s.sqlite")
    assert len(first) == 4 and all("probe_accuracy[genre]" in _probes(r) for r in first.values())
    for r in first.values():  # one figure per embedding, whatever the clusterer
        assert _probes(r) == next(_probes(o) for o in first.values() if o.embedding_key == r.embedding_key)
    shutil.copytree(tmp_path / "first" / ".musicbench" / "cache", tmp_path / "older" / ".musicbench" / "cache")
    for meta in (tmp_path / "older" / ".musicbench" / "cache").glob("*/*.json"):
        entry = json.loads(meta.read_text())
        assert entry.pop("embedding_metrics")
        meta.write_text(json.dumps(entry))
    again = _probe_run(tmp_path / "older" / "s.sqlite")
    assert set(again) == set(first)
    assert all(again[k].fit_s == r.fit_s for k, r in first.items())  # from the cache: nothing refitted
    assert {k: _probes(r) for k, r in again.items()} == {k: _probes(r) for k, r in first.items()}


def _ok_count(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(store, timeout=5) as db:
            return db.execute("SELECT COUNT(*) FROM cells WHERE status = 'ok'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


def _resume_config(folder: Path) -> Path:
    config = folder / "run.toml"
    config.write_text(
        'seeds = 4\n[dataset]\nname = "synthetic"\nparams = { n_tracks = 200, lyrics = false }\n'
        "[encoders.sleepy]\nseconds = [0.5]\n[encoders.pca-lite]\nn_components = [3]\n"
        "[clusterers.kmeans-lite]\n"
    )
    return config


def test_a_killed_run_resumes_without_losing_finished_cells(tmp_path):
    config = _resume_config(tmp_path)
    plugins = ["--plugin", str(TOY), "--plugin", str(TOY.parent / "failing.py"), *ISOLATE]
    killed = tmp_path / "killed.sqlite"
    proc = subprocess.Popen(
        bench_command("run", "--config", config, "--store", killed, *plugins),
        env=bench_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _ok_count(killed) < 2 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    survived = _ok_count(killed)
    assert 2 <= survived < 8, "the kill should land in the middle of the run"
    kept = {r.key: r.created_at for r in _rows(killed)}
    resumed = bench("run", "--config", config, "--store", killed, *plugins)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(kept)} already in the store, {8 - len(kept)} to compute" in resumed.stderr
    whole = tmp_path / "whole.sqlite"
    assert bench("run", "--config", config, "--store", whole, *plugins).returncode == 0
    after, reference = _rows(killed), {r.key: r for r in _rows(whole)}
    assert {r.key for r in after} == set(reference) and len(after) == 8
    for r in after:
        if r.key in kept:
            assert r.created_at == kept[r.key]  # finished cells were not recomputed
        assert r.metrics == reference[r.key].metrics and np.array_equal(r.labels, reference[r.key].labels)


def test_concurrent_runs_share_one_store(tmp_path):
    store = tmp_path / "shared.sqlite"
    common = [
        "--store",
        str(store),
        "--plugin",
        str(TOY),
        *ISOLATE,
        *SMALL,
        "--clusterers",
        "kmeans-lite",
        "--seeds",
        "3",
    ]
    runs = [
        subprocess.Popen(
            bench_command("run", *common, "--encoders", encoders),
            env=bench_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for encoders in ("pca-lite,mixture-embed", "mixture-embed,pca-lite")
    ]
    outputs = [p.communicate(timeout=120) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        keys = [k for (k,) in db.execute("SELECT key FROM cells")]
    assert len(keys) == len(set(keys)) == 6
    assert all(r.status == "ok" for r in _rows(store))


_HEAVY = ("torch", "sklearn", "scipy", "umap", "numba")


def _rerun_imports(store: Path, plugin: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``bench run`` in a subprocess that prints, last, which heavy libraries it imported."""
    args = [
        "run",
        "--store",
        str(store),
        "--plugin",
        str(plugin),
        *ISOLATE,
        *SMALL,
        "--encoders",
        "pca-lite",
        "--clusterers",
        "kmeans-lite",
        "--seeds",
        "1",
        "--top",
        "0",
        *extra,
    ]
    script = (
        f"import sys\nfrom musicbench.benchmark.cli import main\ntry:\n    main({args!r})\n"
        f"finally:\n    print(sorted(m for m in {_HEAVY!r} if m in sys.modules))"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, env=bench_env(), capture_output=True, text=True, timeout=300
    )


def test_a_rerun_with_every_cell_stored_imports_no_plugin_and_a_change_is_seen(tmp_path):
    store, plugin = tmp_path / "noop.sqlite", tmp_path / "toy.py"
    plugin.write_text(TOY.read_text())
    first = _rerun_imports(store, plugin)
    assert first.returncode == 0 and "1 to compute" in first.stderr, first.stderr
    assert "'sklearn'" in first.stdout  # the first run builds the registry (the toy plugin imports sklearn)
    again = _rerun_imports(store, plugin)
    assert again.returncode == 0 and "1 cells: 1 already in the store, 0 to compute." in again.stderr, again.stderr
    assert again.stdout.strip().splitlines()[-1] == "[]"  # no registry, dataset or estimator was needed
    # Whatever forms a cell key misses the remembered plan: the plan is built again and
    # the changed cell computed (an edited plugin file changes its version, so its keys).
    plugin.write_text(TOY.read_text() + "\n# an edit\n")
    for extra in (["-P", "n_tracks=201"], ["--threads", "2"], []):
        changed = _rerun_imports(store, plugin, *extra)
        assert "1 to compute" in changed.stderr, (extra, changed.stderr)
    forced = _rerun_imports(store, plugin, "--force")
    assert "'sklearn'" in forced.stdout and "1 to compute" in forced.stderr, forced.stderr


class _Recorder:
    """An executor that runs nothing: it records the order of submissions, one at a time."""

    def __init__(self, n_tracks: int) -> None:
        from musicbench.benchmark.running.work import TaskResult

        self.order: list[str] = []
        self.queue: list[tuple[int, Any]] = []
        self.n, self.result = n_tracks, TaskResult

    def submit(self, task: Any, embedding: Any = None, own_labels: Any = None) -> int:
        self.order.append(getattr(task, "encoder", None) or task.clusterer)
        self.queue.append((len(self.order), task))
        return len(self.order)

    def wait(self) -> list[tuple[int, Any]]:
        task_id, task = self.queue.pop(0)
        if hasattr(task, "encoder"):
            return [(task_id, self.result("ok", embedding=np.zeros((self.n, 2), np.float32)))]
        return [(task_id, self.result("ok", labels=np.zeros(self.n, np.int32)))]

    def close(self) -> None:
        pass


def _submission_order(tmp_path, registry, dataset, config, store):
    """Run the plan on a recording executor; the encoders in the order their fits were submitted."""
    from rich.console import Console

    from musicbench.benchmark.planning.plan import make_plan
    from musicbench.benchmark.running.progress import Reporter
    from musicbench.benchmark.running.runner import run_plan

    executor = _Recorder(dataset.n_tracks)
    summary = run_plan(
        make_plan(registry, config, dataset),
        registry,
        store,
        EmbeddingCache(tmp_path / "cache"),
        lambda: executor,
        Reporter(Console(file=io.StringIO()), "nmi[genre]"),
    )
    store.close()
    assert summary.statuses["ok"] == len(config.encoders)
    return executor.order


def test_the_longest_encoder_fits_are_submitted_first(tmp_path):
    from musicbench import build_registry
    from musicbench.benchmark.planning.config import RunConfig

    registry = build_registry([TOY], builtins=("musicbench.plugins.datasets",), entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(n_tracks=60, lyrics=False).load()
    config = RunConfig(
        encoders={"pca-lite": {}, "torch-ae": {}, "mixture-embed": {}}, clusterers={"kmeans-lite": {}}, seeds=[0]
    )

    class Store(ResultStore):  # earlier runs: torch-ae took longest, mixture-embed next
        def timings(self) -> list[tuple[str, str, str, float, float]]:
            return [
                (dataset.fingerprint, "torch-ae", "kmeans-lite", 30.0, 1.0),
                (dataset.fingerprint, "mixture-embed", "kmeans-lite", 8.0, 1.0),
                (dataset.fingerprint, "pca-lite", "kmeans-lite", 0.1, 1.0),
            ]

    order = _submission_order(tmp_path, registry, dataset, config, Store(tmp_path / "results.sqlite"))
    assert order[:3] == ["torch-ae", "mixture-embed", "pca-lite"]


def test_a_first_run_starts_the_fits_its_plugins_declare_longest(tmp_path):
    # An empty store knows no timings: the registered `cost` orders the fits (umap first).
    from musicbench import build_registry
    from musicbench.benchmark.planning.config import RunConfig

    registry = build_registry(entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(n_tracks=60, lyrics=False).load()
    config = RunConfig(encoders={"pca": {}, "raw": {}, "umap": {}}, clusterers={"kmeans": {}}, seeds=[0])
    order = _submission_order(tmp_path, registry, dataset, config, ResultStore(tmp_path / "results.sqlite"))
    assert order[:3] == ["umap", "pca", "raw"]
