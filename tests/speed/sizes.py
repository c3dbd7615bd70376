"""Benchmark sizes, shared by the conftest and the benchmark modules."""

import pytest

SMOKE_TRACKS = 600
"""Rows per dataset when the suite runs as plain tests (``--benchmark-disable``)."""
SYNTHETIC_TRACKS = 100_000
SCALE_TRACKS = 1_000_000

DATASETS = ["tidytuesday", "synthetic_100k", pytest.param("synthetic_1m", marks=pytest.mark.scale)]
"""The datasets every benchmark runs on (fixtures of ``conftest.py``)."""
