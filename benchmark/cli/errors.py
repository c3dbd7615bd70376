"""What reaches the user when a command fails: one policy, in one place.

* An expected error (:class:`MusicbenchError`: bad input, configuration, plugins)
  is one paragraph and exit code 2.
* The machine refusing a write or a read (disk full, file too large, permission
  denied, read-only folder) is the user's environment, not a bug: one paragraph
  naming the file, exit code 2.
* Ctrl-C is ``interrupted`` and exit code 130; finished cells are already stored.
* Anything else is a bug in musicbench or a plugin: one paragraph with the command,
  the version and the path of a file holding the full traceback, exit code 70
  (``EX_SOFTWARE``). click turns an ``EOFError`` raised anywhere (numpy reading a
  truncated file) into ``Abort``; that is unwrapped and treated as the bug it is,
  never shown as a bare "aborted".
"""

from __future__ import annotations

import errno
import os
import shlex
import sys
import tempfile
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import NoReturn

import click
from rich.markup import escape

from musicbench import MusicbenchError, __version__
from musicbench.benchmark.cli.common import err

EXIT_USER = 2
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
CRASH_DIR_ENV = "MUSICBENCH_CRASH_DIR"
"""Folder for tracebacks of internal errors (default: the system's temporary folder)."""

_ENVIRONMENT_ERRNOS = {
    errno.ENOSPC,
    errno.EFBIG,
    errno.EACCES,
    errno.EPERM,
    errno.EROFS,
    errno.EDQUOT,
    errno.ENOENT,
    errno.ENOTDIR,
    errno.EISDIR,
    errno.EMFILE,
}


def say(message: str) -> None:
    """Print one ``error:`` paragraph on stderr; the message is text, never markup."""
    err.print(f"[bold red]error:[/] {escape(' '.join(message.split()))}", highlight=False, soft_wrap=True)


def _environment_message(exc: OSError) -> str:
    where = f" {exc.filename}" if exc.filename else ""
    what = exc.strerror or str(exc)
    hint = {
        errno.ENOSPC: "free some space",
        errno.EFBIG: "free space or raise the file-size limit",
        errno.EDQUOT: "free space within your quota",
    }.get(exc.errno or 0, "check the path and its permissions")
    return (
        f"could not read or write{where}: {what}. Every cell finished before this is in the store; "
        f"{hint}, then run the same command again to go on."
    )


def crash_report(exc: BaseException, argv: list[str]) -> Path | None:
    """Write the command, version and traceback to a file; its path, or None if that failed."""
    folder = Path(os.environ.get(CRASH_DIR_ENV) or tempfile.gettempdir())
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    path = folder / f"musicbench-crash-{stamp}-{os.getpid()}.txt"
    text = (
        f"command: bench {shlex.join(argv)}\nmusicbench: {__version__}\npython: {sys.version.split()[0]}\n\n"
        + "".join(traceback.format_exception(exc))
    )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError:
        return None
    return path


def run_cli(cli: click.Command, argv: list[str] | None) -> NoReturn:
    """Run ``cli`` and turn every way it can end into an exit code and at most one paragraph."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="bench", standalone_mode=False)
    except MusicbenchError as exc:
        say(str(exc))
        sys.exit(exc.exit_code)
    except click.exceptions.Abort as exc:
        cause = exc.__cause__ or exc.__context__
        if cause is None or isinstance(cause, KeyboardInterrupt):
            say("interrupted. Every cell finished before this is in the store; run the same command again to go on.")
            sys.exit(EXIT_INTERRUPTED)
        _internal(cause, args)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        say("interrupted. Every cell finished before this is in the store; run the same command again to go on.")
        sys.exit(EXIT_INTERRUPTED)
    except OSError as exc:
        if exc.errno in _ENVIRONMENT_ERRNOS:
            say(_environment_message(exc))
            sys.exit(EXIT_USER)
        _internal(exc, args)
    except Exception as exc:  # noqa: BLE001 - whatever is left is a bug, reported as one
        _internal(exc, args)
    sys.exit(0)


def _internal(exc: BaseException, args: list[str]) -> NoReturn:
    path = crash_report(exc, args)
    where = f"The full traceback is in {path}" if path else "The traceback could not be saved"
    command = f"bench {shlex.join(args)}".strip()
    say(
        f"internal error in `{command}` (musicbench {__version__}): "
        f"{type(exc).__name__}: {exc}. This is a bug in musicbench or in a plugin, not in your input. "
        f"{where}; please attach it to a bug report."
    )
    sys.exit(EXIT_INTERNAL)
