"""Leaderboards (Markdown, CSV, HTML) generated from the result store alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from musicbench.benchmark.reports.table import Entry, Leaderboard, build, rank

__all__ = ["Entry", "Leaderboard", "build", "rank"]


def __getattr__(name: str) -> Any:
    # Imported on first use, so that reading the board cache (reports.board_cache, on
    # the no-op rerun) does not import numpy, scipy and pandas through this package.
    if name in __all__:
        from musicbench.benchmark.reports import table

        return getattr(table, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
