"""librosa's compiled-code cache: checked by one process, repaired when a crash shows it broken.

The child commands here stand in for librosa: one that segfaults while a fake cache
file exists (what numba issue #10128 leaves behind), one that always does, one that
fails. The last test runs the real one.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from musicbench.errors import MusicbenchError
from musicbench.plugins.datasets import librosa_cache

SEGFAULT = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"


@pytest.fixture(autouse=True)
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The records and the lock in a folder of the test's own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    return tmp_path / "user-cache" / "musicbench"


def broken_cache(tmp_path: Path) -> Path:
    folder = tmp_path / "librosa" / "core" / "__pycache__"
    folder.mkdir(parents=True)
    for name in ("pitch._pi_wrapper-430.py311.nbi", "pitch._pi_wrapper-430.py311.1.nbc", "guf-pitch.nbi"):
        (folder / name).write_bytes(b"x")
    (folder / "pitch.cpython-311.pyc").write_bytes(b"kept")
    return tmp_path / "librosa"


def crashes_while_cached(folder: Path) -> list[str]:
    check = f"import pathlib; bad = any(pathlib.Path({str(folder)!r}).rglob('*.nbi'))"
    return [sys.executable, "-c", f"{check}\nif bad:\n    {SEGFAULT}"]


def test_a_crash_deletes_the_numba_files_and_the_second_try_passes(tmp_path: Path, records: Path) -> None:
    folder = broken_cache(tmp_path)
    assert librosa_cache.ensure_ready(crashes_while_cached(folder), [folder]) == "repaired"
    left = sorted(p.name for p in folder.rglob("*") if p.is_file())
    assert left == ["pitch.cpython-311.pyc"]  # only numba's files go
    assert len(list(records.glob("librosa-*.json"))) == 1


def test_a_matching_record_skips_the_child_and_a_changed_cache_does_not(tmp_path: Path) -> None:
    folder = tmp_path / "librosa"
    folder.mkdir()
    (folder / "a.nbi").write_bytes(b"1")
    assert librosa_cache.ensure_ready([sys.executable, "-c", "pass"], [folder]) == "ready"
    failing = [sys.executable, "-c", "raise SystemExit(3)"]
    assert librosa_cache.ensure_ready(failing, [folder]) == "unchanged"  # the failing child never ran
    (folder / "b.nbc").write_bytes(b"22")  # another process compiled: check again
    with pytest.raises(MusicbenchError, match="exit status 3"):
        librosa_cache.ensure_ready(failing, [folder])


def test_a_crash_with_an_empty_cache_is_an_error_naming_the_folder(tmp_path: Path, records: Path) -> None:
    folder = broken_cache(tmp_path)
    with pytest.raises(MusicbenchError) as raised:
        librosa_cache.ensure_ready([sys.executable, "-c", SEGFAULT], [folder])
    message = str(raised.value)
    assert "with its compiled-code cache deleted" in message and str(folder) in message
    assert not list(folder.rglob("*.nb[ic]"))
    assert not list(records.glob("librosa-*.json"))  # no record of a failure


def test_two_processes_at_once_run_one_child(tmp_path: Path) -> None:
    """The second waits for the first's lock, then finds its record: one compile, never two at once."""
    folder = tmp_path / "librosa"
    folder.mkdir()
    (folder / "a.nbi").write_bytes(b"1")
    log = tmp_path / "children.log"
    child = f"import time; open({str(log)!r}, 'a').write('ran\\n'); time.sleep(1.0)"
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from musicbench.plugins.datasets.librosa_cache import ensure_ready
        print(ensure_ready([sys.executable, "-c", {child!r}], [Path({str(folder)!r})]))
        """
    )
    both = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outcomes = sorted(p.communicate(timeout=60)[0].strip() for p in both)
    assert outcomes == ["ready", "unchanged"]
    assert log.read_text() == "ran\n"


def test_the_real_librosa_is_ready_and_then_unchanged() -> None:
    pytest.importorskip("librosa")
    folders = librosa_cache.cache_folders()
    assert folders and folders[0].name == "librosa"
    assert librosa_cache.ensure_ready() in ("ready", "repaired")  # this test's own record folder: the child ran
    assert librosa_cache.ensure_ready() == "unchanged"


def test_the_cache_subfolder_is_numbas_own() -> None:
    from numba.core.caching import _CacheLocator

    directory = os.path.abspath(os.path.dirname(librosa_cache.__file__))
    expected = _CacheLocator.get_suitable_cache_subpath(os.path.join(directory, "any.py"))
    assert librosa_cache.numba_subpath(directory) == expected


def test_a_cache_under_numba_cache_dir_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.find_spec("librosa")
    if spec is None or spec.origin is None:
        pytest.skip("librosa is not installed")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    core = os.path.join(os.path.dirname(os.path.abspath(spec.origin)), "core")
    compiled = tmp_path / "numba" / librosa_cache.numba_subpath(core) / "pitch._pi_wrapper-430.py311.nbi"
    compiled.parent.mkdir(parents=True)
    compiled.write_bytes(b"x")
    assert compiled in librosa_cache.cache_files(librosa_cache.cache_folders())
