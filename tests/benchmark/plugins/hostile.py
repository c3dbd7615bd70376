"""A plugin whose names try to inject HTML into the leaderboard."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from musicbench import hookimpl


class Hostile(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, random_state: Any = None) -> None:
        self.random_state = random_state

    def fit(self, dataset: Any) -> Hostile:
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return dataset.audio[:, :3].copy()


@hookimpl
def register_encoders(register: Any) -> None:
    register("<script>alert(1)</script>", Hostile)
