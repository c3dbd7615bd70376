"""The built-in datasets are listed without importing them, from the descriptions they register."""

from __future__ import annotations

import pytest

from musicbench import build_registry
from musicbench.plugins.datasets import suite

REGISTRY = build_registry(entry_points=False, environ={})


@pytest.mark.parametrize("name", REGISTRY.names("dataset"))
def test_the_listed_description_is_the_docstring_first_line(name: str) -> None:
    entry = REGISTRY.get("dataset", name)
    if "entry" in entry.defaults:  # a suite entry's own name: described by its row of the suite
        assert entry.description == suite.entry(entry.defaults["entry"]).description
        return
    doc = entry.factory.__doc__.strip().splitlines()[0]
    assert entry.description == doc
