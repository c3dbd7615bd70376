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


def _heavy_after(code: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT.format(code=code, heavy=HEAVY)],
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


def test_listing_datasets_imports_no_encoder_library():
    code = "from musicbench.benchmark.cli import main\ntry:\n    main(['datasets'])\nexcept SystemExit:\n    pass"
    assert not {"torch", "umap", "numba"} & set(_heavy_after(code))
