"""``summary.md``, ``summary.csv`` and ``summary.html`` from a :class:`~musicbench.benchmark.reports.summary.Summary`."""

from __future__ import annotations

import base64
import csv
import io
import math

from musicbench.benchmark.reports.summary import ALPHA, BASELINE, Comparison, Summary
from musicbench.benchmark.reports.text import md_escape

METHOD = (
    "Encoders are compared across datasets, each dataset scored by its leaderboard's ranking metric. Each cell "
    "shows the raw score (the mean over seeds) and, in parentheses, the score relative to the dataset's "
    "references, (score - chance) / (ceiling - chance): 0 is what clusters of the same sizes score by chance, 1 "
    "the supervised ceiling. Mean rank: average over datasets of each encoder's rank (1 is best). The Friedman "
    "test asks whether the ranks differ at all; the Wilcoxon signed-rank test compares every pair of encoders "
    f"over the datasets, with Holm's correction for the number of pairs (alpha {ALPHA}; Benavoli et al. 2016), "
    f"and every encoder with the baseline {BASELINE}, with Holm's correction over those k - 1 tests (Demšar "
    "2006, comparisons with a control: fewer tests, so more power on few datasets). The critical-difference "
    f"diagram is drawn from the tests against {BASELINE} (from the all-pairs tests when {BASELINE} is not "
    "compared): a bar joins the encoders that no corrected test separates."
)
PICTURES = {"fixed": "summary-cd.png", "best": "summary-cd-best.png"}


def _number(value: float, digits: int = 4) -> str:
    return "" if math.isnan(value) else f"{value:.{digits}f}"


def _header(summary: Summary) -> list[str]:
    return ["mean rank", "encoder", "mean normalised", "mean probe accuracy", *summary.datasets]


def _rows(summary: Summary, comparison: Comparison) -> list[list[str]]:
    rows = []
    for r in comparison.rows:
        cells = []
        for d in summary.datasets:
            relative = "" if math.isnan(r.normalized[d]) else f"{r.normalized[d]:.2f}"
            extra = ", ".join(filter(None, [relative, r.clusterers[d] if comparison.key == "best" else ""]))
            cells.append(f"{r.scores[d]:.4f}" + (f" ({extra})" if extra else ""))
        rows.append([f"{r.mean_rank:.2f}", r.encoder, _number(r.mean_normalized, 3), _number(r.mean_probe, 3), *cells])
    return rows


def scope_text(summary: Summary) -> str:
    """How many datasets the summary covers and which encoders each comparison left out."""
    text = f"The suite has {len(summary.datasets)} datasets: {', '.join(summary.datasets)}."
    for c in summary.comparisons:
        if c.left_out:
            gone = "; ".join(f"{e} (no score on {', '.join(where)})" for e, where in sorted(c.left_out.items()))
            text += f" Left out of '{c.key}': {gone}."
        else:
            text += f" Nothing is left out of '{c.key}'."
    return text


def friedman_text(summary: Summary, comparison: Comparison) -> str:
    if comparison.friedman is None:
        return "Friedman test: not run (" + " ".join(comparison.notes) + ")"
    statistic, p = comparison.friedman
    verdict = "the ranks differ" if p < ALPHA else "no evidence that the ranks differ"
    return (
        f"Friedman test over {len(summary.datasets)} datasets and {len(comparison.rows)} encoders: "
        f"chi-square {statistic:.3f}, p = {p:.3g} ({verdict} at alpha {ALPHA})."
    )


def pairs_text(comparison: Comparison) -> str:
    """The pairs that the Holm-corrected Wilcoxon tests separate, in words."""
    if comparison.holm is None:
        return ""
    labels = list(comparison.holm.index)
    separated = [
        f"{a} > {b} (p = {comparison.holm.loc[a, b]:.3g})"
        for i, a in enumerate(labels)
        for b in labels[i + 1 :]
        if comparison.holm.loc[a, b] < ALPHA
    ]
    found = (
        "Separated pairs (Holm-adjusted p): " + "; ".join(separated) + "."
        if separated
        else ("No pair of encoders is separated after Holm's correction.")
    )
    return " ".join([found, *(n for n in comparison.notes)])


def baseline_text(comparison: Comparison, n_datasets: int) -> str:
    """The tests of every encoder against the baseline, in words."""
    if not comparison.baseline:
        return ""
    parts = []
    for encoder, (p, q, wins, median) in sorted(comparison.baseline.items(), key=lambda kv: kv[1][1]):
        verdict = ("better than" if median > 0 else "worse than") if q < ALPHA else "not separated from"
        parts.append(f"{encoder} {verdict} {BASELINE} (beats it on {wins} of {n_datasets}; p = {p:.3g}, Holm {q:.3g})")
    return (
        f"Against the baseline {BASELINE} (Wilcoxon signed-rank, Holm over {len(parts)} tests; the diagram is "
        "drawn from these): " + "; ".join(parts) + "."
    )


def _matrix(comparison: Comparison) -> tuple[list[str], list[list[str]]]:
    assert comparison.holm is not None
    labels = list(comparison.holm.index)
    rows = [[a, *("" if a == b else f"{comparison.holm.loc[a, b]:.3g}" for b in labels)] for a in labels]
    return ["Holm-adjusted p", *labels], rows


def _references(summary: Summary) -> tuple[list[str], list[list[str]]]:
    def shown(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    rows = [
        [d, summary.metrics[d], str(summary.classes[d] or ""), shown(summary.chance[d]), shown(summary.ceiling[d])]
        for d in summary.datasets
    ]
    return ["dataset", "ranking metric", "classes", "chance", "ceiling"], rows


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(md_escape(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]


def to_markdown(summary: Summary, pictures: dict[str, str | None]) -> str:
    lines = ["# musicbench summary across datasets", "", md_escape(METHOD), "", md_escape(scope_text(summary)), ""]
    lines += [*_md_table(*_references(summary)), ""]
    lines += [md_escape(n) for n in summary.notes] + ([""] if summary.notes else [])
    for c in summary.comparisons:
        lines += [f"## {md_escape(c.title)}", ""]
        lines += [*_md_table(_header(summary), _rows(summary, c)), ""]
        lines += [md_escape(friedman_text(summary, c)), ""]
        lines += [md_escape(pairs_text(c)), ""] if c.holm is not None else []
        lines += [md_escape(baseline_text(c, len(summary.datasets))), ""] if c.baseline else []
        if c.holm is not None:
            lines += [*_md_table(*_matrix(c)), ""]
        if pictures.get(c.key):
            lines += [f"![critical-difference diagram, {c.key}]({pictures[c.key]})", ""]
    lines += ["Generated by `bench summary` from the result stores only.", ""]
    return "\n".join(lines)


def to_csv(summary: Summary) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    per_dataset = [
        f"{d} {what}"
        for d in summary.datasets
        for what in ("score", "normalised", "rank", "clusterer", "probe_accuracy")
    ]
    writer.writerow(["comparison", "encoder", "mean_rank", "mean_normalised", "mean_probe_accuracy", *per_dataset])
    for c in summary.comparisons:
        for r in c.rows:
            values = []
            for d in summary.datasets:
                values += [f"{r.scores[d]:.6g}", _number(r.normalized[d], 6), f"{r.ranks[d]:g}", r.clusterers[d]]
                values.append(_number(r.probe.get(d, math.nan), 6))
            row = [c.key, r.encoder, f"{r.mean_rank:.6g}", _number(r.mean_normalized, 6), _number(r.mean_probe, 6)]
            writer.writerow(row + values)
    return buffer.getvalue()


def to_html(summary: Summary, pictures: dict[str, bytes | None]) -> str:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("musicbench.benchmark.reports", "templates"),
        autoescape=select_autoescape(default=True),
    )
    sections = []
    for c in summary.comparisons:
        image = pictures.get(c.key)
        header, rows = _matrix(c) if c.holm is not None else ([], [])
        sections.append(
            {
                "key": c.key,
                "title": c.title,
                "header": _header(summary),
                "rows": _rows(summary, c),
                "friedman": friedman_text(summary, c),
                "pairs": pairs_text(c),
                "baseline": baseline_text(c, len(summary.datasets)),
                "matrix_header": header,
                "matrix_rows": rows,
                "image": base64.b64encode(image).decode("ascii") if image else None,
            }
        )
    ref_header, ref_rows = _references(summary)
    return env.get_template("summary.html.j2").render(
        title="musicbench summary across datasets",
        method=METHOD,
        scope=scope_text(summary),
        notes=summary.notes,
        ref_header=ref_header,
        ref_rows=ref_rows,
        sections=sections,
    )
