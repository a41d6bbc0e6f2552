"""Both unCLIP pipeline kinds, assembled from tiny random components built here from configs: one picture per
embedding at the right size, every denoising step reported, a fixed seed reproduces, stop works, loading
from a folder of safetensors, and a missing decoder says how to fetch it.

The pipeline builders here are shared by test_galleries and test_images_page."""
from __future__ import annotations

import functools

import numpy as np
import pytest

from core.images import unclip
from tests.models.test_clip import DIM, one_thread, tiny_image_processor, tiny_text_config, tiny_tokenizer, tiny_vision_config  # noqa: F401

STABLE_SIZE, KARLO_SIZE = 32, 64


@functools.lru_cache(maxsize=None)
def tiny_stable():
    """StableUnCLIPImg2ImgPipeline: 32 px images from 32-dimensional embeddings."""
    import torch
    from diffusers import (AutoencoderKL, DDIMScheduler, DDPMScheduler, StableUnCLIPImg2ImgPipeline,
                           UNet2DConditionModel)
    from diffusers.pipelines.stable_diffusion.stable_unclip_image_normalizer import StableUnCLIPImageNormalizer
    from transformers import CLIPTextModel, CLIPVisionModelWithProjection

    torch.manual_seed(0)
    unet = UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"), block_out_channels=(32, 64), attention_head_dim=(2, 4),
        class_embed_type="projection", projection_class_embeddings_input_dim=DIM * 2, cross_attention_dim=DIM,
        layers_per_block=1, upcast_attention=True, use_linear_projection=True, norm_num_groups=8,
    )
    vae = AutoencoderKL(block_out_channels=(8, 8), down_block_types=("DownEncoderBlock2D",) * 2,
                        up_block_types=("UpDecoderBlock2D",) * 2, latent_channels=4, norm_num_groups=8, sample_size=32)
    return StableUnCLIPImg2ImgPipeline(
        feature_extractor=tiny_image_processor(), image_encoder=CLIPVisionModelWithProjection(tiny_vision_config()),
        image_normalizer=StableUnCLIPImageNormalizer(embedding_dim=DIM),
        image_noising_scheduler=DDPMScheduler(beta_schedule="squaredcos_cap_v2"),
        tokenizer=tiny_tokenizer(), text_encoder=CLIPTextModel(tiny_text_config()), unet=unet,
        scheduler=DDIMScheduler(beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012,
                                prediction_type="v_prediction", set_alpha_to_one=False, steps_offset=1),
        vae=vae,
    )


@functools.lru_cache(maxsize=None)
def tiny_karlo():
    """UnCLIPImageVariationPipeline: a 32 px decoder and a 64 px super-resolution pair."""
    import torch
    from diffusers import UnCLIPImageVariationPipeline, UnCLIPScheduler, UNet2DConditionModel, UNet2DModel
    from diffusers.pipelines.deprecated.unclip.text_proj import UnCLIPTextProjModel
    from diffusers.utils import logging as df_logging
    from transformers import CLIPTextModelWithProjection, CLIPVisionModelWithProjection

    df_logging.set_verbosity_error()  # the pipeline's deprecation notice
    torch.manual_seed(0)
    decoder = UNet2DConditionModel(
        sample_size=32, in_channels=3, out_channels=6,
        down_block_types=("ResnetDownsampleBlock2D", "SimpleCrossAttnDownBlock2D"),
        up_block_types=("SimpleCrossAttnUpBlock2D", "ResnetUpsampleBlock2D"),
        mid_block_type="UNetMidBlock2DSimpleCrossAttn", block_out_channels=(32, 64), layers_per_block=1,
        cross_attention_dim=100, attention_head_dim=4, resnet_time_scale_shift="scale_shift",
        class_embed_type="identity", norm_num_groups=8,
    )
    sr = dict(sample_size=KARLO_SIZE, layers_per_block=1, down_block_types=("ResnetDownsampleBlock2D",) * 2,
              up_block_types=("ResnetUpsampleBlock2D",) * 2, block_out_channels=(32, 64), in_channels=6,
              out_channels=3, norm_num_groups=8)
    return UnCLIPImageVariationPipeline(
        decoder=decoder, text_encoder=CLIPTextModelWithProjection(tiny_text_config()), tokenizer=tiny_tokenizer(),
        text_proj=UnCLIPTextProjModel(clip_embeddings_dim=DIM, time_embed_dim=128, cross_attention_dim=100),
        feature_extractor=tiny_image_processor(), image_encoder=CLIPVisionModelWithProjection(tiny_vision_config()),
        super_res_first=UNet2DModel(**sr), super_res_last=UNet2DModel(**sr),
        decoder_scheduler=UnCLIPScheduler(variance_type="learned_range", prediction_type="epsilon"),
        super_res_scheduler=UnCLIPScheduler(variance_type="fixed_small_log", prediction_type="epsilon"),
    )


BUILDERS = {"tiny-stable": (tiny_stable, STABLE_SIZE), "tiny-karlo": (tiny_karlo, KARLO_SIZE)}


@pytest.fixture
def registered(one_thread):  # noqa: F811
    """Register decoders by name for one test; forget them after."""
    names = []

    def register(name):
        names.append(name)
        return unclip.register_pipeline(name, BUILDERS[name][0]())

    yield register
    for name in names:
        unclip.unregister(name)


def embeddings(n=2, seed=0):
    return np.random.default_rng(seed).normal(size=(n, DIM)).astype(np.float32) * 3.0


@pytest.mark.parametrize("name", list(BUILDERS))
def test_two_step_generation_sizes_progress_and_seed(registered, name):
    decoder = registered(name)
    size = BUILDERS[name][1]
    assert decoder.embed_dim == DIM and decoder.native_size() == size and decoder.device == "cpu"
    assert unclip.decoder_status(name) == "loaded"
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


@pytest.mark.parametrize("name", list(BUILDERS))
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
    with pytest.raises(unclip.ModelError, match="not a supported unCLIP pipeline"):
        unclip.register_pipeline("nonsense", object())


def test_loads_once_from_a_folder_of_safetensors(tmp_path, monkeypatch, one_thread):  # noqa: F811
    pipe = tiny_stable()
    folder = tmp_path / "tiny-stable-folder"
    pipe.save_pretrained(str(folder), safe_serialization=True)
    assert not list(folder.rglob("*.bin"))
    spec = unclip.DecoderSpec(name="disk-stable", source=str(folder), kind=unclip.STABLE, title="tiny, on disk",
                              size_gb=0.001, fetch="(test)")
    monkeypatch.setitem(unclip._SPECS, "disk-stable", spec)
    try:
        assert unclip.decoder_status("disk-stable") == "ready"
        loaded = unclip.get_decoder("disk-stable")
        assert unclip.get_decoder("disk-stable") is loaded
        assert loaded.identity.startswith("disk-stable:") and ":cpu:float32" in loaded.identity
        memory = unclip.Decoder(spec, pipe)
        a = loaded.generate(embeddings(1), seed=3, steps=2)[0]
        b = memory.generate(embeddings(1), seed=3, steps=2)[0]
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    finally:
        unclip._LOADED.pop("disk-stable", None)


def test_missing_decoders_name_the_model_its_size_and_the_fetch_command(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    for name in unclip.decoder_names():
        status = unclip.decoder_status(name)
        spec = unclip.get_decoder_spec(name)
        assert spec.source in status and spec.fetch in status and "GB" in status
    with pytest.raises(unclip.ModelUnavailable, match="hf download stabilityai/stable-diffusion-2-1-unclip-small"):
        unclip.get_decoder()
    with pytest.raises(unclip.ModelUnavailable, match="Unknown decoder"):
        unclip.get_decoder("nope")


def test_device_choice_and_time_estimates(monkeypatch):
    device, dtype = unclip.choose_device()
    assert (device, dtype) in {("cpu", "float32"), ("cuda", "float16")}
    monkeypatch.setenv("LATENT_IMAGE_DEVICE", "cpu")
    assert unclip.choose_device() == ("cpu", "float32")
    stable = unclip.get_decoder_spec(unclip.DEFAULT_DECODER)
    karlo = unclip.get_decoder_spec("karlo-image-variations")
    cpu = unclip.estimate_seconds(stable, 20, "cpu")
    assert cpu == pytest.approx(stable.cpu_fixed_s + 20 * stable.cpu_step_s)
    assert unclip.estimate_seconds(stable, 20, "cuda") < cpu / 20
    assert unclip.estimate_seconds(stable, 20, "cpu", pixels_ratio=0.25) < cpu / 3
    assert unclip.estimate_seconds(karlo, 25, "cpu") == pytest.approx(
        karlo.cpu_fixed_s + 25 * karlo.cpu_step_s + 7 * karlo.cpu_sr_step_s)
    assert unclip.estimate_seconds(karlo, 25, "cpu", measured_step_s=2.0) == pytest.approx(64.0)  # (25 + 7) steps
