"""Both unCLIP pipeline kinds, assembled from tiny random components built here from configs: one picture per
embedding at the right size, every denoising step reported, a fixed seed reproduces, stop works, loading
from a folder of safetensors, and a missing decoder says how to fetch it.

The tiny pipelines are built in tests/fixtures/tiny_models.py."""
from __future__ import annotations

import numpy as np
import pytest

from core.images import unclip, unclip_specs
from core.models.registry import ModelError, ModelUnavailable
from tests.fixtures.tiny_models import DIM, PIPELINES


def embeddings(n=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32) * 3.0


@pytest.mark.parametrize("name", list(PIPELINES))
def test_two_step_generation_sizes_progress_and_seed(registered, name):
    decoder = registered(name)
    size = PIPELINES[name]
    assert decoder.embed_dim == DIM and decoder.native_size() == size and decoder.device == "cpu"
    assert unclip_specs.decoder_status(name) == "loaded"
    calls = []
    first = decoder.generate(embeddings(), seed=7, steps=2, super_res_steps=2, progress=lambda *a: calls.append(a))
    assert [im.size for im in first] == [(size, size)] * 2
    per_image = decoder.steps_per_image(2, 2)
    assert per_image == (2 if name == "tiny-stable" else 4)
    assert calls == [(i, 2, s, per_image) for i in range(2) for s in range(per_image + 1)]
    again = decoder.generate(embeddings(), seed=7, steps=2, super_res_steps=2)
    other = decoder.generate(embeddings(), seed=8, steps=2, super_res_steps=2)
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(first, again))
    assert not np.array_equal(np.asarray(first[0]), np.asarray(other[0]))
    assert not np.array_equal(np.asarray(first[0]), np.asarray(first[1]))  # the embedding matters
    assert "progress_bar" not in vars(decoder.pipe)  # the per-call step counter is gone again


@pytest.mark.parametrize("name", list(PIPELINES))
def test_stop_ends_between_steps_and_keeps_finished_images(registered, name):
    decoder = registered(name)
    ticks = []

    def progress(i, n, step, steps):
        ticks.append(step)

    per_image = decoder.steps_per_image(2, 2)
    with pytest.raises(unclip.Stopped) as stopped:
        decoder.generate(embeddings(3), seed=1, steps=2, super_res_steps=2, progress=progress,
                         should_stop=lambda: len([t for t in ticks if t]) > per_image)
    assert len(stopped.value.images) == 1
    assert "progress_bar" not in vars(decoder.pipe)
    with pytest.raises(unclip.Stopped) as before:
        decoder.generate(embeddings(1), seed=1, steps=2, should_stop=lambda: True)
    assert before.value.images == []


def test_bad_requests_get_clear_messages(registered):
    decoder = registered("tiny-stable")
    with pytest.raises(ValueError, match="at least 1"):
        decoder.generate(embeddings(), seed=0, steps=0)
    with pytest.raises(ValueError, match="32-dimensional.*CLIP model"):
        decoder.generate(np.ones((1, 7)), seed=0, steps=2)
    with pytest.raises(ValueError, match="NaN"):
        decoder.generate(np.full((1, DIM), np.nan), seed=0, steps=2)
    with pytest.raises(ValueError, match="multiple of"):
        decoder.generate(embeddings(1), seed=0, steps=2, size=33)
    with pytest.raises(ModelError, match="not a supported unCLIP pipeline"):
        unclip.register_pipeline("nonsense", object())


def test_loads_once_from_a_folder_of_safetensors(tmp_path, tiny_pipelines, one_thread):
    pipe = tiny_pipelines("tiny-stable")
    folder = tmp_path / "tiny-stable-folder"
    pipe.save_pretrained(str(folder), safe_serialization=True)
    assert not list(folder.rglob("*.bin"))
    spec = unclip_specs.DecoderSpec(name="disk-stable", source=str(folder), kind=unclip_specs.STABLE,
                                    title="tiny, on disk", size_gb=0.001, fetch="(test)")
    unclip_specs.register_spec(spec)
    try:
        assert unclip_specs.decoder_status("disk-stable") == "ready"
        loaded = unclip.get_decoder("disk-stable")
        assert unclip.get_decoder("disk-stable") is loaded
        assert loaded.identity.startswith("disk-stable:") and ":cpu:float32" in loaded.identity
        memory = unclip.Decoder(spec, pipe)
        a = loaded.generate(embeddings(1), seed=3, steps=2)[0]
        b = memory.generate(embeddings(1), seed=3, steps=2)[0]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    finally:
        unclip_specs.unregister("disk-stable")
    assert "disk-stable" not in unclip_specs.decoder_names()


def test_missing_decoders_name_the_model_its_size_and_the_fetch_command(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    for name in unclip_specs.decoder_names():
        status = unclip_specs.decoder_status(name)
        spec = unclip_specs.get_decoder_spec(name)
        assert spec.source in status and spec.fetch in status and "GB" in status
    with pytest.raises(ModelUnavailable, match="hf download stabilityai/stable-diffusion-2-1-unclip-small"):
        unclip.get_decoder()
    with pytest.raises(ModelUnavailable, match="Unknown decoder"):
        unclip.get_decoder("nope")


def test_device_choice_and_time_estimates(monkeypatch):
    device, dtype = unclip_specs.choose_device()
    assert (device, dtype) in {("cpu", "float32"), ("cuda", "float16")}
    monkeypatch.setenv("LATENT_IMAGE_DEVICE", "cpu")
    assert unclip_specs.choose_device() == ("cpu", "float32")
    stable = unclip_specs.get_decoder_spec(unclip_specs.DEFAULT_DECODER)
    karlo = unclip_specs.get_decoder_spec("karlo-image-variations")
    cpu = unclip_specs.estimate_seconds(stable, 20, "cpu")
    assert cpu == pytest.approx(stable.cpu_fixed_s + 20 * stable.cpu_step_s)
    assert unclip_specs.estimate_seconds(stable, 20, "cuda") < cpu / 20
    assert unclip_specs.estimate_seconds(stable, 20, "cpu", pixels_ratio=0.25) < cpu / 3
    assert unclip_specs.estimate_seconds(karlo, 25, "cpu") == pytest.approx(
        karlo.cpu_fixed_s + 25 * karlo.cpu_step_s + 7 * karlo.cpu_sr_step_s)
    assert unclip_specs.estimate_seconds(karlo, 25, "cpu", measured_step_s=2.0) == pytest.approx(64.0)  # (25 + 7) steps


def test_specs_register_and_unregister_and_the_first_ready_model_is_chosen():
    spec = unclip_specs.DecoderSpec(name="extra", source="/nowhere/extra", kind=unclip_specs.KARLO, title="extra",
                                    size_gb=1.0, fetch="hf download someone/extra")
    unclip_specs.register_spec(spec)
    try:
        assert "extra" in unclip_specs.decoder_names() and unclip_specs.get_decoder_spec("extra") is spec
        assert "hf download someone/extra" in unclip_specs.decoder_status("extra")
        assert unclip_specs.loaded("extra") is None
    finally:
        unclip_specs.unregister("extra")
    assert "extra" not in unclip_specs.decoder_names()
    builtin = unclip_specs.get_decoder_spec(unclip_specs.DEFAULT_DECODER)
    unclip_specs.unregister(unclip_specs.DEFAULT_DECODER)  # a built-in decoder stays listed
    assert unclip_specs.get_decoder_spec(unclip_specs.DEFAULT_DECODER) == builtin
    status = {"a": "missing files", "b": "ready", "c": "loaded"}
    assert unclip_specs.first_ready(list(status), status) == "b"
    assert unclip_specs.first_ready(["c", "b"], status) == "c"
    assert unclip_specs.first_ready(["a"], status) == "a"  # none ready: the first
