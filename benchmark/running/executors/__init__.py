"""Where tasks run: local worker processes (:class:`LocalPool`) or a Dask cluster.

Both offer the same three calls, so the runner does not know which it drives:
``submit(task, embedding=None, own_labels=None) -> int``, ``wait() -> list of
(task id, TaskResult)`` (blocks until at least one task ends; it may return an empty
list early, when a task starts) and ``close()``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from musicbench.benchmark.running.work import ClusterTask, EncodeTask, TaskResult


class Executor(Protocol):
    def submit(
        self, task: EncodeTask | ClusterTask, embedding: np.ndarray | None = None, own_labels: np.ndarray | None = None
    ) -> int: ...

    def wait(self) -> list[tuple[int, TaskResult]]: ...

    def close(self) -> None: ...
