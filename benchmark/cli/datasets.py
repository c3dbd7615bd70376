"""``bench datasets`` and ``bench datasets show NAME``."""

from __future__ import annotations

import functools
from collections import Counter

import click
from rich.markup import escape
from rich.table import Table

from musicbench import MISSING_LABEL, Registry
from musicbench.benchmark.cli.common import out, plugin_options
from musicbench.benchmark.planning.datasets import load_dataset
from musicbench.benchmark.planning.params import parse_assignments
from musicbench.plugins.datasets import suite
from musicbench.resolution import check_params

# Of the built-in plugins only this one registers datasets: the others (torch, umap)
# are not imported to list or load a dataset. Installed and file plugins all load.
DATASET_PLUGINS = ("musicbench.plugins.datasets",)


@click.group(invoke_without_command=True)
@plugin_options(builtins=DATASET_PLUGINS)
@click.pass_context
def datasets(ctx: click.Context, registry: Registry) -> None:
    """List the registered datasets."""
    if ctx.invoked_subcommand is not None:
        return
    table = Table(title="datasets")
    for column in ("name", "source", "description"):
        table.add_column(column)
    for entry in registry.entries("dataset"):
        table.add_row(escape(entry.name), escape(entry.source.plugin), escape(entry.summary()))
    out.print(table)
    out.print(suite_table())


def suite_table() -> Table:
    """The published tables of the suite, from its definitions (nothing is loaded)."""
    folder = suite.data_dir()
    table = Table(title=f"dataset suite (files in {escape(str(folder))}; suites: {', '.join(sorted(suite.SUITES))})")
    for column in ("name", "rows", "classes", "features", "label", "file", "from"):
        table.add_column(column, justify="right" if column in ("rows", "classes", "features") else "left")
    for spec in suite.ENTRIES:
        present = (folder / spec.file).is_file()
        table.add_row(
            escape(spec.name),
            f"{spec.rows:,}",
            str(spec.classes),
            str(spec.features),
            f"{spec.label_kind} ({escape(spec.primary_label)})",
            escape(spec.file) + ("" if present else " [bold red](absent)[/]"),
            escape(spec.provenance),
        )
    return table


@datasets.command("show")
@click.argument("name")
@click.option("--data", "path", type=click.Path(), help="The dataset's file.")
@click.option(
    "-P", "--dataset-param", "params", multiple=True, metavar="KEY=VALUE", help="A loader parameter (repeatable)."
)
@plugin_options(builtins=DATASET_PLUGINS)
def show(name: str, path: str | None, params: tuple[str, ...], registry: Registry) -> None:
    """Load a dataset and show its size, features, modalities and label counts.

    A suite dataset (``bench datasets`` lists them) is read from its file name in
    ``$MUSICBENCH_DATA_DIR`` unless ``--data`` names the file, and its sha256 is checked;
    ``--data`` with a name that is also a loader (``gtzan``) uses that loader.
    """
    # Every name and value here comes from a plugin or a user's file: printed as text.
    say = functools.partial(out.print, markup=False, highlight=False, soft_wrap=True)
    # A name that is also a loader of its own (gtzan) reads a file the user names with
    # that loader, named after the file; without --data it is the published table.
    own_loader = name in registry.names("dataset") and not registry.get("dataset", name).module.endswith(".published")
    if name in suite.SUITES["music"] and not params and not (path and own_loader):
        spec = suite.entry(name)
        file = path or str(suite.default_path(name))
        dataset = load_dataset(registry, suite.LOADER, {"entry": name}, file)
        say(f"{spec.name}: {spec.provenance}; {spec.label_kind} labels; file {file}")
        say(f"published sha256: {spec.sha256}")
    else:
        loader = registry.get("dataset", name).factory
        dataset = load_dataset(registry, name, parse_assignments(params, "dataset parameter", loader), path)
    say(f"{dataset.name}: {dataset.n_tracks:,} tracks x {len(dataset.feature_names)} features")
    say(f"features: {', '.join(dataset.feature_names)}")
    say(f"modalities: {', '.join(dataset.modalities)}")
    say(f"primary label: {dataset.primary_label} ({dataset.n_classes()} classes)")
    say(f"fingerprint: {dataset.fingerprint}")
    for note in dataset.notes:
        say(f"note: {note}")
    for label, values in dataset.labels.items():
        counts = Counter(values.tolist())
        missing = counts.pop(MISSING_LABEL, 0)
        shown = " · ".join(f"{k} {v:,}" for k, v in counts.most_common(12))
        more = f" · ... {len(counts) - 12} more" if len(counts) > 12 else ""
        say(f"{label} ({len(counts)}): {shown}{more}" + (f" · missing {missing:,}" if missing else ""))


@datasets.command("extract")
@click.argument("name", type=click.Choice(["audio"]))
@click.option("--data", "path", required=True, type=click.Path(file_okay=False), help="The folder of audio files.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="The CSV file to write.")
@click.option("--jobs", type=click.IntRange(min=1), help="Processes extracting features (default: every core).")
@click.option(
    "-P", "--dataset-param", "params", multiple=True, metavar="KEY=VALUE", help="A loader parameter (repeatable)."
)
def extract(name: str, path: str, out_file: str, jobs: int | None, params: tuple[str, ...]) -> None:
    """Extract an audio folder's features to a CSV that the gtzan and csv datasets read."""
    # Imported here: librosa and the extraction code load only when this command runs.
    from musicbench.plugins.datasets.audio import AudioDataset

    settings = parse_assignments(params, "dataset parameter", AudioDataset)
    settings.update(path=path, jobs=jobs)
    check_params("dataset", name, AudioDataset, settings)
    table, done = AudioDataset(**settings).extract()
    table.to_csv(out_file, index=False)
    out.print(
        f"wrote {len(table):,} rows x {table.shape[1]} columns to {out_file} "
        f"({done.extracted} file(s) extracted, {done.cached} from the cache, {len(done.skipped)} skipped)",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
