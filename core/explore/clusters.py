"""Clusters of a map's layout, each named by its distinctive words, as Embedding Atlas and Latent Scope draw them.

Which clustering, by size: under DENSITY_FROM points k-means, its number of clusters chosen by silhouette
(density needs more points to estimate); from there on HDBSCAN, density clustering that finds the number of
clusters itself, fitted on at most DENSITY_FIT_MAX points; the points it leaves between clusters (and those it
did not see) join the cluster of their nearest clustered point, unless asked to stay unclustered (NOISE).
Where density finds fewer than two clusters, k-means decides. Labels: class-based TF-IDF (each cluster's
texts as one document, weighed against the word's frequency in the whole corpus; English stop words left
out), words found in at least two of the cluster's texts. Everything is deterministic for a seed.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NOISE = -1
UNCLUSTERED = "unclustered"
DENSITY_FROM = 60  # points from which HDBSCAN is used
DENSITY_FIT_MAX = 20_000  # HDBSCAN fits on at most this many points
MAX_K = 8  # k-means tries 2 .. MAX_K clusters
TOP_WORDS = 8  # words listed per cluster
LABEL_WORDS = 3  # words in a cluster's label
COLUMNS = ["cluster", "label", "texts", "top words", "x", "y"]


@dataclass(frozen=True)
class Clusters:
    """Clusters of one layout: `labels[i]` is point i's cluster (0 is the largest; NOISE for unclustered),
    `table` one row per cluster (COLUMNS; x, y is where its label goes) and a last row for unclustered
    points when there are any (cluster NOISE)."""

    labels: np.ndarray
    method: str  # "hdbscan", "k-means" or "one cluster"
    table: pd.DataFrame

    @property
    def count(self) -> int:
        return int((self.table["cluster"] != NOISE).sum())

    def rows(self, clusters) -> list[int]:
        """The points of the given clusters, in order."""
        return np.flatnonzero(np.isin(self.labels, list(clusters))).tolist()

    def names(self) -> np.ndarray:
        """Each point's cluster label (UNCLUSTERED for noise), for colouring and export."""
        names = dict(zip(self.table["cluster"], self.table["label"]))
        return np.array([names.get(int(c), UNCLUSTERED) for c in self.labels], dtype=object)


def min_cluster_size(n: int) -> int:
    """HDBSCAN's smallest cluster: 1% of the points, at least 10 (fewer splits a blob by chance) and at most 500."""
    return int(min(500, max(10, round(n / 100))))


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0, 1, ... from the largest down (ties: the one whose first point comes first)."""
    found = [c for c in np.unique(labels) if c != NOISE]
    first = {c: int(np.argmax(labels == c)) for c in found}
    order = sorted(found, key=lambda c: (-int((labels == c).sum()), first[c]))
    out = np.full(len(labels), NOISE, dtype=np.int64)
    for new, old in enumerate(order):
        out[labels == old] = new
    return out


def _kmeans(X: np.ndarray, seed: int) -> np.ndarray:
    """k-means with the k in 2..MAX_K of the best silhouette; one cluster for fewer than 3 distinct points."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    distinct = len(np.unique(X, axis=0))
    best, best_score = np.zeros(len(X), dtype=np.int64), -np.inf
    for k in range(2, min(MAX_K, distinct - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(X)
        if 2 <= len(np.unique(labels)) < len(X):
            score = silhouette_score(X, labels)
            if score > best_score + 1e-9:
                best, best_score = labels, score
    return best


def _density(X: np.ndarray, seed: int, min_size: int | None, assign_noise: bool) -> np.ndarray:
    """HDBSCAN on (a sample of) the points; the points it did not see, and with `assign_noise` those it left
    unclustered, take the cluster of their nearest clustered point."""
    from sklearn.cluster import HDBSCAN
    from sklearn.neighbors import NearestNeighbors

    n = len(X)
    fit = np.arange(n) if n <= DENSITY_FIT_MAX else np.sort(np.random.default_rng(seed).choice(n, DENSITY_FIT_MAX,
                                                                                               replace=False))
    size = min_size or min_cluster_size(len(fit))
    labels = np.full(n, NOISE, dtype=np.int64)
    labels[fit] = HDBSCAN(min_cluster_size=size, min_samples=min(size, 10), copy=True).fit_predict(X[fit])
    anchors = fit[labels[fit] != NOISE] if assign_noise else fit
    todo = labels == NOISE if assign_noise else ~np.isin(np.arange(n), fit)
    if anchors.size and todo.any():
        nearest = NearestNeighbors(n_neighbors=1).fit(X[anchors]).kneighbors(X[todo], return_distance=False)[:, 0]
        labels[todo] = labels[anchors][nearest]
    return labels


def find_clusters(coords: np.ndarray, method: str = "auto", seed: int = 0, min_size: int | None = None,
                  assign_noise: bool = True) -> tuple[np.ndarray, str]:
    """Cluster numbers of the points (0 the largest, NOISE unclustered) and the method used: "auto" picks by
    size (see the module's notes); "hdbscan" or "k-means" force one. `assign_noise`: the points density
    leaves between clusters join the cluster of their nearest clustered point (else they stay NOISE)."""
    X = np.asarray(coords, dtype=np.float64)
    if method not in ("auto", "hdbscan", "k-means"):
        raise ValueError(f"unknown clustering {method!r}; known: auto, hdbscan, k-means")
    if len(X) < 3 or len(np.unique(X, axis=0)) < 3:
        return np.zeros(len(X), dtype=np.int64), "one cluster"
    if method == "hdbscan" or (method == "auto" and len(X) >= DENSITY_FROM):
        labels = _density(X, seed, min_size, assign_noise)
        if method == "hdbscan" or len(set(labels.tolist()) - {NOISE}) >= 2:
            return _by_size(labels), "hdbscan"
    labels = _kmeans(X, seed)
    return _by_size(labels), "k-means" if labels.max() > 0 else "one cluster"


def distinctive_words(texts: list[str], labels: np.ndarray, top: int = TOP_WORDS) -> dict[int, list[str]]:
    """Each cluster's most distinctive words by class-based TF-IDF: tf(word, cluster) * log(1 + A / f(word)),
    tf the word's share of the cluster's words, A the mean number of words per cluster, f(word) its count
    in the whole corpus. A word must occur in two of the cluster's texts (one in a one-text cluster)."""
    from sklearn.feature_extraction.text import CountVectorizer

    clusters = sorted(set(np.asarray(labels).tolist()) - {NOISE})
    out = {c: [] for c in clusters}
    if not clusters:
        return out
    vectorizer = CountVectorizer(stop_words="english", token_pattern=r"(?u)\b[^\W\d_]{2,}\b")
    try:
        counts = vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # no word at all outside the stop words
        return out
    terms = vectorizer.get_feature_names_out()
    labels = np.asarray(labels)
    per_cluster = np.vstack([np.asarray(counts[labels == c].sum(axis=0)).ravel() for c in clusters])
    in_texts = np.vstack([np.asarray((counts[labels == c] > 0).sum(axis=0)).ravel() for c in clusters])
    totals = np.asarray(counts.sum(axis=0)).ravel()
    words = per_cluster.sum(axis=1, keepdims=True)
    average = words.sum() / max(1, len(clusters))
    weight = per_cluster / np.maximum(words, 1) * np.log1p(average / np.maximum(totals, 1))
    for row, c in enumerate(clusters):
        enough = in_texts[row] >= min(2, int((labels == c).sum()))
        order = np.lexsort((terms, -weight[row]))  # heaviest first, ties alphabetical
        out[c] = [str(terms[i]) for i in order if enough[i] and per_cluster[row, i] > 0][:top]
    return out


def _label(words: list[str], cluster: int) -> str:
    return ", ".join(words[:LABEL_WORDS]) if words else f"cluster {cluster + 1}"


def cluster_map(coords: np.ndarray, texts: list[str], method: str = "auto", seed: int = 0,
                min_size: int | None = None, assign_noise: bool = True) -> Clusters:
    """The clusters of a layout with their labels, counts, top words and label positions (each cluster's
    median point)."""
    X = np.asarray(coords, dtype=np.float64)
    if len(X) != len(texts):
        raise ValueError(f"{len(X)} points but {len(texts)} texts")
    labels, used = find_clusters(X, method, seed, min_size, assign_noise)
    words = distinctive_words(texts, labels)
    rows = []
    for c in sorted(words):
        x, y = np.median(X[labels == c], axis=0) if len(X) else (0.0, 0.0)
        rows.append([c, _label(words[c], c), int((labels == c).sum()), ", ".join(words[c]), float(x), float(y)])
    noise = int((labels == NOISE).sum())
    if noise:
        rows.append([NOISE, UNCLUSTERED, noise, "", np.nan, np.nan])
    table = pd.DataFrame(rows, columns=COLUMNS).astype({"cluster": "int64", "texts": "int64"})
    labels.setflags(write=False)
    return Clusters(labels, used, table)


def adjusted_rand(labels: np.ndarray, truth) -> float:
    """The adjusted Rand index between clusters and known groups (unclustered points count as one group)."""
    from sklearn.metrics import adjusted_rand_score

    return float(adjusted_rand_score(np.asarray(truth).astype(str), np.asarray(labels)))
