"""What every built-in encoder shares: scikit-learn parameters and input checks."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from musicbench.contracts import AUDIO, Dataset, missing_modalities
from musicbench.errors import DataError, MusicbenchError


class NotFittedEncoderError(MusicbenchError):
    """``transform`` (or ``save``) called before ``fit``."""


class EncoderBase(BaseEstimator):
    """A scikit-learn style encoder of :class:`~musicbench.contracts.Dataset` objects.

    Subclasses store their parameters in ``__init__`` and nothing else, do their
    work in ``fit`` and call :meth:`_check_input` first in ``fit`` and ``transform``.
    """

    required_modalities: ClassVar[tuple[str, ...]] = (AUDIO,)

    def _check_input(self, dataset: Any, fitting: bool) -> np.ndarray:
        """The dataset's audio as float32, after refusing unusable input clearly."""
        name = type(self).__name__
        if not isinstance(dataset, Dataset):
            raise DataError(f"{name}: expected a musicbench Dataset, got {type(dataset).__name__}.")
        if not fitting:
            self._check_fitted()
        if dataset.n_tracks == 0:
            raise DataError(f"{name}: dataset {dataset.name!r} has zero rows; there is nothing to encode.")
        missing = missing_modalities(self, dataset)
        if missing:
            raise DataError(
                f"{name} needs the modality {', '.join(missing)}, which dataset "
                f"{dataset.name!r} lacks (it has: {', '.join(dataset.modalities)})."
            )
        audio = np.asarray(dataset.audio, dtype=np.float32)
        finite = np.isfinite(audio)
        if not finite.all():
            row, column = (int(i[0]) for i in np.nonzero(~finite))
            raise DataError(
                f"{name}: dataset {dataset.name!r} has {int((~finite).sum())} missing or infinite "
                f"feature value(s), the first in row {row} (track {dataset.track_ids[row]!r}), "
                f"feature {dataset.feature_names[column]!r}. Load it with nonfinite='drop'."
            )
        if not fitting and audio.shape[1] != self.n_features_in_:
            raise DataError(
                f"{name} was fitted on {self.n_features_in_} features but dataset "
                f"{dataset.name!r} has {audio.shape[1]}."
            )
        return audio

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise NotFittedEncoderError(f"{type(self).__name__} is not fitted yet: call fit(dataset) first.")

    def fit_transform(self, dataset: Dataset) -> np.ndarray:
        return self.fit(dataset).transform(dataset)
