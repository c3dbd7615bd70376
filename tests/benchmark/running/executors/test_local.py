"""The local pool's forkserver: stopped at the end of a run, started again by the next pool."""

from __future__ import annotations

import os
from multiprocessing import forkserver

import pytest

from musicbench.benchmark.running.executors.local import LocalPool, stop_forkserver
from musicbench.benchmark.running.work import EncodeTask
from tests.benchmark.running.test_worker_checks import _context

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the forkserver exists on POSIX only")


def _encode_once() -> None:
    pool = LocalPool(_context(), jobs=1, timeout=None)
    try:
        task_id = pool.submit(EncodeTask("pca-lite", {"random_state": 0}))
        done: list = []
        while not done:  # wait() returns what finished so far, possibly nothing yet
            done = pool.wait()
    finally:
        pool.close()
    ((done_id, result),) = done
    assert done_id == task_id and result.status == "ok", result.reason


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_forkserver_is_stopped_and_a_later_pool_starts_another() -> None:
    _encode_once()
    server = forkserver._forkserver  # type: ignore[attr-defined]
    pid, address = server._forkserver_pid, server._forkserver_address
    assert pid is not None and _alive(pid)
    stop_forkserver()
    assert not _alive(pid)  # killed and reaped: no zombie either
    assert server._forkserver_pid is None
    assert address is None or not os.path.exists(address)  # its socket file is gone
    stop_forkserver()  # nothing to stop: a no-op
    _encode_once()  # the next pool starts a new server
    assert server._forkserver_pid not in (None, pid)
