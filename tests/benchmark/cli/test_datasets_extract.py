"""``bench datasets extract audio``: a folder of audio files to a table the gtzan and csv datasets read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sf = pytest.importorskip("soundfile")
pytest.importorskip("librosa")

from tests.benchmark.support import bench_here  # noqa: E402

SR = 22050


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("songs")
    rng = np.random.default_rng(1)
    for genre, freq in (("low", 110.0), ("high", 1760.0)):
        (root / genre).mkdir()
        for i in range(2):
            t = np.arange(round(3.5 * SR)) / SR
            y = 0.4 * np.sin(2 * np.pi * freq * (1 + 0.05 * i) * t) + 0.01 * rng.standard_normal(len(t))
            sf.write(root / genre / f"{genre}{i}.wav", y.astype(np.float32), SR)
    return root


def test_extract_writes_a_table_the_gtzan_dataset_reads(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "features.csv"
    code, stdout, err = bench_here(
        capsys,
        "datasets",
        "extract",
        "audio",
        "--data",
        folder,
        "--out",
        out,
        "--jobs",
        "1",
        "-P",
        f"cache_dir={tmp_path / 'cache'}",
    )
    assert code == 0, err
    assert "wrote 4 rows x 60 columns" in stdout and "4 extracted, 0 from the cache" in err
    table = pd.read_csv(out)
    assert table["filename"].tolist() == ["high/high0.wav", "high/high1.wav", "low/low0.wav", "low/low1.wav"]
    assert table.columns[:3].tolist() == ["filename", "length", "chroma_stft_mean"] and table.columns[-1] == "label"
    code, stdout, err = bench_here(capsys, "datasets", "show", "gtzan", "--data", out)
    assert code == 0, err
    assert (
        "features: 4 tracks x 57 features" in stdout
    )  # named after its file and "genre (2): high 2 · low 2" in stdout


def test_csv_reads_the_table_with_lyrics_sidecars(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "features.csv"
    (folder / "low" / "low1.txt").write_text("deep words", encoding="utf-8")
    try:
        code, _, err = bench_here(
            capsys,
            "datasets",
            "extract",
            "audio",
            "--data",
            folder,
            "--out",
            out,
            "--jobs",
            "1",
            "-P",
            f"cache_dir={tmp_path / 'cache'}",
        )
        assert code == 0, err
        assert pd.read_csv(out, keep_default_na=False)["lyrics"].tolist() == ["", "", "", "deep words"]
        code, stdout, err = bench_here(
            capsys,
            "datasets",
            "show",
            "csv",
            "--data",
            out,
            "-P",
            "labels=label",
            "-P",
            "id_column=filename",
            "-P",
            "drop_features=length,",
            "-P",
            "text_columns=lyrics",
        )
        assert code == 0, err
        assert "features: 4 tracks x 57 features" in stdout and "modalities: audio, lyrics" in stdout
        # The same sidecars, read by the csv loader from the audio folder.
        plain = tmp_path / "plain.csv"
        pd.read_csv(out).drop(columns="lyrics").to_csv(plain, index=False)
        code, stdout, err = bench_here(
            capsys,
            "datasets",
            "show",
            "csv",
            "--data",
            plain,
            "-P",
            "labels=label",
            "-P",
            "id_column=filename",
            "-P",
            "drop_features=length,",
            "-P",
            f"lyrics_dir={folder}",
        )
        assert code == 0, err
        assert "modalities: audio, lyrics" in stdout
    finally:
        (folder / "low" / "low1.txt").unlink()


def test_extract_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = bench_here(
        capsys, "datasets", "extract", "audio", "--data", tmp_path / "nope", "--out", tmp_path / "x.csv"
    )
    assert code == 2
    assert "is not a folder" in err and "Traceback" not in err
