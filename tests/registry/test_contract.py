"""The one contract test: every check over every registered plugin of every kind.

Entry points are included, so an installed plugin is held to the same contract as
the built-ins; ``bench plugins check`` runs exactly these checks.
"""

from __future__ import annotations

from musicbench.testing import parametrize_with_checks


@parametrize_with_checks()
def test_contract(entry, check) -> None:  # type: ignore[no-untyped-def]
    check(entry)
