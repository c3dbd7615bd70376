"""The generic csv loader, and every kind of bad input file (via the real CLI)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from musicbench import ConfigError, DataError
from musicbench.plugins.datasets.csv import CsvDataset
from tests.benchmark.support import bench

GOOD = "id,genre,a,b,lyrics\nt1,rock,1.0,2,la la\nt2,pop,3.5,4,\nt3,rock,2.0,1,oh\n"


def write(tmp_path: Path, text: str, name: str = "tracks.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_defaults(tmp_path: Path) -> None:
    data = CsvDataset(path=write(tmp_path, GOOD), id_column="id", text_columns=["lyrics"]).load()
    assert data.feature_names == ("a", "b")
    assert list(data.track_ids) == ["t1", "t2", "t3"]
    assert data.modalities == ("audio", "lyrics")
    assert data.primary_label == "genre" and data.n_classes() == 2


def test_csv_without_id_uses_line_numbers(tmp_path: Path) -> None:
    data = CsvDataset(path=write(tmp_path, GOOD), features=["a"]).load()
    assert list(data.track_ids) == ["2", "3", "4"]


def test_nonfinite_rows_are_dropped_and_counted(tmp_path: Path) -> None:
    text = "genre,a,b\nrock,1,2\npop,,4\nrock,inf,1\npop,2,2\n"
    data = CsvDataset(path=write(tmp_path, text)).load()
    assert data.n_tracks == 2
    assert "dropped 2 of 4 row(s), 50.0 %" in data.notes[0] and "line 3" in data.notes[0]
    with pytest.raises(DataError, match=r"2 row\(s\) with missing or infinite.*column 'a', line 3"):
        CsvDataset(path=write(tmp_path, text), nonfinite="error").load()
    assert np.isfinite(data.audio).all()


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="'t1' repeats"):
        CsvDataset(path=write(tmp_path, "id,genre,a\nt1,x,1\nt1,y,2\n"), id_column="id").load()


def test_no_labels_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one label"):
        CsvDataset(path=write(tmp_path, GOOD), labels=[]).load()


@pytest.mark.parametrize(
    "content, extra, expected",
    [
        (None, [], "does not exist"),
        ("", [], "is empty"),
        ("genre,a,b\n", [], "has a header but no data rows"),
        ("genre,a,b\nrock,1,2\npop,3,x\nrock,oops,1\n", [], "column 'b' of .* must be numeric, but line 3 holds 'x'"),
        ("genre,a\nrock,1\n", ["-P", "features=a,c"], "lacks the column\\(s\\) c"),
        ("genre,a\nrock,1\n", ["-P", "nonfinite=maybe"], "nonfinite must be one of drop, impute, error"),
    ],
    ids=["missing-file", "empty-file", "header-only", "non-numeric", "missing-column", "bad-rule"],
)
def test_bad_csv_is_one_paragraph_and_exit_2(
    tmp_path: Path, content: str | None, extra: list[str], expected: str
) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content)
    done = bench("datasets", "show", "csv", "--data", str(path), *extra)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")
    assert len(done.stderr.strip().splitlines()) == 1, "one paragraph"
    assert re.search(expected, done.stderr), done.stderr


def test_spotify_missing_columns_lists_missing_and_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "track_id,track_name,playlist_genre,danceability\nx,y,pop,0.5\n")
    done = bench("datasets", "show", "spotify", "--data", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "lacks the column(s) playlist_subgenre, energy, key" in done.stderr
    assert "Expected columns: track_id, track_name, playlist_genre, playlist_subgenre, danceability" in done.stderr


def test_unknown_dataset_suggests_the_closest(tmp_path: Path) -> None:
    done = bench("datasets", "show", "gtzn")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Did you mean 'gtzan'" in done.stderr


def test_context_columns_are_kept_apart_from_the_features(tmp_path: Path) -> None:
    text = "id,genre,a,b,year\nt1,rock,1.0,2,1999\nt2,pop,3.5,4,2005\nt3,rock,2.0,1,2012\n"
    data = CsvDataset(path=write(tmp_path, text), id_column="id", context_columns=["year"]).load()
    assert data.feature_names == ("a", "b")
    assert data.context_names == ("year",) and data.context[:, 0].tolist() == [1999.0, 2005.0, 2012.0]
    assert data.modalities == ("audio", "context")
    assert data.subset(np.array([2, 0])).context[:, 0].tolist() == [2012.0, 1999.0]


def test_a_missing_context_value_names_its_line(tmp_path: Path) -> None:
    text = "id,genre,a,year\nt1,rock,1.0,1999\nt2,pop,3.5,\nt3,rock,2.0,2012\n"
    with pytest.raises(DataError, match=r"context column 'year' .* line 3"):
        CsvDataset(path=write(tmp_path, text), id_column="id", context_columns=["year"]).load()


def test_the_fingerprint_is_the_digest_of_the_bytes_and_the_parameters(tmp_path: Path) -> None:
    from musicbench.hashing import digest, file_sha256

    path = write(tmp_path, GOOD)
    data = CsvDataset(path=path).load()
    # the same bytes read the same way elsewhere, under another name: the same data
    assert CsvDataset(path=write(tmp_path, GOOD, "copy.csv"), name="other").load().fingerprint == data.fingerprint
    assert CsvDataset(path=path, features=["a"]).load().fingerprint != data.fingerprint
    edited = write(tmp_path, GOOD.replace("3.5", "3.6"), "edited.csv")
    assert CsvDataset(path=edited).load().fingerprint != data.fingerprint
    outcomes = ("path", "name", "rows_read", "rows_kept")  # where it was, and what loading it found
    params = {k: v for k, v in data.params.items() if k not in outcomes}
    assert data.fingerprint == digest({"source": file_sha256(path), "params": params})
