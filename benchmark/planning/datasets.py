"""Loading a registered dataset by name, with its parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from musicbench import Dataset, DatasetLoader, Registry
from musicbench.resolution import check_params


def load_dataset(
    registry: Registry, name: str, params: Mapping[str, Any] | None = None, path: str | None = None
) -> Dataset:
    """Instantiate the loader ``name`` with ``params`` (``path`` from ``--data``) and load it."""
    entry = registry.get("dataset", name)
    params = dict(params or {})
    if path is not None:
        params["path"] = path
    check_params("dataset", name, entry.factory, params)
    loader: DatasetLoader = entry.create(**params)
    return loader.load()
