"""The Map's figure (category colours, legend beside the colour bar, search-hit and cluster labels) and, under
AppTest, its clusters: turned on, drawn, listed, and a selected cluster's texts made direction examples."""
import json

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.directions.datasets import load_dataset
from core.io.corpus import sample_corpus
from core.ui import map_charts
from tests.conftest import ROOT


def frame(n=240, seed=0, **columns):
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({"x": rng.uniform(0, 10, n), "y": rng.uniform(0, 10, n), "text": [f"text {i}" for i in range(n)]})
    for name, values in columns.items():
        out[name] = values
    return out


def lab(colour: str) -> np.ndarray:
    """CIE-Lab (D65) of a #rrggbb colour."""
    c = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    f = np.cbrt(np.maximum(xyz / np.array([0.95047, 1.0, 1.08883]), 0.008856))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_each_of_the_samples_24_topics_has_its_own_colour():
    topics = sample_corpus().frame["topic"]
    fig = map_charts.corpus_map(frame(len(topics), topic=topics.values), "topic", "x", "y")
    colours = {t.name: t.marker.color for t in fig.data}
    assert sorted(colours) == sorted(topics.unique()) and len(colours) == 24
    assert len(set(colours.values())) == 24 and colours["art"] != colours["weather"]
    points = [lab(c) for c in colours.values()]
    closest = min(np.linalg.norm(a - b) for i, a in enumerate(points) for b in points[i + 1:])
    assert closest > 20  # clearly different colours (ΔE76), not two light blues


def test_a_long_tail_of_categories_is_grouped_as_other():
    values = [f"c{i:02d}" for i in range(30) for _ in range(30 - i)]  # c00 most frequent ... c29 least
    fig = map_charts.corpus_map(frame(len(values), group=values), "group", "x", "y")
    names = [t.name for t in fig.data]
    assert len(names) == 24 and names[-1] == map_charts.OTHER and names[:23] == [f"c{i:02d}" for i in range(23)]
    other = fig.data[-1]
    assert other.marker.color == map_charts.OTHER_COLOUR and len(other.x) == sum(range(1, 8))  # c23..c29
    assert len({t.marker.color for t in fig.data}) == 24


def test_the_legend_never_meets_the_colour_bar():
    table = frame(score=np.linspace(-1, 1, 240))
    fig = map_charts.corpus_map(table, "score", "x", "y", highlight=[0, 1, 2])
    bar, legend = fig.data[0].marker.colorbar, fig.layout.legend
    assert bar.x >= 1.0 and bar.xanchor == "left"  # right of the plot
    top_of_bar = bar.y + bar.len / 2  # yanchor middle, len a fraction of the plot's height
    assert legend.orientation == "h" and legend.yanchor == "bottom" and legend.y >= 1.0 > top_of_bar
    assert [t.name for t in fig.data if t.showlegend is not False] == ["search hits"]


def test_search_hit_numbers_are_few_and_do_not_pile_up():
    table = frame()
    close = table.index[:50].tolist()
    table.loc[close, ["x", "y"]] = np.c_[5 + np.arange(50) * 1e-3, np.full(50, 5.0)]  # 50 hits on one spot
    labels = map_charts.corpus_map(table, None, "x", "y", highlight=close).data[-1].text
    assert labels[0] == "1" and [t for t in labels if t] == ["1"]
    spread = table.index[60:110].tolist()
    hits = map_charts.corpus_map(table, None, "x", "y", highlight=spread).data[-1]
    shown = [i for i, t in enumerate(hits.text) if t]
    assert shown[0] == 0 and len(shown) <= map_charts.HIT_LABELS
    assert [hits.text[i] for i in shown] == [str(i + 1) for i in shown]  # the hit's rank, as in the table
    xy = np.c_[np.asarray(hits.x)[shown] / 10, np.asarray(hits.y)[shown] / 10]
    gaps = [np.abs(a - b).max() for i, a in enumerate(xy) for b in xy[i + 1:]]
    assert min(gaps) >= map_charts.HIT_SPACING * 0.99
    assert hits.textposition == "top right" and len(hits.hovertext) == 50


def test_cluster_labels_are_written_at_their_positions():
    labels = pd.DataFrame({"label": ["rain, storm", "<b>bold</b>"], "x": [1.0, 2.0], "y": [3.0, 4.0]})
    fig = map_charts.corpus_map(frame(), None, "x", "y", clusters=labels)
    notes = fig.layout.annotations
    assert [(a.text, a.x, a.y) for a in notes] == [("rain, storm", 1.0, 3.0), ("&lt;b&gt;bold&lt;/b&gt;", 2.0, 4.0)]


def run_map():
    at = AppTest.from_file(str(ROOT / "pages" / "4_Map.py"), default_timeout=600)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def figure(at) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_clusters_label_the_map_and_a_selected_cluster_becomes_direction_examples(directions_copy):
    folder = directions_copy("art", "length")
    at = run_map()
    assert not at.dataframe or at.dataframe[0].key != "cluster_table"  # off by default
    at.toggle(key="clusters").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    table = next(d for d in at.dataframe if d.key == "cluster_table").value
    assert table.columns.tolist() == ["label", "texts", "top words"]
    assert table["texts"].sum() == 2100 and (table["label"].str.len() > 0).all()
    assert [a["text"] for a in figure(at)["layout"]["annotations"]] == table["label"].tolist()
    assert any(s.value == "Selection: 0 texts" for s in at.subheader)
    at.session_state["cluster_table"] = {"selection": {"rows": [len(table) + 5], "columns": []}}  # stale: no row
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any(s.value == "Selection: 0 texts" for s in at.subheader)

    pick = len(table) - 1
    at.session_state["cluster_table"] = {"selection": {"rows": [pick], "columns": []}}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    count = int(table["texts"].iloc[pick])
    assert any(s.value == f"Selection: {count:,} texts" for s in at.subheader)
    selected = at.dataframe[-1].value["text"].tolist()
    assert len(selected) == count

    at.selectbox(key="target").set_value("art").run()
    at.radio(key="target_pole").set_value("positive").run()
    before = load_dataset(folder / "art.yaml")
    at.button(key="add_selection").click().run()
    assert not at.exception, [e.message for e in at.exception]
    after = load_dataset(folder / "art.yaml")
    assert set(selected) <= set(after.positive) and len(after.positive) > len(before.positive)

    at.selectbox(key="color").set_value("cluster").run()
    assert not at.exception, [e.message for e in at.exception]
    assert sorted(t["name"] for t in figure(at)["data"]) == sorted(table["label"])


@pytest.mark.slow
def test_clusters_of_the_umap_layout():
    at = run_map()
    at.radio(key="layout").set_value("umap").run()
    assert not at.exception, [e.message for e in at.exception]
    at.toggle(key="clusters").set_value(True).run()
    assert not at.exception, [e.message for e in at.exception]
    table = next(d for d in at.dataframe if d.key == "cluster_table").value
    assert len(table) >= 8 and table["texts"].sum() == 2100
    assert "UMAP 1" in json.dumps(figure(at)["layout"]["xaxis"])
