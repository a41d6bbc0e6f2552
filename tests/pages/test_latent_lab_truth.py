"""Issue 15 on the Latent lab: every view tells the truth. The Continue-from choice names the points shown now;
sampling settings appear only where something reads them; decoded texts can be read in full; scores and raw
projections are titled, raw ones to 4 decimals."""
import json

import numpy as np
from streamlit.testing.v1 import AppTest

from tests.pages.test_latent_lab_page import PAGE, run

def continue_from(at):
    return next(s for s in at.selectbox if s.label == "Continue from")


class Browser:
    """What a browser shows in a selectbox across reruns: a widget new to it shows its default option; one it
    has shown keeps the label it holds (the server sees an unchanged value) unless the server sets a new one.
    AppTest re-labels a kept value with the new options, so it cannot see a stale label by itself."""

    def __init__(self):
        self.shown = {}

    def see(self, box) -> str:
        if box.proto.set_value:
            label = box.proto.raw_value
        elif box.id in self.shown:
            label = self.shown[box.id]
        else:
            label = box.options[box.proto.default]
        self.shown[box.id] = label
        return label

    def pick(self, box, index: int):
        self.shown[box.id] = box.options[index]
        return box.set_value(index)


def table(at, column):
    return next(d for d in at.dataframe if column in d.value.columns)


def config(element) -> dict:
    return json.loads(element.proto.columns)


def test_continue_from_names_the_points_of_the_move_shown_now():
    at, browser = run(), Browser()
    box = continue_from(at)
    assert browser.see(box) == "length +1.50" and box.value == 4
    at.selectbox(key="lab_direction").set_value("sentiment").run()
    box = continue_from(at)
    assert box.options == ["sentiment -1.50", "sentiment -0.75", "sentiment +0.00", "sentiment +0.75",
                           "sentiment +1.50"]
    assert browser.see(box) == box.options[box.value] == "sentiment +1.50"  # not 'length +1.50'
    browser.pick(box, 1).run()
    at.radio(key="lab_op").set_value("interpolate").run()
    box = continue_from(at)
    assert box.options == ["t=0.00", "t=0.25", "t=0.50", "t=0.75", "t=1.00"]
    assert browser.see(box) == box.options[box.value] == "t=1.00"  # not 'sentiment -0.75'
    browser.pick(box, 1).run()
    at.run()  # the same points: the pick stays
    box = continue_from(at)
    assert browser.see(box) == box.options[box.value] == "t=0.25"
    at.button(key="lab_keep").click().run()
    steps = table(at, "continued from").value
    assert steps["continued from"].tolist() == ["start", "t=0.25"]  # the point the choice showed
    assert any("From: step 1: t=0.25" in c.value.replace("\\", "") for c in at.caption)


def test_sampling_settings_only_where_a_decoder_reads_them():
    at = run()
    assert at.slider(key="lab_n") and at.number_input(key="lab_seed").disabled  # temperature 0: no seed needed
    assert "nearest texts" in at.slider(key="lab_temperature").help
    at.slider(key="lab_temperature").set_value(0.2).run()
    assert not at.number_input(key="lab_seed").disabled
    at.radio(key="lab_decoder").set_value("generate").run()
    shown = {w.key for w in [*at.slider, *at.number_input]}
    assert not shown & {"lab_n", "lab_temperature", "lab_seed"}  # MiniLM cannot generate: nothing to set
    lines = [i.value for i in at.info if "cannot generate" in i.value]
    assert len(lines) == 1 and lines[0].startswith("all-MiniLM-L6-v2 cannot generate text.")
    assert "bottleneck-t5-base" in lines[0]
    assert not [d for d in at.dataframe if "rank" in d.value.columns]


def test_decoded_texts_can_be_read_in_full():
    at = run()
    at.radio(key="lab_decoder").set_value("nearest").run()
    grid = table(at, "rank")
    assert config(grid)["text"]["width"] == "large"
    assert any("Select rows to read their texts in full" in c.value for c in at.caption)
    texts = grid.value["text"].tolist()
    assert max(len(t) for t in texts) > 25
    at.session_state[grid.key] = {"selection": {"rows": [0, 3], "columns": [], "cells": []}}
    run(at)
    full = [t.value for t in at.text]
    points = grid.value["point"].tolist()
    assert f"{points[0]}, text 1: {texts[0]}" in full and f"{points[3]}, text 2: {texts[3]}" in full


def test_scores_and_raw_projections_are_titled_and_precise():
    at = run()
    points = table(at, "similarity to start")
    assert config(points)["length"]["label"] == "Length" and config(points)["length"]["type_config"]["format"] == "%.2f"
    assert "length_raw" not in points.value.columns
    at.toggle(key="lab_raw").set_value(True).run()
    points = table(at, "similarity to start")
    column = config(points)["sentiment_raw"]
    assert column["label"] == "Sentiment (raw)" and column["type_config"]["format"] == "%.4f"
    raw = points.value["length_raw"]
    assert raw.is_monotonic_increasing and np.ptp(raw) > 0  # the steer moves along length's raw projection
    grid = table(at, "rank")
    assert {"length_raw", "sentiment_raw", "formality_raw"} <= set(grid.value.columns)
    assert config(grid)["length_raw"]["label"] == "Length (raw)" and config(grid)["target"]["label"] == \
        "target (Length)"
