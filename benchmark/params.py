"""Parameters given as text (``-p key=value`` on the command line)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from musicbench.errors import ConfigError


def parse_value(text: str) -> Any:
    """``"3"`` -> 3, ``"0.5"`` -> 0.5, ``"true"`` -> True, ``"none"`` -> None,
    ``"a,b"`` -> ["a", "b"]; anything else stays a string."""
    if "," in text:
        return [parse_value(part.strip()) for part in text.split(",") if part.strip()]
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_assignments(items: Iterable[str], what: str = "parameter") -> dict[str, Any]:
    """Parse ``key=value`` strings into a dict, refusing malformed ones."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"Expected {what} as KEY=VALUE, got {item!r}.")
        params[key.strip()] = parse_value(value.strip())
    return params


def accepted_params(factory: Callable[..., Any]) -> list[str]:
    """The keyword parameters ``factory`` (a class or function) accepts."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [n for n, p in signature.parameters.items() if p.kind in kinds and n != "self"]


def check_params(kind: str, name: str, factory: Callable[..., Any], params: Mapping[str, Any]) -> None:
    """Refuse parameters ``factory`` does not take, before any work starts."""
    accepted = accepted_params(factory)
    if not accepted:
        return
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ConfigError(
            f"The {kind} {name!r} has no parameter(s) {', '.join(unknown)}. "
            f"It accepts: {', '.join(sorted(accepted))}."
        )
