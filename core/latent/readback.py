"""Reading points back as texts: which decoder each read-back mode of the Latent lab uses, and what to say.

- "direction": reference texts that score like each point on a direction and resemble it in everything else
  (`core.latent.directional`); the default for steer moves, a choice for the others once a direction is picked.
- "nearest": the nearest texts of a reference corpus, in the page's model (any model, offline).
- "generate": texts generated from the points by the page's model, when it is a bottleneck-T5 autoencoder;
  otherwise no decoder, and the bottleneck models with what each still needs.
- "adapter": through a linear adapter into another model, then generation there (a bottleneck target) or the
  nearest texts of the reference corpus embedded by the target.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.latent import adapters
from core.latent.decoders import AdaptedDecoder, RetrievalDecoder
from core.latent.directional import TOLERANCE, DirectionalDecoder
from core.latent.generation import generative

MODES = {"direction": "Along the direction (score-matched texts)", "nearest": "Nearest texts in a reference corpus",
         "generate": "Generate with bottleneck-T5", "adapter": "Through an adapter into another model"}


def needs_generator(model: str, bottlenecks: list[str]) -> str:
    """The one line the generate mode shows where `model` cannot generate: which models would, and how."""
    if not bottlenecks:
        return (f"{model} cannot generate text. Generation needs a bottleneck-T5 model: register one in "
                "models.yaml (kind: bottleneck-t5; thesephist/contra-bottleneck-t5-base-wikipedia, for example).")
    return (f"{model} cannot generate text. Generation needs a bottleneck-T5 model ({', '.join(bottlenecks)}): "
            "fetch one and opt in to it as its panel below says, then pick it in the sidebar (texts are then "
            "embedded in its space), or read back through an adapter into one.")


@dataclass(frozen=True)
class Readout:
    decoder: object | None  # a Decoder (core.latent.decoders), or None where this mode cannot read back
    notes: tuple[str, ...] = ()  # captions for the page, written by the dashboard (not user text)
    needs: dict = field(default_factory=dict)  # bottleneck model -> None (ready) or what it still needs


def nearest(embedder, reference, label: str | None = None) -> RetrievalDecoder:
    """The nearest texts of `reference`, embedded by `embedder` (through its cache)."""
    return RetrievalDecoder.from_corpus(reference, embedder, name=label)


def along(embedder, reference, direction, start, tolerance: float = TOLERANCE) -> Readout:
    """Texts of `reference` that score like each point on `direction` and resemble it otherwise, with a note
    saying how they were picked; DecodeError for a missing direction, a corpus too small or of another model."""
    decoder = DirectionalDecoder.from_corpus(reference, embedder, direction, start, tolerance=tolerance)
    note = (f"Reading along {direction.title}: each point's texts score within ±{tolerance:g} (calibrated units) of "
            f"the point's own {direction.title.lower()} score (or are the {decoder.band} nearest it); among them, "
            f"the texts most like the point in everything but {direction.title.lower()} come first.")
    return Readout(decoder, (note,))


def default_mode(op: str, previous_op: str | None, mode: str | None) -> str:
    """The read-back mode to show: on a first visit the default of the move (along the direction for a steer,
    nearest texts otherwise); when the move changes between steer and another, the plain defaults swap too
    (along the direction ⇄ nearest texts); any other choice the user made is kept."""
    steering = op == "steer"
    if mode not in MODES:
        return "direction" if steering else "nearest"
    if previous_op is not None and (previous_op == "steer") != steering:
        if steering and mode == "nearest":
            return "direction"
        if not steering and mode == "direction":
            return "nearest"
    return mode


def generation(embedder) -> Readout:
    """The page model's own generator, with its pinned revision, or no decoder and what to fetch."""
    decoder = generative(embedder.encoder, embedder.name)
    if decoder is not None:
        revision = getattr(embedder.encoder, "revision", "") or "unpinned"
        return Readout(decoder, (f"{embedder.name}: revision {revision}, running the code that ships with the "
                                 "model (opted in in models.yaml).",))
    from core.models import bottleneck

    names = bottleneck.bottleneck_models()
    return Readout(None, (needs_generator(embedder.name, names),), {name: bottleneck.availability(name)
                                                                    for name in names})


def adapted(adapter: adapters.Adapter, target, reference) -> AdaptedDecoder:
    """Decode through `adapter` with the target model's generator, or its nearest texts of `reference`."""
    inner = generative(target.encoder, target.name) or nearest(
        target, reference, f"nearest texts in {reference.name} ({target.name})")
    return AdaptedDecoder(adapter, inner)


def read_back(mode: str, embedder, reference=None, target=None, adapter: adapters.Adapter | None = None,
              direction=None, start=None, tolerance: float = TOLERANCE) -> Readout:
    """The decoder of a read-back mode, with the notes to show beside it.

    "direction" needs the reference corpus, the direction to read along and the start embedding (see `along`);
    "nearest" needs the reference corpus; "adapter" the target model's embedder and the adapter into it
    (see `choose_adapter`) and, unless the target generates, the reference corpus."""
    if mode == "direction":
        return along(embedder, reference, direction, start, tolerance)
    if mode == "nearest":
        return Readout(nearest(embedder, reference))
    if mode == "generate":
        return generation(embedder)
    if mode == "adapter":
        if target is None or adapter is None:
            return Readout(None)
        return Readout(adapted(adapter, target, reference))
    raise ValueError(f"Unknown read-back mode {mode!r}; modes: {', '.join(MODES)}.")


# ---------------------------------------------------------------- the adapter into another model

def adapter_methods(embedder, target) -> list[str]:
    """Ridge always; Procrustes (a rotation) only between spaces of equal dimension."""
    return ["ridge"] + (["procrustes"] if target.dim == embedder.dim else [])


def default_target(names: list[str]) -> int:
    """Where the target model choice starts: the offline TF-IDF model when it is there, else the first."""
    from core.models.tfidf import TFIDF_NAME

    return names.index(TFIDF_NAME) if TFIDF_NAME in names else 0


def uploaded_adapter(data: bytes, file_name: str, embedder, target) -> adapters.Adapter:
    """An adapter file someone uploaded, checked to map the page's model into the target's dimensions;
    AdapterError saying what is wrong otherwise."""
    adapter = adapters.load(data, file_name)
    if (adapter.source_dim, adapter.target_dim) != (embedder.dim, target.dim):
        raise adapters.AdapterError(
            f"Incompatible dimensions: {file_name} maps {adapter.source_dim} → {adapter.target_dim} dimensions, "
            f"but {embedder.name} → {target.name} needs {embedder.dim} → {target.dim}.")
    return adapter

