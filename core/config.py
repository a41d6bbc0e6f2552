"""Where things live. Each location can be moved with an environment variable."""
from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")


def directions_dir() -> Path:
    """The curated direction data sets (`LATENT_DIRECTIONS_DIR`, default `directions/`)."""
    return Path(os.environ.get("LATENT_DIRECTIONS_DIR") or PROJECT_ROOT / "directions")


def cache_dir() -> Path:
    """The disposable cache of embeddings and derived vectors.

    `LATENT_CACHE_DIR`, default `~/.cache/latent-dashboard`.
    """
    default = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "latent-dashboard"
    return Path(os.environ.get("LATENT_CACHE_DIR") or default)


def models_file() -> Path:
    """The user's model list (`LATENT_MODELS_FILE`, default `models.yaml` at the top level)."""
    return Path(os.environ.get("LATENT_MODELS_FILE") or PROJECT_ROOT / "models.yaml")


def benchmarks_dir() -> Path:
    """The human-rated yardstick sets (`LATENT_BENCHMARKS_DIR`, default `../shared/benchmarks` beside the project)."""
    return Path(os.environ.get("LATENT_BENCHMARKS_DIR") or PROJECT_ROOT.parent / "shared" / "benchmarks")


def valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name or ""))


def check_name(name: str, what: str = "name") -> str:
    """Return `name` if it can become a file name, else raise ValueError with the rule."""
    if not valid_name(name):
        raise ValueError(
            f"Invalid {what} {name!r}: use 1-64 letters, digits, '-' or '_', starting with a letter or digit."
        )
    return name
