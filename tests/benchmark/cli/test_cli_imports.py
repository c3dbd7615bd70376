"""The CLI loads only what a command needs: its module imports no heavy library.

``bench --version`` and ``--help`` should answer at once, so importing the CLI (and
every command module, which ``--help`` does to list them) must not import torch,
scikit-learn, scipy, umap or numba. Checked in a fresh interpreter, where nothing
else imported them first.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.benchmark.support import REPO

HEAVY = ("torch", "sklearn", "scipy", "umap", "numba")

_SCRIPT = """
import json, sys
{code}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def _heavy_after(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(code=code, heavy=heavy)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "code",
    [
        "import musicbench",
        "import musicbench.benchmark.cli",
        # what `bench --help` does: import every command to list its help line
        "import click\nfrom musicbench.benchmark.cli import cli\nctx = click.Context(cli)\n"
        "[cli.get_command(ctx, n) for n in cli.list_commands(ctx)]",
    ],
    ids=["musicbench", "cli", "every-command"],
)
def test_the_cli_imports_no_heavy_library(code):
    assert _heavy_after(code) == []


def test_the_check_would_see_a_heavy_import():
    assert _heavy_after("import sklearn") == ["scipy", "sklearn"]  # the guard itself can fail


@pytest.mark.parametrize("command", [["plugins"], ["datasets"], ["--help"], ["run", "--help"]])
def test_listing_imports_no_numeric_library(command):
    # The built-in plugins register their factories by name (musicbench.core), so a
    # listing imports none of them; --help does not even import numpy.
    code = f"from musicbench.benchmark.cli import main\ntry:\n    main({command!r})\nexcept SystemExit:\n    pass"
    heavy = set(_heavy_after(code, (*HEAVY, "pandas", "hdbscan", "numpy")))
    assert heavy <= ({"numpy"} if command[0] in ("plugins", "datasets") else set())
