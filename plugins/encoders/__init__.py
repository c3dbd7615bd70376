"""Built-in encoder plugins: raw, text, pca, umap, autoencoder, vae, beta-vae,
multimodal-vae, vade, idec, n2d and precomputed.

``beta-vae`` is the ``vae`` class registered with ``beta=4``. ``vade``, ``idec`` and
``n2d`` also cluster: after ``fit`` their own assignment is ``labels_``, and
``predict(dataset)`` assigns any dataset (meta ``clusters=True`` says so to the runner).
"""

from __future__ import annotations

from typing import Any

from musicbench import AUDIO, TEXT_MODALITIES, hookimpl
from musicbench.info import per_track
from musicbench.plugins.encoders.numba_cache import umap_is_warm  # imports no numba: reads a small file

# Registered by name: each module (torch, umap, scikit-learn) is imported when a run
# uses it, not to list plugins. `modalities` repeats each class's required_modalities
# for the listing; the contract checks fail the entry if the two ever disagree.
HERE = "musicbench.plugins.encoders"
ANY_TEXT = " or ".join(TEXT_MODALITIES)
TORCH_WARMUP = f"{HERE}.core.warmup"

# `cost`: seconds per track of one fit on one core, measured with the default
# parameters on 2,000 synthetic tracks (the default `bench run --all`) on the
# project's 2-core machine. It orders the first run's fits, longest first, and
# gives its first ETA; afterwards the store's own timings take over.
QUICK = {"epochs": 2, "batch_size": 64}
"""Training short enough for the contract checks (``check_params``)."""


def _umap_size(params: Any) -> tuple[int, str]:
    # Seeded UMAP runs on one core: 48 s for the 28k TidyTuesday tracks (measured),
    # growing a little faster than linearly, so about an hour at a million tracks.
    return 300_000, "a seeded UMAP runs on one core and takes about an hour at a million tracks"


@hookimpl
def register_encoders(register: Any) -> None:
    register("raw", f"{HERE}.classic:RawEncoder", modalities=(AUDIO,), cost=per_track(1e-6))
    register(
        "text",
        f"{HERE}.text:TextEncoder",
        modalities=(ANY_TEXT,),
        cost=per_track(2.5e-5),
        check_params={"n_components": 8},
    )
    register("pca", f"{HERE}.classic:PCAEncoder", modalities=(AUDIO,), cost=per_track(5e-6))
    register(
        "umap",
        f"{HERE}.classic:UMAPEncoder",
        modalities=(AUDIO,),
        cost=per_track(2.7e-3),
        check_params={"n_components": 2},
        preload="musicbench.plugins.encoders.umap_warmup",
        preload_ready=umap_is_warm,
        max_samples=_umap_size,
    )
    register(
        "autoencoder",
        f"{HERE}.vae:AutoEncoder",
        modalities=(AUDIO,),
        cost=per_track(1.6e-4),
        preload=TORCH_WARMUP,
        check_params=QUICK,
    )
    register(
        "vae",
        f"{HERE}.vae:VAE",
        modalities=(AUDIO,),
        cost=per_track(1.4e-4),
        preload=TORCH_WARMUP,
        check_params=QUICK,
    )
    register(
        "beta-vae",
        f"{HERE}.vae:VAE",
        modalities=(AUDIO,),
        cost=per_track(1.4e-4),
        preload=TORCH_WARMUP,
        # free_bits 1.0 (not the VAE's 0.25): chosen on synthetic + TidyTuesday + GTZAN
        # by tests/speed/tune_defaults.py; at beta=4 without it every unit collapsed.
        defaults={"beta": 4.0, "free_bits": 1.0},
        description="The Gaussian VAE with beta=4 and a free-bits floor of 1 nat per latent unit.",
        check_params=QUICK,
    )
    register(
        "multimodal-vae",
        f"{HERE}.multimodal:MultimodalVAE",
        modalities=(AUDIO, ANY_TEXT),
        cost=per_track(6.7e-4),
        preload=TORCH_WARMUP,
        check_params={**QUICK, "text_dim": 8},
    )
    register(
        "vade",
        f"{HERE}.vade:VaDE",
        modalities=(AUDIO,),
        cost=per_track(6.2e-4),
        preload=TORCH_WARMUP,
        clusters=True,
        check_params={**QUICK, "pretrain_epochs": 1},
    )
    register(
        "idec",
        f"{HERE}.idec:IDEC",
        modalities=(AUDIO,),
        cost=per_track(4.4e-4),
        preload=TORCH_WARMUP,
        clusters=True,
        check_params={**QUICK, "pretrain_epochs": 1},
    )
    register(
        "n2d",
        f"{HERE}.n2d:N2D",
        modalities=(AUDIO,),
        # the autoencoder's cost plus UMAP's (on an 8-wide code): not yet measured on its own
        cost=per_track(2.9e-3),
        preload=f"{HERE}.n2d_warmup",
        preload_ready=umap_is_warm,
        clusters=True,
        max_samples=_umap_size,
        check_params={**QUICK, "umap_dim": 2},
    )
    # Its input is a file the user names: `bench check` skips it without one.
    register(
        "precomputed",
        f"{HERE}.precomputed:PrecomputedEncoder",
        modalities=(AUDIO,),
        cost=per_track(1e-6),
        needs_user_file=True,
    )
