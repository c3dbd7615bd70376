"""Leaderboards (Markdown, CSV, HTML) generated from the result store alone."""

from musicbench.benchmark.reports.table import Entry, Leaderboard, build, rank

__all__ = ["Entry", "Leaderboard", "build", "rank"]
