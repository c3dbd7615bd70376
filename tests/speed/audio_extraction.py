"""Audio feature extraction: speed per core, a rerun with nothing to do, agreement with GTZAN.

Run from the repository root (not collected by pytest)::

    MUSICBENCH_DATA_DIR=../shared/data python tests/speed/audio_extraction.py
    python tests/speed/audio_extraction.py --jobs 2 --table agreement.md

Three sections, on the 20 real 30 s GTZAN clips of ``$MUSICBENCH_DATA_DIR/gtzan_audio``:

1. speed: each clip decoded and its 57 features computed in this process, one at a
   time (one core). "x real time per core" is the audio's duration over the CPU time
   of the process (``time.process_time``): on a shared machine, CPU time is what
   the extraction itself costs; wall time is printed beside it. The target is >= 10x
   (3 s of compute for a 30 s clip);
2. the whole folder through the loader (``--jobs`` processes, a fresh cache), then
   again: the rerun must extract nothing;
3. per feature, the largest difference from the published ``features_30_sec.csv``
   over the 20 clips, relative to the published value (variances, tempo) or to the
   published standard deviation (means), as ``test_audio_gtzan.py`` checks it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from musicbench.plugins.datasets.audio import AudioDataset  # noqa: E402
from musicbench.plugins.datasets.audio_extract import audio_files  # noqa: E402
from musicbench.plugins.datasets.audio_features import FEATURE_NAMES, decode, extract_features  # noqa: E402
from musicbench.plugins.datasets.librosa_cache import ensure_ready  # noqa: E402


def speed(folder: Path) -> None:
    files, _ = audio_files(folder)
    ensure_ready()  # librosa's numba code compiled (or loaded) by one process, as the loader does
    decode(files[0])  # warm-up: this process loads the compiled code
    extract_features(decode(files[0]))
    audio_s = cpu_s = wall_s = 0.0
    for path in files:
        cpu, wall = time.process_time(), time.perf_counter()
        y = decode(path)
        extract_features(y)
        cpu_s += time.process_time() - cpu
        wall_s += time.perf_counter() - wall
        audio_s += len(y) / 22050
    print(
        f"1. speed, one core: {len(files)} clips, {audio_s:.0f} s of audio; CPU {cpu_s:.1f} s "
        f"({cpu_s / len(files):.2f} s a clip) = {audio_s / cpu_s:.1f}x real time per core; "
        f"wall {wall_s:.1f} s ({audio_s / wall_s:.1f}x)"
    )


def folder_runs(folder: Path, jobs: int) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as cache:
        timings = []
        for _ in range(2):
            start = time.perf_counter()
            table, done = AudioDataset(path=folder, jobs=jobs, cache_dir=cache).extract()
            timings.append((time.perf_counter() - start, done.extracted, done.cached))
    (t1, e1, c1), (t2, e2, c2) = timings
    print(
        f"2. loader, --jobs {jobs}: first run {t1:.1f} s wall ({e1} extracted, {c1} cached); "
        f"rerun {t2:.2f} s ({e2} extracted, {c2} cached)"
    )
    return table


def agreement(table: pd.DataFrame, published_file: Path) -> str:
    ours = table.assign(filename=table["filename"].str.rsplit("/", n=1).str[-1]).set_index("filename")
    published = pd.read_csv(published_file).set_index("filename").loc[ours.index]
    lines = ["| feature | max relative difference | max scaled difference |", "| --- | ---: | ---: |"]
    for feature in FEATURE_NAMES:
        diff = (ours[feature] - published[feature]).abs()
        scale = np.sqrt(published[f"{feature[:-5]}_var"]) if feature.endswith("_mean") else published[feature].abs()
        lines.append(f"| {feature} | {(diff / published[feature].abs()).max():.1e} | {(diff / scale).max():.1e} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data = Path(os.environ.get("MUSICBENCH_DATA_DIR", REPO.parent / "shared" / "data"))
    parser.add_argument("--folder", type=Path, default=data / "gtzan_audio")
    parser.add_argument("--published", type=Path, default=data / "gtzan_features_30_sec.csv")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--table", type=Path, help="Also write the agreement table (Markdown) here.")
    args = parser.parse_args()
    import librosa

    print(
        f"python {platform.python_version()}, librosa {librosa.__version__}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    speed(args.folder)
    table = folder_runs(args.folder, args.jobs)
    text = agreement(table, args.published)
    print("3. agreement with the published features (20 clips):\n" + text)
    if args.table:
        args.table.write_text(text + "\n")


if __name__ == "__main__":
    main()
