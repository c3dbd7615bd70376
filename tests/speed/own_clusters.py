"""Own clusters of the encoders that cluster (vade, idec, n2d) against KMeans on their latent (issue 20).

Target: the own assignment uses at least k - 1 of k clusters and scores within 0.01 NMI
of KMeans (k = number of classes) on the same latent space. Datasets and loading as
``tune_defaults.py`` (development split by default; 3 seeds, one torch thread);
``--set KEY=VALUE`` (repeatable, a Python literal) overrides an encoder parameter::

    nice -n 10 python tests/speed/own_clusters.py --split dev
    nice -n 10 python tests/speed/own_clusters.py --split dev --encoders vade --set epochs=30
    nice -n 10 python tests/speed/own_clusters.py --split held-out --encoders vade,idec

The search that chose VaDE's and IDEC's defaults, on the development split only
(own NMI / KMeans NMI, mean of 3 seeds; clusters used, of 6 and 10; synthetic, then
TidyTuesday, then GTZAN):

* vade, the paper's recipe (``mixture_init='gmm' uniform_weights=False
  covariance='diag' epochs=30``): .431/.436 6; .075/.104 5.0; .287/.293 9.7
* vade ``mixture_init='kmeans' uniform_weights=True`` (diag, 30 epochs):
  .407/.409; .092/.109 6.0; .291/.296 9.7
* vade, that and ``covariance='tied'``: .418/.420; .090/.109 6.0; .291/.292 9.7
* vade, that and ``epochs=5``: .405/.410; .093/.100 6.0; .293/.291 10.0
* vade, that and ``epochs=10`` (**the defaults**): .406/.414; .103/.110 6.0; .290/.295 10.0
* vade, that and ``epochs=15``: .413/.415; .101/.108 6.0; .291/.294 9.7
* vade, kmeans + uniform, diag, ``epochs=10``: .397/.405; .103/.108; .289/.303 (GTZAN misses)
* vade, gmm + uniform + tied, ``epochs=10``: .437/.437; .098/.108 6.0; .282/.300 9.7 (GTZAN misses)
* vade, gmm + tied (floored weights, 30 epochs): .447/.449; .079/.108 4.7; .287/.298 9.0
* idec, the paper's ``gamma=0.1`` with 20 clustering epochs: .419/.424; .096/.091; .306/.320
* idec ``gamma=0.5``: .420/.421; .098/.098; .305/.319; ``gamma=1.0``: .419/.421; .101/.101; .304/.316
* idec ``epochs=3``: .415/.425; .091/.092; .308/.308; ``epochs=5``: .417/.428; .091/.090; .309/.316
* idec ``epochs=10``: .417/.433; .092/.090; .310/.308; ``tol=0.01``: .415/.424; .091/.090; .308/.311
* idec ``gamma=1.0 epochs=5``: .417/.425; .095/.096; .308/.311
* idec ``gamma=1.0 epochs=10`` (**the defaults**): .419/.424; .097/.098; .311/.318

Every idec run used all clusters. Reported on the held-out split with those defaults
(``--split held-out --encoders vade,idec``; own / KMeans, clusters used of k):

* vade: machinehack .155/.150 11/11; fma .283/.311 2/2 (misses by 0.028); beatport
  .240/.248 23/23; turkish .176/.183 4/4; moods .535/.535 4/4; indian .100/.102 5/5
* idec: machinehack .140/.139 11/11; fma .121/.122 2/2; beatport .242/.242 23/23;
  turkish .190/.208 4/4 (misses by 0.018, seeds spread 0.05); moods .511/.512 4/4;
  indian .079/.073 5/5

The paper's recipes on the same held-out runs, for comparison (vade ``--set
mixture_init='gmm' --set uniform_weights=False --set covariance='diag' --set
epochs=30``, idec ``--set gamma=0.1 --set epochs=20``):

* vade: machinehack .149/.149 10.7; fma .095/.245 2 (misses by 0.150); beatport
  .233/.251 22.7 (0.018); turkish .174/.181 4; moods .531/.540 4; indian .119/.135 5 (0.016)
* idec: machinehack .146/.148; fma .150/.134; beatport .237/.231; turkish .200/.244
  (0.044); moods .509/.500; indian .080/.107 (0.027); all clusters used

Second search (VaDE's prior update), on the development split only, with TidyTuesday's
full table (``--max-rows 100000``: 28,356 rows; the 5,000-row sample above had hidden
most of VaDE's gap there). Every command is ``nice -n 10 python
tests/speed/own_clusters.py --split dev --max-rows 100000 --encoders vade`` (``idec``
for its rows) plus the ``--set`` shown (written out in full: the defaults have changed
since); own / KMeans, mean of 3 seeds, synthetic, TidyTuesday, GTZAN; every run used
all clusters (6, 6, 10):

* vade, the previous defaults (``prior_update='gradient' epochs=10``): .406/.414;
  .085/.116 (misses by 0.031); .290/.295
* ``prior_update='gradient' epochs=10 mixture_learning_rate=0.03``: .414/.422;
  .069/.112 (0.043); .294/.303; ``mixture_learning_rate=0.01``: .413/.414; .061/.114
  (0.053); .289/.298
* ``prior_update='em' epochs=10`` (soft M-step each epoch): .414/.424 (0.010);
  .107/.125 (0.018); .294/.298; ``epochs=15``: .409/.432 (0.023); .096/.121 (0.025);
  .304/.301
* ``epochs=10``, the M-step's variances without the posterior variance (a temporary
  switch, not kept), soft: .419/.412; .117/.125; .292/.292; hard: .417/.402;
  .115/.115; .289/.291 (KMeans on the codes lower than with it)
* ``prior_update='hard-em' epochs=10``: .426/.424; .125/.125; .294/.299
* ``prior_update='hard-em' epochs=5``: .419/.414; .116/.115; .296/.292
* ``prior_update='hard-em' epochs=15`` (**the defaults**): .431/.424; .127/.126;
  .301/.302 (the plain ``--encoders vade,idec`` run repeats these figures exactly)
* ``prior_update='hard-em' epochs=20``: .426/.426; .127/.126; .302/.304;
  ``epochs=30``: .426/.426; .127/.126; .301/.304
* ``prior_update='hard-em' epochs=10 beta=0.25``: .424/.418; .122/.123; .298/.309
  (GTZAN misses); ``beta=1.0``: .427/.413; .118/.119; .289/.291
* ``prior_update='hard-em' epochs=15 covariance='diag'``: .404/.407; .128/.128;
  .289/.304 (GTZAN misses)
* idec, its defaults (unchanged): .419/.424; .086/.085; .311/.318
* idec ``centre_learning_rate=0.003``: .420/.426; .085/.085; .310/.317;
  ``0.01``: .429/.428; .083/.083; .311/.314; ``0.03``: .431/.428; .081/.079;
  .316/.313. The larger rates close the gaps but lower KMeans on TidyTuesday and
  GTZAN (0.085 to 0.079, 0.318 to 0.313), so the option stays off.

Reported on the held-out split with those defaults, once, after the choice; no
candidate was run after it, so nothing was tuned against beatport's miss
(``--split held-out --max-rows 100000 --encoders vade,idec``; full tables, so
machinehack has its 11,813 complete rows where the report above used 5,000; own /
KMeans, clusters used of k):

* vade: machinehack .136/.136 11/11; fma .252/.244 2/2; beatport .238/.251 23/23
  (misses by 0.013); turkish .201/.188 4/4; moods .540/.545 4/4; indian .092/.100 5/5
* idec: machinehack .126/.126 11/11; fma .121/.122 2/2; beatport .242/.242 23/23;
  turkish .190/.208 4/4 (misses by 0.018; std over seeds 0.05 and 0.07); moods
  .511/.512 4/4; indian .079/.073 5/5
Third search (the pretraining's length, 2026-12-04), on the development split only,
5,000-row TidyTuesday sample (``--split dev --encoders vade,idec``, then the same with
``--set pretrain_epochs=None``): about 2,000 optimiser steps, the schedule the
autoencoder and VAE had just taken from N2D (VaDE pretrained 10 epochs and IDEC 20,
40 and 80 steps on GTZAN); own / KMeans, mean of 3 seeds, synthetic, TidyTuesday,
GTZAN; every run used all clusters:

* vade, 10 pretraining epochs: .431/.424; .117/.120; .301/.301
* vade ``pretrain_epochs=None`` (**the default since**): .438/.437; .117/.116; .319/.318
* idec, 20 pretraining epochs: .419/.424; .097/.098; .311/.318
* idec ``pretrain_epochs=None`` (**the default since**): .438/.430; .104/.104; .309/.307
"""

from __future__ import annotations

import argparse
import ast
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tune_defaults import DEVELOPMENT, HELD_OUT, load  # noqa: E402

from musicbench import build_registry  # noqa: E402
from musicbench.resolution import resolve_encoder_params  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "held-out", "all"), default="dev")
    parser.add_argument("--datasets", default="")
    parser.add_argument("--encoders", default="vade,idec,n2d")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--max-rows", type=int, default=5000)
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="an encoder parameter (a Python literal)"
    )
    args = parser.parse_args(argv)
    overrides = {key: ast.literal_eval(value) for key, _, value in (item.partition("=") for item in args.set)}
    split = {"dev": DEVELOPMENT, "held-out": HELD_OUT, "all": DEVELOPMENT + HELD_OUT}[args.split]
    registry = build_registry(environ={})
    print(f"{'dataset':12} {'encoder':8} {'own NMI':>16} {'KMeans NMI':>16} {'own used of k':>14}")
    for name in [n for n in args.datasets.split(",") if n] or list(split):
        dataset = load(name, registry, args.max_rows)
        truth, k = dataset.labels[dataset.primary_label], dataset.n_classes()
        for encoder_name in args.encoders.split(","):
            entry = registry.get("encoder", encoder_name)
            own, kmeans, used = [], [], []
            for seed in range(args.seeds):
                encoder = entry.factory(**resolve_encoder_params(entry, {**overrides, "n_threads": 1}, seed))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    Z = encoder.fit(dataset).transform(dataset)
                with threadpool_limits(1):
                    labels = KMeans(k, n_init=10, random_state=seed).fit_predict(Z)
                own.append(normalized_mutual_info_score(truth, encoder.labels_))
                kmeans.append(normalized_mutual_info_score(truth, labels))
                used.append(len(set(encoder.labels_.tolist())))
            print(
                f"{name:12} {encoder_name:8} {np.mean(own):.4f} ± {np.std(own):.4f} "
                f"{np.mean(kmeans):.4f} ± {np.std(kmeans):.4f} {np.mean(used):8.1f} of {k}",
                flush=True,
            )


if __name__ == "__main__":
    main()
