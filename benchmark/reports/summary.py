"""A cross-dataset summary of the leaderboards in one or more result stores.

Every dataset in the given stores (its most recent fingerprint) is ranked as its
leaderboard ranks it, by the default ranking metric with the paired-bootstrap ties
of :mod:`musicbench.benchmark.reports.resampling`. An *entry* (encoder and
clusterer with their parameters) enters the summary only where it has a score on
every included dataset; the others are listed as left out.

For each entry: its score per dataset, its mean rank over datasets (rank 1 is best,
average ranks for equal scores, as Demšar 2006 prescribes), and a win/tie/loss count
against every other entry over the datasets, where a *tie* is a shared leaderboard
rank (the bootstrap could not separate them). Over all entries: the Friedman test
(``scipy.stats.friedmanchisquare``) of whether the mean ranks differ at all, and the
Nemenyi post-hoc test with its critical-difference diagram (scikit-posthocs'
``posthoc_nemenyi_friedman`` and ``critical_difference_diagram``): entries joined by
a bar are not significantly different at alpha = 0.05.

J. Demšar (2006), "Statistical comparisons of classifiers over multiple data sets",
Journal of Machine Learning Research 7, 1-30.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from musicbench.benchmark.reports import Leaderboard, build
from musicbench.benchmark.reports.table import dataset_runs
from musicbench.benchmark.results.store import ResultStore
from musicbench.errors import ConfigError

ALPHA = 0.05


@dataclass
class SummaryRow:
    """One entry across the datasets."""

    encoder: str
    clusterer: str
    scores: dict[str, float]
    ranks: dict[str, float]
    mean_rank: float = math.nan
    wins: int = 0
    ties: int = 0
    losses: int = 0

    @property
    def label(self) -> str:
        return f"{self.encoder} x {self.clusterer}"


@dataclass
class Summary:
    datasets: list[str]
    """Dataset names as shown (``name`` or ``name (store)`` when two stores share a name)."""
    metrics: dict[str, str]
    """The ranking metric of each dataset."""
    rows: list[SummaryRow]
    left_out: dict[str, list[str]]
    """Entries without a score on every dataset: ``{label: [datasets where missing]}``."""
    friedman: tuple[float, float] | None = None
    """Friedman chi-square statistic and p-value (None with fewer than 2 datasets or 3 entries)."""
    nemenyi: pd.DataFrame | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)


def _boards(stores: list[str]) -> list[tuple[str, str, Leaderboard]]:
    boards: list[tuple[str, str, Leaderboard]] = []
    for path in stores:
        if not Path(path).is_file():
            raise ConfigError(f"There is no result store at {path}: check the --store path or run `bench run` first.")
        store = ResultStore(path)
        boards += [(path, label, build(store, name, fingerprint=fp)) for label, name, fp in dataset_runs(store)]
        store.close()
    if not boards:
        raise ConfigError(f"The stores {', '.join(stores)} have no cells yet: run `bench run` first.")
    return boards


def summarize(stores: list[str]) -> Summary:
    """Rank every entry across every dataset of ``stores``."""
    boards = _boards(stores)
    counts = pd.Series([label for _, label, _ in boards]).value_counts()
    shown = [label if counts[label] == 1 else f"{label} ({Path(p).stem})" for p, label, _ in boards]
    boards_only = [lb for _, _, lb in boards]
    per_entry: dict[tuple[str, str], dict[str, tuple[float, int]]] = {}
    for name, lb in zip(shown, boards_only, strict=True):
        for e in lb.entries:
            per_entry.setdefault((e.encoder_label, e.clusterer_label), {})[name] = (e.mean(lb.metric), e.rank)
    complete = {k: v for k, v in per_entry.items() if len(v) == len(shown)}
    left_out = {f"{k[0]} x {k[1]}": [d for d in shown if d not in v] for k, v in per_entry.items() if k not in complete}
    higher = [lb.higher_is_better for lb in boards_only]
    rows = [SummaryRow(k[0], k[1], {d: v[d][0] for d in shown}, {}) for k, v in complete.items()]
    summary = Summary(shown, {d: lb.metric for d, lb in zip(shown, boards_only, strict=True)}, rows, left_out)
    if not rows:
        summary.notes.append("No entry has a score on every dataset, so nothing is ranked across them.")
        return summary
    scores = np.array([[r.scores[d] for d in shown] for r in rows])  # entries x datasets
    signed = np.where(higher, -scores, scores)  # smaller is better in every column
    ranks = np.column_stack([stats.rankdata(signed[:, j]) for j in range(len(shown))])
    board_ranks = np.array([[complete[(r.encoder, r.clusterer)][d][1] for d in shown] for r in rows])
    for i, row in enumerate(rows):
        row.ranks = dict(zip(shown, ranks[i].tolist(), strict=True))
        row.mean_rank = float(ranks[i].mean())
        others = np.delete(board_ranks, i, axis=0)
        row.wins = int((others > board_ranks[i]).sum())
        row.ties = int((others == board_ranks[i]).sum())
        row.losses = int((others < board_ranks[i]).sum())
    rows.sort(key=lambda r: (r.mean_rank, r.label))
    if len(shown) >= 2 and len(rows) >= 3:
        ordered = np.array([[r.scores[d] * (-1 if h else 1) for d, h in zip(shown, higher, strict=True)] for r in rows])
        result = stats.friedmanchisquare(*ordered)
        summary.friedman = (float(result.statistic), float(result.pvalue))
        import scikit_posthocs

        # Blocks (datasets) in rows, groups (entries) in columns; the test is symmetric
        # in direction, so the signed scores rank the same way as the mean ranks above.
        frame = pd.DataFrame(ordered.T, columns=[r.label for r in rows])
        summary.nemenyi = scikit_posthocs.posthoc_nemenyi_friedman(frame)
    else:
        summary.notes.append(
            f"The Friedman and Nemenyi tests need at least 2 datasets and 3 entries; here {len(shown)} "
            f"dataset(s) and {len(rows)} entries, so no test and no critical-difference diagram."
        )
    return summary


def cd_diagram(summary: Summary) -> bytes | None:
    """The critical-difference diagram as PNG bytes (None without the Nemenyi test)."""
    if summary.nemenyi is None:
        return None
    import io

    import matplotlib

    matplotlib.use("Agg")  # headless: the picture goes to a file
    import matplotlib.pyplot as plt
    import scikit_posthocs

    ranks = pd.Series({r.label: r.mean_rank for r in summary.rows})
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.28 * len(ranks)))
    scikit_posthocs.critical_difference_diagram(
        ranks,
        summary.nemenyi,
        ax=ax,
        alpha=ALPHA,
        label_fmt_left="{label} ({rank:.2f})",
        label_fmt_right="({rank:.2f}) {label}",
    )
    ax.set_title(
        f"Mean rank over {len(summary.datasets)} datasets (Nemenyi, alpha {ALPHA}): a bar joins entries "
        "not significantly different",
        fontsize=9,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
