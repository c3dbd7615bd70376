"""The README's verdict table quotes the committed summary, digit for digit.

The table in "What musicbench finds on real music" is copied from
``leaderboards/summary.csv`` (the ``fixed`` comparison: each encoder with KMeans).
A regeneration that moves a figure must update the README too; this test fails
until it does, naming the cell, so the front page never quotes another day's boards.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = {  # README heading -> the summary's dataset name
    "TidyTuesday": "tidytuesday",
    "GTZAN": "gtzan",
    "MachineHack": "machinehack",
    "Beatport": "beatport-edm",
    "moods": "spotify-moods",
    "Turkish emotion": "turkish-emotion",
}


def _readme_table() -> tuple[list[str], list[list[str]]]:
    section = (ROOT / "README.md").read_text().split("## What musicbench finds on real music", 1)[1]
    lines = [line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[1:] if not line.startswith("|---")]
    return header, rows


def _summary() -> dict[str, dict[str, str]]:
    with (ROOT / "leaderboards" / "summary.csv").open(newline="") as handle:
        return {row["encoder"]: row for row in csv.DictReader(handle) if row["comparison"] == "fixed"}


def _rounded(value: str, printed: str) -> str:
    digits = len(printed.split(".")[1]) if "." in printed else 0
    return f"{float(value):.{digits}f}"


def test_the_readme_table_has_every_summary_encoder_in_rank_order() -> None:
    header, rows = _readme_table()
    assert header[:3] == ["mean rank", "encoder", "mean normalised"]
    assert set(header[3:]) <= set(COLUMNS), header
    summary = _summary()
    assert [row[1] for row in rows] == list(summary), "README rows differ from leaderboards/summary.csv's fixed rows"


def test_every_figure_of_the_readme_table_is_the_summary_s() -> None:
    header, rows = _readme_table()
    summary = _summary()
    wrong = []
    for row in rows:
        source = summary[row[1]]
        expected = {"mean rank": source["mean_rank"], "mean normalised": source["mean_normalised"]}
        expected |= {name: source[f"{COLUMNS[name]} score"] for name in header[3:]}
        for name, printed in zip(header, row, strict=True):
            if name in expected and not re.fullmatch(r"-?\d+(\.\d+)?", printed):
                wrong.append(f"{row[1]} / {name}: {printed!r} is not a number")
            elif name in expected and _rounded(expected[name], printed) != printed:
                wrong.append(f"{row[1]} / {name}: README {printed}, summary {_rounded(expected[name], printed)}")
    assert not wrong, "README.md quotes figures the committed summary does not hold:\n" + "\n".join(wrong)
