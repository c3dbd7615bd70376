"""Texts kept beside the tracks: one ``.txt`` file per track (``song.wav`` -> ``song.txt``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from musicbench.contracts import MISSING_LABEL
from musicbench.errors import DataError


def sidecar_texts(root: Path, names: Sequence[str], dataset: str) -> tuple[np.ndarray, int]:
    """The text of ``root/<name with .txt>`` for each name, and how many were found.

    A track without a sidecar gets :data:`MISSING_LABEL` (the text is missing). Text
    is read as UTF-8; surrounding whitespace is stripped.
    """
    texts = np.full(len(names), MISSING_LABEL, dtype=object)
    found = 0
    for i, name in enumerate(names):
        path = root / Path(name).with_suffix(".txt")
        if not path.is_file():
            continue
        try:
            texts[i] = path.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError as exc:
            raise DataError(
                f"{dataset}: the lyrics file {path} is not UTF-8 text (byte {exc.start}); "
                "save it as UTF-8 or remove it."
            ) from None
        found += 1
    return texts, found
