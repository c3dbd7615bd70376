"""GTZAN's 57 librosa features of one signal, and decoding a file into that signal.

The recipe reproduces the published ``features_30_sec.csv`` of the Kaggle GTZAN
dataset (checked on 20 real clips in ``tests/plugins/datasets/test_audio_gtzan.py``):

- 22,050 Hz mono (``librosa.load``'s default rate, GTZAN's own rate);
- STFT of 2048 samples, hop 512, Hann window, centred frames with **reflect**
  padding: librosa before 0.10 padded with ``reflect``; today's default
  (``constant``) moves the spectral features of the real clips by up to 1 %;
  with ``reflect`` they agree to 1e-6;
- the tempo from ``beat_track``'s estimator on the default onset envelope
  (``constant`` padding there: with ``reflect`` 6 of the 20 real clips get another
  tempo, an octave or a metrical level away);
- every statistic is the mean and the (population) variance over all values of
  the feature matrix, as numpy computes them; harmony and perceptr are the
  time-domain harmonic and percussive signals of ``hpss``.

One STFT is shared by the spectral features, the MFCCs and HPSS, and HPSS's median
filters run on scipy's fast 1-D path: the same numbers as a separate librosa call
per feature (``test_features_equal_direct_librosa_calls``) at a fraction of the cost.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from scipy.ndimage import median_filter

from musicbench.errors import ConfigError

SAMPLE_RATE = 22050
N_FFT = 2048
HOP = 512
N_MFCC = 20
RECIPE_VERSION = 1
"""Bumped whenever the numbers the recipe produces change: part of the cache key."""

_STATISTICS = (
    "chroma_stft",
    "rms",
    "spectral_centroid",
    "spectral_bandwidth",
    "rolloff",
    "zero_crossing_rate",
    "harmony",
    "perceptr",
)
FEATURE_NAMES: tuple[str, ...] = (
    *(f"{name}_{stat}" for name in _STATISTICS for stat in ("mean", "var")),
    "tempo",
    *(f"mfcc{i}_{stat}" for i in range(1, N_MFCC + 1) for stat in ("mean", "var")),
)
"""The 57 feature columns, in the order and with the names of GTZAN's CSV files."""

AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".ogg", ".oga", ".opus", ".aiff", ".aif", ".mp3", ".m4a", ".aac", ".wma", ".au"}
)
"""File types that are decoded: soundfile reads most of them, librosa's fallback the rest."""


def require_librosa() -> ModuleType:
    """librosa, imported on first use; a clear error naming the extra when absent."""
    try:
        import librosa
        import soundfile  # noqa: F401  (librosa decodes through it)
    except ImportError as exc:
        raise ConfigError(
            f"Reading audio files needs librosa and soundfile, which are not installed "
            f"({exc}). Install the audio extra: pip install 'musicbench[audio]'."
        ) from None
    return librosa


def decode(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The file's samples as float32 mono at ``sample_rate``.

    soundfile decodes WAV, FLAC, OGG, MP3 and most other formats; librosa falls
    back to audioread for the rest where the machine has a decoder.

    Raises
    ------
    Exception
        Whatever the decoders raise for a file they cannot read; the caller turns it
        into a skip reason.
    """
    librosa = require_librosa()
    with warnings.catch_warnings():
        # The audioread fallback warns that it is deprecated; the file is read all the same.
        warnings.simplefilter("ignore")
        y, _ = librosa.load(path, sr=sample_rate, mono=True)
    return np.asarray(y, dtype=np.float32)


def _mean_var(values: np.ndarray) -> tuple[float, float]:
    return float(np.mean(values)), float(np.var(values))


def _median_rows(matrix: np.ndarray, size: int) -> np.ndarray:
    """scipy's median filter along each row, one 1-D call per row.

    scipy has a fast (sorted-window) path only for 1-D input; ``librosa``'s 2-D call
    with a (1, 31) footprint takes the generic path, 5-6x slower for the same numbers.
    """
    rows = np.ascontiguousarray(matrix)
    out = np.empty_like(rows)
    for i in range(rows.shape[0]):
        median_filter(rows[i], size=size, mode="reflect", output=out[i])
    return out


def hpss(stft: np.ndarray, kernel_size: int = 31) -> tuple[np.ndarray, np.ndarray]:
    """``librosa.decompose.hpss(stft)`` with its defaults, bit for bit, faster.

    Median along time for the harmonic part, along frequency for the percussive one,
    then librosa's soft masks (power 2, margin 1): the same steps as librosa 0.11.
    """
    librosa = require_librosa()
    magnitude, phase = librosa.magphase(stft)
    harmonic = _median_rows(magnitude, kernel_size)
    percussive = _median_rows(magnitude.T, kernel_size).T
    mask_harmonic = librosa.util.softmask(harmonic, percussive, power=2.0, split_zeros=True)
    mask_percussive = librosa.util.softmask(percussive, harmonic, power=2.0, split_zeros=True)
    return (magnitude * mask_harmonic) * phase, (magnitude * mask_percussive) * phase


def extract_features(y: np.ndarray, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The 57 features of :data:`FEATURE_NAMES` for one mono signal, as float64.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        A mono float signal.
    sample_rate : int
        Its sampling rate in Hz.
    """
    librosa = require_librosa()
    sr = sample_rate
    stft = librosa.stft(y, n_fft=N_FFT, hop_length=HOP, center=True, pad_mode="reflect")
    magnitude = np.abs(stft)
    power = magnitude**2
    harmonic, percussive = hpss(stft)
    values: list[float] = []
    for matrix in (
        librosa.feature.chroma_stft(S=power, sr=sr),
        librosa.feature.rms(y=y, frame_length=N_FFT, hop_length=HOP, pad_mode="reflect"),
        librosa.feature.spectral_centroid(S=magnitude, sr=sr),
        librosa.feature.spectral_bandwidth(S=magnitude, sr=sr),
        librosa.feature.spectral_rolloff(S=magnitude, sr=sr),
        librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP),
        librosa.istft(harmonic, dtype=y.dtype, hop_length=HOP, length=len(y)),
        librosa.istft(percussive, dtype=y.dtype, hop_length=HOP, length=len(y)),
    ):
        values.extend(_mean_var(matrix))
    # beat_track aggregates the onset envelope with the median, not the default mean.
    onset = librosa.onset.onset_strength(y=y, sr=sr, hop_length=HOP, aggregate=np.median)
    # beat_track reports tempo 0 when nothing has an onset (a steady tone); so does GTZAN's table.
    tempo = librosa.feature.tempo(onset_envelope=onset, sr=sr, hop_length=HOP)[0] if onset.any() else 0.0
    values.append(float(tempo))
    mel = librosa.feature.melspectrogram(S=power, sr=sr)
    mfcc = librosa.feature.mfcc(S=librosa.power_to_db(mel), n_mfcc=N_MFCC)
    for row in mfcc:
        values.extend(_mean_var(row))
    return np.asarray(values, dtype=np.float64)


def recipe_params(sample_rate: int, segment_seconds: float | None) -> dict[str, Any]:
    """Everything that shapes the numbers: the cache key and the dataset's params."""
    librosa = require_librosa()
    return {
        "recipe": RECIPE_VERSION,
        "sample_rate": int(sample_rate),
        "segment_seconds": None if segment_seconds is None else float(segment_seconds),
        "n_fft": N_FFT,
        "hop_length": HOP,
        # A librosa release may change a feature (0.10 changed the STFT padding).
        "librosa": librosa.__version__,
    }
