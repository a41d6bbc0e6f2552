"""Plans, end-to-end galleries on both tiny pipeline kinds (saved, reopened, downloaded), and image loading."""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

from core.images import galleries
from core.images import loading as imgs
from tests.fixtures.tiny_models import DIM, PIPELINES, picture


@pytest.fixture
def store(tmp_path):
    return tmp_path / "galleries"


def test_interpolation_plan_runs_through_every_image(tiny_clip):
    from core.store.images import embed_images

    pics = [picture((220, 20, 20)), picture((20, 20, 220)), picture((20, 200, 20))]
    plan = galleries.plan_interpolation(tiny_clip, pics, 3)
    E = embed_images(tiny_clip, pics)
    assert plan.embeddings.shape == (5, DIM) and len(plan.labels) == 5
    np.testing.assert_allclose(plan.embeddings[[0, 2, 4]], E, atol=1e-5)
    assert plan.inputs == [{"image": p.key, "name": p.name} for p in pics]
    with pytest.raises(ValueError, match="at least two images"):
        galleries.plan_interpolation(tiny_clip, pics[:1], 3)
    with pytest.raises(ValueError, match="at least 2 steps"):
        galleries.plan_interpolation(tiny_clip, pics, 1)
    with pytest.raises(ValueError, match="at most"):
        galleries.plan_interpolation(tiny_clip, pics, 40)


def test_arithmetic_plan_ramps_from_the_image_to_the_edit(tiny_clip):
    from core.images.clip_space import mix
    from core.store.embedder import get_embedder
    from core.store.images import embed_images

    embedder = get_embedder(tiny_clip.name)
    face, style = picture((200, 150, 120), "face"), picture((10, 10, 10), "style")
    terms = [(-0.3, "a photo of a smiling man"), (0.3, "a photo of a very sad, crying man"), (0.5, style), (0.0, "x")]
    plan = galleries.plan_arithmetic(tiny_clip, face, terms, 3, embedder=embedder)
    base = embed_images(tiny_clip, [face])[0]
    assert plan.embeddings.shape == (3, DIM)
    np.testing.assert_allclose(plan.embeddings[0], base, atol=1e-5)  # weight 0: the image itself
    np.testing.assert_allclose(np.linalg.norm(plan.embeddings, axis=1), np.linalg.norm(base), rtol=1e-5)
    texts = embedder.embed(["a photo of a smiling man", "a photo of a very sad, crying man"])
    full = mix(base, [(-0.3, texts[0]), (0.3, texts[1]), (0.5, embed_images(tiny_clip, [style])[0])])
    np.testing.assert_allclose(plan.embeddings[-1], full, atol=1e-5)
    assert [i.get("weight") for i in plan.inputs] == [1.0, -0.3, 0.3, 0.5]  # the 0-weight term is dropped
    assert "− 0.3 × a photo of a smiling man" in plan.labels[-1]
    with pytest.raises(ValueError, match="weight other than 0"):
        galleries.plan_arithmetic(tiny_clip, face, [(0.0, "a dog"), (1.0, "  ")], 2, embedder=embedder)
    with pytest.raises(ValueError, match="between 1 and"):
        galleries.plan_arithmetic(tiny_clip, face, [(1.0, "a dog")], 0, embedder=embedder)


@pytest.mark.parametrize("name", list(PIPELINES))
def test_two_step_gallery_end_to_end(tiny_clip, registered, store, name, monkeypatch):
    decoder = registered(name)
    size = PIPELINES[name]
    pics = [picture((220, 20, 20), "red"), picture((20, 20, 220), "blue")]
    plan = galleries.plan_interpolation(tiny_clip, pics, 3)
    calls = []
    settings = dict(seed=11, steps=2, super_res_steps=2, where=store)
    gallery, reopened = galleries.make_gallery(plan, tiny_clip, decoder, progress=lambda *a: calls.append(a), **settings)
    assert not reopened
    assert len(gallery.images) == 3 and all(im.size == (size, size) for im in gallery.images)
    per_image = decoder.steps_per_image(2, 2)
    assert [c for c in calls if c[2] > 0] == [(i, 3, s, per_image) for i in range(3) for s in range(1, per_image + 1)]

    manifest = json.loads((store / gallery.address / "manifest.json").read_text())
    assert manifest["recipe"]["seed"] == 11 and manifest["recipe"]["decoder"] == decoder.identity
    assert manifest["recipe"]["clip"] == tiny_clip.identity and manifest["count"] == 3
    assert manifest["recipe"]["inputs"][0]["name"] == "red" and manifest["device"] == "cpu"

    monkeypatch.setattr(decoder, "generate", lambda *a, **k: pytest.fail("a saved gallery must not be decoded again"))
    again, reopened = galleries.make_gallery(plan, tiny_clip, decoder, **settings)
    assert reopened and again.address == gallery.address
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(again.images, gallery.images))
    monkeypatch.undo()

    # a fresh run of the same recipe (cache gone) reproduces the pictures exactly
    fresh, reopened = galleries.make_gallery(plan, tiny_clip, decoder, **{**settings, "where": store / "elsewhere"})
    assert not reopened and fresh.address == gallery.address
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(fresh.images, gallery.images))
    other = galleries.recipe(plan, tiny_clip, decoder, seed=12, steps=2, super_res_steps=2)
    assert galleries.address(other) != gallery.address

    strip = imgs.load_image(gallery.strip_png(), "strip").image
    assert strip.size == (3 * size + 2 * 4, size)
    with zipfile.ZipFile(io.BytesIO(gallery.zip_bytes())) as zf:
        names = set(zf.namelist())
        assert {"manifest.json", "strip.png", "frame-000.png", "frame-002.png", "input-00.png", "input-01.png"} <= names
        assert json.loads(zf.read("manifest.json"))["address"] == gallery.address
    assert [g["address"] for g in galleries.list_galleries(store)] == [gallery.address]


def test_a_damaged_gallery_is_dropped_and_made_again(tiny_clip, registered, store):
    decoder = registered("tiny-stable")
    plan = galleries.plan_interpolation(tiny_clip, [picture((1, 2, 3)), picture((200, 100, 0))], 2)
    gallery, _ = galleries.make_gallery(plan, tiny_clip, decoder, seed=1, steps=1, where=store)
    (gallery.folder / "frame-001.png").write_bytes(b"not a png")
    assert galleries.open_gallery(gallery.address, store) is None
    assert not gallery.folder.exists()
    assert galleries.open_gallery("../../etc", store) is None
    again, reopened = galleries.make_gallery(plan, tiny_clip, decoder, seed=1, steps=1, where=store)
    assert not reopened and len(again.images) == 2


def test_a_stopped_gallery_is_not_saved(tiny_clip, registered, store):
    from core.images.unclip import Stopped

    decoder = registered("tiny-stable")
    plan = galleries.plan_interpolation(tiny_clip, [picture((1, 2, 3)), picture((200, 100, 0))], 3)
    with pytest.raises(Stopped):
        galleries.make_gallery(plan, tiny_clip, decoder, seed=1, steps=2, where=store, should_stop=lambda: True)
    assert galleries.list_galleries(store) == []


# ---------------------------------------------------------------- image files

def _png(size=(40, 30), mode="RGB", color=(10, 20, 30)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_load_image_accepts_images_and_keys_them_by_content():
    a = imgs.load_image(_png(), "a.png")
    assert a.size == (40, 30) and a.image.mode == "RGB"
    assert imgs.load_image(_png(), "copy.png").key == a.key
    assert imgs.load_image(_png(color=(0, 0, 0)), "b.png").key != a.key
    rgba = imgs.load_image(_png(mode="RGBA", color=(255, 0, 0, 0)), "clear.png")
    assert rgba.image.mode == "RGB" and rgba.image.getpixel((0, 0)) == (255, 255, 255)  # transparent -> white
    big = imgs.load_image(_png(size=(3000, 1500)), "big.png")
    assert max(big.size) == imgs.KEEP_SIDE


def test_bad_image_files_get_clear_errors(monkeypatch):
    with pytest.raises(imgs.ImageError, match="not an image"):
        imgs.load_image(b"hello, world", "notes.png")
    with pytest.raises(imgs.ImageError, match="empty"):
        imgs.load_image(b"", "empty.png")
    with pytest.raises(imgs.ImageError, match="truncated or damaged"):
        imgs.load_image(_png()[:60], "cut.png")
    with pytest.raises(imgs.ImageError, match="million pixels"):
        imgs.load_image(_png(size=(7000, 6000), mode="L", color=0), "huge.png")
    monkeypatch.setattr(imgs, "MAX_IMAGE_BYTES", 100)
    with pytest.raises(imgs.ImageError, match="at most"):
        imgs.load_image(_png(), "heavy.png")


def test_strip_and_samples():
    from PIL import Image

    s = imgs.strip([Image.new("RGB", (10, 10)), Image.new("RGB", (20, 20))], gap=2)
    assert s.size == (10 + 2 + 10, 10)
    samples = imgs.sample_images(64)
    assert len(samples) == 3 and len({s.key for s in samples}) == 3
    assert all(s.size == (64, 64) for s in samples)
    with pytest.raises(imgs.ImageError):
        imgs.strip([])
