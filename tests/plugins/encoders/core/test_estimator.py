"""fit/transform conventions, save and load, written once for every torch encoder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.base import clone

from musicbench import Dataset
from musicbench.errors import DataError
from musicbench.plugins.encoders.base import NotFittedEncoderError
from musicbench.plugins.encoders.core.estimator import NeuralEncoder
from musicbench.plugins.encoders.idec import IDEC
from musicbench.plugins.encoders.multimodal import MultimodalVAE
from musicbench.plugins.encoders.vade import VaDE
from musicbench.plugins.encoders.vae import VAE, AutoEncoder

QUICK = {"epochs": 2, "batch_size": 64, "random_state": 0}


@pytest.mark.parametrize(
    "make",
    [
        lambda: AutoEncoder(**QUICK),
        lambda: VAE(**QUICK),
        lambda: MultimodalVAE(text_dim=8, **QUICK),
        lambda: VaDE(pretrain_epochs=1, **QUICK),
    ],
)
def test_save_and_load_roundtrip(make, small_dataset: Dataset, tmp_path: Path) -> None:
    encoder = make().fit(small_dataset)
    path = tmp_path / "encoder.pt"
    encoder.save(path)
    loaded = NeuralEncoder.load(path)  # the saved class is found by name
    assert type(loaded) is type(encoder)
    assert loaded.get_params() == encoder.get_params()
    assert np.array_equal(loaded.transform(small_dataset), encoder.transform(small_dataset))
    torch.load(path, weights_only=True)  # plain data only


def test_load_refuses_another_class_and_other_files(small_dataset: Dataset, tmp_path: Path) -> None:
    path = tmp_path / "vae.pt"
    VAE(**QUICK).fit(small_dataset).save(path)
    with pytest.raises(DataError, match="not a AutoEncoder"):
        AutoEncoder.load(path)
    junk = tmp_path / "junk.pt"
    junk.write_text("not torch")
    with pytest.raises(DataError, match="not a saved musicbench encoder"):
        VAE.load(junk)
    with pytest.raises(DataError, match="no saved encoder"):
        VAE.load(tmp_path / "missing.pt")


def test_transform_before_fit_is_refused(small_dataset: Dataset) -> None:
    with pytest.raises(NotFittedEncoderError, match="VAE is not fitted"):
        VAE().transform(small_dataset)


def test_fit_returns_the_posterior_mean_deterministically(small_dataset: Dataset) -> None:
    vae = VAE(**QUICK).fit(small_dataset)
    first = vae.transform(small_dataset)
    assert first.dtype == np.float32 and first.shape == (small_dataset.n_tracks, vae.latent_dim)
    assert np.array_equal(first, vae.transform(small_dataset))  # no sampling in transform
    other = VAE(**{**QUICK, "random_state": 1}).fit(small_dataset).transform(small_dataset)
    assert not np.array_equal(first, other)


def test_fit_does_not_touch_the_global_torch_generator(small_dataset: Dataset) -> None:
    state = torch.get_rng_state()
    VAE(**QUICK).fit(small_dataset)
    assert torch.equal(state, torch.get_rng_state())


def test_clone_and_set_params() -> None:
    vae = VAE(latent_dim=3, beta=2.0)
    copy = clone(vae).set_params(latent_dim=5)
    assert copy.latent_dim == 5 and vae.latent_dim == 3 and copy.beta == 2.0


def test_wrong_feature_count_is_refused(small_dataset: Dataset) -> None:
    vae = VAE(**QUICK).fit(small_dataset)
    narrower = Dataset(
        name="narrow",
        audio=small_dataset.audio[:, :3],
        feature_names=small_dataset.feature_names[:3],
        track_ids=small_dataset.track_ids,
        labels=small_dataset.labels,
    )
    with pytest.raises(DataError, match="fitted on 10 features"):
        vae.transform(narrower)


def test_the_single_input_encoders_and_pretrainings_take_about_two_thousand_steps_by_default() -> None:
    # core.training.default_epochs: 900 training rows in batches of 256 need 500 epochs, capped at 200
    for encoder in (AutoEncoder(), VAE()):
        assert encoder.patience == 10 and encoder._training_config().epochs_for(1_000) == 200
    assert MultimodalVAE()._training_config().epochs_for(1_000) == 30  # it keeps its 30 epochs (LONG_TRAINING)
    assert VaDE().pretrain_epochs is None and IDEC().pretrain_epochs is None  # so do their pretrainings
