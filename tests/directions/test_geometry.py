"""Projection and calibration on vectors small enough to check by hand."""
import math

import numpy as np
import pytest

from core.directions.build import Direction, direction_from_embeddings
from core.directions.datasets import DirectionDataset
from core.directions.methods import MethodError, mean_difference
from core.explore.scores import score_frame, wide_scores

NEG = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)  # centroid (0.5, 0.5, 0)
POS = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=np.float32)  # centroid (0, 0, 1)
S = math.sqrt(1.5)


def _ds():
    return DirectionDataset(name="toy", title="Toy", negative_label="left", positive_label="right",
                            negative=("a", "b"), positive=("c", "d"))


def _direction():
    return direction_from_embeddings(_ds(), NEG, POS, "hand")


def test_mean_difference_is_unit_vector_between_centroids():
    v = mean_difference(NEG, POS)
    np.testing.assert_allclose(v, [-0.5 / S, -0.5 / S, 1.0 / S], atol=1e-7)
    assert np.linalg.norm(v) == pytest.approx(1.0)


def test_pole_projections_and_midpoint():
    d = _direction()
    assert d.negative_projection == pytest.approx(-0.5 / S, abs=1e-6)
    assert d.positive_projection == pytest.approx(1.0 / S, abs=1e-6)
    assert d.midpoint == pytest.approx(0.25 / S, abs=1e-6)


def test_calibration_is_exact_at_centroids_and_midpoint():
    d = _direction()
    points = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0], [0.25, 0.25, 0.5], [1.0, 0.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(d.score(points), [-1.0, 1.0, 0.0, -1.0], atol=1e-6)
    # raw score is the plain projection
    np.testing.assert_allclose(d.raw(points), points @ d.vector, atol=1e-7)


def test_projection_is_linear():
    d = _direction()
    a = np.array([0.3, -0.2, 0.9])
    b = np.array([-0.7, 0.1, 0.4])
    lhs = d.raw((2.0 * a + 3.0 * b)[None, :])[0]
    rhs = 2.0 * d.raw(a[None, :])[0] + 3.0 * d.raw(b[None, :])[0]
    assert lhs == pytest.approx(rhs, abs=1e-5)


def test_direction_is_frozen_and_vector_read_only():
    d = _direction()
    with pytest.raises(Exception):
        d.name = "other"
    with pytest.raises(ValueError):
        d.vector[0] = 1.0


def test_identical_poles_are_refused():
    with pytest.raises(MethodError, match="same centroid"):
        mean_difference(NEG, NEG)


def test_score_frame_long_and_wide():
    d = _direction()
    e = Direction(name="e", title="E", negative_label="n", positive_label="p", vector=np.array([1.0, 0, 0]),
                  negative_projection=-0.5, positive_projection=0.5, model="hand", method="mean_difference",
                  dataset_hash="x")
    E = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    frame = score_frame(["up", "side"], E, [d, e])
    assert list(frame.columns) == ["row", "text", "direction", "title", "score", "raw"]
    assert len(frame) == 4
    wide = wide_scores(frame, raw=True)
    assert list(wide.columns) == ["text", "toy", "e", "toy_raw", "e_raw"]
    assert wide["toy"].tolist() == pytest.approx([1.0, -1.0], abs=1e-6)
    assert wide["e"].tolist() == pytest.approx([0.0, 2.0], abs=1e-6)  # (1 - 0) / 0.5
    assert wide["e_raw"].tolist() == pytest.approx([0.0, 1.0], abs=1e-6)


def test_score_frame_keeps_duplicate_texts_as_rows():
    d = _direction()
    E = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]], dtype=np.float32)
    wide = wide_scores(score_frame(["same", "same"], E, [d]))
    assert wide["text"].tolist() == ["same", "same"]


def test_wide_table_equals_the_pivoted_long_frame():
    from core.explore.scores import wide_table

    d = _direction()
    E = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.3, 0.3, 0.3]], dtype=np.float32)
    texts = ["up", "side", "up"]
    expected = wide_scores(score_frame(texts, E, [d]), raw=True)
    got = wide_table(texts, E, [d], raw=True)
    assert list(got.columns) == list(expected.columns)
    np.testing.assert_allclose(got[["toy", "toy_raw"]].to_numpy(), expected[["toy", "toy_raw"]].to_numpy(), atol=1e-9)
    assert got["text"].tolist() == texts
