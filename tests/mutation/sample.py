"""Keep a seeded random sample of a cosmic-ray session's pending mutants; mark the rest skipped.

Usage: python tests/mutation/sample.py SESSION.sqlite N [SEED]

Bounds the runtime of a module with many mutants; the report says which modules were
sampled. The same seed keeps the same mutants, so a before/after comparison is like for like.
"""

from __future__ import annotations

import random
import sys

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult


def main(session: str, n: int, seed: int = 0) -> None:
    with use_db(session, WorkDB.Mode.open) as db:
        # Job ids are random per session; sorting by the mutation itself makes the same
        # seed pick the same mutants in two sessions on the same source.
        items = sorted(
            db.pending_work_items,
            key=lambda item: [(m.module_path, m.operator_name, m.occurrence) for m in item.mutations],
        )
        pending = [item.job_id for item in items]
        if len(pending) <= n:
            return
        # a seeded shuffle, cut at n: a smaller sample is a prefix of a larger one,
        # so a quick run's mutants are among a longer run's
        order = list(pending)
        random.Random(seed).shuffle(order)
        keep = set(order[:n])
        for job_id in pending:
            if job_id not in keep:
                db.set_result(job_id, WorkResult(output="not in the sample", worker_outcome=WorkerOutcome.SKIPPED))
        print(f"{session}: sampled {n} of {len(pending)} mutants (seed {seed})")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 0)
