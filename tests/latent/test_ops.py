"""Exact math of the latent operations on hand-computable vectors."""
import numpy as np
import pytest

from core.latent import ops as latent

X = np.array([1.0, 0.0, 0.0, 0.0])
Y = np.array([0.0, 1.0, 0.0, 0.0])


def test_slerp_midpoint_of_orthogonal_unit_vectors_is_their_normalised_sum():
    path = latent.slerp(X, Y, 3)
    np.testing.assert_allclose(path[0], X, atol=1e-12)
    np.testing.assert_allclose(path[1], (X + Y) / np.sqrt(2), atol=1e-12)
    np.testing.assert_allclose(path[2], Y, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(latent.slerp(X, Y, 7), axis=1), 1.0)


def test_slerp_keeps_norms_and_uses_the_whole_vector_angle():
    a, b = 2.0 * X, 4.0 * Y
    path = latent.slerp(a, b, 3)
    assert np.linalg.norm(path[1]) == pytest.approx(3.0)  # norms interpolate linearly
    np.testing.assert_allclose(path[1] / 3.0, (X + Y) / np.sqrt(2), atol=1e-12)
    np.testing.assert_allclose(latent.slerp(a, b, 3, norm=1.0)[1], (X + Y) / np.sqrt(2), atol=1e-12)
    # angle 60 degrees: the point at t=1/2 sits at 30 degrees from each end
    c = np.array([0.5, np.sqrt(3) / 2, 0, 0])
    mid = latent.slerp(X, c, 3)[1]
    assert mid @ X == pytest.approx(np.cos(np.pi / 6)) and mid @ c == pytest.approx(np.cos(np.pi / 6))
    np.testing.assert_allclose(latent.slerp(X, X, 4), np.tile(X, (4, 1)))  # identical ends


def test_lerp_and_splice():
    np.testing.assert_allclose(latent.lerp(X, Y, 3, norm=None)[1], [0.5, 0.5, 0, 0])
    np.testing.assert_allclose(latent.lerp(X, Y, 3)[1], (X + Y) / np.sqrt(2))
    a, b = np.array([1.0, 2.0, 3.0, 4.0]), np.array([5.0, 6.0, 7.0, 8.0])
    np.testing.assert_allclose(latent.splice(a, b, 2, norm=None), [1, 2, 7, 8])
    np.testing.assert_allclose(latent.splice(a, b, 0, norm=None), b)
    np.testing.assert_allclose(latent.splice(a, b, 4, norm=None), a)
    assert np.linalg.norm(latent.splice(a, b, 1)) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        latent.splice(a, b[:3], 1)
    with pytest.raises(ValueError):
        latent.splice(a, b, 5)


def test_blur_radius_zero_returns_the_input_and_radius_grows_distance():
    v = latent.normalize(np.array([1.0, 2.0, 2.0, 0.0]))
    np.testing.assert_allclose(latent.blur(v, 0.0, 3), np.tile(v, (3, 1)), atol=1e-12)
    near = latent.blur(v, 0.1, 50, seed=1)
    far = latent.blur(v, 1.0, 50, seed=1)
    np.testing.assert_allclose(np.linalg.norm(far, axis=1), 1.0)
    assert (near @ v).mean() > (far @ v).mean()
    np.testing.assert_array_equal(latent.blur(v, 0.5, 4, seed=3), latent.blur(v, 0.5, 4, seed=3))


def test_steer_and_arithmetic():
    np.testing.assert_allclose(latent.steer(X, Y, 1.0), (X + Y) / np.sqrt(2))
    np.testing.assert_allclose(latent.steer(X, 2 * Y, 1.0), (X + Y) / np.sqrt(2))  # direction is unit-normed
    np.testing.assert_allclose(latent.steer(3 * X, Y, 3.0, norm=None), 3 * (X + Y) / np.sqrt(2))
    out = latent.arithmetic(X, [(1.0, Y), (-1.0, X)], norm=None)
    np.testing.assert_allclose(out, Y)  # X + Y - X, at |X|
    with pytest.raises(ValueError):
        latent.arithmetic(X, [(-1.0, X)])
