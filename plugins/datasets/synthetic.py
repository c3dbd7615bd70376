"""The embedded default dataset: Spotify-shaped tracks generated from a seed.

Nothing is downloaded. Each genre has a centre in a small latent space, each
subgenre an offset from it; the 12 audio features are a fixed non-linear map of a
track's latent point (so a learned encoder has something to undo), with Spotify's
ranges: bounded [0, 1] features, loudness in dB, tempo in BPM, duration in ms, an
uninformative ``key`` and a binary ``mode``. Lyrics and titles draw their words from
the track's language and genre, so text carries signal about both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from musicbench.contracts import MISSING_LABEL, Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.datasets.base import LoaderBase
from musicbench.plugins.datasets.preprocessing import preprocess
from musicbench.plugins.datasets.spotify import AUDIO_FEATURES
from musicbench.plugins.datasets.tables import fingerprint, select_features

GENERATOR_VERSION = 1  # bump whenever the generated numbers change
LATENT_DIM = 4
GENRES = ("edm", "rap", "pop", "r&b", "latin", "rock", "jazz", "metal", "folk", "blues", "reggae", "classical")
GENRE_WORDS = {
    "edm": "drop bass rave lights pulse laser club beat synth floor night high wave electric loud shine",
    "rap": "money street flow hustle block crew real grind chain boss rhyme game hood cash throne ride",
    "pop": "heart dance summer smile kiss forever dream sweet party crush shine young radio star sky gold",
    "r&b": "baby smooth soul slow touch lover body silk velvet honey tonight whisper closer desire warm mood",
    "latin": "fuego baila ritmo calor corazon playa noche cintura perreo dale mami bonita sol fiesta loco luna",
    "rock": "guitar road fire highway thunder rebel wild stone engine scream storm riot steel chains loud burn",
}
LANGUAGES = ("en", "es", "de", "fr", "pt")
LANGUAGE_WORDS = {
    "en": "the and you i me my love we your all is in on it of to",
    "es": "el la y tu yo mi amor que en de los las por un una con",
    "de": "der die und du ich mein liebe wir dein alle ist im auf es zu ein",
    "fr": "le la et tu je mon amour nous ton tous est dans sur il de un",
    "pt": "o a e voce eu meu amor nos seu todos e em no um uma com",
}
WORDS_PER_LIST = 16
TEXT_CHUNK = 50_000  # rows joined at a time, to bound peak memory at millions of rows


class SyntheticDataset(LoaderBase):
    """Genre-structured Spotify-like tracks with lyrics, titles and languages.

    Parameters
    ----------
    n_tracks : int
        Number of tracks. The default keeps ``bench run --all`` short; millions work.
    n_genres : int
        Number of genres (2 to 12); each has two subgenres.
    seed : int
        Generator seed: the same seed gives the same dataset, byte for byte.
    separation : float
        Distance between genre centres in units of the within-genre spread; lower
        is harder.
    lyrics : bool
        Whether to generate lyrics (titles are always generated).
    lyrics_words : int
        Words per lyric.
    missing_lyrics : float
        Fraction of tracks without lyrics (and so without a language).
    features, drop_features, preprocessing
        As for the ``spotify`` dataset, with the same defaults.
    """

    def __init__(
        self,
        n_tracks: int = 2000,
        n_genres: int = 6,
        seed: int = 0,
        separation: float = 1.6,
        lyrics: bool = True,
        lyrics_words: int = 30,
        missing_lyrics: float = 0.02,
        features: Sequence[str] | None = None,
        drop_features: Sequence[str] = ("key", "mode"),
        preprocessing: str = "yeo-johnson",
    ) -> None:
        self.n_tracks = n_tracks
        self.n_genres = n_genres
        self.seed = seed
        self.separation = separation
        self.lyrics = lyrics
        self.lyrics_words = lyrics_words
        self.missing_lyrics = missing_lyrics
        self.features = features
        self.drop_features = drop_features
        self.preprocessing = preprocessing

    def load(self) -> Dataset:
        self._check()
        rng = np.random.default_rng(self.seed)
        n, k = int(self.n_tracks), int(self.n_genres)
        genre_weights = rng.dirichlet(np.full(k, 8.0))
        genre = rng.choice(k, size=n, p=genre_weights)
        subgenre = rng.integers(0, 2, size=n)
        centres = rng.normal(0.0, self.separation, size=(k, LATENT_DIM))
        offsets = rng.normal(0.0, 0.5 * self.separation, size=(k, 2, LATENT_DIM))
        latent = centres[genre] + offsets[genre, subgenre] + rng.normal(size=(n, LATENT_DIM))
        raw = _audio_features(latent, rng)
        language = _languages(genre, rng)
        has_lyrics = rng.random(n) >= self.missing_lyrics
        names = np.array(GENRES[:k], dtype=object)
        features = select_features(AUDIO_FEATURES, self.features, self.drop_features, "synthetic")
        columns = [AUDIO_FEATURES.index(f) for f in features]
        texts = {"title": _texts(genre, language, rng, n_words=3)}
        if self.lyrics:
            lyrics = _texts(genre, language, rng, n_words=int(self.lyrics_words))
            texts = {"lyrics": np.where(has_lyrics, lyrics, MISSING_LABEL), **texts}
        params = {**self.get_params(), "features": features, "generator_version": GENERATOR_VERSION}
        return Dataset(
            name="synthetic",
            audio=preprocess(raw[:, columns], self.preprocessing),
            feature_names=tuple(features),
            track_ids=np.array([f"syn{self.seed}-{i:07d}" for i in range(n)], dtype=object),
            labels={
                "genre": names[genre],
                "subgenre": np.array([f"{names[g]}-{s}" for g, s in zip(genre, subgenre, strict=True)], dtype=object),
                "language": np.where(has_lyrics, np.array(LANGUAGES, dtype=object)[language], MISSING_LABEL),
            },
            texts=texts,
            primary_label="genre",
            params=params,
            fingerprint=fingerprint(f"synthetic-v{GENERATOR_VERSION}", params),
        )

    def _check(self) -> None:
        if not (isinstance(self.n_tracks, int) and self.n_tracks >= 1):
            raise ConfigError(f"synthetic: n_tracks must be a positive integer, got {self.n_tracks!r}.")
        if not (isinstance(self.n_genres, int) and 2 <= self.n_genres <= len(GENRES)):
            raise ConfigError(f"synthetic: n_genres must be an integer from 2 to {len(GENRES)}, got {self.n_genres!r}.")
        if not 0.0 <= float(self.missing_lyrics) < 1.0:
            raise ConfigError(f"synthetic: missing_lyrics must be in [0, 1), got {self.missing_lyrics!r}.")


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _audio_features(latent: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The 12 Spotify features, in ``AUDIO_FEATURES`` order, from latent points."""
    n = latent.shape[0]
    # A fixed random mixing: every feature depends on several latent directions.
    h = latent @ rng.normal(0.0, 0.6, size=(LATENT_DIM, 10)) + rng.normal(0.0, 0.35, size=(n, 10))
    return np.column_stack(
        [
            _sigmoid(h[:, 0]),  # danceability
            _sigmoid(h[:, 1] + 0.5),  # energy
            rng.integers(0, 12, size=n),  # key: no genre signal, as in Spotify
            -4.0 - 6.0 * np.log1p(np.exp(-h[:, 2])),  # loudness, dB, <= -4
            (rng.random(n) < _sigmoid(h[:, 3])).astype(float),  # mode
            _sigmoid(h[:, 4] - 2.0) ** 2,  # speechiness: skewed to 0
            _sigmoid(h[:, 5] - 1.0) ** 2,  # acousticness
            _sigmoid(2.0 * h[:, 6] - 4.0) ** 3,  # instrumentalness: mostly ~0
            0.05 + 0.6 * _sigmoid(h[:, 7] - 2.0),  # liveness
            _sigmoid(h[:, 8]),  # valence
            120.0 + 30.0 * np.tanh(h[:, 9]),  # tempo, BPM
            np.clip(215_000 + 35_000 * (h[:, 9] - h[:, 2]), 30_000, None),  # duration_ms
        ]
    )


def _languages(genre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Language index per track: mostly English, mostly Spanish for latin."""
    probs = np.array([0.82, 0.08, 0.04, 0.03, 0.03])
    latin = np.array([0.15, 0.75, 0.02, 0.02, 0.06])
    is_latin = genre == GENRES.index("latin")
    language = rng.choice(len(LANGUAGES), size=genre.size, p=probs)
    language[is_latin] = rng.choice(len(LANGUAGES), size=int(is_latin.sum()), p=latin)
    return language


def _vocabulary(n_genres: int) -> np.ndarray:
    """Language word lists, then genre word lists (pseudo-words past the sixth)."""
    words = [w for lang in LANGUAGES for w in LANGUAGE_WORDS[lang].split()[:WORDS_PER_LIST]]
    for g in range(n_genres):
        name = GENRES[g]
        own = GENRE_WORDS.get(name, " ".join(f"{name}{i}" for i in range(WORDS_PER_LIST)))
        words += own.split()[:WORDS_PER_LIST]
    return np.array(words, dtype=object)


def _texts(genre: np.ndarray, language: np.ndarray, rng: np.random.Generator, n_words: int) -> np.ndarray:
    """Texts mixing language words (50%), genre words (35%) and any genre's (15%)."""
    n = genre.size
    vocab = _vocabulary(int(genre.max()) + 1)
    n_lang = len(LANGUAGES) * WORDS_PER_LIST
    source = rng.choice(3, size=(n, n_words), p=[0.5, 0.35, 0.15])
    word = rng.integers(0, WORDS_PER_LIST, size=(n, n_words))
    other_genre = rng.integers(0, int(genre.max()) + 1, size=(n, n_words))
    ids = np.where(
        source == 0,
        language[:, None] * WORDS_PER_LIST + word,
        n_lang + np.where(source == 1, genre[:, None], other_genre) * WORDS_PER_LIST + word,
    )
    out = np.empty(n, dtype=object)
    for start in range(0, n, TEXT_CHUNK):
        block = vocab[ids[start : start + TEXT_CHUNK]]
        out[start : start + TEXT_CHUNK] = [" ".join(row) for row in block]
    return out
