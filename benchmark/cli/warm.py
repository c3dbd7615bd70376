"""``bench warm``: compile, once per machine, the code that encoders would compile on first use.

umap-learn compiles its numba functions on a machine's first UMAP fit: 22 s here (on
2026-12-03, 2 cores), paid in the workers' start-up of the first ``bench run`` (51.4 s
instead of 32.5 s for the default grid). Compiled once here, they go to numba's on-disk
cache (:mod:`musicbench.plugins.encoders.numba_cache`), and every later process loads
them in about 2 s. The README's set-up runs this command.
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING

import click
from rich.markup import escape

from musicbench.benchmark.cli.common import out, plugin_options
from musicbench.errors import MusicbenchError

if TYPE_CHECKING:
    from collections.abc import Callable

    from musicbench import Registry


@click.command("warm")
@plugin_options
def warm(registry: Registry) -> None:
    """Compile ahead the code that encoders compile on first use (umap-learn's numba functions)."""
    from musicbench import EncoderInfo

    modules: dict[str, list[tuple[str, Callable[[], bool]]]] = {}
    for name in registry.names("encoder"):
        info = registry.get("encoder", name).info
        if isinstance(info, EncoderInfo) and info.preload and info.preload_ready is not None:
            modules.setdefault(info.preload, []).append((name, info.preload_ready))
    for module, entries in sorted(modules.items(), key=lambda item: item[0]):
        encoders = [name for name, _ in entries]
        # Asked again for each module: an earlier warm-up may have compiled this one's code too.
        if all(ready() for _, ready in entries):
            out.print(escape(f"{', '.join(encoders)}: already compiled ({module})"), highlight=False)
            continue
        start = time.perf_counter()
        # A process of its own: what it compiles goes to the disk cache, which is the point;
        # a warm-up that crashes in native code stops only itself.
        done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if done.returncode != 0:
            tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-5:])
            raise MusicbenchError(f"The warm-up of {', '.join(encoders)} ({module}) failed:\n{tail}")
        out.print(
            escape(
                f"{', '.join(encoders)}: ready in {seconds:.1f} s, compiled or loaded from numba's cache ({module})"
            ),
            highlight=False,
        )
