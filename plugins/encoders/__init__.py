"""Built-in encoder plugins: raw, text, pca, umap, autoencoder, vae, beta-vae,
multimodal-vae, vade, idec and precomputed.

``beta-vae`` is the ``vae`` class registered with ``beta=4``. ``vade`` and ``idec``
also cluster: after ``fit`` their own assignment is ``labels_``, and
``predict(dataset)`` assigns any dataset (meta ``clusters=True`` says so to the runner).
"""

from __future__ import annotations

from typing import Any

from musicbench import hookimpl
from musicbench.plugins.encoders.classic import PCAEncoder, RawEncoder, UMAPEncoder
from musicbench.plugins.encoders.idec import IDEC
from musicbench.plugins.encoders.multimodal import MultimodalVAE
from musicbench.plugins.encoders.precomputed import PrecomputedEncoder
from musicbench.plugins.encoders.text import TextEncoder
from musicbench.plugins.encoders.vade import VaDE
from musicbench.plugins.encoders.vae import VAE, AutoEncoder

QUICK = {"epochs": 2, "batch_size": 64}
"""Training short enough for the contract checks (``check_params``)."""


def _umap_size(params: Any) -> tuple[int, str]:
    # Seeded UMAP runs on one core: 48 s for the 28k TidyTuesday tracks (measured),
    # growing a little faster than linearly, so about an hour at a million tracks.
    return 300_000, "a seeded UMAP runs on one core and takes about an hour at a million tracks"


@hookimpl
def register_encoders(register: Any) -> None:
    register("raw", RawEncoder)
    register("text", TextEncoder, check_params={"n_components": 8})
    register("pca", PCAEncoder)
    register(
        "umap",
        UMAPEncoder,
        check_params={"n_components": 2},
        preload="musicbench.plugins.encoders.umap_warmup",
        max_samples=_umap_size,
    )
    register("autoencoder", AutoEncoder, check_params=QUICK)
    register("vae", VAE, check_params=QUICK)
    register(
        "beta-vae",
        VAE,
        defaults={"beta": 4.0},
        description="The Gaussian VAE with beta=4: a stronger pull to the prior, for disentangling.",
        check_params=QUICK,
    )
    register("multimodal-vae", MultimodalVAE, check_params={**QUICK, "text_dim": 8})
    register("vade", VaDE, clusters=True, check_params={**QUICK, "pretrain_epochs": 1})
    register("idec", IDEC, clusters=True, check_params={**QUICK, "pretrain_epochs": 1})
    # Its input is a file the user names: `bench check` skips it without one.
    register("precomputed", PrecomputedEncoder, needs_user_file=True)
