"""The ways a sentence-transformers model can run here ("paths"), and what was measured about them.

A path is a runtime and a precision: PyTorch float32 (the stock baseline), PyTorch bfloat16, ONNX Runtime
float32 and int8 (dynamic, per-channel), OpenVINO float32 and bfloat16. Which are candidates depends on the
machine (bfloat16 only with native support, each runtime only when installed). Which one is used is decided
by measuring on this machine, once per model and CPU (core.directions.fidelity): every candidate's speed on
short texts, and whether what users see stays the same (direction scores, neighbours, a validity figure).
The verdict is remembered beside the cache, keyed by the model's fingerprint and the CPU (model name and the
flags that decide speed), so another CPU measures again.

Paths whose vectors are the same function (float32 on any runtime, cosine >= 0.99999 to PyTorch) share
an identity tag, so their cache entries are shared; every other path has its own tag, so no vector of one
path is ever served as another's.
"""
from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field
from pathlib import Path

from core import config
from core.files import read_cached, write_cached

# CPU flags that change which path is fastest or possible
SPEED_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_bf16", "amx_int8", "amx_tile")


@dataclass(frozen=True)
class Path_:
    name: str
    runtime: str  # torch, onnx, openvino
    precision: str  # float32, bfloat16, int8
    tag: str  # the identity tag: what the vectors are

    @property
    def words(self) -> str:
        names = {"torch": "PyTorch", "onnx": "ONNX Runtime", "openvino": "OpenVINO"}
        return f"{names[self.runtime]} {self.precision}"


PATHS = {p.name: p for p in (
    Path_("torch-float32", "torch", "float32", "float32"),
    Path_("torch-bfloat16", "torch", "bfloat16", "bfloat16"),
    Path_("onnx-float32", "onnx", "float32", "float32"),
    Path_("onnx-int8", "onnx", "int8", "int8-onnx"),
    Path_("openvino-float32", "openvino", "float32", "float32"),
    Path_("openvino-bfloat16", "openvino", "bfloat16", "bfloat16-openvino"),
)}
BASELINE = "torch-float32"
CHECK_VERSION = 2  # what a verdict measured (2: one-text latency; float32 exports from float32 weights)
SAME_FUNCTION = 0.99999  # minimum cosine to the baseline for a path that shares its identity tag
RUNTIMES = ("torch", "onnx", "openvino")
PRECISIONS = ("float32", "bfloat16", "int8")


def cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def has_fast_bf16(flags: set[str] | None = None) -> bool:
    """True where the CPU has native bfloat16 arithmetic (AVX-512 BF16 or AMX)."""
    return bool((cpu_flags() if flags is None else flags) & {"avx512_bf16", "amx_bf16"})


def cpu_key() -> dict:
    """What identifies this CPU for speed: its model name and the flags that matter."""
    flags = cpu_flags()
    return {"cpu": cpu_model(), "flags": sorted(f for f in SPEED_FLAGS if f in flags)}


def candidates(have_onnx: bool, have_openvino: bool, flags: set[str] | None = None) -> list[str]:
    """The paths worth measuring on this machine, baseline first."""
    bf16 = has_fast_bf16(flags)
    out = [BASELINE] + (["torch-bfloat16"] if bf16 else [])
    if have_onnx:
        out += ["onnx-float32", "onnx-int8"]
    if have_openvino and have_onnx:  # OpenVINO compiles the ONNX export
        out += ["openvino-float32"] + (["openvino-bfloat16"] if bf16 else [])
    return out


def forced(runtime: str, precision: str) -> list[str]:
    """The paths a LATENT_RUNTIME / LATENT_PRECISION pair allows ("auto" allows any), in preference order."""
    return [n for n, p in PATHS.items() if runtime in ("auto", p.runtime) and precision in ("auto", p.precision)]


@dataclass
class Verdict:
    """What the check measured for one model on one CPU: each path's speed and fidelity, and the choice."""

    chosen: str
    cpu: dict
    paths: dict = field(default_factory=dict)  # name -> {"passed", "why", "rate", "speedup", "pearson", ...}
    texts: int = 0
    dim: int = 0

    def to_json(self) -> bytes:
        return json.dumps({"chosen": self.chosen, "cpu": self.cpu, "paths": self.paths, "texts": self.texts,
                           "dim": self.dim}, indent=1).encode("utf-8")

    @property
    def speedup(self) -> float | None:
        return (self.paths.get(self.chosen) or {}).get("speedup")

    def summary(self) -> str:
        p = self.paths.get(self.chosen) or {}
        speed = f"{p['speedup']:.2f}x stock float32" if p.get("speedup") else "speed not measured"
        if p.get("ms") is not None:
            speed += f", one text in {p['ms']:.1f} ms"
        fid = (f"scores r >= {p['pearson']:.4f}, neighbours {p['overlap']:.3f}"
               if p.get("pearson") is not None else "the reference")
        return f"{PATHS[self.chosen].words}: {speed}; {fid}"


def verdict_path(fingerprint: str) -> Path:
    key = cpu_key() | {"check": CHECK_VERSION}  # an older check's verdict is measured again
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return config.cache_dir() / "models" / f"{fingerprint}-paths-{digest}.json"


def read_verdict(fingerprint: str) -> Verdict | None:
    """The remembered verdict for this model folder on this CPU, or None (never checked, or unreadable)."""
    def parse(data: bytes) -> Verdict | None:
        raw = json.loads(data)
        if not isinstance(raw, dict) or raw.get("chosen") not in PATHS or raw.get("cpu") != cpu_key() \
                or not isinstance(raw.get("paths"), dict) or not isinstance(raw.get("dim"), int):
            return None
        return Verdict(raw["chosen"], raw["cpu"], raw["paths"], int(raw.get("texts") or 0), raw["dim"])

    return read_cached(verdict_path(fingerprint), parse)


def write_verdict(fingerprint: str, verdict: Verdict) -> None:
    write_cached(verdict_path(fingerprint), verdict.to_json())
