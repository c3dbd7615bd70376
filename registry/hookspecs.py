"""Hook specifications: one registration hook per kind of plugin.

A plugin implements any of these hooks with ``@hookimpl`` and calls ``register``
once for each thing it provides, for example::

    from musicbench import hookimpl

    @hookimpl
    def register_encoders(register):
        register("my-encoder", MyEncoder, defaults={"latent_dim": 8})

Besides ``defaults`` and ``description``, ``register`` takes the fields of the kind's
info dataclass (:mod:`musicbench.info`: ``DatasetInfo``, ``EncoderInfo``,
``ClustererInfo``, ``MetricInfo``) as keywords; any other keyword is an error.
"""

from __future__ import annotations

from typing import Any

import pluggy

PROJECT = "musicbench"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_datasets(register: Any) -> None:
    """Register dataset loaders: ``register(name, loader_class, defaults=..., **DatasetInfo)``."""


@hookspec
def register_encoders(register: Any) -> None:
    """Register encoders: ``register(name, encoder_class, defaults=..., **EncoderInfo)``."""


@hookspec
def register_clusterers(register: Any) -> None:
    """Register clusterers: ``register(name, clusterer_class, defaults=..., **ClustererInfo)``."""


@hookspec
def register_metrics(register: Any) -> None:
    """Register metrics: ``register(name, function, higher_is_better=..., scope=...)`` (MetricInfo)."""
