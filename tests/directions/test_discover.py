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


def planted_corpus(n_atoms=8, dim=32, n=400, noise=0.02, seed=0):
    """Texts built from n_atoms known orthonormal atoms: each row is one atom, scaled, plus a little noise,
    then made unit length like an embedding."""
    rng = np.random.default_rng(seed)
    atoms = np.linalg.qr(rng.normal(size=(dim, n_atoms)))[0].T
    which = np.arange(n) % n_atoms
    X = rng.uniform(0.5, 1.5, size=(n, 1)) * atoms[which] + noise * rng.normal(size=(n, dim))
    return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), atoms, which


def test_the_right_size_of_dictionary_explains_a_planted_corpus_with_no_dead_features():
    X, atoms, _ = planted_corpus()
    learned = features.learn_features(X, n_features=8, active=1, seed=0)
    report = features.measure(X, learned, rare_fraction=0.01)
    assert report.explained_variance > 0.95
    assert report.dead == 0 and report.rare == 0
    assert report.per_text == pytest.approx(1.0)
    assert np.abs(learned.atoms @ atoms.T).max(axis=0).min() > 0.95  # every true atom was found
    freq = features.frequencies(learned, 0.01)
    assert (freq["status"] == "alive").all() and freq["active in"].sum() == len(X)
    np.testing.assert_allclose(freq["log10 frequency"], np.log10(freq["active in"] / len(X)))


def test_a_dictionary_larger_than_needed_shows_dead_or_rare_features():
    X, _, _ = planted_corpus()
    learned = features.learn_features(X, n_features=64, active=1, seed=0)
    report = features.measure(X, learned, rare_fraction=0.01)  # rare: on fewer than 4 of the 400 texts
    assert report.explained_variance > 0.95  # more atoms than needed still reconstruct
    assert report.dead + report.rare >= 16
    counts = np.count_nonzero(learned.codes, axis=0)
    assert report.dead == int((counts == 0).sum())
    assert report.rare == int(((counts > 0) & (counts < 4)).sum())
    assert report.dead_share == report.dead / 64 and report.rare_below == pytest.approx(4.0)
    freq = features.frequencies(learned, 0.01)
    assert list(freq["status"]).count("dead") == report.dead and freq.loc[freq["status"] == "dead",
                                                                           "log10 frequency"].isna().all()


def test_explained_variance_by_hand():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]], dtype=np.float32)
    exact = features.Features(np.eye(2, dtype=np.float32), X.copy())
    assert features.explained_variance(X, exact) == pytest.approx(1.0)
    nothing = features.Features(np.eye(2, dtype=np.float32), np.zeros_like(X))
    # ||X||^2 = 4, ||X - mean||^2 = 4 - 4 * 0.5^2 * 2 = 2: reconstructing nothing explains 1 - 4/2
    assert features.explained_variance(X, nothing) == pytest.approx(-1.0)
    half = features.Features(np.eye(2, dtype=np.float32), X * np.array([1.0, 0.0], dtype=np.float32))
    assert features.explained_variance(X, half) == pytest.approx(1.0 - 2.0 / 2.0)


def test_zero_neighbours_have_zero_activation_and_are_the_nearest_such_texts():
    X, _, which = planted_corpus(n_atoms=4, n=200)
    learned = features.learn_features(X, n_features=8, active=2, seed=1)
    on = np.abs(learned.codes) > features.ACTIVE_EPS
    for k in range(8):
        tops = features.strongest(learned, k, 10)
        near = features.zero_neighbours(X, learned, k, n=10, top=10)
        if len(tops) == 0 or on[:, k].all():
            assert near.empty
            continue
        assert (learned.codes[tops, k] > 0).all()
        rows = near["row"].to_numpy()
        assert len(rows) == min(10, int((~on[:, k]).sum()))
        assert (learned.codes[rows, k] == 0).all()  # really zero there
        centre = X[tops].mean(axis=0)
        centre /= np.linalg.norm(centre)
        zero = np.flatnonzero(~on[:, k])
        expected = np.sort(X[zero] @ centre)[::-1][:10]
        np.testing.assert_allclose(near["similarity"], expected, atol=1e-5)  # nearest first, none missed
        assert near["similarity"].is_monotonic_decreasing


def test_a_dead_feature_has_no_texts_and_cannot_be_saved():
    codes = np.zeros((6, 2), dtype=np.float32)
    codes[:, 0] = [1.0, 0.5, 0.0, 0.0, 0.2, 0.0]
    f = features.Features(np.eye(2, 3, dtype=np.float32), codes)
    X = np.random.default_rng(0).normal(size=(6, 3)).astype(np.float32)
    assert features.measure(X, f).dead == 1
    assert features.strongest(f, 1).size == 0 and features.zero_neighbours(X, f, 1).empty
    assert list(features.strongest(f, 0, 10)) == [0, 1, 4]  # only where it is active, strongest first
    assert set(features.zero_neighbours(X, f, 0)["row"]) == {2, 3, 5}
    texts = [f"t{i}" for i in range(6)]
    with pytest.raises(features.FeatureError, match="active on no text"):
        features.as_dataset(f, 1, texts, "dead-one", "Dead", "a", "b")
    assert features.as_dataset(f, 0, texts, "live-one", "Live", "a", "b").positive == ("t0", "t1", "t4")
