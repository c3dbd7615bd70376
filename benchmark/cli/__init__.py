"""The ``bench`` command line. Each command lives in its own small module."""

from __future__ import annotations

import click

from musicbench.benchmark.cli import datasets, export, leaderboard, new, plugins, results, run
from musicbench.benchmark.cli.errors import run_cli
from musicbench import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="musicbench")
def cli() -> None:
    """musicbench: benchmark music representations for unsupervised clustering."""


cli.add_command(plugins.plugins)
cli.add_command(datasets.datasets)
cli.add_command(run.run)
cli.add_command(leaderboard.leaderboard)
cli.add_command(export.export)
cli.add_command(new.new)
cli.add_command(results.results)


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``bench``: see :mod:`musicbench.benchmark.cli.errors` for the exit codes."""
    run_cli(cli, argv)
