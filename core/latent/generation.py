"""Generative decoders: texts generated back from points, by a bottleneck-T5 autoencoder.

`BottleneckDecoder` is the Decoder contract (`core.latent.decoders`) over a loaded
`core.models.bottleneck.BottleneckAutoencoder`; `generative(encoder)` finds one behind any encoder (None when
the encoder cannot generate), and `decoder_for(name)` loads a registered bottleneck model by name.
"""
from __future__ import annotations

from core.latent.decoders import as_latents
from core.models.bottleneck import BottleneckAutoencoder
from core.models.registry import ModelUnavailable


class BottleneckDecoder:
    """The Decoder protocol over a bottleneck autoencoder: generated texts, seeded."""

    generative = True

    def __init__(self, autoencoder: BottleneckAutoencoder, name: str = "bottleneck-T5", max_length: int | None = None):
        self.autoencoder = autoencoder
        self.dim = autoencoder.dim
        self.name = f"{name} generation"
        self.max_length = max_length

    def decode(self, latents, n: int = 1, temperature: float = 1.0, seed: int = 0) -> list[list[str]]:
        Z = as_latents(latents, self.dim, self.name)
        return self.autoencoder.generate_from_latent(Z, n, temperature, seed, self.max_length)


def generative(encoder, name: str | None = None) -> BottleneckDecoder | None:
    """The generative decoder behind `encoder` (a bottleneck model's encoder), or None when it has none."""
    autoencoder = getattr(encoder, "autoencoder", None)
    if not isinstance(autoencoder, BottleneckAutoencoder):
        return None
    return BottleneckDecoder(autoencoder, name or getattr(encoder, "name", "bottleneck-T5"))


def decoder_for(name: str) -> BottleneckDecoder:
    """The generative decoder of a registered bottleneck model (loading it on first use); ModelUnavailable
    for a model that cannot generate text."""
    from core.models.registry import get_encoder

    decoder = generative(get_encoder(name), name)
    if decoder is None:
        raise ModelUnavailable(f"Model {name!r} is not a bottleneck-T5 model, so it cannot generate text.")
    return decoder
