"""The dataset suite: every published table musicbench benchmarks, as data, and named suites.

One row of :data:`ENTRIES` per file of ``../shared/data`` (its README gives each file's
provenance, label, quirks and sha256). An entry says which loader reads it (the
existing ``spotify`` and ``gtzan`` loaders where they fit, else ``table``: the ``csv``
loader with the file's own repairs, :mod:`.published`), its label column(s) with the
primary first, its id column, the columns that are not audio features and why, the
deduplication rule the file needs, its expected sha256 and where it comes from.
Adding a dataset is adding a row; a suite is a named list of entry names.

This module imports nothing heavy: ``bench datasets`` lists the suite from it without
pandas or torch.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from musicbench.errors import ConfigError

DATA_DIR_ENV = "MUSICBENCH_DATA_DIR"
DEFAULT_DATA_DIR = "../shared/data"
"""Where suite files are looked for when ``$MUSICBENCH_DATA_DIR`` is unset (relative to
the folder bench runs in, the repository root)."""
LOADER = "published"
"""The registered loader that reads any entry by name (``-P entry=NAME``)."""

SPOTIFY_FEATURES_DROPPED = "categorical, no distance between its codes"


@dataclass(frozen=True)
class SuiteEntry:
    """One published table of the suite.

    ``rows``, ``classes`` and ``features`` are what loading the published file gives
    (rows after deduplication and the nonfinite rule); ``tests/plugins/datasets``
    checks them against the real files.
    """

    name: str
    file: str
    sha256: str
    label_kind: str
    """``genre``, ``mood`` or ``emotion``: what the primary label describes."""
    labels: Mapping[str, str]
    """Dataset label name -> the file's column, the primary label first."""
    rows: int
    classes: int
    features: int
    provenance: str
    loader: str = "table"
    """``spotify``, ``gtzan`` (those loaders with ``params``) or ``table`` (:mod:`.published`)."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Loader parameters; for ``spotify`` and ``gtzan`` only the name, so the fingerprint
    is the one those loaders always gave this file."""
    id_column: str | None = None
    dropped: Mapping[str, str] = field(default_factory=dict)
    """Columns that are not audio features -> why (ids, text, clip properties, categories)."""
    dedupe: tuple[str, ...] = ()
    """Key columns whose repeats are removed (first kept); ``("features",)``: repeated
    feature vectors. Empty: every row kept."""
    minutes_below: tuple[str, float] | None = None
    """``(column, threshold)``: values below it are minutes, converted to milliseconds."""
    preprocessing: str = "standardize"
    nonfinite: str = "drop"

    @property
    def primary_label(self) -> str:
        return next(iter(self.labels))

    @property
    def description(self) -> str:
        """The line ``bench datasets`` shows for the entry's registered name."""
        return f"{self.provenance} ({self.classes} {self.label_kind} classes)."


_SPOTIFY_NOTE = "Spotify Web API audio features"
ENTRIES: tuple[SuiteEntry, ...] = (
    SuiteEntry(
        name="tidytuesday",
        file="spotify_songs_tidytuesday.csv",
        sha256="9902920cfe4940f0914ebb6716801a42f7f19ac88fbd6693eaae7e2822b16845",
        label_kind="genre",
        labels={"genre": "playlist_genre", "subgenre": "playlist_subgenre"},
        rows=28_356,
        classes=6,
        features=10,
        provenance=f"TidyTuesday 2020-01-21 'Spotify Songs' (R4DS, MIT); {_SPOTIFY_NOTE}",
        loader="spotify",
        params={"name": "tidytuesday"},
        id_column="track_id",
        dropped={"key": SPOTIFY_FEATURES_DROPPED, "mode": SPOTIFY_FEATURES_DROPPED},
        dedupe=("track_id",),
        preprocessing="yeo-johnson",
    ),
    SuiteEntry(
        name="gtzan",
        file="gtzan_features_30_sec.csv",
        sha256="3fb2e38c281764076c7c1ec79f9e73956a913cffaa38e44cfb94282291e72cfa",
        label_kind="genre",
        labels={"genre": "label"},
        rows=1_000,
        classes=10,
        features=57,
        provenance="Kaggle 'GTZAN Dataset - Music Genre Classification', Data/features_30_sec.csv (librosa)",
        loader="gtzan",
        params={"name": "gtzan"},
        id_column="filename",
        dropped={"length": "the clip's sample count, not an audio feature"},
    ),
    SuiteEntry(
        name="spotify-lyrics-sample",
        file="spotify_songs_lyrics_sample1000.csv",
        sha256="a04c9c174779ab7d11d8692c27306563649e90a291228709a11ff8bc609a82fc",
        label_kind="genre",
        labels={"genre": "playlist_genre", "subgenre": "playlist_subgenre", "language": "language"},
        rows=1_000,
        classes=6,
        features=10,
        provenance="derived 1,000-row excerpt of Kaggle 'Audio features and lyrics of Spotify songs' (sorted by id)",
        loader="spotify",
        params={"name": "spotify-lyrics-sample"},
        id_column="track_id",
        dropped={"key": SPOTIFY_FEATURES_DROPPED, "mode": SPOTIFY_FEATURES_DROPPED},
        dedupe=("track_id",),
        preprocessing="yeo-johnson",
    ),
    SuiteEntry(
        name="machinehack",
        file="machinehack_music_genre_train.csv",
        sha256="ae5d14d8723b9acb95af82f81305a9ad013d2e9afb01b3057c688b7823099616",
        label_kind="genre",
        labels={"genre": "Class"},
        rows=16_109,
        classes=11,
        features=10,
        provenance="MachineHack 'Music Genre Classification' hackathon train.csv (via sheilta/orbitgeny); "
        + _SPOTIFY_NOTE,
        dropped={
            "Artist Name": "text",
            "Track Name": "text",
            "Popularity": "a listening statistic, not audio",
            "key": SPOTIFY_FEATURES_DROPPED,
            "mode": SPOTIFY_FEATURES_DROPPED,
            "time_signature": SPOTIFY_FEATURES_DROPPED,
        },
        # The same track listed under several classes (1,575 of the 1,666 repeated pairs
        # disagree): kept once, like TidyTuesday's repeated track ids.
        dedupe=("Artist Name", "Track Name"),
        minutes_below=("duration_in min/ms", 100.0),
        preprocessing="yeo-johnson",
        # 24 % of instrumentalness is empty, half of class 9's: dropping those rows would
        # remove most of a class, so the median fills them (recorded in the notes).
        nonfinite="impute",
    ),
    SuiteEntry(
        name="fma-rock-hiphop",
        file="fma_echonest_rock_vs_hiphop.csv",
        sha256="9d3f973aee79a927bab47a70aecd25be8c4ea8d7d9e78fab6e0d25ba7752a020",
        label_kind="genre",
        labels={"genre": "genre_top"},
        rows=4_802,
        classes=2,
        features=8,
        provenance="derived join of FMA fma-rock-vs-hiphop.csv and echonest-metrics.json on track_id "
        "(ahm10/Classification_of_Song_Genre); Echo Nest audio features; imbalanced 3,892 / 910",
        id_column="track_id",
        preprocessing="yeo-johnson",
    ),
    SuiteEntry(
        name="turkish-emotion",
        file="turkish_music_emotion.csv",
        sha256="8df80318735ee45123f7dfd5201927a6404836332dc80d733d30a7250856030c",
        label_kind="emotion",
        labels={"emotion": "Class"},
        rows=388,
        classes=4,
        features=50,
        provenance="UCI 'Turkish Music Emotion' acoustic features (via Mohie-Aldin-Sinan/TuneMood)",
        dedupe=("features",),  # 12 exact duplicate rows
    ),
    SuiteEntry(
        name="spotify-moods",
        file="spotify_moods_687.csv",
        sha256="20d3be7487ebe67c41412f6a3b2b404a629c7f711512ba94a6c7e24ec5f511f7",
        label_kind="mood",
        labels={"mood": "mood"},
        rows=687,
        classes=4,
        features=9,
        provenance="Spotify audio features with a mood label (Ajaybabu21/Music-Mood data_moods.csv)",
        id_column="id",
        dropped={
            "name": "text",
            "album": "text",
            "artist": "text",
            "release_date": "text",
            "popularity": "a listening statistic, not audio",
            "length": "the track duration, not a sound feature",
            "key": SPOTIFY_FEATURES_DROPPED,
            "time_signature": SPOTIFY_FEATURES_DROPPED,
        },
        preprocessing="yeo-johnson",
    ),
    SuiteEntry(
        name="beatport-edm",
        file="beatport_edm_23genres.csv",
        sha256="df4f52f541d843f548903a73d34c0c47ce531e243c22e1d840224720d7dbd141",
        label_kind="genre",
        labels={"genre": "class"},
        rows=2_286,
        classes=23,
        features=71,
        provenance="Beatport EDM 'beatsdataset': top 100 tracks of 23 genres (via Yamahkarim/BeatIt)",
        dropped={"Unnamed: 0": "a row index (the header is empty)"},
        # 14 repeated feature rows, a few across genres (DeepHouse/House): no clustering
        # can tell them apart, so the first is kept.
        dedupe=("features",),
    ),
    SuiteEntry(
        name="indian-genres",
        file="indian_5genres_librosa.csv",
        sha256="71e3a0713ea08c9643d7328c8fa8a768e837d657804c05f11b964ef3f190a502",
        label_kind="genre",
        labels={"genre": "label"},
        rows=499,
        classes=5,
        features=69,
        provenance="librosa features of ~45 s clips of five Indian genres (anisharma07/music-genere-presentation)",
        id_column="file_path",
        dropped={
            "dataset": "text",
            "subset": "text",
            "sr": "the sample rate, constant",
            "duration": "the clip's length, not an audio feature",
        },
        dedupe=("features",),  # one repeated feature row
    ),
)

SUITES: dict[str, tuple[str, ...]] = {
    "music": tuple(e.name for e in ENTRIES),
    "genre": tuple(e.name for e in ENTRIES if e.label_kind == "genre"),
    "mood": tuple(e.name for e in ENTRIES if e.label_kind in ("mood", "emotion")),
}
"""Named lists of entries: ``music`` is every published table."""


def entry(name: str) -> SuiteEntry:
    """The suite entry ``name``; an unknown name lists the known ones."""
    for candidate in ENTRIES:
        if candidate.name == name:
            return candidate
    raise ConfigError(f"No suite dataset {name!r}. Known: {', '.join(e.name for e in ENTRIES)}.")


def data_dir() -> Path:
    """``$MUSICBENCH_DATA_DIR``, else :data:`DEFAULT_DATA_DIR`."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def default_path(name: str, folder: str | os.PathLike[str] | None = None) -> Path:
    """Where the file of entry ``name`` is looked for."""
    return (Path(folder).expanduser() if folder is not None else data_dir()) / entry(name).file


@dataclass(frozen=True)
class SuiteSelection:
    """What a suite runs: ``datasets`` in ``RunConfig.datasets`` form, and what it skips."""

    suite: str
    datasets: list[tuple[str, dict[str, Any], str | None]]
    """``(loader, params, path)`` per present file, as ``bench run`` plans them."""
    skipped: list[tuple[str, str]]
    """``(entry, reason)`` per entry whose file is absent."""


def suite_entries(name: str, folder: str | os.PathLike[str] | None = None) -> SuiteSelection:
    """The datasets of suite ``name`` whose files are in ``folder`` (default :func:`data_dir`).

    An absent file is not an error: the entry is skipped with the reason, so a suite
    runs on whatever part of it a machine has.
    """
    if name not in SUITES:
        raise ConfigError(f"No suite {name!r}. Known suites: {', '.join(sorted(SUITES))}.")
    root = Path(folder).expanduser() if folder is not None else data_dir()
    datasets: list[tuple[str, dict[str, Any], str | None]] = []
    skipped: list[tuple[str, str]] = []
    for member in SUITES[name]:
        path = root / entry(member).file
        if path.is_file():
            datasets.append((LOADER, {"entry": member}, str(path)))
        else:
            skipped.append((member, f"{path} is absent (set {DATA_DIR_ENV} to the folder that holds it)"))
    return SuiteSelection(name, datasets, skipped)
