"""The cross-dataset verdict: encoders compared over every dataset of the result stores.

Every dataset in the given stores (its most recent fingerprint) is read as its
leaderboard reads it (:func:`~musicbench.benchmark.reports.build`), by its default
ranking metric. Two comparisons of **encoders**, not of every encoder x clusterer cell:

- *fixed*: each encoder with one clusterer, KMeans with k = the number of classes (the
  runner's default for ``kmeans``), so that the encoder alone differs;
- *best*: each encoder with whichever clusterer scored best on that dataset. Picking
  the maximum over clusterers after seeing the scores is optimistic, and the more
  clusterers an encoder is paired with, the more so.

An encoder enters a comparison only where it has a score on every dataset; the
others are listed as left out, with the datasets where they are missing.

Per comparison: each encoder's raw score per dataset and its score relative to the
dataset's references, ``(score - chance) / (ceiling - chance)`` (chance: the best
cell's clusters shuffled; ceiling: the supervised classifier of
:mod:`~musicbench.benchmark.running.ceiling`), so that 0 is chance and 1 the ceiling
whatever the dataset's difficulty; the mean of that over datasets; the mean rank
(1 is best, equal scores share the average rank, Demšar 2006); the Friedman test
(``scipy.stats.friedmanchisquare``) of whether the ranks differ at all; and the
Wilcoxon signed-rank test (``scipy.stats.wilcoxon``) of every pair of encoders over
the datasets with Holm's step-down correction for the number of pairs, as Benavoli,
Corani and Mangili (2016) recommend instead of mean-rank post-hoc tests. The
critical-difference diagram (scikit-posthocs' ``critical_difference_diagram``) joins
by a bar the encoders that no corrected test separates.

J. Demšar (2006), "Statistical comparisons of classifiers over multiple data sets",
JMLR 7, 1-30. A. Benavoli, G. Corani, F. Mangili (2016), "Should we really use post-hoc
tests based on mean-ranks?", JMLR 17, 1-10. S. Holm (1979), "A simple sequentially
rejective multiple test procedure", Scandinavian Journal of Statistics 6, 65-70.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from musicbench.benchmark.reports import Leaderboard, build
from musicbench.benchmark.reports.table import Entry, dataset_runs
from musicbench.benchmark.results.store import ResultStore
from musicbench.errors import ConfigError

ALPHA = 0.05
FIXED_CLUSTERER = "kmeans"
BASELINE = "raw"
"""The control every encoder is tested against: the preprocessed features themselves,
the baseline a learned representation must beat (named before any result was seen)."""


@dataclass
class EncoderRow:
    """One encoder across the datasets of a comparison."""

    encoder: str
    clusterers: dict[str, str]
    """The clusterer whose score is shown, per dataset."""
    scores: dict[str, float]
    normalized: dict[str, float]
    """``(score - chance) / (ceiling - chance)``; NaN where a reference is missing."""
    ranks: dict[str, float] = field(default_factory=dict)
    mean_rank: float = math.nan
    probe: dict[str, float] = field(default_factory=dict)
    """The linear probe's accuracy of the primary label from the shown cell's embedding
    (NaN where the store has none): what a supervised read-out finds in it."""

    @property
    def mean_probe(self) -> float:
        values = list(self.probe.values())
        return float(np.mean(values)) if values and not any(math.isnan(v) for v in values) else math.nan

    @property
    def mean_normalized(self) -> float:
        values = [v for v in self.normalized.values() if not math.isnan(v)]
        return float(np.mean(values)) if len(values) == len(self.normalized) and values else math.nan


@dataclass
class Comparison:
    """Encoders compared over the datasets with one rule for the clusterer."""

    key: str
    """``fixed`` or ``best``."""
    title: str
    rows: list[EncoderRow]
    left_out: dict[str, list[str]]
    """Encoders without a score on every dataset: ``{encoder: [datasets where missing]}``."""
    friedman: tuple[float, float] | None = None
    """Friedman chi-square and p-value (None with fewer than 2 datasets or 3 encoders)."""
    p_values: pd.DataFrame | None = field(default=None, repr=False)
    """Raw two-sided Wilcoxon signed-rank p-values, encoders x encoders."""
    holm: pd.DataFrame | None = field(default=None, repr=False)
    """The same, Holm-adjusted over every pair (1 on the diagonal)."""
    baseline: dict[str, tuple[float, float, int, float]] = field(default_factory=dict)
    """Each other encoder against :data:`BASELINE`: raw Wilcoxon p, Holm-adjusted p over
    those k - 1 tests, how many datasets the encoder beats the baseline on, and the
    median of its score minus the baseline's (in "larger is better" sign)."""
    notes: list[str] = field(default_factory=list)

    def diagram_matrix(self) -> pd.DataFrame | None:
        """What the critical-difference diagram's bars are drawn from.

        With the baseline present: the Holm-adjusted tests against it, every other pair
        marked as not separated (it was not tested), so a bar joins the baseline to the
        encoders it is not separated from. Without it: the all-pairs Holm matrix.
        """
        if not self.baseline or self.holm is None:
            return self.holm
        matrix = pd.DataFrame(1.0, index=self.holm.index, columns=self.holm.columns)
        for encoder, (_, adjusted, _, _) in self.baseline.items():
            matrix.loc[encoder, BASELINE] = matrix.loc[BASELINE, encoder] = adjusted
        return matrix


@dataclass
class Summary:
    datasets: list[str]
    """Dataset names as shown (``name`` or ``name (store)`` when two stores share a name)."""
    metrics: dict[str, str]
    """The ranking metric of each dataset."""
    classes: dict[str, int | None]
    chance: dict[str, float | None]
    ceiling: dict[str, float | None]
    comparisons: list[Comparison]
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


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    The i-th smallest of m p-values is multiplied by ``m - i + 1``; the running
    maximum keeps the adjusted values in the same order as the raw ones.
    """
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for i, index in enumerate(order):
        running = max(running, min(1.0, (m - i) * p_values[index]))
        adjusted[index] = running
    return adjusted.tolist()


def _pick(entries: list[Entry], metric: str, higher: bool, rule: str) -> Entry | None:
    if rule == "fixed":
        # KMeans with the number of classes: its cluster count left to the runner.
        fixed = [e for e in entries if e.clusterer == FIXED_CLUSTERER and "n_clusters" not in e.clusterer_args]
        return fixed[0] if fixed else None
    scored = [e for e in entries if not math.isnan(e.mean(metric))]
    if not scored:
        return None
    return (max if higher else min)(scored, key=lambda e: (e.mean(metric), e.clusterer_label))


def _normalized(score: float, chance: float | None, ceiling: float | None) -> float:
    if chance is None or ceiling is None or not ceiling > chance:
        return math.nan
    return (score - chance) / (ceiling - chance)


def _probe_metric(lb: Leaderboard) -> str:
    primary = lb.dataset.primary_label if lb.dataset else "genre"
    return f"probe_accuracy[{primary}]"


def _compare(summary: Summary, boards: list[Leaderboard], rule: str, title: str) -> Comparison:
    shown = summary.datasets
    found: dict[str, dict[str, Entry]] = {}
    for name, lb in zip(shown, boards, strict=True):
        by_encoder: dict[str, list[Entry]] = {}
        for e in lb.entries:
            by_encoder.setdefault(e.encoder_label, []).append(e)
        for encoder, entries in by_encoder.items():
            picked = _pick(entries, lb.metric, lb.higher_is_better, rule)
            if picked is not None:
                found.setdefault(encoder, {})[name] = picked
    complete = {k: v for k, v in found.items() if len(v) == len(shown)}
    left_out = {k: [d for d in shown if d not in v] for k, v in found.items() if k not in complete}
    rows = []
    for encoder, chosen in complete.items():
        scores = {d: chosen[d].mean(lb.metric) for d, lb in zip(shown, boards, strict=True)}
        rows.append(
            EncoderRow(
                encoder,
                {d: chosen[d].clusterer_label for d in shown},
                scores,
                {d: _normalized(scores[d], summary.chance[d], summary.ceiling[d]) for d in shown},
                probe={d: chosen[d].mean(_probe_metric(lb)) for d, lb in zip(shown, boards, strict=True)},
            )
        )
    comparison = Comparison(rule, title, rows, left_out)
    if not rows:
        comparison.notes.append("No encoder has a score on every dataset, so nothing is compared across them.")
        return comparison
    higher = np.array([lb.higher_is_better for lb in boards])
    table = np.array([[r.scores[d] for d in shown] for r in rows])  # encoders x datasets
    better = np.where(higher, table, -table)  # larger is better in every column
    ranks = np.column_stack([stats.rankdata(-better[:, j]) for j in range(len(shown))])
    for i, row in enumerate(rows):
        row.ranks = dict(zip(shown, ranks[i].tolist(), strict=True))
        row.mean_rank = float(ranks[i].mean())
    order = sorted(range(len(rows)), key=lambda i: (rows[i].mean_rank, rows[i].encoder))
    comparison.rows = [rows[i] for i in order]
    better = better[order]
    if len(shown) < 2 or len(rows) < 3:
        comparison.notes.append(
            f"The Friedman and Wilcoxon tests need at least 2 datasets and 3 encoders; here {len(shown)} "
            f"dataset(s) and {len(rows)} encoder(s), so no test and no critical-difference diagram."
        )
        return comparison
    result = stats.friedmanchisquare(*better)
    comparison.friedman = (float(result.statistic), float(result.pvalue))
    _pairwise(comparison, better)
    _against_baseline(comparison, better)
    return comparison


def _against_baseline(comparison: Comparison, better: np.ndarray) -> None:
    """Every encoder against :data:`BASELINE`, Holm over those k - 1 tests (Demšar 2006, 3.2.2).

    Comparisons with a control need k - 1 tests rather than k (k - 1) / 2, so they can
    separate what the all-pairs tests cannot on few datasets; they answer the
    benchmark's own question, whether a learned representation differs from the
    features it starts from.
    """
    labels = [r.encoder for r in comparison.rows]
    if BASELINE not in labels:
        return
    b = labels.index(BASELINE)
    others = [i for i in range(len(labels)) if i != b]
    raw = [
        1.0 if not np.any(better[i] - better[b]) else float(stats.wilcoxon(better[i], better[b]).pvalue) for i in others
    ]
    adjusted = holm(raw)
    for i, p, q in zip(others, raw, adjusted, strict=True):
        difference = better[i] - better[b]
        comparison.baseline[labels[i]] = (p, q, int(np.sum(difference > 0)), float(np.median(difference)))


def _pairwise(comparison: Comparison, better: np.ndarray) -> None:
    """Wilcoxon signed-rank p-values of every pair of rows of ``better``, raw and Holm-adjusted."""
    labels = [r.encoder for r in comparison.rows]
    k, n = better.shape
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    raw = []
    for i, j in pairs:
        difference = better[i] - better[j]
        # Equal scores on every dataset: no evidence either way (scipy refuses all-zero differences).
        raw.append(1.0 if not np.any(difference) else float(stats.wilcoxon(better[i], better[j]).pvalue))
    adjusted = holm(raw)
    p_values, corrected = np.ones((k, k)), np.ones((k, k))
    for (i, j), p, q in zip(pairs, raw, adjusted, strict=True):
        p_values[i, j] = p_values[j, i] = p
        corrected[i, j] = corrected[j, i] = q
    comparison.p_values = pd.DataFrame(p_values, index=labels, columns=labels)
    comparison.holm = pd.DataFrame(corrected, index=labels, columns=labels)
    # With n datasets no exact two-sided signed-rank p-value is below 2 / 2^n; Holm's
    # first threshold is alpha / (number of pairs). Say so when no pair could pass it.
    smallest = 2.0 / 2.0**n
    if smallest > ALPHA / len(pairs):
        comparison.notes.append(
            f"With {n} datasets the smallest possible Wilcoxon p-value is {smallest:.2g}, above Holm's first "
            f"threshold {ALPHA}/{len(pairs)} = {ALPHA / len(pairs):.2g} for {k} encoders: no pair can be separated. "
            "Compare fewer encoders (bench summary --encoders) or add datasets."
        )


def summarize(stores: list[str], encoders: list[str] | None = None) -> Summary:
    """Compare the encoders (all, or those named in ``encoders``) over every dataset of ``stores``."""
    boards = sorted(_boards(stores), key=lambda b: (b[1], b[0]))  # by dataset name: the same columns every time
    counts = pd.Series([label for _, label, _ in boards]).value_counts()
    shown = [label if counts[label] == 1 else f"{label} ({Path(p).stem})" for p, label, _ in boards]
    leaderboards = [lb for _, _, lb in boards]
    if encoders:
        known = {e.encoder_label for lb in leaderboards for e in lb.entries} | {
            e.encoder for lb in leaderboards for e in lb.entries
        }
        unknown = [e for e in encoders if e not in known]
        if unknown:
            raise ConfigError(
                f"No cell of the stores has the encoder(s) {', '.join(unknown)}. Encoders there: "
                f"{', '.join(sorted(known))}."
            )
        for lb in leaderboards:
            lb.entries = [e for e in lb.entries if e.encoder in encoders or e.encoder_label in encoders]
    summary = Summary(
        shown,
        {d: lb.metric for d, lb in zip(shown, leaderboards, strict=True)},
        {d: lb.n_classes for d, lb in zip(shown, leaderboards, strict=True)},
        {d: (lb.chance[0] if lb.chance else None) for d, lb in zip(shown, leaderboards, strict=True)},
        {d: (lb.ceiling or {}).get(lb.metric) for d, lb in zip(shown, leaderboards, strict=True)},
        [],
    )
    summary.comparisons = [
        _compare(summary, leaderboards, "fixed", f"Each encoder with {FIXED_CLUSTERER} (k = number of classes)"),
        _compare(
            summary,
            leaderboards,
            "best",
            "Each encoder with its best clusterer on each dataset (optimistic: the best of several is chosen "
            "after seeing the scores)",
        ),
    ]
    missing = [d for d in shown if summary.chance[d] is None or summary.ceiling[d] is None]
    if missing:
        summary.notes.append(
            f"No normalised score on {', '.join(missing)}: its chance or ceiling reference is not in the store "
            "(the ceiling is computed by bench run; chance needs stored cluster labels)."
        )
    return summary


def cd_diagram(comparison: Comparison, n_datasets: int) -> bytes | None:
    """The critical-difference diagram of ``comparison`` as PNG bytes (None without the tests)."""
    if comparison.holm is None:
        return None
    import io

    import matplotlib

    matplotlib.use("Agg")  # headless: the picture goes to a file
    import matplotlib.pyplot as plt
    import scikit_posthocs

    ranks = pd.Series({r.encoder: r.mean_rank for r in comparison.rows})
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.3 * len(ranks)))
    matrix = comparison.diagram_matrix()
    scikit_posthocs.critical_difference_diagram(
        ranks,
        matrix,
        ax=ax,
        alpha=ALPHA,
        label_fmt_left="{label} ({rank:.2f})",
        label_fmt_right="({rank:.2f}) {label}",
    )
    tested = f"against {BASELINE} (pairs without it are not tested)" if comparison.baseline else "of every pair"
    ax.set_title(
        f"{comparison.title}: mean rank over {n_datasets} datasets. A bar joins encoders that no "
        f"Holm-corrected Wilcoxon test {tested} separates (alpha {ALPHA})",
        fontsize=8,
        wrap=True,
    )
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()
