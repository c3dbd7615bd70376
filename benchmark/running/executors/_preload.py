"""Imported once by the forkserver, so each local worker starts with these loaded.

Workers fork from the forkserver; whatever it imported is shared instead of imported
again by every worker and every replacement of a killed worker. This module loads
the worker's own code and the built-in plugins' registrations (cheap: they name their
factories); the runner adds the modules of the factories its plan uses (torch,
scikit-learn, umap) to the forkserver's preload list. A module that fails to import
is left to the worker's registry, which reports it like any broken plugin.
"""

from __future__ import annotations

import importlib

import musicbench.benchmark.running.work  # noqa: F401  (the worker's own code, numpy, the registry)
from musicbench import DEFAULT_PLUGINS

for _name in DEFAULT_PLUGINS:
    try:
        importlib.import_module(_name)
    except Exception:  # noqa: BLE001 - reported by the registry in the worker instead
        pass
