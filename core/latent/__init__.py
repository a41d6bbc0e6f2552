"""Latent: operations on embeddings and reading points back as texts.

Modules: ops (blur, steer, splice, lerp/slerp, arithmetic), trail (the Latent lab's moves, undo, JSON),
lab (a move's settings from the widgets' values), decoders (the Decoder contract, nearest texts, adapted
decoding, stepping with progress, result tables), directional (texts read along a direction: score-matched,
most alike in the rest, and their table), generation (bottleneck-T5 generation), readback (which
decoder a read-back mode uses), adapters (linear maps between models). The names below are the package's
public surface; the trail's functions are used as `core.latent.trail.run` and so on.
"""
from core.latent.adapters import (
    Adapter,
    AdapterError,
    between,
    carried_agreement,
    fit_adapter,
)
from core.latent.decoders import (
    AdaptedDecoder,
    DecodeError,
    Decoder,
    RetrievalDecoder,
    as_latents,
    decode_all,
    decode_steps,
    decoded_frame,
    points_frame,
)
from core.latent.directional import DirectionalDecoder, complement_cosine, directional_frame
from core.latent.generation import BottleneckDecoder, decoder_for, generative
from core.latent.lab import (
    arithmetic_move,
    chosen_datasets,
    generation_key,
    new_generation,
    steer_params,
    with_steer_direction,
)
from core.latent.ops import arithmetic, blur, lerp, normalize, slerp, splice, steer
from core.latent.readback import (
    MODES,
    Readout,
    adapted,
    along,
    default_mode,
    nearest,
    read_back,
    uploaded_adapter,
)
from core.latent.trail import OPS, Move, Trail, TrailError

__all__ = [
    "MODES", "OPS", "AdaptedDecoder", "Adapter", "AdapterError", "BottleneckDecoder", "DecodeError", "Decoder",
    "DirectionalDecoder", "Move", "Readout", "RetrievalDecoder", "Trail", "TrailError", "adapted", "along",
    "arithmetic", "arithmetic_move", "as_latents", "between", "blur", "carried_agreement", "chosen_datasets",
    "complement_cosine", "decode_all", "decode_steps", "decoded_frame", "decoder_for", "default_mode",
    "directional_frame", "fit_adapter", "generation_key", "generative", "lerp", "nearest",
    "new_generation", "normalize", "points_frame", "read_back", "slerp", "splice", "steer", "steer_params",
    "uploaded_adapter", "with_steer_direction",
]
