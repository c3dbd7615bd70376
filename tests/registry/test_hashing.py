"""Canonical JSON and digests: equal inputs give equal keys, and every difference shows."""

from __future__ import annotations

import math

import numpy as np
import pytest

from musicbench import hashing
from musicbench.hashing import canonical, canonical_json, digest, package_versions


class Opaque:
    def __repr__(self) -> str:
        return "Opaque(7)"


def test_plain_values_pass_through() -> None:
    assert canonical(None) is None and canonical("text") == "text"
    assert canonical({"b": (1, 2.5), "a": [True, None]}) == {"a": [True, None], "b": [1, 2.5]}


def test_numpy_values_become_python_values() -> None:
    value = canonical({"x": np.float32(0.5), "n": np.int64(3), "flag": np.bool_(True), "v": np.array([1, 2])})
    assert value == {"x": 0.5, "n": 3, "flag": True, "v": [1, 2]}
    assert type(value["n"]) is int and type(value["flag"]) is bool and type(value["x"]) is float


def test_booleans_stay_booleans() -> None:
    # True == 1 in Python, but a flag and a count are different parameters
    assert canonical_json(True) == "true" and canonical_json(1) == "1"
    assert digest(True) != digest(1) and digest(0) != digest(False)


def test_non_finite_floats_are_strings_and_distinct() -> None:
    assert canonical(math.inf) == "inf" and canonical(-math.inf) == "-inf" and canonical(math.nan) == "nan"
    assert len({digest(math.inf), digest(-math.inf), digest(math.nan), digest(0.0)}) == 4


def test_other_objects_are_named_by_type_and_repr() -> None:
    assert canonical(Opaque()) == f"{__name__}.Opaque:Opaque(7)"
    assert canonical_json({"o": Opaque()}) == '{"o":"' + f"{__name__}.Opaque:Opaque(7)" + '"}'


def test_canonical_json_is_sorted_and_compact() -> None:
    assert canonical_json({"b": 1, "a": {"d": 2, "c": 3}}) == '{"a":{"c":3,"d":2},"b":1}'
    assert canonical({2: "x", 10: "y"}) == {"10": "y", "2": "x"}


def test_digest_is_sha256_of_the_canonical_parts() -> None:
    import hashlib

    assert digest("a", 1) == hashlib.sha256(b'["a",1]').hexdigest()
    assert digest("a", 1) != digest("a", 2) != digest(["a", 1])
    assert digest({"x": 1, "y": 2}) == digest({"y": 2, "x": 1})


def test_an_absent_package_is_recorded_as_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    package_versions.cache_clear()
    monkeypatch.setattr(hashing, "TRACKED_PACKAGES", ("numpy", "no-such-package-musicbench"))
    try:
        versions = package_versions()
    finally:
        package_versions.cache_clear()
    assert versions["no-such-package-musicbench"] == "absent"
    assert versions["numpy"] == np.__version__ and "python" in versions


def test_file_sha256_streams_the_bytes(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    path = tmp_path / "data.bin"
    body = bytes(range(256)) * 40
    path.write_bytes(body)
    monkeypatch.setattr(hashing, "_CHUNK", 1000)  # several chunks, the last one short
    assert hashing.file_sha256(path) == hashing.file_sha256(str(path)) == hashlib.sha256(body).hexdigest()
    path.write_bytes(body + b"!")
    assert hashing.file_sha256(path) != hashlib.sha256(body).hexdigest()


def test_an_unreadable_file_raises_unless_asked_to_go_on(tmp_path) -> None:
    missing = tmp_path / "missing.csv"
    with pytest.raises(FileNotFoundError):
        hashing.file_sha256(missing)
    assert hashing.file_sha256(missing, missing_ok=True) == hashing.UNREADABLE
    assert hashing.file_sha256(tmp_path, missing_ok=True) == hashing.UNREADABLE  # a folder


def test_keys_over_plain_values_import_no_numpy() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom musicbench.hashing import digest, file_sha256\n"
        "digest({'a': (1, 2.5, None)}, 'x', True)\nfile_sha256(sys.executable)\n"
        "print('numpy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "False"


def test_the_cpu_is_named_and_not_a_key_ingredient() -> None:
    name = hashing.cpu_name()
    assert isinstance(name, str) and name and name != "unknown"
    assert "cpu" not in hashing.package_versions()  # a store moved to another machine keeps its cache


def test_the_recorded_versions_name_musicbench_the_libraries_the_plugins_and_the_cpu() -> None:
    recorded = hashing.recorded_versions({"toy": "1.0"})
    assert recorded["plugins"] == {"toy": "1.0"} and recorded["cpu"] == hashing.cpu_name()
    assert {"musicbench", "python", *hashing.TRACKED_PACKAGES} <= set(recorded)
