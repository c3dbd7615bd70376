"""Property tests of the CSV loaders: any table either loads or is one paragraph and exit 2.

Hypothesis generates tables with random headers (duplicates, unicode, numbers, empty
names), random cells (empty, ``?``, huge, tiny, text, quotes, separators inside) and
random separators, written quoted or raw, and random reading parameters. Each goes
through the real ``bench datasets show csv`` entry point (in this process, for speed).
The seed is fixed (``derandomize``) and the number of examples bounded, so the test
is the same on every run and takes seconds.
"""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from musicbench.benchmark.cli import main

SEPARATORS = [",", ";", "\t", "|"]
names = st.one_of(
    st.sampled_from(["genre", "a", "b", "track_id", "1", "2.5", "", " genre", "Unnamed: 0", "é", "名前", "x[/]"]),
    st.text(min_size=0, max_size=6),
)
cells = st.one_of(
    st.sampled_from(
        ["", "?", "NA", "1e308", "-1e308", "1e-320", "inf", "nan", "0", "3.5", "rock", "pop", 'a"b', "x,y", "1;2", "é"]
    ),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=5),
)


numbers = st.one_of(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(repr),
    st.integers(min_value=-1000, max_value=1000).map(str),
)

odd = st.sampled_from(["", "?", "NA", "inf", "-inf", "nan", "1e-320", "1e300", "-1e200", "0", "1e39"])


@st.composite
def tables(draw: st.DrawFn) -> tuple[str, list[str]]:
    n_columns = draw(st.integers(min_value=1, max_value=5))
    structured = draw(st.booleans())  # half plausible tables, half chaos
    if structured:  # a genre column and numeric columns with a few odd cells
        others = st.lists(
            names.filter(lambda n: n.strip() != "genre"), min_size=n_columns, max_size=n_columns, unique_by=str.strip
        )
        header = ["genre", *draw(others)]
        row = st.tuples(
            st.sampled_from(["rock", "pop", "jazz", ""]),
            st.lists(st.one_of(numbers, odd), min_size=n_columns, max_size=n_columns),
        )
        rows = [[g, *rest] for g, rest in draw(st.lists(row, min_size=0, max_size=15))]
    else:
        header = draw(st.lists(names, min_size=n_columns, max_size=n_columns))
        rows = draw(st.lists(st.lists(cells, min_size=n_columns, max_size=n_columns), min_size=0, max_size=12))
    sep = draw(st.sampled_from(SEPARATORS))
    buffer = io.StringIO()
    if draw(st.booleans()):
        csv.writer(buffer, delimiter=sep, lineterminator="\n").writerows([header, *rows])
    else:  # raw joins: ragged rows, stray quotes
        buffer.write("\n".join(sep.join(r) for r in [header, *rows]) + "\n")
    label = "genre" if structured and draw(st.booleans()) else draw(st.sampled_from(header))
    params = ["-P", f"labels={label}"]
    if draw(st.booleans()):  # a tab cannot survive the command line's stripping: by name
        params += ["-P", f"sep={ {chr(9): 'tab'}.get(sep, sep) }"]
    if draw(st.booleans()):
        params += ["-P", "na_values=?"]
    params += ["-P", f"nonfinite={draw(st.sampled_from(['drop', 'impute', 'error']))}"]
    params += ["-P", f"preprocessing={draw(st.sampled_from(['standardize', 'yeo-johnson']))}"]
    return buffer.getvalue(), params


def _bench(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, err.getvalue()


@settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_any_table_loads_or_is_one_paragraph_and_exit_2(tmp_path_factory, table: tuple[str, list[str]]) -> None:
    text, params = table
    path = Path(tmp_path_factory.mktemp("prop")) / "t.csv"
    path.write_text(text, encoding="utf-8")
    code, err = _bench("datasets", "show", "csv", "--data", str(path), *params)
    assert code in (0, 2), f"exit {code}: {err}"
    assert "Traceback" not in err and "internal error" not in err, err
    if code == 2:
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err  # one paragraph
