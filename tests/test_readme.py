"""The README's plugin section works as written: the ``bench new`` walk-through end to end
in a temporary venv, and the local-file example."""

from __future__ import annotations

import re
from pathlib import Path

from musicbench import build_registry
from musicbench.testing import run_check, tiny_dataset
from tests.speed.readme_walkthrough import run_walkthrough, walkthrough_commands

README = Path(__file__).resolve().parents[1] / "README.md"


def example(name: str) -> str:
    """The fenced block right after ``<!-- example:NAME -->``."""
    match = re.search(rf"<!-- example:{name} -->\n```\w*\n(.*?)```", README.read_text(), re.S)
    assert match, f"README.md has no example block {name!r}"
    return match.group(1)


def test_readme_plugin_file_passes_the_contract(tmp_path: Path) -> None:
    plugin = tmp_path / "my_ica.py"
    plugin.write_text(example("plugin-file"))
    registry = build_registry([plugin], entry_points=False, environ={})
    assert not registry.failures
    result = run_check(registry.get("encoder", "ica"), tiny_dataset(registry))
    assert result.status == "pass", result.detail


def test_the_walkthrough_goes_from_bench_new_to_the_leaderboard(tmp_path: Path) -> None:
    commands = walkthrough_commands(README)
    assert [c.split()[:2] for c in commands][:3] == [
        ["bench", "new"],
        ["pip", "install"],
        ["pytest", "musicbench-my-encoder/tests"],
    ]
    steps = run_walkthrough(tmp_path)
    for step in steps:
        assert step.returncode == 0, f"`{step.command}` failed:\n{step.output}"
    assert len(steps) == len(commands)
    output = {step.command.split("#")[0].strip(): step.output for step in steps}

    def of(prefix: str) -> str:
        return next(text for command, text in output.items() if command.startswith(prefix))

    assert re.search(r"\d+ passed", of("pytest musicbench-my-encoder/tests"))
    assert "1 of 1 plugins passed or were skipped; 0 failed" in of("bench plugins check my-encoder")
    show = of("bench plugins show my-encoder")
    assert "entry point: musicbench-my-encoder" in show and "version 0.1.0" in show
    assert re.search(r"│ my-encoder\s+│ kmeans", of("bench run")), of("bench run")  # ranked beside pca
