"""``bench results export`` / ``import``: pooled results rebuild the same leaderboard."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.benchmark.support import bench_here


def test_export_import_and_a_leaderboard_from_the_pooled_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = bench_here(
        capsys,
        "run",
        "--encoders",
        "raw",
        "--clusterers",
        "kmeans",
        "--seeds",
        "2",
        "-P",
        "n_tracks=200",
        "--store",
        "ours.sqlite",
        "--top",
        "0",
    )
    assert code == 0, err
    code, out, err = bench_here(capsys, "results", "export", "ours.json", "--store", "ours.sqlite")
    assert code == 0 and "2 cells" in out, err
    code, out, err = bench_here(capsys, "results", "import", "ours.json", "--store", "pooled.sqlite")
    assert code == 0 and "2 cells added" in out, err
    for store in ("ours", "pooled"):
        code, _, err = bench_here(
            capsys, "leaderboard", "--store", f"{store}.sqlite", "--output", store, "--projection", "none", "--top", "0"
        )
        assert code == 0, err
    assert (tmp_path / "ours" / "synthetic.csv").read_text() == (tmp_path / "pooled" / "synthetic.csv").read_text()


def test_importing_a_file_that_is_not_one_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.json").write_text("[1, 2]")
    code, _, err = bench_here(capsys, "results", "import", "x.json", "--store", "s.sqlite")
    assert code == 2 and "not a musicbench results file" in err and "Traceback" not in err
