"""The figures behind issue 13's targets, measured with ``bench run`` (mean of 3 seeds).

Each target is one small grid run by ``bench run`` into its own store under
``--work`` (default ``encoder-targets/``), then read back from the store: NMI
against genre (mean ± std over seeds) for KMeans (k = number of genres) and for the
encoder's own clusters, the number of clusters, the active latent units and the fit
time. Stored cells are reused, so a rerun only prints. Needs ``$MUSICBENCH_DATA_DIR``::

    nice -n 5 python tests/speed/encoder_targets.py [--targets synthetic,lyrics,...] [--seeds 3]

Targets: ``synthetic``, ``lyrics`` (the 1,000-row excerpt), ``tidytuesday``
(audio+context), ``own`` (VaDE and IDEC own clusters vs KMeans on TidyTuesday,
GTZAN and synthetic), ``gtzan`` (the VAE family vs raw) and ``fit28k`` (fit time of
every neural encoder, N2D's UMAP and GMM included, on the 28k TidyTuesday tracks: one
thread, one seed, one fit at a time).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
os.environ.setdefault("MUSICBENCH_DATA_DIR", str(REPO.parent / "shared" / "data"))
DATA = Path(os.environ["MUSICBENCH_DATA_DIR"])

# name: (dataset, data file or None, TOML encoder tables, clusterers, seeds override)
TARGETS = {
    "synthetic": ("synthetic", None, {"raw": "", "text": "", "multimodal-vae": ""}, "kmeans", None),
    "lyrics": (
        "spotify",
        "spotify_songs_lyrics_sample1000.csv",
        {"raw": "", "text": "", "multimodal-vae": ""},
        "kmeans",
        None,
    ),
    "tidytuesday": ("spotify", None, {"raw": "", "multimodal-vae": 'modalities = ["audio+context"]'}, "kmeans", None),
    "own-synthetic": ("synthetic", None, {"vade": "", "idec": ""}, "kmeans,(own)", None),
    "own-tidytuesday": ("spotify", None, {"vade": "", "idec": ""}, "kmeans,(own)", None),
    "own-gtzan": ("gtzan", None, {"vade": "", "idec": ""}, "kmeans,(own)", None),
    "gtzan": ("gtzan", None, {"raw": "", "vae": "", "beta-vae": "", "autoencoder": ""}, "kmeans", None),
    "fit28k": (
        "spotify",
        None,
        {
            "autoencoder": "",
            "vae": "",
            "beta-vae": "",
            "vade": "",
            "idec": "",
            "multimodal-vae": 'modalities = { grid = ["audio+context", "audio+title"] }',
            "n2d": "",
        },
        "kmeans",
        1,
    ),
}
GROUPS = {"own": ["own-synthetic", "own-tidytuesday", "own-gtzan"]}


def run_target(name: str, work: Path, seeds: int) -> None:
    dataset, data, encoders, clusterers, fixed_seeds = TARGETS[name]
    work.mkdir(parents=True, exist_ok=True)
    config = work / f"{name}.toml"
    config.write_text("".join(f"[encoders.{enc}]\n{body}\n\n" for enc, body in encoders.items()))
    command = [
        sys.executable,
        "-m",
        "musicbench.benchmark",
        "run",
        "--dataset",
        dataset,
        "--config",
        str(config),
        "--encoders",
        ",".join(encoders),
        "--clusterers",
        clusterers,
        "--seeds",
        str(fixed_seeds or seeds),
        "--threads",
        "1",
        "--jobs",
        "1",  # one fit at a time: the fit times are one core's, with the other core idle
        "--store",
        str(work / f"{name}.sqlite"),
        "--top",
        "0",
    ]
    if data:
        command += ["--data", str(DATA / data)]
    subprocess.run(command, check=False, cwd=REPO)
    report(name, work / f"{name}.sqlite")


def report(name: str, store_path: Path) -> None:
    from musicbench.benchmark.reports.table import build
    from musicbench.benchmark.results.store import ResultStore

    store = ResultStore(store_path)
    board = build(store)
    print(f"\n## {name} ({board.dataset_name}, {board.dataset.n_tracks if board.dataset else '?'} tracks)")
    print(
        f"{'encoder':45} {'modalities':16} {'clusterer':10} {board.metric:>16} {'clusters':>8} {'active':>6} {'fit s':>7} seeds"
    )
    for e in board.entries:
        active = e.mean("active_units")
        print(
            f"{e.encoder_label:45} {e.modalities:16} {e.clusterer_label:10} {_fmt(e.mean(board.metric), e.std(board.metric)):>16} "
            f"{e.mean('n_clusters'):8.1f} {'-' if math.isnan(active) else f'{active:.1f}':>6} {e.timing('fit_s'):7.1f} {len(e.cells)}"
        )
    for p in board.problems:
        print(f"  {p.status}: {p.encoder} x {p.clusterer} seed {p.seed}: {p.reason}")
    store.close()


def _fmt(mean: float, std: float) -> str:
    return "-" if math.isnan(mean) else f"{mean:.3f} ± {0.0 if math.isnan(std) else std:.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated (own = the three own-* grids)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("encoder-targets"))
    parser.add_argument("--report-only", action="store_true", help="print what the stores hold, run nothing")
    args = parser.parse_args(argv)
    names = [t for name in args.targets.split(",") if name for t in GROUPS.get(name, [name])]
    for name in names:
        if args.report_only:
            report(name, args.work / f"{name}.sqlite")
        else:
            run_target(name, args.work, args.seeds)


if __name__ == "__main__":
    main()
