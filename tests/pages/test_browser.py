"""The running dashboard in a real browser: Debian's headless Chromium driven by Playwright.

One Streamlit server for the module, on a free localhost port, with its own copy of the
direction files. Every page in pages/ (found at test time) is opened; texts are scored on the
Project page; a direction is built on the Directions page; a copied link opens the same view.
Screenshots of each page are saved to test-artifacts/browser/.
"""
from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.conftest import ROOT
from tests.fixtures.server import dashboard

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path(os.environ.get("LATENT_CHROMIUM", "/usr/bin/chromium"))
pytestmark = pytest.mark.slow  # a real server and a real browser
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium; .ci/run installs it)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts" / "browser"
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
SLOW = 240_000  # ms: the first page to load also loads the model and builds every direction


def _pages() -> list[tuple[str, str]]:
    """(file stem, URL path) of Home and every page in pages/, as Streamlit names them."""
    found = [("Home", "")]
    for path in sorted((ROOT / "pages").glob("*.py")):
        found.append((path.stem, re.sub(r"^\d+[_ -]*", "", path.stem)))
    return found


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    directions = work / "directions"
    shutil.copytree(ROOT / "directions", directions, ignore=shutil.ignore_patterns(".history"))
    env = {"LATENT_DIRECTIONS_DIR": str(directions), "LATENT_INPUT_SETS_DIR": str(work / "input-sets"),
           "LATENT_READ_ONLY": None}
    # LATENT_CACHE_DIR stays the test session's temporary cache (set in conftest), so embeddings are shared
    try:
        with dashboard(work, env) as base:
            yield base, directions
    finally:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(work / "server.log", ARTIFACTS / "server.log")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _open(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 2000})
    page = context.new_page()
    outside: list[str] = []  # every request for a host other than this server (issue 15: favicons from Google)
    host = urlparse(url).netloc
    context.on("request", lambda r: outside.append(r.url)
               if urlparse(r.url).scheme in ("http", "https", "ws", "wss") and urlparse(r.url).netloc != host else None)
    page.outside = outside
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("h1", timeout=SLOW)
    _settle(page)
    return page


def _settle(page, timeout: int = SLOW) -> None:
    page.wait_for_timeout(400)  # let a rerun the last action asked for begin
    page.wait_for_selector(IDLE, timeout=timeout)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_exception(page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.outside == [], f"requests left the machine: {page.outside[:5]}"


def _wait_for_cell(page, text: str) -> None:
    """Wait until a table (its accessible grid) shows a cell with this text."""
    page.wait_for_function(
        "t => [...document.querySelectorAll('[data-testid=stDataFrame] [role=gridcell]')]"
        ".some(c => c.innerText.includes(t))", arg=text, timeout=SLOW)


TEXTS = ["I adore this sunny little cafe.", "The train was late again and I am furious."]


def test_project_scores_typed_texts_and_a_link_reopens_the_view(server, browser):
    base, _ = server
    page = _open(browser, f"{base}/Project")
    page.wait_for_selector('[data-testid="stDataFrame"]', timeout=SLOW)
    box = page.get_by_role("textbox", name="One text per line")
    box.fill("\n".join(TEXTS))
    box.press("Control+Enter")
    page.wait_for_url(re.compile(r".*adore.*"), timeout=SLOW)
    _settle(page)
    _wait_for_cell(page, TEXTS[0])
    _wait_for_cell(page, TEXTS[1])
    page.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=SLOW)
    _no_exception(page)
    _shot(page, "1_Project")
    link = page.url
    assert parse_qs(urlparse(link).query)["text"] == ["\n".join(TEXTS)]
    page.context.close()

    shared = _open(browser, link)  # a new browser context: a new session, as a colleague opening the link
    shared.wait_for_selector('[data-testid="stDataFrame"]', timeout=SLOW)
    assert shared.get_by_role("textbox", name="One text per line").input_value() == "\n".join(TEXTS)
    _wait_for_cell(shared, TEXTS[1])
    assert parse_qs(urlparse(shared.url).query) == parse_qs(urlparse(link).query)
    shared.wait_for_selector('[data-testid="stPlotlyChart"] .js-plotly-plot', timeout=SLOW)
    _shot(shared, "1_Project-shared-link")
    shared.context.close()


def test_build_a_direction_on_the_directions_page(server, browser):
    base, directions = server
    page = _open(browser, f"{base}/Directions")
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Direction").first.click()
    page.get_by_role("option", name="➕ New direction").click()
    _settle(page)
    for label, value in (("Name (the file name)", "browser-made"), ("Title", "Made in a browser")):
        field = page.get_by_role("textbox", name=label, exact=True)
        field.fill(value)
        field.press("Enter")
        _settle(page)
    page.get_by_text("Import examples").click()
    for pole, lines in (("negative", ["The soup was cold and bland.", "A dull, grey, pointless afternoon.",
                                      "The staff ignored us all evening."]),
                        ("positive", ["The soup was rich and warming.", "A bright, cheerful, lovely afternoon.",
                                      "The staff made us feel welcome."])):
        page.locator('[data-testid="stRadio"]').filter(has_text="Add them to").locator("label") \
            .filter(has_text=pole).first.click()
        _settle(page)
        area = page.get_by_role("textbox", name="Paste examples, one per line")
        area.fill("\n".join(lines))
        area.press("Control+Enter")
        _settle(page)
        page.get_by_role("button", name="Add pasted lines").click()
        _settle(page)
    page.get_by_text("3 negative · 3 positive").wait_for()
    page.get_by_role("button", name="Save").click()
    _settle(page)
    saved = directions / "browser-made.yaml"
    deadline = time.time() + 30
    while not saved.exists() and time.time() < deadline:
        time.sleep(0.2)
    assert saved.exists()
    assert "The staff made us feel welcome." in saved.read_text()
    _no_exception(page)
    _shot(page, "2_Directions")
    page.context.close()


@pytest.mark.parametrize("stem,path", [p for p in _pages() if p[0] not in ("1_Project", "2_Directions")])
def test_every_page_opens_without_an_error(server, browser, stem, path):
    base, _ = server
    page = _open(browser, f"{base}/{path}")
    _settle(page)
    _no_exception(page)
    assert page.locator("h1").count() >= 1
    favicon = page.evaluate("() => document.querySelector(\"link[rel='shortcut icon']\").href")
    assert favicon.startswith("data:image/svg+xml"), favicon  # an emoji drawn in place, not fetched
    _shot(page, stem)
    page.context.close()
