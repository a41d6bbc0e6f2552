"""The Latent lab's logic outside the page: a move's settings from widget values, the generated-texts store,
and the decoder each read-back mode uses (on the fake encoder, and on the tiny bottleneck-T5)."""
import dataclasses

import numpy as np
import pandas as pd
import pytest

from core.directions.build import Direction
from core.io.corpus import Corpus
from core.latent import adapters, decoders, directional, generation, lab, readback
from core.latent import trail as trails
from core.store.embedder import Embedder
from tests.fixtures.tiny_models import REV

TEXTS = ["a happy great day", "a sad awful day", "a huge house", "a tiny house", "the river in spring"]
X, Y = np.array([1.0, 0, 0, 0]), np.array([0.0, 1, 0, 0])


def direction(name="d", vector=Y, neg=-0.25, pos=0.75):
    return Direction(name=name, title=name.upper(), negative_label="lo", positive_label="hi", vector=vector,
                     negative_projection=neg, positive_projection=pos, model="m", method="mean", dataset_hash="h")


class Named:
    def __init__(self, name):
        self.name = name


def test_steer_settings_carry_the_amounts_and_the_built_directions_scale():
    params = lab.steer_params("length", -1.5, 1.5, 5)
    assert params == {"direction": "length", "amounts": [-1.5, -0.75, 0.0, 0.75, 1.5]}
    full, operands = lab.with_steer_direction(params, {}, direction())
    assert full["scale"] == 0.5 and "scale" not in params  # half the span from -0.25 to 0.75; the input is kept
    np.testing.assert_array_equal(operands["direction"], Y)
    labels, out = trails.run("steer", X, full, operands)
    assert labels[-1] == "length +1.50"
    np.testing.assert_allclose(out[-1], (X + 0.75 * Y) / np.linalg.norm(X + 0.75 * Y))  # 1.5 units x 0.5


def test_arithmetic_settings_with_and_without_a_text_c():
    params, operands = lab.arithmetic_move("B text", Y, 1.0)
    assert params == {"terms": [{"weight": 1.0, "label": "B", "text": "B text"}]} and len(operands["terms"]) == 1
    params, operands = lab.arithmetic_move("B text", Y, 1.0, "C text", X, 1.0)
    assert [t["weight"] for t in params["terms"]] == [1.0, -1.0]
    labels, out = trails.run("arithmetic", X, params, operands)
    assert labels == ["+1×B -1×C"]
    np.testing.assert_allclose(out[0], Y)


def test_raw_projections_are_added_per_direction_before_calibration():
    points = pd.DataFrame({"point": ["a", "b"], "d": [0.0, 0.0]})
    out = lab.with_raw(points, np.array([X, [0.6, 0.8, 0, 0]]), [direction("d"), direction("e", vector=X)])
    assert out.columns.tolist() == ["point", "d", "d_raw", "e_raw"] and "d_raw" not in points
    np.testing.assert_allclose(out["d_raw"], [0.0, 0.8], atol=1e-7)  # the projections, not (p - zero) / span
    np.testing.assert_allclose(out["e_raw"], [1.0, 0.6], atol=1e-7)
    assert lab.with_raw(points.iloc[:0], np.zeros((0, 4)), [direction("d")])["d_raw"].tolist() == []


def test_chosen_data_sets_are_the_scored_then_the_steered_each_once():
    a, b, c = Named("a"), Named("b"), Named("c")
    assert [d.name for d in lab.chosen_datasets([a, b], b)] == ["a", "b"]
    assert [d.name for d in lab.chosen_datasets([a], c)] == ["a", "c"]
    assert lab.chosen_datasets([], None) == []


def test_generated_texts_are_keyed_by_points_and_settings_and_the_store_is_bounded():
    Z = np.eye(3)
    key = lab.generation_key(Z, "dec", 2, 0.5, 7)
    assert key == lab.generation_key(Z.astype(np.float32), "dec", 2, 0.5, 7)
    assert len({key, lab.generation_key(Z, "dec", 2, 0.5, 8), lab.generation_key(Z[::-1], "dec", 2, 0.5, 7),
                lab.generation_key(Z, "other", 2, 0.5, 7)}) == 4
    store: dict = {}
    for i in range(5):
        lab.new_generation(store, f"k{i}", kept=3)
    assert list(store) == ["k2", "k3", "k4"] and store["k4"] == {"texts": [], "done": False}
    store["k2"]["texts"].append(["kept"])
    assert lab.new_generation(store, "k2", kept=3)["texts"] == [] and list(store) == ["k3", "k4", "k2"]


@pytest.fixture
def corpus():
    return Corpus("tiny corpus", pd.DataFrame({"text": TEXTS}))


@pytest.fixture
def embedder(fake_encoder, cache_root):
    return Embedder(fake_encoder, root=cache_root)


def test_nearest_mode_reads_the_reference_corpus(embedder, corpus, fake_encoder):
    out = readback.read_back("nearest", embedder, corpus)
    assert isinstance(out.decoder, decoders.RetrievalDecoder) and out.notes == () and out.needs == {}
    assert out.decoder.name == "nearest texts in tiny corpus"
    assert out.decoder.decode(fake_encoder.encode(["a huge house"]))[0] == ["a huge house"]
    with pytest.raises(ValueError, match="Unknown read-back mode"):
        readback.read_back("telepathy", embedder, corpus)


def test_generate_mode_without_a_bottleneck_model_says_what_each_needs(embedder):
    assert generation.generative(embedder.encoder) is None
    out = readback.read_back("generate", embedder)
    assert out.decoder is None and len(out.notes) == 1
    assert set(out.needs) >= {"bottleneck-t5-small", "bottleneck-t5-base"}
    line = out.notes[0]  # one line: this model cannot generate; which models would, and where their steps are
    assert line.startswith(f"{embedder.name} cannot generate text.") and "needs a bottleneck-T5 model" in line
    assert all(name in line for name in out.needs) and "sidebar" in line
    assert "models.yaml" in readback.needs_generator("m", [])  # none registered: where to add one
    assert "trust_remote_code: true" in out.needs["bottleneck-t5-base"]


def test_generate_mode_on_a_bottleneck_model_names_its_revision(tiny_bottleneck, one_thread):
    from core.store.embedder import get_embedder

    model = get_embedder(tiny_bottleneck)
    out = readback.read_back("generate", model)
    assert isinstance(out.decoder, generation.BottleneckDecoder) and out.needs == {}
    assert REV in out.notes[0] and out.notes[0].startswith(f"{tiny_bottleneck}: revision")


def test_adapter_mode_maps_then_reads_the_targets_nearest_texts(embedder, corpus, fake_encoder, cache_root):
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(embedder.dim, embedder.dim)))
    target = Embedder(type(fake_encoder)(name="fake-target"), root=cache_root)
    adapter = adapters.Adapter(Q, np.zeros(embedder.dim), "procrustes", "fake", "fake-target")
    assert readback.read_back("adapter", embedder, corpus).decoder is None  # no target or adapter yet
    out = readback.read_back("adapter", embedder, corpus, target=target, adapter=adapter)
    assert isinstance(out.decoder, decoders.AdaptedDecoder)
    assert out.decoder.inner.name == "nearest texts in tiny corpus (fake-target)"
    rotated = fake_encoder.encode(TEXTS[:2]) @ Q.T  # points of a space the adapter maps back
    assert [row[0] for row in out.decoder.decode(rotated)] == TEXTS[:2]


def test_adapter_choices_and_an_uploaded_adapter_of_the_wrong_size(embedder, fake_encoder, cache_root):
    class Narrow:
        name, dim = "narrow", 3

    target = Embedder(type(fake_encoder)(name="fake-target"), root=cache_root)
    assert readback.adapter_methods(embedder, target) == ["ridge", "procrustes"]
    assert readback.adapter_methods(embedder, Narrow()) == ["ridge"]
    assert readback.default_target(["a", "tfidf-svd-256"]) == 1 and readback.default_target(["a", "b"]) == 0
    fits = adapters.Adapter(np.eye(embedder.dim), np.zeros(embedder.dim), "ridge", "fake", "fake-target")
    back = readback.uploaded_adapter(adapters.to_bytes(fits), "a.npz", embedder, target)
    np.testing.assert_array_equal(back.weight, fits.weight)
    with pytest.raises(adapters.AdapterError, match=r"Incompatible dimensions: b.npz maps 32 → 32 .* 32 → 3"):
        readback.uploaded_adapter(adapters.to_bytes(fits), "b.npz", embedder, Narrow())
    with pytest.raises(adapters.AdapterError, match="not a valid adapter file"):
        readback.uploaded_adapter(b"PK\x03\x04 broken", "c.npz", embedder, target)


def test_direction_mode_reads_along_the_direction_and_says_how(embedder, corpus, fake_encoder):
    mood = dataclasses.replace(direction("mood", np.eye(fake_encoder.DIM)[0], -0.6, 0.6), model="fake")
    start = fake_encoder.encode(["a huge house"])[0]
    out = readback.read_back("direction", embedder, corpus, direction=mood, start=start, tolerance=0.5)
    assert isinstance(out.decoder, directional.DirectionalDecoder) and out.decoder.tolerance == 0.5
    assert out.notes[0].startswith("Reading along MOOD: each point's texts score within ±0.5")
    happy = fake_encoder.encode(["a happy great day"])
    assert out.decoder.decode(happy) == [["a happy great day"]]
    with pytest.raises(decoders.DecodeError, match="needs a direction"):
        readback.read_back("direction", embedder, corpus, start=start)
    with pytest.raises(decoders.DecodeError, match="built in m, but the reference texts are embedded by fake"):
        readback.along(embedder, corpus, direction("mood", np.eye(fake_encoder.DIM)[0]), start)


@pytest.mark.parametrize("op, previous, mode, shown", [
    ("steer", None, None, "direction"),       # first visit: each move's default
    ("blur", None, None, "nearest"),
    ("blur", "steer", "direction", "nearest"),  # leaving a steer: the plain defaults swap
    ("steer", "blur", "nearest", "direction"),
    ("steer", "steer", "nearest", "nearest"),   # a choice made for this move is kept
    ("blur", "splice", "direction", "direction"),
    ("blur", "steer", "generate", "generate"),  # and any other choice is never overridden
    ("steer", "blur", "adapter", "adapter"),
    ("steer", None, "telepathy", "direction"),  # an unknown value falls back to the default
])
def test_the_read_back_mode_follows_the_move_but_keeps_a_choice(op, previous, mode, shown):
    assert readback.default_mode(op, previous, mode) == shown
