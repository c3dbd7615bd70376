"""Parameters as text: parsed by the type each plugin declares, never guessed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from musicbench import ConfigError, build_registry
from musicbench.benchmark.planning.params import ParamType, declared_type, parse_assignments, parse_grid_options

REGISTRY = build_registry(entry_points=False, environ={})


class Annotated:
    def __init__(
        self,
        count: int = 3,
        ratio: float = 0.5,
        flag: bool = False,
        name: str = "x",
        maybe: int | None = None,
        sizes: Sequence[int] = (64, 32),
        mode: Literal["fast", "none"] = "fast",
        width: int | float = 1,
        untyped=None,
    ) -> None:
        pass


@pytest.mark.parametrize(
    ("param", "text", "value"),
    [
        ("count", "7", 7),
        ("ratio", "1e-3", 0.001),
        ("flag", "true", True),
        ("flag", "0", False),
        ("name", "none", "none"),
        ("name", "12", "12"),
        ("maybe", "none", None),
        ("maybe", "5", 5),
        ("sizes", "128,64", [128, 64]),
        ("sizes", "8", [8]),
        ("mode", "none", "none"),
        ("width", "8", 8),
        ("width", "0.5", 0.5),
        ("untyped", "3", 3),
        ("untyped", "none", None),
    ],
)
def test_values_follow_the_declared_type(param: str, text: str, value: object) -> None:
    assert parse_assignments([f"{param}={text}"], "parameter", Annotated) == {param: value}


@pytest.mark.parametrize(
    ("param", "text", "expected"),
    [
        ("count", "many", "integer"),
        ("ratio", "nan", "number"),
        ("flag", "maybe", "boolean"),
        ("mode", "slow", "one of"),
    ],
)
def test_a_bad_value_names_the_parameter_and_the_type(param: str, text: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=rf"parameter {param}: .*{expected}"):
        parse_assignments([f"{param}={text}"], "parameter", Annotated)


def test_the_issue_examples() -> None:
    spotify = REGISTRY.get("dataset", "spotify").factory
    parsed = parse_assignments(["preprocessing=none", "dedupe=none", "features=f1"], "dataset parameter", spotify)
    assert parsed == {"preprocessing": "none", "dedupe": "none", "features": ["f1"]}
    kmeans = REGISTRY.get("clusterer", "kmeans").factory  # scikit-learn: "auto" or an int
    assert parse_assignments(["n_init=20"], "p", kmeans) == {"n_init": 20}
    assert parse_assignments(["n_init=auto"], "p", kmeans) == {"n_init": "auto"}
    assert declared_type(kmeans, "n_init").describe() == "int or one of auto"


def test_grids_from_the_command_line() -> None:
    factories = {"vae": REGISTRY.get("encoder", "vae").factory, "pca": REGISTRY.get("encoder", "pca").factory}
    grids = parse_grid_options(
        ["vae.latent_dim=8,16", "vae.hidden_sizes=64,32;128", "pca.n_components=2"], "encoder", factories
    )
    assert grids == {"vae": {"latent_dim": [8, 16], "hidden_sizes": [[64, 32], [128]]}, "pca": {"n_components": [2]}}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("vae.latnt_dim=8", "no parameter"),
        ("umap.n_neighbors=5", "does not use"),
        ("latent_dim=8", "NAME.KEY=VALUE"),
        ("vae.latent_dim=", "no value"),
        ("vae.latent_dim=eight", "integer"),
    ],
)
def test_bad_grid_options_are_config_errors(item: str, message: str) -> None:
    factories = {"vae": REGISTRY.get("encoder", "vae").factory}
    with pytest.raises(ConfigError, match=message):
        parse_grid_options([item], "encoder", factories)


TYPES = st.builds(
    ParamType,
    base=st.sampled_from(["int", "float", "bool", "str", "any"]),
    is_list=st.booleans(),
    optional=st.booleans(),
    choices=st.sampled_from([(), ("auto",), ("none", "fast")]),
)
UNIONS = st.lists(TYPES, min_size=2, max_size=3).map(lambda ts: ParamType("any", alternatives=tuple(ts)))


@settings(derandomize=True, max_examples=400, deadline=None)
@given(param_type=st.one_of(TYPES, UNIONS), text=st.text(max_size=20))
def test_parsing_returns_a_value_or_raises_config_error(param_type: ParamType, text: str) -> None:
    try:
        value = param_type.parse(text, "parameter p")
    except ConfigError as exc:
        assert "parameter p" in str(exc)
        return
    assert value is None or isinstance(value, (int, float, bool, str, list))


@settings(derandomize=True, max_examples=200, deadline=None)
@given(text=st.text(max_size=30))
def test_assignments_from_any_text_are_values_or_config_errors(text: str) -> None:
    for factory in (Annotated, REGISTRY.get("clusterer", "kmeans").factory):
        try:
            parse_assignments([text], "parameter", factory)
        except ConfigError:
            pass
