"""``bench new encoder|clusterer|metric NAME [DIR]``: a ready plugin package."""

from __future__ import annotations

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import accepts_plugin_options, out


@click.command("new")
@click.argument("kind", type=click.Choice(["encoder", "clusterer", "metric"]))
@click.argument("name")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@accepts_plugin_options
def new(kind: str, name: str, folder: str | None) -> None:
    """Write a plugin package NAME of KIND into FOLDER (default: ./musicbench-NAME).

    It has a pyproject.toml with the musicbench entry point, the module, a README and
    a test built on musicbench.testing; `pip install -e FOLDER` makes it a plugin.
    """
    from musicbench.benchmark.cli.scaffold import make_scaffold, write_scaffold

    scaffold = make_scaffold(kind, name, folder)
    for path in write_scaffold(scaffold):
        out.print(escape(f"wrote {path}"), highlight=False)
    where = escape(str(scaffold.folder))
    out.print(
        f"next: pip install -e {where} && pytest {where}/tests && bench plugins check {escape(name)}",
        highlight=False,
        soft_wrap=True,
    )
