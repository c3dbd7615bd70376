"""musicbench's plugin registry and the contracts plugins implement.

Importing this package loads no plugin; call :func:`build_registry`.
"""

from musicbench._version import __version__
from musicbench.contracts import (
    AUDIO,
    CONTEXT,
    MISSING_LABEL,
    TEXT_MODALITIES,
    Clusterer,
    ClusteringEncoder,
    Dataset,
    DatasetLoader,
    Encoder,
    MetricSpec,
    MetricUndefined,
    clusterer_input,
    missing_modalities,
)
from musicbench.core import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    KINDS,
    PluginEntry,
    PluginFailure,
    PluginSource,
    Registry,
    build_registry,
)
from musicbench.errors import (
    ConfigError,
    DataError,
    DuplicatePluginError,
    MusicbenchError,
    PluginError,
    ResourceLimitError,
    UnknownPluginError,
)
from musicbench.hookspecs import hookimpl
from musicbench.info import ClustererInfo, DatasetInfo, EncoderInfo, MetricInfo, PluginInfo
from musicbench.resolution import accepted_params, check_params, resolve_clusterer_params, resolve_encoder_params

__all__ = [
    "AUDIO",
    "CONTEXT",
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "KINDS",
    "MISSING_LABEL",
    "TEXT_MODALITIES",
    "Clusterer",
    "ClustererInfo",
    "ClusteringEncoder",
    "ConfigError",
    "DataError",
    "DuplicatePluginError",
    "Dataset",
    "DatasetInfo",
    "DatasetLoader",
    "Encoder",
    "EncoderInfo",
    "MetricInfo",
    "MetricSpec",
    "MetricUndefined",
    "MusicbenchError",
    "PluginEntry",
    "PluginError",
    "PluginFailure",
    "PluginInfo",
    "PluginSource",
    "Registry",
    "ResourceLimitError",
    "UnknownPluginError",
    "__version__",
    "accepted_params",
    "build_registry",
    "check_params",
    "clusterer_input",
    "hookimpl",
    "missing_modalities",
    "resolve_clusterer_params",
    "resolve_encoder_params",
]
