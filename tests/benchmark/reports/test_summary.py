"""``bench run`` over several datasets into one store, then ``bench leaderboard`` and ``bench summary``."""

from __future__ import annotations

import csv

import pytest

from musicbench.benchmark.reports.summary import summarize
from tests.benchmark.support import bench


@pytest.fixture(scope="module")
def two_dataset_store(tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("multi")
    (folder / "run.toml").write_text(
        "seeds = 2\n"
        '[[datasets]]\nname = "synthetic"\nparams = { n_tracks = [300, 400], lyrics = false }\n'
        '[[datasets]]\nname = "synthetic"\nparams = { n_tracks = 500, lyrics = false, n_genres = 4 }\n'
        "[encoders.raw]\n[encoders.pca]\n[clusterers.kmeans]\n[clusterers.gmm]\n"
    )
    proc = bench("run", "--config", folder / "run.toml", "--store", folder / "s.sqlite", "--top", "0", timeout=600)
    assert proc.returncode == 0, proc.stderr
    return folder / "s.sqlite"


def test_one_config_runs_every_dataset_and_grid_point_into_one_store(two_dataset_store, tmp_path):
    proc = bench(
        "leaderboard", "--store", two_dataset_store, "--output", tmp_path, "--projection", "none", "--top", "0"
    )
    assert proc.returncode == 0, proc.stderr
    written = sorted(p.name for p in tmp_path.glob("*.md"))
    assert len(written) == 3 and all(name.startswith("synthetic-") for name in written), written
    assert proc.stdout.count("wrote ") == 9  # a line per file: .html, .md, .csv of each


def test_summary_ranks_across_datasets_with_friedman_and_cd_diagram(two_dataset_store, tmp_path):
    proc = bench("summary", "--store", two_dataset_store, "--output", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "summary-cd.png").read_bytes().startswith(b"\x89PNG")
    markdown = (tmp_path / "summary.md").read_text()
    assert "Friedman test over 3 datasets and 4 entries: chi-square" in markdown
    with open(tmp_path / "summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 4
    ranks = [float(r["mean_rank"]) for r in rows]
    assert ranks == sorted(ranks) and sum(ranks) == pytest.approx(1 + 2 + 3 + 4)  # mean ranks of 4 entries
    for r in rows:  # every entry meets the 3 others on 3 datasets
        assert int(r["wins"]) + int(r["ties"]) + int(r["losses"]) == 9
    page = (tmp_path / "summary.html").read_text()
    assert page.count("<script") == 1 and "data:image/png;base64," in page


def test_summary_leaves_out_entries_missing_somewhere(two_dataset_store, tmp_path):
    extra = tmp_path / "extra.sqlite"
    proc = bench(
        "run",
        "--dataset",
        "synthetic",
        "-P",
        "n_tracks=300",
        "-P",
        "lyrics=false",
        "--encoders",
        "raw",
        "--clusterers",
        "agglomerative",
        "--seeds",
        "2",
        "--store",
        extra,
        "--top",
        "0",
    )
    assert proc.returncode == 0, proc.stderr
    result = summarize([str(two_dataset_store), str(extra)])
    assert "raw x agglomerative" in result.left_out and len(result.rows) == 0
    assert result.notes and result.friedman is None


def test_summary_refuses_a_missing_store(tmp_path):
    proc = bench("summary", "--store", tmp_path / "nope.sqlite")
    assert proc.returncode == 2 and "no result store" in proc.stderr.lower()
