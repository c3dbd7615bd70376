"""UMAP's neighbours from 4,096 tracks on: exact (scikit-learn) against pynndescent's approximate ones.

For each dataset, encoder (``umap``, ``n2d``) and ``knn`` setting, one fresh process
fits every seed (so the first fit pays what a worker's first fit pays: pynndescent
compiles its search in every process) and prints the fit seconds of the first seed
and the mean of the others, the KMeans NMI (k = number of classes, primary label)
and N2D's own NMI, mean ± std over seeds, one torch thread. Datasets and loading as
``tune_defaults.py``; only tables of 4,096 rows or more differ between the settings::

    nice -n 10 python tests/speed/umap_knn.py --datasets tidytuesday
    nice -n 10 python tests/speed/umap_knn.py --datasets machinehack,fma --seeds 3

TidyTuesday (the development split's only table above 4,096 rows), 2026-12-03, quiet
2-core machine: first fit / later fits (s), KMeans NMI, N2D's own NMI:

* umap nndescent 29.9 / 14.4, .1130 ± .0003; exact (k-d tree) 18.3 / 18.9, .1131 ± .0003;
  exact (brute force, the default) 17.1 / 20.2, .1130 ± .0001
* n2d nndescent 42.1 / 20.3, .1028 ± .0115, own .1014 ± .0076; exact (k-d tree) 27.0 /
  22.4, .1023 ± .0115, own .0996 ± .0114; exact (brute force) 23.4 / 22.7, .1023 ± .0115,
  own .1072 ± .0041

One process's four fits split by stage (s): nndescent, first: neighbours 14.9 (mostly
compilation), layout 13.5; nndescent, second: 0.7 and 14.4; exact: 2.4 and 14.1, then
2.6 and 15.7. The layout is most of every fit; the exact search costs 2 s more than a
compiled NN-descent and 12 s less than a process's first one.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _one(dataset_name: str, encoder_name: str, knn: str, seeds: int, max_rows: int) -> dict[str, object]:
    sys.path.insert(0, str(HERE))
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    from threadpoolctl import threadpool_limits
    from tune_defaults import load

    from musicbench import build_registry
    from musicbench.resolution import resolve_encoder_params

    registry = build_registry(environ={})
    dataset = load(dataset_name, registry, max_rows)
    entry = registry.get("encoder", encoder_name)
    truth, k = dataset.labels[dataset.primary_label], dataset.n_classes()
    params: dict[str, object] = {"knn": knn, **({"n_threads": 1} if encoder_name == "n2d" else {})}
    times, nmis, own = [], [], []
    for seed in range(seeds):
        encoder = entry.factory(**resolve_encoder_params(entry, params, seed))
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            Z = encoder.fit(dataset).transform(dataset)
            times.append(time.perf_counter() - start)
            nmis.append(normalized_mutual_info_score(truth, KMeans(k, n_init=10, random_state=seed).fit_predict(Z)))
        if hasattr(encoder, "labels_"):
            own.append(normalized_mutual_info_score(truth, encoder.labels_))
    return {"rows": dataset.n_tracks, "times": times, "nmi": nmis, "own": own}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="tidytuesday")
    parser.add_argument("--encoders", default="umap,n2d")
    parser.add_argument("--knn", default="nndescent,exact")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=100_000)
    parser.add_argument("--one", nargs=3, metavar=("DATASET", "ENCODER", "KNN"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_one(*args.one, args.seeds, args.max_rows)))
        return
    print(
        f"{'dataset':12} {'encoder':8} {'knn':9} {'rows':>6} {'first fit s':>11} {'later s':>8} "
        f"{'NMI (KMeans)':>16} {'own NMI':>16}"
    )
    for dataset_name in args.datasets.split(","):
        for encoder_name in args.encoders.split(","):
            for knn in args.knn.split(","):
                command = [sys.executable, __file__, "--one", dataset_name, encoder_name, knn]
                command += ["--seeds", str(args.seeds), "--max-rows", str(args.max_rows)]
                done = subprocess.run(command, capture_output=True, text=True, check=True)
                r = json.loads(done.stdout.strip().splitlines()[-1])
                later = f"{np.mean(r['times'][1:]):8.1f}" if len(r["times"]) > 1 else f"{'-':>8}"
                own = f"{np.mean(r['own']):.4f} ± {np.std(r['own']):.4f}" if r["own"] else "-"
                print(
                    f"{dataset_name:12} {encoder_name:8} {knn:9} {r['rows']:6d} {r['times'][0]:11.1f} {later} "
                    f"{np.mean(r['nmi']):.4f} ± {np.std(r['nmi']):.4f} {own:>16}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
