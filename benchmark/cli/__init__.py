"""The ``bench`` command line. Each command lives in its own small module."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from musicbench.benchmark.cli import datasets, export, leaderboard, plugins, run, summary
from musicbench.benchmark.cli.common import err
from musicbench import MusicbenchError, __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="musicbench")
def cli() -> None:
    """musicbench: benchmark music representations for unsupervised clustering."""


cli.add_command(plugins.plugins)
cli.add_command(datasets.datasets)
cli.add_command(run.run)
cli.add_command(leaderboard.leaderboard)
cli.add_command(export.export)
cli.add_command(summary.summary)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``bench``: user errors become one paragraph and exit code 2."""
    try:
        cli.main(args=argv, prog_name="bench", standalone_mode=False)
    except MusicbenchError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        err.print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
