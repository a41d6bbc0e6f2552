"""CLIP as a model backend: texts and images in one space.

A CLIP model is an Encoder of kind "clip" (its `encode` embeds texts as unit rows, so texts go
through the usual disk-cached Embedder and directions are built as for any text model) that can
also embed images (`image_features`, raw, at their own norm). Importing this module is light:
torch and transformers load with the first model.
"""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from core.models.registry import (
    ModelError,
    ModelSpec,
    folder_fingerprint,
    get_encoder,
    register_backend,
    registry,
)
from core.vectors import unit_rows

DEFAULT_CLIP = "clip-vit-large-patch14"
CLIP_SOURCE = "openai/clip-vit-large-patch14"
CLIP_SIZE_GB = 1.7  # model.safetensors (float32), plus a few small json/txt files
CLIP_FETCH = (f'hf download {CLIP_SOURCE} --include "*.json" --include "*.txt" --include "model.safetensors"')

SPECS = [
    ModelSpec(
        name=DEFAULT_CLIP, source=CLIP_SOURCE, kind="clip",
        description="OpenAI CLIP ViT-L/14: texts and images in one 768-dimensional space, the space the unCLIP "
                    f"decoders read. About {CLIP_SIZE_GB} GB; fetch with `{CLIP_FETCH}`.",
    )
]

IMAGE_BATCH = 16


class ClipModel:
    """A CLIP model behind a lock: `encode(texts)` gives unit rows, `image_features(images)` raw embeddings."""

    def __init__(self, spec: ModelSpec, path: Path):
        import torch
        from transformers import CLIPModel, CLIPTokenizer
        from transformers.utils import logging as hf_logging

        try:
            from transformers import (
                CLIPImageProcessorPil as ImageProcessor,  # no torchvision needed
            )
        except ImportError:  # older transformers
            from transformers import CLIPImageProcessor as ImageProcessor

        hf_logging.disable_progress_bar()
        self._torch = torch
        self.name = spec.name
        self.path = Path(path)
        self._lock = threading.Lock()
        if not any(self.path.glob("*.safetensors")):
            raise ModelError(f"CLIP model {spec.name!r} at {self.path} has no .safetensors weights; "
                             "this dashboard does not load pickled weights.")
        self.model = CLIPModel.from_pretrained(str(self.path), use_safetensors=True, local_files_only=True).eval()
        self.tokenizer = CLIPTokenizer.from_pretrained(str(self.path), local_files_only=True)
        self.processor = ImageProcessor.from_pretrained(str(self.path), local_files_only=True)
        self.dim = int(self.model.config.projection_dim)
        self.max_tokens = int(self.model.config.text_config.max_position_embeddings)
        self.precision = "float32"
        self.fingerprint = folder_fingerprint(self.path)
        self.identity = f"{self.name}:{self.fingerprint}:float32"

    @staticmethod
    def _pooled(out):
        return getattr(out, "pooler_output", out)  # transformers 5 returns an output object

    def text_features(self, texts: list[str]) -> np.ndarray:
        """Raw (N, dim) projected text embeddings."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock, self._torch.inference_mode():
            tokens = self.tokenizer(list(texts), padding=True, truncation=True, max_length=self.max_tokens,
                                    return_tensors="pt")
            out = self._pooled(self.model.get_text_features(**tokens))
        return out.float().cpu().numpy().astype(np.float32)

    def encode(self, texts: list[str]) -> np.ndarray:
        return unit_rows(self.text_features(texts))

    def image_features(self, images: list) -> np.ndarray:
        """Raw (N, dim) projected image embeddings of PIL images (not normalised)."""
        out = np.zeros((len(images), self.dim), dtype=np.float32)
        for i in range(0, len(images), IMAGE_BATCH):
            part = [im.convert("RGB") for im in images[i: i + IMAGE_BATCH]]
            with self._lock, self._torch.inference_mode():
                pixels = self.processor(images=part, return_tensors="pt")["pixel_values"]
                feats = self._pooled(self.model.get_image_features(pixel_values=pixels))
            out[i: i + len(part)] = feats.float().cpu().numpy()
        return out


register_backend("clip", ClipModel)


def clip_models() -> list[str]:
    """Names of the registered CLIP models, the default first."""
    names = [name for name, spec in registry().items() if spec.kind == "clip"]
    return sorted(names, key=lambda n: n != DEFAULT_CLIP)


def get_clip(name: str | None = None) -> ClipModel:
    """The process-wide CLIP model (loaded once); ModelError if it is missing or not a CLIP model."""
    model = get_encoder(name or DEFAULT_CLIP)
    if not hasattr(model, "image_features"):
        raise ModelError(f"Model {model.name!r} is not a CLIP model, so it cannot embed images.")
    return model

