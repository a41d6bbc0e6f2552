"""CLIP: texts and images in one space. The model backend, the image-embedding cache and joint-space helpers.

A CLIP model is an Encoder of kind "clip" (its `encode` embeds texts as unit rows, so texts go
through the usual disk-cached Embedder and directions are built as for any text model) that can
also embed images. Image embeddings are kept at their own norm, because the unCLIP decoders take
them that way; they are cached on disk by the image bytes' hash and the model identity.
Importing this module is light: torch and transformers load with the first model.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
from pathlib import Path

import numpy as np

from core import config, latent
from core.atomic import atomic_write_bytes, atomic_write_text
from core.datasets import DatasetError, DirectionDataset, validate
from core.directions import Direction, build_directions, direction_from_embeddings
from core.encoders import ModelError, ModelSpec, folder_fingerprint, get_encoder, register_backend, registry, unit_rows
from core.images import LoadedImage

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
MEMORY_KEPT = 4096  # image embeddings kept in memory per model, besides the disk


class ClipModel:
    """A CLIP model behind a lock: `encode(texts)` gives unit rows, `image_features(images)` raw embeddings."""

    def __init__(self, spec: ModelSpec, path: Path):
        import torch
        from transformers import CLIPModel, CLIPTokenizer
        from transformers.utils import logging as hf_logging

        try:
            from transformers import CLIPImageProcessorPil as ImageProcessor  # no torchvision needed
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


# ---------------------------------------------------------------- image embeddings, cached on disk

class ImageEmbeddingCache:
    """One float32 file per image key, in a folder per model identity with a manifest; bad entries are misses."""

    def __init__(self, identity: str, dim: int, root: Path | None = None):
        self.identity, self.dim = identity, int(dim)
        slug = hashlib.sha256(identity.encode()).hexdigest()[:16]
        self.folder = Path(root or config.cache_dir()) / "clip-images" / slug
        self._memory: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        manifest = self.folder / "manifest.json"
        want = {"identity": identity, "dim": self.dim, "dtype": "float32", "format": "1"}
        try:
            ok = json.loads(manifest.read_text(encoding="utf-8")) == want
        except (OSError, ValueError):
            ok = False
        if not ok:
            shutil.rmtree(self.folder, ignore_errors=True)
            try:
                atomic_write_text(manifest, json.dumps(want))
            except OSError:
                pass  # an unwritable cache only costs time

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            hit = self._memory.get(key)
        if hit is not None:
            return hit
        path = self.folder / f"{key}.f32"
        try:
            data = path.read_bytes()
        except OSError:
            return None
        vec = np.frombuffer(data, dtype=np.float32) if len(data) == self.dim * 4 else None
        if vec is None or not np.isfinite(vec).all() or not vec.any():
            path.unlink(missing_ok=True)
            return None
        self._remember(key, vec)
        return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        vec = np.ascontiguousarray(vec, dtype=np.float32)
        try:
            atomic_write_bytes(self.folder / f"{key}.f32", vec.tobytes())
        except OSError:
            pass  # a cache that cannot be written only costs time
        self._remember(key, vec)

    def _remember(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._memory[key] = vec
            while len(self._memory) > MEMORY_KEPT:
                self._memory.pop(next(iter(self._memory)))


_CACHES: dict[tuple[str, str], ImageEmbeddingCache] = {}
_CACHE_LOCK = threading.Lock()


def _cache_for(model) -> ImageEmbeddingCache:
    key = (model.identity, str(config.cache_dir()))
    with _CACHE_LOCK:
        if key not in _CACHES:
            _CACHES[key] = ImageEmbeddingCache(model.identity, model.dim)
        return _CACHES[key]


def embed_images(model, images: list[LoadedImage]) -> np.ndarray:
    """(N, dim) raw CLIP image embeddings, served from the disk cache when the same bytes were seen before."""
    cache = _cache_for(model)
    out = np.zeros((len(images), model.dim), dtype=np.float32)
    todo = []
    for i, item in enumerate(images):
        hit = cache.get(item.key)
        if hit is None:
            todo.append(i)
        else:
            out[i] = hit
    if todo:
        fresh = model.image_features([images[i].image for i in todo])
        for i, vec in zip(todo, fresh):
            cache.put(images[i].key, vec)
            out[i] = vec
    return out


# ---------------------------------------------------------------- joint-space operations (math lives in core.latent)

def interpolation_path(embeddings: np.ndarray, steps: int) -> np.ndarray:
    """Spherical interpolation through two or more embeddings, `steps` points per leg (ends included, joints
    once), each leg's norms running linearly between its ends (so every point sits at the embeddings' norm)."""
    E = np.asarray(embeddings, dtype=np.float64)
    if E.ndim != 2 or len(E) < 2:
        raise ValueError("interpolation needs at least two embeddings")
    if steps < 2:
        raise ValueError("interpolation needs at least 2 steps (the two ends)")
    legs = [latent.slerp(E[i], E[i + 1], steps) for i in range(len(E) - 1)]
    return np.vstack([legs[0]] + [leg[1:] for leg in legs[1:]]).astype(np.float32)


def mix(base: np.ndarray, terms: list[tuple[float, np.ndarray]]) -> np.ndarray:
    """base plus weighted vectors, all taken at unit length, renormalised to |base|.

    Weights are relative to the base's unit vector: 0.3 moves a third of the way of one whole
    embedding. Text vectors need smaller weights than images to keep the picture recognisable.
    """
    base = np.asarray(base, dtype=np.float64)
    norm = float(np.linalg.norm(base))
    unit_terms = [(float(w), latent.normalize(np.asarray(v, dtype=np.float64))) for w, v in terms if w]
    return latent.arithmetic(latent.normalize(base), unit_terms, norm=norm).astype(np.float32)


# ---------------------------------------------------------------- directions in the joint space

def parse_poles(text: str) -> list[tuple[list[str], list[str]]]:
    """Lines of "negative pole | positive pole" (several prompts per pole separated by ';'; '#' comments)."""
    out, bad = [], []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        sides = line.split("|")
        poles = [[p.strip() for p in side.split(";") if p.strip()] for side in sides]
        if len(sides) != 2 or not all(poles):
            bad.append(number)
            continue
        out.append((poles[0], poles[1]))
    if bad:
        raise DatasetError(f"Line{'s' * (len(bad) > 1)} {', '.join(map(str, bad))}: write each direction as "
                           "'negative pole | positive pole', with several prompts per pole separated by ';'.")
    return out


def _name(i: int, first: str, second: str) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in f"{first} vs {second}".lower()).split())
    return f"{i}-{slug}"[:64].rstrip("-_")


def text_direction(embedder, negative: list[str], positive: list[str], name: str | None = None,
                   negative_label: str | None = None, positive_label: str | None = None) -> Direction:
    """A direction from text poles (for example "a photograph" against "a cartoon drawing"), built and cached
    like any data set's direction, in the CLIP embedder's space."""
    ds = _dataset(name or _name(1, negative[0], positive[0]), negative, positive,
                  negative_label or negative[0], positive_label or positive[0])
    return build_directions([ds], embedder)[0]


def text_directions(embedder, text: str) -> list[Direction]:
    """Every direction written as pole lines (see `parse_poles`)."""
    return [text_direction(embedder, neg, pos, _name(i, neg[0], pos[0]))
            for i, (neg, pos) in enumerate(parse_poles(text), 1)]


def image_direction(model, name: str, negative: list[LoadedImage], positive: list[LoadedImage],
                    negative_label: str = "negative examples", positive_label: str = "positive examples") -> Direction:
    """A direction from labelled example images (mean difference of their unit CLIP embeddings)."""
    if not negative or not positive:
        raise DatasetError("Give at least one example image for each pole.")
    ds = _dataset(name, [f"image:{im.key}" for im in negative], [f"image:{im.key}" for im in positive],
                  negative_label, positive_label)
    neg = unit_rows(embed_images(model, negative))
    pos = unit_rows(embed_images(model, positive))
    return direction_from_embeddings(ds, neg, pos, model.name)


def _dataset(name: str, negative: list[str], positive: list[str], negative_label: str,
             positive_label: str) -> DirectionDataset:
    return validate(DirectionDataset(
        name=name, title=f"{negative_label} vs {positive_label}", negative_label=negative_label,
        positive_label=positive_label, negative=tuple(negative), positive=tuple(positive), method="mean_difference",
    ))


def unit_images(model, images: list[LoadedImage]) -> np.ndarray:
    """Unit-length image embeddings, ready for `core.projection.score_frame` next to text embeddings."""
    return unit_rows(embed_images(model, images))
