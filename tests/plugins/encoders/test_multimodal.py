"""The multimodal VAE on the real 1,000-row lyrics excerpt (16 rows lack lyrics)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from musicbench import MISSING_LABEL, Dataset, Registry
from musicbench.errors import ConfigError, DataError
from musicbench.plugins.encoders.multimodal import MultimodalVAE

QUICK = {"epochs": 3, "batch_size": 128, "text_dim": 16, "random_state": 0, "n_threads": 1}


@pytest.fixture(scope="module")
def lyrics_dataset(registry: Registry, lyrics_sample_path: Path) -> Dataset:
    return registry.get("dataset", "spotify").create(path=lyrics_sample_path).load()


@pytest.mark.realdata
@pytest.mark.parametrize("fusion", ["poe", "concat"])
def test_fits_lyrics_with_rows_without_lyrics(lyrics_dataset: Dataset, fusion: str) -> None:
    missing = lyrics_dataset.texts["lyrics"] == MISSING_LABEL
    assert 0 < missing.sum() < lyrics_dataset.n_tracks  # the excerpt really has such rows
    encoder = MultimodalVAE(fusion=fusion, **QUICK).fit(lyrics_dataset)
    assert encoder.modalities_ == ["audio", "lyrics"]
    Z = encoder.transform(lyrics_dataset)
    assert Z.shape == (lyrics_dataset.n_tracks, encoder.latent_dim) and Z.dtype == np.float32
    assert np.isfinite(Z).all()
    assert np.isfinite(encoder.history_.train_loss).all()


@pytest.mark.realdata
def test_poe_without_lyrics_uses_the_audio_expert_alone(lyrics_dataset: Dataset) -> None:
    encoder = MultimodalVAE(**QUICK).fit(lyrics_dataset)
    lyrics = lyrics_dataset.texts["lyrics"].copy()
    lyrics[:10] = MISSING_LABEL
    no_lyrics = replace(lyrics_dataset, texts={**lyrics_dataset.texts, "lyrics": lyrics})
    with_text, without_text = encoder.transform(lyrics_dataset), encoder.transform(no_lyrics)
    assert np.array_equal(with_text[10:], without_text[10:])
    assert not np.allclose(with_text[:10], without_text[:10])  # the lyrics did count
    # Without lyrics the posterior is the product of the audio expert and the prior N(0, I).
    mean, log_var = encoder.module_.experts[0](torch.from_numpy(lyrics_dataset.audio[:10]))
    precision = torch.exp(-log_var)
    expected = (mean * precision / (1.0 + precision)).detach().numpy()
    assert np.allclose(without_text[:10], expected, atol=1e-5)


def test_title_is_used_without_lyrics(small_dataset: Dataset) -> None:
    no_lyrics = replace(small_dataset, texts={"title": small_dataset.texts["title"]})
    assert MultimodalVAE(**QUICK).fit(no_lyrics).modalities_ == ["audio", "title"]


def test_any_set_of_modalities_with_context(small_dataset: Dataset) -> None:
    years = np.arange(small_dataset.n_tracks, dtype=np.float32)[:, None] % 50 + 1970
    with_context = replace(small_dataset, context=years, context_names=("release_year",))
    encoder = MultimodalVAE(modalities=["audio", "lyrics", "context"], **QUICK).fit(with_context)
    assert encoder.modalities_ == ["audio", "lyrics", "context"]
    assert len(encoder.module_.experts) == 3 and len(encoder.module_.decoders) == 3
    Z = encoder.transform(with_context)
    assert Z.shape == (small_dataset.n_tracks, encoder.latent_dim) and np.isfinite(Z).all()
    # The context expert counts: other years give other embeddings.
    shifted = replace(with_context, context=years + 30)
    assert not np.allclose(Z, encoder.transform(shifted))


def test_context_is_refused_when_the_dataset_has_none(small_dataset: Dataset) -> None:
    with pytest.raises(DataError, match="needs the modality context"):
        MultimodalVAE(modalities=["audio", "context"], **QUICK).fit(small_dataset)


def test_saved_multimodal_vae_reloads_identically(small_dataset: Dataset, tmp_path: Path) -> None:
    years = np.arange(small_dataset.n_tracks, dtype=np.float32)[:, None] % 50 + 1970
    with_context = replace(small_dataset, context=years, context_names=("release_year",))
    encoder = MultimodalVAE(modalities=["audio", "text", "context"], **QUICK).fit(with_context)
    encoder.save(tmp_path / "mm.pt")
    loaded = MultimodalVAE.load(tmp_path / "mm.pt")
    assert np.array_equal(loaded.transform(with_context), encoder.transform(with_context))


def test_a_dataset_without_text_is_refused_by_name(small_dataset: Dataset) -> None:
    empty = {k: np.full(small_dataset.n_tracks, MISSING_LABEL, dtype=object) for k in small_dataset.texts}
    with pytest.raises(DataError, match="MultimodalVAE needs the modality lyrics or title"):
        MultimodalVAE(**QUICK).fit(replace(small_dataset, texts=empty))
    with pytest.raises(DataError, match="needs the modality lyrics"):
        MultimodalVAE(modalities=["audio", "lyrics"], **QUICK).fit(
            replace(small_dataset, texts={"title": small_dataset.texts["title"]})
        )


def test_bad_options_are_refused(small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match="fusion"):
        MultimodalVAE(fusion="sum").fit(small_dataset)
    with pytest.raises(ConfigError, match="modalities"):
        MultimodalVAE(modalities=["audio", "album"]).fit(small_dataset)
    with pytest.raises(ConfigError, match="modalities"):
        MultimodalVAE(modalities=["audio", "lyrics", "title"]).fit(small_dataset)
