"""The forkserver preload of N2D: torch's lazily imported part and umap-learn's compiled code.

N2D trains an autoencoder (torch) and then fits UMAP on its codes, so its workers need
both warm-ups that the ``autoencoder`` and ``umap`` entries preload.
"""

from __future__ import annotations

import musicbench.plugins.encoders.core.warmup  # noqa: F401
import musicbench.plugins.encoders.umap_warmup  # noqa: F401
