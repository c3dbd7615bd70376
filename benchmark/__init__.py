"""musicbench's benchmark runner, result store, leaderboards and ``bench`` CLI."""

from musicbench._version import __version__

__all__ = ["__version__"]
