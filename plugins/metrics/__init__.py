"""Built-in metric plugins: external, internal and partition metrics.

See :mod:`benchmark.evaluation` for how each scope is computed and how noise and
missing labels are handled.
"""

from __future__ import annotations

from typing import Any

from musicbench import hookimpl
from musicbench.plugins.metrics import external, internal, partition


@hookimpl
def register_metrics(register: Any) -> None:
    for name in ("nmi", "ami", "ari", "purity", "accuracy"):
        register(name, getattr(external, name), higher_is_better=True, scope="external")
    register("silhouette", internal.silhouette, higher_is_better=True, scope="internal")
    register("calinski_harabasz", internal.calinski_harabasz, higher_is_better=True, scope="internal")
    register("davies_bouldin", internal.davies_bouldin, higher_is_better=False, scope="internal")
    register("n_clusters", partition.n_clusters, higher_is_better=None, scope="partition")
    register("noise_fraction", partition.noise_fraction, higher_is_better=None, scope="partition")
