"""Issue 17, item 11: formula-like column names (an uploaded corpus's metadata columns, shown on the Map and
exported) are header cells of the CSV export and must be escaped like any other cell."""
import csv
import io

import pandas as pd

from core.io import exports


def test_formula_like_column_names_are_quoted_in_the_csv_header():
    frame = pd.DataFrame({"text": ["a"], '=HYPERLINK("http://evil","x")': ["v"], "@cmd": [1], "+sum": [2.5],
                          "-1": ["w"], "topic": ["=1+1"], "score": [-0.5]})
    rows = list(csv.reader(io.StringIO(exports.csv_bytes(frame).decode("utf-8"))))
    header, row = rows[0], rows[1]
    assert header == ["text", '\'=HYPERLINK("http://evil","x")', "'@cmd", "'+sum", "'-1", "topic", "score"]
    assert row == ["a", "v", "1", "2.5", "w", "'=1+1", "-0.5"]  # numbers stay numbers, formulas quoted
    assert list(frame.columns)[1].startswith("=")  # the caller's frame is untouched
