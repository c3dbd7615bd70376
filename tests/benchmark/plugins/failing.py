"""An encoder that always fails, and one that sleeps (for timeouts)."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from registry import hookimpl


class Broken(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, dataset: Any) -> Broken:
        raise RuntimeError("this encoder is broken on purpose")

    def transform(self, dataset: Any) -> np.ndarray:  # pragma: no cover
        raise RuntimeError("unreachable")


class Sleepy(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, seconds: float = 60.0, random_state: Any = None) -> None:
        self.seconds = seconds
        self.random_state = random_state

    def fit(self, dataset: Any) -> Sleepy:
        time.sleep(self.seconds)
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return dataset.audio[:, :2].copy()


@hookimpl
def register_encoders(register: Any) -> None:
    register("broken", Broken)
    register("sleepy", Sleepy)
