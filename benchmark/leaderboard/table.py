"""A leaderboard built from the result store alone: entries, ranks and ties.

An *entry* is an encoder with its parameters and a clusterer with its parameters;
its cells are its seeds. Only ``ok`` cells enter the averages; ``error``,
``timeout`` and ``skipped`` cells are listed apart with their reasons, never
averaged in (a failure is not a zero). When a cell was computed more than once
(another plugin version, ``--force``), the newest row counts.

Ties: entries are sorted by the mean of the ranking metric. Each entry is compared
with the *leader* of the current tie group (the best entry holding that rank) by a
two-sided paired t-test over the seeds both have (cells with the same seed share the
dataset and, for one encoder, the embedding, so seed-level pairing removes that
shared variation). If p >= 0.05 (or fewer than two common seeds and equal means) the
entry shares the leader's rank; otherwise it starts a new group with standard
competition ranking (1, 2, 2, 4). Comparing with the leader rather than the
neighbour keeps ties from chaining down the whole table through small steps. With
three seeds the test has little power: many ties are the honest outcome.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from musicbench.benchmark.hashing import canonical_json
from musicbench.benchmark.store import CellRecord, DatasetRecord, ResultStore
from musicbench.errors import ConfigError

ALPHA = 0.05


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
    p_value: float | None = None

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

    def main_metrics(self, limit: int = 9) -> list[str]:
        """The ranking metric, the primary label's other external scores, the
        reference-space internal scores (comparable across encoders), then the
        cluster count and noise fraction, which must always be visible, and the VAE
        family's active latent units."""
        primary = self.dataset.primary_label if self.dataset else "genre"
        preferred = [
            self.metric, f"ari[{primary}]", f"ami[{primary}]", f"accuracy[{primary}]",
            "silhouette@reference", "davies_bouldin@reference", "n_clusters", "noise_fraction", "active_units",
        ]  # fmt: skip
        order = [m for m in preferred if m in self.metric_names or m == self.metric]
        order += [m for m in self.metric_names if m.endswith(f"[{primary}]")]
        order += [m for m in self.metric_names if m.endswith("@reference")]
        return list(dict.fromkeys(order))[:limit]


def _paired_p(a: dict[int, float], b: dict[int, float]) -> float | None:
    seeds = sorted(set(a) & set(b))
    if len(seeds) < 2:
        return None
    diffs = np.array([a[s] - b[s] for s in seeds])
    if np.all(diffs == 0):
        return 1.0
    if np.all(diffs == diffs[0]):
        return 0.0  # a constant non-zero difference on every seed
    return float(stats.ttest_rel([a[s] for s in seeds], [b[s] for s in seeds]).pvalue)


def rank(entries: list[Entry], metric: str, higher_is_better: bool) -> list[Entry]:
    """Sort by mean and assign competition ranks, tying entries not shown different
    from their group's leader."""
    sign = -1.0 if higher_is_better else 1.0
    ordered = sorted(entries, key=lambda e: (sign * e.mean(metric), e.encoder_label, e.clusterer_label))
    leader: Entry | None = None
    for i, entry in enumerate(ordered):
        if leader is None:
            entry.rank, leader = 1, entry
            continue
        p = _paired_p(leader.values(metric), entry.values(metric))
        entry.p_value = p
        same = (p is not None and p >= ALPHA) or (p is None and leader.mean(metric) == entry.mean(metric))
        if same:
            entry.rank = leader.rank
            entry.tied = leader.tied = True
        else:
            entry.rank, leader = i + 1, entry
    return ordered


def _metric_direction(records: list[CellRecord], metric: str) -> bool:
    for record in records:
        entry = record.metrics.get(metric)
        if entry is not None:
            if entry.get("higher_is_better") is None:
                raise ConfigError(f"{metric!r} is a descriptive figure, not a quality: it cannot rank cells.")
            return bool(entry["higher_is_better"])
    known = sorted({m for r in records for m in r.metrics})
    raise ConfigError(f"No cell has the metric {metric!r}. Metrics in the store: {', '.join(known) or 'none'}.")


def build(
    store: ResultStore, dataset: str | None = None, metric: str | None = None, fingerprint: str | None = None
) -> Leaderboard:
    """The leaderboard of ``dataset`` (default: the most recently run one) by ``metric``.

    A dataset name run with several fingerprints (other parameters) uses the most
    recently run fingerprint unless ``fingerprint`` picks one.
    """
    runs = [(n, fp) for n, fp in store.datasets()
            if (dataset is None or n == dataset) and (fingerprint is None or fp == fingerprint)]  # fmt: skip
    if not runs:
        known = sorted({n for n, _ in store.datasets()})
        raise ConfigError(f"The store {store.path} has no cells for dataset {dataset!r}. Datasets in it: {', '.join(known) or 'none'}.")
    name, fingerprint = runs[0]
    latest: dict[str, CellRecord] = {}
    for record in store.records(fingerprint=fingerprint):
        latest[record.config_id] = record  # oldest first: the newest row wins
    records = list(latest.values())
    info = store.dataset(fingerprint)
    metric = metric or f"nmi[{info.primary_label if info else 'genre'}]"
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
    problems = sorted((r for r in records if r.status != "ok"), key=lambda r: (r.status, r.encoder, r.clusterer, r.seed))
    names = sorted({m for r in ok for m in r.metrics})
    return Leaderboard(name, fingerprint, info, metric, higher, rank(scored, metric, higher), unscored, problems,
                       names, max((r.created_at for r in records), default=""), len(records))  # fmt: skip
