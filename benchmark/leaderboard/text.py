"""Markdown and CSV leaderboards, and the explanations every format shares."""

from __future__ import annotations

import csv
import io
import json
import math

from musicbench.benchmark.leaderboard.table import ALPHA, Entry, Leaderboard, entry_label
from musicbench.benchmark.store import CellRecord

TIES_NOTE = (
    f"Mean ± sample standard deviation over seeds. Each row is compared with the best row of its rank "
    f"by a two-sided paired t-test over their common seeds; when p ≥ {ALPHA} it shares that rank "
    "(marked =), otherwise it starts a new rank. With few seeds the test has little power, so ties are common: "
    "run more seeds (`--seeds`) to separate close entries."
)
SPACES_NOTE = (
    "External metrics (`name[label]`) compare clusters with a ground-truth label. Internal metrics are "
    "computed twice: `@reference` in the dataset's own preprocessed feature space, which is the same for "
    "every encoder and so comparable across rows, and `@latent` in each encoder's own space, which is not "
    "comparable across encoders (a space can be shaped to flatter its own clusters). The default ranking is "
    "therefore NMI against the dataset's primary label, never a latent-space metric."
)


def fmt(mean: float, std: float, digits: int = 3) -> str:
    if math.isnan(mean):
        return "–"
    return f"{mean:.{digits}f}" if math.isnan(std) else f"{mean:.{digits}f} ± {std:.{digits}f}"


def rank_text(entry: Entry) -> str:
    return f"={entry.rank}" if entry.tied else str(entry.rank)


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
    return [[p.status, entry_label(p.encoder, p.encoder_args), entry_label(p.clusterer, p.clusterer_args),
             str(p.seed), p.reason or ""] for p in problems]  # fmt: skip


def summary_line(lb: Leaderboard) -> str:
    info = lb.dataset
    size = f"{info.n_tracks:,} tracks, primary label {md_escape(info.primary_label)}" if info else "dataset details not stored"
    direction = "higher is better" if lb.higher_is_better else "lower is better"
    return (f"Dataset **{md_escape(lb.dataset_name)}** ({size}; fingerprint {lb.fingerprint[:12]}). "
            f"Ranked by **{md_escape(lb.metric)}** ({direction}) over {len(lb.entries)} configurations and "
            f"{lb.n_cells} cells; newest cell {lb.newest[:19].replace('T', ' ')} UTC.")  # fmt: skip


def rows_note(lb: Leaderboard) -> str:
    """What the loader did to the file's rows (dropped, imputed, columns left out), or ""."""
    args = lb.dataset.args if lb.dataset else {}
    read, kept = args.get("rows_read"), args.get("rows_kept")
    counts = f"{kept:,} of the {read:,} rows read were used ({read - kept:,} dropped, {100 * (read - kept) / read:.1f} %)" if read else ""
    notes = "; ".join(str(n) for n in args.get("notes", ()))
    return "Loading: " + "; ".join(filter(None, [counts, notes])) + "." if counts or notes else ""


def to_markdown(lb: Leaderboard, top: int | None = None) -> str:
    metrics = lb.main_metrics()
    header = ["rank", "encoder", "modalities", "clusterer", *(md_escape(m) for m in metrics), "seeds", "fit s"]
    rows = [
        [rank_text(e), md_escape(e.encoder_label), md_escape(e.modalities), md_escape(e.clusterer_label),
         *(fmt(e.mean(m), e.std(m)) for m in metrics), str(len(e.cells)), fmt(e.timing("fit_s"), math.nan, 2)]
        for e in lb.entries[:top]
    ]  # fmt: skip
    rows[0:1] = [[f"**{c}**" for c in rows[0]]] if rows else []
    lines = [f"# musicbench leaderboard: {md_escape(lb.dataset_name)}", "", summary_line(lb), ""]
    lines += _md_table(header, rows) if rows else ["No cell finished with a value of this metric."]
    if "@latent" in lb.metric:
        lines += ["", "> **Warning:** this ranking uses a latent-space metric, which is not comparable across encoders."]
    lines += ["", TIES_NOTE, "", SPACES_NOTE] + (["", md_escape(rows_note(lb))] if rows_note(lb) else [])
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
    lines += ["", "Generated by `bench leaderboard` from the result store only; full figures per metric "
              f"are in `{md_escape(lb.dataset_name)}.csv`.", ""]  # fmt: skip
    return "\n".join(lines)


def to_csv(lb: Leaderboard) -> str:
    """Every ranked entry with every metric (mean and std), then the failed/skipped cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    timings = ["fit_s", "transform_s", "cluster_s", "metrics_s", "peak_rss_bytes"]
    header = ["rank", "tied", "status", "encoder", "encoder_args", "clusterer", "clusterer_args", "seeds", "reason"]
    header += [f"{m} {s}" for m in lb.metric_names for s in ("mean", "std")] + timings
    writer.writerow(header)
    for e in lb.entries:
        base = [e.rank, e.tied, "ok", e.encoder, json.dumps(e.encoder_args, sort_keys=True), e.clusterer,
                json.dumps(e.clusterer_args, sort_keys=True), " ".join(str(c.seed) for c in e.cells), ""]  # fmt: skip
        figures = [f"{x:.6g}" if not math.isnan(x) else "" for m in lb.metric_names for x in (e.mean(m), e.std(m))]
        writer.writerow(base + figures + [f"{e.timing(t):.6g}" for t in timings])
    for p in lb.problems:
        writer.writerow(["", "", p.status, p.encoder, json.dumps(p.encoder_args, sort_keys=True), p.clusterer,
                         json.dumps(p.clusterer_args, sort_keys=True), p.seed, p.reason or ""]
                        + [""] * (2 * len(lb.metric_names) + len(timings)))  # fmt: skip
    return buffer.getvalue()
