"""The quality report says what its numbers are: the p-value at its resolution from one permutation count
(the page's and the CLI's), what 'margin' measures, wrong-side scores at one labelled precision each, and
the direction's own pole labels instead of 'negative' and 'positive'."""
import numpy as np
import pytest

from core.cli.main import parser
from core.directions.datasets import DirectionDataset
from core.directions.quality import (
    PERMUTATIONS,
    WRONG_SIDE_FORMATS,
    QualityReport,
    format_p_value,
    quality_report,
    wrong_side_table,
)

ODD = DirectionDataset(name="odd", title="Odd", negative_label="other topics", positive_label="art",
                       negative=("one", "two", "three"),
                       positive=("a much longer text here", "another fairly long text", "the third long one",
                                 "wrongly placed text that is long", "and one more long example text"))
NEG = np.array([[-1.0, 0.0], [-1.0, 0.0], [-0.9, 0.1]])
POS = np.array([[1.0, 0.0], [0.9, 0.1], [1.0, 0.05], [-1.0, 0.02], [0.95, 0.0]])


def _odd(**options):
    return quality_report(ODD, NEG, POS, np.array([1.0, 0.0]), folds=3, n_boot=5, **options)


@pytest.mark.parametrize("p, n, text", [
    (1 / 101, 100, "< 0.01"),  # the smallest p 100 permutations can give: a bound, not "0.010"
    (1 / 51, 50, "< 0.02"),
    (1 / 20, 19, "≤ 0.05"),  # the bound is the value itself
    (2 / 101, 100, "0.020"),
    (0.5, 100, "0.500"),
    (None, 100, "n/a"),
    (0.5, 0, "n/a"),
])
def test_p_value_reads_at_its_resolution(p, n, text):
    assert format_p_value(p, n) == text


def test_one_permutation_count_for_the_page_and_the_cli():
    assert PERMUTATIONS == 100
    assert parser().parse_args(["build", "art"]).permutations == PERMUTATIONS
    rep = _odd()
    assert rep.permutations == PERMUTATIONS
    label = f"p-value ({PERMUTATIONS} permutations)"
    assert rep.p_label == label and label in rep.metrics()
    assert rep.metrics()[label] == format_p_value(rep.p_value, PERMUTATIONS)
    assert f"{label:<30} {rep.metrics()[label]}" in rep.to_text()  # the CLI prints what the page shows
    without = QualityReport("x", "mean_difference", 3, 4)
    assert without.metrics()["p-value (shuffled labels)"] == "n/a"


def test_margin_is_explained_in_score_units_with_what_is_good():
    rep = _odd(n_perm=0)
    explained = rep.metric_help()["margin"]
    assert "lowest art example's score minus the highest other topics example's" in explained
    assert "calibrated score units" in explained and "-1 and +1" in explained
    assert "Above 0 is good" in explained
    text = " ".join(rep.to_text().split())
    assert "margin: The lowest art example's score" in text and "calibrated score units" in text
    assert set(rep.metric_help()) == set(rep.metrics())  # every measure shown has its explanation


def test_wrong_side_table_labels_its_poles_and_keeps_one_precision_per_column():
    rep = _odd(n_perm=0)
    table = wrong_side_table(rep)
    assert table.columns.tolist() == ["example", "labelled as", *WRONG_SIDE_FORMATS]
    assert WRONG_SIDE_FORMATS == {"held-out score (calibrated)": "%.2f",
                                  "score with all examples (calibrated)": "%.2f",
                                  "raw projection (all examples)": "%.4f"}
    assert table["example"].tolist() == ["wrongly placed text that is long"]
    assert table["labelled as"].tolist() == ["art"]
    row = table.iloc[0]
    for column, fmt in WRONG_SIDE_FORMATS.items():
        decimals = int(fmt[2])
        assert row[column] == round(row[column], decimals)
    assert row["raw projection (all examples)"] == pytest.approx(-1.0)
    assert row["held-out score (calibrated)"] < 0 and row["score with all examples (calibrated)"] < 0


def test_hints_and_near_duplicates_use_the_pole_labels():
    rep = _odd(n_perm=0)
    hints = " ".join(rep.hints)
    assert "(3 other topics, 5 art)" in hints and "The art pole's examples" in hints
    assert "negative" not in hints and "positive" not in hints
    assert set(rep.near_duplicates["poles"]) <= {"other topics / other topics", "art / art", "other topics / art"}
    assert "(other topics / art)" in rep.to_text()
