"""Reading CSV files without silent guesses: every class of bad file gets a clear error."""

from __future__ import annotations

import bz2
import gzip
import zipfile
from pathlib import Path

import numpy as np
import pytest

from musicbench import ConfigError, DataError
from musicbench.plugins.datasets.csv import CsvDataset
from musicbench.plugins.datasets.gtzan import GtzanDataset

ROWS = "genre,a,b\nrock,1,2\npop,3,4\nrock,2,1\npop,5,5\n"


def load(tmp_path: Path, content: str | bytes, name: str = "t.csv", **params: object):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return CsvDataset(path=path, **params).load()


@pytest.mark.parametrize("header", ["genre,a,genre", "genre,a,b,a", " genre,a,genre "])
def test_duplicate_column_names_are_an_error_naming_them(tmp_path: Path, header: str) -> None:
    width = len(header.split(","))
    body = "\n".join(",".join(["rock"] + ["1"] * (width - 1)) for _ in range(3))
    with pytest.raises(DataError, match=r"duplicate column names: '(genre|a)' \(2 times\)"):
        load(tmp_path, header + "\n" + body + "\n")


def test_compressed_files_load_and_damaged_ones_are_named(tmp_path: Path) -> None:
    assert load(tmp_path, gzip.compress(ROWS.encode()), "t.csv.gz").n_tracks == 4
    assert load(tmp_path, bz2.compress(ROWS.encode()), "t.csv.bz2").n_tracks == 4
    with zipfile.ZipFile(tmp_path / "one.zip", "w") as archive:
        archive.writestr("t.csv", ROWS)
    assert CsvDataset(path=tmp_path / "one.zip").load().n_tracks == 4
    with pytest.raises(DataError, match="damaged or truncated .gz"):
        load(tmp_path, gzip.compress(ROWS.encode() * 100)[:-30], "cut.csv.gz")
    with pytest.raises(DataError, match=r"named .gz but its content is not compressed.*Rename"):
        load(tmp_path, ROWS, "plain.csv.gz")
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("a.csv", ROWS)
        archive.writestr("b.csv", ROWS)
    with pytest.raises(DataError, match=r"zip archive with 2 files \(a.csv, b.csv\); expected exactly one"):
        CsvDataset(path=tmp_path / "two.zip").load()


def test_encodings_are_a_parameter_with_a_clear_error(tmp_path: Path) -> None:
    latin = "genre,a,b\nrocké,1,2\npop,3,4\nrocké,2,1\n".encode("latin-1")
    with pytest.raises(DataError, match=r"not valid utf-8: byte b'\\xe9' on line 2.*-P encoding=latin-1"):
        load(tmp_path, latin)
    assert set(load(tmp_path, latin, encoding="latin-1").labels["genre"]) == {"rocké", "pop"}
    assert load(tmp_path, b"\xef\xbb\xbf" + ROWS.encode()).feature_names == ("a", "b")  # a BOM is not a name
    with pytest.raises(ConfigError, match="Unknown encoding 'klingon'"):
        load(tmp_path, ROWS, encoding="klingon")


def test_separators_are_sniffed_when_safe_or_given(tmp_path: Path) -> None:
    semi = ROWS.replace(",", ";")
    assert load(tmp_path, semi).feature_names == ("a", "b")
    assert load(tmp_path, ROWS.replace(",", "\t")).feature_names == ("a", "b")
    decimal_commas = "genre;a;b\nrock;1,5;2\npop;3,5;4\nrock;2;1\n"
    assert "left out 1 non-numeric column(s): 'a'" in load(tmp_path, decimal_commas).notes[0]
    with pytest.raises(DataError, match=r"must be numeric, but line 2 holds '1,5'.*-P sep"):
        load(tmp_path, decimal_commas, features=["a", "b"])
    with pytest.raises(ConfigError, match="sep must be one character"):
        load(tmp_path, ROWS, sep=";;")


def test_line_numbers_count_blank_lines_and_multiline_fields(tmp_path: Path) -> None:
    text = 'genre,title,a\n\nrock,"two\nlines",1\n\npop,x,2\nrock,"a ""quoted""\nthree\nlines",oops\n'
    with pytest.raises(DataError, match="line 7 holds 'oops'"):
        load(tmp_path, text)
    data = load(tmp_path, text.replace("oops", "3"))
    assert list(data.track_ids) == ["3", "6", "7"]  # real start lines, as ids without an id column


def test_placeholders_impute_and_the_share_dropped(tmp_path: Path) -> None:
    text = "genre,a,b\nrock,1,2\npop,?,4\nrock,2,?\npop,4,8\n"
    with pytest.raises(DataError, match=r"line 3 holds '\?'.*-P na_values=\?.*-P drop_features=a"):
        load(tmp_path, text)
    dropped = load(tmp_path, text, na_values=["?"])
    assert dropped.n_tracks == 2 and "dropped 2 of 4 row(s), 50.0 %" in dropped.notes[0]
    assert dropped.params["rows_read"] == 4 and dropped.params["rows_kept"] == 2
    imputed = load(tmp_path, text, na_values="?", nonfinite="impute", preprocessing="none")
    assert imputed.n_tracks == 4 and "median (a=2, b=4" in imputed.notes[0]
    np.testing.assert_array_equal(imputed.audio[:, 0], [1, 2, 2, 4])
    with pytest.raises(DataError, match="nonfinite=drop or nonfinite=impute"):
        load(tmp_path, text, na_values="?", nonfinite="error")


@pytest.mark.parametrize(
    "value, preprocessing",
    [("1e300", "standardize"), ("-1e200", "yeo-johnson"), ("1e39", "none"), ("1.7e308", "standardize")],
)
def test_values_that_overflow_in_preprocessing_are_named_at_load(
    tmp_path: Path, value: str, preprocessing: str
) -> None:
    text = f"genre,a,b\nrock,1,2\npop,2,{value}\nrock,3,1\npop,4,5\n"
    with pytest.raises(
        DataError, match=rf"column 'b' of .* holds .* on line 3, which overflows in preprocessing={preprocessing}"
    ):
        load(tmp_path, text, preprocessing=preprocessing)


def test_a_label_column_that_cannot_score_is_refused_at_load(tmp_path: Path) -> None:
    rows = "".join(f"t{i},,{i % 3},{i * 0.5}\n" for i in range(12))
    with pytest.raises(DataError, match="label column 'genre' .* is empty.*not a benchmark"):
        load(tmp_path, "title,genre,a,b\n" + rows)
    unique = "title,a,b\n" + "".join(f"song {i},{i % 3},{i * 0.5}\n" for i in range(12))
    with pytest.raises(DataError, match="different value on every one of its 12 labelled rows.*-P labels"):
        load(tmp_path, unique, labels=["title"])
    single = "genre,a,b\n" + "".join(f"rock,{i % 3},{i}\n" for i in range(12))
    assert "single class" in load(tmp_path, single).notes[-1]


@pytest.mark.parametrize("column", ["track_id", "instance_id", "Unnamed: 0", "trackId", "row"])
def test_id_like_columns_are_left_out_with_a_note(tmp_path: Path, column: str) -> None:
    rng = np.random.default_rng(0)
    ids = rng.permutation(10_000)[:30] + 1000
    text = f"{column},genre,a\n" + "".join(f"{i},{'xy'[k % 2]},{k % 5}\n" for k, i in enumerate(ids))
    data = load(tmp_path, text)
    assert data.feature_names == ("a",)
    assert any(f"left out column {column!r}" in n and f"id_column={column}" in n for n in data.notes)
    assert load(tmp_path, text, id_column=column).feature_names == ("a",)
    assert column in load(tmp_path, text, features=[column, "a"]).feature_names  # asked for: kept


def test_a_row_counter_is_left_out_even_without_an_id_name(tmp_path: Path) -> None:
    text = "n,genre,a\n" + "".join(f"{k},{'xy'[k % 2]},{k % 7}.5\n" for k in range(25))
    assert load(tmp_path, text).feature_names == ("a",)
    measured = "duration,genre,a\n" + "".join(f"{200 + 3 * k},{'xy'[k % 2]},{k % 7}\n" for k in range(25))
    assert load(tmp_path, measured).feature_names == ("duration", "a")  # unique but not an id


def test_gtzan_takes_the_same_reading_parameters(tmp_path: Path) -> None:
    header = "filename,length,chroma_stft_mean,mfcc1_mean,label\n"
    rows = "".join(f"c{i}.wav;661794;{i % 4}.5;?;{'ab'[i % 2]}\n" for i in range(6))
    (tmp_path / "g.csv").write_text(header.replace(",", ";") + rows, encoding="utf-16")
    data = GtzanDataset(
        path=tmp_path / "g.csv",
        encoding="utf-16",
        sep=";",
        na_values="?",
        nonfinite="impute",
        drop_features=["mfcc1_mean"],
    ).load()
    assert data.n_tracks == 6 and data.feature_names == ("chroma_stft_mean",)
