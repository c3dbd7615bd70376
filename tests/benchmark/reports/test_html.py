"""``bench leaderboard`` and ``bench export`` on a real run's store, hostile names included."""

from __future__ import annotations

import base64
import csv
import re
import shutil

import numpy as np
import pytest

from musicbench.benchmark.results.store import ResultStore
from tests.benchmark.support import HOSTILE, ISOLATE, SMALL, TOY, bench, bench_here

HOSTILE_NAME = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("hostile")
    store = folder / "results.sqlite"
    proc = bench(
        "run",
        "--store",
        store,
        "--plugin",
        TOY,
        "--plugin",
        HOSTILE,
        *ISOLATE,
        *SMALL,
        "--encoders",
        f"{HOSTILE_NAME},pca-lite,lyrics-pca",
        "--clusterers",
        "kmeans-lite",
        "--seeds",
        "2",
    )
    assert proc.returncode == 0, proc.stderr
    return store


def test_the_leaderboard_escapes_every_name_and_embeds_its_figures(hostile_store, tmp_path):
    out = tmp_path / "boards"
    proc = bench("leaderboard", "--store", hostile_store, "--output", out)
    assert proc.returncode == 0, proc.stderr
    page = (out / "synthetic.html").read_text()
    # the page's own inline script only; the hostile name is escaped
    assert page.lower().count("<script") == 1 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<title>musicbench leaderboard: synthetic</title>" in page and "`" not in page.split("<script")[0]
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 3  # heatmap, bars, UMAP panels of the best cell
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "UMAP of the embedding" in page and "http" not in page.replace("https://", "")  # nothing fetched
    markdown = (out / "synthetic.md").read_text()
    assert "<script" not in markdown and "&lt;script&gt;" in markdown
    assert "lyrics-pca" in markdown.split("## Failed and skipped cells")[1]  # skipped, listed apart
    with open(out / "synthetic.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["encoder"] for r in rows if r["status"] == "ok"} == {HOSTILE_NAME, "pca-lite"}


def test_a_missing_cache_is_reported_in_the_page(hostile_store, tmp_path, capsys):
    cache = tmp_path / "empty-cache"
    code, _, err = bench_here(
        capsys, "leaderboard", "--store", hostile_store, "--output", tmp_path, "--cache", cache, "--projection", "pca"
    )
    assert code == 0, err
    assert "is not in the cache" in (tmp_path / "synthetic.html").read_text()


def test_png_figures_and_file_name(hostile_store, tmp_path, capsys):
    code, _, err = bench_here(
        capsys,
        "leaderboard",
        "--store",
        hostile_store,
        "--output",
        tmp_path,
        "--dataset",
        "synthetic",
        "--name",
        "mine",
        "--png",
        "--projection",
        "pca",
    )
    assert code == 0, err
    for figure in ("heatmap", "metrics", "projection"):
        assert (tmp_path / f"mine-{figure}.png").read_bytes().startswith(b"\x89PNG")
        assert f"![{figure}](mine-{figure}.png)" in (tmp_path / "mine.md").read_text()
    code, _, err = bench_here(capsys, "leaderboard", "--store", hostile_store, "--name", "x")
    assert code == 2 and "give --dataset too" in err


def test_export_writes_vectors_and_labels_by_track_id(hostile_store, tmp_path, capsys):
    store = ResultStore(hostile_store)
    [cell] = [r for r in store.records(with_labels=True) if r.encoder == "pca-lite" and r.seed == 1]
    ids = store.dataset(cell.dataset_fingerprint).track_ids
    store.close()
    code, _, err = bench_here(
        capsys, "export", tmp_path / "cell.npy", "--store", hostile_store, "--encoder", "pca-lite", "--seed", "1"
    )
    assert code == 0, err
    table = np.load(tmp_path / "cell.npy", allow_pickle=False)
    assert list(table["track_id"]) == list(ids) and np.array_equal(table["cluster"], cell.labels)
    assert table["z"].shape == (200, 4)
    code, _, err = bench_here(
        capsys, "export", tmp_path / "cell.csv", "--store", hostile_store, "--cell", cell.key[:10]
    )
    assert code == 0, err
    with open(tmp_path / "cell.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["track_id", "cluster", "z0"] and len(rows) == 201
    assert np.allclose(np.array(rows[1:], dtype=object)[:, 2:].astype(float), table["z"])
    code, _, err = bench_here(capsys, "export", tmp_path / "x.csv", "--store", hostile_store, "--encoder", "pca-lite")
    assert code == 2 and "2 cells match" in err
    bare = tmp_path / "bare" / "s.sqlite"  # a copy without the cache beside it: the fixture's store keeps its cache
    bare.parent.mkdir()
    shutil.copy(hostile_store, bare)
    code, _, err = bench_here(capsys, "export", tmp_path / "y.csv", "--store", bare, "--cell", cell.key[:10])
    assert code == 2 and "not in the cache" in " ".join(err.split())
