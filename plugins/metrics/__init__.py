"""Built-in metric plugins: external, internal, partition and embedding (probe) metrics.

See :mod:`benchmark.evaluation` for how each scope is computed and how noise and
missing labels are handled.
"""

from __future__ import annotations

from typing import Any

from musicbench import hookimpl

# Registered by name: scikit-learn's metrics load when a cell is scored, not to list.
HERE = "musicbench.plugins.metrics"


@hookimpl
def register_metrics(register: Any) -> None:
    for name in ("nmi", "ari", "purity", "accuracy"):
        form = f"{HERE}.contingency:{name}"  # what the leaderboard's bootstrap recomputes
        register(name, f"{HERE}.external:{name}", higher_is_better=True, scope="external", contingency=form)
    register("ami", f"{HERE}.external:ami", higher_is_better=True, scope="external")
    register("silhouette", f"{HERE}.internal:silhouette", higher_is_better=True, scope="internal")
    register("calinski_harabasz", f"{HERE}.internal:calinski_harabasz", higher_is_better=True, scope="internal")
    register("davies_bouldin", f"{HERE}.internal:davies_bouldin", higher_is_better=False, scope="internal")
    register("n_clusters", f"{HERE}.partition:n_clusters", higher_is_better=None, scope="partition")
    register("noise_fraction", f"{HERE}.partition:noise_fraction", higher_is_better=None, scope="partition")
    # The linear probe: computed once per embedding, whatever the clusters (see probe.py).
    register("probe_accuracy", f"{HERE}.probe:probe_accuracy", higher_is_better=True, scope="embedding")
    register("probe_nmi", f"{HERE}.probe:probe_nmi", higher_is_better=True, scope="embedding")
