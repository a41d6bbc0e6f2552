"""Map layouts kept on disk across restarts, numba's cache, exact neighbours for UMAP and its progress."""
import os
import sys

import numpy as np
import pytest

from core import config
from core.explore import layout as mapping


@pytest.fixture
def counted(monkeypatch, tmp_path):
    """A private cache folder, an empty memory cache, and a count of the PCA layouts computed."""
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path / "cache"))
    mapping.clear_layouts()
    calls = []
    real = mapping.pca_2d

    def pca(E):
        calls.append(len(E))
        return real(E)

    monkeypatch.setattr(mapping, "pca_2d", pca)
    yield calls
    mapping.clear_layouts()


def files():
    return sorted((config.cache_dir() / "layouts").glob("*.npz"))


def test_a_layout_survives_a_restart(counted):
    E = np.random.default_rng(0).normal(size=(30, 5))
    first = mapping.layout("corpus+model", "pca", E)
    assert counted == [30] and len(files()) == 1
    mapping.clear_layouts()  # a restart: memory is empty, the cache folder is not
    again = mapping.layout("corpus+model", "pca", E)
    assert counted == [30]  # read from disk, not computed
    np.testing.assert_array_equal(again, first)
    assert not again.flags.writeable


def test_the_disk_key_holds_method_parameters_and_embeddings(counted):
    E = np.random.default_rng(1).normal(size=(20, 4))
    mapping.layout("k", "pca", E)
    mapping.clear_layouts()
    mapping.layout("k", "pca", E + 1.0)  # same caller's key, other embeddings: not the old layout
    mapping.layout("other", "pca", E)
    mapping.layout("k", "pca", E, extra=1)
    assert len(counted) == 4 and len(files()) == 4
    assert mapping.layout_path("k", "pca", {}, "a") != mapping.layout_path("k", "pca", {}, "b")
    assert mapping.embedding_hash(E) == mapping.embedding_hash(E.astype(np.float32).copy())
    assert mapping.embedding_hash(E) != mapping.embedding_hash(E[:10])


@pytest.mark.parametrize("damage", [b"not a zip", b"", "swap"])
def test_a_damaged_entry_is_dropped_and_rebuilt(counted, damage):
    E = np.random.default_rng(2).normal(size=(25, 4))
    good = mapping.layout("k", "pca", E)
    (path,) = files()
    if damage == "swap":  # a valid file of another layout under this one's name: its manifest does not fit
        mapping.clear_layouts()
        mapping.layout("k", "pca", E[:24])
        other = [p for p in files() if p != path][0]
        path.write_bytes(other.read_bytes())
    else:
        path.write_bytes(damage)
    mapping.clear_layouts()
    rebuilt = mapping.layout("k", "pca", E)
    np.testing.assert_allclose(rebuilt, good)
    assert counted.count(25) == 2  # computed again
    mapping.clear_layouts()
    mapping.layout("k", "pca", E)
    assert counted.count(25) == 2  # and the rebuilt entry is good


def test_old_layout_files_are_pruned(counted, monkeypatch):
    monkeypatch.setattr(mapping, "KEEP_ON_DISK", 3)
    E = np.random.default_rng(3).normal(size=(12, 3))
    for i in range(5):
        mapping.layout(f"k{i}", "pca", E)
    assert len(files()) == 3


def test_an_unknown_layout_is_refused(counted):
    with pytest.raises(mapping.LayoutError, match="known layouts: pca, umap"):
        mapping.layout("k", "tsne", np.zeros((5, 2)))


def test_numba_keeps_its_cache_in_the_environment():
    folder = os.environ["NUMBA_CACHE_DIR"]
    assert folder == str(mapping.numba_cache_dir())
    if sys.prefix != sys.base_prefix:
        assert folder.startswith(sys.prefix)
    umap = mapping._umap()
    from numba.core.caching import NullCache

    for module, names in mapping._UNCACHED.items():
        for name in names:
            kernel = getattr(sys.modules[module], name)
            assert not isinstance(kernel._cache, NullCache), f"{module}.{name} is not cached"
    assert umap.UMAP is not None


def test_exact_cosine_neighbours_put_each_row_first():
    rng = np.random.default_rng(4)
    E = rng.normal(size=(50, 6))
    E[7] = E[3] * 2.0  # the same direction: cosine distance 0 to row 3
    seen = []
    idx, dist = mapping.cosine_knn(E, 5, progress=lambda m, s: seen.append(s), chunk=16)
    assert idx.shape == (50, 5) and idx.dtype == np.int64 and dist.dtype == np.float32
    np.testing.assert_array_equal(idx[:, 0], np.arange(50))
    assert (dist[:, 0] == 0).all() and idx[3, 1] == 7 and idx[7, 1] == 3
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    D = 1.0 - U @ U.T
    np.fill_diagonal(D, -1.0)
    np.testing.assert_array_equal(idx[:, 1:], np.argsort(D, axis=1, kind="stable")[:, 1:5])
    np.testing.assert_allclose(dist[:, 1:], np.take_along_axis(D, idx[:, 1:], axis=1), atol=1e-5)
    assert seen == [16 / 50, 32 / 50, 48 / 50, 1.0]


def test_umap_epochs_are_passed_on_as_progress():
    heard = []
    writer = mapping._Epochs(lambda message, share: heard.append((message, share)))
    writer.write("\r")
    writer.write("\r120 500")
    assert heard == [("Laying out the points: epoch 120 of 500", 0.24)]


@pytest.mark.slow
def test_umap_layout_reports_its_phases():
    heard = []
    E = np.random.default_rng(5).normal(size=(40, 8))
    coords = mapping.umap_2d(E, n_neighbors=5, progress=lambda message, share: heard.append((message, share)))
    assert coords.shape == (40, 2) and np.isfinite(coords).all()
    messages = [m for m, _ in heard]
    assert messages[0].startswith("Loading UMAP")
    assert "Finding each text's 4 nearest neighbours" in messages
    assert heard[-1][0].startswith("Laying out the points: epoch") and heard[-1][1] == 1.0
    again = mapping.umap_2d(E, n_neighbors=5)
    np.testing.assert_array_equal(coords, again)  # seeded: the same layout
