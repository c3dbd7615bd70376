"""``bench plugins`` and ``bench plugins check``."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from musicbench.benchmark.cli.common import out, plugin_options
from musicbench import KINDS, PluginEntry, Registry, UnknownPluginError


def _needs(entry: PluginEntry) -> str:
    if entry.kind == "encoder":
        return ", ".join(getattr(entry.factory, "required_modalities", ("audio",)))
    if entry.kind == "metric":
        better = {True: "higher is better", False: "lower is better", None: "descriptive"}
        return f"{entry.meta['scope']}, {better[entry.meta['higher_is_better']]}"
    return ""


@click.group(invoke_without_command=True)
@plugin_options
@click.pass_context
def plugins(ctx: click.Context, registry: Registry) -> None:
    """List every plugin: kind, name, source, version and needed modalities."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table(title="musicbench plugins")
    for column in ("kind", "name", "source", "plugin", "version", "needs / scope"):
        table.add_column(column)
    for kind in KINDS:
        for entry in registry.entries(kind):
            src = entry.source
            table.add_row(kind, entry.name, src.origin, src.location, src.version, _needs(entry))
    out.print(table)
    for failure in registry.failures:
        out.print(f"[red]failed:[/] {failure.plugin} ({failure.origin}: {failure.location}): {failure.error}")


@plugins.command("check")
@click.argument("names", nargs=-1)
@plugin_options
def check(names: tuple[str, ...], registry: Registry) -> None:
    """Run each plugin's contract on a tiny synthetic dataset (default: all)."""
    from musicbench.benchmark.checks import run_check, tiny_dataset  # scikit-learn: only for checks

    entries = [e for kind in KINDS for e in registry.entries(kind) if not names or e.name in names]
    unknown = set(names) - {e.name for e in entries}
    if unknown:
        known = [e.name for kind in KINDS for e in registry.entries(kind)]
        raise UnknownPluginError("plugin", sorted(unknown)[0], known)
    dataset = tiny_dataset(registry)
    table = Table(title="plugin contract checks")
    for column in ("kind", "name", "result", "detail"):
        table.add_column(column)
    failed = 0
    for entry in entries:
        result = run_check(entry, dataset)
        failed += result.status == "fail"
        colour = {"pass": "green", "fail": "red", "skip": "yellow"}[result.status]
        table.add_row(entry.kind, entry.name, f"[{colour}]{result.status}[/]", result.detail)
    out.print(table)
    out.print(f"{len(entries) - failed} of {len(entries)} plugins passed or were skipped; {failed} failed.")
    sys.exit(1 if failed or registry.failures else 0)
