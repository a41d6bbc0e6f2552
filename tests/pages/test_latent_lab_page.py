"""AppTest of pages/5_Latent_lab.py on the default model: reading along the direction (a steer's default),
nearest texts, generation, adapters, and bad reference corpora."""
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.io.corpus import Corpus
from core.latent.directional import COMPLEMENT, TARGET
from tests.conftest import ROOT
from tests.fixtures.tiny_models import REV

PAGE = str(ROOT / "pages" / "5_Latent_lab.py")


def run(at=None):
    at = AppTest.from_file(PAGE, default_timeout=300) if at is None else at
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def frames(at):
    """(points table, decoded grid, trail table) as the page shows them."""
    values = [d.value for d in at.dataframe]
    points = next(v for v in values if "point" in v.columns and "rank" not in v.columns)
    grid = next((v for v in values if "rank" in v.columns), None)
    trail = next(v for v in values if "step" in v.columns)
    return points, grid, trail


def continue_from(at):
    """The trail's Continue-from choice (its key names the points it chooses among)."""
    return next(s for s in at.selectbox if s.label == "Continue from")


def exported(at):
    return json.loads(at.code[0].value)


def top(grid):
    return grid[grid["rank"] == 1].reset_index(drop=True)


def test_default_steer_along_length_reads_back_along_the_direction():
    at = run()
    points, grid, trail = frames(at)
    assert points["point"].tolist()[0].startswith("length -1.50") and len(points) == 5
    assert points["length"].is_monotonic_increasing  # steering toward "short" scores shorter
    assert points["length"].iloc[0] < points["length"].iloc[2] - 1.0
    assert at.radio(key="lab_decoder").value == "direction"  # the default read-back of a steer
    assert len(grid) == 10 and set(grid["point"]) == set(points["point"])
    assert grid.columns.tolist()[:6] == ["point", "rank", "text", TARGET, "length", COMPLEMENT]
    assert {"similarity to start", "similarity to point", "sentiment", "formality"} <= set(grid.columns)
    np.testing.assert_allclose(top(grid)[TARGET], points["length"], atol=1e-4)  # each point's own score
    assert (abs(grid["length"] - grid[TARGET]) <= 0.35 + 1e-6).sum() >= 6  # most read-backs are within the band
    firsts = top(grid)
    assert firsts["length"].iloc[0] < firsts["length"].iloc[2] < firsts["length"].iloc[4]  # the texts follow
    assert firsts["text"].nunique() >= 4 and grid[COMPLEMENT].between(-1, 1).all()
    assert any("Reading along Length" in c.value for c in at.caption)
    assert trail["move"].tolist() == ["start"]
    assert at.get("download_button")


def test_switching_to_nearest_texts_and_back_and_reading_along_for_other_moves():
    at = run()
    along = top(frames(at)[1])["text"].tolist()
    at.radio(key="lab_decoder").set_value("nearest").run()
    _, grid, _ = frames(at)
    assert TARGET not in grid.columns and COMPLEMENT not in grid.columns and len(grid) == 10
    assert top(grid)["text"].nunique() < len(set(along))  # nearest texts barely move with the steer
    at.radio(key="lab_decoder").set_value("direction").run()
    assert top(frames(at)[1])["text"].tolist() == along

    at.radio(key="lab_op").set_value("interpolate").run()
    assert at.radio(key="lab_decoder").value == "nearest"  # another move: nearest texts by default
    assert TARGET not in frames(at)[1].columns
    at.radio(key="lab_decoder").set_value("direction").run()
    assert at.selectbox(key="lab_along").options == ["Length", "Sentiment", "Formality"]
    at.selectbox(key="lab_along").set_value("sentiment").run()
    _, grid, _ = frames(at)
    assert grid.columns.tolist()[3:6] == [TARGET, "sentiment", COMPLEMENT] and len(grid) == 10
    at.multiselect(key="lab_directions").set_value([]).run()
    assert not at.exception and frames(at)[1] is None
    assert any("needs a direction" in i.value for i in at.info)
    at.radio(key="lab_op").set_value("steer").run()
    assert at.radio(key="lab_decoder").value == "direction" and TARGET in frames(at)[1].columns


def test_a_reference_corpus_of_one_text_says_so_and_the_sample_stands_in():
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["uploaded_corpus"] = Corpus("tiny.csv", pd.DataFrame({"text": ["just one", "just one"]}))
    at.session_state["lab_reference"] = "map"
    run(at)
    assert any("tiny.csv" in e.value.replace("\\", "") and "2" in e.value for e in at.error)  # the picker says why
    _, grid, _ = frames(at)
    assert len(grid) == 10 and TARGET in grid.columns  # read along the direction in the built-in sample


def test_a_corpus_embedded_by_another_model_says_so(monkeypatch):
    from core.io import corpus as corpora

    monkeypatch.setattr(corpora, "embed_corpus", lambda c, e, p=None: np.eye(len(c.texts), 256, dtype=np.float32))
    at = run()
    assert any("Incompatible dimensions: the direction 'length' has 384 dimensions but the reference texts have "
               "256" in e.value for e in at.error)
    assert frames(at)[1] is None


def test_moves_keep_undo_and_export():
    at = run()
    at.radio(key="lab_op").set_value("blur").run()
    assert not at.exception
    points, grid, _ = frames(at)
    assert len(points) == 6 and points["point"].iloc[0] == "blur 1"
    at.slider(key="lab_radius").set_value(0.0).run()
    points, _, _ = frames(at)
    assert np.allclose(points["similarity to start"], 1.0, atol=1e-5)  # radius 0: the start itself

    at.radio(key="lab_op").set_value("steer").run()
    at.selectbox(key="lab_direction").set_value("sentiment").run()
    points, grid, _ = frames(at)
    assert points["point"].iloc[-1] == "sentiment +1.50" and points["sentiment"].is_monotonic_increasing
    continue_from(at).set_value(0).run()
    at.button(key="lab_keep").click().run()
    assert not at.exception
    _, _, trail = frames(at)
    assert trail["move"].tolist() == ["start", "steer"] and trail["continued from"].iloc[1] == "sentiment -1.50"
    data = exported(at)
    assert data["model"] == "all-MiniLM-L6-v2" and [m["op"] for m in data["moves"]] == ["steer"]
    assert data["moves"][0]["chosen"] == 0 and len(data["moves"][0]["outputs"]) == 5
    assert "From: step 1" in at.caption[1].value.replace("\\", "")

    at.radio(key="lab_op").set_value("interpolate").run()
    at.button(key="lab_keep").click().run()
    _, _, trail = frames(at)
    assert trail["move"].tolist() == ["start", "steer", "interpolate"]
    at.button(key="lab_undo").click().run()
    _, _, trail = frames(at)
    assert trail["move"].tolist() == ["start", "steer"]
    at.button(key="lab_undo").click().run()
    _, _, trail = frames(at)
    assert trail["move"].tolist() == ["start"] and exported(at)["moves"] == []


def test_splice_arithmetic_and_missing_texts():
    at = run()
    at.radio(key="lab_op").set_value("splice").run()
    points, grid, _ = frames(at)
    assert len(points) == 1 and len(grid) == 2
    at.radio(key="lab_op").set_value("arithmetic").run()
    at.text_input(key="lab_c").input("A museum of modern art.").run()
    points, _, _ = frames(at)
    assert not at.exception and points["point"].iloc[0] == "+1×B -1×C"
    at.text_area(key="lab_b").input("").run()
    assert any("second text (B)" in i.value for i in at.info)
    at.text_area(key="lab_a").input("   ").run()
    assert any("Enter a start text" in i.value for i in at.info)


def test_trail_import_round_trip_and_bad_files():
    at = run()
    at.button(key="lab_keep").click().run()
    text = at.code[0].value
    fresh = run()
    fresh.file_uploader(key="lab_import").set_value(("trail.json", text.encode(), "application/json")).run()
    assert not fresh.exception
    _, _, trail = frames(fresh)
    assert trail["move"].tolist() == ["start", "steer"]
    assert any("Trail imported" in s.value for s in fresh.success)
    fresh.file_uploader(key="lab_import").set_value(("bad.json", b"{not json", "application/json")).run()
    assert any("not valid JSON" in e.value for e in fresh.error)
    other = json.dumps({**json.loads(text), "model": "no-such-model"}).encode()
    fresh.file_uploader(key="lab_import").set_value(("other.json", other, "application/json")).run()
    assert any("not registered here" in e.value for e in fresh.error)


def test_generation_says_which_model_is_needed():
    at = run()
    at.radio(key="lab_decoder").set_value("generate").run()
    assert not at.exception
    assert any("needs a bottleneck-T5 model" in i.value for i in at.info)
    needs = " ".join(m.value for m in at.markdown)
    assert "trust_remote_code: true" in needs and "hf download thesephist/contra-bottleneck-t5-base-wikipedia" in needs
    _, grid, _ = frames(at)
    assert grid is None


def test_adapter_into_tfidf_and_a_corrupt_adapter_file():
    at = run()
    at.radio(key="lab_decoder").set_value("adapter").run()
    assert not at.exception
    assert at.selectbox(key="lab_target").value == "tfidf-svd-256"
    assert any("held-out cosine" in c.value and "top-1 retrieval" in c.value for c in at.caption)
    _, grid, _ = frames(at)
    assert len(grid) == 10
    carried = next(d.value for d in at.dataframe if "cosine with the target's own" in d.value.columns)
    assert set(carried["direction"]) == {"Length", "Sentiment", "Formality"}  # titled, like every other table
    at.file_uploader(key="lab_adapter_file").set_value(("broken.npz", b"PK\x03\x04 broken", "application/zip")).run()
    assert any("not a valid adapter file" in e.value for e in at.error)
    _, grid, _ = frames(at)
    assert len(grid) == 10  # falls back to the fitted adapter


@pytest.mark.parametrize("op", ["interpolate", "arithmetic"])
def test_temperature_sampling_is_reproducible(op):
    at = run()
    at.radio(key="lab_op").set_value(op).run()
    at.slider(key="lab_temperature").set_value(0.1).run()
    first = frames(at)[1]["text"].tolist()
    at.run()
    assert frames(at)[1]["text"].tolist() == first


def test_generation_with_a_tiny_bottleneck_model(tiny_bottleneck):
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["model"] = tiny_bottleneck  # start on the tiny model: nothing is embedded with MiniLM
    at.session_state["lab_directions"] = ["length"]
    at.session_state["lab_decoder"] = "generate"
    run(at)
    assert any(REV in c.value for c in at.caption)  # the pinned revision is shown
    assert any("Press Generate" in i.value for i in at.info)
    assert "greedy" in at.slider(key="lab_temperature").help  # a generator: its sampling settings are offered
    assert at.number_input(key="lab_seed").disabled  # the seed counts only once the temperature is above 0
    at.slider(key="lab_n").set_value(2).run()
    at.button(key="lab_generate").click().run()
    assert not at.exception
    _, grid, _ = frames(at)
    assert len(grid) == 10 and grid["point"].iloc[0] == "length -1.50"
    texts = grid["text"].tolist()
    at.run()  # kept for the same points and settings: not generated again
    assert frames(at)[1]["text"].tolist() == texts
    assert at.button(key="lab_generate").disabled


# ---------------------------------------------------------------- core.trail, the page's logic

from core.latent import trail as trails  # noqa: E402

X, Y = np.array([1.0, 0, 0, 0]), np.array([0.0, 1, 0, 0])


def test_trail_moves_are_exact_and_undoable():
    t = trails.start("m", "start text", X)
    labels, out = trails.run("steer", X, {"direction": "y", "amounts": [0.0, 0.5], "scale": 2.0}, {"direction": 3 * Y})
    assert labels == ["y +0.00", "y +0.50"]
    np.testing.assert_allclose(out, [X, (X + Y) / np.sqrt(2)])  # 0.5 calibrated units x half-span 2 = 1 raw
    t = trails.apply(t, "steer", {"direction": "y", "amounts": [0.0, 0.5], "scale": 2.0}, {"direction": Y}, chosen=1)
    np.testing.assert_allclose(t.current, (X + Y) / np.sqrt(2))
    assert t.current_label == "step 1: y +0.50"
    t = trails.apply(t, "interpolate", {"method": "slerp", "steps": 3}, {"other": Y})
    np.testing.assert_allclose(t.current, Y, atol=1e-12)  # the last output by default
    _, spliced = trails.run("splice", np.array([1.0, 2, 3, 4]), {"k": 2}, {"other": np.array([5.0, 6, 7, 8])})
    np.testing.assert_allclose(spliced[0], np.array([1, 2, 7, 8]) / np.linalg.norm([1, 2, 7, 8]))
    labels, out = trails.run("arithmetic", X, {"terms": [{"weight": 1, "label": "B"}, {"weight": -1, "label": "C"}]},
                             {"terms": [Y, X]})
    assert labels == ["+1×B -1×C"]
    np.testing.assert_allclose(out[0], Y)
    labels, out = trails.run("blur", X, {"radius": 0.0, "count": 3, "seed": 1})
    np.testing.assert_allclose(out, np.tile(X, (3, 1)))
    t = trails.undo(t)
    np.testing.assert_allclose(t.current, (X + Y) / np.sqrt(2))
    assert trails.undo(trails.undo(t)).moves == () and trails.undo(trails.undo(t)).current is not None
    assert [r["move"] for r in trails.steps_table(t)] == ["start", "steer"]


def test_trail_refuses_bad_moves_with_messages():
    with pytest.raises(trails.TrailError, match="Unknown move"):
        trails.run("teleport", X, {})
    with pytest.raises(trails.TrailError, match="needs a second text"):
        trails.run("splice", X, {"k": 1})
    with pytest.raises(trails.TrailError, match="Incompatible dimensions"):
        trails.run("interpolate", X, {"steps": 3}, {"other": np.ones(3)})
    with pytest.raises(trails.TrailError, match="missing a setting"):
        trails.run("blur", X, {"radius": 0.1})
    with pytest.raises(trails.TrailError, match="k must be between"):
        trails.run("splice", X, {"k": 9}, {"other": Y})
    with pytest.raises(trails.TrailError, match="cannot normalise"):
        trails.run("arithmetic", X, {"terms": [{"weight": -1, "label": "A"}]}, {"terms": [X]})
    with pytest.raises(trails.TrailError, match="plain numbers"):
        trails.apply(trails.start("m", "s", X), "blur", {"radius": 0.0, "count": 1, "x": object()})
    with pytest.raises(trails.TrailError, match="Continue from"):
        trails.apply(trails.start("m", "s", X), "blur", {"radius": 0.0, "count": 2}, chosen=5)
    with pytest.raises(trails.TrailError):
        trails.start("m", "s", np.zeros(4))


def test_trail_json_round_trip_and_bad_files():
    t = trails.start("m", "naïve start", latent_unit([0.3, 0.4, 0.5, 0.6]))
    t = trails.apply(t, "blur", {"radius": 0.3, "count": 4, "seed": 2}, chosen=2)
    t = trails.apply(t, "steer", {"direction": "d", "amounts": [-1.0, 1.0], "scale": 0.1}, {"direction": Y})
    back = trails.from_json(trails.to_json(t).encode("utf-8"))
    assert back.model == "m" and back.start_text == "naïve start" and len(back.moves) == 2
    assert back.moves[0].chosen == 2 and back.moves[1].params == t.moves[1].params
    np.testing.assert_allclose(back.current, t.current, atol=1e-8)
    good = json.loads(trails.to_json(t))
    bad = {
        "not json": b"{oops",
        "not utf-8": b"\xff\xfe\x00",
        "other format": json.dumps({**good, "format": "x"}),
        "wrong dims": json.dumps({**good, "moves": [{**good["moves"][0], "outputs": [[1.0, 2.0]] * 4}]}),
        "strings": json.dumps({**good, "start": ["1", "2", "3", "4"]}),
        "zero start": json.dumps({**good, "start": [0, 0, 0, 0]}),
        "bad op": json.dumps({**good, "moves": [{**good["moves"][0], "op": "rm -rf"}]}),
        "bool chosen": json.dumps({**good, "moves": [{**good["moves"][0], "chosen": True}]}),
        "chosen out of range": json.dumps({**good, "moves": [{**good["moves"][0], "chosen": 9}]}),
        "labels": json.dumps({**good, "moves": [{**good["moves"][0], "labels": ["a"]}]}),
        "list": "[]",
    }
    for name, data in bad.items():
        with pytest.raises(trails.TrailError):
            trails.from_json(data)
    nan = trails.to_json(t).replace(str(good["start"][0]), "NaN", 1)
    with pytest.raises(trails.TrailError, match="finite"):
        trails.from_json(nan)


def latent_unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)
