"""Features without labels: a sparse dictionary recovers a planted feature, which becomes a data set."""
import numpy as np
import pytest

from core.directions import discover as features
from core.store.embedder import Embedder
from tests.conftest import FakeEncoder


def test_discovered_features_recover_a_planted_one(cache_root):
    rng = np.random.default_rng(0)
    fillers = ["walk", "bread", "river", "paper", "music", "window", "garden", "coat", "lamp", "road", "chair",
               "cloud"]
    texts = []
    for i in range(400):
        words = list(rng.choice(fillers, 3))
        if i % 4 == 0:
            words += ["happy", "lovely"]
        elif i % 4 == 1:
            words += ["sad", "grim"]
        texts.append(" ".join(words) + f" {i}")
    emb = Embedder(FakeEncoder(), cache_root)
    E = emb.embed(texts)
    learned = features.learn_features(E, n_features=8, active=2, seed=0)
    np.testing.assert_allclose(np.linalg.norm(learned.atoms, axis=1), 1.0, atol=1e-5)
    planted = np.zeros(FakeEncoder.DIM)
    planted[0] = 1.0
    cos = np.abs(learned.atoms @ planted)
    assert cos.max() > 0.8
    k = int(cos.argmax())
    ds = features.as_dataset(learned, k, texts, "mood-found", "Mood", "one end", "other end", n=20)
    ends = [("happy" in t) - ("sad" in t) for t in ds.positive], [("happy" in t) - ("sad" in t) for t in ds.negative]
    assert abs(np.mean(ends[0]) - np.mean(ends[1])) > 1.5  # the poles are the planted opposites
    assert len(features.summary(learned, texts)) == 8


def test_too_small_a_corpus_is_refused_with_a_message():
    with pytest.raises(features.FeatureError, match="larger corpus"):
        features.learn_features(np.eye(4, dtype=np.float32), n_features=32)
