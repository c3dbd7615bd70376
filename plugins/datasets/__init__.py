"""Built-in dataset plugins."""

from __future__ import annotations

from typing import Any

from musicbench import hookimpl
from musicbench.plugins.datasets.audio import AudioDataset
from musicbench.plugins.datasets.csv import CsvDataset
from musicbench.plugins.datasets.gtzan import GtzanDataset
from musicbench.plugins.datasets.spotify import SpotifyDataset
from musicbench.plugins.datasets.synthetic import SyntheticDataset


@hookimpl
def register_datasets(register: Any) -> None:
    register("synthetic", SyntheticDataset)
    register("spotify", SpotifyDataset)
    register("gtzan", GtzanDataset)
    register("csv", CsvDataset)
    register("audio", AudioDataset)
