"""Markdown, CSV and terminal leaderboards, and the explanations every format shares."""

from __future__ import annotations

import csv
import io
import json
import math

from rich.table import Table

from musicbench.benchmark.reports.table import FAR_FROM_CLASSES, Entry, Leaderboard, entry_label
from musicbench.benchmark.results.store import CellRecord

MAX_DIGITS = 8
COUNTS = ("n_clusters",)
"""Figures that are counts: shown as integers when every seed agrees."""
TIES_NOTE = (
    "The ranking metric is the mean over seeds with its 95 % interval [low, high] from a paired bootstrap over "
    "tracks: the tracks are resampled with replacement, the same resample for every row, and the metric is "
    "recomputed from the stored cluster labels for every seed (percentile bootstrap, Efron and Tibshirani 1993; "
    "paired comparison as in Koehn 2004). A row shares the rank of the best row of its rank (marked =) when the "
    "95 % interval of their paired difference contains 0; otherwise it starts a new rank. Other metrics are "
    "mean ± sample standard deviation over seeds. Means show as many digits as it takes to tell apart rows "
    "of different rank."
)
CEILING_NOTE = (
    "Ceiling is a supervised reference: a gradient-boosting classifier (scikit-learn HistGradientBoosting, seed 0) "
    "predicts the label from the dataset's reference features with 5-fold cross-validation (at most 10,000 tracks), "
    "and its out-of-fold predictions are scored like a clustering. It tells how much of the label the features "
    "carry: a cell near it has found most of it."
)
CHANCE_NOTE = (
    "Chance is the ranking metric of the best cell's own clusters shuffled over the tracks (same cluster sizes, "
    "no relation to the label): mean and 95th percentile over the shuffles. NMI rises with the number of "
    "clusters, so read it beside the adjusted metrics (AMI, ARI, 0 for chance); a cluster count marked ⚠ is more "
    f"than {FAR_FROM_CLASSES:g} times above or below the number of classes."
)
SPACES_NOTE = (
    "External metrics (name[label]) compare clusters with a ground-truth label. Internal metrics are "
    "computed twice: @reference in the dataset's own preprocessed feature space, which is the same for "
    "every encoder and so comparable across rows, and @latent in each encoder's own space, which is not "
    "comparable across encoders (a space can be shaped to flatter its own clusters). The default ranking is "
    "therefore NMI against the dataset's primary label, never a latent-space metric."
)


def fmt(mean: float, std: float, digits: int = 3) -> str:
    if math.isnan(mean):
        return "–"
    return f"{mean:.{digits}f}" if math.isnan(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def rank_text(entry: Entry) -> str:
    return f"={entry.rank}" if entry.tied else str(entry.rank)


def ranking_digits(lb: Leaderboard) -> int:
    """The fewest decimals (at least 3) at which consecutive rows of different rank print different means."""
    means = [e.mean(lb.metric) for e in lb.entries]
    for digits in range(3, MAX_DIGITS + 1):
        shown = [f"{m:.{digits}f}" for m in means]
        if all(shown[i] != shown[i + 1] for i in range(len(shown) - 1) if lb.entries[i].rank != lb.entries[i + 1].rank):
            return digits
    return MAX_DIGITS


def ranked_cell(entry: Entry, metric: str, digits: int) -> str:
    """``mean [low, high]`` of the ranking metric (``mean`` alone without an interval)."""
    mean = entry.mean(metric)
    if math.isnan(entry.low):
        return fmt(mean, math.nan, digits)
    return f"{mean:.{digits}f} [{entry.low:.{digits}f}, {entry.high:.{digits}f}]"


def cell_text(lb: Leaderboard, entry: Entry, metric: str, digits: int) -> str:
    """One table cell: the ranking metric with its interval, counts as integers, the rest mean ± std."""
    if metric == lb.metric:
        return ranked_cell(entry, metric, digits)
    mean, std = entry.mean(metric), entry.std(metric)
    if metric in COUNTS and not math.isnan(mean):
        text = f"{mean:.0f}" if (math.isnan(std) or std == 0) and mean == round(mean) else f"{mean:.1f} ± {std:.1f}"
        return text + (" ⚠" if lb.far_from_classes(entry) else "")
    return fmt(mean, std)


def _small(x: float, digits: int) -> str:
    """``digits`` decimals, or two significant digits for a value that would print as 0."""
    return f"{x:.{digits}f}" if abs(x) >= 10**-digits or x == 0 else f"{x:.2g}"


def chance_text(lb: Leaderboard, digits: int) -> str:
    if lb.chance is None:
        return "–"
    return f"{_small(lb.chance[0], digits)} (95th pct {_small(lb.chance[1], digits)})"


def ceiling_value(lb: Leaderboard, metric: str) -> float | None:
    value = (lb.ceiling or {}).get(metric)
    return None if value is None else float(value)


def main_rows(lb: Leaderboard, metrics: list[str], top: int | None = None) -> list[list[str]]:
    """The table rows every format shows (unescaped), then a chance reference row."""
    digits = ranking_digits(lb)
    rows = [
        [
            rank_text(e),
            e.encoder_label,
            e.clusterer_label,
            e.modalities,
            *(cell_text(lb, e, m, digits) for m in metrics),
            str(len(e.cells)),
            fmt(e.timing("fit_s"), math.nan, 2),
        ]
        for e in lb.entries[:top]
    ]
    if lb.chance is not None:
        rows.append(
            [
                "ref",
                "chance",
                "best cell's clusters shuffled",
                "",
                *(chance_text(lb, digits) if m == lb.metric else "" for m in metrics),
                "",
                "",
            ]
        )
    if lb.ceiling is not None:
        values = [ceiling_value(lb, m) for m in metrics]
        rows.append(
            [
                "ref",
                "ceiling",
                "supervised gradient boosting (CV)",
                "audio",
                *("" if v is None else f"{v:.{digits}f}" for v in values),
                "",
                "",
            ]
        )
    return rows


def md_escape(text: str) -> str:
    """Text safe inside a GitHub table cell: no raw HTML, no column breaks."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    for char in "\\|`*_[]":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def problem_rows(problems: list[CellRecord]) -> list[list[str]]:
    return [
        [
            p.status,
            entry_label(p.encoder, p.encoder_args),
            entry_label(p.clusterer, p.clusterer_args),
            str(p.seed),
            p.reason or "",
        ]
        for p in problems
    ]


def summary_line(lb: Leaderboard) -> str:
    info = lb.dataset
    size = (
        f"{info.n_tracks:,} tracks, primary label {md_escape(info.primary_label)}"
        if info
        else "dataset details not stored"
    )
    direction = "higher is better" if lb.higher_is_better else "lower is better"
    return (
        f"Dataset **{md_escape(lb.dataset_name)}** ({size}; fingerprint {lb.fingerprint[:12]}). "
        f"Ranked by **{md_escape(lb.metric)}** ({direction}) over {len(lb.entries)} configurations and "
        f"{lb.n_cells} cells; newest cell {lb.newest[:19].replace('T', ' ')} UTC."
    )


def rows_note(lb: Leaderboard) -> str:
    """What the loader did to the file's rows (dropped, imputed, columns left out), or ""."""
    args = lb.dataset.args if lb.dataset else {}
    read, kept = args.get("rows_read"), args.get("rows_kept")
    counts = (
        f"{kept:,} of the {read:,} rows read were used ({read - kept:,} dropped, {100 * (read - kept) / read:.1f} %)"
        if read
        else ""
    )
    notes = "; ".join(str(n) for n in args.get("notes", ()))
    return "Loading: " + "; ".join(filter(None, [counts, notes])) + "." if counts or notes else ""


def sample_note(lb: Leaderboard) -> str:
    """The samples some figures of a large dataset are computed on, or "" (all tracks).

    A sample size is part of the method: a silhouette on 10,000 tracks is not one on
    28,356, so a board says when its figures rest on a sample.
    """
    from musicbench.benchmark.running.evaluation import DEFAULT_SAMPLE_SIZE, EMBEDDING_SAMPLE_SIZE

    n = lb.dataset.n_tracks if lb.dataset else 0
    parts = []
    if n > DEFAULT_SAMPLE_SIZE:
        parts.append(
            f"internal metrics (@reference and @latent) on a fixed seeded sample of {DEFAULT_SAMPLE_SIZE:,} "
            f"of the {n:,} tracks, the same for every cell"
        )
    if n > EMBEDDING_SAMPLE_SIZE:
        parts.append(
            f"the linear probe (probe_*) on at most {EMBEDDING_SAMPLE_SIZE:,} tracks with a known label, "
            "a fixed seeded sample stratified by that label"
        )
    return "Samples: " + "; ".join(parts) + ". External metrics use every track." if parts else ""


def to_markdown(lb: Leaderboard, top: int | None = None, stem: str | None = None) -> str:
    metrics = lb.main_metrics()
    header = ["rank", "encoder", "clusterer", "modalities", *(md_escape(m) for m in metrics), "seeds", "fit s"]
    rows = [[md_escape(c) for c in row] for row in main_rows(lb, metrics, top)]
    rows[0:1] = [[f"**{c}**" for c in rows[0]]] if lb.entries else []
    lines = [f"# musicbench leaderboard: {md_escape(lb.dataset_name)}", "", summary_line(lb), ""]
    lines += _md_table(header, rows) if rows else ["No cell finished with a value of this metric."]
    if "@latent" in lb.metric:
        lines += [
            "",
            "> **Warning:** this ranking uses a latent-space metric, which is not comparable across encoders.",
        ]
    lines += ["", TIES_NOTE + f" Resampling: {lb.bootstrap}.", "", CHANCE_NOTE, "", CEILING_NOTE, "", SPACES_NOTE]
    for note in filter(None, (sample_note(lb), rows_note(lb))):
        lines += ["", md_escape(note)]
    if lb.unranked:
        names = ", ".join(md_escape(f"{e.encoder_label} x {e.clusterer_label}") for e in lb.unranked)
        lines += ["", f"Finished but without a value of {md_escape(lb.metric)} (undefined): {names}."]
    lines += ["", "## Failed and skipped cells", ""]
    if lb.problems:
        lines += ["These cells are not in the averages above.", ""]
        escaped = [[md_escape(c) for c in row] for row in problem_rows(lb.problems)]
        lines += _md_table(["status", "encoder", "clusterer", "seed", "reason"], escaped)
    else:
        lines += ["None."]
    lines += [
        "",
        "Generated by `bench leaderboard` from the result store only; full figures per metric "
        f"are in `{md_escape(stem or lb.dataset_name)}.csv`.",
        "",
    ]
    return "\n".join(lines)


def _csv_number(x: float, digits: int | None) -> str:
    """The ranking metric with the digits every format shows; other figures with 6 significant digits."""
    if math.isnan(x):
        return ""
    return f"{x:.{digits}f}" if digits is not None else f"{x:.6g}"


def to_csv(lb: Leaderboard) -> str:
    """Every ranked entry with every metric (mean and std), then the failed/skipped cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    timings = ["fit_s", "transform_s", "cluster_s", "metrics_s", "peak_rss_bytes"]
    header = ["rank", "tied", "status", "encoder", "encoder_args", "clusterer", "clusterer_args", "seeds", "reason"]
    header += [f"{m} {s}" for m in lb.metric_names for s in ("mean", "std")] + timings
    header += [f"{lb.metric} low", f"{lb.metric} high", "far_from_classes"]
    digits = ranking_digits(lb)
    writer.writerow(header)
    for e in lb.entries:
        base = [
            e.rank,
            e.tied,
            "ok",
            e.encoder,
            json.dumps(e.encoder_args, sort_keys=True),
            e.clusterer,
            json.dumps(e.clusterer_args, sort_keys=True),
            " ".join(str(c.seed) for c in e.cells),
            "",
        ]
        figures = [
            _csv_number(x, digits if m == lb.metric and s == "mean" else None)
            for m in lb.metric_names
            for s, x in (("mean", e.mean(m)), ("std", e.std(m)))
        ]
        interval = [_csv_number(e.low, digits), _csv_number(e.high, digits), lb.far_from_classes(e)]
        writer.writerow(base + figures + [f"{e.timing(t):.6g}" for t in timings] + interval)
    for p in lb.problems:
        writer.writerow(
            [
                "",
                "",
                p.status,
                p.encoder,
                json.dumps(p.encoder_args, sort_keys=True),
                p.clusterer,
                json.dumps(p.clusterer_args, sort_keys=True),
                p.seed,
                p.reason or "",
            ]
            + [""] * (2 * len(lb.metric_names) + len(timings) + 3)
        )
    if lb.chance is not None:
        writer.writerow(
            ["", "", "chance", "chance", "", "", "", "", "best cell's clusters shuffled"]
            + [
                _csv_number(lb.chance[0], digits) if m == lb.metric and s == "mean" else ""
                for m in lb.metric_names
                for s in ("mean", "std")
            ]
            + [""] * len(timings)
            + ["", _csv_number(lb.chance[1], digits), ""]
        )
    if lb.ceiling is not None:
        writer.writerow(
            ["", "", "ceiling", "ceiling", "", "", "", "", str(lb.ceiling.get("method", ""))]
            + [
                _csv_number(v, None) if s == "mean" and (v := ceiling_value(lb, m)) is not None else ""
                for m in lb.metric_names
                for s in ("mean", "std")
            ]
            + [""] * (len(timings) + 3)
        )
    return buffer.getvalue()


def top_table(lb: Leaderboard, n: int) -> Table:
    """The first ``n`` rows of a leaderboard as a rich table (what ``bench run`` prints).

    Built from :func:`.board_cache.top_rows`, the rows a no-op rerun reads back from
    the board cache, so a remembered table and a built one are the same table.
    """
    from musicbench.benchmark.reports.board_cache import render_top, top_rows

    return render_top(top_rows(lb), n)
