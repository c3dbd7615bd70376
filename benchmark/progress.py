"""Run progress: a rich progress bar on a terminal, plain log lines elsewhere."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from musicbench.benchmark.plan import Cell
from musicbench.benchmark.store import CellRecord

_COLOURS = {"ok": "green", "error": "red", "timeout": "red", "skipped": "yellow"}


class Reporter:
    """Reports cells as they start and finish on ``console`` (stderr)."""

    def __init__(self, console: Console, ranking_metric: str) -> None:
        self.console = console
        self.metric = ranking_metric
        self.done = 0
        self.total = 0
        self._progress: Progress | None = None
        self._task: Any = None

    def start(self, total: int, already: int) -> None:
        self.total = total
        self.console.print(
            f"{total + already} cells: {already} already in the store, {total} to compute.", highlight=False
        )
        if self.console.is_terminal and total:
            self._progress = Progress(
                TextColumn("[bold]cells"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
                console=self.console, transient=False,
            )  # fmt: skip
            self._task = self._progress.add_task("", total=total)
            self._progress.start()

    def started(self, cell: Cell) -> None:
        if self._progress is not None:
            self._progress.update(self._task, description=escape(cell.describe()))

    def finished(self, cell: Cell, record: CellRecord) -> None:
        self.done += 1
        value = record.value(self.metric)
        shown = f" {self.metric}={value:.3f}" if value is not None else ""
        why = f": {record.reason}" if record.reason else ""
        line = (f"[{self.done}/{self.total}] {escape(cell.describe())} "
                f"[{_COLOURS[record.status]}]{record.status}[/]{escape(shown)}{escape(why)}")  # fmt: skip
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
