"""Bottleneck-T5 autoencoders: embed texts and generate texts back from (edited) embeddings.

The checkpoints `thesephist/contra-bottleneck-t5-{small,base,large,xl}-wikipedia` (MIT licence) are T5
encoder-decoders with their own modelling code. Encoding: `model(input_ids, encode_only=True)` gives one unit
vector per text. Decoding: the model adds `model.perturb_vector` to the embedding of a placeholder text, so
setting it to (latent - embedding of ".") and calling `generate` on "." reads the latent back.

Running a model's own code needs `trust_remote_code`, so a checkpoint loads only after its user opted in for it
at a pinned commit, in `models.yaml`:

    models:
      - name: bottleneck-t5-base
        kind: bottleneck-t5
        source: thesephist/contra-bottleneck-t5-base-wikipedia
        trust_remote_code: true
        revision: <the 40-character commit you reviewed>

One model object serves every session: `BottleneckAutoencoder` sets the perturbation only under its lock and
restores the previous value when the call ends, whatever happens; sampling is seeded without touching the
global random state. torch and transformers are imported only when a model loads. The Decoder over an
autoencoder (generated texts for points) is `core.latent.generation.BottleneckDecoder`.
"""
from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import numpy as np

from core import config
from core.models import registry as encoders
from core.models.registry import ModelSpec, ModelUnavailable
from core.vectors import unit_rows

log = logging.getLogger(__name__)

KIND = "bottleneck-t5"
SIZES = {"small": 512, "base": 768, "large": 1024, "xl": 2048}
COMMIT_RE = re.compile(r"^[0-9a-f]{40}$")
DUMMY_TEXT = "."

SPECS = [
    ModelSpec(
        name=f"bottleneck-t5-{size}", source=f"thesephist/contra-bottleneck-t5-{size}-wikipedia", kind=KIND,
        description=f"Bottleneck-T5 {size} autoencoder ({dim} dimensions, MIT licence): embeds texts and generates "
                    "them back. Runs code shipped with the model: opt in at a pinned revision first.",
        options={"trust_remote_code": False, "revision": None, "dim": dim},
    )
    for size, dim in SIZES.items()
]


# ---------------------------------------------------------------- opt-in and availability

def options(spec: ModelSpec) -> dict:
    """The spec's options, overridden by `trust_remote_code` and `revision` from its models.yaml entry."""
    entry = encoders.user_entry(spec.name)
    return {**spec.options, **{k: entry[k] for k in ("trust_remote_code", "revision") if k in entry}}


def _snapshot(source: str, revision: str | None = None) -> Path | None:
    """The model's folder in the Hugging Face cache (never downloads), or None when it is not there."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=source, revision=revision, local_files_only=True))
    except (ImportError, OSError, ValueError):  # not in the cache (LocalEntryNotFoundError), or a bad repo id
        return None


def opt_in_help(spec: ModelSpec) -> str:
    """What to add to models.yaml to allow this model's code to run, as markdown."""
    cached = _snapshot(spec.source) if spec.source.count("/") == 1 else None
    have = cached.name if cached else None
    hint = (f" The copy in this machine's Hugging Face cache is at revision `{have}`; review its code "
            f"(the `*.py` files) before you pin it." if have and COMMIT_RE.match(have) else
            f" Fetch it on a machine with network access with `hf download {spec.source}`; the folder name under "
            "`snapshots/` in the cache is the revision.")
    return (
        f"Model {spec.name!r} ({spec.source}) runs Python code that ships with the model, so it loads only after "
        f"you opt in for it at a pinned revision. Add this entry to `{config.models_file()}`:\n\n"
        f"```yaml\nmodels:\n  - name: {spec.name}\n    kind: {KIND}\n    source: {spec.source}\n"
        f"    trust_remote_code: true\n    revision: {have or '<40-character commit hash>'}\n```\n\n" + hint.strip()
    )


def pinned_revision(spec: ModelSpec) -> str:
    """The revision the user pinned when opting in, or ModelUnavailable saying how to opt in."""
    opts = options(spec)
    revision = str(opts.get("revision") or "").strip().lower()
    if opts.get("trust_remote_code") is not True or not revision:
        raise ModelUnavailable(opt_in_help(spec))
    if not COMMIT_RE.match(revision):
        raise ModelUnavailable(f"Model {spec.name!r}: pin a full 40-character commit hash as `revision`, not "
                               f"{revision!r} (a branch or tag can move to code you have not reviewed).")
    return revision


def weights_path(spec: ModelSpec, revision: str) -> Path:
    """The folder holding the model at the pinned revision, or ModelUnavailable saying how to get it."""
    local = Path(spec.source).expanduser()
    if local.is_dir():
        if COMMIT_RE.match(local.name) and local.name != revision:
            raise ModelUnavailable(f"Model {spec.name!r}: the folder {local} is revision {local.name}, "
                                   f"but {revision} is pinned.")
        return local
    folder = _snapshot(spec.source, revision)
    if folder is None:
        raise ModelUnavailable(
            f"Model {spec.name!r} ({spec.source}) at revision {revision} is not on this machine. Fetch it once on a "
            f"machine with network access: `hf download {spec.source} --revision {revision}` (about "
            f"{_size_hint(spec)}), or copy the model folder here and give its path as `source`."
        )
    return folder


def _size_hint(spec: ModelSpec) -> str:
    sizes = {"small": "0.3 GB", "base": "0.9 GB", "large": "3 GB", "xl": "11 GB"}
    return next((gb for size, gb in sizes.items() if f"-{size}-" in spec.source or spec.name.endswith(size)),
                "a few GB")


def availability(name: str) -> str | None:
    """None when `name` is a bottleneck model that can load here, else what is missing and how to get it."""
    try:
        spec = encoders.get_spec(name)
        if spec.kind != KIND:
            return f"Model {name!r} is not a bottleneck-T5 model (its kind is {spec.kind!r})."
        if name in encoders.loaded_encoders():
            return None
        weights_path(spec, pinned_revision(spec))
        return None
    except encoders.ModelError as exc:
        return str(exc)


def bottleneck_models() -> list[str]:
    return [name for name, spec in encoders.registry().items() if spec.kind == KIND]


# ---------------------------------------------------------------- the autoencoder

class BottleneckAutoencoder:
    """A bottleneck model and its tokenizer behind one lock.

    The model follows the calling convention of the checkpoints: `model(input_ids=..., attention_mask=...,
    decoder_input_ids=..., encode_only=True)` returns the embeddings (first element), and `generate` reads the
    perturbation in `model.perturb_vector`.
    """

    def __init__(self, model, tokenizer, dummy_text: str = DUMMY_TEXT, max_length: int = 64, top_p: float = 0.9,
                 batch_size: int = 32):
        import torch

        self._torch = torch
        self.model = model
        self.tokenizer = tokenizer
        self.dummy_text = dummy_text
        self.max_length = int(max_length)
        self.top_p = float(top_p)
        self.batch_size = int(batch_size)
        self._lock = threading.RLock()
        self.generate_calls = 0
        self._dummy = self.encode([dummy_text])[0]
        self.dim = int(self._dummy.shape[0])

    @property
    def device(self):
        return next(self.model.parameters()).device

    def encode(self, texts: list[str]):
        """(N, dim) float tensor, one embedding per text. Texts are batched with others of the same token length,
        so no padding enters the pooled embedding and results equal those of one text at a time."""
        torch = self._torch
        if not texts:
            return torch.zeros((0, getattr(self, "dim", 0)))
        ids = self.tokenizer(list(texts), truncation=True, max_length=512)["input_ids"]
        start = self.tokenizer([""], return_tensors="pt")["input_ids"]
        out: list = [None] * len(ids)
        groups: dict[int, list[int]] = {}
        for i, row in enumerate(ids):
            groups.setdefault(len(row), []).append(i)
        with self._lock, torch.inference_mode():
            for rows in groups.values():
                for at in range(0, len(rows), self.batch_size):
                    part = rows[at:at + self.batch_size]
                    batch = torch.tensor([ids[i] for i in part], device=self.device)
                    result = self.model(input_ids=batch, attention_mask=torch.ones_like(batch),
                                        decoder_input_ids=start.to(self.device).expand(len(part), -1),
                                        encode_only=True)
                    emb = result if torch.is_tensor(result) else result[0]
                    for i, vec in zip(part, emb.reshape(len(part), -1).float().cpu()):
                        out[i] = vec
        return torch.stack(out)

    def generate_from_latent(self, latents, n: int = 1, temperature: float = 1.0, seed: int = 0,
                             max_length: int | None = None) -> list[list[str]]:
        """n texts for each latent (rows, normalised to length 1), reproducible for a seed; temperature 0 is
        greedy. All rows are generated together, in batches of `batch_size`."""
        torch = self._torch
        Z = torch.as_tensor(np.asarray(latents, dtype=np.float32))
        Z = Z[None, :] if Z.ndim == 1 else Z
        if Z.ndim != 2 or Z.shape[1] != self.dim:
            raise ValueError(f"latents must have {self.dim} dimensions, got shape {tuple(Z.shape)}")
        norms = Z.norm(dim=1, keepdim=True)
        if not torch.isfinite(Z).all() or (norms == 0).any():
            raise ValueError("latents must be finite and non-zero")
        rows = (Z / norms).repeat_interleave(int(n), dim=0)
        dummy_ids = self.tokenizer([self.dummy_text], return_tensors="pt")["input_ids"]
        sample = {"do_sample": True, "temperature": float(temperature), "top_p": self.top_p} if temperature > 0 \
            else {"do_sample": False}
        texts: list[str] = []
        model = self.model
        with self._lock:
            had = hasattr(model, "perturb_vector")
            previous = getattr(model, "perturb_vector", None)
            devices = [self.device.index if self.device.index is not None else torch.cuda.current_device()] \
                if self.device.type == "cuda" else []
            try:
                with torch.random.fork_rng(devices=devices), torch.inference_mode():
                    torch.manual_seed(int(seed))
                    for at in range(0, len(rows), self.batch_size):
                        part = rows[at:at + self.batch_size].to(self.device)
                        model.perturb_vector = part - self._dummy.to(self.device)
                        ids = dummy_ids.to(self.device).expand(len(part), -1)
                        self.generate_calls += 1
                        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                                             max_length=int(max_length or self.max_length),
                                             num_return_sequences=1, **sample)
                        texts += self.tokenizer.batch_decode(out, skip_special_tokens=True)
            finally:
                if had:
                    model.perturb_vector = previous
                else:
                    try:
                        delattr(model, "perturb_vector")
                    except AttributeError:
                        pass
        texts = [t.strip() for t in texts]
        return [texts[i * n:(i + 1) * n] for i in range(len(Z))]


class BottleneckEncoder:
    """The Encoder contract over a bottleneck autoencoder (so texts embed in the space it decodes)."""

    def __init__(self, name: str, autoencoder: BottleneckAutoencoder, identity: str, revision: str = ""):
        self.name = name
        self.autoencoder = autoencoder
        self.dim = autoencoder.dim
        self.identity = identity
        self.revision = revision

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return unit_rows(self.autoencoder.encode(list(texts)).numpy())


# ---------------------------------------------------------------- loading

def load_autoencoder(path: Path) -> BottleneckAutoencoder:
    """The checkpoint in `path`, with the code it ships (the caller checked the opt-in; tests put a tiny
    model in its place)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path), model_max_length=512, local_files_only=True)
    model = AutoModelForCausalLM.from_pretrained(str(path), trust_remote_code=True, local_files_only=True)
    model = model.to("cuda" if torch.cuda.is_available() else "cpu").eval()
    return BottleneckAutoencoder(model, tokenizer)


def load(spec: ModelSpec, path: Path) -> BottleneckEncoder:
    """The backend loader for kind "bottleneck-t5": refuses unless the user opted in at a pinned revision."""
    revision = pinned_revision(spec)
    folder = weights_path(spec, revision)
    log.info("loading %s from %s at revision %s, running the code it ships (opted in)", spec.name, folder, revision)
    autoencoder = load_autoencoder(folder)
    identity = f"{spec.name}:{revision[:12]}:{encoders.folder_fingerprint(folder)}"
    return BottleneckEncoder(spec.name, autoencoder, identity, revision)


encoders.register_backend(KIND, load)
