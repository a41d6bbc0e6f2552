"""unCLIP decoders: CLIP image embeddings back to pictures, through diffusers.

Two kinds: Stable unCLIP (StableUnCLIPImg2ImgPipeline; embeddings passed as `image_embeds`, with a
`noise_level`) and Karlo (UnCLIPImageVariationPipeline; embeddings passed as `image_embeddings`, then a
64 -> 256 px super-resolution). Each loads once per process from the Hugging Face cache or a local folder
(never downloads), on an explicit device and dtype: CUDA in float16 where present, else the CPU in
float32. Generation reports every denoising step, can be stopped between steps, and uses one fixed seed
for every image of a gallery, so a rerun reproduces it and interpolation frames share their noise.
Which decoders exist, their status and time estimates are `core.images.unclip_specs`.
Importing this module is light: torch and diffusers load with the first decoder.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from core.errors import LatentError
from core.images.unclip_specs import (
    DEFAULT_DECODER,
    KARLO,
    STABLE,
    DecoderSpec,
    choose_device,
    estimate_seconds,
    load,
    register_spec,
)
from core.models.registry import ModelError, folder_fingerprint

log = logging.getLogger(__name__)
Progress = Callable[[int, int, int, int], None]  # (image index, images, step done, steps per image)


class Stopped(LatentError, RuntimeError):
    """Generation was stopped; `images` holds the pictures finished before the stop."""

    def __init__(self, images: list):
        super().__init__(f"stopped after {len(images)} image{'s' * (len(images) != 1)}")
        self.images = list(images)


def register_pipeline(name: str, pipeline, title: str | None = None) -> "Decoder":
    """Serve a ready pipeline object under `name` in this process (plug-ins, tests, a notebook's own model)."""
    kind = _kind_of(pipeline)
    spec = DecoderSpec(name=name, source="(in memory)", kind=kind, title=title or f"{name} ({kind}, in memory)",
                       size_gb=None, fetch="(registered in this process)", injected=True)
    decoder = Decoder(spec, pipeline)
    register_spec(spec, decoder)
    return decoder


def _kind_of(pipeline) -> str:
    names = {cls.__name__ for cls in type(pipeline).__mro__}
    if "StableUnCLIPImg2ImgPipeline" in names:
        return STABLE
    if "UnCLIPImageVariationPipeline" in names:
        return KARLO
    raise ModelError(f"{type(pipeline).__name__} is not a supported unCLIP pipeline "
                     "(StableUnCLIPImg2ImgPipeline or UnCLIPImageVariationPipeline).")


def get_decoder(name: str | None = None) -> "Decoder":
    """The process-wide decoder for `name`, loaded on first use."""
    return load(name or DEFAULT_DECODER, lambda spec, path: Decoder(spec, _load_pipeline(spec, path), path=path))


def _load_pipeline(spec: DecoderSpec, path: Path):
    import torch
    from diffusers import StableUnCLIPImg2ImgPipeline, UnCLIPImageVariationPipeline
    from diffusers.utils import logging as df_logging

    df_logging.set_verbosity_error()
    device, dtype = choose_device()
    log.info("loading the unCLIP decoder %s from %s on %s in %s", spec.name, path, device, dtype)
    cls = StableUnCLIPImg2ImgPipeline if spec.kind == STABLE else UnCLIPImageVariationPipeline
    in_hub_cache = "snapshots" in path.parts
    # A folder someone registered must hold safetensors; a named hub model may fall back to its .bin files,
    # which torch reads with weights_only=True.
    pipe = cls.from_pretrained(str(path), dtype=getattr(torch, dtype), local_files_only=True,
                               use_safetensors=None if in_hub_cache else True)
    return pipe.to(device)


# ---------------------------------------------------------------- the decoder

class Decoder:
    """A loaded pipeline behind a lock: `generate(embeddings, ...)` gives one picture per embedding."""

    def __init__(self, spec: DecoderSpec, pipeline, path: Path | None = None):
        import torch

        self._torch = torch
        self.spec = replace(spec, kind=_kind_of(pipeline))
        self.name = spec.name
        self.pipe = pipeline
        self.pipe.set_progress_bar_config(disable=True)
        self.device = str(pipeline.device)
        self.dtype = str(pipeline.dtype).replace("torch.", "")
        self._lock = threading.Lock()
        self.measured_step_s: float | None = None
        if path is None:
            fingerprint = _weights_fingerprint(pipeline)
        elif "snapshots" in Path(path).parts:
            fingerprint = Path(path).name[:16]  # the hub commit
        else:
            fingerprint = folder_fingerprint(Path(path))
        self.identity = f"{spec.name}:{spec.source}:{fingerprint}:{self.device}:{self.dtype}"

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def embed_dim(self) -> int:
        if self.kind == STABLE:
            return int(self.pipe.image_normalizer.mean.shape[-1])
        return int(self.pipe.text_proj.config.clip_embeddings_dim)

    def native_size(self) -> int:
        if self.kind == STABLE:
            return int(self.pipe.unet.config.sample_size * self.pipe.vae_scale_factor)
        return int(self.pipe.super_res_first.config.sample_size)

    def size_multiple(self) -> int:
        if self.kind == KARLO:
            return self.native_size()
        return int(self.pipe.vae_scale_factor * 2 ** (len(self.pipe.unet.config.block_out_channels) - 1))

    def steps_per_image(self, steps: int, super_res_steps: int | None = None) -> int:
        if self.kind == KARLO:
            return steps + (self.spec.super_res_steps if super_res_steps is None else super_res_steps)
        return steps

    def estimate(self, steps: int, size: int | None = None) -> float:
        ratio = ((size or self.native_size()) / self.native_size()) ** 2
        return estimate_seconds(self.spec, steps, self.device, ratio, self.measured_step_s)

    def check(self, embeddings, steps: int, size: int | None = None) -> np.ndarray:
        """The embeddings as a (N, dim) float32 matrix, or ValueError saying what is wrong with the request."""
        E = np.asarray(embeddings, dtype=np.float32)
        if E.ndim == 1:
            E = E[None, :]
        if E.ndim != 2 or len(E) == 0:
            raise ValueError("Nothing to generate: give at least one embedding.")
        if E.shape[1] != self.embed_dim:
            raise ValueError(f"Decoder {self.name!r} reads {self.embed_dim}-dimensional CLIP image embeddings, "
                             f"but these have {E.shape[1]}; pick the CLIP model that matches it.")
        if not np.isfinite(E).all():
            raise ValueError("The embeddings contain NaN or infinite values.")
        if not isinstance(steps, (int, np.integer)) or steps < 1:
            raise ValueError("The number of denoising steps must be at least 1.")
        if size is not None and self.kind == STABLE and (size < self.size_multiple() or size % self.size_multiple()):
            raise ValueError(f"The image size must be a multiple of {self.size_multiple()} pixels.")
        return E

    def generate(self, embeddings, *, seed: int, steps: int | None = None, noise_level: int = 0,
                 guidance: float | None = None, size: int | None = None, super_res_steps: int | None = None,
                 progress: Progress | None = None, should_stop: Callable[[], bool] | None = None,
                 on_image: Callable[[int, object], None] | None = None) -> list:
        """One PIL image per embedding row, each from the same seed. `progress(i, n, step, steps)` is called
        before each image (step 0) and after every denoising step; `on_image(i, image)` as each one is done;
        `should_stop()` is checked at each step and ends the run with Stopped (carrying the finished images)."""
        steps = self.spec.steps if steps is None else steps
        E = self.check(embeddings, steps, size)
        guidance = self.spec.guidance if guidance is None else float(guidance)
        sr_steps = self.spec.super_res_steps if super_res_steps is None else int(super_res_steps)
        per_image = self.steps_per_image(steps, sr_steps)
        images: list = []
        for i, vec in enumerate(E):
            done = 0

            def tick(*_):
                nonlocal done
                done += 1
                if progress:
                    progress(i, len(E), done, per_image)
                if should_stop and should_stop():
                    raise Stopped(images)

            if should_stop and should_stop():
                raise Stopped(images)
            if progress:
                progress(i, len(E), 0, per_image)
            with self._lock:
                start = time.perf_counter()
                image = self._one(vec, seed, steps, noise_level, guidance, size, sr_steps, tick)
                rate = (time.perf_counter() - start) / per_image
            self.measured_step_s = rate if self.measured_step_s is None else 0.5 * (self.measured_step_s + rate)
            images.append(image)
            if on_image:
                on_image(i, image)
        return images

    def _one(self, vec, seed, steps, noise_level, guidance, size, sr_steps, tick):
        torch = self._torch
        generator = torch.Generator(device="cpu").manual_seed(int(seed))
        emb = torch.from_numpy(np.ascontiguousarray(vec)[None, :]).to(self.pipe.device, getattr(torch, self.dtype))
        if self.kind == STABLE:
            side = size or self.native_size()
            return self.pipe(image_embeds=emb, noise_level=int(noise_level), num_inference_steps=int(steps),
                             guidance_scale=guidance, generator=generator, height=side, width=side,
                             callback=tick, callback_steps=1, output_type="pil").images[0]

        def counted(iterable=None, total=None):  # Karlo has no step callback: count its loops instead
            for item in iterable:
                yield item
                tick()

        self.pipe.progress_bar = counted  # under the lock: this call only
        try:
            return self.pipe(image_embeddings=emb, decoder_num_inference_steps=int(steps),
                             super_res_num_inference_steps=int(sr_steps), decoder_guidance_scale=guidance,
                             generator=generator, output_type="pil").images[0]
        finally:
            del self.pipe.progress_bar


def _weights_fingerprint(pipeline) -> str:
    """A content fingerprint of an in-memory pipeline: every weight tensor's name, shape and first bytes."""
    import torch

    h = hashlib.sha256()
    for name, component in sorted(pipeline.components.items()):
        h.update(f"{name}:{type(component).__name__}".encode())
        if isinstance(component, torch.nn.Module):
            for key, tensor in component.state_dict().items():
                h.update(f"{key}{tuple(tensor.shape)}".encode())
                h.update(tensor.detach().flatten()[:4096].float().cpu().numpy().tobytes())
        elif hasattr(component, "config"):
            h.update(repr(sorted((k, v) for k, v in dict(component.config).items() if not k.startswith("_"))).encode())
    return h.hexdigest()[:16]
