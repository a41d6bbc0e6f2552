"""What the Directions page calls: the form's values, the working data set, formatted measures, rating columns."""
import math

import numpy as np
import pandas as pd
import pytest

from core.directions import (
    DatasetError,
    DirectionDataset,
    QualityReport,
    dataset_from_form,
    form_values,
    format_metric,
    rated_points,
    rating_columns,
    working_dataset,
)
from core.directions.form import FIELDS


def _saved():
    return DirectionDataset(name="mood", title="Mood", negative_label="sad", positive_label="happy",
                            negative=("a grim day",), positive=("a lovely day",), description="d",
                            method="lda", paired=True, notes="n", project_out=("length",))


def test_form_values_of_a_new_and_of_a_saved_data_set():
    new = form_values(None)
    assert set(new) == set(FIELDS)
    assert new == {"name": "", "title": "", "description": "", "negative_label": "negative",
                   "positive_label": "positive", "method": "mean_difference", "paired": False,
                   "project_out": [], "notes": ""}
    new["project_out"].append("x")
    assert form_values(None)["project_out"] == []  # each call gets its own list
    saved = form_values(_saved())
    assert saved == {"name": "mood", "title": "Mood", "description": "d", "negative_label": "sad",
                     "positive_label": "happy", "method": "lda", "paired": True, "project_out": ["length"],
                     "notes": "n"}


def test_the_form_and_its_examples_make_the_data_set_back():
    ds = _saved()
    values = {**form_values(ds), "name": "  mood  ", "title": " Mood "}
    assert dataset_from_form(values, ds.negative, ds.positive) == ds
    working, problem = working_dataset(values, list(ds.negative), list(ds.positive))
    assert working == ds and problem is None


def test_a_form_that_makes_no_data_set_says_why():
    working, problem = working_dataset({**form_values(None), "name": "weather", "title": "Weather"}, (), ())
    assert working is None and isinstance(problem, DatasetError)
    assert "no examples" in str(problem)
    _, bad_name = working_dataset({**form_values(None), "name": "../x", "title": "X"}, ("a",), ("b",))
    assert "name" in str(bad_name)


def test_measures_read_as_three_decimals_or_n_a():
    assert format_metric(0.91234) == "0.912"
    assert format_metric(None) == "n/a" and format_metric(float("nan")) == "n/a"
    assert format_metric(np.float64(1.0)) == "1.000" and format_metric("3 / 4") == "3 / 4"
    rep = QualityReport("mood", "mean_difference", 3, 4, cv_auc=0.875, margin=math.nan)
    metrics = rep.metrics()
    assert "examples" not in metrics and len(metrics) == 6
    assert metrics["held-out AUC"] == "0.875" and metrics["margin"] == "n/a"
    assert metrics["held-out accuracy"] == "n/a"
    assert "examples                       3 / 4" in rep.to_text()


def test_rating_columns_put_the_most_numeric_first():
    table = pd.DataFrame({"text": ["a", "b", "c"], "note": ["1", "x", "y"], "rating": ["1", "2", "3.5"]})
    assert rating_columns(table) == ["rating", "note", "text"]
    points = rated_points(["a", "b"], np.array([0.5, -0.5]), [2, 1])
    assert points.columns.tolist() == ["text", "score", "rating"]
    assert points["rating"].tolist() == [2.0, 1.0] and points["score"].dtype == float


@pytest.mark.parametrize("name", ["mood", "Mood_2"])
def test_form_names_keep_their_case(name):
    ds = dataset_from_form({**form_values(_saved()), "name": name}, ("x",), ("y",))
    assert ds.name == name
