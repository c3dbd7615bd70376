"""Running tasks on an existing Dask distributed cluster (``--scheduler ADDRESS``).

Dask does the scheduling; musicbench only submits tasks and gathers results. An
embedding needed by several clusterer tasks is scattered to the cluster once. Dask
cannot kill a task that is running, so timeouts are enforced inside the task (see
:func:`benchmark.work.run_task_with_timeout`): the cell is recorded as a timeout,
and the abandoned thread runs on in the worker until it ends.

Workers need musicbench, the same plugins and plugin files at the same paths, and
the dataset files at the same paths; a worker with other plugins or other data
refuses the work (the dataset fingerprint and plugin versions are checked).
"""

from __future__ import annotations

import socket
from typing import Any

import numpy as np

from musicbench.benchmark.running.work import ClusterTask, EncodeTask, TaskResult, WorkerContext, run_task_with_timeout
from musicbench.errors import ConfigError

CONNECT_TIMEOUT_S = 20


def _probe(address: str) -> None:
    """Fail fast on a TCP address where nothing listens (Dask would retry for its whole timeout)."""
    scheme, _, rest = address.rpartition("://")
    if scheme not in ("", "tcp") or ":" not in rest:
        return  # tls://, inproc:// and friends: leave them to Dask
    host, _, port = rest.rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
        pass


class DaskExecutor:
    """Submit tasks to the Dask scheduler at ``address``."""

    def __init__(self, context: WorkerContext, address: str, timeout: float | None) -> None:
        from distributed import Client

        try:
            _probe(address)
            self._client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                f"Cannot reach the Dask scheduler at {address!r} ({exc}). Start one with "
                "`dask scheduler` and at least one `dask worker ADDRESS`, then pass its address."
            ) from None
        self._context = context
        self._timeout = timeout
        self._futures: dict[Any, int] = {}
        self._scattered: dict[int, Any] = {}
        self._next_id = 0

    def _remote(self, array: np.ndarray | None) -> Any:
        if array is None:
            return None
        # The same embedding object is passed for every clusterer of a fit: send it once.
        if id(array) not in self._scattered:
            self._scattered[id(array)] = (self._client.scatter(array, broadcast=False), array)
        return self._scattered[id(array)][0]

    def submit(
        self, task: EncodeTask | ClusterTask, embedding: np.ndarray | None = None, own_labels: np.ndarray | None = None
    ) -> int:
        self._next_id += 1
        future = self._client.submit(
            run_task_with_timeout,
            self._context,
            task,
            self._timeout,
            self._remote(embedding),
            self._remote(own_labels),
            pure=False,
            priority=1 if isinstance(task, ClusterTask) else 0,
            key=f"musicbench-{self._next_id}-{type(task).__name__}",
        )
        self._futures[future] = self._next_id
        return self._next_id

    def wait(self) -> list[tuple[int, TaskResult]]:
        if not self._futures:
            return []
        from distributed import wait

        with self._client.as_current():  # this client, without making it the global default
            done, _ = wait(list(self._futures), return_when="FIRST_COMPLETED")
        finished = []
        for future in done:
            task_id = self._futures.pop(future)
            try:
                result = future.result()
            except Exception as exc:  # the worker died or the task could not be unpickled
                result = TaskResult("error", f"Dask could not run the task: {type(exc).__name__}: {exc}")
            finished.append((task_id, result))
        return finished

    def close(self) -> None:
        self._scattered.clear()
        self._client.close()
