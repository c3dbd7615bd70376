"""Run progress: a live display on a terminal, plain log lines elsewhere.

On a terminal the display shows cells done and total, elapsed time, an ETA from the
first second, and one line per worker saying what it is doing now (``fitting umap
(seed 1)``, ``kmeans on vae (seed 0)``). The ETA comes from :class:`Estimates`: how
long the same plugins took in earlier runs in the store (on the same dataset if
possible), refined by this run's own tasks as they finish, with a guess per task
kind for plugins never run before. Off a terminal each finished cell is one line.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from musicbench.benchmark.planning.plan import Cell
from musicbench.benchmark.results.store import CellRecord

_COLOURS = {"ok": "green", "error": "red", "timeout": "red", "skipped": "yellow"}

GUESS_ENCODE_S = 5.0
"""Seconds an encoder fit is assumed to take when no run of it is known."""
GUESS_CLUSTER_S = 1.0
"""Seconds a clusterer cell (clustering and metrics) is assumed to take likewise."""


class Estimates:
    """Expected seconds of encoder fits and clusterer cells, by plugin name.

    ``timings`` are :meth:`ResultStore.timings` rows; rows of the run's own dataset
    (``fingerprint``) win over rows of other datasets. Durations seen in this run
    (:meth:`observe`) replace the stored ones as they come in. A plugin never run
    before gets its ``declared`` cost (``{"encode:NAME" or "cluster:NAME": seconds}``,
    from its registered ``cost``), else a flat guess.
    """

    def __init__(
        self,
        timings: Iterable[Sequence[Any]] = (),
        fingerprint: str | None = None,
        declared: Mapping[str, float] | None = None,
    ) -> None:
        same: dict[str, list[float]] = defaultdict(list)
        other: dict[str, list[float]] = defaultdict(list)
        for dataset, encoder, clusterer, encode_s, cluster_s in timings:
            bucket = same if dataset == fingerprint else other
            bucket[f"encode:{encoder}"].append(float(encode_s))
            bucket[f"cluster:{clusterer}"].append(float(cluster_s))
        stored = {k: _mean(v) for k, v in other.items()} | {k: _mean(v) for k, v in same.items()}
        self._known = {**(declared or {}), **stored}
        self._seen: dict[str, list[float]] = defaultdict(list)

    def encode(self, encoder: str) -> float:
        return self._get(f"encode:{encoder}", GUESS_ENCODE_S)

    def cluster(self, clusterer: str) -> float:
        return self._get(f"cluster:{clusterer}", GUESS_CLUSTER_S)

    def observe(self, kind: str, name: str, seconds: float) -> None:
        """Record a finished task (``kind`` is ``encode`` or ``cluster``)."""
        self._seen[f"{kind}:{name}"].append(seconds)

    def _get(self, key: str, guess: float) -> float:
        if self._seen.get(key):
            return _mean(self._seen[key])
        return self._known.get(key, guess)


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _seconds(value: float) -> str:
    value = max(0, round(value))
    return (
        f"{value // 3600}:{value // 60 % 60:02d}:{value % 60:02d}"
        if value >= 3600
        else f"{value // 60}:{value % 60:02d}"
    )


class _EtaColumn(ProgressColumn):
    def __init__(self, reporter: Reporter) -> None:
        super().__init__()
        self.reporter = reporter

    def render(self, task: Any) -> Text:
        return Text(f"ETA {self.reporter.eta_text()}", style="progress.remaining")


class _Display(Progress):
    """The progress bar, then one line per worker."""

    def __init__(self, reporter: Reporter, *columns: Any, **kwargs: Any) -> None:
        self.reporter = reporter  # before Progress.__init__, which renders once
        super().__init__(*columns, **kwargs)

    def get_renderables(self) -> Iterable[RenderableType]:
        yield self.make_tasks_table(self.tasks)
        now = time.monotonic()
        for slot, (what, started) in enumerate(self.reporter.now_running):
            yield Text(
                f"  worker {slot + 1}: {what} ({_seconds(now - started)})",
                style="dim",
                overflow="ellipsis",
                no_wrap=True,
            )


class Reporter:
    """Reports cells as they start and finish on ``console`` (stderr)."""

    def __init__(self, console: Console, ranking_metric: str, jobs: int = 1) -> None:
        self.console = console
        self.metric = ranking_metric
        self.jobs = max(1, jobs)
        self.done = 0
        self.total = 0
        self.now_running: list[tuple[str, float]] = []
        self._work_s = 0.0  # expected seconds of work left (all workers) at _work_at
        self._work_at = time.monotonic()
        self._counting = False
        self._progress: Progress | None = None
        self._task: Any = None

    def start(self, total: int, already: int) -> None:
        self.total = total
        self.console.print(
            f"{total + already} cells: {already} already in the store, {total} to compute.", highlight=False
        )
        if self.console.is_terminal and total:
            self._progress = _Display(
                self,
                TextColumn("[bold]cells"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                _EtaColumn(self),
                console=self.console,
                transient=False,
            )
            self._task = self._progress.add_task("", total=total)
            self._progress.start()

    def started(self, cell: Cell) -> None:
        """Kept for callers of the earlier interface; the runner reports :meth:`working`."""

    def working(self, running: Sequence[tuple[str, float]], remaining_s: float) -> None:
        """What each worker does now (description, monotonic start) and the work left."""
        self.now_running = list(running)
        self._work_s, self._work_at = remaining_s, time.monotonic()
        # While no task runs (the workers are starting), the work left does not shrink.
        self._counting = bool(running)
        if self._progress is not None:
            self._progress.refresh()

    def eta_s(self) -> float:
        """Seconds until the end: the work left spread over the workers, counting down."""
        elapsed = time.monotonic() - self._work_at if self._counting else 0.0
        return max(0.0, self._work_s / self.jobs - elapsed)

    def eta_text(self) -> str:
        return _seconds(self.eta_s())

    def finished(self, cell: Cell, record: CellRecord) -> None:
        self.done += 1
        value = record.value(self.metric)
        shown = f" {self.metric}={value:.3f}" if value is not None else ""
        why = f": {record.reason}" if record.reason else ""
        line = (
            f"[{self.done}/{self.total}] {escape(cell.describe())} "
            f"[{_COLOURS[record.status]}]{record.status}[/]{escape(shown)}{escape(why)}"
        )
        if self._progress is not None:
            if record.status != "ok":
                self._progress.console.print(line, highlight=False, soft_wrap=True)
            self._progress.advance(self._task)
        else:
            self.console.print(line, highlight=False, soft_wrap=True)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
