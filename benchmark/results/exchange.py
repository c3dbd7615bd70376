"""Shareable results: a store's cells as one versioned JSON file, and merging one back.

``bench results export --store S OUT.json`` and ``bench results import IN.json --store S``
let groups pool their results and rebuild leaderboards from the pooled store, the
way MTEB's results repository does.

The file (format ``musicbench-results``, :data:`FORMAT_VERSION` 1) is::

    {
      "format": "musicbench-results",
      "format_version": 1,
      "musicbench_version": "0.1.0",       # of the exporting musicbench
      "exported_at": "2026-...Z",           # UTC, ISO 8601
      "source": "musicbench.sqlite",        # the exported store's file name
      "datasets": [                         # one per fingerprint the cells use
        {"fingerprint": "<sha256>", "name": "spotify", "args": {...}, "n_tracks": 28356,
         "primary_label": "genre", "track_ids": ["..."], "labels": {"genre": ["..."]},
         "references": {"ceiling": {...}}}  # optional: per-dataset references (the ceiling)
      ],
      "cells": [                            # every stored cell, oldest first
        {"key": "<sha256>", "config_id": "...", "dataset": "spotify",
         "dataset_fingerprint": "<sha256>", "encoder": "pca", "encoder_args": {...},
         "encoder_params": {...}, "clusterer": "kmeans", "clusterer_args": {...},
         "clusterer_params": {...}, "seed": 0, "status": "ok", "reason": null,
         "metrics": {"nmi[genre]": {"value": 0.31, ...}}, "fitted_params": {...},
         "fit_s": 0.1, "transform_s": 0.0, "cluster_s": 0.4, "metrics_s": 0.2,
         "peak_rss_bytes": 123, "embedding_key": "...", "versions": {...},
         "created_at": "...", "schema_version": 1, "labels": [0, 3, ...] or null}
      ]
    }

Importing merges by cell key:

* a cell whose key is not in the store is added as it is;
* the same key with the same metrics, status and labels is already there: skipped;
* the same key with different content is a conflict: both rows are kept. The
  imported one gets the key ``<key>+<12 hex of its content>`` and its ``versions``
  gain ``imported_from`` (the file, its source store and export time, the original
  key), so where every row came from stays visible;
* a dataset whose name and arguments match one in the store but whose fingerprint
  differs (other source data under the same name) is refused, before anything is
  written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from musicbench import __version__
from musicbench.benchmark.results.store import JSON_COLUMNS, CellRecord, DatasetRecord, ResultStore
from musicbench.errors import DataError

FORMAT = "musicbench-results"
FORMAT_VERSION = 1
_CELL_FIELDS = {f.name: f for f in fields(CellRecord)}
_REQUIRED_CELL = ("key", "config_id", "dataset", "dataset_fingerprint", "encoder", "clusterer", "seed", "status")
_DATASET_KEYS = ("fingerprint", "name", "args", "n_tracks", "primary_label", "track_ids", "labels")


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return value


def export_results(store: ResultStore, source: str = "") -> dict[str, Any]:
    """Every cell of ``store`` and the datasets they use, as the documented JSON object."""
    records = store.records(with_labels=True)
    datasets = []
    for fingerprint in dict.fromkeys(r.dataset_fingerprint for r in records):
        found = store.dataset(fingerprint)
        if found is None:
            continue  # cells of a dataset the store never described: exported without it
        datasets.append(
            {
                "fingerprint": found.fingerprint,
                "name": found.name,
                "args": found.args,
                "n_tracks": found.n_tracks,
                "primary_label": found.primary_label,
                "track_ids": found.track_ids.astype(str).tolist(),
                "labels": {k: v.astype(str).tolist() for k, v in found.labels.items()},
                # The leaderboard shows them: a pooled store must rebuild the same page.
                "references": store.references(fingerprint),
            }
        )
    cells = [{name: _jsonable(getattr(r, name)) for name in _CELL_FIELDS} for r in records]
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "musicbench_version": __version__,
        "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "source": source,
        "datasets": datasets,
        "cells": cells,
    }


def write_results(store: ResultStore, path: Path) -> int:
    """Write the export of ``store`` to ``path``; return the number of cells."""
    data = export_results(store, source=store.path.name)
    path.write_text(json.dumps(data, sort_keys=True, allow_nan=False, default=str), encoding="utf-8")
    return len(data["cells"])


def read_results(path: Path) -> dict[str, Any]:
    """Read and validate an exported file; every problem names the file and the entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"The results file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"The results file {path} is not valid JSON: {exc}.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise DataError(
            f'{path} is not a musicbench results file (no "format": "{FORMAT}"). Make one with `bench results export`.'
        )
    if data.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"{path} has format_version {data.get('format_version')!r}; this musicbench reads "
            f"version {FORMAT_VERSION}. Export it again with a matching musicbench."
        )
    for section in ("datasets", "cells"):
        if not isinstance(data.get(section), list):
            raise DataError(f'{path}: "{section}" must be a list.')
    for i, entry in enumerate(data["datasets"]):
        missing = [k for k in _DATASET_KEYS if not isinstance(entry, dict) or k not in entry]
        if missing:
            raise DataError(f"{path}: datasets[{i}] lacks {', '.join(missing)}.")
        n = entry["n_tracks"]
        columns = {"track_ids": entry["track_ids"], **(entry["labels"] if isinstance(entry["labels"], dict) else {})}
        if not isinstance(entry["labels"], dict) or any(
            not isinstance(c, list) or len(c) != n for c in columns.values()
        ):
            raise DataError(
                f"{path}: datasets[{i}] ({entry['name']!r}): track_ids and every label column must "
                f"be lists of n_tracks = {n} entries."
            )
    for i, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            raise DataError(f"{path}: cells[{i}] must be an object.")
        missing = [k for k in _REQUIRED_CELL if k not in cell]
        unknown = sorted(set(cell) - set(_CELL_FIELDS))
        if missing or unknown:
            what = f"lacks {', '.join(missing)}" if missing else f"has unknown field(s) {', '.join(unknown)}"
            raise DataError(f"{path}: cells[{i}] {what}.")
    return data


@dataclass
class ImportSummary:
    """What ``import_results`` did."""

    added: int = 0
    skipped: int = 0
    conflicts: int = 0
    datasets: int = 0


def _record(path: Path, i: int, cell: Mapping[str, Any]) -> CellRecord:
    values = dict(cell)
    labels = values.pop("labels", None)
    try:
        record = CellRecord(**values)
        record.labels = None if labels is None else np.asarray(labels, dtype=np.int32)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{path}: cells[{i}] cannot be read: {exc}.") from None
    for name, kind in JSON_COLUMNS.items():
        value = getattr(record, name)
        if kind is dict and not isinstance(value, dict):
            raise DataError(f"{path}: cells[{i}].{name} must be an object.")
        if kind is list and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            raise DataError(f"{path}: cells[{i}].{name} must be a list of names.")
    return record


def _same(a: CellRecord, b: CellRecord) -> bool:
    def labels(r: CellRecord) -> list[int] | None:
        return None if r.labels is None else np.asarray(r.labels).tolist()

    return (a.status, a.metrics, labels(a)) == (b.status, b.metrics, labels(b))


def _content_hash(record: CellRecord) -> str:
    content = {
        "metrics": record.metrics,
        "status": record.status,
        "created_at": record.created_at,
        "labels": None if record.labels is None else np.asarray(record.labels).tolist(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:12]


def import_results(store: ResultStore, path: Path) -> ImportSummary:
    """Merge the results file ``path`` into ``store`` (rules in the module docstring)."""
    data = read_results(path)
    known = {
        (d.name, json.dumps(d.args, sort_keys=True)): d.fingerprint
        for d in filter(None, (store.dataset(fp) for _, fp in store.datasets()))
    }
    incoming = []
    for i, entry in enumerate(data["datasets"]):
        ident = (entry["name"], json.dumps(entry["args"], sort_keys=True, default=str))
        if ident in known and known[ident] != entry["fingerprint"]:
            raise DataError(
                f"{path}: datasets[{i}] {entry['name']!r} with the same arguments has fingerprint "
                f"{entry['fingerprint'][:12]}... but the store {store.path} has {known[ident][:12]}...: the two were "
                "computed on different source data. Nothing was imported; use another --store for these results."
            )
        incoming.append(
            DatasetRecord(
                entry["fingerprint"],
                entry["name"],
                entry["args"],
                int(entry["n_tracks"]),
                entry["primary_label"],
                np.asarray(entry["track_ids"], dtype=str),
                {k: np.asarray(v, dtype=str) for k, v in entry["labels"].items()},
            )
        )
    records = [_record(path, i, cell) for i, cell in enumerate(data["cells"])]
    summary = ImportSummary(datasets=len(incoming))
    for dataset in incoming:
        if store.dataset(dataset.fingerprint) is None:
            store.put_dataset(dataset)
    for entry in data["datasets"]:  # files from before references were exported have none
        for name, value in (entry.get("references") or {}).items():
            if store.reference(entry["fingerprint"], name) is None:
                store.put_reference(entry["fingerprint"], name, value)
    provenance = {"file": path.name, "source": data.get("source", ""), "exported_at": data.get("exported_at", "")}
    for record in records:
        existing = store.record(record.key, with_labels=True)
        if existing is None:
            store.put(record)
            summary.added += 1
        elif _same(existing, record):
            summary.skipped += 1
        else:
            original = record.key
            record.key = f"{original}+{_content_hash(record)}"
            record.versions = {**record.versions, "imported_from": {**provenance, "original_key": original}}
            if store.record(record.key, with_labels=False) is None:
                store.put(record)
                summary.conflicts += 1
            else:
                summary.skipped += 1  # this very conflict was imported before
    return summary
