"""The Images page under AppTest: without any models (it lists what to fetch), and with the tiny CLIP and
tiny unCLIP pipelines injected (galleries generate, reopen from disk and download; scores on directions)."""
from __future__ import annotations

import io

import pytest
from streamlit.testing.v1 import AppTest

from core.images import galleries
from tests.conftest import ROOT

PAGE = str(ROOT / "pages" / "6_Images.py")
TIMEOUT = 240


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """No model in the Hugging Face cache, as on a machine that never had network access; a private cache."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def tiny(empty_hub, tiny_clip, registered):
    registered("tiny-stable")
    registered("tiny-karlo")
    return tiny_clip


def run() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def images_shown(at: AppTest) -> int:
    return sum(len(node.value) for node in at.get("image"))


def png(color=(200, 30, 30), size=(40, 40)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def test_without_models_the_page_lists_what_to_fetch(empty_hub):
    at = run()
    table = at.dataframe[0].value
    assert table["source"].tolist() == ["openai/clip-vit-large-patch14", "stabilityai/stable-diffusion-2-1-unclip-small"]
    assert set(table["status"]) == {"missing"} and all("GB" in s for s in table["approx. size"])
    commands = at.code[0].value
    assert "hf download openai/clip-vit-large-patch14" in commands
    assert "hf download stabilityai/stable-diffusion-2-1-unclip-small" in commands
    assert not at.tabs  # nothing else runs without the CLIP model
    at.sidebar.selectbox(key="decoder").set_value("karlo-image-variations").run()
    assert not at.exception
    assert "hf download kakaobrain/karlo-v1-alpha-image-variations" in at.code[0].value


def test_with_tiny_models_a_gallery_generates_then_reopens_from_disk(tiny):
    at = run()
    assert not at.code  # no models-needed panel
    assert at.sidebar.selectbox(key="clip_model").value == "tiny-clip"
    assert at.sidebar.selectbox(key="decoder").value == "tiny-stable"
    assert images_shown(at) == 3  # the three samples
    at.slider(key="interp_per_leg").set_value(3)
    at.number_input(key="interp_steps").set_value(2)
    at.button(key="interp_go").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert images_shown(at) == 3 + 3
    assert len(galleries.list_galleries()) == 1
    labels = [b.label for b in at.get("download_button")]
    assert "Download PNG strip" in labels and "Download zip with manifest" in labels
    at.run()  # asked for again: opened from disk, not decoded
    assert any("Opened from disk" in s.value for s in at.success)
    assert images_shown(at) == 3 + 3
    at.sidebar.selectbox(key="decoder").set_value("tiny-karlo").run()  # the other pipeline kind
    at.number_input(key="interp_steps").set_value(2)
    at.button(key="interp_go").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(galleries.list_galleries()) == 2


def test_arithmetic_and_style_panels_react_to_their_widgets(tiny):
    at = run()
    for j in range(3):
        at.slider(key=f"arith_w{j}").set_value(0.0)
    at.run()
    assert any("weight other than 0" in i.value for i in at.info)
    at.slider(key="arith_w1").set_value(0.3).run()
    at.slider(key="arith_frames").set_value(2)
    at.number_input(key="arith_steps").set_value(1)
    at.button(key="arith_go").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert images_shown(at) == 3 + 2
    at.radio(key="style_source").set_value("a text").run()
    at.text_input(key="style_text").input("a pencil sketch").run()
    assert not at.exception
    assert at.button(key="style_go")  # ready to generate


def test_uploaded_images_are_scored_beside_texts_and_bad_files_get_a_message(tiny):
    at = run()
    at.file_uploader(key="uploads").set_value([("red.png", png(), "image/png"),
                                               ("notes.png", b"not an image at all", "image/png")])
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("notes\\.png is not an image" in e.value for e in at.error)  # markdown-escaped
    table = next(d.value for d in at.dataframe if "text" in d.value.columns)
    assert "image: red.png" in table["text"].tolist() and "a cartoon drawing of a dog" in table["text"].tolist()
    assert {"1-a-photograph-vs-a-cartoon-drawing"} <= set(table.columns)
    at.text_area(key="score_poles").input("no bar on this line").run()
    assert any("negative pole \\| positive pole" in e.value for e in at.error)
    at.text_area(key="score_poles").input("a dog | a cat").run()
    at.multiselect(key="score_neg").set_value([0])
    at.multiselect(key="score_pos").set_value([1]).run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if "text" in d.value.columns)
    assert "example-images" in table.columns


def test_with_clip_but_no_decoder_scoring_works_and_galleries_point_to_the_fetch(empty_hub, tiny_clip):
    at = run()
    table = at.dataframe[0].value
    assert table["status"].tolist()[1] == "missing" and table["status"].tolist()[0] in ("ready", "loaded")
    assert "hf download stabilityai/stable-diffusion-2-1-unclip-small" in at.code[0].value
    assert "hf download openai" not in at.code[0].value
    assert any("needs the unCLIP decoder" in i.value for i in at.info)
    scores = next(d.value for d in at.dataframe if "text" in d.value.columns)
    assert len(scores) == 3 + 2  # the samples and the two default texts


def test_stop_without_a_running_gallery_says_nothing_was_saved(tiny):
    at = run()
    at.button(key="interp_stop").click().run()
    assert not at.exception
    assert any("Stopped after 0 of" in w.value for w in at.warning)
