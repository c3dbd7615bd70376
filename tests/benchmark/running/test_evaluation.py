"""evaluate(): result names, noise, missing labels, the fixed sample, real data."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score

from musicbench import Dataset, Registry
from musicbench.benchmark.running.evaluation import evaluate, evaluation_sample, known_label_rows
from musicbench.errors import DataError
from musicbench.plugins.metrics.external import nmi
from musicbench.plugins.metrics.internal import silhouette


@pytest.fixture(scope="module")
def cell(small_dataset: Dataset) -> tuple[Dataset, np.ndarray, np.ndarray]:
    """The synthetic dataset, a 3-D 'latent' projection, and k-means labels."""
    rng = np.random.default_rng(0)
    embedding = (small_dataset.audio @ rng.normal(size=(small_dataset.audio.shape[1], 3))).astype(np.float32)
    labels = KMeans(4, n_init=2, random_state=0).fit_predict(small_dataset.audio)
    return small_dataset, embedding, labels


def test_result_names_cover_every_label_and_space(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    results = evaluate(registry.metrics(), dataset, embedding, labels)
    assert {"nmi[genre]", "nmi[subgenre]", "nmi[language]", "accuracy[genre]"} <= set(results)
    assert {"silhouette@latent", "silhouette@reference", "davies_bouldin@reference"} <= set(results)
    assert results["n_clusters"].value == 4.0 and results["noise_fraction"].value == 0.0
    assert results["silhouette@reference"].value == pytest.approx(silhouette(dataset.audio, labels))
    assert results["silhouette@latent"].value == pytest.approx(silhouette(embedding, labels))
    assert results["davies_bouldin@latent"].higher_is_better is False
    assert all(r.reason is None for r in results.values())


def test_missing_labels_are_left_out_of_external_metrics(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    language = dataset.labels["language"].copy()
    already_missing = language == ""  # tracks generated without lyrics
    assert already_missing.any()
    language[:40] = ""
    language[40:50] = None
    language[50:55] = np.nan
    dataset = replace(dataset, labels={**dataset.labels, "language": language})
    result = evaluate(registry.metrics(), dataset, embedding, labels)["nmi[language]"]
    known = (np.arange(dataset.n_tracks) >= 55) & ~already_missing
    assert result.n_rows == known.sum()
    assert result.value == pytest.approx(normalized_mutual_info_score(language[known].astype(str), labels[known]))


def test_a_label_missing_everywhere_is_nan_with_a_reason(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    empty = np.full(dataset.n_tracks, "", dtype=object)
    dataset = replace(dataset, labels={**dataset.labels, "language": empty})
    results = evaluate(registry.metrics(), dataset, embedding, labels)
    for name in ("nmi", "ami", "ari", "purity", "accuracy"):
        assert math.isnan(results[f"{name}[language]"].value)
        assert "no track has a known 'language' label" in results[f"{name}[language]"].reason
    assert not math.isnan(results["nmi[genre]"].value)


def test_noise_is_a_cluster_outside_and_left_out_inside(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    noisy = labels.copy()
    noisy[::5] = -1
    results = evaluate(registry.metrics(), dataset, embedding, noisy)
    kept = noisy != -1
    assert results["silhouette@reference"].value == pytest.approx(silhouette(dataset.audio[kept], noisy[kept]))
    assert results["silhouette@reference"].n_rows == kept.sum()
    assert results["nmi[genre]"].value == pytest.approx(nmi(dataset.labels["genre"], noisy))
    assert results["noise_fraction"].value == pytest.approx(0.2)
    assert results["n_clusters"].value == 4.0


@pytest.mark.parametrize(
    ("make_labels", "reason"),
    [
        (lambda n: np.full(n, -1), "all are noise"),
        (lambda n: np.zeros(n, dtype=int), "fewer than 2 clusters"),
        (lambda n: np.arange(n), "as many clusters as points"),
    ],
)
def test_degenerate_partitions_give_nan_never_an_error(registry: Registry, cell, make_labels, reason: str) -> None:
    dataset, embedding, _ = cell
    results = evaluate(registry.metrics(), dataset, embedding, make_labels(dataset.n_tracks))
    for space in ("latent", "reference"):
        for name in ("silhouette", "calinski_harabasz", "davies_bouldin"):
            value = results[f"{name}@{space}"]
            assert math.isnan(value.value) and reason in value.reason
    assert all(not math.isnan(results[f"{m}[genre]"].value) for m in ("nmi", "ami", "ari", "purity", "accuracy"))


def test_internal_metrics_use_the_same_fixed_sample_for_every_cell(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    rows = evaluation_sample(dataset.n_tracks, 120)
    assert rows is not None and len(rows) == 120
    np.testing.assert_array_equal(rows, evaluation_sample(dataset.n_tracks, 120))
    assert evaluation_sample(dataset.n_tracks, dataset.n_tracks) is None
    results = evaluate(registry.metrics(), dataset, embedding, labels, sample_size=120)
    assert results["silhouette@reference"].value == pytest.approx(silhouette(dataset.audio[rows], labels[rows]))
    assert results["silhouette@reference"].n_rows == 120
    assert results["nmi[genre]"].n_rows == dataset.n_tracks  # external metrics use every row


def test_known_label_rows() -> None:
    values = np.array(["en", "", None, np.nan, "es"], dtype=object)
    assert known_label_rows(values).tolist() == [True, False, False, False, True]
    assert known_label_rows(np.array([1.0, np.nan])).tolist() == [True, False]


def test_mismatched_inputs_are_clear_errors(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    with pytest.raises(DataError, match="cluster labels"):
        evaluate(registry.metrics(), dataset, embedding, labels[:-1])
    with pytest.raises(DataError, match="embedding has shape"):
        evaluate(registry.metrics(), dataset, embedding[:-1], labels)


@pytest.mark.realdata
def test_lyrics_excerpt_with_16_empty_languages(registry: Registry, lyrics_sample_path: Path) -> None:
    dataset = registry.get("dataset", "spotify").create(path=str(lyrics_sample_path)).load()
    assert int((dataset.labels["language"] == "").sum()) == 16
    labels = KMeans(6, n_init=2, random_state=0).fit_predict(dataset.audio)
    results = evaluate(registry.metrics(), dataset, dataset.audio, labels)
    language = results["nmi[language]"]
    assert language.n_rows == dataset.n_tracks - 16
    assert 0.0 <= language.value <= 1.0 and language.reason is None
    assert results["silhouette@latent"].value == pytest.approx(results["silhouette@reference"].value)


def _independent(dataset: Dataset, embedding: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> dict[str, float]:
    """Every figure of :func:`evaluate`, from scikit-learn on explicitly chosen rows."""
    from sklearn import metrics as sk

    expected: dict[str, float] = {}
    for label, truth in dataset.labels.items():
        known = known_label_rows(truth)
        t, p = np.asarray(truth)[known].astype(str), labels[known]
        expected[f"nmi[{label}]"] = sk.normalized_mutual_info_score(t, p)
        expected[f"ami[{label}]"] = sk.adjusted_mutual_info_score(t, p)
        expected[f"ari[{label}]"] = sk.adjusted_rand_score(t, p)
    inside = rows[labels[rows] != -1]
    for space, X in (("latent", embedding), ("reference", dataset.audio)):
        expected[f"silhouette@{space}"] = sk.silhouette_score(X[inside], labels[inside])
        expected[f"calinski_harabasz@{space}"] = sk.calinski_harabasz_score(X[inside], labels[inside])
        expected[f"davies_bouldin@{space}"] = sk.davies_bouldin_score(X[inside], labels[inside])
    expected["n_clusters"] = len(set(labels.tolist()) - {-1})
    expected["noise_fraction"] = float(np.mean(labels == -1))
    return expected


@pytest.mark.parametrize("sample_size", [10_000, 150])
def test_every_value_equals_an_independent_computation(registry: Registry, cell, sample_size: int) -> None:
    dataset, embedding, labels = cell
    labels = labels.copy()
    labels[np.random.default_rng(1).choice(len(labels), 40, replace=False)] = -1  # noise
    missing = dataset.labels["genre"].astype(object).copy()
    missing[:25] = ""  # unknown genre for 25 tracks
    dataset = replace(dataset, labels={**dataset.labels, "genre": missing})
    results = evaluate(registry.metrics(), dataset, embedding, labels, sample_size=sample_size)
    rows = evaluation_sample(dataset.n_tracks, sample_size)
    rows = np.arange(dataset.n_tracks) if rows is None else rows
    expected = _independent(dataset, embedding, labels, rows)
    for name, value in expected.items():
        assert results[name].value == pytest.approx(value, rel=1e-6, abs=1e-12), name
    assert results["nmi[genre]"].n_rows == dataset.n_tracks - 25
    assert results["silhouette@latent"].n_rows == int(np.sum(labels[rows] != -1))
    assert results["davies_bouldin@reference"].higher_is_better is False
    assert results["silhouette@latent"].higher_is_better is True and results["n_clusters"].higher_is_better is None
    assert (results["ari[genre]"].label, results["ari[genre]"].space) == ("genre", None)
    assert (results["silhouette@reference"].space, results["silhouette@reference"].label) == ("reference", None)
    assert all(v.reason is None for v in results.values())


def test_the_sample_is_a_fixed_sorted_subset() -> None:
    assert evaluation_sample(500, 500) is None and evaluation_sample(499, 500) is None
    rows = evaluation_sample(501, 500)
    assert rows is not None and len(rows) == 500 and len(set(rows.tolist())) == 500
    assert np.all(np.diff(rows) > 0) and rows.min() >= 0 and rows.max() <= 500
    big = evaluation_sample(100_000)
    assert big is not None and len(big) == 10_000  # the default sample size
    assert evaluation_sample(100_000) is not None and np.array_equal(big, evaluation_sample(100_000))


def test_a_metric_returning_nan_gets_a_reason(registry: Registry, cell) -> None:
    from musicbench import MetricSpec

    dataset, embedding, labels = cell
    spec = MetricSpec("always_nan", lambda labels: float("nan"), higher_is_better=True, scope="partition")
    (value,) = evaluate([spec], dataset, embedding, labels).values()
    assert math.isnan(value.value) and value.reason == "the metric is undefined for this partition"


def test_embedding_metrics_are_computed_once_per_embedding(registry: Registry, cell, monkeypatch) -> None:
    from musicbench import MetricSpec
    from musicbench.benchmark.running import evaluation

    dataset, embedding, labels = cell
    calls: list[int] = []

    def counting_probe(X: np.ndarray, truth: np.ndarray) -> float:
        calls.append(len(X))
        return float(X.shape[1])

    monkeypatch.setattr(evaluation, "_embedding_memo", type(evaluation._embedding_memo)())
    spec = MetricSpec("counting_probe", counting_probe, higher_is_better=True, scope="embedding")
    first = evaluate([spec], dataset, embedding, labels)
    # another clustering of the same embedding: nothing is recomputed, the figure is the same
    second = evaluate([spec], dataset, embedding.copy(), (labels + 1) % 4)
    assert len(calls) == len(dataset.labels)  # once per label column, not per cell
    assert first == second and first["counting_probe[genre]"].value == 3.0
    assert first["counting_probe[genre]"].label == "genre"
    evaluate([spec], dataset, embedding[:, :2].copy(), labels)  # a different embedding is computed
    assert len(calls) == 2 * len(dataset.labels)


def test_embedding_metrics_use_a_capped_stratified_sample(registry: Registry, cell, monkeypatch) -> None:
    from musicbench import MetricSpec
    from musicbench.benchmark.running import evaluation

    dataset, embedding, labels = cell
    seen: list[np.ndarray] = []
    monkeypatch.setattr(evaluation, "EMBEDDING_SAMPLE_SIZE", 90)
    monkeypatch.setattr(evaluation, "_embedding_memo", type(evaluation._embedding_memo)())
    spec = MetricSpec("sizes", lambda X, truth: seen.append(truth) or 0.0, higher_is_better=True, scope="embedding")
    results = evaluate([spec], dataset, embedding, labels)
    genre = dataset.labels["genre"]
    assert results["sizes[genre]"].n_rows == len(seen[0]) and abs(len(seen[0]) - 90) <= len(set(genre))
    # every class keeps its share of the sample
    full = np.unique(genre, return_counts=True)[1] / len(genre)
    sampled = np.bincount(seen[0]) / len(seen[0])
    assert np.allclose(np.sort(full), np.sort(sampled), atol=0.03)


def test_the_probe_is_stored_for_every_label_column(registry: Registry, cell) -> None:
    dataset, embedding, labels = cell
    results = evaluate(registry.metrics(), dataset, embedding, labels)
    for label in dataset.labels:
        accuracy, probe_nmi = results[f"probe_accuracy[{label}]"], results[f"probe_nmi[{label}]"]
        assert accuracy.higher_is_better and accuracy.reason is None and 0.0 < accuracy.value <= 1.0
        assert 0.0 <= probe_nmi.value <= 1.0
    chance = np.bincount(np.unique(dataset.labels["genre"], return_inverse=True)[1]).max() / dataset.n_tracks
    assert results["probe_accuracy[genre]"].value > chance  # the embedding holds genre


def test_a_cell_can_leave_the_embedding_metrics_to_its_encode_task(registry: Registry, cell) -> None:
    from musicbench.benchmark.running.evaluation import embedding_metrics

    dataset, embedding, labels = cell
    cell_only = evaluate(registry.metrics(), dataset, embedding, labels, with_embedding_metrics=False)
    once = embedding_metrics(registry.metrics(), dataset, embedding)
    everything = evaluate(registry.metrics(), dataset, embedding, labels)
    assert once and all(v.metric.startswith("probe_") for v in once.values())
    assert not set(once) & set(cell_only)
    assert {**cell_only, **once} == everything  # the same figures, computed in two places
    with pytest.raises(DataError, match="expected"):
        embedding_metrics(registry.metrics(), dataset, embedding[:-1])
