"""The default number of local processes: $MUSICBENCH_JOBS, else the cores this process may use."""

from __future__ import annotations

import pytest

from musicbench import workers
from musicbench.errors import ConfigError


def test_unset_or_blank_is_the_available_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MUSICBENCH_JOBS", raising=False)
    assert workers.default_jobs() == workers.available_cores() >= 1
    monkeypatch.setenv("MUSICBENCH_JOBS", "  ")
    assert workers.default_jobs() == workers.available_cores()


def test_a_positive_integer_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MUSICBENCH_JOBS", " 3 ")
    assert workers.default_jobs() == 3


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_anything_else_is_a_config_error_saying_what_to_set(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MUSICBENCH_JOBS", value)
    with pytest.raises(ConfigError, match=r"MUSICBENCH_JOBS=.* is not a number of processes: set it to a positive"):
        workers.default_jobs()
