"""The dataset suite: its definitions, its look-up, and every published table loaded for real."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from musicbench.errors import ConfigError, DataError
from musicbench.hashing import file_sha256
from musicbench.plugins.datasets import suite
from musicbench.plugins.datasets.published import PublishedDataset, _minutes_to_ms
from tests.conftest import data_dir, shared_file

README = data_dir() / "README.md"


def test_the_suite_has_one_entry_per_table_with_unique_names_and_files() -> None:
    names = [e.name for e in suite.ENTRIES]
    assert len(names) == len(set(names)) == 9
    assert len({e.file for e in suite.ENTRIES}) == 9
    assert set(suite.SUITES["music"]) == set(names)
    assert set(suite.SUITES["genre"]) | set(suite.SUITES["mood"]) == set(names)
    assert {suite.entry(n).label_kind for n in suite.SUITES["mood"]} == {"mood", "emotion"}


def test_the_expected_hashes_are_the_data_readmes() -> None:
    if not README.is_file():
        pytest.skip(f"{README} not found")
    text = README.read_text(encoding="utf-8")
    for spec in suite.ENTRIES:
        assert f"`{spec.file}`" in text and f"`{spec.sha256}`" in text, spec.name


def test_suite_entries_skips_absent_files_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / suite.entry("gtzan").file).write_text("x")
    chosen = suite.suite_entries("music", tmp_path)
    assert chosen.datasets == [(suite.LOADER, {"entry": "gtzan"}, str(tmp_path / "gtzan_features_30_sec.csv"))]
    assert len(chosen.skipped) == 8 and all("is absent" in why for _, why in chosen.skipped)
    assert "machinehack" in dict(chosen.skipped)


def test_unknown_suite_and_entry_list_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="Known suites: genre, mood, music"):
        suite.suite_entries("jazz")
    with pytest.raises(ConfigError, match="tidytuesday"):
        suite.entry("nope")


def test_an_absent_file_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="absent"):
        PublishedDataset("beatport-edm", str(tmp_path / "beatport_edm_23genres.csv")).load()


@pytest.mark.realdata
@pytest.mark.parametrize("name", [e.name for e in suite.ENTRIES])
def test_each_published_table_loads_as_its_entry_says(name: str) -> None:
    spec = suite.entry(name)
    path = shared_file(spec.file)
    dataset = PublishedDataset(name, str(path)).load()
    assert (dataset.n_tracks, dataset.n_classes(), len(dataset.feature_names)) == (
        spec.rows,
        spec.classes,
        spec.features,
    )
    assert dataset.name == name and dataset.primary_label == spec.primary_label
    assert not set(dataset.feature_names) & {*spec.dropped, spec.id_column, *spec.labels.values()}
    assert not any("not the published file" in n for n in dataset.notes)


@pytest.mark.realdata
def test_the_existing_loaders_fingerprints_are_kept() -> None:
    from musicbench.plugins.datasets.gtzan import GtzanDataset
    from musicbench.plugins.datasets.spotify import SpotifyDataset

    tidy, gtzan = shared_file("spotify_songs_tidytuesday.csv"), shared_file("gtzan_features_30_sec.csv")
    assert (
        PublishedDataset("tidytuesday", str(tidy)).load().fingerprint
        == SpotifyDataset(path=str(tidy), name="tidytuesday").load().fingerprint
    )
    assert (
        PublishedDataset("gtzan", str(gtzan)).load().fingerprint
        == GtzanDataset(path=str(gtzan), name="gtzan").load().fingerprint
    )


def test_values_below_the_threshold_are_read_as_minutes() -> None:
    frame = pd.DataFrame({"duration": [3.5, 99.0, 210_000.0, 100.0]})
    fixed, note = _minutes_to_ms(frame, "duration", 100.0)
    assert fixed["duration"].tolist() == [210_000.0, 5_940_000.0, 210_000.0, 100.0]
    assert "2 value(s) below 100 are minutes" in note


@pytest.mark.realdata
def test_machinehack_durations_are_fixed_and_repeats_removed() -> None:
    dataset = PublishedDataset("machinehack", str(shared_file(suite.entry("machinehack").file))).load()
    assert "duration_in min/ms" in dataset.feature_names and "Popularity" not in dataset.feature_names
    assert any("2,580 value(s) below 100 are minutes" in n for n in dataset.notes)
    assert any("1,887 repeated row(s) removed" in n for n in dataset.notes)
    assert any("imputed" in n and "instrumentalness" in n for n in dataset.notes)


@pytest.mark.realdata
def test_a_changed_byte_is_reported_with_both_hashes_and_a_new_fingerprint(tmp_path: Path) -> None:
    original = shared_file(suite.entry("turkish-emotion").file)
    copy = tmp_path / original.name
    data = bytearray(original.read_bytes())
    last_digit = max(i for i in range(len(data)) if chr(data[i]).isdigit() and chr(data[i]) != "9")
    data[last_digit] += 1  # one feature value changes in its last digit: still a valid table
    copy.write_bytes(bytes(data))
    published = PublishedDataset("turkish-emotion", str(original)).load()
    changed = PublishedDataset("turkish-emotion", str(copy)).load()
    assert changed.n_tracks == published.n_tracks
    note = changed.notes[0]
    assert (
        "not the published file" in note and file_sha256(copy) in note and suite.entry("turkish-emotion").sha256 in note
    )
    assert changed.fingerprint != published.fingerprint
