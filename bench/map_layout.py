"""The Map's UMAP layout of the built-in sample corpus after a restart: cold, warm, and what each cache saves.

Each run is a fresh Python process (as a restarted dashboard is) that loads the sample corpus, the default
model and its embeddings, and computes the Map's UMAP layout the way pages/4_Map.py asks for it. The runs
share a throwaway cache folder (LATENT_CACHE_DIR) and numba cache (NUMBA_CACHE_DIR):

1. before: the previous code path (UMAP's own neighbour search, its kernels compiled in every process, no
   layout file), with numba's default cache as the install left it;
2. cold: empty caches: the model embeds the corpus, numba compiles, UMAP lays out, the layout is saved;
3. warm restart: the same caches: embeddings and layout read from the cache folder;
4. new layout, numba warm: the layout files removed: UMAP runs again on numba's cached code;
5. new layout, numba cold: the layout files and numba's cache removed: what the numba cache saves.

    .venv/bin/python bench/map_layout.py
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(old: bool) -> None:
    """One restart: print the seconds of each phase as JSON."""
    sys.path.insert(0, str(ROOT))
    t, phases = time.perf_counter(), {}

    def lap(name: str) -> None:
        nonlocal t
        phases[name] = round(time.perf_counter() - t, 2)
        t = time.perf_counter()

    from core.io.corpus import embed_corpus, sample_corpus
    from core.store.embedder import get_embedder

    lap("import")
    chosen, embedder = sample_corpus(), get_embedder()
    lap("model")
    E = embed_corpus(chosen, embedder)
    lap("embeddings")
    if old:
        import umap

        reducer = umap.UMAP(n_neighbors=15, n_components=2, metric="cosine", random_state=0, n_jobs=1,
                            low_memory=True)
        coords = reducer.fit_transform(E)
    else:
        from core.explore import layout as mapping

        coords = mapping.layout(chosen.key + embedder.encoder.identity, "umap", E, n_neighbors=15)
    lap("umap layout")
    assert coords.shape == (len(chosen.texts), 2)
    print(json.dumps(phases))


def run(label: str, env: dict, old: bool = False) -> None:
    t = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--old" if old else "--child"], env=env, cwd=ROOT,
                         capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t
    phases = json.loads(out.stdout.strip().splitlines()[-1])
    detail = ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
    print(f"{label:<34} {wall:6.1f} s  ({detail})", flush=True)


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="bench-map-layout-"))
    cache, numba = root / "cache", root / "numba"
    base = {**os.environ, "HF_HUB_OFFLINE": "1", "LATENT_CACHE_DIR": str(cache)}
    base.pop("NUMBA_CACHE_DIR", None)
    print(f"fresh processes, 2,100 sample texts, caches under {root}")
    try:
        run("1. before (old code path)", {**base, "LATENT_CACHE_DIR": str(root / "before")}, old=True)
        env = {**base, "NUMBA_CACHE_DIR": str(numba)}
        run("2. cold (empty caches)", env)
        run("3. warm restart", env)
        shutil.rmtree(cache / "layouts")
        run("4. new layout, numba cache warm", env)
        shutil.rmtree(cache / "layouts")
        shutil.rmtree(numba)
        run("5. new layout, numba cache cold", env)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] in ("--child", "--old"):
        child(old=sys.argv[1] == "--old")
    else:
        main()
