"""`python -m core score` names the pooling method once and marks texts read in windows.

The long text was written for this test; it is in no direction data set or benchmark.
"""
import inspect
import io

import pandas as pd
import pytest

from core.cli.main import main
from core.engines.job import ChunkScorer

LONG = ("The night train crossed the border an hour late, and the conductor walked the corridor twice, "
        "checking tickets by torchlight while most passengers pretended to sleep. ") * 20
NOTE = ("note: 1 text is longer than the model's window (254 word pieces): read in overlapping windows and pooled "
        "(mean of overlapping 254-piece windows (stride 127), weighted by length).")
column = pytest.mark.skipif("windows" not in inspect.signature(ChunkScorer).parameters,
                            reason="the engines' chunk scorer does not add the windows column yet")


def write(tmp_path, *texts):
    src = tmp_path / "in.txt"
    src.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return str(src)


def test_a_long_text_is_named_once_on_standard_error(tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["score", "--input", write(tmp_path, "A short line.", LONG), "--directions", "sentiment",
                 "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert err.count("note: ") == 1 and NOTE in err
    assert pd.read_csv(out, keep_default_na=False)["text"].tolist() == ["A short line.", LONG.strip()]


def test_short_texts_get_no_note_and_no_column(tmp_path, capsys):
    out = tmp_path / "out.parquet"
    assert main(["score", "--input", write(tmp_path, "A short line.", "Another."), "--directions", "sentiment",
                 "--output", str(out)]) == 0
    assert "window" not in capsys.readouterr().err
    assert list(pd.read_parquet(out).columns) == ["text", "sentiment"]


@column
@pytest.mark.parametrize("output", ["out.parquet", None])
def test_the_output_carries_the_windows_column(tmp_path, capsys, output):
    args = ["score", "--input", write(tmp_path, "A short line.", LONG), "--directions", "sentiment", "--raw"]
    assert main(args + (["--output", str(tmp_path / output)] if output else [])) == 0
    captured = capsys.readouterr()
    frame = pd.read_parquet(tmp_path / output) if output else pd.read_csv(io.StringIO(captured.out))
    assert list(frame.columns) == ["text", "sentiment", "sentiment_raw", "windows"]
    assert frame["windows"].tolist() == [1, 4]  # 600 word pieces
