"""Build methods recover planted directions; the quality report's numbers are exact on a hand-made case."""
import numpy as np
import pytest

from core.directions.build import build_directions
from core.directions.datasets import DirectionDataset
from core.directions.methods import (
    METHODS,
    MethodError,
    build_vector,
    ledoit_wolf_shrinkage,
    remove_components,
)
from core.directions.quality import auc, quality_report
from core.directions.validation import correlate, ratings_from_table
from core.store.embedder import Embedder
from tests.conftest import FakeEncoder
from tests.fixtures.directions import TOPICS


def paired_dataset(method):
    neg = [f"{t} felt grim" for t in TOPICS] + [f"sad news about {t}" for t in TOPICS]
    pos = [f"{t} felt lovely" for t in TOPICS] + [f"happy news about {t}" for t in TOPICS]
    return DirectionDataset(name="mood", title="Mood", negative_label="sad", positive_label="happy",
                            negative=tuple(neg), positive=tuple(pos), method=method, paired=True)


@pytest.mark.parametrize("method", list(METHODS))
def test_each_method_recovers_the_planted_direction(method, cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    (d,) = build_directions([paired_dataset(method)], emb)
    assert d.method == method
    assert float(d.vector[0]) > 0.9, (method, d.vector[:3])
    assert abs(float(d.vector[1])) < 0.15
    happy, grim = d.score(emb.embed(["a happy trip to the zoo", "a grim trip to the zoo"]))
    assert happy > 0 > grim


def test_methods_orient_towards_the_positive_pole():
    rng = np.random.default_rng(1)
    neg = rng.normal(size=(12, 6)) - np.array([2, 0, 0, 0, 0, 0])
    pos = rng.normal(size=(12, 6)) + np.array([2, 0, 0, 0, 0, 0])
    for name in METHODS:
        v = build_vector(name, neg, pos, paired=True)
        assert np.linalg.norm(v) == pytest.approx(1.0)
        assert (pos @ v).mean() > (neg @ v).mean(), name
        assert v[0] > 0.7, name


def test_methods_need_enough_examples_and_pairs():
    a, b = np.eye(4)[:1], np.eye(4)[1:2]
    assert build_vector("mean_difference", a, b).shape == (4,)
    with pytest.raises(MethodError, match="at least 2 examples per pole"):
        build_vector("logistic_regression", a, b)
    with pytest.raises(MethodError, match="needs a paired data set"):
        build_vector("pca_pairs", np.eye(4)[:2], np.eye(4)[1:4], paired=False)


def test_ledoit_wolf_matches_scikit_learn():
    from sklearn.covariance import ledoit_wolf_shrinkage as reference

    X = np.random.default_rng(2).normal(size=(30, 50))
    X -= X.mean(axis=0)
    assert ledoit_wolf_shrinkage(X) == pytest.approx(reference(X, assume_centered=True), rel=1e-9)


def test_remove_components_is_orthogonal_and_unit():
    v = remove_components(np.array([1.0, 1.0, 0.0]), [np.array([1.0, 0.0, 0.0])])
    np.testing.assert_allclose(v, [0.0, 1.0, 0.0], atol=1e-12)


def test_auc_counts_ties_half():
    assert auc([0.0, 1.0], [1.0, 2.0]) == pytest.approx(0.875)  # 3 wins and 1 tie of 4 pairs


HAND = DirectionDataset(name="hand", title="Hand", negative_label="left", positive_label="right",
                        negative=("a", "b", "c", "d"), positive=("e", "f", "g", "h"), paired=True)
# pairs: negative at x=-1, positive at x=+1, same y offset; any set of whole pairs gives exactly (1, 0)
Y = np.array([0.0, 0.5, -0.5, 0.25])
NEG = np.c_[-np.ones(4), Y]
POS = np.c_[np.ones(4), Y]


def test_quality_report_exact_on_a_separable_hand_case():
    others = {"up": np.array([0.0, 1.0]), "diag": np.array([1.0, 1.0]) / np.sqrt(2)}
    rep = quality_report(HAND, NEG, POS, np.array([1.0, 0.0]), others, folds=2, n_boot=10, n_perm=19, seed=3)
    assert rep.folds == 2
    assert rep.cv_accuracy == 1.0 and rep.cv_auc == 1.0
    assert rep.margin == pytest.approx(2.0)  # every score is exactly -1 or +1
    assert rep.scores["score"].tolist() == pytest.approx([-1.0] * 4 + [1.0] * 4)
    assert rep.scores["heldout"].tolist() == pytest.approx([-1.0] * 4 + [1.0] * 4)
    assert rep.stability == pytest.approx(1.0)  # every resample gives (1, 0)
    assert 1 / 20 <= rep.p_value <= 0.5
    ent = rep.entanglement.set_index("direction")
    assert ent.loc["diag", "cosine"] == pytest.approx(1 / np.sqrt(2))
    assert bool(ent.loc["diag", "flagged"]) and not bool(ent.loc["up", "flagged"])
    assert any("Entangled with diag" in h for h in rep.hints)


def test_quality_hints_wrong_side_duplicates_sizes_and_lengths():
    ds = DirectionDataset(name="odd", title="Odd", negative_label="l", positive_label="r",
                          negative=("one", "two", "three"),
                          positive=("a much longer text here", "another fairly long text", "the third long one",
                                    "wrongly placed text that is long", "and one more long example text"))
    neg = np.array([[-1.0, 0.0], [-1.0, 0.0], [-0.9, 0.1]])
    pos = np.array([[1.0, 0.0], [0.9, 0.1], [1.0, 0.05], [-1.0, 0.02], [0.95, 0.0]])
    rep = quality_report(ds, neg, pos, np.array([1.0, 0.0]), folds=3, n_boot=5, n_perm=0)
    text = " ".join(rep.hints)
    assert "wrong side" in text and "near-duplicate" in text
    assert "differ in size (3 l, 5 r)" in text  # in the direction's own pole labels
    assert "1 example lands on the wrong side" in text
    assert "longer on average" in text
    assert rep.margin < 0


def test_single_example_per_pole_reports_without_crashing():
    ds = DirectionDataset(name="tiny", title="T", negative_label="l", positive_label="r",
                          negative=("x",), positive=("y",))
    rep = quality_report(ds, np.array([[-1.0, 0.0]]), np.array([[1.0, 0.0]]), np.array([1.0, 0.0]))
    assert rep.cv_auc is None and rep.folds == 0
    assert any("Too few examples" in h for h in rep.hints)


def test_correlation_and_intervals():
    rng = np.random.default_rng(0)
    ratings = rng.normal(size=200)
    scores = ratings + rng.normal(scale=0.5, size=200)
    r = correlate(scores, ratings, n_boot=300)
    assert r.pearson == pytest.approx(np.corrcoef(scores, ratings)[0, 1])
    assert r.pearson_ci[0] < r.pearson < r.pearson_ci[1]
    from scipy.stats import spearmanr

    assert r.spearman == pytest.approx(spearmanr(scores, ratings).statistic)
    perfect = correlate([1, 2, 3, 4], [10, 20, 30, 45], n_boot=50)
    assert perfect.spearman == pytest.approx(1.0)


def test_ratings_bad_input():
    import pandas as pd

    from core.io.inputs import InputError

    table = pd.DataFrame({"text": ["a", "b", "c", "d"], "r": ["1", "two", "3", "4,5"]})
    texts, ratings, notes = ratings_from_table(table, "text", "r")
    assert texts == ["a", "c", "d"] and ratings.tolist() == [1.0, 3.0, 4.5]
    assert "Left out 1 row" in notes[0] and "'two'" in notes[0]
    with pytest.raises(InputError, match="no column 'rating'"):
        ratings_from_table(table, "text", "rating")
    with pytest.raises(InputError, match="at least 3"):
        ratings_from_table(pd.DataFrame({"text": ["a", "b"], "r": ["x", "y"]}), "text", "r")
    with pytest.raises(InputError, match="All ratings are equal"):
        correlate([1, 2, 3], [5, 5, 5])


def test_project_out_removes_another_direction_and_keeps_calibration(cache_root):
    emb = Embedder(FakeEncoder(), cache_root)
    size = DirectionDataset(name="size", title="Size", negative_label="tiny", positive_label="huge",
                            negative=tuple(f"tiny {t}" for t in TOPICS), positive=tuple(f"huge {t}" for t in TOPICS))
    # a mood data set whose happy examples are also "huge": mood leans on size
    mood = DirectionDataset(name="mood", title="Mood", negative_label="sad", positive_label="happy",
                            negative=tuple(f"sad {t}" for t in TOPICS),
                            positive=tuple(f"happy huge {t}" for t in TOPICS))
    library = {"size": size, "mood": mood}
    leaning, size_d = build_directions([mood, size], emb, library=library)
    assert float(leaning.vector @ size_d.vector) > 0.3
    clean = build_directions([mood.with_changes(project_out=("size",))], emb, library=library)[0]
    assert abs(float(clean.vector @ size_d.vector)) < 1e-6
    assert clean.removed == ("size",)
    E = emb.embed(list(mood.negative) + list(mood.positive))
    scores = clean.score(E)
    assert scores[: len(TOPICS)].mean() == pytest.approx(-1.0) and scores[len(TOPICS):].mean() == pytest.approx(1.0)
    with pytest.raises(Exception, match="not a direction here"):
        build_directions([mood.with_changes(project_out=("nothing",))], emb, library=library)
