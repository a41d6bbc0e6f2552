"""The packaged MiniLM: the shipped directions score held-out texts the right way round.

The texts here were written for this test; none is in a direction data set.
"""
import logging

import numpy as np
import pytest

from core.directions.build import build_directions
from core.directions.datasets import load_all
from core.models import registry as encoders
from core.models import sbert, sbert_paths
from core.store.embedder import get_embedder

HELD_OUT = {
    "sentiment": (
        ["The hotel room smelled of mould and the staff ignored our complaints.",
         "Losing the match in the final minute left the whole team heartbroken."],
        ["The nurses were so kind that my recovery felt almost pleasant.",
         "Our little garden finally bloomed and it looks absolutely gorgeous."],
    ),
    "length": (
        ["Bus delayed.", "Cheese, please."],
        ["When the ferry finally docked after a four-hour delay, the passengers, most of whom had missed their "
         "connections, queued patiently at the desk while two tired clerks rebooked every single ticket by hand, "
         "apologising each time and handing out vouchers for the cafe on the pier.",
         "The committee reviewed the budget line by line over three long afternoons, asking each department to "
         "justify its spending, comparing the figures with last year's accounts and finally agreeing to move a "
         "small sum from travel to the library, which everyone agreed was overdue."],
    ),
    "formality": (
        ["gonna grab some tacos, u want any?", "ugh my laptop died again lol"],
        ["We regret to inform you that your application has not been successful on this occasion.",
         "The board hereby requests that all members submit their reports prior to the annual meeting."],
    ),
    "subjectivity": (
        ["The bridge is 412 metres long and opened in 1998.",
         "The store closes at nine on weekdays and at six on Sundays."],
        ["Honestly, this is the most overrated bridge I have ever seen.",
         "I think Sunday closing hours are ridiculous and unfair to workers."],
    ),
    "concreteness": (
        ["Justice sometimes matters more than loyalty.",
         "Hope is a habit of mind rather than a feeling."],
        ["A rusty bicycle leaned against the brick wall beside a puddle.",
         "She sliced the cold cucumber on a wooden board with a small knife."],
    ),
    "elaborateness": (
        ["The food was good and we ate a lot.", "He was tired so he went to bed early."],
        ["The repast proved exquisitely sumptuous, and we partook with unrestrained gusto.",
         "Overcome by an ineffable lassitude, he withdrew to his chambers at an uncharacteristically early hour."],
    ),
    "art": (
        ["The plumber fixed the leaking pipe under the sink.", "Interest rates rose again this quarter."],
        ["The gallery hung her watercolours beside a cubist sculpture.",
         "His charcoal sketches of dancers sold out at the exhibition."],
    ),
    "science": (
        ["We booked a cottage by the sea for the holidays.", "The bakery now sells sourdough on Fridays."],
        ["The experiment measured how enzymes break down proteins at different temperatures.",
         "Astronomers detected a new exoplanet orbiting a red dwarf star."],
    ),
}


@pytest.fixture(scope="module")
def embedder():
    return get_embedder(encoders.DEFAULT_MODEL)


@pytest.fixture(scope="module")
def directions(embedder):
    found, errors = load_all()
    assert not errors
    return {d.name: d for d in build_directions([found[n] for n in HELD_OUT], embedder)}


def test_default_encoder_contract(embedder):
    E = embedder.embed(["A first sentence.", "A second, rather different one."])
    assert E.shape == (2, 384) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    assert embedder.encoder.precision in ("float32", "bfloat16")
    if not sbert.cpu_has_fast_bf16() and "LATENT_PRECISION" not in __import__("os").environ:
        assert embedder.encoder.precision == "float32"  # bf16 without hardware support is slower


@pytest.mark.parametrize("name", list(HELD_OUT))
def test_shipped_direction_scores_held_out_texts_the_right_way_round(directions, embedder, name):
    negative, positive = HELD_OUT[name]
    d = directions[name]
    neg = d.score(embedder.embed(negative))
    pos = d.score(embedder.embed(positive))
    assert (neg < 0).all(), (name, neg)
    assert (pos > 0).all(), (name, pos)


def test_directions_are_not_badly_entangled(directions):
    names = list(directions)
    V = np.stack([directions[n].vector for n in names])
    cos = V @ V.T
    np.fill_diagonal(cos, 0.0)
    worst = np.unravel_index(np.argmax(np.abs(cos)), cos.shape)
    assert abs(cos[worst]) < 0.6, (names[worst[0]], names[worst[1]], float(cos[worst]))


def test_encoder_remembers_its_facts_and_loads_lazily():
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    path = encoders.resolve_source(spec)
    sbert.SentenceTransformerEncoder(spec, path)  # writes the facts to this cache if they are not there yet
    first = sbert.SentenceTransformerEncoder(spec, path)  # (an earlier test may have loaded it elsewhere)
    assert not first.loaded and first.dim == 384
    assert first.identity == get_embedder(encoders.DEFAULT_MODEL).encoder.identity
    E = first.encode(["loads now"])
    assert first.loaded and E.shape == (1, 384)


def test_bfloat16_is_checked_against_float32():
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    enc = sbert.SentenceTransformerEncoder.__new__(sbert.SentenceTransformerEncoder)
    enc.name, enc.path, enc._wanted, enc._runtime_wanted = spec.name, encoders.resolve_source(spec), "check", "torch"
    enc._load()
    assert enc.fidelity is not None and enc.fidelity > 0.99
    assert enc.precision == ("bfloat16" if enc.fidelity >= enc.MIN_COSINE else "float32")


def test_onnx_runtime_matches_torch_float32():
    pytest.importorskip("onnxruntime")
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    path = encoders.resolve_source(spec)
    torch_path = sbert.SentenceTransformerEncoder(spec, path, precision="float32", runtime="torch")
    onnx_path = sbert.SentenceTransformerEncoder(spec, path, precision="float32", runtime="onnx")
    assert onnx_path.runtime == "onnx" and torch_path.runtime == "torch"
    texts = ["a short one", "Rain again. " * 120, "Mixed CASE, punctuation!!! and émojis-free accents: café."]
    a, b = torch_path.encode(texts), onnx_path.encode(texts)
    assert float(np.min(np.sum(a * b, axis=1))) >= 0.99999  # long texts are truncated the same way
    assert onnx_path.identity == torch_path.identity  # the same function: one cache


def test_fallback_without_bfloat16_hardware_or_onnxruntime(monkeypatch):
    monkeypatch.setattr(sbert, "cpu_has_fast_bf16", lambda: False)
    monkeypatch.setattr(sbert_paths, "onnxruntime_available", lambda: False)
    monkeypatch.setenv("LATENT_CACHE_DIR", str(__import__("tempfile").mkdtemp()))
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    enc = sbert.SentenceTransformerEncoder(spec, encoders.resolve_source(spec))
    assert (enc.precision, enc.runtime) == ("float32", "torch")
    assert enc.encode(["works"]).shape == (1, 384)


def test_a_failed_onnx_export_is_logged_and_stays_on_torch(monkeypatch, tmp_path, caplog):
    pytest.importorskip("onnxruntime")

    def broken(model, path):
        raise RuntimeError("exporter exploded")

    monkeypatch.setattr(sbert_paths, "export_onnx", broken)
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path))
    spec = encoders.get_spec(encoders.DEFAULT_MODEL)
    with caplog.at_level(logging.WARNING, logger="core.models.sbert"):
        enc = sbert.SentenceTransformerEncoder(spec, encoders.resolve_source(spec), precision="float32")
    assert enc.runtime == "torch" and "exporter exploded" in caplog.text
    assert enc.encode(["still works"]).shape == (1, 384)
