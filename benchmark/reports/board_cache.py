"""The top table of a leaderboard, remembered per store state, for the no-op rerun.

``bench run`` ends with the top rows of the leaderboard, and a rerun whose cells are
all stored (:mod:`musicbench.benchmark.planning.plan_cache`) prints them too. Building
the board takes the paired bootstrap (:mod:`.resampling`: numpy, scipy, pandas and a
second of arithmetic on 28k tracks); the rows it prints are a few strings. So the
rows are kept in ``.musicbench/boards/`` beside the store, under a key over
everything the board is built from:

- the store's state for that dataset: every column of every cell row of its
  fingerprint (labels, timestamps and statuses included: a new cell, a ``--force``
  rerun or a repaired row changes it), its dataset row (names, labels) and its
  references (the ceiling);
- the dataset name and the ranking metric;
- the code (which holds the bootstrap's default resamples and seed, the only ones
  ``bench run`` and ``bench leaderboard`` use): the key of a remembered plan without a run's options
  (:func:`~musicbench.benchmark.planning.plan_cache.plan_key`: every source file of
  musicbench, the tracked libraries' versions, the installed and
  ``MUSICBENCH_PLUGINS`` plugins, ``MUSICBENCH_DISABLE``; it also covers
  ``$MUSICBENCH_DATA_DIR``'s files, which a board does not read, so a changed
  environment is a miss, never a stale table).

The rows are written whenever a board is built for a run or for ``bench leaderboard``
(under the state read before building: see :func:`remember_top`), and read only when
the key matches: a miss costs the normal build, never a stale
table. Reading imports sqlite3, json and rich, not numpy, scipy or pandas
(``tests/benchmark/reports/test_board_cache.py`` checks it).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from musicbench.benchmark.constants import state_folder

if TYPE_CHECKING:
    from musicbench.benchmark.reports.table import Leaderboard

BOARD_CACHE_FORMAT = 1
TOP_CAPTION = "=N: not separated from the best row of rank N (the 95 % interval of their paired difference contains 0)"
TopRows = dict[str, Any]
"""``dataset``, ``metric``, ``rows`` (every entry, in rank order) and ``references``
(chance, ceiling): the cells of the top table as the table shows them."""


def top_rows(lb: Leaderboard) -> TopRows:
    """Every row the top table of ``lb`` can show, as its cells' text."""
    from musicbench.benchmark.reports.text import (
        ceiling_value,
        chance_text,
        rank_text,
        ranked_cell,
        ranking_digits,
    )

    digits = ranking_digits(lb)
    rows = [
        [
            rank_text(entry),
            escape(entry.encoder_label),
            escape(entry.clusterer_label),
            ranked_cell(entry, lb.metric, digits),
            str(len(entry.cells)),
        ]
        for entry in lb.entries
    ]
    references = []
    if lb.chance is not None:
        references.append(["ref", "chance", "best cell's clusters shuffled", chance_text(lb, digits), ""])
    if (value := ceiling_value(lb, lb.metric)) is not None:
        references.append(["ref", "ceiling", "supervised gradient boosting (CV)", f"{value:.{digits}f}", ""])
    return {"dataset": lb.dataset_name, "metric": lb.metric, "rows": rows, "references": references}


def render_top(top: TopRows, n: int) -> Table:
    """The first ``n`` rows as a rich table (what ``bench run`` prints)."""
    rows = top["rows"]
    title = f"{top['dataset']}: top {min(n, len(rows))} by {top['metric']} (mean over seeds [95 % interval])"
    table = Table(title=escape(title), caption=escape(TOP_CAPTION))
    for column in ("rank", "encoder", "clusterer", top["metric"], "seeds"):
        table.add_column(escape(column))
    for row in [*rows[:n], *top["references"]]:
        table.add_row(*row)
    return table


def _update(sha: Any, rows: list[tuple[Any, ...]]) -> None:
    for row in rows:
        for value in row:
            data = value if isinstance(value, bytes) else json.dumps(value).encode()
            sha.update(b"%d:" % len(data) + data)
        sha.update(b"\n")


def store_state(store: str | os.PathLike[str], fingerprint: str) -> str | None:
    """sha256 over every row the board of ``fingerprint`` is built from (None if unreadable)."""
    sha = hashlib.sha256()
    try:
        db = sqlite3.connect(f"{Path(store).resolve().as_uri()}?mode=ro", uri=True)  # never writes
    except sqlite3.Error:
        return None
    try:
        # every column, whatever the schema version: a new column is covered by itself
        for query in (
            "SELECT * FROM cells WHERE dataset_fingerprint = ? ORDER BY key",
            "SELECT * FROM datasets WHERE fingerprint = ?",
            "SELECT * FROM dataset_references WHERE fingerprint = ? ORDER BY name",
        ):
            _update(sha, db.execute(query, (fingerprint,)).fetchall())
            sha.update(b"--\n")
    except sqlite3.Error:  # an older store without a table, a damaged file: build as usual
        return None
    finally:
        db.close()
    return sha.hexdigest()


def board_key(dataset: str, fingerprint: str, metric: str, state: str) -> str:
    """The key of a board's remembered rows; ``state`` is :func:`store_state`'s digest."""
    from musicbench.benchmark.planning.plan_cache import plan_key

    inputs = {"board": BOARD_CACHE_FORMAT, "rows": [dataset, fingerprint, metric, state]}
    return plan_key(inputs, plugin_files=(), disabled=())


def _board_file(store: str | os.PathLike[str], dataset: str, fingerprint: str, metric: str) -> Path:
    """One file per board of one store: a newer state replaces the older one instead of piling up.

    The store's file name is part of it: stores side by side share the folder, and
    with one name per board they replaced each other's rows on every run (a miss, and
    a 1.4 s rebuild of the no-op table, each time the other store was read).
    """
    board = [Path(store).name, dataset, fingerprint, metric]
    name = hashlib.sha256(json.dumps(board).encode()).hexdigest()[:32]
    return state_folder(store) / "boards" / f"{name}.json"


def load_top(
    store: str | os.PathLike[str], dataset: str, fingerprint: str, metric: str, state: str | None
) -> TopRows | None:
    """The remembered rows of this board if they were built from this ``state``
    (:func:`store_state` now) with the code as it is."""
    if state is None:
        return None
    try:
        body = json.loads(_board_file(store, dataset, fingerprint, metric).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(body, dict) or body.get("format") != BOARD_CACHE_FORMAT or not isinstance(body.get("top"), dict):
        return None
    if body.get("key") != board_key(dataset, fingerprint, metric, state):
        return None
    return body["top"]


def remember_top(store: str | os.PathLike[str], lb: Leaderboard, state: str | None) -> None:
    """Write the rows of ``lb``, built from ``store`` with the default bootstrap.

    ``state`` is :func:`store_state` taken *before* the board was built: a cell
    written meanwhile then makes the key older than the board, a key no later store
    state has, so the rows are never shown for a state they were not built from
    (taken after, a board of the older cells would be shown for the newer ones).
    Written atomically; a failure (a read-only folder) only costs the next build.
    """
    if state is None:
        return
    key = board_key(lb.dataset_name, lb.fingerprint, lb.metric, state)
    path = _board_file(store, lb.dataset_name, lb.fingerprint, lb.metric)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"format": BOARD_CACHE_FORMAT, "key": key, "top": top_rows(lb)}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only folder, a full disk
        tmp.unlink(missing_ok=True)
