"""The audio loader on audio generated here: tones, a chord, noise and click tracks in genre folders."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

librosa = pytest.importorskip("librosa")
sf = pytest.importorskip("soundfile")

from musicbench.errors import ConfigError  # noqa: E402
from musicbench.plugins.datasets import librosa_cache  # noqa: E402
from musicbench.plugins.datasets.audio import AudioDataset  # noqa: E402
from musicbench.plugins.datasets.audio_extract import FeatureCache, extract_folder  # noqa: E402
from musicbench.plugins.datasets.audio_features import FEATURE_NAMES, require_librosa  # noqa: E402

SR = 22050


def tone(freq: float, seconds: float, phase: float = 0.3) -> np.ndarray:
    t = np.arange(round(seconds * SR)) / SR
    return (0.5 * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)


def clicks(bpm: float, seconds: float) -> np.ndarray:
    beats = np.arange(0, seconds, 60.0 / bpm)
    return librosa.clicks(times=beats, sr=SR, length=round(seconds * SR)).astype(np.float32)


@pytest.fixture(scope="module", autouse=True)
def _librosa_compiled() -> None:
    """Compile librosa's numba code once, under the cache's lock, before any test here.

    Some tests call librosa directly, outside the loader's ``ensure_ready``: on a fresh
    venv such a test compiled and wrote librosa's cache in one pytest-xdist worker while
    the other worker's extraction loaded it, and that worker died of a segmentation fault
    in ``zero_crossings`` (numba issue #10128; the fresh-clone CI run of abd9c64).
    """
    librosa_cache.ensure_ready()


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three genre folders of 4-10 s signals in WAV, FLAC and OGG."""
    root = tmp_path_factory.mktemp("music")
    for genre in ("tones", "noise", "clicks"):
        (root / genre).mkdir()
    sf.write(root / "tones" / "a440.wav", tone(440, 4), SR)
    chord = tone(440, 4) + tone(554.37, 4) + tone(659.25, 4)
    sf.write(root / "tones" / "chord.flac", chord / 3, SR)
    rng = np.random.default_rng(0)
    sf.write(root / "noise" / "white.ogg", (0.2 * rng.standard_normal(4 * SR)).astype(np.float32), SR)
    # A 44.1 kHz stereo file: resampled to 22,050 Hz and mixed to mono.
    stereo = np.stack([rng.uniform(-0.3, 0.3, 4 * 44100), rng.uniform(-0.3, 0.3, 4 * 44100)], axis=1)
    sf.write(root / "noise" / "stereo44k.wav", stereo.astype(np.float32), 44100)
    sf.write(root / "clicks" / "click120.wav", clicks(120, 10), SR)
    sf.write(root / "clicks" / "click100.wav", clicks(100, 10), SR)
    (root / "clicks" / "click120.txt").write_text("la la la\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One feature cache for the module: each generated file is extracted once."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="module")
def table(music: Path, cache: Path) -> pd.DataFrame:
    return AudioDataset(path=music, jobs=1, cache_dir=cache).extract()[0]


def load(root: Path, cache: Path, **params: object) -> AudioDataset:
    return AudioDataset(path=root, jobs=1, cache_dir=cache, **params)


def test_labels_from_folders_and_lyrics_from_sidecars(music: Path, cache: Path, table: pd.DataFrame) -> None:
    data = load(music, cache).load()
    assert data.feature_names == FEATURE_NAMES and len(FEATURE_NAMES) == 57
    labels = dict(zip(data.track_ids.tolist(), data.labels["genre"].tolist(), strict=True))
    assert labels == {
        "clicks/click100.wav": "clicks",
        "clicks/click120.wav": "clicks",
        "noise/stereo44k.wav": "noise",
        "noise/white.ogg": "noise",
        "tones/a440.wav": "tones",
        "tones/chord.flac": "tones",
    }
    lyrics = dict(zip(data.track_ids.tolist(), data.texts["lyrics"].tolist(), strict=True))
    assert lyrics["clicks/click120.wav"] == "la la la" and lyrics["tones/a440.wav"] == ""
    assert data.modalities == ("audio", "lyrics")
    assert data.n_classes() == 3


def test_tempo_of_click_tracks(table: pd.DataFrame) -> None:
    tempo = dict(zip(table["filename"], table["tempo"], strict=True))
    # The tempogram measures the beat period in whole hops of 512 samples (23 ms):
    # next to 120 bpm it can only say 117.5 or 123.0 bpm, next to 100 bpm 99.4 or
    # 103.4. 5 % is one hop either side.
    assert tempo["clicks/click120.wav"] == pytest.approx(120, rel=0.05)
    assert tempo["clicks/click100.wav"] == pytest.approx(100, rel=0.05)


def test_zero_crossing_rate_of_a_pure_tone(table: pd.DataFrame) -> None:
    zcr = table.set_index("filename").loc["tones/a440.wav", "zero_crossing_rate_mean"]
    # A sine crosses zero twice a period: 2 * 440 / 22050 crossings per sample. The
    # first and last frames are half padding (librosa pads by repeating the edge
    # sample), which costs about one frame's worth over the 173 frames: 1 %.
    assert zcr == pytest.approx(2 * 440 / SR, rel=0.01)


def test_features_equal_direct_librosa_calls(music: Path, table: pd.DataFrame) -> None:
    ours = table.set_index("filename").loc["tones/chord.flac", list(FEATURE_NAMES)].to_numpy(dtype=float)
    y, sr = librosa.load(music / "tones" / "chord.flac", sr=SR)
    pad = {"pad_mode": "reflect"}
    direct = [
        librosa.feature.chroma_stft(y=y, sr=sr, **pad),
        librosa.feature.rms(y=y, **pad),
        librosa.feature.spectral_centroid(y=y, sr=sr, **pad),
        librosa.feature.spectral_bandwidth(y=y, sr=sr, **pad),
        librosa.feature.spectral_rolloff(y=y, sr=sr, **pad),
        librosa.feature.zero_crossing_rate(y),
        *librosa.effects.hpss(y, **pad),
    ]
    expected = [s for m in direct for s in (np.mean(m), np.var(m))]
    expected.append(float(np.atleast_1d(librosa.beat.beat_track(y=y, sr=sr)[0])[0]))
    for row in librosa.feature.mfcc(y=y, sr=sr, n_mfcc=20, **pad):
        expected.extend((np.mean(row), np.var(row)))
    # Float32 spectra summed in another order: equal to float32 precision. Means
    # near zero (harmony, perceptr, some MFCCs) are compared on the signal's scale.
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_bad_files_are_reported_and_skipped(music: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "mixed"
    (root / "ok").mkdir(parents=True)
    sf.write(root / "ok" / "tone.wav", tone(220, 4), SR)
    (root / "ok" / "empty.wav").write_bytes(b"")
    (root / "ok" / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 4)
    sf.write(root / "ok" / "short.wav", tone(220, 0.1), SR)
    sf.write(root / "ok" / "silent.wav", np.zeros(4 * SR, dtype=np.float32), SR)
    (root / "ok" / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not audio")
    (root / "ok" / "notes.mp3").write_text("this is text, not mp3 frames")
    (root / "ok" / "gone.wav").symlink_to(root / "deleted.wav")
    data = load(root, tmp_path).load()
    assert data.track_ids.tolist() == ["ok/tone.wav"]
    err = capsys.readouterr().err
    reasons = {
        "empty.wav": "empty file",
        "corrupt.wav": "cannot be decoded",
        "short.wav": "too short: 0.10 s",
        "silent.wav": "silent",
        "cover.jpg": "not an audio file",
        "notes.mp3": "cannot be decoded",
        "gone.wav": "cannot be read",
    }
    for name, reason in reasons.items():
        line = next((x for x in err.splitlines() if x.startswith("skipped") and name in x), "")
        assert str(root / "ok" / name) in line and reason in line, (name, err)
    assert "7 file(s) skipped" in err
    assert any("skipped 7 file(s)" in note for note in data.notes)


def test_cache_hit_on_rerun_and_miss_when_a_file_changes(tmp_path: Path) -> None:
    root = tmp_path / "songs"
    root.mkdir()
    for i, freq in enumerate((220, 330, 440)):
        sf.write(root / f"s{i}.wav", tone(freq, 3.5), SR)
    cache = FeatureCache(tmp_path / "cache")
    params = {"recipe": 1, "sample_rate": SR, "segment_seconds": None, "min_seconds": 3.0}
    first = extract_folder(root, params, cache=cache)
    assert (first.extracted, first.cached) == (3, 0)
    again = extract_folder(root, params, cache=cache)
    assert (again.extracted, again.cached) == (0, 3)
    assert again.results == first.results
    sf.write(root / "s1.wav", tone(660, 3.5), SR)
    changed = extract_folder(root, params, cache=cache)
    assert (changed.extracted, changed.cached) == (1, 2)
    assert changed.results["s1.wav"] != first.results["s1.wav"]
    other = extract_folder(root, {**params, "min_seconds": 1.0}, cache=cache)
    assert other.extracted == 3  # other parameters, other cache entries


def test_parallel_extraction_gives_the_serial_numbers(music: Path, table: pd.DataFrame, tmp_path: Path) -> None:
    parallel, done = AudioDataset(path=music, jobs=2, cache_dir=tmp_path).extract()
    assert done.extracted == 6
    pd.testing.assert_frame_equal(table, parallel)


def test_segments_one_row_per_window_in_gtzan_layout(music: Path, cache: Path) -> None:
    table, _ = load(music, cache, segment_seconds=3).extract()
    clicks120 = table[table["filename"].str.startswith("clicks/click120.")]
    # 10 s give three whole 3 s windows; the last 1 s is dropped, as in GTZAN's table.
    assert clicks120["filename"].tolist() == [f"clicks/click120.{i}.wav" for i in range(3)]
    assert (clicks120["length"] == 3 * SR).all() and (clicks120["label"] == "clicks").all()
    assert table.columns.tolist()[:2] == ["filename", "length"] and "lyrics" in table
    assert (clicks120["lyrics"] == "la la la").all()


def test_labels_file_and_unlabelled_folder(tmp_path: Path) -> None:
    root = tmp_path / "flat"
    root.mkdir()
    for i in range(3):
        sf.write(root / f"t{i}.wav", tone(200 + 100 * i, 3.5), SR)
    unlabelled = load(root, tmp_path).load()
    assert set(unlabelled.labels["genre"].tolist()) == {""} and unlabelled.n_classes() == 0
    labels = tmp_path / "labels.csv"
    labels.write_text("filename,mood,lyrics\nt0.wav,calm,one\nt2.wav,sad,three\n")
    data = load(root, tmp_path, labels_file=labels).load()
    assert data.primary_label == "mood"
    assert data.labels["mood"].tolist() == ["calm", "", "sad"]
    assert data.texts["lyrics"].tolist() == ["one", "", "three"]


def test_fingerprint_follows_content_and_parameters_not_jobs(music: Path, cache: Path, table: pd.DataFrame) -> None:
    a = load(music, cache).load()
    b = AudioDataset(path=music, jobs=2, cache_dir=cache).load()
    c = load(music, cache, preprocessing="none").load()
    assert a.fingerprint == b.fingerprint != c.fingerprint
    assert "jobs" not in a.params and "cache_dir" not in a.params and a.params["recipe"] == 1


def test_missing_librosa_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "librosa", None)
    with pytest.raises(ConfigError, match=r"musicbench\[audio\]"):
        require_librosa()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"path": None}, "--data DIR"),
        ({"segment_seconds": 0}, "segment_seconds must be a positive"),
        ({"jobs": 0}, "jobs must be at least 1"),
    ],
)
def test_bad_parameters_are_refused(music: Path, params: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AudioDataset(**{"path": music, **params}).load()


def test_the_default_number_of_extracting_processes_is_musicbench_jobs(
    music: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from musicbench.plugins.datasets import audio

    asked = []

    def recording(root, params, *, jobs, cache, console=None):  # noqa: ANN001, ANN202  stands in for the extraction
        asked.append(jobs)
        raise RuntimeError("stop here")

    monkeypatch.setattr(audio, "extract_folder", recording)
    monkeypatch.setenv("MUSICBENCH_JOBS", "3")
    with pytest.raises(RuntimeError, match="stop here"):
        AudioDataset(path=music, cache_dir=tmp_path).extract()
    with pytest.raises(RuntimeError, match="stop here"):
        AudioDataset(path=music, jobs=2, cache_dir=tmp_path).extract()  # the parameter wins
    assert asked == [3, 2]
