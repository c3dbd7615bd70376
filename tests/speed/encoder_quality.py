"""Encoder quality and fit time: NMI against genre with KMeans, mean ± std over seeds.

Runs every registered encoder (or ``--encoders a,b``) on the deduplicated
TidyTuesday tracks (the ``spotify`` loader's defaults) and on GTZAN, fits it once
per seed, clusters its embedding with KMeans(k = number of genres) and reports
NMI against the primary label and the fit time. VaDE's own clusters are reported
too. Needs the data in ``$MUSICBENCH_DATA_DIR`` (default ``../shared/data``)::

    python tests/speed/encoder_quality.py [--encoders vae,vade] [--seeds 3]
        [--datasets spotify,gtzan] [--threads 2] [-p vae.beta=2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("MUSICBENCH_DATA_DIR", str(REPO.parent / "shared" / "data"))

from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402

from musicbench import build_registry, missing_modalities  # noqa: E402
from musicbench.benchmark.planning.params import parse_assignments  # noqa: E402
from musicbench.resolution import accepted_params, resolve_encoder_params  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoders", default="", help="comma-separated names (default: all)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", default="spotify,gtzan")
    parser.add_argument("--threads", type=int, default=2, help="n_threads of the torch encoders")
    parser.add_argument("-p", "--param", action="append", default=[], help="ENCODER.KEY=VALUE")
    args = parser.parse_args(argv)

    registry = build_registry(environ={})
    names = [n for n in args.encoders.split(",") if n] or registry.names("encoder")
    overrides: dict[str, dict] = {}
    for key, value in parse_assignments(args.param).items():
        encoder, _, param = key.partition(".")
        overrides.setdefault(encoder, {})[param] = value

    print(f"{'dataset':8} {'encoder':15} {'NMI (KMeans)':>16} {'own NMI':>16} {'fit s':>7}  params", flush=True)
    for dataset_name in args.datasets.split(","):
        dataset = registry.get("dataset", dataset_name).create().load()
        truth = dataset.labels[dataset.primary_label]
        k = dataset.n_classes()
        for name in names:
            entry = registry.get("encoder", name)
            params = dict(overrides.get(name, {}))
            if "n_threads" in accepted_params(entry.factory):
                params.setdefault("n_threads", args.threads)
            if missing_modalities(entry.create(), dataset):
                print(
                    f"{dataset_name:8} {name:15} {'skipped: needs ' + ', '.join(missing_modalities(entry.create(), dataset)):>16}"
                )
                continue
            scores, own, times = [], [], []
            for seed in range(args.seeds):
                encoder = entry.factory(**resolve_encoder_params(entry, params, seed))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    encoder.fit(dataset)
                    times.append(time.perf_counter() - start)
                    Z = encoder.transform(dataset)
                labels = KMeans(k, n_init=10, random_state=seed).fit_predict(Z)
                scores.append(normalized_mutual_info_score(truth, labels))
                if hasattr(encoder, "labels_"):
                    own.append(normalized_mutual_info_score(truth, encoder.labels_))
            own_text = f"{np.mean(own):.4f} ± {np.std(own):.4f}" if own else "-"
            shown = {p: v for p, v in params.items() if p != "n_threads"}
            print(
                f"{dataset_name:8} {name:15} {np.mean(scores):.4f} ± {np.std(scores):.4f} {own_text:>16} "
                f"{np.mean(times):7.2f}  {shown or ''}",
                flush=True,
            )


if __name__ == "__main__":
    main()
