"""User-facing errors.

Every error that bad input can cause is a :class:`MusicbenchError`. The CLI prints
its message as one paragraph and exits with status 2, without a traceback, so the
message itself must say what was wrong and what was expected.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class MusicbenchError(Exception):
    """An error caused by the user's input, configuration or plugins."""

    exit_code = 2


class DataError(MusicbenchError):
    """A dataset file that is missing, empty or malformed."""


class ConfigError(MusicbenchError):
    """A configuration value or command-line option that cannot be used."""


class PluginError(MusicbenchError):
    """A plugin that cannot be used: unknown, duplicated or broken."""


class ResourceLimitError(MusicbenchError):
    """An input too large for a plugin's memory or time budget.

    Raised by a plugin that can only tell from the data itself (for example DBSCAN,
    whose memory grows with neighbourhood sizes). The runner records the cell as
    ``skipped`` with this message as the reason, exactly like a size rule that is
    checked before fitting.
    """


class DuplicatePluginError(PluginError):
    """Two plugins that register the same name: ambiguous, so never guessed."""


class UnknownPluginError(PluginError):
    """A plugin name that no loaded plugin registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        known = sorted(known)
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        listing = ", ".join(known) if known else "none"
        super().__init__(
            f"Unknown {kind} {name!r}.{hint} Known {kind}s: {listing}. "
            "Run `bench plugins` to see every plugin and where it comes from."
        )
        self.kind = kind
        self.name = name
        self.suggestions = close
