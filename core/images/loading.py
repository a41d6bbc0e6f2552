"""Reading images people upload, safely: size limits, clear errors, content keys; strips and samples.

Every problem becomes an ImageError with a message a person can act on. Files are decoded
by Pillow (never unpickled), checked against a byte and a pixel limit before their pixels are
read, turned upright (EXIF orientation) and converted to RGB on white.
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from core.errors import LatentError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 6300 x 6300; larger files are refused before decoding
MAX_POOL = 16  # images a page works with at once
KEEP_SIDE = 1024  # images are kept (and shown) at most this large; CLIP sees 224 px anyway
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP")
SUFFIXES = ("png", "jpg", "jpeg", "webp", "gif", "bmp")


class ImageError(LatentError, ValueError):
    pass


@dataclass(frozen=True, eq=False)
class LoadedImage:
    name: str
    image: object  # PIL.Image.Image, RGB
    key: str  # sha256 of the file's bytes: what embeddings and galleries are keyed by

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_image(data: bytes, name: str = "image") -> LoadedImage:
    """Decode an uploaded file into an RGB image, or raise ImageError saying what is wrong."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not isinstance(data, (bytes, bytearray)) or not data:
        raise ImageError(f"{name} is empty.")
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageError(f"{name} is {len(data) / 1e6:.1f} MB; images may be at most {MAX_IMAGE_BYTES // 2**20} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))  # lazy: reads the header only
            if im.format not in FORMATS:
                raise ImageError(f"{name} is a {im.format} file; use PNG, JPEG, WebP, GIF or BMP.")
            w, h = im.size
            if w < 1 or h < 1 or w * h > MAX_PIXELS:
                raise ImageError(
                    f"{name} is {w} x {h} pixels; images may have at most {MAX_PIXELS / 1e6:.0f} million pixels."
                )
            im.seek(0)  # the first frame of an animation
            im.load()
            im = ImageOps.exif_transpose(im)
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ImageError(f"{name} is not an image Pillow can read (PNG, JPEG, WebP, GIF or BMP).") from None
        raise ImageError(f"{name} is too large to decode safely.") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise ImageError(f"{name} could not be decoded ({exc}); the file may be truncated or damaged.") from None
    return LoadedImage(name=name, image=_rgb(_shrink(im)), key=content_key(bytes(data)))


def load_many(files: list[tuple[str, bytes]], limit: int = MAX_POOL) -> tuple[list[LoadedImage], list[str]]:
    """Decode uploads: the images (each content once, at most `limit`) and a message per file that failed."""
    loaded, errors, seen = [], [], set()
    for name, data in files:
        try:
            item = load_image(data, name)
        except ImageError as exc:
            errors.append(str(exc))
            continue
        if item.key not in seen:
            seen.add(item.key)
            loaded.append(item)
    if len(loaded) > limit:
        errors.append(f"Using the first {limit} of {len(loaded)} images.")
        loaded = loaded[:limit]
    return loaded, errors


def _shrink(im):
    if max(im.size) > KEEP_SIDE:
        im = im.copy()
        im.thumbnail((KEEP_SIDE, KEEP_SIDE))
    return im


def _rgb(im):
    from PIL import Image

    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, (255, 255, 255))
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return im.convert("RGB")


def from_pil(image, name: str) -> LoadedImage:
    """A LoadedImage for an image made in memory (samples, gallery frames), keyed by its PNG bytes."""
    data = png_bytes(image)
    return LoadedImage(name=name, image=_rgb(image), key=content_key(data))


def png_bytes(image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def strip(images: list, gap: int = 4, background=(255, 255, 255)):
    """The images side by side, scaled to the height of the first, with a gap between them."""
    from PIL import Image

    if not images:
        raise ImageError("no images to put in a strip")
    height = images[0].size[1]
    scaled = [im if im.size[1] == height else im.resize((max(1, round(im.size[0] * height / im.size[1])), height))
              for im in images]
    width = sum(im.size[0] for im in scaled) + gap * (len(scaled) - 1)
    canvas = Image.new("RGB", (width, height), background)
    x = 0
    for im in scaled:
        canvas.paste(im.convert("RGB"), (x, 0))
        x += im.size[0] + gap
    return canvas


def sample_images(side: int = 256) -> list[LoadedImage]:
    """Three drawn pictures to try the page with before uploading anything."""
    from PIL import Image, ImageDraw

    sunset = Image.new("RGB", (side, side))
    draw = ImageDraw.Draw(sunset)
    for y in range(side):
        t = y / side
        draw.line([(0, y), (side, y)], fill=(int(250 - 80 * t), int(140 - 100 * t), int(60 + 120 * t)))
    draw.ellipse([side * 0.35, side * 0.45, side * 0.65, side * 0.75], fill=(255, 220, 90))
    draw.rectangle([0, side * 0.72, side, side], fill=(20, 40, 70))

    face = Image.new("RGB", (side, side), (235, 235, 225))
    draw = ImageDraw.Draw(face)
    draw.ellipse([side * 0.15, side * 0.1, side * 0.85, side * 0.9], fill=(245, 200, 150),
                 outline=(90, 60, 40), width=3)
    for x in (0.35, 0.65):
        draw.ellipse([side * (x - 0.05), side * 0.35, side * (x + 0.05), side * 0.45], fill=(40, 40, 40))
    draw.arc([side * 0.3, side * 0.45, side * 0.7, side * 0.75], 20, 160, fill=(150, 40, 40), width=5)

    tiles = Image.new("RGB", (side, side), (255, 255, 255))
    draw = ImageDraw.Draw(tiles)
    step = side // 8
    for i in range(8):
        for j in range(8):
            if (i + j) % 2:
                draw.rectangle([i * step, j * step, (i + 1) * step - 1, (j + 1) * step - 1], fill=(30, 90, 160))
    return [from_pil(sunset, "sample: sunset"), from_pil(face, "sample: smiling face"),
            from_pil(tiles, "sample: blue tiles")]
