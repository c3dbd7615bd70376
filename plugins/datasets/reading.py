"""Reading a CSV file into a DataFrame without guessing silently.

pandas alone accepts several inputs that then give wrong numbers or tracebacks: it
renames a duplicated column (``genre`` -> ``genre.1``), raises ``EOFError`` on a
truncated ``.gz`` (which click turns into a bare "aborted"), reads a ``;`` file as
one column, and its row numbers ignore blank lines and multi-line fields. So this
module decompresses and decodes the bytes itself, reads the header with the
:mod:`csv` module, and keeps each row's real line number in the file
(``frame.attrs["line_numbers"]``), so that every later error can name the line a
user opens in an editor.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import lzma
import sys
import zipfile
import zlib
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from musicbench.errors import ConfigError, DataError

SEPARATORS = (",", ";", "\t", "|")
"""Separators tried, in order, when none is given."""
SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
"""Names for separators that are awkward on a command line (``-P sep=tab``)."""
SNIFF_RECORDS = 50
LINES_ATTR = "line_numbers"

_MAGIC = {b"\x1f\x8b": ".gz", b"PK\x03\x04": ".zip", b"BZh": ".bz2", b"\xfd7zXZ\x00": ".xz"}
_COMPRESSED = (".gz", ".zip", ".bz2", ".xz")


def _compression(path: Path, head: bytes) -> str | None:
    """The compression the file's first bytes show; a misleading suffix is an error."""
    found = next((kind for magic, kind in _MAGIC.items() if head.startswith(magic)), None)
    suffix = path.suffix.lower()
    if suffix in _COMPRESSED and found != suffix:
        actually = f"a {found} file" if found else "not compressed (plain text or another format)"
        raise DataError(
            f"{path} is named {suffix} but its content is {actually}. Rename the file to match "
            f"its content (for example {path.stem} for a plain CSV) and pass it again."
        )
    return found


def _decompress(path: Path, raw: bytes, kind: str) -> bytes:
    try:
        if kind == ".gz":
            return gzip.decompress(raw)
        if kind == ".bz2":
            return bz2.decompress(raw)
        if kind == ".xz":
            return lzma.decompress(raw)
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                names = ", ".join(m.filename for m in members[:10]) or "none"
                raise DataError(
                    f"{path} is a zip archive with {len(members)} files ({names}); expected exactly one "
                    "CSV inside. Extract the CSV you want and pass it with --data."
                )
            return archive.read(members[0])
    except DataError:
        raise
    except (EOFError, OSError, zlib.error, lzma.LZMAError, zipfile.BadZipFile, ValueError) as exc:
        raise DataError(
            f"{path} is a damaged or truncated {kind} file ({type(exc).__name__}: {exc}). "
            "Download or compress it again; test it with `gzip -t`, `unzip -t`, `bzip2 -t` or `xz -t`."
        ) from None


def _codec(encoding: str | None) -> str:
    name = encoding or "utf-8"
    return "utf-8-sig" if name.lower().replace("_", "-") in ("utf-8", "utf8") else name  # a BOM is not a name


def _decode(path: Path, data: bytes, encoding: str | None) -> str:
    name = encoding or "utf-8"
    try:
        text = data.decode(_codec(encoding))
    except LookupError:
        raise ConfigError(
            f"Unknown encoding {name!r} for {path}: use a Python codec name such as utf-8 or latin-1."
        ) from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"{path} is not valid {name}: byte {data[exc.start : exc.start + 1]!r} on line {line} cannot be "
            f"decoded. Pass the file's encoding, for example -P encoding=latin-1 (or cp1252), or save "
            "the file as UTF-8."
        ) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise DataError(
            f"{path} contains a NUL byte on line {line}: it is a binary file or UTF-16 text, not a "
            "CSV. Save it as a UTF-8 CSV, or pass -P encoding=utf-16 if it is UTF-16."
        )
    return text


def _records(text: str, sep: str, limit: int | None = None) -> tuple[list[list[str]], list[int]]:
    """Non-blank records and the line each starts on (the :mod:`csv` module's view)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    rows: list[list[str]] = []
    starts: list[int] = []
    previous = 0
    for row in reader:
        start, previous = previous + 1, reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # pandas skips blank lines too
        rows.append(row)
        starts.append(start)
        if limit is not None and len(rows) >= limit:
            break
    return rows, starts


def _sniff(text: str) -> str:
    """The separator that splits the header and the first records into equal widths.

    Only a separator that gives more than one column and the same number of fields on
    every sampled record is taken; otherwise the file is read as comma-separated and
    any problem is reported from there.
    """
    for sep in SEPARATORS:
        try:
            rows, _ = _records(text, sep, SNIFF_RECORDS)
        except csv.Error:
            continue
        if rows and len(rows[0]) > 1 and all(len(r) == len(rows[0]) for r in rows):
            return sep
    return ","


def _check_header(path: Path, header: list[str], sep: str) -> None:
    counts = Counter(name.strip() for name in header if name.strip())
    duplicated = [name for name, n in counts.items() if n > 1]
    if duplicated:
        listing = ", ".join(f"{name!r} ({counts[name]} times)" for name in duplicated)
        raise DataError(
            f"{path} has duplicate column names: {listing}. A column name must be unique, or it is "
            "ambiguous which column is meant; rename the copies in the header row."
        )
    if len(header) == 1 and sep == ",":
        others = [s for s in SEPARATORS[1:] if s in header[0]]
        if others:
            raise DataError(
                f"{path} has a single column {header[0][:60]!r}, which contains {others[0]!r}: pass "
                f"the separator, for example -P sep='{others[0]}'."
            )


def read_csv_text(path: Path, dataset: str, *, encoding: str | None = None, sep: str | None = None) -> pd.DataFrame:
    """Read ``path`` (plain, .gz, .bz2, .xz or a one-file .zip) as a DataFrame.

    ``frame.attrs["line_numbers"]`` holds the file line where each row starts.
    Missing values are only empty fields and ``NA``-style tokens (pandas' defaults);
    a loader's ``na_values`` are applied to its feature columns later.
    """
    if isinstance(sep, (list, tuple)) and not sep:
        sep = ","  # "-P sep=," reaches here as an empty list (a comma splits -P values)
    if isinstance(sep, str):
        sep = SEPARATOR_NAMES.get(sep.lower(), sep)
    if sep is not None and (not isinstance(sep, str) or len(sep) != 1 or sep in '"\r\n'):
        raise ConfigError(
            f"{dataset}: sep must be one character such as ',' or ';' (or tab, comma, semicolon, pipe), got {sep!r}."
        )
    raw = path.read_bytes()
    kind = _compression(path, raw[:8])
    data = _decompress(path, raw, kind) if kind else raw
    text = _decode(path, data, encoding)
    if not text.strip():
        raise DataError(f"{dataset}: the file {path} is empty; expected a CSV with a header row.")
    # The separator and the header come from the start of the file: reading all of
    # it with the csv module would double the load time of a large table.
    sample = text[: 1 << 20]
    sep = sep or _sniff(sample)
    try:
        header = _records(sample, sep, limit=1)[0]
    except csv.Error as exc:
        raise DataError(f"{dataset}: {path} is not a readable CSV file: {exc}.") from None
    if not header:
        raise DataError(f"{dataset}: the file {path} has no header row or no data.")
    _check_header(path, header[0], sep)
    try:
        frame = pd.read_csv(
            io.BytesIO(data), sep=sep, encoding=_codec(encoding), low_memory=False, skip_blank_lines=True
        )
    except pd.errors.EmptyDataError:
        raise DataError(f"{dataset}: the file {path} has no header row or no data.") from None
    except (pd.errors.ParserError, ValueError, csv.Error, OverflowError) as exc:
        message = " ".join(str(exc).split())
        raise DataError(
            f"{dataset}: {path} is not a readable CSV file with separator {sep!r}: {message}. Check that "
            "line, or pass the right separator with -P sep=..."
        ) from None
    physical_lines = text.count("\n") + (not text.endswith("\n"))
    if physical_lines != len(frame) + 1:
        # Blank lines or multi-line fields: find where each record starts (the slow path).
        try:
            _, starts = _records(text, sep)
        except csv.Error:
            starts = []
        if len(starts) - 1 == len(frame):
            frame.attrs[LINES_ATTR] = np.asarray(starts[1:], dtype=np.int64)
    return frame


def line_numbers(frame: pd.DataFrame) -> np.ndarray:
    """The file line of each row of ``frame`` (which may be a filtered copy)."""
    lines = frame.attrs.get(LINES_ATTR)
    positions = frame.index.to_numpy()
    if lines is not None and positions.dtype.kind in "iu" and (len(positions) == 0 or positions.max() < len(lines)):
        return np.asarray(lines)[positions]
    if positions.dtype.kind in "iu":
        return positions.astype(np.int64) + 2  # header on line 1, no blank lines
    return np.arange(len(frame), dtype=np.int64) + 2
