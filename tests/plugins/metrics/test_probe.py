"""The linear probe: out-of-fold logistic regression accuracy and NMI from an embedding."""

from __future__ import annotations

import numpy as np
import pytest

from musicbench import MetricUndefined
from musicbench.plugins.metrics import probe
from musicbench.plugins.metrics.probe import out_of_fold_predictions, probe_accuracy, probe_nmi


def _blobs(separation: float, n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.array(["rock", "jazz", "edm"]), n // 3)
    centres = {"rock": [0.0, 0.0], "jazz": [1.0, 0.0], "edm": [0.0, 1.0]}
    X = np.array([centres[t] for t in truth]) * separation + rng.normal(size=(n, 2))
    return X, truth


def test_a_separable_embedding_is_read_almost_perfectly() -> None:
    X, truth = _blobs(separation=20.0)
    assert probe_accuracy(X, truth) > 0.98 and probe_nmi(X, truth) > 0.9


def test_noise_scores_near_chance() -> None:
    X, truth = _blobs(separation=0.0)
    assert abs(probe_accuracy(X, truth) - 1 / 3) < 0.1 and probe_nmi(X, truth) < 0.05


def test_predictions_are_out_of_fold_and_deterministic() -> None:
    # Random labels on distinct points: a probe scored on its own training rows could
    # memorise nothing linear either, but a 60-dimensional one nearly could; out of fold it cannot.
    rng = np.random.default_rng(1)
    X, truth = rng.normal(size=(200, 60)), rng.integers(0, 2, size=200)
    assert probe_accuracy(X, truth) < 0.65
    probe._last = None
    first = out_of_fold_predictions(X, truth)[1]
    probe._last = None
    assert np.array_equal(first, out_of_fold_predictions(X, truth)[1])


def test_accuracy_and_nmi_share_one_cross_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = probe.cross_val_predict

    def counting(*args: object, **kwargs: object) -> np.ndarray:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(probe, "cross_val_predict", counting)
    monkeypatch.setattr(probe, "_last", None)
    X, truth = _blobs(separation=3.0)
    probe_accuracy(X, truth)
    probe_nmi(X, truth)
    assert calls == [1]
    probe_nmi(X[::-1].copy(), truth[::-1].copy())  # other inputs: a new fit
    assert calls == [1, 1]


def test_degenerate_labels_are_undefined() -> None:
    X = np.zeros((10, 2))
    with pytest.raises(MetricUndefined, match="single class"):
        probe_accuracy(X, np.array(["rock"] * 10))
    with pytest.raises(MetricUndefined, match="single row"):
        probe_accuracy(X, np.array(["rock"] * 9 + ["jazz"]))
