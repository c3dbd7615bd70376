"""A leaderboard built from the result store alone: entries, ranks and ties.

An *entry* is an encoder with its parameters and a clusterer with its parameters;
its cells are its seeds. Only ``ok`` cells enter the averages; ``error``,
``timeout`` and ``skipped`` cells are listed apart with their reasons, never
averaged in (a failure is not a zero). When a cell was computed more than once
(another plugin version, ``--force``), the newest row counts.

Ranks and ties come from a paired bootstrap over tracks on the stored cluster
labels (:mod:`.resampling`, which documents and cites the procedure): entries are
sorted by their mean over seeds, and an entry shares the rank of its group's leader
when the 95 % interval of their paired difference contains 0; otherwise it starts a
new rank (standard competition ranking: 1, 2, 2, 4). Without stored labels, or for a
metric registered without a contingency-table form, only equal means tie.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from musicbench.benchmark.constants import ranking_metric
from musicbench.benchmark.reports import resampling
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore
from musicbench.benchmark.running.evaluation import known_label_rows
from musicbench.errors import ConfigError, PluginError
from musicbench.hashing import canonical_json

if TYPE_CHECKING:
    from musicbench import Registry
    from musicbench.contracts import ContingencyForm

FAR_FROM_CLASSES = 2.0
"""An entry is flagged when its mean cluster count is more than this factor away from the class count."""


def entry_label(name: str, args: dict[str, Any]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(args.items()))
    return f"{name}({shown})" if shown else name


@dataclass
class Entry:
    """One encoder x clusterer configuration over its seeds."""

    encoder: str
    encoder_args: dict[str, Any]
    clusterer: str
    clusterer_args: dict[str, Any]
    cells: list[CellRecord] = field(default_factory=list)
    rank: int = 0
    tied: bool = False
    low: float = math.nan
    """The 95 % bootstrap interval of the ranking metric's mean over seeds (NaN without one)."""
    high: float = math.nan
    replicates: np.ndarray | None = field(default=None, repr=False)

    @property
    def encoder_label(self) -> str:
        return entry_label(self.encoder, self.encoder_args)

    @property
    def clusterer_label(self) -> str:
        return entry_label(self.clusterer, self.clusterer_args)

    @property
    def modalities(self) -> str:
        """What the encoder read, e.g. ``audio+lyrics`` (``?`` for cells stored without it)."""
        seen = {"+".join(c.modalities) for c in self.cells if c.modalities}
        return " / ".join(sorted(seen)) or "?"

    def values(self, metric: str) -> dict[int, float]:
        """``{seed: value}`` over the ok cells where ``metric`` is defined."""
        return {c.seed: float(v) for c in self.cells if (v := c.value(metric)) is not None}

    def mean(self, metric: str) -> float:
        values = list(self.values(metric).values())
        return float(np.mean(values)) if values else math.nan

    def std(self, metric: str) -> float:
        """Sample standard deviation over seeds (NaN with fewer than two)."""
        values = list(self.values(metric).values())
        return float(np.std(values, ddof=1)) if len(values) > 1 else math.nan

    def timing(self, name: str) -> float:
        values = [getattr(c, name) for c in self.cells if getattr(c, name) is not None]
        return float(np.mean(values)) if values else math.nan

    def best_cell(self, metric: str, higher_is_better: bool) -> CellRecord | None:
        scored = [c for c in self.cells if c.value(metric) is not None]
        if not scored:
            return None
        pick = max if higher_is_better else min
        return pick(scored, key=lambda c: c.value(metric))  # type: ignore[arg-type,return-value]


@dataclass
class Leaderboard:
    dataset_name: str
    fingerprint: str
    dataset: DatasetRecord | None
    metric: str
    higher_is_better: bool
    entries: list[Entry]
    unranked: list[Entry]
    problems: list[CellRecord]
    metric_names: list[str]
    newest: str
    n_cells: int
    chance: tuple[float, float] | None = None
    """Mean and 95th percentile of the ranking metric for the best cell's labels shuffled."""
    n_classes: int | None = None
    ceiling: dict[str, Any] | None = None
    """The supervised reference stored by ``bench run`` (:mod:`.ceiling`), if any."""
    bootstrap: str = ""
    """How the intervals were made (resamples, seed, tracks), or why there are none."""

    def far_from_classes(self, entry: Entry) -> bool:
        """Whether ``entry`` finds many more or many fewer clusters than there are classes."""
        found = entry.mean("n_clusters")
        if not self.n_classes or math.isnan(found):
            return False
        return found > FAR_FROM_CLASSES * self.n_classes or found < self.n_classes / FAR_FROM_CLASSES

    def main_metrics(self, limit: int = 10) -> list[str]:
        """The ranking metric, the primary label's other external scores, the linear
        probe's accuracy (what a supervised read-out finds in the embedding, beside what
        the clustering found), the reference-space internal scores (comparable across
        encoders), then the cluster count and noise fraction, which must always be
        visible, and the VAE family's active latent units."""
        primary = self.dataset.primary_label if self.dataset else "genre"
        preferred = [
            self.metric,
            f"ari[{primary}]",
            f"ami[{primary}]",
            f"accuracy[{primary}]",
            f"probe_accuracy[{primary}]",
            "silhouette@reference",
            "davies_bouldin@reference",
            "n_clusters",
            "noise_fraction",
            "active_units",
        ]
        order = [m for m in preferred if m in self.metric_names or m == self.metric]
        order += [m for m in self.metric_names if m.endswith(f"[{primary}]")]
        order += [m for m in self.metric_names if m.endswith("@reference")]
        return list(dict.fromkeys(order))[:limit]


def _same(leader: Entry, entry: Entry, metric: str) -> bool:
    if leader.replicates is None or entry.replicates is None:
        return leader.mean(metric) == entry.mean(metric)
    low, high = resampling.interval(leader.replicates - entry.replicates)
    return low <= 0.0 <= high


def rank(entries: list[Entry], metric: str, higher_is_better: bool) -> list[Entry]:
    """Sort by mean and assign competition ranks, tying entries whose paired bootstrap
    difference to their group's leader has a 95 % interval containing 0."""
    sign = -1.0 if higher_is_better else 1.0
    ordered = sorted(entries, key=lambda e: (sign * e.mean(metric), e.encoder_label, e.clusterer_label))
    leader: Entry | None = None
    for i, entry in enumerate(ordered):
        if leader is not None and _same(leader, entry, metric):
            entry.rank = leader.rank
            entry.tied = leader.tied = True
        else:
            entry.rank, leader = i + 1, entry
    return ordered


def _truth(
    info: DatasetRecord | None, records: list[CellRecord], metric: str, registry: Registry | None
) -> tuple[ContingencyForm, np.ndarray, np.ndarray] | None:
    """The metric's contingency-table form, the known-label rows and their class codes,
    or None when the bootstrap cannot recompute ``metric``."""
    entry = next((r.metrics[metric] for r in records if metric in r.metrics), None)
    if info is None or entry is None or entry.get("label") is None:
        return None
    truth = info.labels.get(str(entry.get("label")))
    if truth is None:
        return None
    known = known_label_rows(truth)
    codes = np.unique(np.asarray(truth)[known], return_inverse=True)[1].ravel()
    if not codes.size or codes.max() == 0:
        return None
    form = resampling.contingency_form(str(entry.get("metric")), registry)
    return None if form is None else (form, known, codes)


def resample(
    lb: Leaderboard,
    n_resamples: int = resampling.N_RESAMPLES,
    seed: int = resampling.BOOTSTRAP_SEED,
    registry: Registry | None = None,
) -> None:
    """Bootstrap intervals, ranks and the chance reference of ``lb`` from the stored labels.

    ``registry`` supplies the metrics' contingency-table forms
    (:func:`.resampling.contingency_form`; default: the built-in and installed metrics).
    """
    cells = [c for e in lb.entries for c in e.cells if c.value(lb.metric) is not None]
    found = None if any(c.labels is None for c in cells) else _truth(lb.dataset, cells, lb.metric, registry)
    values = None
    if found is not None:
        form, known, codes = found
        sampler = resampling.Resampler(codes, n_resamples, seed)
        try:
            values = sampler.corrected(form, [np.asarray(c.labels)[known] for c in cells])
        except PluginError as exc:  # a broken third-party form costs the intervals, not the table
            lb.bootstrap = f"No bootstrap intervals: {exc} Only equal means tie"
    if found is None or values is None:
        lb.bootstrap = lb.bootstrap or (
            f"No bootstrap intervals: {lb.metric} cannot be recomputed from the stored labels "
            "(its metric declares no contingency-table form), so only equal means tie"
        )
        lb.entries = rank(lb.entries, lb.metric, lb.higher_is_better)
        return
    lb.n_classes = int(codes.max()) + 1
    start = 0
    for entry in lb.entries:
        n = sum(1 for c in entry.cells if c.value(lb.metric) is not None)
        entry.replicates = values[start : start + n].mean(axis=0)
        entry.low, entry.high = resampling.interval(entry.replicates)
        start += n
    lb.entries = rank(lb.entries, lb.metric, lb.higher_is_better)
    if lb.entries:
        best = lb.entries[0].best_cell(lb.metric, lb.higher_is_better)
        assert best is not None and best.labels is not None
        lb.chance = resampling.chance(form, codes, np.asarray(best.labels)[known], seed=seed)
    lb.bootstrap = (
        f"paired bootstrap over the {codes.size:,} tracks with a known label: {n_resamples} resamples "
        f"drawn with numpy default_rng({seed})"
    )


def dataset_runs(store: ResultStore) -> list[tuple[str, str, str]]:
    """``(label, name, fingerprint)`` of every dataset run in ``store``, most recent first.

    The label is the dataset's name, followed by the parameters that set it apart
    when one name was run with several (a grid over ``preprocessing``):
    ``songs-preprocessing=yeo-johnson``.
    """
    runs = store.datasets()
    labels = []
    for name, fp in runs:
        same = [f for n, f in runs if n == name]
        if len(same) == 1:
            labels.append((name, name, fp))
            continue
        args = {f: (record.args.get("params", record.args) if (record := store.dataset(f)) else {}) for f in same}
        mine = args[fp] if isinstance(args[fp], dict) else {}
        differing = sorted(
            k for k in mine if any(not isinstance(a, dict) or a.get(k) != mine[k] for a in args.values())
        )
        suffix = "-".join(f"{k}={mine[k]}" for k in differing) or fp[:12]
        labels.append((f"{name}-{suffix}", name, fp))
    return labels


def _metric_direction(records: list[CellRecord], metric: str) -> bool:
    for record in records:
        entry = record.metrics.get(metric)
        if entry is not None:
            if entry.get("higher_is_better") is None:
                raise ConfigError(f"{metric!r} is a descriptive figure, not a quality: it cannot rank cells.")
            return bool(entry["higher_is_better"])
    known = sorted({m for r in records for m in r.metrics})
    raise ConfigError(f"No cell has the metric {metric!r}. Metrics in the store: {', '.join(known) or 'none'}.")


def pick_run(store: ResultStore, dataset: str | None = None, fingerprint: str | None = None) -> tuple[str, str]:
    """``(name, fingerprint)`` of the dataset run :func:`build` makes the board of.

    ``dataset`` is a name or the start of a fingerprint (default: the most recently
    run dataset). A dataset name run with several fingerprints (other parameters)
    picks the most recently run one unless ``fingerprint`` says which.
    """
    everything = store.datasets()
    by_name = any(n == dataset for n, _ in everything)
    runs = [
        (n, fp)
        for n, fp in everything
        if (dataset is None or (n == dataset if by_name else fp.startswith(dataset)))
        and (fingerprint is None or fp == fingerprint)
    ]
    if not runs:
        known = ", ".join(f"{n} ({fp[:12]})" for n, fp in everything)
        raise ConfigError(
            f"The store {store.path} has no cells for dataset {dataset!r}. Datasets in it (name and "
            f"fingerprint; --dataset takes either): {known or 'none'}."
        )
    return runs[0]


def build(
    store: ResultStore,
    dataset: str | None = None,
    metric: str | None = None,
    fingerprint: str | None = None,
    n_resamples: int = resampling.N_RESAMPLES,
    seed: int = resampling.BOOTSTRAP_SEED,
    registry: Registry | None = None,
) -> Leaderboard:
    """The leaderboard of ``dataset`` (see :func:`pick_run`) by ``metric``.

    ``registry`` holds the metrics whose contingency-table forms the bootstrap uses
    (default: built-in and installed).
    """
    name, fingerprint = pick_run(store, dataset, fingerprint)
    latest: dict[str, CellRecord] = {}
    for record in store.records(fingerprint=fingerprint, with_labels=True):
        latest[record.config_id] = record  # oldest first: the newest row wins
    records = list(latest.values())
    info = store.dataset(fingerprint)
    metric = metric or ranking_metric(info.primary_label if info else "genre")
    ok = [r for r in records if r.status == "ok"]
    higher = _metric_direction(ok, metric) if ok else True
    groups: dict[str, Entry] = {}
    for record in ok:
        key = canonical_json([record.encoder, record.encoder_args, record.clusterer, record.clusterer_args])
        if key not in groups:
            groups[key] = Entry(record.encoder, record.encoder_args, record.clusterer, record.clusterer_args)
        groups[key].cells.append(record)
    for entry in groups.values():  # by seed, not by when each finished: the same files every run
        entry.cells.sort(key=lambda cell: cell.seed)
    scored = [e for e in groups.values() if e.values(metric)]
    unscored = [e for e in groups.values() if not e.values(metric)]
    problems = sorted(
        (r for r in records if r.status != "ok"), key=lambda r: (r.status, r.encoder, r.clusterer, r.seed)
    )
    names = sorted({m for r in ok for m in r.metrics})
    board = Leaderboard(
        name,
        fingerprint,
        info,
        metric,
        higher,
        scored,
        unscored,
        problems,
        names,
        max((r.created_at for r in records), default=""),
        len(records),
    )
    board.ceiling = store.reference(fingerprint, "ceiling")
    resample(board, n_resamples, seed, registry)
    return board
