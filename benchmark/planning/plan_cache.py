"""A plan's cell keys, remembered, so a rerun with nothing to do stops at once.

Knowing a plan's keys normally takes the registry (every plugin imported: torch,
scikit-learn, umap), the dataset (loaded or generated, then fingerprinted) and one
instance of every estimator (its class defaults are hashed). A rerun with every
cell already stored needs none of that: it only has to know the keys. This module
stores them in ``.musicbench/plans/<key>.json`` beside the result store, under a
key over everything that forms a cell key:

- the run's inputs: the ``bench run`` options that select cells (encoders,
  clusterers, seeds, dataset, its parameters and file, threads) and the content of
  the run configuration file;
- the code: every source file of the installed musicbench package (built-in plugins
  included, so a changed class default changes the key), the content of every
  ``--plugin`` / ``MUSICBENCH_PLUGINS`` file, the installed entry-point plugins and
  their versions, the disabled names, and the tracked libraries' versions (their
  class defaults are hashed too);
- the data: size and modification time of the ``--data`` file and of every file in
  ``$MUSICBENCH_DATA_DIR`` (where the built-in loaders read their default files),
  each at its absolute path (a relative path names another file in another folder).

Beyond the key, a remembered plan lists the file (path, size, modification time) of
every module the planning process had imported: the plugins, the modules they import
(an editable third-party plugin, a helper next to a plugin file) and the libraries.
Any of them changed, and the plan is built again. Only plans of built-in dataset
loaders are remembered: a third-party loader may read files this key does not cover. A miss (or any doubt) costs nothing but the normal
path: the plan is built as before, and the runner decides what to compute from the
store. So the cache can make a rerun fast, never make it skip a changed cell.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import sys
import sysconfig
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from musicbench.benchmark.constants import state_folder
from musicbench.core import DISABLE_ENV, ENTRY_POINT_GROUP, PLUGINS_ENV
from musicbench.hashing import digest, file_sha256, package_versions

PLAN_CACHE_FORMAT = 1
DATA_DIR_ENV = "MUSICBENCH_DATA_DIR"  # the built-in loaders' default folder (plugins/datasets/tables.py)


def _stat(path: str | os.PathLike[str]) -> list[Any]:
    try:
        info = os.stat(path)
    except OSError:
        return [str(path), "missing"]
    return [str(path), info.st_size, info.st_mtime_ns]


def _package_folders() -> list[Path]:
    """The folders of the musicbench package and its mapped subpackages (not imported)."""
    folders = []
    for name in ("musicbench", "musicbench.plugins", "musicbench.benchmark"):
        spec = importlib.util.find_spec(name)
        folders += [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
    return folders


def source_digest() -> str:
    """sha256 over every ``.py`` file of the installed musicbench package."""
    sha = hashlib.sha256()
    for folder in _package_folders():
        for file in sorted(folder.rglob("*.py")):
            sha.update(str(file.relative_to(folder)).encode() + b"\0" + file.read_bytes() + b"\0")
    return sha.hexdigest()


def _entry_points() -> list[list[str]]:
    points = []
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        points.append([ep.name, ep.value, dist.name if dist else "?", dist.version if dist else "?"])
    return sorted(points)


def _split(value: str | None, sep: str) -> list[str]:
    return [part for part in (value or "").split(sep) if part.strip()]


def plan_key(
    inputs: Mapping[str, Any],
    plugin_files: Sequence[str],
    disabled: Iterable[str],
    data_paths: Sequence[str | None] = (),
) -> str:
    """The plan cache key of a run: ``inputs`` are its cell-selecting options.

    ``data_paths`` are the dataset files given (``--data`` or the configuration's).
    """
    files = [*_split(os.environ.get(PLUGINS_ENV), os.pathsep), *plugin_files]
    data_dir = os.environ.get(DATA_DIR_ENV)
    data_files = sorted(Path(data_dir).iterdir()) if data_dir and Path(data_dir).is_dir() else []
    return digest(
        "musicbench-plan",
        PLAN_CACHE_FORMAT,
        dict(inputs),
        sys.version,
        package_versions(),
        source_digest(),
        [[os.path.abspath(f), file_sha256(f, missing_ok=True)] for f in files],
        sorted({*disabled, *_split(os.environ.get(DISABLE_ENV), ",")}),
        _entry_points(),
        [_stat(os.path.abspath(p)) for p in data_paths if p],
        data_dir and os.path.abspath(data_dir),
        [_stat(f) for f in data_files if f.is_file()],
    )


def module_files() -> list[list[Any]]:
    """Path, size and modification time of the file of every imported module.

    The standard library is left out: it changes only with Python, whose version is
    part of the key.
    """
    stdlib = sysconfig.get_paths()["stdlib"] + os.sep
    files = {f for m in list(sys.modules.values()) if isinstance(f := getattr(m, "__file__", None), str)}
    return sorted(_stat(f) for f in files if os.path.isabs(f) and not f.startswith(stdlib))


def plan_file(store: str | os.PathLike[str], key: str) -> Path:
    return state_folder(store) / "plans" / f"{key}.json"


def load_plan(store: str | os.PathLike[str], key: str) -> dict[str, Any] | None:
    """The remembered plan (``cells``: keys, ``dataset``, ``fingerprint``, ``primary_label``)."""
    try:
        plan = json.loads(plan_file(store, key).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(plan, dict) or plan.get("format") != PLAN_CACHE_FORMAT:
        return None
    if any(_stat(path) != [path, *rest] for path, *rest in plan.get("files", [])):
        return None  # a module the planner imported has changed since
    return plan


def save_plan(
    store: str | os.PathLike[str],
    key: str,
    cell_keys: Sequence[str],
    dataset: str,
    fingerprint: str,
    primary_label: str,
) -> None:
    """Remember a plan's cell keys (written atomically: readers never see half a file)."""
    path = plan_file(store, key)
    body = {
        "format": PLAN_CACHE_FORMAT,
        "cells": list(cell_keys),
        "dataset": dataset,
        "fingerprint": fingerprint,
        "primary_label": primary_label,
        "files": module_files(),
    }
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(body), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:  # a read-only folder, a full disk: the next rerun just builds its plan
        tmp.unlink(missing_ok=True)
