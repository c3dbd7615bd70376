"""The gtzan loader on the real 30-second features file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from musicbench.plugins.datasets.gtzan import GtzanDataset


def test_gtzan_features_and_labels(gtzan_path: Path) -> None:
    data = GtzanDataset(path=gtzan_path).load()
    assert data.n_tracks == 1000
    assert len(data.feature_names) == 57
    assert not {"filename", "length", "label"} & set(data.feature_names)
    assert Counter(data.labels["genre"].tolist()) == {g: 100 for g in Counter(data.labels["genre"].tolist())}
    assert data.n_classes() == 10
    assert "jazz.00054.wav" in set(data.track_ids.tolist())
    assert data.modalities == ("audio",)
