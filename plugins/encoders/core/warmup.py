"""Imported once by the local workers' forkserver when a run uses a torch encoder.

torch imports part of itself lazily on the first optimiser step of a process
(``torch._dynamo``, with sympy and mpmath: 797 modules, 1.1 s here). Without this,
every worker paid that inside its first fit, and the stored fit time of that one
cell said 1.5 s where the same fit takes 0.3 s. Imported in the forkserver, it is
paid once per run, before any worker forks. Only imports: no torch operation runs
before the fork.
"""

from __future__ import annotations

import torch  # noqa: F401
import torch._dynamo  # noqa: F401
