"""Markdown from direction files is never rendered (issue 17, item 5): a file whose title, labels, description,
notes or examples carry an image, a link, HTML, an icon or a colour directive, and a broken file whose message
carries them, are shown as text on every page: no element's markdown renders a link or an image, and no chart
text holds a tag Plotly would make a link."""
from __future__ import annotations

import json
import re

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from core.ui.messages import escape_md, unescape_md
from tests.conftest import ROOT

PAYLOAD = ("![x](http://attacker/x.png) [click](http://evil) <img src=http://attacker/y.png> <http://evil/auto> "
           "http://evil.example/bare www.evil.example :material/home: :red[red] <a href=\"http://evil\">a</a>")
Q = PAYLOAD.replace('"', '\\"')  # inside a double-quoted YAML scalar
EVIL_FILE = f"""\
name: evil
title: "Evil {Q}"
description: "{Q}"
negative_label: "neg {Q}"
positive_label: "pos [click](http://evil)"
method: mean_difference
notes: "{Q}"
negative:
  - "sad grim awful day {Q}"
  - "awful grim night"
positive:
  - "happy lovely day"
  - "great lovely night"
"""
BROKEN_FILE = EVIL_FILE.replace("name: evil", 'name: broken\n"![k](http://attacker/k.png) [c](http://evil)": 1')
_MD = MarkdownIt("commonmark", {"html": False})
PLAIN_FIELDS = {  # (element type, field): text Streamlit shows as it is, never as markdown
    ("Selectbox", "options"), ("Selectbox", "default"), ("MultiSelect", "options"), ("MultiSelect", "default"),
    ("TextInput", "value"), ("TextInput", "default"), ("TextInput", "placeholder"), ("TextArea", "value"),
    ("TextArea", "default"), ("TextArea", "placeholder"), ("Code", "code_text"), ("Text", "body"),
    ("Json", "body"), ("Exception", "stack_trace"),
}


def rendered_problems(text: str) -> list[str]:
    """What in `text`, rendered as Streamlit renders markdown, would be a link, an image, HTML, an icon or a colour."""
    html = _MD.render(text)
    found = [tag for tag in ("<a ", "<img") if tag in html]
    plain = re.sub(r"\\(.)", r"\1", text)  # its escapes read: Streamlit links and iconifies the text after that
    found += re.findall(r"(?i)https?://|www\.|\w@\w|:material/|:red\[", plain)
    return found


def test_the_check_finds_every_attack_and_escape_md_defeats_each():
    for attack in ["![x](http://a/x.png)", "[c](http://e)", "<http://e/a>", "http://e.example/b", "www.e.example",
                   "WWW.e.example", "mail@e.example", ":material/home:", ":red[r]"]:
        assert rendered_problems(attack), attack
        assert rendered_problems(escape_md(attack)) == [], attack
        assert unescape_md(escape_md(attack)) == attack
    assert _MD.render(escape_md(PAYLOAD)).count("&lt;img") == 1  # HTML shows as text


def _strings(message, kind: str, out: list[tuple[str, str, str]]) -> None:
    for field, value in message.ListFields():
        if (kind, field.name) in PLAIN_FIELDS or field.name in ("id", "form_id", "data", "spec", "columns"):
            continue
        single = isinstance(value, (str, bytes, int, float)) or hasattr(value, "ListFields")
        values = [value] if single else list(value)
        for v in values:
            if isinstance(v, str):
                out.append((kind, field.name, v))
            elif hasattr(v, "ListFields"):
                _strings(v, type(v).__name__, out)


def _walk(node, out: list, charts: list) -> None:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        kind = type(proto).__name__
        if kind == "PlotlyChart":
            charts.append(json.loads(proto.spec))
        else:
            _strings(proto, kind, out)
    for child in getattr(node, "children", {}).values():
        _walk(child, out, charts)


def _chart_strings(value, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _chart_strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _chart_strings(v, out)


def problems(at: AppTest) -> list[str]:
    texts, charts = [], []
    _walk(at._tree, texts, charts)
    texts = [t for t in texts if re.search("evil|attacker", t[2], re.I) and t[1] != "icon"]  # the files' own
    bad = [f"{kind}.{field}: {found} in {text[:150]!r}" for kind, field, text in texts
           if (found := rendered_problems(text))]
    chart_texts: list[str] = []
    _chart_strings(charts, chart_texts)
    bad += [f"chart text {t[:120]!r}" for t in chart_texts if re.search(r"<\s*(a|img)\b", t, re.I)]
    return bad


@pytest.fixture
def hostile_directions(directions_copy):
    folder = directions_copy("sentiment", "art")
    (folder / "evil.yaml").write_text(EVIL_FILE, encoding="utf-8")
    (folder / "broken.yaml").write_text(BROKEN_FILE, encoding="utf-8")
    (folder / "[click](https:evil.example).yaml").write_text("name: other\n", encoding="utf-8")
    return folder


def _run(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / page), default_timeout=240)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.parametrize("page", ["pages/1_Project.py", "pages/2_Directions.py", "pages/3_Compare.py",
                                  "pages/4_Map.py", "pages/5_Latent_lab.py", "pages/6_Images.py"])
def test_no_page_renders_markdown_from_a_direction_file(hostile_directions, page):
    at = _run(page)
    if "Images" not in page:  # (the Images page reads directions only once CLIP is there)
        assert any("Skipped a direction file" in w.value for w in at.warning)  # the broken file is still named
    assert problems(at) == [], "\n".join(problems(at))


def test_directions_page_shows_the_hostile_direction_as_text(hostile_directions):
    at = _run("pages/2_Directions.py")
    at.selectbox(key="dir_choice").set_value("evil").run()
    assert not at.exception
    assert at.text_input(key="f_title").value.startswith("Evil ![x](http://attacker/x.png)")  # kept as written
    assert problems(at) == [], "\n".join(problems(at))


def test_project_page_with_the_hostile_direction_chosen(hostile_directions):
    at = _run("pages/1_Project.py")
    at.multiselect(key="dirs").set_value(["evil", "sentiment"]).run()
    assert not at.exception
    at.selectbox(key="bar").set_value("evil").run()
    assert not at.exception
    assert problems(at) == [], "\n".join(problems(at))


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """The dashboard on a free localhost port, its direction folder the hostile file, the broken one and one
    shipped file ("evil" sorts first, so the Directions page opens on it)."""
    import shutil

    from tests.fixtures.server import dashboard

    work = tmp_path_factory.mktemp("hostile")
    folder = work / "directions"
    folder.mkdir()
    shutil.copy(ROOT / "directions" / "sentiment.yaml", folder)
    (folder / "evil.yaml").write_text(EVIL_FILE, encoding="utf-8")
    (folder / "broken.yaml").write_text(BROKEN_FILE, encoding="utf-8")
    env = {"LATENT_DIRECTIONS_DIR": str(folder), "LATENT_INPUT_SETS_DIR": str(work / "input-sets")}
    with dashboard(work, env) as base:
        yield base


@pytest.mark.slow
@pytest.mark.parametrize("path", ["Directions", "Project"])
def test_browser_fetches_nothing_and_shows_no_link_from_a_direction_file(hostile_server, path):
    """In a real browser: no request leaves the machine (the image URLs are never fetched) and the DOM holds
    no link or image from the file, while its text (and the broken file's warning) is on the page."""
    pytest.importorskip("playwright.sync_api")
    from tests.pages import test_browser as tb  # skips here when Chromium is missing

    with tb.sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(tb.CHROMIUM), args=tb.ARGS, headless=True)
        try:
            page = tb._open(browser, f"{hostile_server}/{path}")
            page.wait_for_function("() => document.body.innerText.includes('Skipped a direction file')",
                                   timeout=tb.SLOW)
            page.wait_for_timeout(1500)  # let images and charts ask for what they would
            tb._no_exception(page)  # includes: no request for a host other than this server
            links = page.eval_on_selector_all('a[href*="evil"]:not([href^="#"]), a[href*="attacker"]:not([href^="#"])', "els => els.map(e => "
                                              "(e.closest('[data-testid]') || e).getAttribute('data-testid') + ': ' "
                                              "+ e.outerHTML.slice(0, 200))")
            assert links == []
            assert page.locator('img[src*="attacker"], image[href*="attacker"]').count() == 0
            assert "[click](http://evil)" in page.inner_text("body").replace("\u2060", "")  # shown as written
            assert page.locator('[aria-label="home icon"], [aria-label="home"]').count() == 0  # no icon either
            tb._shot(page, f"hostile-{path.lower()}")
        finally:
            browser.close()
