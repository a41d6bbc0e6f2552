"""Discover directions without labels: a sparse dictionary of features learned from corpus embeddings.

Each embedding is approximated by a few dictionary atoms (orthogonal matching pursuit on a dictionary
learned with scikit-learn's mini-batch dictionary learning), in the spirit of sparse-autoencoder
features. A feature's top and bottom texts show what it means; a named feature can be saved as a
direction whose poles are those texts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.directions.datasets import DirectionDataset
from core.errors import LatentError
from core.vectors import unit_rows

FIT_MAX = 5_000  # the dictionary is learned on at most this many rows, then every row is coded


class FeatureError(LatentError, ValueError):
    """The corpus is too small to learn the features asked for."""


@dataclass(frozen=True, eq=False)
class Features:
    atoms: np.ndarray  # (k, dim), unit rows
    codes: np.ndarray  # (n, k), sparse activations


def learn_features(E: np.ndarray, n_features: int = 32, active: int = 4, seed: int = 0,
                   fit_max: int = FIT_MAX) -> Features:
    from sklearn.decomposition import MiniBatchDictionaryLearning

    X = np.asarray(E, dtype=np.float32)
    if len(X) < max(8, n_features // 2):
        raise FeatureError(f"Learning {n_features} features needs a larger corpus (have {len(X)} texts).")
    rng = np.random.default_rng(seed)
    fit = X[rng.choice(len(X), fit_max, replace=False)] if len(X) > fit_max else X
    dl = MiniBatchDictionaryLearning(
        n_components=n_features, alpha=0.1, batch_size=256, max_iter=20, random_state=seed,
        transform_algorithm="omp", transform_n_nonzero_coefs=max(1, min(active, n_features)),
    )
    dl.fit(fit)
    atoms = unit_rows(dl.components_, dtype=dl.components_.dtype, eps=1e-12)
    dl.components_ = atoms
    codes = dl.transform(X)
    # orient each atom so that its strongest activations are positive
    flip = np.where(np.abs(codes.min(axis=0)) > np.abs(codes.max(axis=0)), -1.0, 1.0)
    return Features(atoms * flip[:, None], codes * flip[None, :])


def top_rows(features: Features, k: int, n: int = 5, lowest: bool = False) -> np.ndarray:
    """Rows that activate feature k most (or least), strongest first."""
    col = features.codes[:, k]
    order = np.argsort(col if lowest else -col, kind="stable")
    return order[:n]


def summary(features: Features, texts: list[str], n: int = 3) -> pd.DataFrame:
    """One row per feature: how many texts use it, its strongest and weakest texts."""
    rows = []
    for k in range(features.atoms.shape[0]):
        col = features.codes[:, k]
        rows.append({
            "feature": k,
            "active in": int(np.count_nonzero(col)),
            "strongest": " | ".join(texts[i] for i in top_rows(features, k, n)),
            "weakest": " | ".join(texts[i] for i in top_rows(features, k, n, lowest=True)),
        })
    return pd.DataFrame(rows).sort_values("active in", ascending=False, ignore_index=True)


def as_dataset(features: Features, k: int, texts: list[str], name: str, title: str, negative_label: str,
               positive_label: str, n: int = 30) -> DirectionDataset:
    """A direction data set from feature k: its top texts as the positive pole, its bottom texts as the
    negative one."""
    def unique(rows):
        seen = []
        for i in rows:
            if texts[i] not in seen:
                seen.append(texts[i])
        return seen

    pos = unique(top_rows(features, k, 3 * n))[:n]
    neg = [t for t in unique(top_rows(features, k, 3 * n, lowest=True)) if t not in pos][:n]
    return DirectionDataset(
        name=name, title=title, negative_label=negative_label, positive_label=positive_label,
        negative=tuple(neg), positive=tuple(pos),
        description=f"Discovered without labels: feature {k} of a sparse dictionary learned from a corpus.",
        notes=f"Built from the {len(pos)} texts that activate dictionary feature {k} most and the {len(neg)} "
              "that activate it least. Review the examples before relying on it.",
    ).with_changes()
