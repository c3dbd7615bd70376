"""Local worker processes that can be killed, one task at a time each.

``concurrent.futures.ProcessPoolExecutor`` cannot stop one running task, so a
timeout could not be enforced. Here each worker is a process with its own pipe:
the pool hands a task to an idle worker, and if it runs past the timeout the pool
kills that process (only that work is lost), records a ``timeout`` and starts a
fresh worker. A worker that dies (a crash in native code, the OOM killer) becomes
an ``error`` for its task in the same way.

Workers start through ``forkserver`` where available (``spawn`` elsewhere): never
plain ``fork``, which would copy the parent's threads and locks (torch, OpenMP) in
an undefined state. Each worker builds its registry and loads the dataset once,
before it takes work, so the start-up is not charged to any cell or its timeout.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

import numpy as np

from musicbench.benchmark.running.work import (
    ClusterTask,
    EncodeTask,
    TaskResult,
    WorkerContext,
    describe_exception,
    run_task,
    worker_state,
)
from musicbench.errors import MusicbenchError

START_TIMEOUT_S = 300.0
"""How long a worker may take to import its plugins and load the dataset."""


def _capture_output(log_path: str | None) -> None:
    """Send this worker's stdout and stderr (Python and native) to the run's log.

    A plugin that prints, or a library that logs, would otherwise interleave its
    text with bench's progress lines; the log keeps it, marked with each task.
    """
    if log_path is None:
        return
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)


def _worker_main(conn: Connection, context: WorkerContext, log_path: str | None = None) -> None:
    _capture_output(log_path)
    try:
        worker_state(context)
    except Exception as exc:
        conn.send(("failed", describe_exception(exc)))
        return
    try:
        conn.send(("ready", None))
        while True:
            message = conn.recv()
            if message is None:
                return
            task_id, task, embedding, own = message
            if log_path is not None:
                now = time.time()  # one reading, so the milliseconds belong to the same second
                stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
                print(f"--- {stamp} worker {os.getpid()}: task {task_id}: {task}", flush=True)
            result = run_task(context, task, embedding, own)
            sys.stdout.flush()
            sys.stderr.flush()
            conn.send(("done", (task_id, result)))
    except (EOFError, OSError):
        return  # the runner is gone (killed): nobody wants the result, so exit quietly


class _Worker:
    def __init__(self, ctx: Any, context: WorkerContext, log_path: str | None = None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, context, log_path), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.started = time.monotonic()
        self.task: int | None = None
        self.task_started = 0.0

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


def _context(preload: Sequence[str] = ()) -> Any:
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["musicbench.benchmark.running.executors._preload", *preload])
    return ctx


def start_forkserver(preload: Sequence[str] = ()) -> None:
    """Start the forkserver now, so its imports overlap the caller's own start-up.

    The forkserver imports ``preload`` (torch, scikit-learn, umap: 5 s and more)
    before it forks the first worker, and the first worker's start waits for it. Started
    before the dataset is loaded and the plan is built, that import runs on the other
    core meanwhile instead of after them. A :class:`LocalPool` made later with the same
    ``preload`` uses this server; without this call it starts one itself.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        _context(preload)
        forkserver.ensure_running()


def stop_forkserver() -> None:
    """Stop the forkserver now, without its interpreter's teardown.

    Left alone, it exits when this process does, and its teardown (torch, scikit-learn
    and umap imported: about a second of CPU) holds the run's output pipe open after
    ``bench`` has finished, so ``bench run | tee`` and CI waited for it. It holds
    nothing that needs a clean exit: every worker has been joined. A later pool starts
    a new server. Uses the private state of CPython's forkserver (3.8 to 3.13); where it
    differs, the server is left to exit on its own.
    """
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    stop = getattr(server, "_stop", None)
    if pid is None or not callable(stop):
        return
    try:
        os.kill(pid, signal.SIGKILL)  # no teardown
    except OSError:
        return
    stop()  # closes the alive pipe, reaps the process, removes the listener's socket


class LocalPool:
    """``jobs`` worker processes with a per-task ``timeout`` (seconds, or ``None``).

    ``preload`` names modules the forkserver imports before forking any worker: a
    plugin's ``preload`` meta (compiling numba code once instead of once per worker).
    """

    def __init__(
        self,
        context: WorkerContext,
        jobs: int,
        timeout: float | None,
        preload: Sequence[str] = (),
        log_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self._ctx = _context(preload)
        self._log = None if log_path is None else str(log_path)
        if log_path is not None:
            Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        self._context = context
        self._timeout = timeout
        # Clusterer tasks go first: they finish cells (committed at once), while an
        # encoder task only makes more work.
        self._urgent: deque[tuple[int, Any, Any, Any]] = deque()
        self._queue: deque[tuple[int, Any, Any, Any]] = deque()
        self._next_id = 0
        self._workers = [_Worker(self._ctx, context, self._log) for _ in range(max(1, jobs))]

    def submit(
        self, task: EncodeTask | ClusterTask, embedding: np.ndarray | None = None, own_labels: np.ndarray | None = None
    ) -> int:
        self._next_id += 1
        queue = self._urgent if isinstance(task, ClusterTask) else self._queue
        queue.append((self._next_id, task, embedding, own_labels))
        self._dispatch()
        return self._next_id

    def _dispatch(self) -> int:
        started = 0
        for worker in self._workers:
            if worker.ready and worker.task is None and (self._urgent or self._queue):
                message = (self._urgent or self._queue).popleft()
                worker.conn.send(message)
                worker.task, worker.task_started = message[0], time.monotonic()
                started += 1
        return started

    def running(self) -> dict[int, float]:
        """``{task id: time.monotonic() when it started}`` of the tasks running now."""
        return {w.task: w.task_started for w in self._workers if w.task is not None}

    def _replace(self, worker: _Worker) -> None:
        worker.kill()
        self._workers[self._workers.index(worker)] = _Worker(self._ctx, self._context, self._log)

    def _deadline(self, worker: _Worker) -> float | None:
        if not worker.ready:
            return worker.started + START_TIMEOUT_S
        if worker.task is not None and self._timeout is not None:
            return worker.task_started + self._timeout
        return None

    def wait(self) -> list[tuple[int, TaskResult]]:
        """Block until at least one task ends (done, failed or timed out) or starts.

        A start returns an empty list: the caller learns, through :meth:`running`,
        what the workers do now (a worker that became ready took a task).
        """
        if not self._urgent and not self._queue and all(w.task is None for w in self._workers):
            return []
        finished: list[tuple[int, TaskResult]] = []
        started = 0
        while not finished and not started:
            deadlines = [d for d in map(self._deadline, self._workers) if d is not None]
            wait_s = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = wait([w.conn for w in self._workers], timeout=wait_s)
            for worker in list(self._workers):
                if worker.conn in ready:
                    finished += self._receive(worker)
                else:
                    deadline = self._deadline(worker)
                    if deadline is not None and time.monotonic() >= deadline:
                        finished += self._expire(worker)
            started = self._dispatch()
        return finished

    def _receive(self, worker: _Worker) -> list[tuple[int, TaskResult]]:
        try:
            kind, payload = worker.conn.recv()
        except (EOFError, OSError):
            worker.process.join(1)
            code = worker.process.exitcode
            task = worker.task
            if task is None and not worker.ready:
                raise MusicbenchError(f"A worker process died while starting (exit code {code}).") from None
            self._replace(worker)
            if task is None:
                return []
            return [
                (
                    task,
                    TaskResult(
                        "error",
                        f"the worker process died (exit code {code}), e.g. killed for memory or crashed in native code",
                    ),
                )
            ]
        if kind == "failed":
            self.close()
            raise MusicbenchError(f"A worker process could not start: {payload}")
        if kind == "ready":
            worker.ready = True
            return []
        worker.task = None
        return [payload]

    def _expire(self, worker: _Worker) -> list[tuple[int, TaskResult]]:
        if not worker.ready:
            self.close()
            raise MusicbenchError(f"A worker process did not start within {START_TIMEOUT_S:g} s.")
        task = worker.task
        self._replace(worker)  # killing the process is the only way to stop the work
        assert task is not None and self._timeout is not None
        return [(task, TaskResult("timeout", f"did not finish within the {self._timeout:g} s timeout"))]

    def close(self) -> None:
        """Stop the workers; one still busy (an interrupted run) is killed at once."""
        for worker in self._workers:
            if worker.task is not None:
                worker.process.kill()
                continue
            try:
                worker.conn.send(None)
            except (OSError, ValueError):
                pass
        for worker in self._workers:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
        self._workers = []
