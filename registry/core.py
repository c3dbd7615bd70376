"""The plugin registry: a pluggy plugin manager built on request.

Nothing here runs at import time. :func:`build_registry` makes a fresh
:class:`Registry`, loads the built-in plugins, the installed ones (entry-point group
``musicbench``) and local plugin files, and collects what each registers. A plugin
that fails to import or to register is recorded in :attr:`Registry.failures` and
skipped; it never takes the tool down.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import pluggy

from musicbench import hookspecs
from musicbench._version import __version__
from musicbench.contracts import MetricSpec
from musicbench.errors import DuplicatePluginError, PluginError, UnknownPluginError
from musicbench.info import PluginInfo, make_info

Kind = Literal["dataset", "encoder", "clusterer", "metric"]
KINDS: tuple[Kind, ...] = ("dataset", "encoder", "clusterer", "metric")
HOOKS: dict[Kind, str] = {
    "dataset": "register_datasets",
    "encoder": "register_encoders",
    "clusterer": "register_clusterers",
    "metric": "register_metrics",
}
Origin = Literal["built-in", "entry point", "file"]

ENTRY_POINT_GROUP = "musicbench"
PLUGINS_ENV = "MUSICBENCH_PLUGINS"
DISABLE_ENV = "MUSICBENCH_DISABLE"
DEFAULT_PLUGINS: tuple[str, ...] = (
    "musicbench.plugins.datasets",
    "musicbench.plugins.encoders",
    "musicbench.plugins.clusterers",
    "musicbench.plugins.metrics",
)


@dataclass(frozen=True)
class PluginSource:
    """Where a plugin came from, and which version of it."""

    plugin: str
    origin: Origin
    location: str
    version: str

    def describe(self) -> str:
        return f"{self.plugin} ({self.origin}: {self.location})"


@dataclass(frozen=True)
class PluginEntry:
    """One registered dataset, encoder, clusterer or metric.

    ``info`` is the kind's typed metadata (:mod:`musicbench.info`), built and
    checked from ``meta`` (``register``'s extra keywords) when it is not given.
    Which defaults win is said once, in :mod:`musicbench.info`.
    """

    kind: Kind
    name: str
    factory: Callable[..., Any]
    source: PluginSource
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    info: PluginInfo = None  # type: ignore[assignment]  # set in __post_init__

    def __post_init__(self) -> None:
        if self.info is None:
            info = make_info(self.kind, self.name, self.meta, self.source.describe())
            object.__setattr__(self, "info", info)

    def create(self, **params: Any) -> Any:
        """Instantiate the factory with the registered defaults updated by ``params``."""
        return self.factory(**{**self.defaults, **params})

    def metric_spec(self) -> MetricSpec:
        """The :class:`MetricSpec` of a metric entry."""
        if self.kind != "metric":
            raise TypeError(f"{self.name!r} is a {self.kind}, not a metric")
        info = self.info
        return MetricSpec(
            name=self.name,
            func=self.factory,
            scope=info.scope,  # type: ignore[union-attr]
            higher_is_better=info.higher_is_better,  # type: ignore[union-attr]
            description=self.description,
        )


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or could not register."""

    plugin: str
    origin: Origin
    location: str
    error: str


def _first_doc_line(obj: Any) -> str:
    doc = getattr(obj, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


class Registry:
    """Every plugin entry, by kind and name, and every plugin that failed.

    Use :func:`build_registry` rather than building one by hand.
    """

    def __init__(self, disabled: Iterable[str] = ()) -> None:
        self.disabled = frozenset(disabled)
        self.failures: list[PluginFailure] = []
        self.sources: dict[str, PluginSource] = {}
        self._entries: dict[Kind, dict[str, PluginEntry]] = {k: {} for k in KINDS}
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)

    # -- loading ---------------------------------------------------------------
    def load_module(self, module_name: str, origin: Origin = "built-in") -> None:
        """Import ``module_name`` and register it as a plugin."""
        if module_name in self.disabled:
            return
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:  # a broken plugin must not stop the others
            self._fail(module_name, origin, module_name, exc)
            return
        version = __version__ if origin == "built-in" else "unknown"
        self._add(module, PluginSource(module_name, origin, module_name, version))

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Load every installed plugin advertised in the entry-point ``group``."""
        for ep in importlib.metadata.entry_points(group=group):
            if ep.name in self.disabled:
                continue
            dist = getattr(ep, "dist", None)
            location = f"{dist.name if dist else '?'}: {ep.value}"
            try:
                plugin = ep.load()
            except Exception as exc:
                self._fail(ep.name, "entry point", location, exc)
                continue
            version = dist.version if dist is not None else "unknown"
            self._add(plugin, PluginSource(ep.name, "entry point", location, version))

    def load_file(self, path: str | os.PathLike[str]) -> None:
        """Load a local Python file as a plugin; its name is the file's stem."""
        file = Path(path).expanduser().resolve()
        name = file.stem
        if name in self.disabled:
            return
        if not file.is_file():
            # A mistyped path is bad input, not a broken plugin: say so and stop.
            raise PluginError(f"The plugin file {file} does not exist (given by --plugin or {PLUGINS_ENV}).")
        try:
            content = file.read_bytes()
            digest = hashlib.sha256(content).hexdigest()
            module = _import_file(file, f"musicbench_local_{name}_{digest[:12]}")
        except Exception as exc:
            self._fail(name, "file", str(file), exc)
            return
        self._add(module, PluginSource(name, "file", str(file), f"sha256:{digest[:16]}"))

    def _fail(self, plugin: str, origin: Origin, location: str, exc: BaseException) -> None:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.failures.append(PluginFailure(plugin, origin, location, detail))

    def _add(self, plugin: Any, source: PluginSource) -> None:
        if source.plugin in self.sources:
            other = self.sources[source.plugin]
            raise DuplicatePluginError(
                f"Two plugins are both named {source.plugin!r}: {other.describe()} and "
                f"{source.describe()}. Rename one, or disable one with --disable."
            )
        try:
            self._pm.register(plugin, name=source.plugin)
        except Exception as exc:  # e.g. a hookimpl whose signature matches no spec
            self._fail(source.plugin, source.origin, source.location, exc)
            return
        self.sources[source.plugin] = source
        staged: list[PluginEntry] = []
        try:
            for kind, hook_name in HOOKS.items():
                hook = getattr(self._pm.hook, hook_name)
                for impl in hook.get_hookimpls():
                    if impl.plugin_name == source.plugin:
                        impl.function(register=self._registrar(kind, source, staged))
        except Exception as exc:
            # Nothing of a plugin that failed halfway is kept.
            self._pm.unregister(name=source.plugin)
            del self.sources[source.plugin]
            if isinstance(exc, DuplicatePluginError):
                raise  # ambiguous: which one the user meant cannot be guessed
            self._fail(source.plugin, source.origin, source.location, exc)
            return
        for entry in staged:
            self._entries[entry.kind][entry.name] = entry

    def _registrar(self, kind: Kind, source: PluginSource, staged: list[PluginEntry]) -> Callable[..., None]:
        def register(
            name: str,
            factory: Callable[..., Any],
            *,
            defaults: Mapping[str, Any] | None = None,
            description: str | None = None,
            **meta: Any,
        ) -> None:
            if not isinstance(name, str) or not name:
                raise PluginError(f"{source.describe()} registered a {kind} without a name")
            if not callable(factory):
                raise PluginError(f"{kind} {name!r} from {source.describe()} is not callable")
            info = make_info(kind, name, meta, source.describe())
            clash = self._entries[kind].get(name) or next(
                (e for e in staged if e.kind == kind and e.name == name), None
            )
            if clash is not None:
                raise DuplicatePluginError(
                    f"The {kind} {name!r} is registered twice: by {clash.source.describe()} "
                    f"and by {source.describe()}. Disable one of them with --disable "
                    f"{clash.source.plugin} or --disable {source.plugin}."
                )
            staged.append(
                PluginEntry(
                    kind=kind,
                    name=name,
                    factory=factory,
                    source=source,
                    defaults=dict(defaults or {}),
                    description=description if description is not None else _first_doc_line(factory),
                    meta=meta,
                    info=info,
                )
            )

        return register

    # -- queries ---------------------------------------------------------------
    def entries(self, kind: Kind) -> list[PluginEntry]:
        """Every enabled entry of ``kind``, sorted by name."""
        return [e for n, e in sorted(self._entries[kind].items()) if n not in self.disabled]

    def names(self, kind: Kind) -> list[str]:
        return [e.name for e in self.entries(kind)]

    def get(self, kind: Kind, name: str) -> PluginEntry:
        """The entry ``name`` of ``kind``; an unknown name suggests close ones."""
        entry = self._entries[kind].get(name)
        if entry is None or name in self.disabled:
            raise UnknownPluginError(kind, name, self.names(kind))
        return entry

    def metrics(self) -> list[MetricSpec]:
        return [e.metric_spec() for e in self.entries("metric")]

    def plugin_versions(self) -> dict[str, str]:
        """``{plugin name: version}`` of every loaded plugin, for provenance."""
        return {name: src.version for name, src in sorted(self.sources.items())}


def _import_file(file: Path, module_name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"{file} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def _split_env(value: str | None, sep: str) -> list[str]:
    return [part for part in (value or "").split(sep) if part.strip()]


def build_registry(
    plugin_files: Sequence[str | os.PathLike[str]] = (),
    disabled: Iterable[str] = (),
    *,
    builtins: Sequence[str] = DEFAULT_PLUGINS,
    entry_points: bool = True,
    environ: Mapping[str, str] | None = None,
) -> Registry:
    """Build a fresh registry.

    Parameters
    ----------
    plugin_files : sequence of path
        Local plugin files (``--plugin PATH``), loaded after the ones listed in the
        ``MUSICBENCH_PLUGINS`` environment variable (an ``os.pathsep``-separated list).
    disabled : iterable of str
        Plugin names (module, entry point or file stem) or entry names to leave out;
        ``MUSICBENCH_DISABLE`` (comma-separated) adds to them.
    builtins : sequence of str
        The built-in plugin modules.
    entry_points : bool
        Whether to load plugins installed under the ``musicbench`` entry-point group.
    environ : mapping, optional
        The environment to read (default ``os.environ``).
    """
    env = os.environ if environ is None else environ
    registry = Registry(disabled=[*disabled, *_split_env(env.get(DISABLE_ENV), ",")])
    for module_name in builtins:
        registry.load_module(module_name, "built-in")
    if entry_points:
        registry.load_entry_points()
    for path in [*_split_env(env.get(PLUGINS_ENV), os.pathsep), *plugin_files]:
        registry.load_file(path)
    return registry
