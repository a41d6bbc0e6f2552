"""The bottleneck-T5 wrapper on a tiny randomly initialised T5 with the checkpoints' calling convention
(tests/fixtures/tiny_models.py): batching, seeding, locking and state restoration; the opt-in rules; the encoder
and decoder registrations."""
import threading

import numpy as np
import pytest
import torch

from core.latent.decoders import DecodeError
from core.latent.generation import BottleneckDecoder, decoder_for
from core.models import bottleneck
from core.models import registry as encoders
from core.models.registry import ModelSpec, ModelUnavailable
from tests.fixtures.tiny_models import (
    D_MODEL,
    REV,
    bottleneck_model,
    bottleneck_tokenizer,
)


@pytest.fixture(scope="module")
def ae():
    return bottleneck.BottleneckAutoencoder(bottleneck_model(), bottleneck_tokenizer(), max_length=12)


def latents(k, seed=1):
    return np.random.default_rng(seed).normal(size=(k, D_MODEL))


def test_encode_batches_without_changing_results(ae):
    texts = ["the cat sat on the mat", "a dog ran", "the sun", "a big red boat sang loudly", "a dog sat"]
    together = ae.encode(texts)
    alone = torch.cat([ae.encode([t]) for t in texts])
    assert together.shape == (5, D_MODEL) and ae.dim == D_MODEL
    torch.testing.assert_close(together, alone, atol=1e-6, rtol=0)
    torch.testing.assert_close(together.norm(dim=1), torch.ones(5), atol=1e-5, rtol=0)
    assert ae.encode([]).shape == (0, D_MODEL)


def test_generation_is_batched_seeded_and_leaves_the_global_rng_alone(ae):
    Z = latents(3)
    calls = ae.generate_calls
    state = torch.get_rng_state()
    out = ae.generate_from_latent(Z, n=2, temperature=1.0, seed=5)
    assert ae.generate_calls == calls + 1  # 3 latents x 2 samples in one generate call
    assert len(out) == 3 and all(len(row) == 2 and all(isinstance(t, str) for t in row) for row in out)
    assert torch.equal(torch.get_rng_state(), state)
    assert ae.generate_from_latent(Z, n=2, temperature=1.0, seed=5) == out
    assert any(ae.generate_from_latent(Z, n=2, temperature=1.0, seed=s) != out for s in range(6, 12))


def test_rows_stay_in_order_and_batch_size_splits_calls():
    ae = bottleneck.BottleneckAutoencoder(bottleneck_model(), bottleneck_tokenizer(), max_length=10, batch_size=4)
    Z = latents(6, seed=3)
    greedy = ae.generate_from_latent(Z, n=1, temperature=0.0)
    assert ae.generate_calls == 2  # 6 rows in batches of 4
    assert greedy == [ae.generate_from_latent(z, n=1, temperature=0.0)[0] for z in Z]  # each row is its own latent
    assert len(set(map(tuple, greedy))) > 1  # the latent matters


def test_the_decoder_reads_the_latent_set_under_the_lock(ae):
    Z = latents(2, seed=4)
    ae.model.seen.clear()
    ae.generate_from_latent(Z, n=3, temperature=0.0)
    dummy = ae.encode(["."])[0]
    want = torch.as_tensor(Z / np.linalg.norm(Z, axis=1, keepdims=True), dtype=torch.float32).repeat_interleave(3, 0)
    assert ae.model.seen, "generate never read the perturbation"
    for seen in ae.model.seen:  # the placeholder's embedding plus the perturbation is the requested latent
        torch.testing.assert_close(seen + dummy, want, atol=1e-5, rtol=0)


def test_state_is_restored_after_success_failure_and_when_absent(ae):
    model = ae.model
    assert model.perturb_vector is None
    ae.generate_from_latent(latents(1), n=1, temperature=0.0)
    assert model.perturb_vector is None
    marker = torch.zeros(1, D_MODEL)
    model.perturb_vector = marker
    model.fail = True
    try:
        with pytest.raises(RuntimeError, match="generation failed"):
            ae.generate_from_latent(latents(1), n=1)
    finally:
        model.fail = False
    assert model.perturb_vector is marker
    del model.perturb_vector
    ae.generate_from_latent(latents(1), n=1, temperature=0.0)
    assert not hasattr(model, "perturb_vector")
    model.perturb_vector = None


def test_concurrent_sessions_never_see_each_others_latents():
    ae = bottleneck.BottleneckAutoencoder(bottleneck_model(), bottleneck_tokenizer(), max_length=8)
    Z = latents(4, seed=9)
    expected = [ae.generate_from_latent(z, n=2, temperature=0.0) for z in Z]
    ae.model.delay = 0.002  # widen the window in which a race would show
    results, errors = [None] * 4, []

    def work(i):
        try:
            results[i] = ae.generate_from_latent(Z[i], n=2, temperature=0.0)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and results == expected
    assert ae.model.max_active == 1 and ae.model.perturb_vector is None


def test_decoder_and_bad_latents(ae):
    dec = BottleneckDecoder(ae, "tiny")
    assert dec.generative and dec.dim == D_MODEL
    out = dec.decode(latents(2), n=2, temperature=0.8, seed=1)
    assert out == dec.decode(latents(2), n=2, temperature=0.8, seed=1) and len(out) == 2
    with pytest.raises(DecodeError, match="Incompatible dimensions"):
        dec.decode(np.ones(5))
    with pytest.raises(ValueError, match="non-zero"):
        ae.generate_from_latent(np.zeros(D_MODEL))


# ---------------------------------------------------------------- registry, opt-in, availability

def test_four_checkpoints_are_offered_and_refuse_without_opt_in():
    specs = {s.name: s for s in bottleneck.SPECS}
    assert set(specs) == {f"bottleneck-t5-{s}" for s in ("small", "base", "large", "xl")}
    assert specs["bottleneck-t5-base"].source == "thesephist/contra-bottleneck-t5-base-wikipedia"
    assert all(s.kind == "bottleneck-t5" and s.options["trust_remote_code"] is False for s in specs.values())
    assert "bottleneck-t5-xl" in encoders.model_names()
    with pytest.raises(ModelUnavailable) as err:
        bottleneck.pinned_revision(specs["bottleneck-t5-base"])
    message = str(err.value)
    assert "trust_remote_code: true" in message and "revision:" in message and "kind: bottleneck-t5" in message
    assert "hf download thesephist/contra-bottleneck-t5-base-wikipedia" in message
    assert "trust_remote_code" in bottleneck.availability("bottleneck-t5-base")
    assert "not a bottleneck-T5 model" in bottleneck.availability(encoders.DEFAULT_MODEL)


def test_opt_in_in_models_yaml_needs_a_commit_and_then_names_the_download(tmp_path, monkeypatch):
    models = tmp_path / "models.yaml"
    monkeypatch.setenv("LATENT_MODELS_FILE", str(models))
    spec = next(s for s in bottleneck.SPECS if s.name == "bottleneck-t5-small")
    entry = "models:\n  - name: bottleneck-t5-small\n    kind: bottleneck-t5\n    source: {src}\n" \
            "    trust_remote_code: true\n    revision: {rev}\n"
    models.write_text(entry.format(src=spec.source, rev="main"))
    with pytest.raises(ModelUnavailable, match="40-character commit"):
        bottleneck.pinned_revision(spec)
    models.write_text(entry.format(src=spec.source, rev=REV))
    assert bottleneck.pinned_revision(spec) == REV
    with pytest.raises(ModelUnavailable, match=f"hf download {spec.source} --revision {REV}"):
        bottleneck.weights_path(spec, REV)
    assert f"--revision {REV}" in bottleneck.availability("bottleneck-t5-small")
    snapshot = tmp_path / ("f" * 40)
    snapshot.mkdir()
    with pytest.raises(ModelUnavailable, match="is pinned"):
        bottleneck.weights_path(ModelSpec("x", str(snapshot), bottleneck.KIND), REV)


def test_registered_as_an_encoder_and_a_decoder(tiny_bottleneck):
    from core.store.embedder import get_embedder

    enc = encoders.get_encoder(tiny_bottleneck)
    assert isinstance(enc, bottleneck.BottleneckEncoder) and enc.dim == D_MODEL
    assert enc.identity.startswith(f"{tiny_bottleneck}:{REV[:12]}:") and enc.revision == REV
    E = get_embedder(tiny_bottleneck).embed(["the cat sat", "a dog ran", "the cat sat"])
    assert E.dtype == np.float32 and E.shape == (3, D_MODEL)
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(E[0], E[2])
    dec = decoder_for(tiny_bottleneck)
    assert dec.decode(E[:2], n=2, temperature=0.0) == dec.decode(E[:2], n=2, temperature=0.0)
    assert bottleneck.availability(tiny_bottleneck) is None
    assert tiny_bottleneck in bottleneck.bottleneck_models()
    with pytest.raises(ModelUnavailable, match="not a bottleneck-T5 model"):
        decoder_for(encoders.DEFAULT_MODEL)
