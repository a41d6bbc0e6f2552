"""CLIP's joint space: interpolation paths, image-plus-text arithmetic, directions from text poles or
example images, and images and texts as rows of one matrix to score. The vector maths lives in
core.latent.ops; image embeddings come from core.store.images.
"""
from __future__ import annotations

import numpy as np

from core.directions.build import Direction, build_directions, direction_from_embeddings
from core.directions.datasets import DatasetError, DirectionDataset, validate
from core.images.loading import LoadedImage
from core.io.inputs import split_lines
from core.latent import ops as latent
from core.store.images import embed_images
from core.vectors import unit_rows

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
    for number, line in enumerate(split_lines(text or ""), 1):
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


def scoring_directions(embedder, model, poles: str, negative: list[LoadedImage] = (),
                       positive: list[LoadedImage] = (), negative_label: str = "",
                       positive_label: str = "") -> list[Direction]:
    """The directions written as pole lines, plus one named "example-images" from the labelled example images
    when both poles have some (blank labels read "negative examples" / "positive examples")."""
    directions = text_directions(embedder, poles)
    if negative and positive:
        directions.append(image_direction(model, "example-images", list(negative), list(positive),
                                          negative_label.strip() or "negative examples",
                                          positive_label.strip() or "positive examples"))
    return directions


def images_and_texts(model, embedder, images: list[LoadedImage], texts: list[str]) -> tuple[list[str], np.ndarray]:
    """Row labels ("image: <name>", then the texts) and their unit embeddings in the joint space, in that order."""
    labels = [f"image: {im.name}" for im in images] + list(texts)
    return labels, np.vstack([unit_images(model, images), embedder.embed(list(texts))])
