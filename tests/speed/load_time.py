"""Wall time of loading the real datasets (reading, checks and preprocessing).

    MUSICBENCH_DATA_DIR=/path/to/data python tests/speed/load_time.py [--repeat 5]

Prints the best of ``--repeat`` loads for each file-based loader with its defaults,
and the time of the read (and checks) alone: decoding, separator, header and
line-number checks happen in ``read_table``.
"""

from __future__ import annotations

import argparse
import time

from musicbench.plugins.datasets.gtzan import GtzanDataset
from musicbench.plugins.datasets.spotify import DEFAULT_FILE, SpotifyDataset
from musicbench.plugins.datasets.tables import read_table, resolve_path


def best_of(repeat: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    path = resolve_path(None, DEFAULT_FILE, "spotify")
    print(f"read_table({path.name}): {best_of(repeat, lambda: read_table(path, 'spotify')):.3f} s")
    for loader in (SpotifyDataset, GtzanDataset):
        print(f"{loader.__name__}().load(): {best_of(repeat, loader().load):.3f} s")


if __name__ == "__main__":
    main()
