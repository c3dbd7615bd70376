"""The plan cache: any input of a cell key changes its key or invalidates its entry."""

from __future__ import annotations

import os

import pytest

from musicbench.benchmark.planning.plan_cache import load_plan, plan_key, save_plan

INPUTS = {"encoders": "pca", "threads": 1, "config": ["synthetic", {"n_tracks": 200}, None, {}, {}, [0, 1, 2], None]}


@pytest.fixture
def plugin(tmp_path):
    path = tmp_path / "plugin.py"
    path.write_text("# a plugin\n")
    return path


def test_the_key_is_stable_and_follows_every_input(tmp_path, plugin, monkeypatch):
    monkeypatch.delenv("MUSICBENCH_PLUGINS", raising=False)
    monkeypatch.delenv("MUSICBENCH_DISABLE", raising=False)
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n")
    base = plan_key(INPUTS, [str(plugin)], [], [str(data)])
    assert plan_key(INPUTS, [str(plugin)], [], [str(data)]) == base
    assert plan_key({**INPUTS, "threads": 2}, [str(plugin)], [], [str(data)]) != base
    assert plan_key(INPUTS, [str(plugin)], ["kmeans"], [str(data)]) != base
    plugin.write_text("# an edited plugin\n")
    edited = plan_key(INPUTS, [str(plugin)], [], [str(data)])
    assert edited != base
    os.utime(data, ns=(1, 1))  # the same path, touched: the loader would read it again
    assert plan_key(INPUTS, [str(plugin)], [], [str(data)]) != edited
    monkeypatch.setenv("MUSICBENCH_DATA_DIR", str(tmp_path))
    assert plan_key(INPUTS, [str(plugin)], [], [str(data)]) != edited


def test_an_entry_is_dropped_when_a_module_it_imported_changes(tmp_path, monkeypatch):
    module = tmp_path / "helper_for_plan_cache_test.py"
    module.write_text("DEFAULT = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import helper_for_plan_cache_test  # noqa: F401  (a module the planner imported)

    store = tmp_path / "results.sqlite"
    save_plan(store, "k", ["cell-a", "cell-b"], "synthetic", "f" * 64, "genre")
    assert load_plan(store, "k")["cells"] == ["cell-a", "cell-b"]
    assert load_plan(store, "other") is None
    module.write_text("DEFAULT = 2\n")  # a default moved, in a file no key hashes
    os.utime(module, ns=(2, 2))
    assert load_plan(store, "k") is None
