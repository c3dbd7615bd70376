"""How many local processes a command starts by default: one definition for every command.

``bench run --jobs`` and the audio loader's feature extraction both default to the
cores this process may use (its CPU affinity: a container's or ``taskset``'s limit,
not the host's count), or to ``$MUSICBENCH_JOBS`` where that is set (the test suite
sets it to 1: pytest-xdist already runs one test per core).
"""

from __future__ import annotations

import os

from musicbench.errors import ConfigError

JOBS_ENV = "MUSICBENCH_JOBS"


def available_cores() -> int:
    """The cores this process may use (its CPU affinity, not the host's core count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def default_jobs() -> int:
    """``$MUSICBENCH_JOBS`` (a positive integer) when set, else :func:`available_cores`."""
    text = os.environ.get(JOBS_ENV, "").strip()
    if not text:
        return available_cores()
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise ConfigError(
            f"{JOBS_ENV}={text!r} is not a number of processes: set it to a positive integer "
            f"(for example {JOBS_ENV}=2) or unset it to use every available core."
        )
    return jobs
