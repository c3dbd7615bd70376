"""The HTML leaderboard in a real browser: headless Chromium at 1366 px.

The page's own script, run with ``#selftest``, measures the layout, records script
errors and sorts the table, then writes the result into the DOM, which
``chromium --dump-dom`` prints. Skipped where Chromium is not installed, except under
``CI=true``, where a missing browser fails (``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from musicbench.benchmark.reports import build
from musicbench.benchmark.reports.html import to_html
from musicbench.benchmark.results.cache import EmbeddingCache
from tests.benchmark.reports.test_resampling import _noisy, _store, _truth

BROWSER = next((b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(
    BROWSER is None and os.environ.get("CI") != "true",
    reason="headless Chromium is not installed (apt-get install chromium)",
)


def _selftest(page) -> dict:  # type: ignore[no-untyped-def]
    if BROWSER is None:
        pytest.fail("CI=true but no Chromium: .ci/run installs it with apt-get install chromium")
    done = subprocess.run(
        [
            BROWSER,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1366,900",
            "--virtual-time-budget=3000",
            "--dump-dom",
            page.as_uri() + "#selftest",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="selftest">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the page's self-test did not run (a script error?): {done.stderr[-2000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.fixture(scope="module")
def page(tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("browser")
    truth = _truth()
    # Long parameterised names and many rows: the table must scroll inside its box, not widen the page.
    labelings = {
        f"encoder-with-a-long-name(latent_dim={k}, hidden_dims=[256, 128, 64], beta={k / 10})": [
            _noisy(truth, 0.2 + k / 40, s + k * 7) for s in range(2)
        ]
        for k in range(12)
    }
    store = _store(folder / "s.sqlite", labelings, truth)
    board = build(store)
    path = folder / "board.html"
    path.write_text(
        to_html(board, store, EmbeddingCache(folder / "cache"), "none", title="browser-test"), encoding="utf-8"
    )
    return path


def test_the_page_fits_1366_px_runs_without_errors_and_sorts(page):
    report = _selftest(page)
    assert report["errors"] == []
    assert report["overflow"] is False and report["box_fits"] is True
    assert report["rows"] == 13  # 12 entries and the chance row
    assert report["ascending"] is True and report["reordered"] is True


def test_the_harness_sees_a_broken_script(page, tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(page.read_text().replace('"use strict";', '"use strict"; undefinedFunction();', 1))
    with pytest.raises(AssertionError, match="self-test did not run"):
        _selftest(broken)


def test_the_harness_sees_an_overflowing_table(page, tmp_path):
    unboxed = tmp_path / "unboxed.html"
    # without the scroll box a table wider than the window widens the page
    wide = (
        page.read_text()
        .replace("overflow: auto;", "overflow: visible;", 1)
        .replace("table {", "table { min-width: 2000px;", 1)
    )
    unboxed.write_text(wide)
    assert _selftest(unboxed)["overflow"] is True
