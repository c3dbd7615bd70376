"""Ranking from a store: means over seeds, failures kept apart; a store without labels ties equal means only."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicbench.benchmark.reports import Entry, build, rank
from musicbench.benchmark.reports.text import to_csv, to_markdown
from musicbench.benchmark.results.store import CellRecord, ResultStore
from musicbench.errors import ConfigError

VALUES = {
    "a": [0.90, 0.91, 0.92],
    "b": [0.50, 0.52, 0.51],
    "c": [0.505, 0.49, 0.525],
    "d": [0.20, 0.21, 0.22],
}


def _cell(encoder: str, seed: int, value: float | None, status: str = "ok", when: str = "2026-01-01") -> CellRecord:
    metrics = (
        {}
        if status != "ok"
        else {
            "nmi[genre]": {"value": value, "higher_is_better": True},
            "silhouette@latent": {"value": 1.0 - (value or 0), "higher_is_better": True},
            "n_clusters": {"value": 6.0, "higher_is_better": None},
        }
    )
    return CellRecord(
        key=f"{encoder}-{seed}-{when}",
        config_id=f"{encoder}-{seed}",
        dataset="synthetic",
        dataset_fingerprint="fp",
        encoder=encoder,
        encoder_args={},
        encoder_params={},
        clusterer="km",
        clusterer_args={},
        clusterer_params={},
        seed=seed,
        status=status,
        reason=None if status == "ok" else "it broke",
        metrics=metrics,
        embedding_key="e",
        created_at=when,
    )


@pytest.fixture()
def store(tmp_path):  # type: ignore[no-untyped-def]
    store = ResultStore(tmp_path / "s.sqlite")
    for encoder, values in VALUES.items():
        for seed, value in enumerate(values):
            store.put(_cell(encoder, seed, value))
    store.put(_cell("d", 0, 0.99, when="2025-01-01"))  # an older row of the same cell: superseded
    store.put(_cell("e", 0, None, status="error"))
    store.put(_cell("e", 1, None, status="timeout"))
    return store


def test_ranks_means_and_ties(store):
    board = build(store)
    assert board.metric == "nmi[genre]"  # the default: never a latent-space metric
    assert [e.encoder for e in board.entries] == ["a", "b", "c", "d"]
    # no stored labels: no bootstrap, so only equal means could tie
    assert [(e.rank, e.tied) for e in board.entries] == [(1, False), (2, False), (3, False), (4, False)]
    assert "No bootstrap intervals" in board.bootstrap and math.isnan(board.entries[0].low)
    a = board.entries[0]
    assert a.mean("nmi[genre]") == pytest.approx(0.91) and a.std("nmi[genre]") == pytest.approx(0.01)
    assert board.entries[-1].mean("nmi[genre]") == pytest.approx(0.21)  # the newest rows only


def test_failures_are_listed_apart_never_averaged(store):
    board = build(store)
    assert "e" not in {e.encoder for e in board.entries}
    assert [(p.encoder, p.status, p.reason) for p in board.problems] == [
        ("e", "error", "it broke"),
        ("e", "timeout", "it broke"),
    ]
    markdown = to_markdown(board)
    assert "## Failed and skipped cells" in markdown and "| error | e | km | 0 | it broke |" in markdown
    # These cells were stored without the modalities their encoder read: "?".
    assert "| **1** | **a** | **km** | **?** | **0.910** |" in markdown
    assert "| 2 | b | km | ? |" in markdown and "paired bootstrap" in markdown and "@reference" in markdown
    rows = to_csv(board).splitlines()
    assert rows[0].startswith("rank,tied,status,encoder") and len(rows) == 1 + 4 + 2
    assert rows[-1].split(",")[2] == "timeout"


def test_other_metrics_and_refusals(store):
    latent = build(store, metric="silhouette@latent")
    assert latent.entries[0].encoder == "d" and "not comparable" in to_markdown(latent)
    with pytest.raises(ConfigError, match="descriptive"):
        build(store, metric="n_clusters")
    with pytest.raises(ConfigError, match="No cell has the metric 'ari\\[genre\\]'"):
        build(store, metric="ari[genre]")
    with pytest.raises(ConfigError, match="no cells for dataset 'gtzan'"):
        build(store, dataset="gtzan")
    assert math.isnan(latent.entries[0].std("missing"))


def test_ties_do_not_chain_past_the_group_leader():  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.01, 500)
    entries = []
    for name, shift in {"a": 0.0, "b": 0.01, "c": 0.03}.items():
        entry = Entry(name, {}, "km", {}, cells=[_cell(name, 0, 0.5 - shift)])
        entry.replicates = 0.5 - shift + noise + rng.normal(0, 0.006, 500)  # b overlaps a and c; c is below a
        entries.append(entry)
    ranked = rank(entries[::-1], "nmi[genre]", higher_is_better=True)
    assert [(e.encoder, e.rank) for e in ranked] == [("a", 1), ("b", 1), ("c", 3)]


def test_cells_are_in_seed_order_whatever_order_they_finished(tmp_path):  # type: ignore[no-untyped-def]
    # with --jobs 2 seed 2 can finish first; the files must not depend on it
    store = ResultStore(tmp_path / "order.sqlite")
    for seed, when in [(2, "2026-01-01"), (0, "2026-01-02"), (1, "2026-01-03")]:
        store.put(_cell("a", seed, 0.5, when=when))  # equal values: the best cell is a tie
    board = build(store, "synthetic")
    entry = board.entries[0]
    assert [c.seed for c in entry.cells] == [0, 1, 2]
    assert entry.best_cell("nmi[genre]", higher_is_better=True).seed == 0
    assert to_csv(board).splitlines()[1].split(",")[7] == "0 1 2"
    store.close()


@pytest.mark.parametrize(
    ("n_tracks", "expected"),
    [
        (300, []),
        (6_000, ["at most 5,000 tracks with a known label"]),
        (12_000, ["sample of 10,000 of the 12,000 tracks", "at most 5,000 tracks with a known label"]),
    ],
)
def test_a_board_says_which_figures_rest_on_a_sample(store, n_tracks, expected):  # type: ignore[no-untyped-def]
    from musicbench.benchmark.reports.text import md_escape, sample_note
    from musicbench.benchmark.results.store import DatasetRecord

    ids = np.array([f"t{i}" for i in range(n_tracks)])
    labels = {"genre": np.array(["a", "b"] * (n_tracks // 2))}
    store.put_dataset(DatasetRecord("fp", "synthetic", {}, n_tracks, "genre", ids, labels))
    board = build(store, "synthetic")
    note = sample_note(board)
    assert all(part in note for part in expected) and bool(note) == bool(expected)
    page = to_markdown(board)
    assert (md_escape(note) in page) if expected else ("Samples:" not in page)
