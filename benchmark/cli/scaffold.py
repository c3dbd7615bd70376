"""The files ``bench new`` writes: a plugin package that works before it is edited.

Each template is a plain string formatted with the plugin's name, module and class.
The package installs with ``pip install -e DIR``, advertises itself in the
``musicbench`` entry-point group, and its test (three lines, with
:mod:`musicbench.testing`) and ``bench plugins check NAME`` pass unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from musicbench.errors import ConfigError

SCAFFOLD_KINDS = ("encoder", "clusterer", "metric")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "musicbench-{name}"
version = "0.1.0"
description = "A musicbench {kind} plugin: {name}."
requires-python = ">=3.10"
dependencies = ["musicbench"]

[project.optional-dependencies]
test = ["pytest"]

# musicbench finds installed plugins through this entry-point group.
[project.entry-points.musicbench]
{name} = "{module}"

[tool.setuptools]
py-modules = ["{module}"]
"""

ENCODER = '''\
"""{title}: a musicbench encoder plugin."""

import numpy as np
from sklearn.base import BaseEstimator

from musicbench import DataError, hookimpl


class {cls}(BaseEstimator):
    """A Gaussian random projection of the audio features (replace it with your method).

    Parameters
    ----------
    n_components : int
        The width of the embedding.
    random_state : int, optional
        The seed; the runner sets it, one cell per seed.
    """

    required_modalities = ("audio",)

    def __init__(self, n_components: int = 8, random_state: int | None = None):
        # scikit-learn style: __init__ only stores its arguments; fit does the work
        self.n_components = n_components
        self.random_state = random_state

    def fit(self, dataset):
        audio = self._audio(dataset)
        rng = np.random.default_rng(self.random_state)
        self.components_ = rng.standard_normal((audio.shape[1], self.n_components)) / np.sqrt(self.n_components)
        return self

    def transform(self, dataset):
        return (self._audio(dataset) @ self.components_).astype(np.float32)

    def _audio(self, dataset):
        # bad input is refused with a clear musicbench error, never a numpy traceback
        if dataset.n_tracks == 0:
            raise DataError(f"{name}: the dataset {{dataset.name!r}} has zero rows.")
        if not np.isfinite(dataset.audio).all():
            raise DataError(f"{name}: the dataset {{dataset.name!r}} has missing or infinite features.")
        return np.asarray(dataset.audio, dtype=np.float64)


@hookimpl
def register_encoders(register):
    register("{name}", {cls})
'''

CLUSTERER = '''\
"""{title}: a musicbench clusterer plugin."""

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans

from musicbench import hookimpl


class {cls}(BaseEstimator):
    """k-means with a single start (replace it with your method); noise would be -1.

    Parameters
    ----------
    n_clusters : int
        The number of clusters; the runner sets it to the dataset's class count.
    random_state : int, optional
        The seed; the runner sets it, one cell per seed.
    """

    def __init__(self, n_clusters: int = 8, random_state: int | None = None):
        self.n_clusters = n_clusters
        self.random_state = random_state

    def fit_predict(self, X):
        model = KMeans(self.n_clusters, n_init=1, random_state=self.random_state)
        self.labels_ = np.asarray(model.fit_predict(X), dtype=np.int64)
        return self.labels_


@hookimpl
def register_clusterers(register):
    register("{name}", {cls})
'''

METRIC = '''\
"""{title}: a musicbench metric plugin."""

from sklearn.metrics import homogeneity_score

from musicbench import hookimpl


def {func}(labels_true, labels_pred):
    """Homogeneity: each cluster holds one class (replace it with your metric)."""
    return float(homogeneity_score(labels_true, labels_pred))


@hookimpl
def register_metrics(register):
    # scope: "external" (truth, labels), "internal" (X, labels) or "partition" (labels)
    register("{name}", {func}, higher_is_better=True, scope="external")
'''

TEST = """\
from musicbench.testing import parametrize_with_checks

@parametrize_with_checks(["{name}"])
def test_contract(entry, check):
    check(entry)
"""

README = """\
# musicbench-{name}

A musicbench {kind} plugin, made with `bench new {kind} {name}`.

```bash
pip install -e .            # musicbench finds it through its entry point
pytest tests                # the musicbench contract checks, from musicbench.testing
bench plugins show {name}
bench plugins check {name}
```

Edit `{module}.py`; keep the test as it is: it runs every contract check that
`bench plugins check` runs.
"""

TEMPLATES = {"encoder": ENCODER, "clusterer": CLUSTERER, "metric": METRIC}


@dataclass(frozen=True)
class Scaffold:
    """What ``bench new`` writes, before it is written."""

    kind: str
    name: str
    folder: Path

    @property
    def module(self) -> str:
        return "musicbench_" + self.name.replace("-", "_")

    def files(self) -> dict[Path, str]:
        """Every file of the package, by path, with its content."""
        words = re.split(r"[-_]", self.name)
        fields = {
            "name": self.name,
            "kind": self.kind,
            "module": self.module,
            "cls": "".join(w.capitalize() for w in words) + self.kind.capitalize(),
            "func": self.name.replace("-", "_"),
            "title": " ".join(words).capitalize(),
        }
        return {
            self.folder / "pyproject.toml": PYPROJECT.format(**fields),
            self.folder / f"{self.module}.py": TEMPLATES[self.kind].format(**fields),
            self.folder / "README.md": README.format(**fields),
            self.folder / "tests" / f"test_{fields['func']}.py": TEST.format(**fields),
        }


def make_scaffold(kind: str, name: str, folder: str | Path | None = None) -> Scaffold:
    """Validate ``bench new``'s arguments; the folder defaults to ``./musicbench-NAME``."""
    if kind not in SCAFFOLD_KINDS:
        raise ConfigError(f"bench new makes an {', a '.join(SCAFFOLD_KINDS)}; got {kind!r}.")
    if not NAME_PATTERN.match(name):
        raise ConfigError(
            f"The plugin name {name!r} cannot be used: start with a lowercase letter and use only "
            "lowercase letters, digits, '-' and '_' (e.g. my-encoder)."
        )
    if name[0].isdigit() or name.endswith(("-", "_")):
        raise ConfigError(f"The plugin name {name!r} must not end with '-' or '_'.")
    target = Path(folder) if folder is not None else Path(f"musicbench-{name}")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ConfigError(f"{target} already exists and is not an empty folder: choose another DIR.")
    return Scaffold(kind, name, target)


def write_scaffold(scaffold: Scaffold) -> list[Path]:
    """Write the package's files; return their paths."""
    written = []
    for path, content in scaffold.files().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
