"""Reading pasted and uploaded texts: every bad input gets a clear message and keeps what it can."""
import io

import pandas as pd
import pytest

from core.io import inputs
from core.io.exports import csv_bytes
from core.io.inputs import InputError


def test_paste_drops_empty_lines_and_notes_duplicates():
    batch = inputs.from_paste("one\n\n  \ntwo\none\nNA\nNone\n")
    assert batch.texts == ["one", "two", "one", "NA", "None"]
    assert any("Skipped 2 empty lines" in n for n in batch.notes)
    assert any("1 duplicate text" in n for n in batch.notes)


def test_empty_paste_gives_no_texts():
    assert inputs.from_paste("").texts == []
    assert inputs.from_paste("\n \n").texts == []


def test_ten_thousand_lines_are_kept_and_limits_are_explained():
    text = "\n".join(f"line {i}" for i in range(10_000))
    batch = inputs.from_paste(text)
    assert len(batch.texts) == 10_000
    assert inputs.limit(batch).texts == batch.texts
    more = inputs.limit(inputs.from_paste(text + "\nextra"), maximum=10_000)
    assert len(more.texts) == 10_000 and "python -m core score" in more.notes[-1]


def test_csv_keeps_na_strings_and_picks_column():
    data = "id,text,other\n1,NA,x\n2,None,y\n3,a real sentence here,z\n".encode()
    table = inputs.read_table("f.csv", data)
    assert inputs.text_columns(table)[0] == "text"
    batch = inputs.from_upload("f.csv", data, "text")
    assert batch.texts == ["NA", "None", "a real sentence here"]


def test_csv_without_the_column_names_the_columns():
    with pytest.raises(InputError, match="no column 'body'. Its columns: id, text"):
        inputs.from_upload("f.csv", b"id,text\n1,hello\n", "body")


@pytest.mark.parametrize("data,message", [
    (b"", "is empty"),
    (b"   \n", "is empty"),
    (b"text\n", "holds no text"),
    ("caf\u00e9,x\n".encode("latin-1"), "not UTF-8"),
    (b'text\n"unclosed\n', "well-formed"),
])
def test_bad_csv_files(data, message):
    with pytest.raises(InputError, match=message):
        inputs.from_upload("f.csv", data, "text")


def test_txt_and_parquet_and_tsv():
    assert inputs.from_upload("a.txt", "\ufeffé one\n\ntwo\n".encode("utf-8")).texts == ["é one", "two"]
    buf = io.BytesIO()
    pd.DataFrame({"t": ["x", None, "y"], "n": [1, 2, 3]}).to_parquet(buf)
    batch = inputs.from_upload("a.parquet", buf.getvalue(), "t")
    assert batch.texts == ["x", "y"] and "1 missing value" in batch.notes[0]
    assert inputs.from_upload("a.tsv", b"text\tn\nhello, world\t1\n", "text").texts == ["hello, world"]


def test_bad_types_and_files():
    with pytest.raises(InputError, match="unsupported file type .docx"):
        inputs.from_upload("a.docx", b"x")
    with pytest.raises(InputError, match="not a readable Parquet"):
        inputs.from_upload("a.parquet", b"PAR1 garbage")
    with pytest.raises(InputError, match="not UTF-8"):
        inputs.from_upload("a.txt", b"\xff\xfe\xfa")


def test_csv_export_escapes_formulas_but_not_numbers():
    frame = pd.DataFrame({"text": ["=SUM(A1)", "+1", "@x", "-2 apples", "plain"], "score": [-0.5, 1, 2, 3, 4]})
    out = pd.read_csv(io.BytesIO(csv_bytes(frame)), dtype={"text": str})
    assert out["text"].tolist() == ["'=SUM(A1)", "'+1", "'@x", "'-2 apples", "plain"]
    assert out["score"].tolist() == [-0.5, 1, 2, 3, 4]


def test_text_columns_by_position_with_repeated_or_numeric_names_and_the_sample_texts():
    from core import io as io_package
    from core.io import corpus

    repeated = pd.DataFrame([[1, "a longer text here", "ab"]], columns=["id", "t", "t"])
    assert inputs.text_columns(repeated) == ["t", "t", "id"]
    assert inputs.text_columns(pd.DataFrame({0: [1], "body": ["words"]})) == ["body", "0"]
    assert inputs.text_columns(pd.DataFrame({"a": [], "b": []})) == ["a", "b"]
    texts = corpus.sample_texts()
    assert texts and all(t == t.strip() and t for t in texts) and io_package.sample_texts() == texts
