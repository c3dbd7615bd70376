"""Text as numbers: TF-IDF reduced by a truncated SVD, and the ``text`` encoder.

The ``text`` encoder is the text counterpart of ``raw``: the dataset's text modality
(lyrics where present, else titles) as latent semantic analysis, so a leaderboard
with text shows audio-only, text-only and fused rows side by side. The multimodal
VAE reads text through the same featurizer.

Fitting learns a vocabulary, IDF weights and SVD components; applying them is one
pure function, so a saved encoder rebuilds its featurizer from plain arrays (no
pickled scikit-learn objects, which ``torch.load(weights_only=True)`` refuses).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils import check_random_state

from musicbench.contracts import MISSING_LABEL, TEXT_MODALITIES, Dataset
from musicbench.errors import ConfigError, DataError
from musicbench.plugins.encoders.base import EncoderBase

TEXT = "text"
"""A modality request meaning "lyrics where the dataset has them, else titles"."""

MIN_DF = 2  # a word seen once says nothing about any other track


@dataclass(frozen=True)
class TextFeaturizer:
    """A fitted TF-IDF + SVD map: ``vocabulary`` words, ``idf`` and SVD ``components``,
    and a per-component ``scale`` that gives unit variance on the training texts."""

    vocabulary: list[str]
    idf: np.ndarray
    components: np.ndarray
    scale: np.ndarray

    def transform(self, texts: np.ndarray) -> np.ndarray:
        """``(n, n_components)`` float32 features; an empty text maps to zeros."""
        counts = CountVectorizer(vocabulary=self.vocabulary, dtype=np.float32).transform(_clean(texts))
        return (_tfidf(counts, self.idf) @ self.components.T / self.scale).astype(np.float32)


def fit_text_featurizer(
    texts: np.ndarray, n_components: int, max_features: int, seed: int, owner: str
) -> TextFeaturizer:
    """Learn a :class:`TextFeaturizer` on ``texts`` (empty strings are missing texts)."""
    texts = _clean(texts)
    present = texts != MISSING_LABEL
    min_df = MIN_DF if present.sum() >= 50 else 1  # tiny datasets keep every word
    vectorizer = CountVectorizer(max_features=max_features, min_df=min_df, dtype=np.float32)
    try:
        counts = vectorizer.fit_transform(texts[present])
    except ValueError:  # scikit-learn's "empty vocabulary"
        raise DataError(
            f"{owner}: the texts contain no usable words (every text is empty or has no word of 2+ letters)."
        ) from None
    n_present = counts.shape[0]
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1.0 + n_present) / (1.0 + document_frequency)) + 1.0).astype(np.float32)
    weighted = _tfidf(counts, idf)
    k = min(int(n_components), counts.shape[1] - 1, n_present - 1)
    if k >= 1:
        components = TruncatedSVD(k, random_state=seed).fit(weighted).components_.astype(np.float32)
    else:  # one word or one text: nothing to reduce
        components = np.eye(1, counts.shape[1], dtype=np.float32)
    reduced = weighted @ components.T
    scale = np.maximum(reduced.std(axis=0), 1e-6).astype(np.float32)
    vocabulary = [str(w) for w in vectorizer.get_feature_names_out()]
    return TextFeaturizer(vocabulary, idf, components, scale)


def _clean(texts: np.ndarray) -> np.ndarray:
    return np.array([t if isinstance(t, str) else MISSING_LABEL for t in texts], dtype=object)


def _tfidf(counts: sp.spmatrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear term frequency times IDF, rows L2-normalised (as TfidfVectorizer does)."""
    counts = sp.csr_matrix(counts, dtype=np.float32, copy=True)
    counts.data = 1.0 + np.log(counts.data)
    return normalize(counts @ sp.diags(idf), copy=False)


def resolve_text(requested: str, dataset: Dataset) -> str | None:
    """The text modality ``requested`` (``text``/``auto`` or a name) uses on ``dataset``."""
    wanted = TEXT_MODALITIES if requested in (TEXT, "auto") else (requested,)
    return next((m for m in wanted if m in dataset.modalities), None)


class TextEncoder(EncoderBase):
    """The text modality alone: TF-IDF, truncated SVD, rows scaled to unit length.

    The L2 normalisation after the SVD is the usual latent semantic analysis step
    for clustering (scikit-learn's document clustering example): KMeans then
    compares directions, not text lengths.

    Parameters
    ----------
    text_modality : {"auto", "lyrics", "title"}
        ``auto`` uses ``lyrics`` where the dataset has them, otherwise ``title``.
    n_components : int
        SVD components kept.
    max_features : int
        Vocabulary size cap.
    random_state : int, RandomState or None
        Seeds the randomized SVD.

    Attributes
    ----------
    text_modality_ : str
        The text modality used.
    featurizer_ : TextFeaturizer
        The fitted TF-IDF + SVD map.
    modalities_ : list of str
        ``[text_modality_]``, what the result store records.
    """

    required_modalities = (" or ".join(TEXT_MODALITIES),)

    def __init__(
        self,
        text_modality: str = "auto",
        n_components: int = 32,
        max_features: int = 20_000,
        random_state: int | None = None,
    ) -> None:
        self.text_modality = text_modality
        self.n_components = n_components
        self.max_features = max_features
        self.random_state = random_state

    def missing_modalities(self, dataset: Dataset) -> tuple[str, ...]:
        requested = getattr(self, "text_modality_", self.text_modality)
        if resolve_text(requested, dataset) is not None:
            return ()
        return (" or ".join(TEXT_MODALITIES),) if requested in (TEXT, "auto") else (requested,)

    def fit(self, dataset: Dataset) -> TextEncoder:
        if self.text_modality not in ("auto", TEXT, *TEXT_MODALITIES):
            raise ConfigError(
                f"TextEncoder: text_modality must be 'auto' or one of {TEXT_MODALITIES}, got {self.text_modality!r}."
            )
        if not (isinstance(self.n_components, (int, np.integer)) and self.n_components >= 1):
            raise ConfigError(f"TextEncoder: n_components must be a positive integer, got {self.n_components!r}.")
        self.__dict__.pop("text_modality_", None)
        audio = self._check_input(dataset, fitting=True)
        modality = resolve_text(self.text_modality, dataset)
        if modality is None:  # _check_input refused such a dataset already; this keeps the type honest
            raise DataError(f"TextEncoder: the dataset {dataset.name!r} has no text modality.")
        self.text_modality_ = modality
        self.modalities_ = [self.text_modality_]
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        self.featurizer_ = fit_text_featurizer(
            dataset.texts[self.text_modality_], self.n_components, self.max_features, seed, "TextEncoder"
        )
        self.n_features_in_ = int(audio.shape[1])
        return self

    def transform(self, dataset: Dataset) -> np.ndarray:
        self._check_input(dataset, fitting=False)
        reduced = self.featurizer_.transform(dataset.texts[self.text_modality_]) * self.featurizer_.scale
        # A track without text maps to the origin, which normalize leaves at zero.
        return normalize(reduced).astype(np.float32)
