"""The ``bench`` command line. Each command lives in its own small module.

Commands are imported only when invoked (or listed by ``--help``): ``COMMANDS`` maps a
command's name to its module and function, so ``bench --version`` does not pay for
torch, scikit-learn or scipy. A command module keeps its heavy imports inside its
function for the same reason (``tests/benchmark/cli/test_cli_imports.py`` guards it).
"""

from __future__ import annotations

import importlib

import click

from musicbench import __version__

# One line per command (name -> "module:function"), so adding one is a one-line merge.
COMMANDS: dict[str, str] = {
    "plugins": "musicbench.benchmark.cli.plugins:plugins",
    "datasets": "musicbench.benchmark.cli.datasets:datasets",
    "run": "musicbench.benchmark.cli.run:run",
    "leaderboard": "musicbench.benchmark.cli.leaderboard:leaderboard",
    "export": "musicbench.benchmark.cli.export:export",
    "new": "musicbench.benchmark.cli.new:new",
    "results": "musicbench.benchmark.cli.results:results",
    "summary": "musicbench.benchmark.cli.summary:summary",
    "warm": "musicbench.benchmark.cli.warm:warm",
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
    """Entry point of ``bench``: see :mod:`musicbench.benchmark.cli.errors` for the exit codes."""
    from musicbench.benchmark.cli.errors import run_cli

    run_cli(cli, argv)
