"""Shareable links, exports, safe deployment defaults and who may save."""
import errno
import io
import json
import tomllib

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.directions.datasets import load_all
from core.io import exports, inputs, links
from core.ui import access as auth
from core.ui.pickers import direction_label
from tests.conftest import ROOT
from tests.fixtures.ui import browser_link

TIMEOUT = 240


# ---- saved input sets


def test_input_sets_are_content_addressed_and_round_trip(tmp_path):
    texts = ["first", "sécond ünïcode", "=1+1", "NA", ""]
    ident = links.save_set(texts, {"n": [1, 2.5, None, 4, 5]}, "mine", folder=tmp_path)
    assert links.SET_ID_RE.match(ident)
    assert links.save_set(texts, {"n": [1, 2.5, None, 4, 5]}, "mine", folder=tmp_path) == ident
    assert len(list(tmp_path.iterdir())) == 1
    got = links.load_set(ident, tmp_path)
    assert got.texts == texts and got.columns == {"n": [1, 2.5, None, 4, 5]} and got.name == "mine"
    assert json.loads((tmp_path / f"{ident}.json").read_text())["format"] == 1  # plain JSON
    assert links.save_set(texts[:2], folder=tmp_path) != ident
    shady = links.save_set(["x"], name="[click](http://evil) <b>data</b>.csv", folder=tmp_path)
    assert links.load_set(shady, tmp_path).name == "click(httpevil) bdatab.csv"  # no markdown or HTML


@pytest.mark.parametrize("ident,message", [
    ("../../etc/passwd", "malformed"), ("ABC", "malformed"), ("0" * 32, "not on this server"),
])
def test_bad_set_ids_give_clear_errors(tmp_path, ident, message):
    with pytest.raises(links.LinkError, match=message):
        links.load_set(ident, tmp_path)


def test_a_damaged_set_is_detected(tmp_path):
    ident = links.save_set(["a", "b"], folder=tmp_path)
    path = tmp_path / f"{ident}.json"
    path.write_bytes(path.read_bytes().replace(b'"a"', b'"x"'))
    with pytest.raises(links.LinkError, match="damaged"):
        links.load_set(ident, tmp_path)
    assert links.save_set(["a", "b"], folder=tmp_path) == ident  # saving again repairs it
    assert links.load_set(ident, tmp_path).texts == ["a", "b"]


def test_texts_travel_inline_when_short_and_as_a_set_when_long(tmp_path):
    params, note = links.texts_params(["one", "two"], tmp_path)
    assert params == {"text": "one\ntwo"} and note is None
    assert links.texts_from_params(params, tmp_path) == ["one", "two"]
    long = [f"text number {i} " * 5 for i in range(200)]
    params, note = links.texts_params(long, tmp_path)
    assert set(params) == {"set"} and note is None
    assert links.texts_from_params(params, tmp_path) == long
    assert links.texts_from_params({}, tmp_path) is None


def test_a_full_disk_leaves_the_texts_out_of_the_link(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(links, "atomic_write_bytes", full)
    params, note = links.texts_params(["x" * 2000], tmp_path)
    assert params == {} and "No space left" in note


def test_texts_can_be_kept_as_a_set_even_when_short(tmp_path):
    params, note = links.texts_params(["one", "two"], tmp_path, inline=False)
    assert set(params) == {"set"} and note is None
    assert links.texts_from_params(params, tmp_path) == ["one", "two"]


def test_a_table_round_trips_through_an_input_set(tmp_path):
    frame = pd.DataFrame({"body": ["a", "b"], "n": [np.int64(1), np.nan], "text": ["x", "y"]})
    ident = links.save_set(["a", "b"], links.frame_columns(frame, ["n", "text"]), "t.csv", folder=tmp_path)
    back = links.set_frame(links.load_set(ident, tmp_path))
    assert back["text"].tolist() == ["a", "b"]  # the texts win over a column named text
    assert back["n"].tolist()[0] == 1 and back["n"].isna().tolist()[1]


def test_a_repeated_or_overlong_url_value_reads_as_one_string_or_none():
    assert links.first(["a", "b"]) == "b" and links.first([]) is None and links.first(None) is None
    assert links.first("y" * (links.MAX_PARAM_CHARS + 1)) is None


# ---- exports


def test_csv_and_parquet_exports():
    frame = pd.DataFrame({"text": ["=HYPERLINK(1)", "+a", "-b", "@c", "plain"], "score": [-1.5, 0.0, 1.0, 2.0, 3.0]})
    back = pd.read_csv(io.BytesIO(exports.csv_bytes(frame)), dtype={"text": str}, keep_default_na=False)
    assert back["text"].tolist() == ["'=HYPERLINK(1)", "'+a", "'-b", "'@c", "plain"]
    assert back["score"].tolist() == [-1.5, 0.0, 1.0, 2.0, 3.0]  # numbers stay numbers
    mixed = pd.DataFrame({"x": [1, "a", None], "y": [1, 2, 3]})
    mixed.columns = ["x", "x"]
    out = pd.read_parquet(io.BytesIO(exports.parquet_bytes(mixed)))
    assert list(out.columns) == ["x", "x_2"] and out.iloc[1, 0] == "a"


def test_chart_html_is_standalone():
    import plotly.graph_objects as go

    html = exports.chart_html(go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="=evil")))
    assert b"<html>" in html[:100] and b"Plotly.newPlot" in html
    assert b"<script src=" not in html  # plotly.js is inlined: nothing is fetched when it opens
    assert len(html) > 1_000_000


# ---- deployment defaults and access


def test_config_toml_is_safe_by_default():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["enableXsrfProtection"] is True
    assert cfg["server"]["enableCORS"] is True  # Streamlit turns XSRF off without it
    assert cfg["server"]["maxUploadSize"] * 2**20 == inputs.MAX_UPLOAD_BYTES  # fits the largest corpus file
    assert cfg["client"]["showErrorDetails"] in ("none", False)
    assert cfg["browser"]["gatherUsageStats"] is False
    assert "auth" not in cfg and not (ROOT / ".streamlit" / "secrets.toml").exists()
    assert cfg["server"]["fileWatcherType"] == "none"  # nothing in .venv, caches or outputs is watched


AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s",
                 "client_id": "c", "client_secret": "x", "server_metadata_url": "https://idp/.well-known"}}


@pytest.mark.parametrize("secrets,env,logged_in,email,allowed", [
    ({}, {}, False, None, True),  # no sign-in configured: a single-user or trusted setup
    ({}, {"LATENT_READ_ONLY": "1"}, False, None, False),
    (AUTH, {}, False, None, False),  # a viewer
    (AUTH, {}, True, "a@x.org", True),
    ({**AUTH, "access": {"editors": ["A@x.org"]}}, {}, True, "a@x.org", True),
    ({**AUTH, "access": {"editors": ["A@x.org"]}}, {}, True, "b@x.org", False),
    ({**AUTH, "access": {"viewers_can_edit": True}}, {}, False, None, True),
    ({**AUTH, "access": {"viewers_can_edit": True}}, {"LATENT_VIEWERS_CAN_EDIT": "false"}, False, None, False),
    (AUTH, {"LATENT_EDITORS": "c@x.org"}, True, "a@x.org", False),
    ({**AUTH, "access": {"read_only": True}}, {}, True, "a@x.org", False),
])
def test_access_policy(secrets, env, logged_in, email, allowed):
    settings = auth.settings_from(secrets, env)
    assert auth.can_edit(settings, logged_in, email) is allowed
    if not allowed:
        assert auth.refusal(settings, logged_in)


def test_login_gate_only_when_configured_and_required():
    assert not auth.needs_login(auth.settings_from({"access": {"require_login": True}}, {}), False)
    required = auth.settings_from({**AUTH, "access": {"require_login": True}}, {})
    assert auth.needs_login(required, False) and not auth.needs_login(required, True)
    assert not auth.settings_from({"auth": {"redirect_uri": "x"}}, {}).auth_configured  # incomplete section


def test_read_only_setting_disables_saving(monkeypatch):
    monkeypatch.setenv("LATENT_READ_ONLY", "true")
    at = AppTest.from_file(str(ROOT / "pages" / "2_Directions.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert at.button(key="save").disabled
    assert any("read-only" in i.value for i in at.info)
    home = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT)
    home.run()
    assert not home.exception and any("read-only" in c.value for c in home.caption)


def test_viewers_cannot_save_when_sign_in_is_configured():
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=TIMEOUT)
    at.secrets.update(AUTH)
    at.run()
    assert not at.exception
    assert any(b.label == "Sign in" for b in at.sidebar.button)
    at = AppTest.from_file(str(ROOT / "pages" / "2_Directions.py"), default_timeout=TIMEOUT)
    at.secrets.update(AUTH)
    at.run()
    assert at.button(key="save").disabled and any("Sign in" in i.value for i in at.info)


# ---- links on the pages (AppTest; the browser test opens a link in Chromium)


def _page(name, params=None):
    at = AppTest.from_file(str(ROOT / "pages" / name), default_timeout=TIMEOUT)
    at.query_params.update(params or {})
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _label(name):
    return direction_label(load_all(ROOT / "directions")[0][name])


def test_project_link_reproduces_the_view():
    at = _page("1_Project.py")
    at.text_area(key="paste").input("A lovely calm morning.\nA dreadful noisy night.").run()
    at.multiselect(key="dirs").set_value(["sentiment", "length"]).run()
    at.toggle(key="raw").set_value(True).run()
    at.selectbox(key="x").set_value("length").run()
    params = browser_link(at)
    assert params["text"] == "A lovely calm morning.\nA dreadful noisy night."
    assert params["dirs"] == [_label("sentiment"), _label("length")]
    shared = _page("1_Project.py", params)
    assert shared.dataframe[0].value.equals(at.dataframe[0].value)
    assert shared.selectbox(key="x").value == "length" and shared.toggle(key="raw").value
    assert browser_link(shared) == params


def test_project_link_with_long_texts_uses_a_saved_set():
    texts = [f"Review {i}: the soup was {'good' if i % 2 else 'bad'} and the bread was stale." for i in range(40)]
    at = _page("1_Project.py")
    at.text_area(key="paste").input("\n".join(texts)).run()
    params = browser_link(at)
    assert "set" in params and "text" not in params
    shared = _page("1_Project.py", params)
    assert shared.dataframe[0].value["text"].tolist() == texts
    gone = _page("1_Project.py", {**params, "set": "f" * 32})
    assert any("not on this server" in w.value for w in gone.warning)


def test_project_link_from_an_upload_opens_the_same_texts():
    at = _page("1_Project.py")
    at.radio(key="src").set_value("Upload a file").run()
    at.file_uploader(key="upload").set_value(("r.csv", b"review\nGreat film.\nTerrible film.\n", "text/csv")).run()
    params = browser_link(at)
    assert params["src"] == "Upload a file" and "set" in params and "text" not in params
    shared = _page("1_Project.py", params)
    assert shared.radio(key="src").value == "Texts from a link"
    assert shared.dataframe[0].value["text"].tolist() == ["Great film.", "Terrible film."]


def test_hostile_links_fall_back_to_defaults():
    at = _page("1_Project.py", {"dirs": ["../../etc", _label("sentiment"), "length"], "model": "nope",
                                "x": "<script>", "src": "evil", "raw": "maybe", "set": "not-an-id"})
    assert list(at.dataframe[0].value.columns) == ["text", "sentiment"]
    assert any("malformed" in w.value for w in at.warning)


def test_compare_link_reproduces_the_view():
    at = _page("3_Compare.py")
    at.text_area(key="compare_texts").input("The cat sat.\nThe cat sat on the warm mat.\nStocks fell sharply.").run()
    at.multiselect(key="dirs").set_value(["length", "formality"]).run()
    at.selectbox(key="b").set_value(2).run()
    params = browser_link(at)
    assert params["b"] == "C: Stocks fell sharply." and params["dirs"] == [_label("length"), _label("formality")]
    shared = _page("3_Compare.py", params)
    assert shared.selectbox(key="b").value == 2
    assert shared.dataframe[0].value.equals(at.dataframe[0].value)


def test_map_link_reproduces_the_view():
    at = _page("4_Map.py", {"layout": "Two directions", "x": "Formality", "y": "Art", "color": "topic",
                            "q": "a late train", "hits": "3"})
    assert at.radio(key="layout").value == "directions" and at.selectbox(key="y").value == "art"
    assert at.text_input(key="q").value == "a late train" and at.slider(key="hits").value == 3
    assert browser_link(at)["x"] == "Formality"


def test_map_link_from_an_upload_opens_the_same_corpus():
    at = _page("4_Map.py")
    at.radio(key="src").set_value("Upload a corpus").run()
    csv = b"body,group\napples and pears,fruit\na storm at sea,weather\ntax law,law\nthe opera tonight,art\n"
    at.file_uploader(key="map_upload").set_value(("c.csv", csv, "text/csv")).run()
    params = browser_link(at)
    assert "set" in params
    shared = _page("4_Map.py", {**params, "color": "group"})
    assert shared.radio(key="src").value == "Corpus from a link"
    assert shared.selectbox(key="color").value == "group"
    gone = _page("4_Map.py", {**params, "set": "0" * 32})
    assert any("not on this server" in w.value for w in gone.warning)
