"""The seed project's pipeline as a plain script, for the comparison benchmark.

This is what the seed README does, step by step, without musicbench: train a VAE,
a multimodal (audio + lyrics) VAE and a beta-VAE at the seed's settings (hidden
256 and 128, latent 16, MSE + KL, Adam 1e-3, batch 256, 30 epochs), then run
KMeans, agglomerative clustering and DBSCAN on each latent space, and score each
with silhouette (on the full data), Calinski-Harabasz, Davies-Bouldin and ARI.

It reads the same synthetic tracks musicbench uses (loading is not what is
compared) and prints one JSON line per cell plus the total wall time. Run it through
``compare_seed_pipeline.py``, which measures both sides in one go.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from torch import nn

from musicbench.plugins.datasets.synthetic import SyntheticDataset


class SeedVAE(nn.Module):
    def __init__(self, n_in: int, latent: int = 16) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(n_in, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        self.mu = nn.Linear(128, latent)
        self.logvar = nn.Linear(128, latent)
        self.dec = nn.Sequential(
            nn.Linear(latent, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, n_in)
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def train_vae(X: np.ndarray, beta: float, seed: int) -> np.ndarray:
    torch.manual_seed(seed)
    data = torch.tensor(X, dtype=torch.float32)
    model = SeedVAE(X.shape[1])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(30):
        for idx in torch.randperm(len(data)).split(256):
            recon, mu, logvar = model(data[idx])
            mse = nn.functional.mse_loss(recon, data[idx], reduction="sum")
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
            loss = (mse + beta * kl) / len(idx)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return model(data)[1].numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-tracks", type=int, default=18_454)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    data = SyntheticDataset(n_tracks=args.n_tracks, seed=args.seed).load()
    genre = data.labels["genre"]
    lyrics = TfidfVectorizer(max_features=1000).fit_transform(data.texts["lyrics"]).toarray()
    latents = {
        "vae": train_vae(data.audio, beta=1.0, seed=args.seed),
        "multimodal-vae": train_vae(np.hstack([data.audio, lyrics]).astype(np.float32), beta=1.0, seed=args.seed),
        "beta-vae": train_vae(data.audio, beta=4.0, seed=args.seed),
    }
    for encoder, Z in latents.items():
        for name, clusterer in {
            "kmeans": KMeans(n_clusters=6, n_init=10, random_state=args.seed),
            "agglomerative": AgglomerativeClustering(n_clusters=6),
            "dbscan": DBSCAN(eps=0.5, min_samples=5),
        }.items():
            labels = clusterer.fit_predict(Z)
            row: dict[str, object] = {"encoder": encoder, "clusterer": name, "ari": adjusted_rand_score(genre, labels)}
            if len(set(labels)) > 1:
                row |= {
                    "silhouette": float(silhouette_score(Z, labels)),
                    "calinski_harabasz": float(calinski_harabasz_score(Z, labels)),
                    "davies_bouldin": float(davies_bouldin_score(Z, labels)),
                }
            print(json.dumps(row), flush=True)
    print(json.dumps({"total_seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
