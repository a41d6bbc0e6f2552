"""Score tables carry the number of windows each text was read in."""
import io

import numpy as np
import pandas as pd
import pytest

from core.explore.scores import mark_windowed, score_frame, wide_scores, wide_table
from core.io.exports import csv_bytes, parquet_bytes
from tests.explore.test_scores import A, B, E

TEXTS = ["x", "y", "z"]


def test_long_and_wide_tables_carry_the_windows_column():
    frame = score_frame(TEXTS, E, [A, B], windows=[1, 3, 1])
    assert frame.loc[frame["row"] == 1, "windows"].tolist() == [3, 3]
    wide = wide_scores(frame, raw=True)
    assert list(wide.columns) == ["text", "a", "b", "a_raw", "b_raw", "windows"]
    assert wide["windows"].tolist() == [1, 3, 1]
    direct = wide_table(TEXTS, E, [A, B], raw=True, windows=np.array([1, 3, 1]))
    pd.testing.assert_frame_equal(direct, wide, check_dtype=False)
    assert direct["windows"].dtype == np.int64


def test_without_counts_nothing_changes():
    assert "windows" not in wide_table(TEXTS, E, [A]).columns
    assert "windows" not in score_frame(TEXTS, E, [A]).columns
    assert "windows" not in wide_scores(score_frame(TEXTS, E, [A])).columns


def test_mark_windowed_checks_the_counts_fit():
    wide = wide_table(TEXTS, E, [A])
    assert mark_windowed(wide, [2, 1, 1])["windows"].tolist() == [2, 1, 1]
    assert "windows" not in wide.columns  # a copy: the table passed in is left alone
    with pytest.raises(ValueError, match="3 window counts"):
        mark_windowed(wide.iloc[:2], [2, 1, 1])
    with pytest.raises(ValueError):
        mark_windowed(score_frame(TEXTS, E, [A]), [1, 1])
    empty = score_frame([], np.zeros((0, 3), np.float32), [A], windows=[])
    assert "windows" in empty.columns and empty.empty


def test_exports_keep_the_column():
    table = wide_table(["=risky", "plain"], E[:2], [A], windows=[2, 1])
    assert b"windows" in csv_bytes(table).splitlines()[0]
    back = pd.read_parquet(io.BytesIO(parquet_bytes(table)))
    assert back["windows"].tolist() == [2, 1]
