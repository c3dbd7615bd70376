"""The text of ``bench plugins show NAME``: everything a user needs to set a plugin up."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from rich.markup import escape

from musicbench import PluginEntry
from musicbench.benchmark.planning.params import declared_type


def _default_text(value: Any) -> str:
    if value is inspect.Parameter.empty:
        return "required"
    return repr(value)


def parameters(entry: PluginEntry) -> list[tuple[str, str, str]]:
    """``(name, type, default)`` for every keyword the factory takes.

    A default set by ``register(..., defaults=...)`` is shown instead of the
    ``__init__`` one, marked "(registered)": it is the one that wins.
    """
    try:
        signature = inspect.signature(entry.factory)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    rows = []
    for name, param in signature.parameters.items():
        if param.kind not in kinds or name == "self":
            continue
        if name in entry.defaults:
            default = f"{entry.defaults[name]!r} (registered)"
        else:
            default = _default_text(param.default)
        rows.append((name, declared_type(entry.factory, name).describe(), default))
    return rows


def _info_text(entry: PluginEntry) -> list[str]:
    lines = []
    for field in dataclasses.fields(entry.info):
        value = getattr(entry.info, field.name)
        if callable(value) and hasattr(value, "__qualname__"):  # a function: its name, not its address
            value = f"{value.__qualname__}()"
        lines.append(f"  {field.name}: {value}")
    return lines


def describe(entry: PluginEntry) -> str:
    """Rich markup describing ``entry`` (plugin-provided text is escaped)."""
    src = entry.source
    lines = [f"[bold]{escape(entry.name)}[/] ({entry.kind})"]
    if entry.summary():
        lines.append(escape(entry.summary()))
    lines.append(
        f"source: {escape(src.origin)}: {escape(src.location)} (plugin {escape(src.plugin)}, version {escape(src.version)})"
    )
    factory = getattr(entry.factory, "__qualname__", repr(entry.factory))
    lines.append(f"factory: {escape(getattr(entry.factory, '__module__', '?'))}.{escape(factory)}")
    if entry.kind == "encoder":
        modalities = entry.required_modalities()
        lines.append(f"modalities: {escape(', '.join(modalities))}")
    lines.append("parameters:")
    rows = parameters(entry)
    lines += [f"  {escape(n)}: {escape(t)} = {escape(d)}" for n, t, d in rows] or ["  (none)"]
    lines.append("registered with:")
    lines += [escape(line) for line in _info_text(entry)] or ["  (nothing)"]
    doc = inspect.getdoc(entry.factory)
    if doc:
        lines += ["", escape(doc)]
    return "\n".join(lines)
