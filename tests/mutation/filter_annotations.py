"""Mark as skipped the mutants inside type annotations: python filter_annotations.py SESSION.

Every module here starts with ``from __future__ import annotations``, so an
annotation is a string that is never evaluated: ``-> CachedEmbedding | None``
mutated to ``-> CachedEmbedding * None`` is an equivalent mutant by construction.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import WorkerOutcome, WorkResult


def annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) of every annotation, as (line, column) pairs."""
    tree = ast.parse(source)
    if not any(
        isinstance(n, ast.ImportFrom) and n.module == "__future__" and any(a.name == "annotations" for a in n.names)
        for n in tree.body
    ):
        return []  # annotations are evaluated: their mutants are real
    nodes: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.arg) and node.annotation is not None:
            nodes.append(node.annotation)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            nodes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            nodes.append(node.annotation)
    return [((n.lineno, n.col_offset), (n.end_lineno, n.end_col_offset)) for n in nodes]  # type: ignore[attr-defined]


def main(session: str) -> None:
    spans: dict[str, list] = {}
    skipped = 0
    with use_db(session, WorkDB.Mode.open) as db:
        for item in db.pending_work_items:
            for m in item.mutations:
                path = str(m.module_path)
                if path not in spans:
                    spans[path] = annotation_spans(Path(path).read_text())
                start = tuple(m.start_pos)
                if any(lo <= start < hi for lo, hi in spans[path]):
                    db.set_result(
                        item.job_id,
                        WorkResult(output="equivalent: inside an annotation", worker_outcome=WorkerOutcome.SKIPPED),
                    )
                    skipped += 1
                    break
    print(f"{session}: {skipped} mutants inside annotations skipped (equivalent)")


if __name__ == "__main__":
    main(sys.argv[1])
