"""One test per hook (``test_hook_<name>``), and a test that fails when a hook has none."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import numpy as np

from musicbench import build_registry, hookspecs


def registry_with(tmp_path: Path, body: str):
    path = tmp_path / "hook_plugin.py"
    path.write_text("from musicbench import hookimpl, Dataset\nimport numpy as np\n" + body)
    registry = build_registry([path], entry_points=False, environ={})
    assert not registry.failures, registry.failures
    return registry


def test_hook_register_datasets(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        """
class Tiny:
    def __init__(self, n=4):
        self.n = n
    def get_params(self, deep=True):
        return {"n": self.n}
    def load(self):
        return Dataset("tiny", np.zeros((self.n, 1), np.float32), ("f",), np.arange(self.n).astype(str),
                       {"genre": np.array(["a"] * self.n, dtype=object)}, fingerprint="0" * 64)
@hookimpl
def register_datasets(register):
    register("tiny", Tiny, defaults={"n": 3})
""",
    )
    assert registry.get("dataset", "tiny").create().load().n_tracks == 3


def test_hook_register_encoders(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        """
class Zero:
    required_modalities = ("audio",)
@hookimpl
def register_encoders(register):
    register("zero", Zero, description="zeros")
""",
    )
    assert registry.get("encoder", "zero").description == "zeros"


def test_hook_register_clusterers(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        """
class One:
    def fit_predict(self, X):
        return np.zeros(len(X), dtype=int)
@hookimpl
def register_clusterers(register):
    register("one", One, n_clusters_param=None)
""",
    )
    assert registry.get("clusterer", "one").create().fit_predict(np.zeros((5, 2))).tolist() == [0] * 5


def test_hook_register_metrics(tmp_path: Path) -> None:
    registry = registry_with(
        tmp_path,
        """
def count(labels):
    return float(len(set(labels)))
@hookimpl
def register_metrics(register):
    register("count", count, higher_is_better=None, scope="partition")
""",
    )
    spec = registry.get("metric", "count").metric_spec()
    assert spec.func(np.array([0, 1, 1])) == 2.0 and spec.higher_is_better is None


def test_every_hook_has_a_test() -> None:
    hooks = [name for name, f in inspect.getmembers(hookspecs, inspect.isfunction) if name.startswith("register_")]
    assert len(hooks) == 4
    tests = {name for name in vars(sys.modules[__name__]) if name.startswith("test_hook_")}
    untested = sorted(f"test_hook_{hook}" for hook in hooks if f"test_hook_{hook}" not in tests)
    assert not untested, f"hooks without a test: {untested}"
