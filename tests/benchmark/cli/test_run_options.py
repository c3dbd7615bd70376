"""``bench run``'s selection and parameter options: consistent, and refused when contradictory."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.benchmark.support import bench, bench_here


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--encoders", "pca"], "cannot be combined with --encoders"),
        (["--all", "--clusterers", "kmeans"], "cannot be combined with --clusterers"),
        (["--encoders", ""], "--encoders was given an empty list"),
        (["--clusterers", " , "], "--clusterers was given an empty list"),
        (["--encoders", "raw", "-C", "kmeans.n_init=many"], "clusterer kmeans parameter n_init: 'many'"),
        (["--encoders", "raw", "-E", "pca.n_components=2"], "does not use"),
        (["--encoders", "raw", "-P", "n_tracks=lots"], "dataset parameter n_tracks: 'lots' is not an integer"),
    ],
)
def test_contradictory_or_bad_options_exit_2_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = bench_here(capsys, "run", *args, "--store", "s.sqlite")
    assert code == 2, err
    assert message in " ".join(err.split()) and "Traceback" not in err
    assert not (tmp_path / ".musicbench").exists()


def test_plugin_parameters_on_the_command_line_make_a_grid(tmp_path: Path) -> None:
    done = bench(
        "run",
        "--encoders",
        "pca",
        "--clusterers",
        "kmeans",
        "-E",
        "pca.n_components=2,3",
        "-C",
        "kmeans.n_init=2",
        "--seeds",
        "1",
        "-P",
        "n_tracks=200",
        "--store",
        "s.sqlite",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        rows = sorted(db.execute("SELECT encoder_args, clusterer_args FROM cells"))
    assert rows == [('{"n_components": 2}', '{"n_init": 2}'), ('{"n_components": 3}', '{"n_init": 2}')]


@pytest.mark.parametrize("command", [["leaderboard"], ["export", "out.csv"], ["results", "export", "out.json"]])
def test_store_commands_accept_plugin_and_disable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = bench_here(capsys, *command, "--store", "none.sqlite", "--disable", "vae")
    assert code == 2 and "no such option" not in err.lower()
    assert "There is no result store" in err
    code, _, err = bench_here(capsys, *command, "--store", "none.sqlite", "--plugin", "nope.py")
    assert code == 2 and "The plugin file nope.py does not exist" in err


@pytest.mark.parametrize(
    ("environ", "args", "jobs"),
    [
        (None, [], "cores"),  # the CPU affinity's count
        ("3", [], 3),
        ("3", ["--jobs", "2"], 2),  # the flag wins
        ("3", ["--scheduler", "tcp://127.0.0.1:1"], 3),  # a machine-wide default is no contradiction
    ],
)
def test_musicbench_jobs_sets_the_default_number_of_workers(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environ: str | None,
    args: list[str],
    jobs: int | str,
) -> None:
    import os

    from musicbench.benchmark.running import session

    seen = []
    monkeypatch.setattr(session, "run_benchmark", lambda registry, config, options, **kw: seen.append(options) or [])
    if environ is None:
        monkeypatch.delenv("MUSICBENCH_JOBS", raising=False)
    else:
        monkeypatch.setenv("MUSICBENCH_JOBS", environ)
    code, _, err = bench_here(capsys, "run", "--encoders", "raw", "--store", str(tmp_path / "s.sqlite"), *args)
    assert code == 0, err
    assert seen[0].jobs == (len(os.sched_getaffinity(0)) if jobs == "cores" else jobs)


def test_a_bad_musicbench_jobs_is_exit_2_naming_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MUSICBENCH_JOBS", "lots")
    code, _, err = bench_here(capsys, "run", "--encoders", "raw", "--store", str(tmp_path / "s.sqlite"))
    assert code == 2 and "MUSICBENCH_JOBS='lots' is not a number of processes" in " ".join(err.split()), err
    assert "Traceback" not in err
