"""Plugins that misbehave in the ways a hostile or careless plugin can (hardening tests).

Each one breaks a single promise: its text holds rich markup, it prints, it raises
an unexpected exception type, it returns impossible cluster labels, or one metric
raises. Used with the toy plugins and the built-ins disabled.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from musicbench import Dataset, hookimpl

MARKUP = "bad [/] markup and [torch] extra"


class Chatty(BaseEstimator):
    """Prints on stdout and stderr while fitting, then works."""

    required_modalities = ("audio",)

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, dataset: Any) -> Chatty:
        import sys

        print("CHATTY-STDOUT hello from a plugin")
        print("CHATTY-STDERR warning from a plugin", file=sys.stderr)
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return dataset.audio[:, :3].astype(np.float32)


class MarkupRaiser(Chatty):
    def fit(self, dataset: Any) -> MarkupRaiser:
        raise ValueError(MARKUP)


class NegativeLabels:
    """Returns -5 for every point: below -1, the noise label."""

    def __init__(self, n_clusters: int = 2) -> None:
        self.n_clusters = n_clusters

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"n_clusters": self.n_clusters}

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        return np.full(len(X), -5, dtype=np.int64)


class HugeLabels(NegativeLabels):
    """Two clusters labelled 0 and 2**40: too large for int32."""

    def fit_predict(self, X: np.ndarray) -> np.ndarray:
        return np.where(np.arange(len(X)) % 2 == 0, 0, 2**40).astype(np.int64)


def broken_metric(truth: np.ndarray, pred: np.ndarray) -> float:
    raise ZeroDivisionError(MARKUP)


class CrashingLoader(BaseEstimator):
    """A dataset plugin with a bug: an unexpected exception type (``kind`` picks it)."""

    def __init__(self, kind: str = "runtime") -> None:
        self.kind = kind

    def load(self) -> Dataset:
        if self.kind == "eof":
            raise EOFError("No data left in file")
        raise RuntimeError("a bug in a dataset plugin")


@hookimpl
def register_encoders(register: Any) -> None:
    register("chatty", Chatty)
    register("markup-raiser", MarkupRaiser, description=MARKUP)


@hookimpl
def register_clusterers(register: Any) -> None:
    register("negative-labels", NegativeLabels)
    register("huge-labels", HugeLabels)


@hookimpl
def register_metrics(register: Any) -> None:
    register("broken", broken_metric, scope="external", higher_is_better=True)


@hookimpl
def register_datasets(register: Any) -> None:
    register("crashing", CrashingLoader)
