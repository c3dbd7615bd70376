"""CPU seconds of each process of a command's tree: the runner, its forkserver, each worker.

Polls ``/proc`` (Linux) every 0.2 s while the command runs and prints, for every
process it saw, the last user + system CPU seconds read and its command line. A
process that ends between two polls loses at most its last 0.2 s. Used to see where
``--jobs 2`` spends more CPU than ``--jobs 1`` (run it from an empty folder)::

    python tests/speed/process_cpu.py bench run --all --jobs 2 --top 0
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            children = handle.read().split()
    except OSError:
        return found
    for child in children:
        found += _tree(int(child))
    return found


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    ticks = os.sysconf("SC_CLK_TCK")
    seen: dict[int, tuple[str, float]] = {}
    start = time.perf_counter()
    process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None:
        for pid in _tree(process.pid):
            try:
                with open(f"/proc/{pid}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{pid}/cmdline") as handle:
                    command = handle.read().replace("\0", " ")[:70]
            except OSError:
                continue
            seen[pid] = (command, (int(fields[11]) + int(fields[12])) / ticks)  # utime + stime
        time.sleep(0.2)
    print(f"wall {time.perf_counter() - start:.2f} s, exit {process.returncode}")
    for pid, (command, cpu) in sorted(seen.items()):
        print(f"{pid:>8} {cpu:8.2f} s  {command}")


if __name__ == "__main__":
    main()
