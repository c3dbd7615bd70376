"""The result store: one SQLite database, one row per cell.

SQLite (standard library) in WAL mode with a busy timeout, so several ``bench run``
processes can share one store: every write is its own short ``BEGIN IMMEDIATE``
transaction, and a cell is written with ``INSERT OR REPLACE`` on its key, so two
runs computing the same cell leave one row. Each finished cell is committed at once,
which is what makes a killed run lose nothing it finished.

A row carries the dataset, encoder and clusterer with their parameters, the seed,
the status (``ok``/``error``/``timeout``/``skipped``) and reason, every metric,
the timings, the peak memory, the package and plugin versions, the time and the
schema version. The cluster labels are kept too (compressed, no pickle), and each
dataset's track ids and ground-truth labels once per fingerprint, so leaderboards
and ``bench export`` need nothing but the store (and the cache for embeddings).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from musicbench.benchmark.constants import DEFAULT_STORE
from musicbench.errors import ConfigError, DataError

SCHEMA_VERSION = 2  # 2: cells record the modalities their encoder read
STATUSES = ("ok", "error", "timeout", "skipped")
BUSY_TIMEOUT_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS datasets (
    fingerprint TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    n_tracks INTEGER NOT NULL,
    primary_label TEXT NOT NULL,
    arrays BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS cells (
    key TEXT PRIMARY KEY,
    config_id TEXT NOT NULL,
    dataset TEXT NOT NULL,
    dataset_fingerprint TEXT NOT NULL,
    encoder TEXT NOT NULL,
    encoder_args TEXT NOT NULL,
    encoder_params TEXT NOT NULL,
    clusterer TEXT NOT NULL,
    clusterer_args TEXT NOT NULL,
    clusterer_params TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error', 'timeout', 'skipped')),
    reason TEXT,
    metrics TEXT NOT NULL,
    fitted_params TEXT NOT NULL,
    fit_s REAL, transform_s REAL, cluster_s REAL, metrics_s REAL,
    peak_rss_bytes INTEGER,
    embedding_key TEXT NOT NULL,
    versions TEXT NOT NULL,
    created_at TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    modalities TEXT NOT NULL,
    labels BLOB
);
CREATE INDEX IF NOT EXISTS cells_dataset ON cells (dataset, dataset_fingerprint);
CREATE TABLE IF NOT EXISTS dataset_references (
    fingerprint TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (fingerprint, name)
);
"""

JSON_COLUMNS: dict[str, type] = {
    "encoder_args": dict,
    "encoder_params": dict,
    "clusterer_args": dict,
    "clusterer_params": dict,
    "metrics": dict,
    "fitted_params": dict,
    "versions": dict,
    "modalities": list,
}
"""The cell columns stored as JSON, and the type each holds (results import checks it)."""
_JSON_COLUMNS = tuple(JSON_COLUMNS)


@dataclass
class CellRecord:
    """One stored cell. ``metrics`` maps a result name to ``{"value", "higher_is_better",
    "metric", "label", "space", "reason"}`` with ``value`` ``None`` when undefined."""

    key: str
    config_id: str
    dataset: str
    dataset_fingerprint: str
    encoder: str
    encoder_args: dict[str, Any]
    encoder_params: dict[str, Any]
    clusterer: str
    clusterer_args: dict[str, Any]
    clusterer_params: dict[str, Any]
    seed: int
    status: str
    reason: str | None
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    fitted_params: dict[str, Any] = field(default_factory=dict)
    """What the clusterer chose while fitting (DBSCAN's automatic ``eps``)."""
    fit_s: float | None = None
    transform_s: float | None = None
    cluster_s: float | None = None
    metrics_s: float | None = None
    peak_rss_bytes: int | None = None
    embedding_key: str = ""
    versions: dict[str, Any] = field(default_factory=dict)
    created_at: str = ""
    schema_version: int = SCHEMA_VERSION
    modalities: list[str] = field(default_factory=list)
    """The modalities the encoder read (``audio``, ``lyrics``, ``context``...)."""
    labels: np.ndarray | None = None

    def value(self, metric: str) -> float | None:
        entry = self.metrics.get(metric)
        return None if entry is None else entry.get("value")


@dataclass(frozen=True)
class DatasetRecord:
    """What the store keeps of a dataset: enough to label plots and export rows."""

    fingerprint: str
    name: str
    args: dict[str, Any]
    n_tracks: int
    primary_label: str
    track_ids: np.ndarray
    labels: dict[str, np.ndarray]


def pack_arrays(**arrays: np.ndarray) -> bytes:
    """Compressed ``.npz`` bytes (no pickle: object arrays are stored as unicode)."""
    buffer = io.BytesIO()
    plain = {k: (v.astype(str) if v.dtype == object else v) for k, v in arrays.items()}
    np.savez_compressed(buffer, **plain)  # type: ignore[arg-type]  # numpy's stub reads **kwds as allow_pickle
    return buffer.getvalue()


def unpack_arrays(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def _damaged(path: Path, exc: BaseException) -> DataError:
    """The one message for a store SQLite cannot read or write."""
    text = " ".join(str(exc).split())
    if any(s in text for s in ("disk is full", "disk I/O error", "readonly", "read-only", "unable to open")):
        return DataError(
            f"The result store {path} could not be written ({text}). Every cell finished before this is "
            "stored; free disk space or fix the permissions, then run the same command again to go on."
        )
    return DataError(
        f"The result store {path} is damaged ({type(exc).__name__}: {text}). Recover what is readable with "
        f"`sqlite3 {path} .recover | sqlite3 recovered.sqlite` and pass --store recovered.sqlite, or move "
        "the file aside and run again (its cells are recomputed)."
    )


def _guarded(method: Any) -> Any:
    """Turn SQLite's errors on a damaged or full store into one :class:`DataError`."""

    @functools.wraps(method)
    def wrapper(self: ResultStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    return wrapper


def check_store_path(path: Path) -> None:
    """Refuse, before any work, a store that cannot persist or cannot be written."""
    text = str(path)
    if text in ("", ":memory:") or text.startswith("file:") or "mode=memory" in text:
        raise ConfigError(
            f"--store {text or repr(text)} would keep the results in memory only and lose them when the "
            "command ends. Give a file path, for example --store results.sqlite."
        )
    if path.is_dir():
        raise ConfigError(
            f"The result store {path} is a folder; give a file path such as {path / 'musicbench.sqlite'}."
        )
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"The folder of the result store {path} does not exist; create it or pass another --store.")
    # SQLite in WAL mode writes <store>-wal and <store>-shm beside the file.
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(
            f"The result store {path} cannot be written (no write permission on the file or its folder "
            f"{folder}). Pass --store with a path in a writable folder."
        )


class ResultStore:
    """A SQLite result store at ``path`` (created on first use)."""

    def __init__(self, path: str | os.PathLike[str] = DEFAULT_STORE) -> None:
        self.path = Path(path)
        check_store_path(self.path)
        try:
            # isolation_level=None: transactions are explicit, one per write.
            self._db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._create()
        except sqlite3.DatabaseError as exc:
            raise _damaged(self.path, exc) from None

    def _create(self) -> None:
        with self._transaction():
            for statement in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(statement)
            row = self._db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                self._db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] != SCHEMA_VERSION:
                raise ConfigError(
                    f"The result store {self.path} has schema version {row[0]}, this musicbench "
                    f"reads version {SCHEMA_VERSION}. Use another --store or the matching musicbench."
                )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        # BEGIN IMMEDIATE takes the write lock at once, so two writers queue on the busy
        # timeout instead of failing half-way through a transaction.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    # -- writing ---------------------------------------------------------------
    @_guarded
    def put_dataset(self, record: DatasetRecord) -> None:
        arrays = pack_arrays(track_ids=record.track_ids, **{f"label:{k}": v for k, v in record.labels.items()})
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO datasets VALUES (?, ?, ?, ?, ?, ?)",
                (
                    record.fingerprint,
                    record.name,
                    json.dumps(record.args, sort_keys=True, default=str),
                    record.n_tracks,
                    record.primary_label,
                    arrays,
                ),
            )

    def put_reference(self, fingerprint: str, name: str, value: Mapping[str, Any]) -> None:
        """Store a per-dataset reference (the supervised ceiling) as JSON; added tables
        need no schema version: an older store gains the table when opened."""
        with self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO dataset_references VALUES (?, ?, ?)",
                (fingerprint, name, json.dumps(dict(value), sort_keys=True, default=str)),
            )

    def references(self, fingerprint: str) -> dict[str, dict[str, Any]]:
        """Every per-dataset reference of ``fingerprint``, by name."""
        query = "SELECT name, value FROM dataset_references WHERE fingerprint = ? ORDER BY name"
        return {name: json.loads(value) for name, value in self._db.execute(query, (fingerprint,))}

    def reference(self, fingerprint: str, name: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT value FROM dataset_references WHERE fingerprint = ? AND name = ?", (fingerprint, name)
        ).fetchone()
        return None if row is None else json.loads(row[0])

    @_guarded
    def put(self, record: CellRecord) -> None:
        """Write one cell, replacing any row with the same key, and commit."""
        if record.status not in STATUSES:
            raise ValueError(f"unknown status {record.status!r}")
        row = {name: getattr(record, name) for name in CellRecord.__dataclass_fields__}
        for name in _JSON_COLUMNS:
            row[name] = json.dumps(row[name], sort_keys=True, default=str)
        row["labels"] = None if record.labels is None else zlib.compress(_npy_bytes(record.labels))
        columns = ", ".join(row)
        marks = ", ".join(f":{c}" for c in row)
        with self._transaction():
            self._db.execute(f"INSERT OR REPLACE INTO cells ({columns}) VALUES ({marks})", row)

    # -- reading ---------------------------------------------------------------
    @_guarded
    def statuses(self, keys: Iterable[str]) -> dict[str, str]:
        """``{key: status}`` for the given keys that have a row."""
        keys = list(keys)
        found: dict[str, str] = {}
        for start in range(0, len(keys), 500):  # SQLite caps the number of parameters
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, status in self._db.execute(f"SELECT key, status FROM cells WHERE key IN ({marks})", chunk):
                found[key] = status
        return found

    def records(
        self, dataset: str | None = None, fingerprint: str | None = None, *, with_labels: bool = False
    ) -> list[CellRecord]:
        """Stored cells, oldest first, optionally of one dataset name or fingerprint."""
        where, args = _filters(dataset=dataset, dataset_fingerprint=fingerprint)
        return self._select(where, args, with_labels)

    def record(self, key: str, *, with_labels: bool = True) -> CellRecord | None:
        found = self._select("WHERE key = ?", [key], with_labels)
        return found[0] if found else None

    def find(self, key_prefix: str) -> list[CellRecord]:
        """Cells whose key starts with ``key_prefix``."""
        return self._select("WHERE key LIKE ?", [key_prefix.replace("%", "") + "%"], True)

    @_guarded
    def _select(self, where: str, args: list[Any], with_labels: bool) -> list[CellRecord]:
        names = [n for n in CellRecord.__dataclass_fields__ if n != "labels"]
        columns = ", ".join(names) + (", labels" if with_labels else "")
        query = f"SELECT {columns} FROM cells {where} ORDER BY created_at, key"
        records = []
        for row in self._db.execute(query, args):
            values = dict(zip(names, row[: len(names)], strict=True))  # a labels blob may follow
            try:
                for name in _JSON_COLUMNS:
                    values[name] = json.loads(values[name])
                blob = row[-1] if with_labels else None
                values["labels"] = (
                    None if blob is None else np.load(io.BytesIO(zlib.decompress(blob)), allow_pickle=False)
                )
                records.append(CellRecord(**values))
            except (ValueError, TypeError, EOFError, OSError, zlib.error) as exc:
                raise self._damaged_row("cells", "key", values.get("key"), exc) from None
        return records

    def timings(self) -> list[tuple[str, str, str, float, float]]:
        """``(dataset fingerprint, encoder, clusterer, encode s, cluster s)`` of every ok cell,
        for estimating how long a run's tasks take (the scheduler and the progress ETA)."""
        query = (
            "SELECT dataset_fingerprint, encoder, clusterer, COALESCE(fit_s, 0) + COALESCE(transform_s, 0), "
            "COALESCE(cluster_s, 0) + COALESCE(metrics_s, 0) FROM cells WHERE status = 'ok'"
        )
        return [tuple(row) for row in self._db.execute(query)]

    def _damaged_row(self, table: str, column: str, key: Any, exc: BaseException) -> DataError:
        return DataError(
            f"The result store {self.path} has a damaged row in {table} ({column} {key!r}: "
            f"{type(exc).__name__}: {' '.join(str(exc).split())}). Delete it with "
            f"`sqlite3 {self.path} \"DELETE FROM {table} WHERE {column} = '{key}'\"` and run again to recompute it."
        )

    @_guarded
    def datasets(self) -> list[tuple[str, str]]:
        """``(name, fingerprint)`` of every dataset with cells, most recent first."""
        query = (
            "SELECT dataset, dataset_fingerprint, MAX(created_at) AS last FROM cells "
            "GROUP BY dataset, dataset_fingerprint ORDER BY last DESC"
        )
        return [(name, fp) for name, fp, _ in self._db.execute(query)]

    @_guarded
    def dataset(self, fingerprint: str) -> DatasetRecord | None:
        row = self._db.execute(
            "SELECT fingerprint, name, args, n_tracks, primary_label, arrays FROM datasets WHERE fingerprint = ?",
            (fingerprint,),
        ).fetchone()
        if row is None:
            return None
        try:
            arrays = unpack_arrays(row[5])
            labels = {k.split(":", 1)[1]: v for k, v in arrays.items() if k.startswith("label:")}
            return DatasetRecord(row[0], row[1], json.loads(row[2]), row[3], row[4], arrays["track_ids"], labels)
        except Exception as exc:  # noqa: BLE001 - numpy's npz reader raises many kinds
            raise self._damaged_row("datasets", "fingerprint", fingerprint, exc) from None


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _filters(**conditions: Any) -> tuple[str, list[Any]]:
    used = {k: v for k, v in conditions.items() if v is not None}
    if not used:
        return "", []
    return "WHERE " + " AND ".join(f"{k} = ?" for k in used), list(used.values())


def as_mapping(record: CellRecord) -> Mapping[str, Any]:
    """A record's fields (without labels) as a plain mapping, for CSV/JSON writers."""
    return {k: getattr(record, k) for k in CellRecord.__dataclass_fields__ if k != "labels"}
