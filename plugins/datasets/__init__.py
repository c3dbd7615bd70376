"""Built-in dataset plugins."""

from __future__ import annotations

from typing import Any

from musicbench import hookimpl
from musicbench.plugins.datasets.suite import ENTRIES, LOADER

# Registered by name, so that listing datasets imports no pandas or scikit-learn. Each
# description is its class docstring's first line (tests/plugins/datasets checks it).
HERE = "musicbench.plugins.datasets"


@hookimpl
def register_datasets(register: Any) -> None:
    register(
        "synthetic",
        f"{HERE}.synthetic:SyntheticDataset",
        description="Genre-structured Spotify-like tracks with lyrics, titles and languages.",
    )
    register(
        "spotify",
        f"{HERE}.spotify:SpotifyDataset",
        description="Spotify tracks with 12 audio features, genre labels and, if present, lyrics.",
    )
    register(
        "gtzan",
        f"{HERE}.gtzan:GtzanDataset",
        description="GTZAN clips: 57 librosa features, 10 genres of 100 clips (30 s file).",
    )
    register("csv", f"{HERE}.csv:CsvDataset", description="A CSV file of your own.")
    register(
        LOADER,
        f"{HERE}.published:PublishedDataset",
        description="A published table of the dataset suite (``bench datasets`` lists them).",
    )
    # Each suite entry under its own name too, where no loader has it (gtzan is both the
    # loader and the entry: the loader reads the same file, with the same fingerprint).
    taken = {"synthetic", "spotify", "gtzan", "csv", "audio", LOADER}
    for spec in ENTRIES:
        if spec.name not in taken:
            register(
                spec.name,
                f"{HERE}.published:PublishedDataset",
                defaults={"entry": spec.name},
                description=spec.description,
            )
    register(
        "audio",
        f"{HERE}.audio:AudioDataset",
        description="Audio files under a folder, with GTZAN's 57 per-clip features (see ``audio_features``).",
    )
