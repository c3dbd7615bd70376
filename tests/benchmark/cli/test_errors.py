"""The one error policy: which exception gives which exit code and paragraph."""

from __future__ import annotations

import errno
from pathlib import Path

import click
import pytest

from musicbench.benchmark.cli.errors import CRASH_DIR_ENV, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USER, run_cli
from musicbench.errors import DataError


def _command(exc: BaseException) -> click.Command:
    @click.command()
    def failing() -> None:
        raise exc

    return failing


@pytest.mark.parametrize(
    "exc, code, expected",
    [
        (DataError("the file x.csv is empty [/]"), EXIT_USER, "error: the file x.csv is empty [/]"),
        (
            OSError(errno.ENOSPC, "No space left on device", "/data/s.sqlite"),
            EXIT_USER,
            "could not read or write /data/s.sqlite: No space left on device. Every cell finished",
        ),
        (OSError(errno.EFBIG, "File too large", "cache/ab.npy"), EXIT_USER, "raise the file-size limit"),
        (KeyboardInterrupt(), EXIT_INTERRUPTED, "interrupted. Every cell finished before this is in the store"),
        (EOFError("No data left in file"), EXIT_INTERNAL, "internal error in `bench` (musicbench"),
        (ValueError("boom"), EXIT_INTERNAL, "ValueError: boom. This is a bug in musicbench or in a plugin"),
    ],
    ids=["user", "disk-full", "file-too-large", "ctrl-c", "eof-is-not-abort", "bug"],
)
def test_every_ending_has_one_exit_code_and_one_paragraph(
    exc: BaseException,
    code: int,
    expected: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(CRASH_DIR_ENV, str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        run_cli(_command(exc), [])
    err = capsys.readouterr().err
    assert stopped.value.code == code
    # click writes an empty line before it re-raises Ctrl-C and EOFError; then one paragraph.
    assert len(err.strip().splitlines()) == 1 and err.strip().startswith("error: "), err
    assert expected in err
    crash_files = list(tmp_path.glob("musicbench-crash-*.txt"))
    assert len(crash_files) == (1 if code == EXIT_INTERNAL else 0)
    if crash_files:
        assert str(crash_files[0]) in err and "Traceback" in crash_files[0].read_text()
