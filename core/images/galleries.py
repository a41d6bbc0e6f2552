"""Galleries: what to decode (plans), and finished galleries as files under a content address.

A plan turns inputs into CLIP image embeddings: an interpolation through two or more images, or an
image plus weighted text or image vectors (text arithmetic, style plus subject) as a ramp of frames.
A recipe is the plan's inputs plus the seed, the generation settings and both models' identities; its
hash is the gallery's address. A finished gallery is a folder of PNG frames with a manifest of how it
was made, written atomically; asking for the same recipe again opens it from disk instead of decoding.
A folder that is damaged is dropped and made again, like any cache entry.
"""
from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core import config
from core.files import atomic_write_bytes, atomic_write_text, fsync_folder, read_cached
from core.images import loading as imgs
from core.images.clip_space import interpolation_path, mix
from core.images.unclip_specs import KARLO, STABLE
from core.store.images import embed_images

log = logging.getLogger(__name__)

FORMAT = "1"
MAX_FRAMES = 64
MANIFEST = "manifest.json"


@dataclass
class Plan:
    kind: str  # "interpolation" or "arithmetic"
    embeddings: np.ndarray  # (frames, dim), at the image embeddings' norm
    labels: list[str]  # one caption per frame
    inputs: list[dict]  # what the frames are made from, as recorded in the manifest
    params: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)  # the LoadedImages used, saved beside the frames


def plan_interpolation(clip_model, pictures: list[imgs.LoadedImage], steps: int) -> Plan:
    """Spherical interpolation through the pictures' embeddings, `steps` frames per leg (ends included)."""
    if len(pictures) < 2:
        raise ValueError("Pick at least two images to interpolate between.")
    if steps < 2:
        raise ValueError("Use at least 2 steps per leg: the two ends.")
    frames = (len(pictures) - 1) * (steps - 1) + 1
    if frames > MAX_FRAMES:
        raise ValueError(f"That makes {frames} images; a gallery holds at most {MAX_FRAMES}. Use fewer steps.")
    path = interpolation_path(embed_images(clip_model, pictures), steps)
    labels = []
    for leg in range(len(pictures) - 1):
        for j in range(0 if leg == 0 else 1, steps):
            t = j / (steps - 1)
            labels.append(f"{pictures[leg].name} → {pictures[leg + 1].name} at {t:.2f}")
    return Plan("interpolation", path, labels, [{"image": p.key, "name": p.name} for p in pictures],
                {"steps_per_leg": int(steps)}, sources=list(pictures))


def plan_arithmetic(clip_model, base: imgs.LoadedImage, terms: list[tuple[float, object]], frames: int,
                    embedder=None, kind: str = "arithmetic") -> Plan:
    """`base` plus weighted terms (texts through the CLIP text embedder, or images), renormalised to the
    base's norm; `frames` images ramp the weights from 0 (the base itself) to their full values."""
    terms = [(float(w), x) for w, x in terms if float(w) != 0.0 and (not isinstance(x, str) or x.strip())]
    if not terms:
        raise ValueError("Give at least one text or image with a weight other than 0.")
    if not 1 <= frames <= MAX_FRAMES:
        raise ValueError(f"The number of images must be between 1 and {MAX_FRAMES}.")
    texts = [x.strip() for _, x in terms if isinstance(x, str)]
    pictures = [x for _, x in terms if not isinstance(x, str)]
    text_vecs = iter(embedder.embed(texts) if texts else [])
    pic_vecs = iter(embed_images(clip_model, pictures) if pictures else [])
    vectors = [next(text_vecs) if isinstance(x, str) else next(pic_vecs) for _, x in terms]
    base_vec = embed_images(clip_model, [base])[0]
    ramp = np.linspace(0.0, 1.0, frames) if frames > 1 else np.array([1.0])
    E = np.stack([mix(base_vec, [(t * w, v) for (w, _), v in zip(terms, vectors)]) for t in ramp])
    inputs = [{"image": base.key, "name": base.name, "weight": 1.0}]
    for w, x in terms:
        inputs.append({"text": x.strip(), "weight": w} if isinstance(x, str)
                      else {"image": x.key, "name": x.name, "weight": w})
    recipe_text = " ".join(f"{'+' if w > 0 else '−'} {abs(w):g} × {x.strip() if isinstance(x, str) else x.name}"
                           for w, x in terms)
    labels = [f"{base.name} {recipe_text} (at {t:.0%})" for t in ramp]
    return Plan(kind, E, labels, inputs, {"frames": int(frames)}, sources=[base, *pictures])


def recipe(plan: Plan, clip_model, decoder, *, seed: int, steps: int, noise_level: int = 0,
           guidance: float | None = None, size: int | None = None, super_res_steps: int | None = None) -> dict:
    """Everything that decides the pictures; its hash is the gallery's address."""
    spec = decoder.spec
    return {
        "format": FORMAT, "kind": plan.kind, "inputs": plan.inputs, "plan": plan.params,
        "seed": int(seed), "steps": int(steps),
        "noise_level": int(noise_level) if decoder.kind == STABLE else None,
        "guidance": float(spec.guidance if guidance is None else guidance),
        "size": int(size or decoder.native_size()),
        "super_res_steps": int(spec.super_res_steps if super_res_steps is None else super_res_steps)
        if decoder.kind == KARLO else None,
        "clip": clip_model.identity, "decoder": decoder.identity,
    }


def address(rec: dict) -> str:
    blob = json.dumps(rec, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()[:32]


# ---------------------------------------------------------------- galleries on disk

@dataclass
class Gallery:
    address: str
    manifest: dict
    images: list  # PIL images, in order
    folder: Path

    @property
    def labels(self) -> list[str]:
        return list(self.manifest.get("labels") or [""] * len(self.images))

    def strip_png(self) -> bytes:
        return imgs.png_bytes(imgs.strip(self.images))

    def zip_bytes(self) -> bytes:
        """The frames, the strip, the inputs and the manifest, in one zip."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(MANIFEST, json.dumps(self.manifest, indent=2, ensure_ascii=False))
            for name in self.manifest["frames"] + self.manifest.get("sources", []):
                zf.write(self.folder / name, arcname=name)
            zf.writestr("strip.png", self.strip_png())
        return buf.getvalue()


def root() -> Path:
    return config.cache_dir() / "galleries"


def _valid_address(addr: str) -> bool:
    return isinstance(addr, str) and len(addr) == 32 and all(c in "0123456789abcdef" for c in addr)


def _manifest_of(addr: str):
    """A parser for the manifest of the gallery at `addr`: the manifest, or None when it does not fit."""

    def parse(data: bytes) -> dict | None:
        manifest = json.loads(data)
        frames = manifest["frames"]
        ok = manifest.get("address") == addr and frames and len(frames) == manifest.get("count")
        return manifest if ok else None

    return parse


def open_gallery(addr: str, where: Path | None = None) -> Gallery | None:
    """The saved gallery at `addr`, or None if there is none; a damaged one is removed."""
    if not _valid_address(addr):
        return None
    folder = Path(where or root()) / addr
    if not folder.is_dir():
        return None
    manifest = read_cached(folder / MANIFEST, _manifest_of(addr))
    try:
        if manifest is None:
            raise ValueError("no manifest that matches its folder")
        pictures = [imgs.load_image((folder / name).read_bytes(), name).image for name in manifest["frames"]]
        for name in manifest.get("sources", []):
            if not (folder / name).is_file():
                raise ValueError(f"missing {name}")
    except (OSError, ValueError, TypeError, imgs.ImageError) as exc:
        log.info("gallery %s is damaged (%s); removing it, to be made again", folder, exc)
        shutil.rmtree(folder, ignore_errors=True)
        return None
    return Gallery(addr, manifest, pictures, folder)


def save_gallery(rec: dict, pictures: list, plan: Plan | None = None, extra: dict | None = None,
                 where: Path | None = None) -> Gallery:
    """Write the frames and the manifest under the recipe's address (atomically: a whole folder or none)."""
    addr = address(rec)
    base = Path(where or root())
    base.mkdir(parents=True, exist_ok=True)
    frames = [f"frame-{i:03d}.png" for i in range(len(pictures))]
    sources = [f"input-{i:02d}.png" for i in range(len(plan.sources))] if plan else []
    manifest = {
        "address": addr, "count": len(frames), "frames": frames, "sources": sources,
        "labels": list(plan.labels) if plan else [], "recipe": rec,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **(extra or {}),
    }
    tmp = Path(tempfile.mkdtemp(prefix=f".{addr}.", dir=base))  # filled, then renamed into place whole
    try:
        for name, picture in zip(frames, pictures):
            atomic_write_bytes(tmp / name, imgs.png_bytes(picture))
        for name, src in zip(sources, plan.sources if plan else []):
            atomic_write_bytes(tmp / name, imgs.png_bytes(src.image))
        atomic_write_text(tmp / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        if (base / addr).exists():
            open_gallery(addr, base)  # removes a damaged folder; a good one stays and wins below
        try:
            os.replace(tmp, base / addr)
            fsync_folder(base)  # the rename itself survives a crash
        except OSError:  # another session saved the same gallery first: theirs is as good as ours
            log.info("gallery %s was saved by another session first; keeping theirs", addr)
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    saved = open_gallery(addr, base)
    if saved is None:
        raise OSError(f"the gallery could not be saved under {base}")
    return saved


def list_galleries(where: Path | None = None, limit: int = 50) -> list[dict]:
    """Saved galleries, newest first: address, kind, count, created, first label."""
    base = Path(where or root())
    found = []
    for manifest in base.glob(f"*/{MANIFEST}"):
        try:
            m = json.loads(manifest.read_text(encoding="utf-8"))
            found.append({"address": m["address"], "kind": m["recipe"]["kind"], "count": m["count"],
                          "created": m.get("created", ""), "first": (m.get("labels") or [""])[0],
                          "mtime": manifest.stat().st_mtime})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.info("skipping the gallery manifest %s (%s)", manifest, exc)
    found.sort(key=lambda g: g["mtime"], reverse=True)
    return found[:limit]


def frames_as_images(addr: str, where: Path | None = None) -> list[imgs.LoadedImage]:
    """A saved gallery's frames as inputs for a new one (empty if there is no such gallery)."""
    gallery = open_gallery(addr, where)
    if gallery is None:
        return []
    return [imgs.from_pil(im, f"{addr[:8]} frame {i + 1}") for i, im in enumerate(gallery.images)]


def make_gallery(plan: Plan, clip_model, decoder, *, seed: int, steps: int, noise_level: int = 0,
                 guidance: float | None = None, size: int | None = None, super_res_steps: int | None = None,
                 progress=None, should_stop=None, on_image=None, where: Path | None = None) -> tuple[Gallery, bool]:
    """The gallery for this plan and these settings: opened from disk if it was made before (True), else
    decoded image by image and saved (False). Raises unclip.Stopped if stopped, ValueError on bad settings."""
    settings = dict(seed=seed, steps=steps, noise_level=noise_level, guidance=guidance, size=size,
                    super_res_steps=super_res_steps)
    rec = recipe(plan, clip_model, decoder, **settings)
    found = open_gallery(address(rec), where)
    if found is not None:
        return found, True
    start = time.perf_counter()
    pictures = decoder.generate(plan.embeddings, progress=progress, should_stop=should_stop, on_image=on_image,
                                **settings)
    extra = {"seconds": round(time.perf_counter() - start, 2), "device": decoder.device, "dtype": decoder.dtype,
             "models": {"clip": clip_model.name, "decoder": decoder.name, "decoder_source": decoder.spec.source},
             "versions": _versions()}
    return save_gallery(rec, pictures, plan, extra, where), False


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("diffusers", "transformers", "torch"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            pass
    return out
