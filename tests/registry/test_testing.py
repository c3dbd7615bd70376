"""musicbench.testing: the checks catch broken plugins, and the parametrization is sound."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from musicbench import UnknownPluginError, build_registry
from musicbench.testing import (
    CHECKS,
    ContractError,
    check_encoder_declared_modalities,
    check_encoder_output,
    check_encoder_own_clusters,
    check_encoder_refuses_bad_input,
    parametrize_with_checks,
    run_check,
    tiny_dataset,
)

BROKEN = """
import numpy as np
from sklearn.base import BaseEstimator
from musicbench import hookimpl

class Noisy(BaseEstimator):
    '''float64, unseeded, accepts anything, and has an undeclared predict.'''
    required_modalities = ("audio",)
    def __init__(self, random_state=None):
        self.random_state = random_state
    def fit(self, dataset):
        return self
    def transform(self, dataset):
        return np.random.default_rng().standard_normal((dataset.n_tracks, 2))
    def predict(self, dataset):
        return np.zeros(dataset.n_tracks, dtype=int)

@hookimpl
def register_encoders(register):
    register("noisy", Noisy)
"""


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("plugins") / "broken.py"
    path.write_text(BROKEN)
    registry = build_registry([path], entry_points=False, environ={})
    return registry.get("encoder", "noisy")


def test_the_output_check_names_every_problem(broken) -> None:
    with pytest.raises(ContractError) as error:
        check_encoder_output(broken, tiny_dataset())
    assert "float32" in str(error.value) and "different embeddings" in str(error.value)


def test_bad_input_that_is_accepted_fails(broken) -> None:
    with pytest.raises(ContractError, match="NaN features.*zero rows"):
        check_encoder_refuses_bad_input(broken, tiny_dataset())


def test_an_undeclared_predict_fails(broken) -> None:
    with pytest.raises(ContractError, match="clusters=True"):
        check_encoder_own_clusters(broken, tiny_dataset())


def test_declared_modalities_must_match_the_class() -> None:
    registry = build_registry(entry_points=False, environ={})
    text = registry.get("encoder", "text")
    check_encoder_declared_modalities(text, tiny_dataset())  # the built-in agrees with its class
    wrong = dataclasses.replace(text, info=dataclasses.replace(text.info, modalities=("audio",)))
    with pytest.raises(ContractError, match="modalities=\\('audio',\\).*'lyrics or title'"):
        check_encoder_declared_modalities(wrong, tiny_dataset())


def test_run_check_collects_every_failure(broken) -> None:
    result = run_check(broken, tiny_dataset())
    assert result.status == "fail"
    assert result.detail.count(";") >= 3


def test_a_loader_without_its_file_is_skipped() -> None:
    registry = build_registry(entry_points=False, environ={})
    assert run_check(registry.get("dataset", "csv"), tiny_dataset()).status == "skip"


def test_parametrize_with_checks_makes_one_case_per_check() -> None:
    registry = build_registry(entry_points=False, environ={})
    mark = parametrize_with_checks(["kmeans", "nmi"], registry=registry)
    argnames, cases = mark.args
    assert argnames == ("entry", "check")
    assert [c.__name__ for _, c in cases] == [c.__name__ for c in (*CHECKS["clusterer"], *CHECKS["metric"])]
    assert mark.kwargs["ids"][0] == "clusterer:kmeans-check_clusterer_labels"


def test_an_unknown_name_is_an_error_not_an_empty_test() -> None:
    registry = build_registry(entry_points=False, environ={})
    with pytest.raises(UnknownPluginError, match="Did you mean 'kmeans'"):
        parametrize_with_checks(["kmean"], registry=registry)


def test_the_tiny_dataset_has_every_modality() -> None:
    dataset = tiny_dataset()
    assert dataset.modalities == ("audio", "lyrics", "title")
    assert dataset.audio.dtype == np.float32


def test_the_scaffolded_plugins_pass_every_check(tmp_path: Path) -> None:
    from musicbench.benchmark.cli.scaffold import make_scaffold, write_scaffold

    files = []
    for kind in ("encoder", "clusterer", "metric"):
        scaffold = make_scaffold(kind, f"my-{kind}", tmp_path / kind)
        write_scaffold(scaffold)
        files.append(scaffold.folder / f"{scaffold.module}.py")
    registry = build_registry(files, entry_points=False, environ={})
    assert not registry.failures
    for kind in ("encoder", "clusterer", "metric"):
        result = run_check(registry.get(kind, f"my-{kind}"), tiny_dataset())  # type: ignore[arg-type]
        assert result.status == "pass", result.detail
