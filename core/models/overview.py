"""What Home says about each model: whether it is here, whether the dashboard needs it, what it unlocks.

Only the default text model is needed; every other model is optional and adds one capability. A missing
optional model is listed as "not on this machine (optional)" with what it would add and how to get it,
so a fresh install does not read as a broken one.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.models import folders, paths, registry

# What each kind of model adds to the dashboard.
UNLOCKS = {
    "sentence-transformers": "scores texts on directions on every page",
    "tfidf": "a word-count baseline to hold the neural models' figures against (Directions, Validity)",
    "bottleneck-t5": "generates new text from a vector in the Latent lab (decode, steer, interpolate)",
    "clip": "the Images page: CLIP-space galleries and images scored on directions",
}


@dataclass(frozen=True)
class ModelRow:
    model: str
    status: str  # "loaded", "ready", "missing" (the default model) or "optional, not here"
    needed: bool
    unlocks: str
    details: str  # the description when usable, else how to get it
    runs_on: str = ""  # the path a loaded model runs on, its measured speed-up and fidelity


def runs_on(encoder) -> str:
    """How a loaded encoder runs: its measured path (speed-up, fidelity) or its provisional one."""
    name = getattr(encoder, "path_name", None)
    if name is None:
        return str(getattr(encoder, "precision", "") or "")
    verdict = getattr(encoder, "verdict", None)
    if verdict is not None:
        return verdict.summary()
    return f"{paths.PATHS[name].words} (provisional: its paths are measured on first use on this CPU)"


def measured(spec) -> str:
    """The remembered verdict of a model that is not loaded (sentence-transformers only), read without loading."""
    if spec.kind != "sentence-transformers":
        return ""
    try:
        verdict = paths.read_verdict(registry.folder_fingerprint(registry.resolve_source(spec)))
    except (registry.ModelError, folders.FolderRefused, OSError):
        return ""
    return verdict.summary() if verdict is not None else "not measured on this CPU yet (measured on first use)"


def status_word(status: str, needed: bool) -> str:
    if status in ("loaded", "ready"):
        return status
    return "missing" if needed else "optional, not here"


def rows() -> list[ModelRow]:
    """One row per registered model, the default first."""
    out = []
    loaded = registry.loaded_encoders()
    for name, spec in registry.registry().items():
        status = registry.model_status(name)
        needed = name == registry.DEFAULT_MODEL
        usable = status in ("loaded", "ready")
        enc = loaded.get(name)
        out.append(ModelRow(
            model=name, status=status_word(status, needed), needed=needed,
            unlocks=UNLOCKS.get(spec.kind, f"a {spec.kind} model"),
            details=spec.description if usable else status,
            runs_on=runs_on(enc) if enc is not None else (measured(spec) if usable else "")))
    return sorted(out, key=lambda r: (not r.needed, r.model))


def summary(found: list[ModelRow]) -> str:
    """One sentence for above the table: is the install complete, and what do the optional models add."""
    needed = [r for r in found if r.needed]
    broken = [r.model for r in needed if r.status == "missing"]
    optional = [r for r in found if not r.needed]
    here = sum(r.status in ("loaded", "ready") for r in optional)
    head = (f"The default model {broken[0]} is missing, so nothing can be scored: see its details below."
            if broken else "The default model is here, so every page works.")
    return (f"{head} {here} of {len(optional)} optional models are on this machine; each one that is missing "
            "only leaves out what its row says it unlocks.")
