"""Text as numbers for the multimodal VAE: TF-IDF reduced by a truncated SVD.

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

from musicbench.contracts import MISSING_LABEL
from musicbench.errors import DataError

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


def fit_text_featurizer(texts: np.ndarray, n_components: int, max_features: int, seed: int, owner: str) -> TextFeaturizer:
    """Learn a :class:`TextFeaturizer` on ``texts`` (empty strings are missing texts)."""
    texts = _clean(texts)
    present = texts != MISSING_LABEL
    min_df = MIN_DF if present.sum() >= 50 else 1  # tiny datasets keep every word
    vectorizer = CountVectorizer(max_features=max_features, min_df=min_df, dtype=np.float32)
    try:
        counts = vectorizer.fit_transform(texts[present])
    except ValueError:  # scikit-learn's "empty vocabulary"
        raise DataError(f"{owner}: the texts contain no usable words (every text is empty or has no word of 2+ letters).") from None
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
