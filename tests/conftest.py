"""Test set-up: a private cache folder, no network, and a fake encoder with planted directions."""
from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from pathlib import Path

# Before anything imports core: caches go to a throwaway folder, hub access is off.
_CACHE = tempfile.mkdtemp(prefix="latent-test-cache-")
os.environ["LATENT_CACHE_DIR"] = _CACHE
os.environ["LATENT_MODELS_FILE"] = str(Path(_CACHE) / "models.yaml")
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["LATENT_PATH_CHECK"] = "off"  # the suite runs on the provisional path; tests/models/test_paths.py checks paths
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["STREAMLIT_CLIENT_SHOW_ERROR_DETAILS"] = "full"  # tests see real errors; viewers do not

import numpy as np
import pytest
import streamlit.config

# config.toml hides error details from viewers; tests need to see them
streamlit.config.set_option("client.showErrorDetails", "full")

ROOT = Path(__file__).resolve().parent.parent

# shared fixtures live in tests/fixtures/ (one module per area), never in test modules
pytest_plugins = [f"tests.fixtures.{p.stem}" for p in sorted((Path(__file__).parent / "fixtures").glob("[!_]*.py"))]
SHARED = ROOT.parent / "shared"

_real_connect = socket.socket.connect


def _guarded_connect(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and (host in ("localhost", "::1") or host.startswith("127.") or host.startswith("/")):
        return _real_connect(self, address)
    raise OSError(f"tests may not touch the network (tried {address!r})")


socket.socket.connect = _guarded_connect


class FakeEncoder:
    """Deterministic: each word gets a fixed random vector; planted words add a known axis.

    Texts containing words of PLANTED[axis][1] move along +axis, those of PLANTED[axis][0] along -axis.
    """

    DIM = 32
    PLANTED = {0: ({"sad", "awful", "grim"}, {"happy", "great", "lovely"}), 1: ({"tiny"}, {"huge"})}

    def __init__(self, spec=None, path=None, name="fake"):
        self.name = getattr(spec, "name", name)
        self.dim = self.DIM
        self.identity = f"{self.name}:fake-v1"
        self.calls = 0
        self.texts_seen = 0

    def _word(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
        v = np.random.default_rng(seed).normal(size=self.DIM)
        v[: len(self.PLANTED)] = 0.0  # planted axes carry only the planted signal
        return v

    def encode(self, texts):
        self.calls += 1
        self.texts_seen += len(texts)
        out = np.zeros((len(texts), self.DIM))
        for i, text in enumerate(texts):
            words = text.lower().split() or [""]
            out[i] = sum(self._word(w) for w in words) / len(words)
            for axis, (neg, pos) in self.PLANTED.items():
                out[i, axis] += 3.0 * (sum(w in pos for w in words) - sum(w in neg for w in words))
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        return out.astype(np.float32)


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


@pytest.fixture
def cache_root(tmp_path):
    return tmp_path / "cache"


@pytest.fixture
def directions_copy(tmp_path, monkeypatch):
    """Point the app at a private copy of some shipped direction files (all of them by default),
    so tests that save never touch the repository's `directions/`."""

    def make(*names: str) -> Path:
        import shutil

        folder = tmp_path / "directions"
        folder.mkdir(exist_ok=True)
        (folder / "checks").mkdir(exist_ok=True)
        for path in sorted((ROOT / "directions").glob("*.yaml")):
            if not names or path.stem in names:
                shutil.copy(path, folder)
                check = ROOT / "directions" / "checks" / path.name  # its clear-cut check travels with it
                if check.exists():
                    shutil.copy(check, folder / "checks")
        monkeypatch.setenv("LATENT_DIRECTIONS_DIR", str(folder))
        return folder

    return make


BROWSER_HINT = ("Browser tests were skipped: Debian's Chromium is not at {path}. Enable them with: "
                "sudo apt-get install -y chromium fonts-dejavu-core (.ci/run does this).")


def pytest_terminal_summary(terminalreporter):
    """Say so when the browser tests were skipped for want of Chromium, instead of one silent 's'."""
    skipped = terminalreporter.stats.get("skipped", [])
    if any("chromium" in str(getattr(r, "longrepr", "")).lower() for r in skipped):
        path = os.environ.get("LATENT_CHROMIUM", "/usr/bin/chromium")
        terminalreporter.write_line(BROWSER_HINT.format(path=path), yellow=True, bold=True)
