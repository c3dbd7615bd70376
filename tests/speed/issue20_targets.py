"""Issue 20's targets read from a suite store (the committed leaderboards' run).

Every figure comes from the store that ``leaderboards/README.md``'s command fills
(``bench run --all --config leaderboards/all.toml``): 3 seeds, KMeans with k = the
number of classes, NMI against each dataset's primary label. Nothing is fitted here::

    python tests/speed/issue20_targets.py --store leaderboards.sqlite

It prints, per dataset, raw against the best VAE-family encoder (development split or
held out), the VAE family's active latent units, VaDE's, IDEC's and N2D's own
assignment against KMeans on the same latent space (and the clusters it uses), the
GTZAN and lyrics targets, and the fit seconds of the neural encoders on TidyTuesday
(one thread per worker, two workers: a figure of the run, not a quiet benchmark).
"""

from __future__ import annotations

import argparse
import math

from musicbench.benchmark.reports import Leaderboard, build
from musicbench.benchmark.reports.table import Entry, dataset_runs
from musicbench.benchmark.results.store import ResultStore

FAMILY = ("vae", "beta-vae", "multimodal-vae", "vade", "idec", "autoencoder", "n2d")
COLLAPSE = ("vae", "beta-vae", "multimodal-vae")
OWN = ("vade", "idec", "n2d")
DEVELOPMENT = ("tidytuesday", "gtzan")
"""The real datasets of the development split (with the synthetic one) that chose the defaults."""
NEURAL = (*FAMILY, "text")


def _entry(lb: Leaderboard, encoder: str, clusterer: str) -> Entry | None:
    return next((e for e in lb.entries if e.encoder_label == encoder and e.clusterer_label == clusterer), None)


def _family(lb: Leaderboard, clusterer: str = "kmeans") -> list[Entry]:
    return [e for e in lb.entries if e.encoder in FAMILY and e.clusterer_label == clusterer]


def report(lb: Leaderboard) -> list[str]:
    metric, name = lb.metric, lb.dataset_name
    split = "development" if name in DEVELOPMENT else "held out"
    lines = [f"## {name} ({split}; {metric})"]
    raw = _entry(lb, "raw", "kmeans")
    family = _family(lb)
    if raw and family:
        best = max(family, key=lambda e: e.mean(metric))
        gap = best.mean(metric) - raw.mean(metric)
        verdict = "beats" if gap > 0 else ("reaches (within 0.005)" if gap >= -0.005 else "below")
        lines.append(
            f"raw x kmeans {raw.mean(metric):.4f}; best VAE family {best.encoder_label} x kmeans "
            f"{best.mean(metric):.4f} ({gap:+.4f}: {verdict})"
        )
    for e in family:
        if e.encoder in COLLAPSE and not math.isnan(e.mean("active_units")):
            lines.append(f"active units: {e.encoder_label} {e.mean('active_units'):.1f} (mean over seeds)")
    for encoder in OWN:
        own, kmeans = _entry(lb, encoder, "(own)"), _entry(lb, encoder, "kmeans")
        if own and kmeans:
            gap = own.mean(metric) - kmeans.mean(metric)
            lines.append(
                f"{encoder} own {own.mean(metric):.4f} vs kmeans on its latent {kmeans.mean(metric):.4f} "
                f"({gap:+.4f}, {'within 0.01' if gap >= -0.01 else 'MISS'}); clusters used "
                f"{own.mean('n_clusters'):.2f} of {lb.n_classes}"
            )
    if name == "gtzan":
        umap = _entry(lb, "umap", "kmeans")
        n2d = _entry(lb, "n2d", "(own)")
        if umap and n2d:
            lines.append(f"n2d (own) {n2d.mean(metric):.4f} vs umap x kmeans {umap.mean(metric):.4f}")
    if name == "spotify-lyrics-sample":
        text = _entry(lb, "text", "kmeans")
        multi = _entry(lb, "multimodal-vae(modalities=audio+text)", "kmeans")
        if text and multi:
            apart = multi.low > text.high
            lines.append(
                f"multimodal (audio+text) x kmeans {multi.mean(metric):.4f} [{multi.low:.4f}, {multi.high:.4f}] vs "
                f"text x kmeans {text.mean(metric):.4f} [{text.low:.4f}, {text.high:.4f}]: "
                f"{'above, intervals apart' if apart else 'not above outside the overlap'}"
            )
    if name == "tidytuesday":
        fits = {e.encoder_label: max(e.timing("fit_s"), 0.0) for e in lb.entries if e.encoder in NEURAL}
        lines.append("fit s (28,356 tracks): " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(fits.items())))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", default="leaderboards.sqlite")
    args = parser.parse_args()
    store = ResultStore(args.store)
    for _, name, fingerprint in sorted(dataset_runs(store), key=lambda run: run[1]):
        print("\n".join(report(build(store, name, fingerprint=fingerprint))), end="\n\n")
    store.close()


if __name__ == "__main__":
    main()
