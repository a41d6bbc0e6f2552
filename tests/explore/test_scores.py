"""Score tables on hand-made axes: one calibration everywhere, grids and pairs for charts, neighbours."""
import numpy as np
import pytest

from core.directions import Direction
from core.explore import neighbours, score_frame, score_grid, score_matrix, score_pairs
from core.explore.scores import most_varied, text_scores
from core.vectors import calibrate


def _axis(name, i, neg=-0.5, pos=1.5):
    v = np.zeros(3)
    v[i] = 1.0
    return Direction(name=name, title=name.title(), negative_label="lo", positive_label="hi", vector=v,
                     negative_projection=neg, positive_projection=pos, model="hand", method="mean_difference",
                     dataset_hash=name)


A, B = _axis("a", 0), _axis("b", 1, neg=0.0, pos=0.2)
E = np.array([[-0.5, 0.0, 0.0], [1.5, 0.2, 0.0], [0.5, 0.1, 0.3]], dtype=np.float32)


def test_one_calibration_for_a_direction_and_a_matrix():
    raw, cal = score_matrix(E, [A, B])
    np.testing.assert_allclose(cal[:, 0], [-1.0, 1.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(cal[:, 1], [-1.0, 1.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(cal[:, 0], A.score(E))
    np.testing.assert_allclose(cal, calibrate(raw, [-0.5, 0.0], [1.5, 0.2]))
    assert A.midpoint == pytest.approx(0.5) and A.half_span == pytest.approx(1.0)


def test_grid_and_pairs_follow_the_long_frame():
    frame = score_frame(["x", "y", "z"], E, [B, A])
    grid = score_grid(frame)
    assert grid.columns.tolist() == ["B", "A"] and grid.index.tolist() == [0, 1, 2]
    np.testing.assert_allclose(grid["A"], [-1.0, 1.0, 0.0], atol=1e-6)
    by_name = score_grid(frame, columns="direction")
    assert by_name.columns.tolist() == ["b", "a"]
    pairs = score_pairs(frame, "a", "b")
    assert pairs.columns.tolist() == ["row", "x", "y", "text"]
    assert pairs["text"].tolist() == ["x", "y", "z"]
    np.testing.assert_allclose(pairs["x"], grid["A"])
    np.testing.assert_allclose(pairs["y"], grid["B"])


def test_neighbours_break_ties_by_index_and_can_leave_out_the_query():
    C = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 1.0, 0], [0.6, 0.8, 0]], dtype=np.float32)
    idx, sims = neighbours(np.array([0, 1.0, 0]), C, k=3)
    assert idx.tolist() == [[1, 2, 3]] and sims.dtype == np.float32
    np.testing.assert_allclose(sims, [[1.0, 1.0, 0.8]], atol=1e-6)
    idx, _ = neighbours(C[:1], C, k=5, exclude_self=True)
    assert idx.tolist() == [[3, 1, 2]]  # k shrinks to the other rows; the identical one is left out
    none, empty = neighbours(np.zeros((0, 3)), C, k=2)
    assert none.shape == (0, 0) and empty.dtype == np.float32


def test_most_varied_orders_directions_by_their_spread_over_these_texts():
    C = _axis("c", 2)
    spread = np.array([[-0.5, 0.1, 0.0], [1.5, 0.15, 0.0], [0.5, 0.05, 0.3]], dtype=np.float32)
    frame = score_frame(["x", "y", "z"], spread, [A, B, C])  # a: -1, 1, 0; b: 0, 0.5, -0.5; c: -0.5, -0.5, -0.2
    assert most_varied(frame) == ["a", "b", "c"]
    assert most_varied(score_frame(["x", "y", "z"], spread, [C, B, A])) == ["a", "b", "c"]  # not the frame's order
    flat = score_frame(["x", "x"], E[[0, 0]], [C, A])
    assert most_varied(flat) == ["c", "a"]  # no spread anywhere: the frame's order
    assert most_varied(score_frame([], np.zeros((0, 3)), [A])) == []


def test_text_scores_are_one_texts_row_per_direction():
    frame = score_frame(["x", "y", "z"], E, [B, A])
    one = text_scores(frame, 1)
    assert one.columns.tolist() == ["title", "score", "raw"] and one["title"].tolist() == ["B", "A"]
    np.testing.assert_allclose(one["score"], [1.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(one["raw"], [0.2, 1.5], atol=1e-6)
