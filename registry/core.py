"""The plugin registry: a pluggy plugin manager built on request.

Nothing here runs at import time. :func:`build_registry` makes a fresh
:class:`Registry`, loads the built-in plugins, the installed ones (entry-point group
``musicbench``) and local plugin files, and collects what each registers. A plugin
that fails to import or to register is recorded in :attr:`Registry.failures` and
skipped; it never takes the tool down.

A factory may be registered by name, ``"package.module:Attribute"``, instead of the
object itself: it is imported the first time :attr:`PluginEntry.factory` is read.
The built-in plugins register that way, so listing plugins or datasets does not
import torch, scikit-learn or umap (``bench plugins`` answers in a fraction of a
second); a run imports what its cells use.
"""

from __future__ import annotations

import hashlib
import importlib
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
from musicbench.contracts import AUDIO, ContingencyForm, MetricSpec
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

    ``target`` is the factory itself, or its name ``"package.module:Attribute"``
    (imported when :attr:`factory` is first read). ``info`` is the kind's typed
    metadata (:mod:`musicbench.info`), built and checked from ``meta``
    (``register``'s extra keywords) when it is not given. Which defaults win is said
    once, in :mod:`musicbench.info`.
    """

    kind: Kind
    name: str
    target: Callable[..., Any] | str
    source: PluginSource
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str | None = ""
    """What it does, in a line; ``None`` when not given for a factory registered by
    name (:meth:`summary` then reads the docstring, importing the factory)."""
    meta: Mapping[str, Any] = field(default_factory=dict)
    info: PluginInfo = None  # type: ignore[assignment]  # set in __post_init__

    def __post_init__(self) -> None:
        if self.info is None:
            info = make_info(self.kind, self.name, self.meta, self.source.describe())
            object.__setattr__(self, "info", info)

    @property
    def factory(self) -> Callable[..., Any]:
        """The factory, imported on first use when it was registered by name."""
        if isinstance(self.target, str):
            object.__setattr__(self, "target", _resolve(self.target, f"The {self.kind} {self.name!r}", self.source))
        return self.target  # type: ignore[return-value]  # resolved just above

    @property
    def loaded(self) -> bool:
        """Whether the factory is imported (listings read only what is loaded)."""
        return not isinstance(self.target, str)

    def summary(self) -> str:
        """The description, else the factory docstring's first line."""
        return self.description if self.description is not None else _first_doc_line(self.factory)

    @property
    def module(self) -> str:
        """The module that defines the factory, found without importing it."""
        if isinstance(self.target, str):
            return _split_target(self.target)[0]
        return str(getattr(self.target, "__module__", "") or "")

    def required_modalities(self) -> tuple[str, ...]:
        """An encoder's modalities: as registered (``modalities=``), else its factory's."""
        declared = getattr(self.info, "modalities", None)
        if declared is not None:
            return tuple(declared)
        return tuple(getattr(self.factory, "required_modalities", (AUDIO,)))

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
            description=self.summary(),
        )

    def contingency_form(self) -> ContingencyForm | None:
        """A metric's contingency-table form (``MetricInfo.contingency``), imported on first use."""
        form = getattr(self.info, "contingency", None)
        if isinstance(form, str):
            return _resolve(form, f"The contingency form of the metric {self.name!r}", self.source)
        return form


def _split_target(target: str) -> tuple[str, str]:
    module, sep, attr = target.partition(":")
    if not (sep and module and attr and all(p.isidentifier() for p in [*module.split("."), *attr.split(".")])):
        raise PluginError(f"{target!r} is not a factory name: write 'package.module:Attribute'.")
    return module, attr


def _resolve(target: str, what: str, source: PluginSource) -> Callable[..., Any]:
    """Import ``"module:attribute"``; a failure names the entry and its plugin."""
    module_name, attr = _split_target(target)
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except Exception as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        raise PluginError(
            f"{what}, registered by {source.describe()} as {target!r}, could not be imported: {detail}. "
            f"Reinstall or fix that plugin, or leave it out with --disable {source.plugin}."
        ) from None
    if not callable(obj):
        raise PluginError(f"{what}, registered by {source.describe()} as {target!r}, is not callable.")
    return obj


@dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded or could not register."""

    plugin: str
    origin: Origin
    location: str
    error: str


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _shown(value: Any) -> str:
    """A register() argument as a reader knows it: a class or function by its name."""
    if isinstance(value, str):
        return repr(value)
    name = getattr(value, "__qualname__", None)
    return name if isinstance(name, str) else repr(value)


def _first_doc_line(obj: Any) -> str:
    doc = getattr(obj, "__doc__", None) or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def _description(factory: Callable[..., Any] | str, given: str | None) -> str | None:
    # A factory registered by name is not imported to read its docstring; that waits
    # until something asks for it (PluginEntry.summary).
    if given is not None or isinstance(factory, str):
        return given
    return _first_doc_line(factory)


def _check_target(target: str, what: str, source: PluginSource) -> None:
    """A factory name must be well formed and its module findable, without importing it.

    A module whose package is already imported (a plugin's own modules) is looked up
    exactly; otherwise only its top-level package is, since finding ``sklearn.cluster``
    would import scikit-learn (a second), which naming the factory exists to avoid.
    """
    try:
        module_name, _ = _split_target(target)
    except PluginError as exc:
        raise PluginError(f"{what} from {source.describe()}: {exc}") from None
    parent = module_name.rpartition(".")[0]
    looked_up = module_name if not parent or parent in sys.modules else module_name.split(".")[0]
    try:
        found = importlib.util.find_spec(looked_up) is not None
    except (ImportError, ValueError):  # a parent package that cannot be imported
        found = False
    if not found:
        raise PluginError(f"{what} from {source.describe()} names {target!r}, but no module {looked_up!r} exists.")


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
        import importlib.metadata  # 50 ms: paid by commands that load plugins, not by --help

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
            factory: Callable[..., Any] | str,
            *,
            defaults: Mapping[str, Any] | None = None,
            description: str | None = None,
            **meta: Any,
        ) -> None:
            if not isinstance(name, str):
                # register(Factory, "name"), the old order, must not read as a missing name.
                raise PluginError(
                    f"{source.describe()} called register({_shown(name)}, {_shown(factory)}) for {_article(kind)} "
                    f"{kind}: the first argument must be the {kind}'s name (a string), then its factory, "
                    f"e.g. register({_shown(factory) if isinstance(factory, str) else repr('my-' + kind)}, "
                    f"{_shown(name)})."
                )
            if not name:
                raise PluginError(f"{source.describe()} registered {_article(kind)} {kind} with an empty name")
            if isinstance(factory, str):
                _check_target(factory, f"The {kind} {name!r}", source)
            elif not callable(factory):
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
                    target=factory,
                    source=source,
                    defaults=dict(defaults or {}),
                    description=_description(factory, description),
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
