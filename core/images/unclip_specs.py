"""Which unCLIP decoders exist, whether they are on this machine, what they need, and how long they take.

The two built-in decoders (Stable unCLIP 2.1 small, Karlo image variations) are `DECODERS`; plug-ins and tests
add their own with `register_spec` (or `core.images.unclip.register_pipeline` for a pipeline object). The
decoders loaded in this process are kept here too, so a status never loads anything. Importing this module
is light: torch is imported only to choose a device.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from core.models.registry import (
    ModelSpec,
    ModelUnavailable,
    load_once,
    resolve_source,
    status,
)

STABLE, KARLO = "stable-unclip", "karlo"
READY = ("ready", "loaded")  # the statuses of a model that can be used now


@dataclass(frozen=True)
class DecoderSpec:
    name: str
    source: str
    kind: str  # STABLE or KARLO
    title: str
    size_gb: float | None  # approximate download size, float32 safetensors
    fetch: str  # the command that puts it in the Hugging Face cache
    steps: int = 20  # default denoising steps
    guidance: float = 10.0
    super_res_steps: int = 7  # Karlo only
    # rough time per denoising step at the native size: (CPU float32, CUDA float16), plus a fixed part per image
    cpu_step_s: float = 6.0
    gpu_step_s: float = 0.06
    cpu_fixed_s: float = 20.0
    gpu_fixed_s: float = 0.5
    cpu_sr_step_s: float = 0.0
    gpu_sr_step_s: float = 0.0
    injected: bool = False


DEFAULT_DECODER = "sd21-unclip-small"
DECODERS = [
    DecoderSpec(
        name=DEFAULT_DECODER, source="stabilityai/stable-diffusion-2-1-unclip-small", kind=STABLE,
        title="Stable unCLIP 2.1 small (reads CLIP ViT-L/14 image embeddings; 768 px)", size_gb=6.5,
        fetch='hf download stabilityai/stable-diffusion-2-1-unclip-small --exclude "*.bin" --exclude "*.ckpt" '
              '--exclude "*fp16*"',
        steps=20, guidance=10.0, cpu_step_s=6.0, cpu_fixed_s=20.0,
    ),
    DecoderSpec(
        name="karlo-image-variations", source="kakaobrain/karlo-v1-alpha-image-variations", kind=KARLO,
        title="Karlo v1 alpha image variations (CLIP ViT-L/14; 64 px decoder, 256 px super-resolution)",
        size_gb=10.0, fetch='hf download kakaobrain/karlo-v1-alpha-image-variations --exclude "*.ckpt"',
        steps=25, guidance=8.0, super_res_steps=7, cpu_step_s=1.5, cpu_fixed_s=3.0, cpu_sr_step_s=4.0,
        gpu_step_s=0.04, gpu_sr_step_s=0.08,
    ),
]

_SPECS: dict[str, DecoderSpec] = {s.name: s for s in DECODERS}
_LOADED: dict[str, object] = {}  # name -> core.images.unclip.Decoder
_LOCK = threading.Lock()


# ---------------------------------------------------------------- the registry

def decoder_names() -> list[str]:
    return list(_SPECS)


def get_decoder_spec(name: str) -> DecoderSpec:
    if name not in _SPECS:
        raise ModelUnavailable(f"Unknown decoder {name!r}. Known decoders: {', '.join(_SPECS)}.")
    return _SPECS[name]


def register_spec(spec: DecoderSpec, decoder=None) -> None:
    """List a decoder in this process (plug-ins, tests), with its loaded object when there is one already."""
    with _LOCK:
        _SPECS[spec.name] = spec
        _LOADED.pop(spec.name, None)
        if decoder is not None:
            _LOADED[spec.name] = decoder


def unregister(name: str) -> None:
    """Forget a registered decoder and its loaded copy (built-in decoders stay listed, unloaded)."""
    with _LOCK:
        _LOADED.pop(name, None)
        builtin = {s.name: s for s in DECODERS}
        if name in builtin:
            _SPECS[name] = builtin[name]
        else:
            _SPECS.pop(name, None)


def loaded(name: str):
    """The decoder if it is already in memory (nothing is loaded)."""
    return _LOADED.get(name)


def load(name: str, make: Callable[[DecoderSpec, Path], object]):
    """The process-wide decoder `name`, made once by `make(spec, folder)` from the folder its files are in."""
    hit = _LOADED.get(name)
    if hit is not None:
        return hit
    spec = get_decoder_spec(name)
    return load_once(_LOADED, _LOCK, name, "Decoder", lambda: local_path(spec), lambda path: make(spec, path))


def local_path(spec: DecoderSpec) -> Path:
    """The folder holding the decoder's files (never downloads), or ModelUnavailable saying how to fetch it."""
    try:
        return resolve_source(ModelSpec(name=spec.name, source=spec.source, kind=spec.kind))
    except ModelUnavailable:
        raise ModelUnavailable(
            f"Decoder {spec.name!r} ({spec.source}, about {spec.size_gb:g} GB) is not on this machine. "
            f"Fetch it once where there is network access: `{spec.fetch}`."
        ) from None


def decoder_status(name: str) -> str:
    """'loaded', 'ready' (files present) or the reason it cannot be used."""
    return status(name in _LOADED, lambda: local_path(get_decoder_spec(name)))


def first_ready(names: list[str], status: dict[str, str]) -> str:
    """The first of `names` whose status is READY (where a choice of model starts), else the first."""
    return next((n for n in names if status.get(n) in READY), names[0])


def requirements(decoder: str, clip_model: str) -> list[dict]:
    """The models the image galleries need, with their approximate sizes, status and fetch commands."""
    from core.models import clip
    from core.models import registry as encoders

    rows = []
    try:
        spec = encoders.get_spec(clip_model)
        default = spec.source == clip.CLIP_SOURCE
        status = encoders.model_status(clip_model)
        rows.append({"model": clip_model, "role": "CLIP encoder: embeds images and texts", "source": spec.source,
                     "approx. size": f"{clip.CLIP_SIZE_GB:g} GB" if default else "?",
                     "status": status if status in READY else "missing",
                     "fetch command": clip.CLIP_FETCH if default else f"hf download {spec.source}"})
    except encoders.ModelError as exc:
        rows.append({"model": clip_model, "role": "CLIP encoder", "source": "", "approx. size": "?",
                     "status": str(exc), "fetch command": ""})
    d = get_decoder_spec(decoder)
    status = decoder_status(decoder)
    rows.append({"model": decoder, "role": "unCLIP decoder: embeddings to pictures", "source": d.source,
                 "approx. size": f"{d.size_gb:g} GB" if d.size_gb else "?",
                 "status": status if status in READY else "missing", "fetch command": d.fetch})
    return rows


# ---------------------------------------------------------------- device and time

def choose_device() -> tuple[str, str]:
    """('cuda', 'float16') where a GPU is present, else ('cpu', 'float32'); LATENT_IMAGE_DEVICE=cpu forces the CPU."""
    import torch

    if os.environ.get("LATENT_IMAGE_DEVICE", "").lower() != "cpu" and torch.cuda.is_available():
        return "cuda", "float16"
    return "cpu", "float32"


def estimate_seconds(spec: DecoderSpec, steps: int, device: str, pixels_ratio: float = 1.0,
                     measured_step_s: float | None = None) -> float:
    """Seconds per image: measured on this machine when a gallery has run, else a rough prior."""
    total = steps + (spec.super_res_steps if spec.kind == KARLO else 0)
    if measured_step_s:
        return measured_step_s * total
    gpu = device.startswith("cuda")
    step = (spec.gpu_step_s if gpu else spec.cpu_step_s) * pixels_ratio ** 1.2
    sr = (spec.gpu_sr_step_s if gpu else spec.cpu_sr_step_s) * (spec.super_res_steps if spec.kind == KARLO else 0)
    return (spec.gpu_fixed_s if gpu else spec.cpu_fixed_s) * pixels_ratio + step * steps + sr
