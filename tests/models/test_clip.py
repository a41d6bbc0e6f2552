"""The CLIP backend on a tiny random CLIP (tests/fixtures/tiny_models.py): texts and images in one space,
image embeddings cached on disk, joint-space math and directions."""
from __future__ import annotations

import numpy as np
import pytest

from core.explore.scores import score_frame
from core.images import clip_space
from core.models import clip
from core.models import registry as encoders
from core.models.registry import ModelSpec
from core.store import images as image_store
from tests.fixtures.tiny_models import DIM, TINY_CLIP, picture

# ---------------------------------------------------------------- tests

def test_clip_registers_as_a_text_encoder_and_lists_the_default_first(tiny_clip):
    assert clip.clip_models()[0] == clip.DEFAULT_CLIP
    assert TINY_CLIP in clip.clip_models()
    assert encoders.get_spec(clip.DEFAULT_CLIP).source == "openai/clip-vit-large-patch14"
    E = tiny_clip.encode(["the cat", "an apple of the tree"])
    assert E.shape == (2, DIM) and E.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(E, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(tiny_clip.encode(["the cat"])[0], E[0], atol=1e-6)
    assert clip.get_clip(TINY_CLIP) is tiny_clip  # loaded once


def test_texts_go_through_the_disk_cached_embedder(tiny_clip):
    from core.store.embedder import get_embedder

    embedder = get_embedder(TINY_CLIP)
    first = embedder.embed(["a photograph", "a cartoon drawing"])
    seen = embedder.encoded
    again = embedder.embed(["a cartoon drawing", "a photograph"])
    assert embedder.encoded == seen
    np.testing.assert_array_equal(again[::-1], first)


def test_image_embeddings_keep_their_norm_and_are_cached_by_bytes(tiny_clip, monkeypatch):
    red, blue = picture((220, 20, 20)), picture((20, 20, 220))
    E = image_store.embed_images(tiny_clip, [red, blue, red])
    assert E.shape == (3, DIM)
    np.testing.assert_array_equal(E[0], E[2])
    assert not np.allclose(E[0], E[1])
    assert np.linalg.norm(E[0]) > 0

    calls = []
    real = tiny_clip.image_features
    monkeypatch.setattr(tiny_clip, "image_features", lambda ims: calls.append(len(ims)) or real(ims))
    image_store.clear_memory()  # a new process: only the disk remembers
    np.testing.assert_array_equal(image_store.embed_images(tiny_clip, [blue, red]), E[[1, 0]])
    assert calls == []

    cache = image_store.cache_for(tiny_clip)
    (cache.folder / f"{blue.key}.f32").write_bytes(b"\x00" * 7)  # a damaged entry is a miss, then rebuilt
    image_store.clear_memory()
    np.testing.assert_allclose(image_store.embed_images(tiny_clip, [blue])[0], E[1], atol=1e-6)
    assert calls == [1]


def test_missing_clip_says_how_to_fetch_it_and_non_clip_models_are_refused(tmp_path, monkeypatch):
    import huggingface_hub.constants

    from tests.conftest import FakeEncoder

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(encoders.ModelUnavailable, match="openai/clip-vit-large-patch14"):
        clip.get_clip()
    encoders.register_backend("fake-kind", FakeEncoder)  # stays registered: no spec of this kind outlives the test
    encoders.register_spec(ModelSpec(name="not-clip", source=str(tmp_path), kind="fake-kind"))
    try:
        with pytest.raises(encoders.ModelError, match="not a CLIP model"):
            clip.get_clip("not-clip")
    finally:
        encoders.forget("not-clip")


def test_interpolation_path_chains_legs_at_the_embeddings_norm():
    a, b, c = np.array([2.0, 0, 0]), np.array([0, 4.0, 0]), np.array([0, 0, 4.0])
    path = clip_space.interpolation_path(np.stack([a, b, c]), 3)
    assert path.shape == (5, 3)  # 3 + 3 points, the joint once
    np.testing.assert_allclose(path[[0, 2, 4]], np.stack([a, b, c]), atol=1e-6)
    np.testing.assert_allclose(path[1], 3.0 * np.array([1, 1, 0]) / np.sqrt(2), atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), [2, 3, 4, 4, 4], atol=1e-6)
    with pytest.raises(ValueError):
        clip_space.interpolation_path(np.stack([a, b]), 1)
    with pytest.raises(ValueError):
        clip_space.interpolation_path(a[None, :], 3)


def test_mix_adds_unit_vectors_and_renormalises_to_the_base_norm():
    base = np.array([3.0, 0, 0, 0])
    text = np.array([0, 10.0, 0, 0])  # taken at unit length
    out = clip_space.mix(base, [(1.0, text)])
    np.testing.assert_allclose(out, 3.0 * np.array([1, 1, 0, 0]) / np.sqrt(2), atol=1e-6)
    np.testing.assert_allclose(clip_space.mix(base, [(0.0, text)]), base)
    minus = clip_space.mix(base, [(0.5, text), (-0.5, np.array([0, 0, 2.0, 0]))])
    np.testing.assert_allclose(minus, 3.0 * np.array([1, 0.5, -0.5, 0]) / np.sqrt(1.5), atol=1e-6)


def test_directions_from_text_poles_and_example_images_score_images_beside_texts(tiny_clip):
    from core.store.embedder import get_embedder

    embedder = get_embedder(TINY_CLIP)
    text_dir = clip_space.text_direction(embedder, ["a photograph"], ["a cartoon drawing"], name="photo-vs-cartoon")
    assert text_dir.model == TINY_CLIP and text_dir.negative_label == "a photograph"
    red, blue, green = picture((220, 20, 20)), picture((20, 20, 220)), picture((20, 200, 20))
    image_dir = clip_space.image_direction(tiny_clip, "red-vs-blue", [red], [blue], "red", "blue")
    texts = ["a photograph", "a cartoon drawing"]
    pictures = [red, blue, green]
    E = np.vstack([embedder.embed(texts), clip_space.unit_images(tiny_clip, pictures)])
    frame = score_frame(texts + [p.name for p in pictures], E, [text_dir, image_dir])
    scores = frame.pivot(index="row", columns="direction", values="score")
    assert scores.loc[0, "photo-vs-cartoon"] == pytest.approx(-1.0, abs=1e-4)  # the poles themselves
    assert scores.loc[1, "photo-vs-cartoon"] == pytest.approx(1.0, abs=1e-4)
    assert scores.loc[2, "red-vs-blue"] == pytest.approx(-1.0, abs=1e-4)
    assert scores.loc[3, "red-vs-blue"] == pytest.approx(1.0, abs=1e-4)
    assert np.isfinite(scores.to_numpy()).all()
    with pytest.raises(Exception, match="at least one example image"):
        clip_space.image_direction(tiny_clip, "empty", [], [blue])


def test_pole_lines_become_directions(tiny_clip):
    from core.directions.datasets import DatasetError
    from core.store.embedder import get_embedder

    text = "# comment\na photograph; a photo | a cartoon drawing\n\na photo of a sad person | a photo of a happy person"
    assert clip_space.parse_poles(text) == [(["a photograph", "a photo"], ["a cartoon drawing"]),
                                      (["a photo of a sad person"], ["a photo of a happy person"])]
    dirs = clip_space.text_directions(get_embedder(TINY_CLIP), text)
    assert [d.name for d in dirs] == ["1-a-photograph-vs-a-cartoon-drawing", "2-a-photo-of-a-sad-person-vs-a-photo-of-a-happy-person"]
    assert dirs[0].positive_label == "a cartoon drawing"
    with pytest.raises(DatasetError, match="Lines 1, 3"):
        clip_space.parse_poles("no bar here\nok | fine\n | empty")


def test_scoring_directions_and_the_joint_rows_of_images_and_texts(tiny_clip):
    from core.store.embedder import get_embedder

    embedder = get_embedder(TINY_CLIP)
    red, blue = picture((220, 20, 20), "red"), picture((20, 20, 220), "blue")
    dirs = clip_space.scoring_directions(embedder, tiny_clip, "a photograph | a cartoon drawing")
    assert [d.name for d in dirs] == ["1-a-photograph-vs-a-cartoon-drawing"]
    dirs = clip_space.scoring_directions(embedder, tiny_clip, "a photograph | a cartoon drawing", [red], [blue],
                                         " ", "blue ones")
    assert dirs[-1].name == "example-images"
    assert (dirs[-1].negative_label, dirs[-1].positive_label) == ("negative examples", "blue ones")
    labels, E = clip_space.images_and_texts(tiny_clip, embedder, [red, blue], ["a dog"])
    assert labels == ["image: red", "image: blue", "a dog"] and E.shape == (3, DIM)
    np.testing.assert_allclose(E[:2], clip_space.unit_images(tiny_clip, [red, blue]), atol=1e-6)
    np.testing.assert_allclose(E[2], embedder.embed(["a dog"])[0], atol=1e-6)
    assert clip_space.images_and_texts(tiny_clip, embedder, [], [])[1].shape == (0, DIM)
