"""The ``bench`` command line. Each command lives in its own small module.

Commands are imported only when invoked (or listed by ``--help``): ``COMMANDS`` maps a
command's name to its module and function, so ``bench --version`` does not pay for
torch, scikit-learn or scipy. A command module keeps its heavy imports inside its
function for the same reason (``tests/benchmark/test_cli_imports.py`` guards it).
"""

from __future__ import annotations

import importlib
import sys

import click

from musicbench import MusicbenchError, __version__

# One line per command (name -> "module:function"), so adding one is a one-line merge.
COMMANDS: dict[str, str] = {
    "plugins": "musicbench.benchmark.cli.plugins:plugins",
    "datasets": "musicbench.benchmark.cli.datasets:datasets",
    "run": "musicbench.benchmark.cli.run:run",
    "leaderboard": "musicbench.benchmark.cli.leaderboard:leaderboard",
    "export": "musicbench.benchmark.cli.export:export",
}


class LazyGroup(click.Group):
    """A group whose commands in :data:`COMMANDS` are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, attr = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="musicbench")
def cli() -> None:
    """musicbench: benchmark music representations for unsupervised clustering."""


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``bench``: user errors become one paragraph and exit code 2."""
    try:
        cli.main(args=argv, prog_name="bench", standalone_mode=False)
    except MusicbenchError as exc:
        from rich.markup import escape

        from musicbench.benchmark.cli.common import err

        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        from musicbench.benchmark.cli.common import err

        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
