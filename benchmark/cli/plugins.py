"""``bench plugins``, ``bench plugins show NAME`` and ``bench plugins check``."""

from __future__ import annotations

import sys

import click
from rich.markup import escape
from rich.table import Table

from musicbench import KINDS, ConfigError, MetricInfo, PluginEntry, Registry, UnknownPluginError
from musicbench.benchmark.cli.common import out, plugin_options


def _needs(entry: PluginEntry) -> str:
    if entry.kind == "encoder":
        return ", ".join(entry.required_modalities())
    if isinstance(entry.info, MetricInfo):
        better = {True: "higher is better", False: "lower is better", None: "descriptive"}
        return f"{entry.info.scope}, {better[entry.info.higher_is_better]}"
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
            # Plugin-supplied text is data: escaped so "[/]" cannot crash rich and "[torch]" stays.
            table.add_row(*map(escape, (kind, entry.name, src.origin, src.location, src.version, _needs(entry))))
    out.print(table)
    for failure in registry.failures:
        out.print(
            "[red]failed:[/] " + escape(f"{failure.plugin} ({failure.origin}: {failure.location}): {failure.error}"),
            highlight=False,
            soft_wrap=True,
        )


@plugins.command("check")
@click.argument("names", nargs=-1)
@plugin_options
def check(names: tuple[str, ...], registry: Registry) -> None:
    """Run each plugin's contract on a tiny synthetic dataset (default: all)."""
    from musicbench.testing import run_check, tiny_dataset

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
        table.add_row(
            escape(entry.kind), escape(entry.name), f"[{colour}]{result.status}[/]", escape(result.detail or "")
        )
    out.print(table)
    out.print(f"{len(entries) - failed} of {len(entries)} plugins passed or were skipped; {failed} failed.")
    sys.exit(1 if failed or registry.failures else 0)


@plugins.command("show")
@click.argument("name")
@click.option("--kind", type=click.Choice(KINDS), help="Which kind, when several share NAME.")
@plugin_options
def show(name: str, kind: str | None, registry: Registry) -> None:
    """Show one plugin: its docstring, parameters (types, defaults), modalities, source and version."""
    from musicbench.benchmark.cli.describe import describe

    matches = [e for k in KINDS if kind in (None, k) for e in registry.entries(k) if e.name == name]
    if not matches:
        known = [e.name for k in KINDS if kind in (None, k) for e in registry.entries(k)]
        raise UnknownPluginError(kind or "plugin", name, known)
    if len(matches) > 1:
        raise ConfigError(f"{name!r} names a {' and a '.join(e.kind for e in matches)}: say which with --kind.")
    out.print(describe(matches[0]), highlight=False, soft_wrap=True)
