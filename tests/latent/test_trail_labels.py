"""A move's labels describe its own points, and the key of the choice among them changes exactly when they do
(core.latent.trail.outputs_key: the Latent lab's Continue-from choice is keyed by it)."""
import numpy as np

from core.latent import ops
from core.latent import trail as trails

X, Y = np.array([1.0, 0, 0, 0]), np.array([0.0, 1, 0, 0])


def test_each_label_names_its_own_point():
    labels, out = trails.run("steer", X, {"direction": "sentiment", "amounts": [-1.0, 0.0, 2.0], "scale": 0.5},
                             {"direction": Y})
    assert labels == ["sentiment -1.00", "sentiment +0.00", "sentiment +2.00"]
    for amount, point in zip([-1.0, 0.0, 2.0], out):  # the amount in the label is the one the point was moved by
        np.testing.assert_allclose(point, ops.steer(X, Y, amount * 0.5))
    labels, out = trails.run("interpolate", X, {"method": "slerp", "steps": 5}, {"other": Y})
    assert labels == ["t=0.00", "t=0.25", "t=0.50", "t=0.75", "t=1.00"]
    np.testing.assert_allclose(out[2], (X + Y) / np.sqrt(2), atol=1e-12)  # t=0.50: halfway along the arc
    labels, _ = trails.run("blur", X, {"radius": 0.1, "count": 3, "seed": 0})
    assert labels == ["blur 1", "blur 2", "blur 3"]


def test_the_choice_key_changes_with_the_points_shown_and_only_with_them():
    length, _ = trails.run("steer", X, {"direction": "length", "amounts": [-1.5, 1.5]}, {"direction": Y})
    sentiment, _ = trails.run("steer", X, {"direction": "sentiment", "amounts": [-1.5, 1.5]}, {"direction": Y})
    t, _ = trails.run("interpolate", X, {"steps": 2}, {"other": Y})
    keys = {trails.outputs_key("steer", length), trails.outputs_key("steer", sentiment),
            trails.outputs_key("interpolate", t)}
    assert len(keys) == 3  # another direction, another move: another choice
    assert trails.outputs_key("steer", length) == trails.outputs_key("steer", list(length))  # same points: same
    assert trails.outputs_key("blur", ["blur 1"]) != trails.outputs_key("steer", ["blur 1"])
    assert trails.outputs_key("steer", ["a b", "c"]) != trails.outputs_key("steer", ["a", "b c"])
    key = trails.outputs_key("steer", length)
    assert len(key) == 12 and key.isalnum()  # fits in a widget key
