"""Comparing texts and mapping corpora: core logic on hand-made and planted cases."""
import numpy as np
import pandas as pd
import pytest

from core.directions.build import Direction
from core.explore import compare
from core.explore import layout as mapping
from core.explore.scores import score_frame
from core.io import corpus
from core.io.inputs import InputError
from core.store.embedder import Embedder
from tests.conftest import FakeEncoder


def axis(name, title, neg, pos, i, dim=3):
    v = np.zeros(dim)
    v[i] = 1.0
    return Direction(name=name, title=title, negative_label=neg, positive_label=pos, vector=v,
                     negative_projection=-1.0, positive_projection=1.0, model="hand", method="mean_difference",
                     dataset_hash=name)


SENT = axis("sentiment", "Sentiment", "negative", "positive", 0)
LEN = axis("length", "Length", "short", "long", 1)
ART = axis("art", "Art", "other topics", "art", 2)


def test_reading_names_the_biggest_difference_and_what_stays_the_same():
    E = np.array([[0.4, 0.1, -0.2], [-0.9, 0.2, 0.5]])
    frame = score_frame(["neutral", "pessimistic"], E, [SENT, LEN, ART])
    diffs = compare.differences(frame, 0, 1, [SENT, LEN, ART])
    assert diffs["direction"].tolist() == ["sentiment", "art", "length"]
    assert diffs["difference"].tolist() == pytest.approx([-1.3, 0.7, 0.1])
    assert compare.reading(diffs, "A", "B") == (
        "B sits 1.3 further toward negative than A, and 0.7 further toward art; both score about the same on Length.")
    # a topic axis as the one that stays the same reads as well (it used to say "at about the same art")
    topic = compare.differences(score_frame(["x", "y"], np.array([[0.4, 0, 0.1], [-0.9, 0, 0.2]]), [SENT, ART]),
                                0, 1, [SENT, ART])
    assert compare.reading(topic) == "B sits 1.3 further toward negative than A; both score about the same on Art."
    same = compare.differences(score_frame(["x", "y"], np.array([[0.1, 0, 0], [0.2, 0, 0]]), [SENT, LEN]), 0, 1,
                               [SENT, LEN])
    assert compare.reading(same) == "A and B score about the same on every direction shown."


def test_similarity_and_percentiles():
    E = np.array([[1.0, 0, 0], [0, 1.0, 0], [1.0, 0, 0]])
    np.testing.assert_allclose(compare.similarity_matrix(E), [[1, 0, 1], [0, 1, 0], [1, 0, 1]])
    ref = np.array([[0.0], [1.0], [2.0], [3.0]])
    np.testing.assert_allclose(compare.percentiles(np.array([[1.5], [-1.0], [3.0]]), ref), [[50.0], [0.0], [87.5]])


def test_neighbours_on_the_fake_encoder(cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    ref = ["happy happy day", "sad grim night", "tiny huge thing", "a happy lovely day"]
    R = emb.embed(ref)
    idx, sims = compare.neighbours(emb.embed(["happy happy day", "grim sad night"]), R, k=2)
    assert idx[0, 0] == 0 and sims[0, 0] == pytest.approx(1.0, abs=1e-5)
    assert idx[1, 0] == 1  # same words, other order: identical fake embedding
    assert (np.diff(sims, axis=1) <= 1e-6).all()  # nearest first
    none, _ = compare.neighbours(R[:1], R, k=3, exclude_self=True)
    assert 0 not in none[0]


def test_pca_matches_a_direct_computation():
    from sklearn.decomposition import PCA

    X = np.random.default_rng(0).normal(size=(200, 10)) * np.arange(1, 11)
    coords, share = mapping.pca_2d(X)
    ref = PCA(n_components=2).fit(X)
    direct = ref.transform(X)
    for j in range(2):
        assert abs(np.corrcoef(coords[:, j], direct[:, j])[0, 1]) == pytest.approx(1.0, abs=1e-9)
        np.testing.assert_allclose(np.abs(coords[:, j]), np.abs(direct[:, j]), atol=1e-8)
    np.testing.assert_allclose(share, ref.explained_variance_ratio_, rtol=1e-9)


def test_directions_as_axes_equal_the_scores():
    E = np.random.default_rng(1).normal(size=(50, 3))
    coords = mapping.direction_axes(E, SENT, ART)
    np.testing.assert_allclose(coords[:, 0], SENT.score(E))
    np.testing.assert_allclose(coords[:, 1], ART.score(E))


def test_layouts_are_cached_by_key():
    E = np.random.default_rng(2).normal(size=(30, 5))
    a = mapping.layout("k1", "pca", E)
    assert mapping.layout("k1", "pca", E + 100) is a  # same key: not recomputed
    assert mapping.layout("k2", "pca", E + 100) is not a


@pytest.mark.slow
def test_umap_layout_runs_on_a_small_corpus():
    E = np.random.default_rng(3).normal(size=(40, 8))
    coords = mapping.umap_2d(E, n_neighbors=5)
    assert coords.shape == (40, 2) and np.isfinite(coords).all()


def test_selection_rows_from_streamlit_events():
    sel = {"points": [{"curve_number": 0, "point_index": 3, "customdata": 7}, {"curve_number": 1, "point_index": 0,
                                                                               "customdata": [2]}]}
    assert mapping.selected_rows(sel) == [2, 7]
    assert mapping.selected_rows({"points": [{"curve_number": 0, "point_index": 5}]}) == [5]
    assert mapping.selected_rows(None) == []


def test_corpus_with_empty_duplicate_and_mixed_rows_still_maps():
    df = pd.DataFrame({"body": ["a", "", "a", None, "b", "NA"], "n": ["x", 1, 3.5, None, "", 2],
                       "score": ["1", "2", "3", "4", "5", "6"]})
    c = corpus.from_frame(df, "body", "test.csv")
    assert c.texts == ["a", "a", "b", "NA"]
    assert any("empty text" in n for n in c.notes) and any("duplicate" in n for n in c.notes)
    assert not pd.api.types.is_numeric_dtype(c.frame["n"]) and pd.api.types.is_numeric_dtype(c.frame["score"])
    big = corpus.from_frame(pd.DataFrame({"text": [f"t{i}" for i in range(100)]}), "text", "big", max_rows=10)
    assert len(big.frame) == 10 and "random sample of 10" in big.notes[0]
    with pytest.raises(InputError, match="no column 'text'"):
        corpus.from_frame(df, "text", "test.csv")
    with pytest.raises(InputError, match="holds no text"):
        corpus.from_frame(pd.DataFrame({"text": ["", " "]}), "text", "blank.csv")


def test_sample_corpus_is_shipped_with_labels():
    c = corpus.sample_corpus()
    assert len(c.frame) >= 2000
    assert {"topic", "register", "sentiment"} <= set(c.metadata_columns)
    assert c.frame["text"].str.len().min() > 0
