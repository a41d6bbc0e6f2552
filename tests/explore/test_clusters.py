"""core.explore.clusters: clusters of a layout and their distinctive words, on planted clusters."""
import numpy as np
import pytest

from core.explore import clusters


def grid(centre, n, step=0.1):
    """n points on a square grid of spacing `step` from `centre`: an even density, no outliers."""
    side = int(np.ceil(np.sqrt(n)))
    return np.array([(i % side, i // side) for i in range(n)], dtype=float) * step + np.asarray(centre, dtype=float)


def planted(sizes=(50, 40, 30), step=0.1):
    """Three well-apart clusters of the given sizes; each cluster's texts plant its own words: the first word
    in all of its texts, the second in 3 of 4, the third in half; 'today' in every text of the corpus; a word
    of its own in each text (in one text only: never a label word)."""
    words = [("storm", "rain", "umbrella"), ("goal", "match", "referee"), ("bread", "oven", "flour")]
    centres = [(0, 0), (10, 0), (0, 10)]
    points, texts, truth = [], [], []
    for c, (size, centre) in enumerate(zip(sizes, centres)):
        points.append(grid(centre, size, step))
        for i in range(size):
            first, second, third = words[c]
            texts.append(" ".join([first, second if i % 4 else "", third if i % 2 else "", "today", f"x{c}word{i}"]))
            truth.append(c)
    return np.vstack(points), texts, np.array(truth)


def test_density_recovers_planted_clusters_with_their_words():
    X, texts, truth = planted()
    found = clusters.cluster_map(X, texts)
    assert found.method == "hdbscan"
    np.testing.assert_array_equal(found.labels, truth)  # numbered by size: 50, 40, 30
    table = found.table
    assert table.columns.tolist() == clusters.COLUMNS
    assert table["label"].tolist() == ["storm, rain, umbrella", "goal, match, referee", "bread, oven, flour"]
    assert table["texts"].tolist() == [50, 40, 30] and found.count == 3
    assert table["top words"][0].split(", ")[:3] == ["storm", "rain", "umbrella"]
    assert not any("word" in w for w in table["top words"])  # a word of a single text is never distinctive
    assert all("today" not in label for label in table["label"])  # in every text: not distinctive
    np.testing.assert_allclose(table[["x", "y"]].iloc[1], np.median(X[truth == 1], axis=0))
    assert clusters.adjusted_rand(found.labels, truth) == 1.0
    assert found.rows([2]) == list(range(90, 120))
    assert found.names()[0] == "storm, rain, umbrella" and found.names()[-1] == "bread, oven, flour"


def test_small_corpora_use_kmeans_with_k_by_silhouette():
    X, texts, truth = planted(sizes=(12, 10, 8))
    assert len(X) < clusters.DENSITY_FROM
    found = clusters.cluster_map(X, texts)
    assert found.method == "k-means"
    np.testing.assert_array_equal(found.labels, truth)
    assert found.table["texts"].tolist() == [12, 10, 8]
    assert found.table["label"].tolist() == ["storm, rain, umbrella", "goal, match, referee", "bread, oven, flour"]


@pytest.mark.parametrize("points", [np.zeros((0, 2)), np.zeros((1, 2)), np.array([[0.0, 0.0], [5.0, 5.0]]),
                                    np.ones((30, 2))])
def test_tiny_or_degenerate_layouts_are_one_cluster(points):
    texts = [f"a note about trains {i}" for i in range(len(points))]
    found = clusters.cluster_map(points, texts)
    assert found.method == "one cluster"
    assert (found.labels == 0).all() and found.count == (1 if len(points) else 0)
    if len(points) > 1:
        assert found.table["label"].tolist() == ["note, trains"] and found.table["texts"].tolist() == [len(points)]


def test_when_density_finds_no_clusters_kmeans_decides(monkeypatch):
    X, texts, truth = planted()
    monkeypatch.setattr(clusters, "_density", lambda X, seed, size, assign: np.full(len(X), clusters.NOISE))
    found = clusters.cluster_map(X, texts)
    assert found.method == "k-means"
    np.testing.assert_array_equal(found.labels, truth)


def test_all_noise_is_one_unclustered_row():
    X = np.random.default_rng(0).uniform(size=(300, 2))
    found = clusters.cluster_map(X, [f"point {i} here" for i in range(300)], method="hdbscan", min_size=150,
                                 assign_noise=False)
    assert found.method == "hdbscan" and found.count == 0
    assert (found.labels == clusters.NOISE).all()
    assert found.table["label"].tolist() == [clusters.UNCLUSTERED] and found.table["texts"].tolist() == [300]
    assert found.rows([clusters.NOISE]) == list(range(300))
    assert set(found.names()) == {clusters.UNCLUSTERED}


def test_noise_joins_the_nearest_cluster_unless_asked_not_to():
    X, texts, truth = planted()
    X = np.vstack([X, [[25.0, 0.0]], [[0.0, 25.0]]])  # two strays, far out: nearest cluster 1 and cluster 2
    texts = texts + ["a stray", "another stray"]
    kept = clusters.cluster_map(X, texts, assign_noise=False)
    assert kept.labels[-2:].tolist() == [clusters.NOISE, clusters.NOISE]
    assert kept.table["label"].iloc[-1] == clusters.UNCLUSTERED and kept.table["texts"].iloc[-1] == 2
    assigned = clusters.cluster_map(X, texts)
    assert assigned.labels[-2:].tolist() == [1, 2] and (assigned.labels != clusters.NOISE).all()
    assert assigned.table["texts"].tolist() == [50, 41, 31]


def test_large_layouts_fit_density_on_a_sample_and_place_the_rest(monkeypatch):
    X, texts, truth = planted()
    monkeypatch.setattr(clusters, "DENSITY_FIT_MAX", 90)
    found = clusters.cluster_map(X, texts, seed=3)
    assert found.method == "hdbscan"
    np.testing.assert_array_equal(found.labels, truth)
    again = clusters.cluster_map(X, texts, seed=3)
    np.testing.assert_array_equal(again.labels, found.labels)
    assert again.table.equals(found.table)


def test_distinctive_words_weigh_against_the_corpus_and_skip_stop_words():
    texts = ["the cat and the dog", "a cat sat", "cat naps", "the stock market", "market crash", "stock prices"]
    labels = np.array([0, 0, 0, 1, 1, 1])
    words = clusters.distinctive_words(texts, labels)
    assert words[0][0] == "cat" and words[1][:2] == ["market", "stock"]  # equal weights: alphabetical
    assert not {"the", "and", "a"} & set(words[0] + words[1])
    assert "dog" not in words[0]  # in one text of the cluster only
    assert clusters.distinctive_words(["the and a", "of the"], np.array([0, 1])) == {0: [], 1: []}
    found = clusters.cluster_map(np.array([[0.0, 0], [0, 1], [9, 9]]), ["the", "of", "a"])
    assert found.table["label"].tolist() == ["cluster 1", "cluster 2"]  # no words: numbered


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="3 points but 2 texts"):
        clusters.cluster_map(np.zeros((3, 2)), ["a", "b"])
    with pytest.raises(ValueError, match="unknown clustering 'dbscan'"):
        clusters.find_clusters(np.zeros((5, 2)), method="dbscan")


def test_min_cluster_size_by_corpus_size():
    assert [clusters.min_cluster_size(n) for n in (60, 2_100, 20_000, 200_000)] == [10, 21, 200, 500]
