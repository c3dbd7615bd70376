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


def test_summary_compares_encoders_across_datasets(two_dataset_store, tmp_path):
    proc = bench("summary", "--store", two_dataset_store, "--output", tmp_path)
    assert proc.returncode == 0, proc.stderr
    markdown = (tmp_path / "summary.md").read_text()
    assert "The suite has 3 datasets" in markdown
    # Two encoders: no Friedman test and no diagram, and the summary says why.
    assert "Friedman test: not run" in markdown and not (tmp_path / "summary-cd.png").exists()
    with open(tmp_path / "summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted((r["comparison"], r["encoder"]) for r in rows) == [
        ("best", "pca"),
        ("best", "raw"),
        ("fixed", "pca"),
        ("fixed", "raw"),
    ]
    for r in rows:
        ranks = [float(v) for k, v in r.items() if k.endswith(" rank")]
        assert len(ranks) == 3 and all(rank in (1.0, 1.5, 2.0) for rank in ranks)
        if r["comparison"] == "fixed":
            assert all(v == "kmeans" for k, v in r.items() if k.endswith(" clusterer"))
    page = (tmp_path / "summary.html").read_text()
    assert page.count("<script") == 1


def test_summary_leaves_out_encoders_missing_somewhere(two_dataset_store, tmp_path):
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
    fixed, best = result.comparisons
    assert len(result.datasets) == 4 and not fixed.rows and set(fixed.left_out) == {"raw", "pca"}
    assert fixed.notes and fixed.friedman is None
    assert [r.encoder for r in best.rows] == ["raw"] and list(best.left_out) == ["pca"]


def test_summary_refuses_a_missing_store(tmp_path):
    proc = bench("summary", "--store", tmp_path / "nope.sqlite")
    assert proc.returncode == 2 and "no result store" in proc.stderr.lower()
