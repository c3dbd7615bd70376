"""``bench summary``: rank entries across every dataset of one or more result stores."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import accepts_plugin_options, out


@click.command("summary")
@click.option(
    "--store",
    "stores",
    multiple=True,
    required=True,
    type=click.Path(dir_okay=False),
    help="A result store (repeatable).",
)
@click.option("--output", type=click.Path(file_okay=False), default="leaderboards", show_default=True)
@accepts_plugin_options
def summary(stores: tuple[str, ...], output: str) -> None:
    """Write summary.md, .csv, .html (and summary-cd.png) ranking entries across datasets."""
    # Imported here: scipy and the leaderboard code load only when the command runs.
    from musicbench.benchmark.reports.summary import cd_diagram, summarize
    from musicbench.benchmark.reports.summary_files import friedman_text, to_csv, to_html, to_markdown

    result = summarize(list(stores))
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    picture = cd_diagram(result)
    written = []
    if picture is not None:
        (folder / "summary-cd.png").write_bytes(picture)
        written.append(folder / "summary-cd.png")
    (folder / "summary.md").write_text(to_markdown(result, "summary-cd.png" if picture else None), encoding="utf-8")
    (folder / "summary.csv").write_text(to_csv(result), encoding="utf-8")
    (folder / "summary.html").write_text(to_html(result, picture), encoding="utf-8")
    written += [folder / "summary.md", folder / "summary.csv", folder / "summary.html"]
    out.print(
        escape(
            f"{len(result.rows)} entries on {len(result.datasets)} datasets ({', '.join(result.datasets)}); "
            f"{len(result.left_out)} left out. {friedman_text(result)}"
        ),
        highlight=False,
    )
    for path in written:
        out.print(escape(f"wrote {path}"), highlight=False)
