"""A worker refuses to compute with another dataset or other plugins than the planner's,
in this process, on the local pool and on Dask; and the Dask timeout path.

The contexts are built by the runner's own :func:`worker_context` from a real plan,
then one field is changed, as a worker with other files would see it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from musicbench import build_registry
from musicbench.benchmark.planning.config import RunConfig
from musicbench.benchmark.planning.plan import make_plan
from musicbench.benchmark.running.executors.local import LocalPool
from musicbench.benchmark.running.runner import worker_context
from musicbench.benchmark.running.work import ClusterTask, EncodeTask, WorkerContext, run_task, run_task_with_timeout
from musicbench.errors import MusicbenchError
from tests.benchmark.support import FAILING, ISOLATE, TOY

DISABLED = tuple(ISOLATE[1::2])
DATASET_PARAMS = {"n_tracks": 120, "lyrics": False}


def _context(plugin_files: tuple[str, ...] = (str(TOY), str(FAILING))) -> WorkerContext:
    registry = build_registry(plugin_files, DISABLED, entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(**DATASET_PARAMS).load()
    config = RunConfig(
        dataset="synthetic",
        dataset_params=DATASET_PARAMS,
        encoders={"pca-lite": {}},
        clusterers={"kmeans-lite": {}},
        seeds=[0],
    )
    return worker_context(registry, plugin_files, DISABLED, make_plan(registry, config, dataset), threads=1)


@pytest.fixture(scope="module")
def context() -> WorkerContext:
    return _context()


def _other_dataset(context: WorkerContext) -> WorkerContext:
    other = dict(context.dataset_params, seed=5)
    return dataclasses.replace(context, dataset_params=tuple(sorted(other.items())))


def _other_plugins(context: WorkerContext, tmp_path: Path) -> WorkerContext:
    # the worker's copy of the plugin file was edited: same name, another version
    edited = tmp_path / "toy.py"
    edited.write_text(TOY.read_text() + "\n# edited on this worker only\n")
    return dataclasses.replace(context, plugin_files=(str(edited), str(FAILING)))


def test_the_planners_context_computes(context: WorkerContext) -> None:
    result = run_task(context, EncodeTask("pca-lite", {"n_components": 3, "random_state": 0}))
    assert result.status == "ok", result.reason
    assert result.embedding.shape == (120, 3) and result.embedding.dtype == np.float32
    assert result.versions["plugins"] == dict(context.plugin_versions)
    clustered = run_task(context, ClusterTask("kmeans-lite", {"n_clusters": 3, "random_state": 0}), result.embedding)
    assert clustered.status == "ok", clustered.reason
    assert clustered.labels.shape == (120,) and 0.0 <= clustered.metrics["nmi[genre]"]["value"] <= 1.0


EMBEDDING_METRIC = """
from typing import Any

from musicbench import hookimpl


def width(embedding: Any, labels_true: Any) -> float:
    return float(embedding.shape[1])


@hookimpl
def register_metrics(register: Any) -> None:
    register("width", width, scope="embedding", higher_is_better=None)
"""


def test_embedding_metrics_are_the_encode_tasks_and_a_cell_computes_them_only_when_asked(tmp_path: Path) -> None:
    plugin = tmp_path / "widths.py"
    plugin.write_text(EMBEDDING_METRIC)
    context = _context((str(TOY), str(FAILING), str(plugin)))
    encoded = run_task(context, EncodeTask("pca-lite", {"n_components": 3, "random_state": 0}))
    assert encoded.status == "ok", encoded.reason
    assert encoded.embedding_metrics["width[genre]"]["value"] == 3.0
    assert "embedding_metrics_s" in encoded.timings
    params = {"n_clusters": 3, "random_state": 0}
    plain = run_task(context, ClusterTask("kmeans-lite", params), encoded.embedding)
    assert plain.status == "ok" and "nmi[genre]" in plain.metrics and "width[genre]" not in plain.metrics
    asked = run_task(context, ClusterTask("kmeans-lite", params, with_embedding_metrics=True), encoded.embedding)
    assert {n: v for n, v in asked.metrics.items() if n.startswith("width")} == encoded.embedding_metrics


def test_the_context_carries_the_planners_fingerprint_and_versions(context: WorkerContext) -> None:
    registry = build_registry((str(TOY), str(FAILING)), DISABLED, entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(**DATASET_PARAMS).load()
    assert context.fingerprint == dataset.fingerprint
    assert dict(context.plugin_versions) == registry.plugin_versions()
    assert context.plugin_files == (str(TOY), str(FAILING)) and context.disabled == DISABLED


def test_another_dataset_is_refused(context: WorkerContext) -> None:
    result = run_task(_other_dataset(context), EncodeTask("pca-lite", {"random_state": 0}))
    assert result.status == "error" and result.embedding is None
    assert "the worker sees different data" in result.reason and context.fingerprint[:12] in result.reason


def test_other_plugins_are_refused(context: WorkerContext, tmp_path: Path) -> None:
    result = run_task(_other_plugins(context, tmp_path), EncodeTask("pca-lite", {"random_state": 0}))
    assert result.status == "error" and result.embedding is None
    assert "differ from the planner's" in result.reason


def test_a_missing_plugin_is_refused(context: WorkerContext) -> None:
    result = run_task(dataclasses.replace(context, plugin_files=(str(TOY),)), EncodeTask("pca-lite", {}))
    assert result.status == "error" and "differ from the planner's" in result.reason


@pytest.mark.parametrize("change", ["dataset", "plugins"])
def test_the_local_pool_refuses_to_start(context: WorkerContext, tmp_path: Path, change: str) -> None:
    bad = _other_dataset(context) if change == "dataset" else _other_plugins(context, tmp_path)
    pool = LocalPool(bad, jobs=1, timeout=None)
    try:
        pool.submit(EncodeTask("pca-lite", {"random_state": 0}))
        with pytest.raises(MusicbenchError, match="could not start") as caught:
            pool.wait()
    finally:
        pool.close()
    assert ("different data" if change == "dataset" else "differ from the planner's") in str(caught.value)


def test_run_task_with_timeout_returns_a_timeout(context: WorkerContext) -> None:
    result = run_task_with_timeout(context, EncodeTask("sleepy", {"seconds": 5.0}), 0.3)
    assert result.status == "timeout" and result.reason == "did not finish within the 0.3 s timeout"
    quick = run_task_with_timeout(context, EncodeTask("pca-lite", {"random_state": 0}), 60.0)
    assert quick.status == "ok" and quick.embedding.shape == (120, 4)
    assert run_task_with_timeout(context, EncodeTask("pca-lite", {"random_state": 0}), None).status == "ok"


@pytest.fixture(scope="module")
def dask_address():  # type: ignore[no-untyped-def]
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", host="127.0.0.1", dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _on_dask(address: str, context: WorkerContext, task: EncodeTask, timeout: float | None = None):  # type: ignore[no-untyped-def]
    from musicbench.benchmark.running.executors.dask import DaskExecutor

    executor = DaskExecutor(context, address, timeout)
    try:
        task_id = executor.submit(task)
        ((done_id, result),) = executor.wait()
    finally:
        executor.close()
    assert done_id == task_id
    return result


def test_dask_workers_refuse_another_dataset_and_other_plugins(dask_address, context, tmp_path) -> None:  # type: ignore[no-untyped-def]
    task = EncodeTask("pca-lite", {"random_state": 0})
    assert _on_dask(dask_address, context, task).status == "ok"
    other_data = _on_dask(dask_address, _other_dataset(context), task)
    assert other_data.status == "error" and "the worker sees different data" in other_data.reason
    other_plugins = _on_dask(dask_address, _other_plugins(context, tmp_path), task)
    assert other_plugins.status == "error" and "differ from the planner's" in other_plugins.reason


def test_dask_times_out_a_task(dask_address, context) -> None:  # type: ignore[no-untyped-def]
    result = _on_dask(dask_address, context, EncodeTask("sleepy", {"seconds": 5.0}), timeout=0.5)
    assert result.status == "timeout" and "0.5 s timeout" in result.reason


def test_an_exception_is_an_error_row_naming_the_plugins_line(context: WorkerContext) -> None:
    result = run_task(context, EncodeTask("broken", {"random_state": 0}))
    raise_line = next(i for i, line in enumerate(FAILING.read_text().splitlines(), 1) if "raise " in line)
    assert result.status == "error" and result.embedding is None
    assert result.reason.startswith("RuntimeError: this encoder is broken on purpose (at ")
    assert f"(at failing.py:{raise_line} in fit)" in result.reason


BAD_OUTPUT = """
from typing import Any
import numpy as np
from sklearn.base import BaseEstimator
from musicbench import hookimpl


class Output(BaseEstimator):
    required_modalities = ("audio",)
    make = staticmethod(lambda audio: audio[:, :2])

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, dataset: Any) -> "Output":
        return self

    def transform(self, dataset: Any) -> Any:
        return self.make(dataset.audio)


def output(make):
    return type("Made", (Output,), {"make": staticmethod(make)})


class BadOwnLabels(Output):
    def predict(self, dataset: Any) -> Any:
        return np.zeros(len(dataset.audio))  # floats, not cluster ids


@hookimpl
def register_encoders(register: Any) -> None:
    register("too-few-rows", output(lambda audio: audio[:-1, :2]))
    register("one-dim", output(lambda audio: audio[:, 0]))
    register("three-dim", output(lambda audio: audio[:, :, None]))
    register("text", output(lambda audio: np.full((len(audio), 2), "x")))
    register("with-nan", output(lambda audio: np.where(audio[:, :2] > 0, np.nan, 1.0)))
    register("bad-own-labels", BadOwnLabels)
"""


@pytest.mark.parametrize(
    ("encoder", "message"),
    [
        ("too-few-rows", "expected (120, d) numbers"),
        ("one-dim", "expected (120, d) numbers"),
        ("three-dim", "expected (120, d) numbers"),
        ("text", "expected (120, d) numbers"),
        ("with-nan", "returned non-finite values"),
    ],
)
def test_an_encoder_output_that_is_not_one_row_per_track_is_an_error(
    tmp_path: Path, encoder: str, message: str
) -> None:
    (tmp_path / "bad_output.py").write_text(BAD_OUTPUT)
    context = _context((str(TOY), str(FAILING), str(tmp_path / "bad_output.py")))
    result = run_task(context, EncodeTask(encoder, {"random_state": 0}))
    assert result.status == "error" and result.embedding is None
    assert message in result.reason


def test_own_labels_must_be_integers_one_per_track(tmp_path: Path) -> None:
    (tmp_path / "bad_output.py").write_text(BAD_OUTPUT)
    context = _context((str(TOY), str(FAILING), str(tmp_path / "bad_output.py")))
    result = run_task(context, EncodeTask("bad-own-labels", {"random_state": 0}, clusters_itself=True))
    assert result.status == "error" and "expected (120,) integers" in result.reason
    fine = run_task(context, EncodeTask("bad-own-labels", {"random_state": 0}))  # not asked to cluster
    assert fine.status == "ok" and fine.labels is None and fine.embedding.dtype == np.float32
