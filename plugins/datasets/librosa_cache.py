"""librosa's compiled code made ready by one process before any extraction uses it.

librosa compiles its numba functions on first use and keeps them in numba's disk
cache (``cache=True``). Several of them are ``guvectorize`` functions, whose cache
holds two files per function: the kernel and the gufunc wrapper that calls it by an
internal name. When two processes compile them at once (the extraction's worker
processes on a machine's first run, two test workers, two ``bench`` commands), the
two files can come from different processes whose internal names disagree (numba
issue #10128), and **every later process** that loads them dies with a segmentation
fault inside librosa. Seen here on 2026-12-03: ``pytest -n auto`` on a machine whose
CPU differed from the cache's left ``librosa/core/__pycache__/*pi_wrapper*``
inconsistent, and from then on every chroma extraction in that environment crashed.

:func:`ensure_ready` prevents and repairs it:

* under an exclusive lock (another process on this machine waits for it), a child
  process computes the features of a few seconds of synthetic sound: one process
  compiles what is missing, or loads what is cached;
* if the child dies from a signal, librosa's cache is inconsistent: its files are
  deleted (they are only a cache) and the child runs once more; a second crash is an
  error that names the folder;
* a record of the cache files it checked (names, sizes, modification times) lets the
  next call skip the child while nothing has changed: a cache that concurrent
  compiles rewrote no longer matches the record, so it is checked again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from musicbench.errors import MusicbenchError
from musicbench.hashing import versions_of
from musicbench.plugins.encoders.numba_cache import user_cache_root

EXERCISE = (sys.executable, "-c", "from musicbench.plugins.datasets.librosa_cache import exercise; exercise()")
"""The child process's command: the features of synthetic sound, through every librosa call
:func:`~musicbench.plugins.datasets.audio_features.extract_features` makes."""


def exercise(seconds: float = 4.0) -> None:
    """Extract the features of ``seconds`` of a tone with noise (what the child process runs)."""
    import numpy as np

    from musicbench.plugins.datasets.audio_features import SAMPLE_RATE, extract_features

    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    noise = np.random.default_rng(0).standard_normal(t.size)
    y = (0.3 * np.sin(2 * np.pi * 440.0 * t) + 0.05 * noise).astype(np.float32)
    extract_features(y, SAMPLE_RATE)


def numba_subpath(directory: str) -> str:
    """The folder numba gives a source folder's code under its cache folder.

    numba's ``_CacheLocator.get_suitable_cache_subpath``: the folder's name and the
    sha1 of its absolute path (``tests/plugins/datasets/test_librosa_cache.py``
    compares the two, so a numba that changes it fails there, not here).
    """
    return f"{os.path.basename(directory)}_{hashlib.sha1(directory.encode()).hexdigest()}"


def cache_folders() -> list[Path]:
    """Where numba may keep librosa's compiled code, whether or not the folders exist yet.

    Beside the sources (each ``__pycache__`` under librosa's folder), or, when those are
    read-only or ``NUMBA_CACHE_DIR`` is set, one folder per source folder under
    ``$NUMBA_CACHE_DIR`` or numba's user-wide cache (``$XDG_CACHE_HOME/numba``).
    """
    spec = importlib.util.find_spec("librosa")
    if spec is None or spec.origin is None:
        return []
    source = os.path.dirname(os.path.abspath(spec.origin))  # numba's own abspath, not a resolved path
    override = os.environ.get("NUMBA_CACHE_DIR")
    base = Path(override) if override else user_cache_root() / "numba"
    directories = sorted({str(p.parent) for p in Path(source).rglob("*.py")})
    return [Path(source), *(base / numba_subpath(d) for d in directories)]


def cache_files(folders: Sequence[Path]) -> list[Path]:
    """numba's index (``.nbi``) and data (``.nbc``) files under ``folders``."""
    found = (p for f in folders if f.is_dir() for pattern in ("*.nbi", "*.nbc") for p in f.rglob(pattern))
    return sorted(found)


def _state(files: Sequence[Path]) -> list[list[object]]:
    state: list[list[object]] = []
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue
        state.append([str(path), stat.st_size, stat.st_mtime_ns])
    return state


def _versions() -> dict[str, str]:
    return {"python": sys.version.split()[0], **versions_of(("librosa", "numba"))}


def _record_path(folders: Sequence[Path]) -> Path:
    where = "\0".join(str(f) for f in folders)
    return user_cache_root() / "musicbench" / f"librosa-{hashlib.sha256(where.encode()).hexdigest()[:12]}.json"


def _recorded(record: Path) -> dict[str, object] | None:
    try:
        data = json.loads(record.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_record(record: Path, folders: Sequence[Path]) -> None:
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        temporary = record.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"versions": _versions(), "files": _state(cache_files(folders))}))
        os.replace(temporary, record)
    except OSError:
        pass  # no record: the next call runs the child again, which is slower, never wrong


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX); without ``fcntl`` or a writable folder, none."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; the race is as likely as it is without musicbench
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a")  # noqa: SIM115  held for the whole block
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_ready(command: Sequence[str] = EXERCISE, folders: Sequence[Path] | None = None) -> str:
    """Make librosa's compiled code consistent and complete before extracting.

    Returns ``"unchanged"`` (the record matched: no child ran), ``"ready"`` (the child
    compiled or loaded everything) or ``"repaired"`` (the cache was inconsistent, was
    deleted and compiled again).

    Raises
    ------
    MusicbenchError
        The child failed other than by a signal (librosa itself is broken), or crashed
        again with an empty cache.
    """
    folders = cache_folders() if folders is None else list(folders)
    record = _record_path(folders)
    with _locked(record.with_suffix(".lock")):
        known = _recorded(record)
        if known is not None and known == {"versions": _versions(), "files": _state(cache_files(folders))}:
            return "unchanged"
        outcome = "ready"
        done = subprocess.run(list(command), capture_output=True, text=True)
        if done.returncode < 0:  # killed by a signal (a segmentation fault), as a broken cache makes it
            for path in cache_files(folders):
                path.unlink(missing_ok=True)
            outcome = "repaired"
            done = subprocess.run(list(command), capture_output=True, text=True)
        if done.returncode != 0:
            where = ", ".join(str(f) for f in folders if f.is_dir()) or "librosa's folder"
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            again = " with its compiled-code cache deleted" if outcome == "repaired" else ""
            raise MusicbenchError(
                f"audio: librosa failed on a synthetic test signal{again} (exit status {done.returncode}), so no "
                f"file can be extracted. Check the installation (pip install --force-reinstall librosa) and "
                f"delete numba's cache files (*.nbi, *.nbc) under {where}.\n{tail}"
            )
        _write_record(record, folders)
        return outcome
