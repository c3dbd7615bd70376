"""What every ``bench`` command shares: plugin options, consoles and the registry."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape

from musicbench import DEFAULT_PLUGINS, Registry, build_registry

F = TypeVar("F", bound=Callable[..., Any])

# Off a terminal (CI logs, pipes) rich prints plain text; a fixed width keeps tables whole.
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def plugin_flags(func: F) -> F:
    """Add ``--plugin PATH`` and ``--disable NAME`` (both repeatable), passed as
    ``plugin_files`` and ``disabled``: for a command that builds the registry itself,
    only when it needs it."""
    return click.option(
        "--plugin",
        "plugin_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="A local plugin file to load (repeatable; MUSICBENCH_PLUGINS adds more).",
    )(
        click.option(
            "--disable",
            "disabled",
            multiple=True,
            metavar="NAME",
            help="Leave out a plugin or an entry by name (repeatable; MUSICBENCH_DISABLE adds more).",
        )(func)
    )


def plugin_options(func: F | None = None, *, builtins: Sequence[str] = DEFAULT_PLUGINS) -> Any:
    """Add ``--plugin PATH`` and ``--disable NAME`` (both repeatable) to a command.

    ``builtins`` narrows the built-in plugins loaded to those the command can use
    (``bench datasets`` needs no built-in encoder: importing them costs seconds).
    """
    if func is None:
        return functools.partial(plugin_options, builtins=builtins)

    @plugin_flags
    @functools.wraps(func)
    def wrapper(*args: Any, plugin_files: Sequence[str], disabled: Sequence[str], **kwargs: Any) -> Any:
        return func(*args, registry=load_registry(plugin_files, disabled, builtins), **kwargs)

    return wrapper


def load_registry(
    plugin_files: Sequence[str] = (), disabled: Sequence[str] = (), builtins: Sequence[str] = DEFAULT_PLUGINS
) -> Registry:
    """Build the registry and report, on stderr, every plugin that failed to load."""
    registry = build_registry(plugin_files=plugin_files, disabled=disabled, builtins=builtins)
    for failure in registry.failures:
        err.print(
            "[yellow]warning:[/] "
            + escape(f"plugin {failure.plugin!r} ({failure.origin}: {failure.location}) was skipped: {failure.error}"),
            highlight=False,
            soft_wrap=True,
        )
    return registry


def accepts_plugin_options(func: F) -> F:
    """``--plugin``/``--disable`` on a command that reads only the result store.

    Every command accepts them, so a script can pass the same options everywhere;
    the store already records which plugins made each row, so these commands load
    none. A ``--plugin`` file that does not exist is still an error.
    """

    @click.option(
        "--plugin",
        "plugin_files",
        multiple=True,
        type=click.Path(dir_okay=False),
        help="Accepted for consistency: this command reads the store and loads no plugin.",
    )
    @click.option(
        "--disable",
        "disabled",
        multiple=True,
        metavar="NAME",
        help="Accepted for consistency: this command reads the store and loads no plugin.",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, plugin_files: Sequence[str], disabled: Sequence[str], **kwargs: Any) -> Any:
        from pathlib import Path

        from musicbench.errors import PluginError

        for path in plugin_files:
            if not Path(path).expanduser().is_file():
                raise PluginError(f"The plugin file {path} does not exist (given by --plugin).")
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
