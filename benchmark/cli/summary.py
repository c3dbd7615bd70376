"""``bench summary``: compare encoders across every dataset of one or more result stores."""

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
@click.option(
    "--encoders",
    help="Compare only these encoders (comma-separated names or labels); default: every encoder in the stores.",
)
@accepts_plugin_options
def summary(stores: tuple[str, ...], output: str, encoders: str | None) -> None:
    """Write summary.md, .csv, .html (and critical-difference PNGs) comparing encoders across datasets."""
    # Imported here: scipy and the leaderboard code load only when the command runs.
    from musicbench.benchmark.reports.summary import cd_diagram, summarize
    from musicbench.benchmark.reports.summary_files import PICTURES, friedman_text, to_csv, to_html, to_markdown

    chosen = [e.strip() for e in encoders.split(",") if e.strip()] if encoders else None
    result = summarize(list(stores), chosen)
    folder = Path(output)
    folder.mkdir(parents=True, exist_ok=True)
    pictures = {c.key: cd_diagram(c, len(result.datasets)) for c in result.comparisons}
    written = []
    for key, picture in pictures.items():
        if picture is not None:
            (folder / PICTURES[key]).write_bytes(picture)
            written.append(folder / PICTURES[key])
    names = {key: PICTURES[key] if picture else None for key, picture in pictures.items()}
    (folder / "summary.md").write_text(to_markdown(result, names), encoding="utf-8")
    (folder / "summary.csv").write_text(to_csv(result), encoding="utf-8")
    (folder / "summary.html").write_text(to_html(result, pictures), encoding="utf-8")
    written += [folder / "summary.md", folder / "summary.csv", folder / "summary.html"]
    for comparison in result.comparisons:
        out.print(
            escape(
                f"{comparison.key}: {len(comparison.rows)} encoders on {len(result.datasets)} datasets "
                f"({', '.join(result.datasets)}); {len(comparison.left_out)} left out. "
                f"{friedman_text(result, comparison)}"
            ),
            highlight=False,
        )
    for path in written:
        out.print(escape(f"wrote {path}"), highlight=False)
