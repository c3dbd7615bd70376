"""A whole run from Python: :func:`run_benchmark` with a config, options and no printing."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from rich.console import Console

from musicbench import build_registry
from musicbench.benchmark.constants import default_cache_dir, ranking_metric, state_folder
from musicbench.benchmark.planning.config import OWN, RunConfig
from musicbench.benchmark.planning.plan_cache import load_plan
from musicbench.benchmark.reports import build
from musicbench.benchmark.results.store import ResultStore
from musicbench.benchmark.running.session import (
    RunOptions,
    Selection,
    plan_cache_key,
    preload_modules,
    run_benchmark,
    status_counts,
)
from musicbench.errors import UnknownPluginError
from tests.benchmark.support import TOY


def _config() -> RunConfig:
    return RunConfig(
        dataset_params={"n_tracks": 200, "lyrics": False},
        encoders={"raw": {}, "pca": {"n_components": [2, 3]}},
        clusterers={"kmeans": {"n_init": [2]}},
        seeds=[0, 1],
    )


def test_a_run_from_python_stores_every_cell_quietly_and_beside_its_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # the cache follows the store, not the working folder
    store = tmp_path / "runs" / "s.sqlite"
    store.parent.mkdir()
    registry = build_registry(entry_points=False)
    config = _config()
    given = copy.deepcopy(config)
    options = RunOptions(store=store, jobs=1)

    [summary] = run_benchmark(registry, config, options)

    assert (summary.dataset, summary.total, summary.computed, summary.failed) == ("synthetic", 6, 6, 0)
    assert summary.statuses["ok"] == 6
    assert capsys.readouterr() == ("", "")  # no console given: nothing printed
    assert config == given  # the caller's config is not resolved in place
    results = ResultStore(store)
    rows = sorted((r.encoder, r.encoder_args.get("n_components"), r.clusterer, r.seed) for r in results.records())
    assert rows == [(e, n, "kmeans", s) for e, n in (("pca", 2), ("pca", 3), ("raw", None)) for s in (0, 1)]
    assert all(r.status == "ok" and 0.0 <= r.metrics["nmi[genre]"]["value"] <= 1.0 for r in results.records())
    assert all(r.clusterer_params["n_init"] == 2 for r in results.records())
    assert results.reference(summary.fingerprint, "ceiling") is not None  # the run's ceiling, stored
    results.close()
    assert sorted(default_cache_dir(store).glob("*/*.json"))  # the embeddings, beside the store
    assert not (elsewhere / ".musicbench").exists()
    # the plan is remembered under the key `bench run`'s no-op path looks up
    assert load_plan(store, plan_cache_key(config, options))["fingerprint"] == summary.fingerprint


def test_a_rerun_computes_nothing_and_reports_on_the_consoles_given(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    registry = build_registry(entry_points=False)
    config = RunConfig(dataset_params={"n_tracks": 200, "lyrics": False}, seeds=[0])
    selection = Selection(encoders=("pca",), clusterers=("kmeans",), encoder_params=("pca.n_components=2,3",))
    options = RunOptions(store=store, selection=selection, top=1)
    [first] = run_benchmark(registry, config, options)
    log, tables = io.StringIO(), io.StringIO()

    [again] = run_benchmark(registry, config, options, log=Console(file=log), tables=Console(file=tables, width=200))

    assert (first.computed, again.computed, again.total, again.statuses["ok"]) == (2, 0, 2, 2)
    assert "2 cells: 2 already in the store, 0 to compute." in log.getvalue()
    assert "synthetic: 2 cells (2 ok); computed 0" in " ".join(log.getvalue().split())
    board = build(ResultStore(store), "synthetic")
    assert board.metric == ranking_metric("genre") == "nmi[genre]"
    shown = tables.getvalue()
    assert "top 1 by nmi[genre]" in shown and board.entries[0].encoder_label in shown
    assert board.entries[1].encoder_label not in shown  # --top 1: one row


def test_a_bad_selection_fails_before_any_work(tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    options = RunOptions(store=store, selection=Selection(encoders=("nope",)))
    with pytest.raises(UnknownPluginError, match="nope"):
        run_benchmark(build_registry(entry_points=False), RunConfig(), options)
    assert not store.exists() and not state_folder(store).exists()


def test_the_default_cache_is_a_function_of_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_cache_dir("a/s.sqlite") == tmp_path / "a" / ".musicbench" / "cache"
    assert default_cache_dir(tmp_path / "b" / "s.sqlite") == tmp_path / "b" / ".musicbench" / "cache"
    assert default_cache_dir("s.sqlite").parent == state_folder("s.sqlite") == tmp_path / ".musicbench"


def test_status_counts_lists_the_statuses_present_in_reading_order() -> None:
    assert status_counts({"skipped": 1, "ok": 3, "error": 0, "timeout": 2}) == "3 ok, 2 timeout, 1 skipped"


def test_the_forkserver_preloads_the_runs_own_built_in_factories() -> None:
    # the file plugin's metrics stand in for the built-in ones
    registry = build_registry([TOY], ["musicbench.plugins.metrics"], entry_points=False, environ={})
    config = RunConfig(encoders={"umap": {}, "vae": {}, "pca-lite": {}}, clusterers={"kmeans": {}, OWN: {}})
    modules = preload_modules(registry, config)
    assert {
        "musicbench.plugins.encoders.classic",  # umap's class: umap-learn itself comes with its warm-up
        "musicbench.plugins.encoders.umap_warmup",
        "musicbench.plugins.encoders.vae",
        "musicbench.plugins.encoders.core.warmup",
        "sklearn.cluster",
        "musicbench.plugins.datasets.synthetic",
    } <= set(modules)
    assert not any(m.startswith("musicbench.plugins.metrics") for m in modules)
    assert not any("toy" in m or "musicbench_local" in m for m in modules)  # a file plugin stays in the workers
    assert "musicbench.plugins.encoders.vade" not in modules  # not in this run


def test_a_run_names_the_encoders_whose_start_compiles(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from musicbench.benchmark.running.session import uncompiled_encoders

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))  # no record of a warm-up: nothing compiled here
    registry = build_registry([TOY], ["musicbench.plugins.metrics"], entry_points=False, environ={})
    config = RunConfig(encoders={"umap": {}, "n2d": {}, "vae": {}, "pca-lite": {}}, clusterers={"kmeans": {}})
    assert uncompiled_encoders(registry, config) == ["umap", "n2d"]  # vae's warm-up compiles nothing
    config = RunConfig(encoders={"vae": {}}, clusterers={"kmeans": {}})
    assert uncompiled_encoders(registry, config) == []
