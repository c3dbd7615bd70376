"""The `slow` group of tests/conftest.py names files that exist (a renamed file would
silently leave the group, and `pytest -m "not slow"` would run it)."""

from __future__ import annotations

from tests.conftest import REPO, SLOW_FILES, SLOW_FOLDERS


def test_every_slow_file_and_folder_exists() -> None:
    missing = [p for p in (*SLOW_FILES, *SLOW_FOLDERS) if not (REPO / p).exists()]
    assert not missing, f"tests/conftest.py marks files that do not exist: {missing}"
