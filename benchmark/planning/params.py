"""Parameters given as text (``-P key=value``, ``-E vae.latent_dim=8,16``, ``-C kmeans.n_init=20``).

A value is parsed by the type the plugin declares for that parameter, not guessed
from the text: the ``__init__`` annotation, else the type of its default. So
``-P preprocessing=none`` is the string ``"none"`` (``preprocessing: str``),
``-P features=f1`` is the one-element list ``["f1"]`` (``features: Sequence[str]``)
and ``-C kmeans.n_init=x`` is an error naming the parameter and the expected type.
Only a parameter with neither annotation nor default is guessed (number, bool, text).
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal, Union

from musicbench.errors import ConfigError
from musicbench.resolution import check_params

Base = Literal["int", "float", "bool", "str", "any"]
ListReading = Literal["value", "grid", "ambiguous"]
_NONE_WORDS = ("none", "null")
_BOOL_WORDS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


@dataclass(frozen=True)
class ParamType:
    """What a parameter accepts: a base type, maybe a list of it, maybe None.

    Parameters
    ----------
    base : {"int", "float", "bool", "str", "any"}
        The scalar type (of the items, for a list).
    is_list : bool
        A sequence of ``base`` values, written comma-separated.
    optional : bool
        ``none`` (or ``null``) gives None, unless ``base`` is ``str`` or a choice
        is literally ``"none"``: a string parameter keeps the word.
    choices : tuple of str
        The allowed strings of a ``Literal[...]`` annotation (empty: any).
    alternatives : tuple of ParamType
        For a union (``int | float``, scikit-learn's ``"auto"`` or an integer): the
        types tried in order; the first that parses the text wins.
    """

    base: Base = "any"
    is_list: bool = False
    optional: bool = False
    choices: tuple[str, ...] = ()
    alternatives: tuple[ParamType, ...] = ()

    def describe(self) -> str:
        if self.alternatives:
            text = " or ".join(a.describe() for a in self.alternatives)
        elif self.choices:
            text = f"one of {', '.join(self.choices)}"
        else:
            text = f"list of {self.base}" if self.is_list else self.base
        return f"{text} or None" if self.optional else text

    def list_reading(self) -> ListReading:
        """How a list given for this parameter reads: the one rule for TOML and ``-E``/``-C``.

        ``"value"``: the parameter is a sequence, so a list is one value (a grid over it
        is written explicitly); ``"grid"``: it is a single value, so a list is a grid of
        its items; ``"ambiguous"``: either could be meant (no declared type, or a union
        of a sequence and a single value), so a list must say which.
        """
        if self.alternatives:
            lists = [a.is_list for a in self.alternatives]
            return "value" if all(lists) else "ambiguous" if any(lists) else "grid"
        if self.is_list:
            return "value"
        return "ambiguous" if self.base == "any" else "grid"

    def as_list(self) -> ParamType:
        """The sequence part of this type: what one comma-separated list is parsed as."""
        lists = tuple(a for a in self.alternatives if a.is_list)
        if len(lists) > 1:
            return ParamType("any", optional=self.optional, alternatives=lists)
        if lists:
            return ParamType(lists[0].base, True, self.optional, lists[0].choices)
        return ParamType(self.base, True, self.optional, self.choices)

    def parse(self, text: str, where: str) -> Any:
        """``text`` as a value of this type; a :class:`ConfigError` naming ``where`` if it is not one."""
        if not isinstance(text, str):
            raise ConfigError(f"{where}: expected text to parse, got {type(text).__name__}.")
        stripped = text.strip()
        keeps_word = (
            self.base == "str"
            or "none" in self.choices
            or any(a.base == "str" and not a.choices or "none" in a.choices for a in self.alternatives)
        )
        if self.optional and stripped.lower() in _NONE_WORDS and not keeps_word:
            return None
        if self.alternatives:
            for alternative in self.alternatives:
                try:
                    return alternative.parse(stripped, where)
                except ConfigError:
                    continue
            raise ConfigError(f"{where}: {stripped!r} is not allowed; expected {self.describe()}.")
        if self.is_list:
            return [self._scalar(part.strip(), where) for part in stripped.split(",") if part.strip()]
        return self._scalar(stripped, where)

    def _scalar(self, text: str, where: str) -> Any:
        expected = f"expected {self.describe()}"
        if self.choices:
            if text not in self.choices:
                raise ConfigError(f"{where}: {text!r} is not allowed; {expected}.")
            return text
        if self.base == "str":
            return text
        if self.base == "bool":
            if text.lower() not in _BOOL_WORDS:
                raise ConfigError(f"{where}: {text!r} is not a boolean; {expected} (true or false).")
            return _BOOL_WORDS[text.lower()]
        if self.base == "int":
            try:
                return int(text)
            except ValueError:
                raise ConfigError(f"{where}: {text!r} is not an integer; {expected}.") from None
        if self.base == "float":
            try:
                value = float(text)
            except ValueError:
                raise ConfigError(f"{where}: {text!r} is not a number; {expected}.") from None
            if value != value:  # NaN is never a meaningful setting
                raise ConfigError(f"{where}: {text!r} is not a number; {expected}.")
            return value
        return guess_value(text)


_ORDER = {"int": 0, "float": 1, "bool": 2, "str": 4, "any": 5}


def _union(types_: Sequence[ParamType], optional: bool) -> ParamType:
    """One type for several: deduplicated, tried int -> float -> bool -> choices -> text."""
    unique: list[ParamType] = []
    for t in types_:
        plain = ParamType(t.base, t.is_list, False, t.choices, t.alternatives)
        optional = optional or t.optional
        for part in plain.alternatives or (plain,):
            if part not in unique:
                unique.append(part)
    if not unique:
        return ParamType("any", optional=optional)
    if len(unique) == 1:
        only = unique[0]
        return ParamType(only.base, only.is_list, optional, only.choices)
    unique.sort(key=lambda t: (_ORDER[t.base] - (1 if t.choices else 0), t.is_list))
    return ParamType("any", optional=optional, alternatives=tuple(unique))


def guess_value(text: str) -> Any:
    """An undeclared value: an int, a float, true/false, none, or the text itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in _NONE_WORDS:
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_value(text: str) -> Any:
    """The old untyped parser: ``"a,b"`` -> ``["a", "b"]``, else :func:`guess_value`."""
    if "," in text:
        return [guess_value(part.strip()) for part in text.split(",") if part.strip()]
    return guess_value(text)


_SCALARS: dict[Any, Base] = {bool: "bool", int: "int", float: "float", str: "str"}


def _from_annotation(hint: Any) -> ParamType | None:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = typing.get_args(hint)
        inner = [_from_annotation(a) for a in args if a is not type(None)]
        if any(t is None for t in inner):
            return ParamType("any", optional=type(None) in args)
        return _union([t for t in inner if t is not None], type(None) in args)
    if origin is Literal:
        values = typing.get_args(hint)
        if all(isinstance(v, str) for v in values):
            return ParamType("str", choices=tuple(values))
        return ParamType("any")
    if hint in _SCALARS:
        return ParamType(_SCALARS[hint])
    if origin in (list, tuple, Sequence, typing.Sequence) or hint in (list, tuple):
        items = [a for a in typing.get_args(hint) if a is not Ellipsis]
        item = _from_annotation(items[0]) if len(set(items)) == 1 else None
        return ParamType(item.base if item and not item.is_list and not item.alternatives else "any", is_list=True)
    if "PathLike" in repr(hint):
        return ParamType("str")
    return None


def _from_constraints(constraints: Sequence[Any]) -> ParamType | None:
    """A type from scikit-learn's ``_parameter_constraints`` (its own declaration)."""
    found: list[ParamType] = []
    optional = False
    for constraint in constraints:
        kind = type(constraint).__name__
        if constraint is None:
            optional = True
        elif constraint == "boolean" or constraint is bool:
            found.append(ParamType("bool"))
        elif kind == "Interval":
            found.append(ParamType("int" if getattr(constraint, "type", None) is Integral else "float"))
        elif kind == "StrOptions":
            found.append(ParamType("str", choices=tuple(sorted(constraint.options))))
        elif constraint is str:
            found.append(ParamType("str"))
        elif constraint is Integral or constraint == "random_state":
            found.append(ParamType("int"))
            optional = optional or constraint == "random_state"
        elif constraint is Real:
            found.append(ParamType("float"))
    return _union(found, optional) if found else None


def _from_default(default: Any) -> ParamType:
    if default is None or default is inspect.Parameter.empty:
        return ParamType("any", optional=default is None)
    for python_type, base in _SCALARS.items():  # bool before int: True is an int
        if type(default) is python_type:
            return ParamType(base)
    if isinstance(default, (list, tuple)):
        items = {_SCALARS.get(type(v), "any") for v in default}
        return ParamType(items.pop() if len(items) == 1 else "any", is_list=True)
    return ParamType("any")


def _hints(factory: Callable[..., Any]) -> dict[str, Any]:
    target = factory.__init__ if inspect.isclass(factory) else factory
    try:
        return typing.get_type_hints(target)
    except Exception:  # unresolvable forward references: fall back to the defaults
        return {}


def declared_type(factory: Callable[..., Any], name: str) -> ParamType:
    """The type ``factory`` declares for its parameter ``name`` (annotation, else default)."""
    try:
        param = inspect.signature(factory).parameters.get(name)
    except (TypeError, ValueError):
        param = None
    if param is None:
        return ParamType("any")
    constraints = getattr(factory, "_parameter_constraints", None)
    typed = None
    if isinstance(constraints, Mapping) and name in constraints:
        typed = _from_constraints(constraints[name])
    hint = _hints(factory).get(name)
    if typed is None and hint is not None:
        typed = _from_annotation(hint)
    if typed is None:
        return _from_default(param.default)
    if param.default is None and not typed.optional:
        typed = ParamType(typed.base, typed.is_list, True, typed.choices, typed.alternatives)
    return typed


def _split(item: str, what: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"Expected {what} as KEY=VALUE, got {item!r}.")
    return key.strip(), value.strip()


def describe_declaration(param_type: ParamType) -> str:
    """``has no declared type`` or ``is declared TYPE``: for messages about a parameter."""
    if param_type.base == "any" and not param_type.alternatives:
        return "has no declared type"
    return f"is declared {param_type.describe()}"


def parse_assignments(
    items: Iterable[str], what: str = "parameter", factory: Callable[..., Any] | None = None
) -> dict[str, Any]:
    """Parse ``key=value`` strings into a dict, refusing malformed ones.

    With ``factory``, each value is parsed by the type ``factory`` declares for its
    key (:func:`declared_type`); without it, by :func:`parse_value`.
    """
    params: dict[str, Any] = {}
    for item in items:
        key, value = _split(item, what)
        if factory is None:
            params[key] = parse_value(value)
        else:
            params[key] = declared_type(factory, key).parse(value, f"{what} {key}")
    return params


def parse_grid_options(
    items: Iterable[str], kind: str, factories: Mapping[str, Callable[..., Any]]
) -> dict[str, dict[str, list[Any]]]:
    """``-E NAME.KEY=V1,V2`` options as ``{NAME: {KEY: [V1, V2]}}`` grids.

    The rule of a list in a config file (:meth:`ParamType.list_reading`), in text:
    ``;`` always separates grid points (``-E vae.hidden_sizes=64,32;128,64`` is a grid of
    two lists). Without one, a comma separates grid points of a single-valued parameter
    (``-E vae.latent_dim=8,16``) and items of a list-typed one, whose whole value is one
    list (``-E multimodal-vae.modalities=audio,context``). For a parameter that could be
    either (no declared type, or a union of both), a comma without ``;`` is an error
    naming both readings: ``A;B`` is a grid, ``A,B;`` one list.
    """
    grids: dict[str, dict[str, list[Any]]] = {}
    for item in items:
        target, value = _split(item, f"a {kind} parameter (NAME.KEY=VALUE)")
        name, dot, key = target.partition(".")
        if not dot or not name or not key:
            raise ConfigError(f"Expected a {kind} parameter as NAME.KEY=VALUE (e.g. pca.n_components=8), got {item!r}.")
        if name not in factories:
            raise ConfigError(
                f"{item!r} sets a parameter of the {kind} {name!r}, which this run does not use. "
                f"It uses: {', '.join(sorted(factories)) or 'none'}."
            )
        check_params(kind, name, factories[name], {key: None})
        param_type = declared_type(factories[name], key)
        where = f"{kind} {name} parameter {key}"
        reading = param_type.list_reading()
        if ";" in value:
            parts = value.split(";")
        elif reading == "grid":
            parts = value.split(",")
        elif reading == "ambiguous" and "," in value:
            grid, one = value.replace(",", ";"), value + ";"
            raise ConfigError(
                f"{item!r}: the {where} {describe_declaration(param_type)}, so {value!r} could be a GRID of "
                f"{len(value.split(','))} values, one cell each (write {name}.{key}={grid}), or ONE list "
                f"(write {name}.{key}={one}). Write the one you mean."
            )
        else:
            parts = [value]
        as_list = param_type.as_list() if reading == "ambiguous" else param_type
        points = [(as_list if "," in part else param_type).parse(part, where) for part in parts if part.strip()]
        if not points:
            raise ConfigError(f"{item!r} gives no value for the {where}.")
        grids.setdefault(name, {})[key] = points
    return grids
