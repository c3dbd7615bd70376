"""Built-in dataset plugins."""

from __future__ import annotations

from typing import Any

from plugins.datasets.csv import CsvDataset
from plugins.datasets.gtzan import GtzanDataset
from plugins.datasets.spotify import SpotifyDataset
from plugins.datasets.synthetic import SyntheticDataset
from registry import hookimpl


@hookimpl
def register_datasets(register: Any) -> None:
    register("synthetic", SyntheticDataset)
    register("spotify", SpotifyDataset)
    register("gtzan", GtzanDataset)
    register("csv", CsvDataset)
