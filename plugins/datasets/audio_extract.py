"""Extracting the features of a folder of audio files: parallel, cached, never stopped by one file.

Each file's result (its feature rows, or why it was skipped) is cached on disk under
a key made of the file's sha256 and every extraction parameter, so a rerun over an
unchanged folder decodes nothing and a new or changed file costs only itself.
Skips are cached too: the same bytes fail the same way.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from musicbench.hashing import file_sha256
from musicbench.plugins.datasets.audio_features import AUDIO_SUFFIXES, decode, extract_features
from musicbench.plugins.datasets.librosa_cache import ensure_ready

CACHE_FORMAT = 1
CACHE_ENV = "MUSICBENCH_AUDIO_CACHE"
DEFAULT_CACHE_DIR = Path(".musicbench") / "audio-features"
SILENCE_PEAK = 1 / 32768
"""A signal whose peak is under one 16-bit step is digital silence: no feature means anything."""


@dataclass(frozen=True)
class FileResult:
    """One file's feature rows (one per window), or the reason it was left out."""

    rows: tuple[tuple[float, ...], ...] = ()
    length: int = 0
    skipped: str | None = None


@dataclass
class Extraction:
    """The features of every usable file of a folder, and what happened to the rest."""

    results: dict[str, FileResult] = field(default_factory=dict)
    """By path relative to the folder (POSIX separators), in sorted order."""
    digests: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    extracted: int = 0
    cached: int = 0


def audio_files(root: Path) -> tuple[list[Path], list[Path]]:
    """The audio files under ``root`` and the other files, both sorted.

    Hidden files and folders, and ``.txt``/``.csv`` files (lyrics sidecars, label
    files) are neither.
    """
    audio: list[Path] = []
    other: list[Path] = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(folder) / name
            if name.startswith(".") or path.suffix.lower() in (".txt", ".csv"):
                continue
            (audio if path.suffix.lower() in AUDIO_SUFFIXES else other).append(path)
    return sorted(audio), sorted(other)


def extract_file(path: Path, params: Mapping[str, Any]) -> FileResult:
    """Decode one file and compute its feature rows; any failure becomes a skip reason."""
    sample_rate = int(params["sample_rate"])
    try:
        if path.stat().st_size == 0:
            return FileResult(skipped="empty file (0 bytes)")
        y = decode(path, sample_rate)
    except Exception as exc:  # noqa: BLE001  every decoder error means "cannot be decoded"
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return FileResult(skipped=f"cannot be decoded ({reason})")
    window = round(float(params["segment_seconds"] or params["min_seconds"]) * sample_rate)
    if len(y) < window:
        what = "one window" if params["segment_seconds"] else "the minimum duration"
        return FileResult(
            length=len(y),
            skipped=f"too short: {len(y) / sample_rate:.2f} s, shorter than {what} ({window / sample_rate:g} s)",
        )
    if not np.isfinite(y).all() or float(np.max(np.abs(y))) < SILENCE_PEAK:
        return FileResult(length=len(y), skipped="silent (no sample reaches one 16-bit step)")
    if params["segment_seconds"]:
        # Whole windows only, as GTZAN's 3 s table: a partial last window is dropped.
        pieces = [y[i : i + window] for i in range(0, len(y) - window + 1, window)]
    else:
        pieces = [y]
    rows = [extract_features(piece, sample_rate) for piece in pieces]
    if not all(np.isfinite(row).all() for row in rows):
        return FileResult(length=len(y), skipped="a feature is not finite (NaN or infinite)")
    return FileResult(rows=tuple(tuple(row.tolist()) for row in rows), length=len(y))


class FeatureCache:
    """One JSON file per (file content, parameters); written atomically."""

    def __init__(self, root: str | os.PathLike[str] | None) -> None:
        self.root = Path(root or os.environ.get(CACHE_ENV) or DEFAULT_CACHE_DIR).expanduser()

    @staticmethod
    def key(digest: str, params: Mapping[str, Any]) -> str:
        payload = json.dumps({"format": CACHE_FORMAT, "content": digest, "params": params}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> FileResult | None:
        try:
            data = json.loads(self._path(key).read_text())
            return FileResult(rows=tuple(map(tuple, data["rows"])), length=int(data["length"]), skipped=data["skipped"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # absent or unreadable: extract again

    def put(self, key: str, result: FileResult) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"rows": result.rows, "length": result.length, "skipped": result.skipped}))
        os.replace(tmp, path)


def _progress(console: Console, total: int) -> Progress:
    return Progress(
        TextColumn("[bold]audio"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=console,
        disable=not console.is_terminal or total == 0,
    )


def _compute(
    todo: Sequence[tuple[str, Path]], params: Mapping[str, Any], jobs: int
) -> Iterator[tuple[str, FileResult]]:
    if jobs <= 1 or len(todo) <= 1:
        for name, path in todo:
            yield name, extract_file(path, params)
        return
    # spawn, not fork: the parent may hold torch and BLAS threads, which fork does not survive.
    with ProcessPoolExecutor(min(jobs, len(todo)), mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(extract_file, path, dict(params)): name for name, path in todo}
        for future in as_completed(futures):
            yield futures[future], future.result()


def extract_folder(
    root: Path,
    params: Mapping[str, Any],
    *,
    jobs: int = 1,
    cache: FeatureCache,
    console: Console | None = None,
) -> Extraction:
    """Features of every audio file under ``root``, from the cache where possible.

    Every skipped file (path and reason) is printed on ``console`` as it is found,
    and a count at the end.
    """
    console = console or Console(stderr=True, width=None if sys.stderr.isatty() else 160)
    audio, other = audio_files(root)
    done = Extraction()
    for path in other:
        done.skipped[path.relative_to(root).as_posix()] = f"not an audio file (extension {path.suffix or 'none'!r})"
    todo: list[tuple[str, Path]] = []
    keys: dict[str, str] = {}
    for path in audio:
        name = path.relative_to(root).as_posix()
        try:
            done.digests[name] = file_sha256(path)
        except OSError as exc:  # a broken link, no permission: this file only
            done.skipped[name] = f"cannot be read ({exc.strerror or exc})"
            continue
        keys[name] = FeatureCache.key(done.digests[name], params)
        hit = cache.get(keys[name])
        if hit is None:
            todo.append((name, path))
        else:
            done.results[name] = hit
            done.cached += 1
    if todo:
        # librosa's compiled code, compiled by one process before the workers load it:
        # compiled by several at once, numba's cache can break for good (librosa_cache).
        if ensure_ready() == "repaired":
            console.print(
                escape(
                    "audio: librosa's compiled-code cache was inconsistent (two processes had compiled it at "
                    "once, numba issue #10128); deleted it and compiled it again."
                ),
                highlight=False,
            )
    with _progress(console, len(todo)) as progress:
        task = progress.add_task("", total=len(todo))
        for name, result in _compute(todo, params, jobs):
            cache.put(keys[name], result)
            done.results[name] = result
            done.extracted += 1
            progress.update(task, advance=1, description=name)
    done.results = dict(sorted(done.results.items()))
    for name, result in done.results.items():
        if result.skipped:
            done.skipped[name] = result.skipped
    done.skipped = dict(sorted(done.skipped.items()))
    for name, reason in done.skipped.items():
        console.print(
            f"[yellow]skipped[/] {escape(str(root / name))}: {escape(reason)}", highlight=False, soft_wrap=True
        )
    console.print(
        f"audio: {len(audio)} audio file(s) under {root}: {done.extracted} extracted, {done.cached} from the cache "
        f"({cache.root}); {len(done.skipped)} file(s) skipped.",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )
    return done
