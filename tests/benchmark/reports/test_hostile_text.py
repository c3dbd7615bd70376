"""Every text field that reaches the Markdown and HTML leaderboards is escaped.

Names, parameter values and failure reasons come from plugins and configs: a hostile
one must neither inject HTML nor break a Markdown table into other columns.
"""

from __future__ import annotations

import re

import pytest

from tests.benchmark.support import ISOLATE, SMALL, TOY, bench

NAME = "<img src=x onerror=alert(1)>|evil`*_"
VALUE = "<b>bold</b>|cell"
REASON = "<script>alert('reason')</script> | broken"
PLUGIN = f"""
from typing import Any
import numpy as np
from sklearn.base import BaseEstimator
from musicbench import hookimpl


class Named(BaseEstimator):
    required_modalities = ("audio",)

    def __init__(self, mode: str = "plain", random_state: Any = None) -> None:
        self.mode, self.random_state = mode, random_state

    def fit(self, dataset: Any) -> "Named":
        return self

    def transform(self, dataset: Any) -> np.ndarray:
        return dataset.audio[:, :3].copy()


class Failing(Named):
    def fit(self, dataset: Any) -> "Failing":
        raise RuntimeError({REASON!r})


@hookimpl
def register_encoders(register: Any) -> None:
    register({NAME!r}, Named)
    register("fails", Failing)
"""
RAW = ["<img src=x", "<script>alert(", "<b>bold"]  # the hostile strings as raw HTML (the page has scripts of its own)


@pytest.fixture(scope="module")
def boards(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    folder = tmp_path_factory.mktemp("hostile-text")
    (folder / "hostile_text.py").write_text(PLUGIN)
    config = folder / "run.toml"
    config.write_text(f'[encoders."{NAME}"]\nmode = ["{VALUE}"]\n[encoders.fails]\n[clusterers.kmeans-lite]\n')
    store = folder / "s.sqlite"
    run = bench(
        "run",
        "--config",
        config,
        "--store",
        store,
        "--plugin",
        TOY,
        "--plugin",
        folder / "hostile_text.py",
        *ISOLATE,
        *SMALL,
        "--seeds",
        "1",
        "--top",
        "0",
    )
    assert run.returncode == 1, run.stderr  # the failing encoder
    out = folder / "boards"
    made = bench("leaderboard", "--store", store, "--output", out, "--projection", "none")
    assert made.returncode == 0, made.stderr
    (md,) = out.glob("*.md")
    (page,) = out.glob("*.html")
    return md.read_text(), page.read_text()


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def test_markdown_has_no_raw_html_and_no_broken_table(boards: tuple[str, str]) -> None:
    markdown, _ = boards
    assert not any(raw in markdown for raw in RAW)
    assert "&lt;img src=x onerror=alert(1)&gt;\\|evil\\`\\*\\_" in markdown  # the name, escaped
    assert "&lt;b&gt;bold&lt;/b&gt;\\|cell" in markdown  # the parameter value
    assert "&lt;script&gt;" in markdown  # the failure reason
    for table in re.split(r"\n(?!\|)", markdown):
        rows = [line for line in table.splitlines() if line.startswith("|")]
        assert len({_unescaped_pipes(row) for row in rows}) <= 1, rows


def test_html_has_no_raw_html_from_a_name_a_value_or_a_reason(boards: tuple[str, str]) -> None:
    _, page = boards
    assert not any(raw in page for raw in RAW)
    assert "onerror=alert(1)" not in re.sub(r"&lt;img src=x onerror=alert\(1\)&gt;", "", page)
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;bold" in page
