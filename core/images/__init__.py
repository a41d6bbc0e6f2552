"""Images in CLIP's joint space: reading uploads, joint-space maths and directions, unCLIP decoders, galleries.

Modules: loading (safe image files, strips, samples), clip_space (interpolation, arithmetic, directions from
text poles or example images, images and texts to score), unclip_specs (which decoders exist, their status,
requirements and time estimates), unclip (a loaded pipeline generating pictures), galleries (plans, and
finished galleries as files). The names below are the package's public surface. Importing it is light:
torch and diffusers load with the first decoder.
"""
from core.images.clip_space import (
    image_direction,
    images_and_texts,
    interpolation_path,
    mix,
    parse_poles,
    scoring_directions,
    text_direction,
    text_directions,
    unit_images,
)
from core.images.galleries import (
    Gallery,
    Plan,
    address,
    frames_as_images,
    list_galleries,
    make_gallery,
    open_gallery,
    plan_arithmetic,
    plan_interpolation,
    recipe,
    save_gallery,
)
from core.images.loading import (
    ImageError,
    LoadedImage,
    from_pil,
    load_image,
    load_many,
    png_bytes,
    sample_images,
    strip,
)
from core.images.unclip import Decoder, Stopped, get_decoder, register_pipeline
from core.images.unclip_specs import (
    DECODERS,
    DEFAULT_DECODER,
    KARLO,
    READY,
    STABLE,
    DecoderSpec,
    choose_device,
    decoder_names,
    decoder_status,
    estimate_seconds,
    first_ready,
    get_decoder_spec,
    loaded,
    register_spec,
    requirements,
    unregister,
)

__all__ = [
    "DECODERS", "DEFAULT_DECODER", "KARLO", "READY", "STABLE", "Decoder", "DecoderSpec", "Gallery", "ImageError",
    "LoadedImage", "Plan", "Stopped", "address", "choose_device", "decoder_names", "decoder_status",
    "estimate_seconds", "first_ready", "frames_as_images", "from_pil", "get_decoder", "get_decoder_spec",
    "image_direction", "images_and_texts", "interpolation_path", "list_galleries", "load_image", "load_many",
    "loaded", "make_gallery", "mix", "open_gallery", "parse_poles", "plan_arithmetic", "plan_interpolation",
    "png_bytes", "recipe", "register_pipeline", "register_spec", "requirements", "sample_images", "save_gallery",
    "scoring_directions", "strip", "text_direction", "text_directions", "unit_images", "unregister",
]
