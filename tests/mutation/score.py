"""One line of mutation score for a cosmic-ray session: python score.py SESSION MODULE SECONDS."""

from __future__ import annotations

import sys
from collections import Counter

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import TestOutcome, WorkerOutcome


def main(session: str, module: str, seconds: str) -> None:
    outcomes: Counter[str] = Counter()
    with use_db(session, WorkDB.Mode.open) as db:
        total = db.num_work_items
        for _, result in db.results:
            if result.worker_outcome == WorkerOutcome.SKIPPED:
                outcomes["annotation" if "annotation" in (result.output or "") else "sampled out"] += 1
            elif result.output == "timeout":
                # cosmic-ray calls a test run past MUTATION_TIMEOUT killed; on a loaded machine
                # that is often a slow run, not a detection: counted apart, not in the score
                outcomes["timed out"] += 1
            elif result.worker_outcome in (WorkerOutcome.NORMAL, WorkerOutcome.EXCEPTION, WorkerOutcome.ABNORMAL):
                # a mutant that crashes the import or the test run is killed, as a failing test would
                outcomes["survived" if result.test_outcome == TestOutcome.SURVIVED else "killed"] += 1
            else:
                outcomes[str(result.worker_outcome.value)] += 1
    tested = outcomes["killed"] + outcomes["survived"]
    score = 100.0 * outcomes["killed"] / tested if tested else float("nan")
    print(
        f"{module}: {score:.1f}% killed ({outcomes['killed']}/{tested}; {total} generated, "
        f"{outcomes['timed out']} timed out, {outcomes['annotation']} in annotations, "
        f"{outcomes['sampled out']} sampled out; {seconds} s)"
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
