"""Discover directions without labels: a sparse dictionary of features learned from corpus embeddings.

Each embedding is approximated by a few dictionary atoms (orthogonal matching pursuit on a dictionary
learned with scikit-learn's mini-batch dictionary learning, started from atoms seeded k-means++ style),
in the spirit of sparse-autoencoder features. A feature's top and bottom texts show what it means; a
named feature can be saved as a direction whose poles are those texts.

Measured as users of sparse autoencoders expect (`measure`, `frequencies`, `zero_neighbours`):
explained variance of the reconstruction, features per text, dead and rare features, each feature's
frequency, and the texts nearest a feature's top texts on which it is zero. A feature is *active* on a
text when the absolute value of its code there exceeds ACTIVE_EPS (codes are signed; orthogonal matching
pursuit leaves every unselected feature at exactly zero). A feature is *dead* when it is active on no
text of the corpus, *rare* when it is active on some text but on fewer than RARE_FRACTION of them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.directions.datasets import DirectionDataset
from core.errors import LatentError
from core.vectors import top_k, unit_rows

FIT_MAX = 5_000  # the dictionary is learned on at most this many rows, then every row is coded
ACTIVE_EPS = 1e-6  # |code| above this: the feature is active on the text
RARE_FRACTION = 0.001  # active on fewer than 0.1% of the texts (and on at least one): a rare feature


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
        n_components=n_features, alpha=0.1, batch_size=256, max_iter=10, random_state=seed,
        transform_algorithm="omp", transform_n_nonzero_coefs=max(1, min(active, n_features)),
        dict_init=_seed_atoms(fit, n_features, rng),
    )
    dl.fit(fit)
    atoms = unit_rows(dl.components_, dtype=dl.components_.dtype, eps=1e-12)
    dl.components_ = atoms
    codes = dl.transform(X)
    # orient each atom so that its strongest activations are positive
    flip = np.where(np.abs(codes.min(axis=0)) > np.abs(codes.max(axis=0)), -1.0, 1.0)
    return Features(atoms * flip[:, None], codes * flip[None, :])


def _seed_atoms(X: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k starting atoms drawn from the rows, each next one with probability proportional to how badly the
    atoms so far explain a row (1 - its largest squared cosine to them), in the manner of k-means++. From
    random atoms the learner often stalls with two atoms on one true feature and one atom between two."""
    U = unit_rows(X, eps=1e-12)
    picks = [int(rng.integers(len(U)))]
    explained = (U @ U[picks[0]]) ** 2
    for _ in range(k - 1):
        weight = np.clip(1.0 - explained, 0.0, None).astype(np.float64)
        total = weight.sum()
        i = int(rng.choice(len(U), p=weight / total)) if total > 1e-12 else int(rng.integers(len(U)))
        picks.append(i)
        explained = np.maximum(explained, (U @ U[i]) ** 2)
    return U[picks]


def top_rows(features: Features, k: int, n: int = 5, lowest: bool = False) -> np.ndarray:
    """Rows that activate feature k most (or least), strongest first."""
    col = features.codes[:, k]
    order = np.argsort(col if lowest else -col, kind="stable")
    return order[:n]


def summary(features: Features, texts: list[str], n: int = 3, rare_fraction: float = RARE_FRACTION) -> pd.DataFrame:
    """One row per feature: how many texts use it (and what share, and whether it is dead or rare), its
    strongest and weakest texts; most used first."""
    freq = frequencies(features, rare_fraction)
    rows = []
    for k in range(features.atoms.shape[0]):
        rows.append({
            "feature": k,
            "active in": int(freq.at[k, "active in"]),
            "frequency": float(freq.at[k, "frequency"]),
            "status": freq.at[k, "status"],
            "strongest": " | ".join(texts[i] for i in top_rows(features, k, n)),
            "weakest": " | ".join(texts[i] for i in top_rows(features, k, n, lowest=True)),
        })
    return pd.DataFrame(rows).sort_values("active in", ascending=False, ignore_index=True)


def as_dataset(features: Features, k: int, texts: list[str], name: str, title: str, negative_label: str,
               positive_label: str, n: int = 30) -> DirectionDataset:
    """A direction data set from feature k: its top texts (where it is active) as the positive pole, its
    bottom texts as the negative one."""
    def unique(rows):
        seen = []
        for i in rows:
            if texts[i] not in seen:
                seen.append(texts[i])
        return seen

    pos = unique(strongest(features, k, 3 * n))[:n]
    if not pos:
        raise FeatureError(f"Feature {k} is active on no text of the corpus; pick another to save.")
    neg = [t for t in unique(top_rows(features, k, 3 * n, lowest=True)) if t not in pos][:n]
    return DirectionDataset(
        name=name, title=title, negative_label=negative_label, positive_label=positive_label,
        negative=tuple(neg), positive=tuple(pos),
        description=f"Discovered without labels: feature {k} of a sparse dictionary learned from a corpus.",
        notes=f"Built from the {len(pos)} texts that activate dictionary feature {k} most and the {len(neg)} "
              "that activate it least. Review the examples before relying on it.",
    ).with_changes()


# --- measurements ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class FeatureReport:
    """What a learned dictionary does on the corpus it was learned from."""
    texts: int
    features: int
    explained_variance: float  # 1 - ||X - X_hat||^2 / ||X - mean(X)||^2
    per_text: float  # mean number of active features per text (L0)
    dead: int  # features active on no text
    rare: int  # features active on at least one text but on fewer than rare_fraction of them
    rare_fraction: float

    @property
    def dead_share(self) -> float:
        return self.dead / self.features

    @property
    def rare_share(self) -> float:
        return self.rare / self.features

    @property
    def rare_below(self) -> float:
        """The number of texts a feature must reach not to be rare."""
        return self.rare_fraction * self.texts


def active(features: Features) -> np.ndarray:
    """(texts, features) booleans: where a feature is active (|code| > ACTIVE_EPS)."""
    return np.abs(features.codes) > ACTIVE_EPS


def explained_variance(E: np.ndarray, features: Features) -> float:
    """The share of the corpus's variance (about its mean) that the sparse reconstruction codes @ atoms
    keeps: 1 - ||X - X_hat||^2 / ||X - mean||^2 (1 is perfect; it can fall below 0)."""
    X = np.asarray(E, dtype=np.float64)
    residual = X - features.codes.astype(np.float64) @ features.atoms.astype(np.float64)
    spread = float(((X - X.mean(axis=0)) ** 2).sum())
    if spread == 0.0:
        return 1.0 if float((residual ** 2).sum()) == 0.0 else 0.0
    return 1.0 - float((residual ** 2).sum()) / spread


def measure(E: np.ndarray, features: Features, rare_fraction: float = RARE_FRACTION) -> FeatureReport:
    on = active(features)
    counts = on.sum(axis=0)
    n = len(on)
    return FeatureReport(
        texts=n, features=on.shape[1], explained_variance=explained_variance(E, features),
        per_text=float(on.sum(axis=1).mean()) if n else 0.0, dead=int((counts == 0).sum()),
        rare=int(((counts > 0) & (counts < rare_fraction * n)).sum()), rare_fraction=float(rare_fraction),
    )


def frequencies(features: Features, rare_fraction: float = RARE_FRACTION) -> pd.DataFrame:
    """One row per feature, in feature order: the texts it is active in, that count as a share of the
    corpus, its base-10 logarithm (NaN for a dead feature) and its status: dead, rare or alive."""
    counts = active(features).sum(axis=0)
    n = max(1, features.codes.shape[0])
    freq = counts / n
    status = np.where(counts == 0, "dead", np.where(counts < rare_fraction * n, "rare", "alive"))
    log_freq = np.log10(freq, out=np.full(len(freq), np.nan), where=counts > 0)
    return pd.DataFrame({"feature": np.arange(len(counts)), "active in": counts.astype(int), "frequency": freq,
                         "log10 frequency": log_freq, "status": status})


def strongest(features: Features, k: int, n: int = 10) -> np.ndarray:
    """Up to n rows where feature k is active with a positive code, strongest first."""
    rows = top_rows(features, k, n)
    return rows[features.codes[rows, k] > ACTIVE_EPS]


def zero_neighbours(E: np.ndarray, features: Features, k: int, n: int = 10, top: int = 10) -> pd.DataFrame:
    """The texts on which feature k is zero (not active) that lie nearest its `top` strongest texts (cosine
    to their mean embedding), nearest first, as a frame of row and similarity; empty for a dead feature or
    one active on every text. Beside the top texts they show what the feature picks out."""
    tops = strongest(features, k, top)
    zero = np.flatnonzero(~active(features)[:, k])
    if len(tops) == 0 or len(zero) == 0:
        return pd.DataFrame({"row": np.zeros(0, dtype=int), "similarity": np.zeros(0)})
    X = np.asarray(E, dtype=np.float32)
    centre = unit_rows(X[tops].mean(axis=0), eps=1e-12)
    sims = unit_rows(X[zero], eps=1e-12) @ centre
    idx, best = top_k(sims[None, :], n)
    return pd.DataFrame({"row": zero[idx[0]], "similarity": best[0].astype(float)})
