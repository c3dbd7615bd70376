"""A list is one value or a grid by the parameter's declared type, in a config file and on the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from musicbench import ConfigError, build_registry
from musicbench.benchmark.planning.config import RunConfig, read_config, select
from musicbench.benchmark.planning.params import ParamType, declared_type, parse_grid_options
from musicbench.benchmark.planning.plan import make_plan

KNOBS = '''
from collections.abc import Sequence
import numpy as np
from musicbench import hookimpl


class Knobs:
    """An encoder with one parameter of each kind of type."""

    required_modalities = ("audio",)

    def __init__(self, width: int = 2, sizes: Sequence[int] = (4,), either: int | Sequence[int] = 8,
                 untyped=None, random_state=None):
        self.width, self.sizes, self.either, self.untyped = width, sizes, either, untyped
        self.random_state = random_state

    def get_params(self, deep=True):
        return {"width": self.width, "sizes": self.sizes, "either": self.either, "untyped": self.untyped}

    def fit(self, dataset):
        return self

    def transform(self, dataset):
        return np.zeros((dataset.n_tracks, 2), dtype=np.float32)


class Groups:
    def __init__(self, n_clusters=2, random_state=None):
        self.n_clusters, self.random_state = n_clusters, random_state

    def fit_predict(self, X):
        return np.zeros(len(X), dtype=int)


@hookimpl
def register_encoders(register):
    register("knobs", Knobs)


@hookimpl
def register_clusterers(register):
    register("groups", Groups)
'''


@pytest.fixture(scope="module")
def registry(tmp_path_factory):  # type: ignore[no-untyped-def]
    plugin = tmp_path_factory.mktemp("plugins") / "knobs.py"
    plugin.write_text(KNOBS)
    return build_registry([plugin], builtins=("musicbench.plugins.datasets",), entry_points=False, environ={})


@pytest.fixture(scope="module")
def dataset(registry):  # type: ignore[no-untyped-def]
    return registry.get("dataset", "synthetic").create(n_tracks=60, lyrics=False).load()


def _grid(registry, tmp_path: Path, body: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    path = tmp_path / "run.toml"
    path.write_text("[encoders.knobs]\n" + body)
    return select(registry, "encoder", None, read_config(path).encoders, False)["knobs"]


def test_the_declared_types_give_the_readings(registry) -> None:  # type: ignore[no-untyped-def]
    knobs = registry.get("encoder", "knobs").factory
    readings = {p: declared_type(knobs, p).list_reading() for p in ("width", "sizes", "either", "untyped")}
    assert readings == {"width": "grid", "sizes": "value", "either": "ambiguous", "untyped": "ambiguous"}
    both_lists = ParamType("any", alternatives=(ParamType("int", True), ParamType("str", True)))
    assert both_lists.list_reading() == "value"


@pytest.mark.parametrize(
    ("body", "grid"),
    [
        ("sizes = [64, 32]\n", {"sizes": [[64, 32]]}),  # a list-typed parameter: one value
        ("sizes = [[64, 32], [128]]\n", {"sizes": [[64, 32], [128]]}),  # a list of lists: a grid
        ("sizes = { grid = [[8], [16]] }\n", {"sizes": [[8], [16]]}),
        ("sizes = []\n", {"sizes": [[]]}),  # the empty list is a value too
        ("width = [1, 2]\n", {"width": [1, 2]}),  # a scalar: a list is a grid, as ever
        ("width = { grid = [3] }\n", {"width": [3]}),
        ("width = 5\n", {"width": [5]}),
        ("either = [[1, 2]]\n", {"either": [[1, 2]]}),  # the explicit forms settle an ambiguous type
        ("either = { grid = [1, 2] }\n", {"either": [1, 2]}),
        ("untyped = { grid = ['a', 'b'] }\n", {"untyped": ["a", "b"]}),
        ("either = 3\n", {"either": [3]}),
    ],
)
def test_a_list_in_a_config_file_follows_the_declared_type(registry, tmp_path, body, grid) -> None:  # type: ignore[no-untyped-def]
    assert _grid(registry, tmp_path, body) == grid


@pytest.mark.parametrize("key", ["either", "untyped"])
def test_an_ambiguous_list_names_the_file_the_key_and_both_readings(registry, tmp_path, key) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as caught:
        _grid(registry, tmp_path, f"{key} = [1, 2]\n")
    message = str(caught.value)
    assert f"run.toml: encoders.knobs.{key} = [1, 2]" in message
    assert f"ONE value (the list [1, 2]: write {key} = [[1, 2]])" in message
    assert f"GRID of 2 values, one cell each (write {key} = {{ grid = [1, 2] }})" in message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("width = []\n", "empty list"),
        ("width = { grid = [] }\n", "empty grid"),
        ("width = { grd = [1] }\n", "must be \\{ grid = \\[...\\] \\}"),
        ("width = { grid = 3 }\n", "must be \\{ grid = \\[...\\] \\}"),
        ("sizes = [[64], 32]\n", "mixes lists and single values"),
        (
            "widht = [1, 2]\n",
            "run.toml: encoders.knobs: .*no parameter\\(s\\) widht",
        ),  # a typo is not an 'unknown type'
        ("random_state = [1, 2]\n", "--seeds"),
    ],
)
def test_bad_lists_are_config_errors(registry, tmp_path, body, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match=message):
        _grid(registry, tmp_path, body)


def test_a_list_valued_parameter_makes_one_cell_per_seed(registry, dataset, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "run.toml"
    path.write_text("seeds = 1\n[encoders.knobs]\nsizes = [64, 32]\nwidth = [1, 2]\n[clusterers.groups]\n")
    config = read_config(path)
    config.encoders = select(registry, "encoder", None, config.encoders, False)
    config.clusterers = select(registry, "clusterer", None, config.clusterers, False)
    cells = make_plan(registry, config, dataset).cells
    assert sorted(c.embedding.params["width"] for c in cells) == [1, 2]
    assert all(c.embedding.params["sizes"] == [64, 32] for c in cells)


def test_make_plan_reads_a_file_table_itself(registry, dataset, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A config straight from read_config, without select, plans by the same rule."""
    path = tmp_path / "run.toml"
    path.write_text("seeds = 1\n[encoders.knobs]\nsizes = [64, 32]\n[clusterers.groups]\n")
    cells = make_plan(registry, read_config(path), dataset).cells
    assert [c.embedding.params["sizes"] for c in cells] == [[64, 32]]


def test_select_imports_no_factory_for_a_table_without_lists(tmp_path) -> None:
    """Only a list needs the declared type: other tables leave lazy factories unimported."""
    registry = build_registry(entry_points=False, environ={})
    path = tmp_path / "run.toml"
    path.write_text("[encoders.vae]\nlatent_dim = { grid = [8, 16] }\nepochs = 3\n")
    grids = select(registry, "encoder", None, read_config(path).encoders, False)
    assert grids == {"vae": {"latent_dim": [8, 16], "epochs": [3]}}
    assert not registry.get("encoder", "vae").loaded


def test_the_issue_example_modalities_is_one_model() -> None:
    registry = build_registry(entry_points=False, environ={})
    dataset = registry.get("dataset", "synthetic").create(n_tracks=80, lyrics=False).load()
    config = RunConfig(seeds=[0])
    config.encoders = select(
        registry, "encoder", None, _file_tables(modalities=["audio", "context"], hidden_sizes=[[64, 32], [32]]), False
    )
    config.clusterers = {"kmeans": {}}
    cells = make_plan(registry, config, dataset).cells
    assert len(cells) == 2  # the two hidden_sizes; modalities is one value, not a grid
    assert all(c.embedding.params["modalities"] == ["audio", "context"] for c in cells)
    assert sorted(c.embedding.params["hidden_sizes"] for c in cells) == [[32], [64, 32]]


def _file_tables(**params: object) -> dict:  # type: ignore[type-arg]
    from musicbench.benchmark.planning.config import ParamTable

    return {"multimodal-vae": ParamTable(params, "run.toml: encoders.multimodal-vae")}


def test_dataset_params_follow_the_loaders_types(registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "run.toml"
    path.write_text(
        "[[datasets]]\nname = 'synthetic'\n"
        "params = { preprocessing = ['standardize', 'yeo-johnson'], features = ['tempo', 'energy'] }\n"
        "[[datasets]]\nname = 'synthetic'\nparams = { features = [['tempo'], ['energy']], n_tracks = 90 }\n"
    )
    config = read_config(path)
    assert len(config.each_dataset()) == 2  # without the registry: one per table, as written
    points = [
        (one.dataset_params.get("preprocessing"), one.dataset_params["features"])
        for one in config.each_dataset(registry)
    ]
    assert points == [
        ("standardize", ["tempo", "energy"]),
        ("yeo-johnson", ["tempo", "energy"]),
        (None, ["tempo"]),
        (None, ["energy"]),
    ]


def test_a_single_dataset_table_is_a_grid_too(registry, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "run.toml"
    path.write_text("[dataset]\nname = 'synthetic'\nparams = { n_tracks = [100, 200], drop_features = ['key'] }\n")
    ones = read_config(path).each_dataset(registry)
    assert [(o.dataset_params["n_tracks"], o.dataset_params["drop_features"]) for o in ones] == [
        (100, ["key"]),
        (200, ["key"]),
    ]
    unknown = tmp_path / "bad.toml"
    unknown.write_text("[dataset]\nname = 'synthetic'\nparams = { n_trakcs = [1, 2] }\n")
    with pytest.raises(ConfigError, match="no parameter\\(s\\) n_trakcs"):
        read_config(unknown).each_dataset(registry)


@pytest.mark.parametrize(
    ("item", "points"),
    [
        ("knobs.sizes=64,32", [[64, 32]]),  # a list-typed parameter: one list
        ("knobs.sizes=64,32;128", [[64, 32], [128]]),  # ';' separates grid points
        ("knobs.width=1,2", [1, 2]),  # a scalar: ',' separates grid points
        ("knobs.width=1;2", [1, 2]),
        ("knobs.either=1;2", [1, 2]),  # the explicit forms settle an ambiguous type
        ("knobs.either=1,2;", [[1, 2]]),
        ("knobs.either=1,2;3", [[1, 2], 3]),
        ("knobs.untyped=1,2;", [[1, 2]]),
        ("knobs.either=4", [4]),
    ],
)
def test_the_command_line_follows_the_same_rule(registry, item, points) -> None:  # type: ignore[no-untyped-def]
    factories = {"knobs": registry.get("encoder", "knobs").factory}
    key = item.split(".")[1].split("=")[0]
    assert parse_grid_options([item], "encoder", factories) == {"knobs": {key: points}}


@pytest.mark.parametrize("key", ["either", "untyped"])
def test_an_ambiguous_command_line_list_names_both_readings(registry, key) -> None:  # type: ignore[no-untyped-def]
    factories = {"knobs": registry.get("encoder", "knobs").factory}
    with pytest.raises(ConfigError) as caught:
        parse_grid_options([f"knobs.{key}=1,2"], "encoder", factories)
    message = str(caught.value)
    assert "GRID of 2 values" in message and f"knobs.{key}=1;2" in message
    assert "ONE list" in message and f"knobs.{key}=1,2;" in message


def test_the_multimodal_modalities_on_the_command_line() -> None:
    registry = build_registry(entry_points=False, environ={})
    factories = {"multimodal-vae": registry.get("encoder", "multimodal-vae").factory}
    grids = parse_grid_options(["multimodal-vae.modalities=audio,context"], "encoder", factories)
    assert grids == {"multimodal-vae": {"modalities": [["audio", "context"]]}}
