"""Plugin contract checks: they live in :mod:`musicbench.testing`.

This module re-exports them so that ``bench plugins check`` and older imports keep
working; new code imports :mod:`musicbench.testing`.
"""

from __future__ import annotations

from musicbench.testing import (
    CHECK_TRACKS,
    CHECKS,
    CheckResult,
    CheckSkipped,
    ContractError,
    check_clusterer,
    check_dataset,
    check_encoder,
    check_metric,
    problems,
    run_check,
    tiny_dataset,
    without_texts,
)

__all__ = [
    "CHECKS",
    "CHECK_TRACKS",
    "CheckResult",
    "CheckSkipped",
    "ContractError",
    "check_clusterer",
    "check_dataset",
    "check_encoder",
    "check_metric",
    "problems",
    "run_check",
    "tiny_dataset",
    "without_texts",
]
