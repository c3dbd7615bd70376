"""Bad input to ``bench run`` fails before any work, in one paragraph, with exit 2."""

from __future__ import annotations

from pathlib import Path

from tests.benchmark.support import bench


def test_fewer_rows_than_clusters(tmp_path: Path) -> None:
    (tmp_path / "tiny.csv").write_text("genre,a,b\nrock,1,2\npop,3,1\nrock,2,2\npop,5,0\n")
    (tmp_path / "run.toml").write_text("[clusterers.kmeans]\nn_clusters = 10\n[encoders.raw]\n")
    done = bench(
        "run", "--dataset", "csv", "--data", "tiny.csv", "--config", "run.toml", "--store", "s.sqlite", cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot make 10 clusters of 4 rows" in done.stderr.lower()
    assert not (tmp_path / ".musicbench").exists(), "nothing was computed"


def test_unknown_encoder_suggests_and_stops(tmp_path: Path) -> None:
    done = bench("run", "--encoders", "vea", "--clusterers", "kmeans", "--store", "s.sqlite", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Did you mean 'vae'" in done.stderr
