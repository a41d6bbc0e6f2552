"""The figures Project and Compare show, sized and labelled for what they hold; Compare's A/B picks kept in range."""
import numpy as np
import pytest

from core.explore import compare
from core.explore.scores import score_frame
from core.ui import charts
from tests.explore.test_compare_map import axis


SENT = axis("sentiment", "Sentiment", "negative", "positive", 0)
ART = axis("art", "Art", "other topics", "art", 1)
LEN = axis("length", "Length", "short", "long", 2)


def frame_of(n, seed=0):
    E = np.random.default_rng(seed).normal(size=(n, 3))
    return score_frame([f"text number {i} " + "word " * 20 for i in range(n)], E, [SENT, ART, LEN])


def test_similarity_heatmap_is_sized_to_its_texts_with_square_cells():
    small = charts.similarity_heatmap(np.eye(2), ["A: one text", "B: another text"], ["A", "B"])
    assert small.layout.width <= 700 and small.layout.height <= 400  # not a small block in a 1,000 px chart
    big = charts.similarity_heatmap(np.eye(50), [f"T{i}: a text" for i in range(50)])
    assert big.layout.width <= 950 and big.layout.height <= 700
    for fig, n in ((small, 2), (big, 50)):
        plot_w = fig.layout.width - 300 - 110  # room left for the cells (labels left, colour bar right)
        plot_h = fig.layout.height - 90
        assert plot_w / n == pytest.approx(plot_h / n)  # square cells
    assert list(small.data[0].x) == ["A", "B"] and list(small.data[0].y) == ["A: one text", "B: another text"]
    assert small.data[0].texttemplate and not big.data[0].texttemplate  # values written in cells that fit them


def test_project_heatmap_and_bars_stay_a_readable_height():
    few, many = frame_of(6), frame_of(50)
    assert charts.heatmap(few).layout.height == 300
    assert charts.heatmap(many).layout.height <= 900  # 28 px a row would be 1,440
    assert charts.bars(many, SENT).layout.height <= 900
    assert charts.heatmap(frame_of(30)).layout.height == 60 + 28 * 30  # rows only shrink past what fits


def test_scatter_labels_points_only_while_they_do_not_pile_up():
    few = charts.scatter(frame_of(6), SENT, ART)
    assert few.data[0].mode == "markers+text" and list(few.data[0].text) == [str(i) for i in range(1, 7)]
    many = charts.scatter(frame_of(charts.LABELLED_POINTS + 1), SENT, ART)
    assert many.data[0].mode == "markers" and many.data[0].text is None
    assert many.data[0].hovertext[0].startswith("1. text number 0")  # the text is on hover
    assert "Sentiment" in few.layout.xaxis.title.text and "Art" in few.layout.yaxis.title.text


def test_difference_bars_hover_names_the_texts_not_columns():
    frame = frame_of(2)
    diffs = compare.differences(frame, 0, 1, [SENT, ART, LEN])
    template = charts.difference_bars(diffs, "A", "C").data[0].hovertemplate
    assert "A's score" in template and "C's score" in template and "C minus A" in template
    assert "a=" not in template and "b=" not in template


def test_text_names_and_kept_pairs():
    assert compare.text_names(3) == ["A", "B", "C"] and compare.text_names(28)[-2:] == ["T27", "T28"]
    assert compare.keep_pair(0, 2, 2) == (0, 1)  # B was the third text: now the last one
    assert compare.keep_pair(2, 1, 2) == (0, 1)  # A would land on B: it moves to the other text
    assert compare.keep_pair(3, 2, 2) == (1, 0)
    assert compare.keep_pair(1, 1, 3) == (1, 1)  # a pick the user made stays
    assert compare.keep_pair(0, 2, 5) == (0, 2)
    assert compare.keep_pair(None, "x", 2) == (0, 1)
