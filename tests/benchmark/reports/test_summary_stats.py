"""The cross-dataset verdict's statistics, on stores written directly (no encoder is run)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import normalized_mutual_info_score

from musicbench.benchmark.reports.summary import Comparison, holm, summarize
from musicbench.benchmark.results.store import CellRecord, DatasetRecord, ResultStore
from tests.benchmark.support import bench

N_TRACKS, N_CLASSES = 120, 4
GOOD = {"good-a": 0.15, "good-b": 0.2}
"""Encoders whose kmeans labels are the truth with this share of tracks relabelled at random."""
BAD = {"bad-a": 0.85, "bad-b": 0.9}
CEILING = 0.9


def _noisy(truth: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random(truth.size) < share, rng.integers(0, N_CLASSES, truth.size), truth)


def _cell(dataset: str, encoder: str, clusterer: str, truth: np.ndarray, labels: np.ndarray) -> CellRecord:
    value = float(normalized_mutual_info_score(truth, labels))
    return CellRecord(
        key=f"{dataset}-{encoder}-{clusterer}",
        config_id=f"{encoder}-{clusterer}",
        dataset=dataset,
        dataset_fingerprint=f"fp-{dataset}",
        encoder=encoder,
        encoder_args={},
        encoder_params={},
        clusterer=clusterer,
        clusterer_args={},
        clusterer_params={},
        seed=0,
        status="ok",
        reason=None,
        metrics={"nmi[genre]": {"value": value, "higher_is_better": True, "metric": "nmi", "label": "genre"}},
        embedding_key=f"{dataset}-{encoder}",
        created_at="2026-01-01T00:00:00",
        labels=labels.astype(np.int64),
    )


def write_store(path: Path, n_datasets: int, seed: int = 0, skip: tuple[str, str] | None = None) -> Path:
    """``n_datasets`` datasets, each with the four encoders under kmeans and gmm.

    ``skip = (dataset, encoder)`` leaves that encoder's kmeans cell out of that dataset.
    """
    rng = np.random.default_rng(seed)
    store = ResultStore(path)
    for d in range(n_datasets):
        name = f"d{d}"
        truth = np.arange(N_TRACKS) % N_CLASSES
        genre = np.array([f"g{t}" for t in truth], dtype=object)
        ids = np.arange(N_TRACKS).astype(str)
        store.put_dataset(DatasetRecord(f"fp-{name}", name, {}, N_TRACKS, "genre", ids, {"genre": genre}))
        store.put_reference(f"fp-{name}", "ceiling", {"nmi[genre]": CEILING})
        for encoder, share in {**GOOD, **BAD}.items():
            for clusterer, extra in (("kmeans", 0.0), ("gmm", 0.1)):
                if (name, encoder) == skip and clusterer == "kmeans":
                    continue
                store.put(_cell(name, encoder, clusterer, truth, _noisy(truth, min(1.0, share + extra), rng)))
    store.close()
    return path


def test_holm_matches_the_step_down_by_hand() -> None:
    # Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> kept at 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # the running maximum keeps the order


@pytest.fixture(scope="module")
def eight(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_store(tmp_path_factory.mktemp("stats") / "s.sqlite", 8)


def _matrix(comparison: Comparison, datasets: list[str]) -> np.ndarray:
    return np.array([[r.scores[d] for d in datasets] for r in comparison.rows])


def test_friedman_and_wilcoxon_are_scipys_on_the_score_table(eight: Path) -> None:
    summary = summarize([str(eight)])
    fixed = summary.comparisons[0]
    assert fixed.key == "fixed" and len(summary.datasets) == 8 and not fixed.left_out
    scores = _matrix(fixed, summary.datasets)
    expected = stats.friedmanchisquare(*scores)
    assert fixed.friedman == pytest.approx((expected.statistic, expected.pvalue))
    labels = [r.encoder for r in fixed.rows]
    raw = {
        (a, b): stats.wilcoxon(scores[i], scores[j]).pvalue
        for i, a in enumerate(labels)
        for j, b in enumerate(labels)
        if i < j
    }
    assert fixed.p_values is not None and fixed.holm is not None
    for (a, b), p in raw.items():
        assert fixed.p_values.loc[a, b] == pytest.approx(p)
    adjusted = dict(zip(raw, holm(list(raw.values())), strict=True))
    for pair, q in adjusted.items():
        assert fixed.holm.loc[pair] == pytest.approx(q)
    ranks = np.mean([stats.rankdata(-scores[:, j]) for j in range(scores.shape[1])], axis=0)
    assert [r.mean_rank for r in fixed.rows] == pytest.approx(ranks.tolist())


def test_two_clearly_different_groups_are_separated_and_the_members_of_one_are_not(eight: Path) -> None:
    fixed = summarize([str(eight)]).comparisons[0]
    assert {r.encoder for r in fixed.rows[:2]} == set(GOOD)
    assert fixed.holm is not None
    for good in GOOD:
        for bad in BAD:
            assert fixed.holm.loc[good, bad] < 0.05  # wins on all 8 datasets: p = 2/256, times at most 6
    assert fixed.holm.loc["good-a", "good-b"] >= 0.05 and fixed.holm.loc["bad-a", "bad-b"] >= 0.05


def test_normalised_scores_use_the_stored_chance_and_ceiling(eight: Path) -> None:
    summary = summarize([str(eight)])
    d = summary.datasets[0]
    chance, ceiling = summary.chance[d], summary.ceiling[d]
    assert ceiling == CEILING and chance is not None and 0 <= chance < 0.1
    for row in summary.comparisons[0].rows:
        assert row.normalized[d] == pytest.approx((row.scores[d] - chance) / (ceiling - chance))
        assert row.mean_normalized == pytest.approx(np.mean(list(row.normalized.values())))


def test_the_best_comparison_takes_each_encoders_best_clusterer(eight: Path) -> None:
    summary = summarize([str(eight)])
    fixed, best = summary.comparisons
    by_encoder = {r.encoder: r for r in fixed.rows}
    for row in best.rows:
        for d in summary.datasets:
            assert row.scores[d] >= by_encoder[row.encoder].scores[d]
            assert row.clusterers[d] in ("kmeans", "gmm")


def test_an_encoder_missing_on_a_dataset_is_left_out_and_said(tmp_path: Path) -> None:
    store = write_store(tmp_path / "s.sqlite", 4, skip=("d2", "bad-b"))
    summary = summarize([str(store)])
    fixed, best = summary.comparisons
    assert fixed.left_out == {"bad-b": ["d2"]} and "bad-b" not in {r.encoder for r in fixed.rows}
    assert not best.left_out  # its gmm cell still gives it a best clusterer there
    # 3 encoders, 3 pairs; with 4 datasets no Wilcoxon p is below 2/16 > 0.05/3: said, not hidden
    assert any("no pair can be separated" in n for n in fixed.notes)


def test_bench_summary_writes_both_comparisons_and_says_what_it_covers(eight: Path, tmp_path: Path) -> None:
    proc = bench("summary", "--store", eight, "--output", tmp_path)
    assert proc.returncode == 0, proc.stderr
    markdown = (tmp_path / "summary.md").read_text()
    assert "The suite has 8 datasets: " in markdown and "Nothing is left out of 'fixed'" in markdown
    assert "(optimistic" in markdown and "Friedman test over 8 datasets and 4 encoders" in markdown
    assert (tmp_path / "summary-cd.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "summary-cd-best.png").read_bytes().startswith(b"\x89PNG")
    with open(tmp_path / "summary.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["comparison"] for r in rows] == ["fixed"] * 4 + ["best"] * 4
    assert rows[0]["d0 clusterer"] == "kmeans" and rows[0]["d0 normalised"] != ""
    page = (tmp_path / "summary.html").read_text()
    assert page.count("data:image/png;base64,") == 2


def test_bench_summary_compares_only_the_named_encoders(eight: Path, tmp_path: Path) -> None:
    proc = bench("summary", "--store", eight, "--output", tmp_path, "--encoders", "good-a,bad-a,bad-b")
    assert proc.returncode == 0, proc.stderr
    assert "fixed: 3 encoders on 8 datasets" in proc.stdout
    proc = bench("summary", "--store", eight, "--output", tmp_path, "--encoders", "nope")
    assert proc.returncode == 2 and "nope" in proc.stderr


def _with_baseline(path: Path, n_datasets: int) -> Path:
    """The four encoders plus a ``raw`` baseline as good as ``good-a``, on every dataset."""
    rng = np.random.default_rng(7)
    write_store(path, n_datasets)
    store = ResultStore(path)
    truth = np.arange(N_TRACKS) % N_CLASSES
    for d in range(n_datasets):
        store.put(_cell(f"d{d}", "raw", "kmeans", truth, _noisy(truth, GOOD["good-a"], rng)))
    store.close()
    return path


def test_every_encoder_is_tested_against_the_raw_baseline_with_holm_over_k_minus_1(tmp_path: Path) -> None:
    fixed = summarize([str(_with_baseline(tmp_path / "s.sqlite", 8))]).comparisons[0]
    scores = {r.encoder: np.array([r.scores[d] for d in sorted(r.scores)]) for r in fixed.rows}
    others = [r.encoder for r in fixed.rows if r.encoder != "raw"]
    assert sorted(fixed.baseline) == sorted(others)
    raw_p = [float(stats.wilcoxon(scores[e], scores["raw"]).pvalue) for e in others]
    for encoder, p, q in zip(others, raw_p, holm(raw_p), strict=True):
        got_p, got_q, wins, median = fixed.baseline[encoder]
        assert got_p == pytest.approx(p) and got_q == pytest.approx(q)
        assert wins == int(np.sum(scores[encoder] > scores["raw"]))
        assert median == pytest.approx(float(np.median(scores[encoder] - scores["raw"])))
    for bad in BAD:  # worse on all 8 datasets: 2/256 x 4 tests < 0.05
        assert fixed.baseline[bad][1] < 0.05 and fixed.baseline[bad][3] < 0
    # The diagram's matrix: the baseline's tests, every other pair untested (1).
    matrix = fixed.diagram_matrix()
    assert matrix is not None
    assert matrix.loc["bad-a", "raw"] == pytest.approx(fixed.baseline["bad-a"][1])
    assert matrix.loc["bad-a", "good-a"] == 1.0


def test_without_the_baseline_the_diagram_uses_every_pair(eight: Path) -> None:
    fixed = summarize([str(eight)]).comparisons[0]
    assert not fixed.baseline and fixed.diagram_matrix() is fixed.holm


def test_the_summary_says_which_encoders_differ_from_the_baseline(tmp_path: Path) -> None:
    from musicbench.benchmark.reports.summary_files import baseline_text

    summary = summarize([str(_with_baseline(tmp_path / "s.sqlite", 8))])
    text = baseline_text(summary.comparisons[0], len(summary.datasets))
    assert "bad-a worse than raw (beats it on 0 of 8" in text and "Holm over 4 tests" in text
