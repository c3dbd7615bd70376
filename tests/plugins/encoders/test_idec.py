"""IDEC: its own clusters, the DEC target distribution, and predict()."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from musicbench import Dataset
from musicbench.errors import ConfigError
from musicbench.plugins.encoders.core.training import default_epochs
from musicbench.plugins.encoders.idec import IDEC, student_t_assignment, target_distribution

QUICK = {"epochs": 3, "pretrain_epochs": 2, "batch_size": 64, "random_state": 0, "n_threads": 1}


def test_target_distribution_sharpens_and_normalises() -> None:
    q = student_t_assignment(torch.tensor([[0.0, 0.0], [2.9, 3.1]]), torch.tensor([[0.0, 0.0], [3.0, 3.0]]))
    p = target_distribution(q)
    assert torch.allclose(p.sum(dim=1), torch.ones(2))
    assert p[0, 0] > q[0, 0] and p[1, 1] > q[1, 1]  # confident assignments get more confident


def test_own_clusters_match_predict_and_count(small_dataset: Dataset) -> None:
    idec = IDEC(**QUICK).fit(small_dataset)
    assert idec.n_clusters_ == small_dataset.n_classes()
    assert idec.labels_.shape == (small_dataset.n_tracks,)
    assert set(np.unique(idec.labels_)) <= set(range(idec.n_clusters_))
    assert np.array_equal(idec.predict(small_dataset), idec.labels_)
    assert not hasattr(idec, "active_units_")  # a deterministic code has no posterior to count


def test_bad_cluster_count_is_refused(small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match="n_clusters"):
        IDEC(n_clusters=0, **QUICK).fit(small_dataset)


@pytest.mark.parametrize(("tol", "clustering_epochs"), [(1.0, 1), (0.0, 3)])
def test_tol_stops_the_clustering_stage(small_dataset: Dataset, tol: float, clustering_epochs: int) -> None:
    # tol = 1: any update that leaves some track in place stops it; tol = 0: never stops
    idec = IDEC(**{**QUICK, "tol": tol}).fit(small_dataset)
    assert len(idec.history_.train_loss) == QUICK["pretrain_epochs"] + clustering_epochs


def test_centre_learning_rate_is_its_own_adam_group(small_dataset: Dataset) -> None:
    idec = IDEC(centre_learning_rate=0.05, **QUICK).fit(small_dataset)
    network, centres = idec.module_.parameter_groups(1e-3)
    assert "lr" not in network and centres["lr"] == 0.05
    assert len(centres["params"]) == 1 and centres["params"][0] is idec.module_.centres
    plain = IDEC(**QUICK).fit(small_dataset).module_
    (single,) = plain.parameter_groups(1e-3)  # default: one group, the centres in it
    assert "lr" not in single and any(p is plain.centres for p in single["params"])
    assert len(single["params"]) == len(network["params"]) + 1
    assert not torch.allclose(idec.module_.centres, plain.centres)  # the centres moved at their own rate


def test_bad_centre_learning_rate_is_refused(small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match="centre_learning_rate"):
        IDEC(centre_learning_rate=-1.0, **QUICK).fit(small_dataset)


@pytest.mark.parametrize("epochs", [None, -1, 2.5, True])
def test_clustering_epochs_that_are_not_a_count_are_refused(epochs: object, small_dataset: Dataset) -> None:
    with pytest.raises(ConfigError, match=r"epochs \(of the clustering stage\)"):
        IDEC(**{**QUICK, "epochs": epochs}).fit(small_dataset)


def test_no_pretraining_epochs_is_the_step_schedule_not_the_clustering_epochs(small_dataset: Dataset) -> None:
    # 300 tracks, 270 training rows in batches of 256: 2 steps an epoch, so about 2,000
    # steps is the schedule's cap of 200 epochs (core.training.default_epochs)
    params = {**QUICK, "batch_size": 256, "pretrain_epochs": None, "patience": None, "epochs": 0}
    idec = IDEC(**params).fit(small_dataset)
    assert len(idec.history_.train_loss) == default_epochs(300, 256, 0.1) == 200
