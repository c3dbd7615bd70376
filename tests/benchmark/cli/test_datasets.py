"""``bench datasets`` and ``bench datasets show``."""

from __future__ import annotations

from pathlib import Path

from tests.benchmark.support import bench


def test_list_datasets() -> None:
    done = bench("datasets")
    assert done.returncode == 0
    for name in ("synthetic", "spotify", "gtzan", "csv"):
        assert name in done.stdout


def test_show_synthetic_with_parameters() -> None:
    done = bench("datasets", "show", "synthetic", "-P", "n_tracks=500", "-P", "n_genres=4")
    assert done.returncode == 0, done.stderr
    assert "synthetic: 500 tracks x 10 features" in done.stdout
    assert "genre (4):" in done.stdout and "modalities: audio, lyrics, title" in done.stdout


def test_show_tidytuesday(tidytuesday_path: Path) -> None:
    done = bench("datasets", "show", "spotify", "--data", str(tidytuesday_path))
    assert done.returncode == 0, done.stderr
    assert "28,356 tracks" in done.stdout
    assert "rap 5,401" in done.stdout


def test_unknown_parameter_lists_accepted_ones() -> None:
    done = bench("datasets", "show", "synthetic", "-P", "n_track=5")
    assert done.returncode == 2
    assert "has no parameter(s) n_track" in done.stderr and "n_tracks" in done.stderr


def test_list_shows_the_suite_with_rows_classes_and_label_kind() -> None:
    done = bench("datasets")
    assert done.returncode == 0, done.stderr
    assert "dataset suite" in done.stdout
    for name in ("machinehack", "turkish-emotion", "beatport-edm", "indian-genres"):
        assert name in done.stdout
    assert "emotion" in done.stdout and "16,109" in done.stdout


def test_show_a_suite_dataset_by_its_default_file_name(tmp_path: Path) -> None:
    done = bench("datasets", "show", "spotify-moods")
    if "is absent" in done.stderr:
        return  # no data here: the next test covers the message
    assert done.returncode == 0, done.stderr
    assert "spotify-moods: 687 tracks x 9 features" in done.stdout and "published sha256" in done.stdout


def test_show_an_absent_suite_file_says_so(tmp_path: Path) -> None:
    done = bench("datasets", "show", "beatport-edm", "--data", str(tmp_path / "beatport_edm_23genres.csv"))
    assert done.returncode == 2
    assert "is absent" in done.stderr and "MUSICBENCH_DATA_DIR" in done.stderr
