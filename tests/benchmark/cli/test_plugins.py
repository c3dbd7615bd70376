"""``bench plugins`` and ``bench plugins check`` through the real entry point."""

from __future__ import annotations

from pathlib import Path

from tests.benchmark.support import bench

GOOD_AND_BAD = '''
import numpy as np
from sklearn.base import BaseEstimator
from musicbench import hookimpl, MusicbenchError

class FirstTwo(BaseEstimator):
    """Keeps the first two features."""
    required_modalities = ("audio",)
    def __init__(self, random_state=None):
        self.random_state = random_state
    def fit(self, dataset):
        if dataset.n_tracks == 0 or not np.isfinite(dataset.audio).all():
            raise MusicbenchError("first-two: no rows or NaN features")
        return self
    def transform(self, dataset):
        return dataset.audio[:, :2].astype(np.float32)

class Noisy(FirstTwo):
    """Ignores its seed: not deterministic."""
    def transform(self, dataset):
        return np.random.default_rng().normal(size=(dataset.n_tracks, 2)).astype(np.float32)

@hookimpl
def register_encoders(register):
    register("first-two", FirstTwo)
    register("noisy", Noisy)
'''


def test_plugins_table_shows_sources_and_failures(tmp_path: Path) -> None:
    good = tmp_path / "mine.py"
    good.write_text(GOOD_AND_BAD)
    broken = tmp_path / "broken.py"
    broken.write_text("import not_a_module_anywhere\n")
    done = bench("plugins", "--plugin", str(good), "--plugin", str(broken))
    assert done.returncode == 0, done.stderr
    assert "first-two" in done.stdout and "file" in done.stdout and "synthetic" in done.stdout
    assert "built-in" in done.stdout
    assert "warning: plugin 'broken'" in done.stderr and "not_a_module_anywhere" in done.stderr


def test_plugins_check_passes_and_fails_per_plugin(tmp_path: Path) -> None:
    plugin = tmp_path / "mine.py"
    plugin.write_text(GOOD_AND_BAD)
    done = bench("plugins", "check", "first-two", "noisy", "synthetic", "--plugin", str(plugin), timeout=300)
    assert done.returncode == 1
    lines = {line.split("│")[2].strip(): line for line in done.stdout.splitlines() if line.count("│") >= 4}
    assert "pass" in lines["first-two"]
    assert "pass" in lines["synthetic"]
    assert "fail" in lines["noisy"] and "different embeddings" in lines["noisy"]


def test_plugins_check_unknown_name(tmp_path: Path) -> None:
    done = bench("plugins", "check", "synthetik")
    assert done.returncode == 2 and "Did you mean 'synthetic'" in done.stderr


def test_version() -> None:
    done = bench("--version")
    assert done.returncode == 0 and "musicbench, version" in done.stdout


def test_plugins_show_gives_doc_parameters_modalities_source_and_version(tmp_path: Path) -> None:
    plugin = tmp_path / "mine.py"
    plugin.write_text(GOOD_AND_BAD)
    done = bench("plugins", "show", "first-two", "--plugin", str(plugin))
    assert done.returncode == 0, done.stderr
    assert "first-two (encoder)" in done.stdout
    assert "Keeps the first two features." in done.stdout
    assert "random_state: any or None = None" in done.stdout
    assert "modalities: audio" in done.stdout
    assert f"source: file: {plugin.resolve()}" in done.stdout and "version sha256:" in done.stdout


def test_plugins_show_marks_the_registered_default_that_wins() -> None:
    done = bench("plugins", "show", "beta-vae")
    assert done.returncode == 0, done.stderr
    assert "beta: float = 4.0 (registered)" in done.stdout
    assert "latent_dim: int = 8" in done.stdout


def test_plugins_show_unknown_name() -> None:
    done = bench("plugins", "show", "kmean")
    assert done.returncode == 2 and "Did you mean 'kmeans'" in done.stderr
