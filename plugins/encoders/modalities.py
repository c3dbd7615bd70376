"""What each modality looks like to a network: fitted, saveable featurizers.

A multimodal encoder asks for modalities by name: ``audio``, ``context``, ``text``
(lyrics where the dataset has them, else titles) or a text modality by its own name.
Each featurizer turns its modality into a float32 matrix plus a presence column (a
track without lyrics has no lyrics expert), learned in ``fit`` and rebuilt from
plain arrays on load.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from musicbench.contracts import AUDIO, CONTEXT, MISSING_LABEL, TEXT_MODALITIES, Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.text import TEXT, TextFeaturizer, fit_text_featurizer, resolve_text

MODALITY_NAMES = (AUDIO, TEXT, *TEXT_MODALITIES, CONTEXT)


def check_modalities(requested: Any, owner: str) -> list[str]:
    """``requested`` (a list, or a string such as ``"audio+context"``) as a list of known,
    distinct modality names."""
    names = requested.split("+") if isinstance(requested, str) else list(requested or [])
    unknown = [m for m in names if m not in MODALITY_NAMES]
    texts = [m for m in names if m in (TEXT, *TEXT_MODALITIES)]
    if unknown or not names or len(set(names)) != len(names) or len(texts) > 1:
        raise ConfigError(
            f"{owner}: modalities must be distinct names among {', '.join(MODALITY_NAMES)} with at "
            f"most one text modality, got {names!r}."
        )
    return names


def resolve(requested: Sequence[str], dataset: Dataset) -> tuple[list[str], list[str]]:
    """The dataset's modality for each request, and the requests it cannot meet."""
    used, missing = [], []
    for name in requested:
        actual = resolve_text(name, dataset) if name in (TEXT, *TEXT_MODALITIES) else name
        if actual is None or actual not in dataset.modalities:
            missing.append(" or ".join(TEXT_MODALITIES) if name == TEXT else name)
        else:
            used.append(actual)
    return used, missing


class Featurizers:
    """Fitted featurizers for a list of dataset modalities (``audio``, ``lyrics``...).

    Text is the TF-IDF + SVD map with rows scaled to unit length, then one global
    factor that gives the block a mean variance of one per column. Not whitened per
    component: whitening gave the 20-odd noise components of a 32-component SVD
    the weight of the few that carry topic, and the decoder spent the latent code
    reconstructing them (see :class:`~plugins.encoders.multimodal.MultimodalVAE`).
    Context columns are standardized.
    """

    def __init__(self, modalities: Sequence[str], state: dict[str, Any]) -> None:
        self.modalities = list(modalities)
        self.state = state

    @classmethod
    def fit(
        cls, modalities: Sequence[str], dataset: Dataset, text_dim: int, max_features: int, seed: int, owner: str
    ) -> Featurizers:
        state: dict[str, Any] = {}
        for name in modalities:
            if name in TEXT_MODALITIES:
                f = fit_text_featurizer(dataset.texts[name], text_dim, max_features, seed, owner)
                state[name] = {
                    "vocabulary": list(f.vocabulary),
                    "idf": f.idf,
                    "components": f.components,
                    "scale": f.scale,
                }
                present = dataset.texts[name] != MISSING_LABEL
                block = _unit_rows(f.transform(dataset.texts[name]) * f.scale)[present]
                state[name]["gain"] = np.float32(1.0 / np.sqrt(max(float(block.var(axis=0).mean()), 1e-12)))
            elif name == CONTEXT and dataset.context is not None:  # resolve() refused a dataset without it
                values = dataset.context.astype(np.float64)
                state[name] = {
                    "names": list(dataset.context_names),
                    "mean": values.mean(axis=0).astype(np.float32),
                    "std": np.maximum(values.std(axis=0), 1e-6).astype(np.float32),
                }
        return cls(modalities, state)

    def arrays(self, dataset: Dataset, audio: np.ndarray) -> list[np.ndarray]:
        """One float32 matrix per modality, then the ``(n, n_modalities)`` presence mask."""
        blocks, present = [], []
        for name in self.modalities:
            if name == AUDIO:
                blocks.append(audio)
                present.append(np.ones(len(audio), dtype=np.float32))
            elif name == CONTEXT:
                s = self.state[name]
                if list(dataset.context_names) != s["names"]:
                    raise ConfigError(
                        f"the encoder was fitted on the context columns {s['names']}, the dataset has {list(dataset.context_names)}."
                    )
                blocks.append(((dataset.context - s["mean"]) / s["std"]).astype(np.float32))
                present.append(np.ones(len(audio), dtype=np.float32))
            else:
                s = self.state[name]
                f = TextFeaturizer(s["vocabulary"], s["idf"], s["components"], s["scale"])
                texts = dataset.texts[name]
                blocks.append((_unit_rows(f.transform(texts) * f.scale) * s["gain"]).astype(np.float32))
                present.append((texts != MISSING_LABEL).astype(np.float32))
        return [*blocks, np.stack(present, axis=1)]


def _unit_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.where(norms > 0, x / np.maximum(norms, 1e-12), 0.0).astype(np.float32)
