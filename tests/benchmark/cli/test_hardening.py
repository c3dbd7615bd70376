"""Hardening: plugins that misbehave and user numbers that make no sense (the real CLI).

Every case ends in at most one paragraph on stderr, with exit code 2 for bad input,
70 for a bug (with a crash file), and never a traceback or a bare "aborted".
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from musicbench.benchmark.results.store import ResultStore
from tests.benchmark.support import ISOLATE, PLUGIN_DIR, SMALL, TOY, bench

UNRULY = PLUGIN_DIR / "unruly.py"
MARKUP = "bad [/] markup and [torch] extra"


def _one_paragraph(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.strip().splitlines() if line.startswith("error:")]
    assert len(lines) == 1, stderr


def _run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    done = bench(
        "run",
        "--store",
        tmp_path / "s.sqlite",
        "--plugin",
        TOY,
        "--plugin",
        UNRULY,
        *ISOLATE,
        *SMALL,
        *_seeds(args),
        *args,
        cwd=tmp_path,
    )
    return done.returncode, done.stdout, done.stderr


def _seeds(args: tuple[str, ...]) -> list[str]:
    return [] if "--config" in args else ["--seeds", "1"]


def test_plugin_text_is_never_markup(tmp_path: Path) -> None:
    broken = tmp_path / "broken_import.py"
    broken.write_text(f"raise ImportError({MARKUP!r})\n")
    done = bench("plugins", "--plugin", UNRULY, "--plugin", broken, *ISOLATE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert MARKUP in done.stderr  # the load warning, literally
    assert MARKUP in " ".join(done.stdout.split())  # the table's description and the failure line
    code, _, err = _run(tmp_path, "--encoders", "markup-raiser", "--clusterers", "kmeans-lite")
    assert code == 1, err  # a failed cell, reported with its reason intact
    assert MARKUP in err and "Traceback" not in err


def test_a_raising_metric_costs_only_its_own_figure(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "--encoders", "pca-lite", "--clusterers", "kmeans-lite")
    assert code == 0, err
    (cell,) = ResultStore(tmp_path / "s.sqlite").records()
    assert cell.status == "ok"
    assert cell.metrics["broken[genre]"]["value"] is None
    assert "ZeroDivisionError" in cell.metrics["broken[genre]"]["reason"]
    assert cell.metrics["nmi[genre]"]["value"] is not None
    assert cell.metrics["silhouette@latent"]["value"] is not None


def test_cluster_labels_below_noise_fail_and_large_labels_are_kept_exactly(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "--encoders", "pca-lite", "--clusterers", "negative-labels,huge-labels")
    assert code == 1, err
    cells = {c.clusterer: c for c in ResultStore(tmp_path / "s.sqlite").records(with_labels=True)}
    assert cells["negative-labels"].status == "error"
    assert "-5" in cells["negative-labels"].reason and "-1 for noise" in cells["negative-labels"].reason
    huge = cells["huge-labels"]
    assert huge.status == "ok", huge.reason
    assert huge.labels.dtype == np.int64 and set(np.unique(huge.labels)) == {0, 2**40}


def test_plugin_output_goes_to_the_run_log_not_the_terminal(tmp_path: Path) -> None:
    code, out, err = _run(tmp_path, "--encoders", "chatty", "--clusterers", "kmeans-lite")
    assert code == 0, err
    assert "CHATTY" not in out + err
    (log,) = (tmp_path / ".musicbench" / "logs").glob("run-*.log")
    text = log.read_text()
    assert "CHATTY-STDOUT" in text and "CHATTY-STDERR" in text
    assert str(log) in " ".join(err.split())  # the summary says where it is


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--timeout", "nan"], "--timeout .* must be a finite number above 0, got nan"),
        (["--timeout", "inf"], "must be a finite number above 0, got inf"),
        (["--store", ":memory:"], "in memory only"),
        (["--store", "no/such/folder/s.sqlite"], "does not exist"),
        (["--config", "grid.toml"], "up to 20,000 cells.*--max-cells 20000"),
    ],
    ids=["timeout-nan", "timeout-inf", "memory-store", "missing-folder", "huge-grid"],
)
def test_bad_numbers_and_stores_are_refused_before_any_work(tmp_path: Path, args: list[str], expected: str) -> None:
    import re

    (tmp_path / "grid.toml").write_text(
        "seeds = 2000\n[encoders.pca-lite]\nn_components = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n[clusterers.kmeans-lite]\n"
    )
    selection = [] if "--config" in args else ["--encoders", "pca-lite", "--clusterers", "kmeans-lite"]
    # A plugin file that leaves a mark when imported: a bad number or store needs no
    # plugin to be refused, so none is imported (a grid is counted with the plugins).
    marker = tmp_path / "imported"
    (tmp_path / "marking.py").write_text(f"from pathlib import Path\nPath({str(marker)!r}).touch()\n")
    plugins = [] if "--config" in args else ["--plugin", str(tmp_path / "marking.py")]
    code, _, err = _run(tmp_path, *selection, *plugins, *args)
    assert code == 2, err
    _one_paragraph(err)
    assert re.search(expected, " ".join(err.split())), err
    assert not (tmp_path / ".musicbench").exists(), "nothing was computed or created"
    assert "--config" in args or not marker.exists(), "refused before the plugin files were imported"


def test_a_bug_is_exit_70_with_a_crash_file_and_eoferror_is_not_aborted(tmp_path: Path) -> None:
    for kind in ("runtime", "eof"):
        done = bench("datasets", "show", "crashing", "-P", f"kind={kind}", "--plugin", UNRULY, cwd=tmp_path)
        assert done.returncode == 70, done.stderr
        _one_paragraph(done.stderr)
        text = " ".join(done.stderr.split())
        assert "internal error in `bench datasets show crashing" in text and "aborted" not in text
        path = Path(text.split("The full traceback is in ")[1].split(";")[0])
        assert "Traceback" in path.read_text() and "musicbench:" in path.read_text()
        path.unlink()


def test_a_damaged_store_is_exit_2_naming_the_file(tmp_path: Path) -> None:
    code, _, err = _run(tmp_path, "--encoders", "pca-lite", "--clusterers", "kmeans-lite")
    assert code == 0, err
    store = tmp_path / "s.sqlite"
    with sqlite3.connect(store) as db:  # a damaged row: its metrics are not JSON
        db.execute("UPDATE cells SET metrics = '{not json'")
    done = bench("leaderboard", "--store", store, "--output", tmp_path / "lb", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    _one_paragraph(done.stderr)
    assert "damaged row in cells" in done.stderr and "DELETE FROM cells" in " ".join(done.stderr.split())
    raw = bytearray(store.read_bytes())  # a damaged page: the header of page 2 overwritten
    raw[4096:4196] = b"\xff" * 100
    store.write_bytes(bytes(raw))
    for path in tmp_path.glob("s.sqlite-*"):
        path.unlink()
    done = bench("leaderboard", "--store", store, "--output", tmp_path / "lb", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    _one_paragraph(done.stderr)
    assert f"{store}" in " ".join(done.stderr.split()) and ".recover" in done.stderr


def test_a_plugin_that_fails_to_import_in_a_worker_shows_its_import_error(tmp_path: Path) -> None:
    plugin = tmp_path / "worker_only_failure.py"
    plugin.write_text(
        "import multiprocessing\n"
        "if multiprocessing.parent_process() is not None:\n"
        "    raise ImportError('libfoo.so [gpu] is missing on this worker')\n"
        "from musicbench import hookimpl\n"
        "@hookimpl\n"
        "def register_metrics(register):\n"
        "    register('constant', lambda truth, pred: 0.5, scope='external', higher_is_better=True)\n"
    )
    code, _, err = _run(tmp_path, "--encoders", "pca-lite", "--clusterers", "kmeans-lite", "--plugin", str(plugin))
    assert code == 2, err
    _one_paragraph(err)
    assert "ImportError" in err and "libfoo.so [gpu] is missing on this worker" in " ".join(err.split())


def test_rows_dropped_at_load_are_reported_by_run_and_in_every_leaderboard(tmp_path: Path) -> None:
    rows = "".join(f"{'abc'[i % 3]},{'' if i % 4 == 0 else i % 7},{(i * 3) % 11}\n" for i in range(40))
    (tmp_path / "t.csv").write_text("genre,a,b\n" + rows)
    (tmp_path / "run.toml").write_text("seeds = 1\n[encoders.pca-lite]\nn_components = 2\n[clusterers.kmeans-lite]\n")
    done = bench(
        "run",
        "--dataset",
        "csv",
        "--data",
        "t.csv",
        "--store",
        "s.sqlite",
        "--plugin",
        TOY,
        *ISOLATE,
        "--config",
        "run.toml",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "dropped 10 of 40 row(s), 25.0 %" in " ".join(done.stderr.split())
    board = bench(
        "leaderboard", "--store", "s.sqlite", "--output", "lb", "--projection", "none", "--top", "0", cwd=tmp_path
    )
    assert board.returncode == 0, board.stderr
    for suffix in ("md", "html"):  # whatever the board is named after (the loader or the file)
        (page,) = (tmp_path / "lb").glob(f"*.{suffix}")
        text = " ".join(page.read_text().split())
        assert "30 of the 40 rows read were used (10 dropped, 25.0 %)" in text
