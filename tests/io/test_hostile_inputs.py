"""Hostile and broken input files (issue 17, items 1, 6, 8 and 15's inputs): bombs refused before they are
decoded, with memory bounded (checked in a subprocess under an address-space limit); ragged CSVs refused;
the text column said; nulls skipped and counted; integers read as "1"; one line-splitting rule."""
import io
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from core.directions import examples, validation
from core.engines.job import Job, read_chunks
from core.io import corpus, inputs
from tests.conftest import ROOT

HOSTILE_LINES = "a\u2028b\x0bc\x0cd\x1ce\x85f\r\ng\rh\ni\n"
LINES = ["a\u2028b\x0bc\x0cd\x1ce\x85f", "g", "h", "i"]


def parquet_bytes(table: pa.Table, **kw) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out, **kw)
    return out.getvalue()


def row_bomb() -> bytes:
    """The issue's bomb: 3M rows of one 1 KB string, zstd + dictionary (a few hundred KB)."""
    values = pa.DictionaryArray.from_arrays(pa.array(np.zeros(3_000_000, np.int32)), pa.array(["x" * 1024]))
    return parquet_bytes(pa.table({"text": values}), compression="zstd", use_dictionary=True)


def dictionary_bomb(rows: int = 900_000, width: int = 900_000) -> bytes:
    """Under the row cap, but one 900 KB value used by every row: a 2.5 KB file that decodes to ~800 GB."""
    values = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, np.int32)), pa.array(["a" * width]))
    return parquet_bytes(pa.table({"text": values}), compression="zstd")


def chunks(path, fmt, column=None, chunk_size=10_000):
    job = Job(str(path), fmt, column, [], "m", chunk_size=chunk_size)
    return [c.tolist() for c in read_chunks(job)], job.notes


# ------------------------------------------------------------------ 1: bombs

def test_the_row_bomb_is_refused_from_the_metadata():
    data = row_bomb()
    assert len(data) < 1_000_000
    for read in (lambda: inputs.read_table("bomb.parquet", data), lambda: inputs.from_upload("bomb.parquet", data),
                 lambda: corpus.from_upload("bomb.parquet", data)):
        with pytest.raises(inputs.InputError, match=r"bomb\.parquet has 3,000,000 rows .*at most 1,000,000"):
            read()


def test_a_dictionary_bomb_under_the_row_cap_is_refused_before_it_is_decoded():
    data = dictionary_bomb()
    with pytest.raises(inputs.InputError, match=r"d\.parquet: the table decodes to .* MB or more; the limit is 800 MB"):
        inputs.read_table("d.parquet", data)


def test_the_command_line_refuses_a_chunk_that_decodes_past_the_cap(tmp_path):
    path = tmp_path / "d.parquet"
    path.write_bytes(dictionary_bomb())
    with pytest.raises(inputs.InputError, match=r"d\.parquet: a chunk of texts decodes to .*--chunk-size"):
        chunks(path, "parquet")


BOUNDED = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (__LIMIT__, __LIMIT__))
    sys.path.insert(0, __ROOT__)
    from tests.io.test_hostile_inputs import row_bomb, dictionary_bomb, chunks
    from core.io import corpus, inputs
    for name, data in (("bomb.parquet", row_bomb()), ("d.parquet", dictionary_bomb())):
        for read in (inputs.read_table, corpus.from_upload):
            try:
                read(name, data)
                print("READ", name)
            except inputs.InputError as exc:
                print("REFUSED", exc)
    open(__TMP__ + "/d.parquet", "wb").write(dictionary_bomb())
    try:
        chunks(__TMP__ + "/d.parquet", "parquet")
    except inputs.InputError as exc:
        print("REFUSED", exc)
    print("peak MB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
""")


def test_bombs_are_refused_with_memory_bounded_in_a_subprocess(tmp_path):
    """Under a 3 GB address-space limit (the row bomb grew the page to 9.4 GB before)."""
    script = BOUNDED.replace("__LIMIT__", str(3 * 2**30)).replace("__ROOT__", repr(str(ROOT)))
    script = script.replace("__TMP__", repr(str(tmp_path)))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.count("REFUSED") == 5 and "READ" not in proc.stdout, proc.stdout
    assert "MemoryError" not in proc.stderr


def test_page_caps_rows_of_csv_and_lines_of_txt(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_TABLE_ROWS", 10)
    with pytest.raises(inputs.InputError, match=r"big\.csv has 11 rows or more; a page reads at most 10"):
        inputs.read_table("big.csv", ("text\n" + "x\n" * 11).encode())
    assert len(inputs.read_table("ok.csv", ("text\n" + "x\n" * 10).encode())) == 10
    with pytest.raises(inputs.InputError, match=r"big\.txt has 11 lines or more"):
        inputs.from_upload("big.txt", b"ab\n" * 11)
    assert len(inputs.from_upload("ok.txt", b"ab\r\n" * 10).texts) == 10  # CRLF counts once


def test_page_caps_cells(monkeypatch):
    monkeypatch.setattr(inputs, "MAX_TABLE_CELLS", 20)
    with pytest.raises(inputs.InputError, match="rows or more"):
        inputs.read_table("wide.csv", ("a,b,c,d\n" + "1,2,3,4\n" * 6).encode())


def test_the_command_line_caps_a_line_and_a_chunk_of_text(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_DECODED_BYTES", 1000)
    long_line = tmp_path / "long.txt"
    long_line.write_bytes(b"short\n" + b"y" * 5000 + b"\n")
    with pytest.raises(inputs.InputError, match=r"long\.txt: line 2 decodes to"):
        chunks(long_line, "txt")
    many = tmp_path / "many.txt"
    many.write_bytes(b"z" * 600 + b"\n" + b"z" * 600 + b"\n")
    with pytest.raises(inputs.InputError, match=r"many\.txt: a chunk of texts decodes to"):
        chunks(many, "txt")
    assert chunks(many, "txt", chunk_size=1)[0] == [["z" * 600], ["z" * 600]]
    monkeypatch.setattr(inputs, "MAX_DECODED_BYTES", 300_000)  # above pandas' read size (256 KB)
    table = tmp_path / "big.csv"
    table.write_text("text,b\n" + f"{'w' * 200_000},1\n" * 3, encoding="utf-8")
    with pytest.raises(inputs.InputError, match=r"big\.csv: a chunk of texts decodes to"):
        chunks(table, "csv", chunk_size=10)
    assert len(chunks(table, "csv", chunk_size=1)[0]) == 3


# ------------------------------------------------------------------ 6: ragged CSVs and the text column

@pytest.mark.parametrize("data, line", [(b"text,b\nx,1,2,3\n", 2), (b"text,b\nq,2\nx,1,2,3\n", 3)])
def test_a_ragged_csv_is_refused_naming_the_line(tmp_path, data, line):
    message = rf"r\.csv: line {line} has 4 fields but the header has 2"
    with pytest.raises(inputs.InputError, match=message):
        inputs.from_upload("r.csv", data)
    with pytest.raises(inputs.InputError, match=message):
        corpus.from_upload("r.csv", data)
    (tmp_path / "r.csv").write_bytes(data)
    with pytest.raises(inputs.InputError, match=message):
        chunks(tmp_path / "r.csv", "csv")


def test_short_rows_and_quoted_commas_still_read():
    frame = inputs.read_table("ok.csv", b'text,b\n"x, y",1\nz\n')
    assert frame["text"].tolist() == ["x, y", "z"] and frame["b"].tolist() == ["1", ""]


UUIDS = "id,text\n" + "".join(f"0f8c5e3a-1b2c-4d5e-8f90-{i:012d},hi {i}\n" for i in range(5))


def test_a_column_named_text_wins_and_is_said(tmp_path):
    frame = inputs.read_table("u.csv", UUIDS.encode())
    assert inputs.text_columns(frame)[0] == "text"
    assert inputs.text_columns(frame.rename(columns={"text": " Text"}))[0] == " Text"
    batch = inputs.from_upload("u.csv", UUIDS.encode())
    assert batch.texts[0] == "hi 0" and "Texts from column 'text' of u.csv." in batch.notes
    assert "Texts from column 'id' of u.csv." in inputs.column_texts(frame, "id", "u.csv").notes
    (tmp_path / "u.csv").write_text(UUIDS, encoding="utf-8")
    got, notes = chunks(tmp_path / "u.csv", "csv")
    assert got[0][0] == "hi 0" and notes == ["Scored column 'text' of u.csv (pick another with --column)."]
    pq.write_table(pa.table({"id": ["0f8c5e3a-1b2c-4d5e-8f90-000000000000"], "body": ["hi"]}), tmp_path / "u.parquet")
    got, notes = chunks(tmp_path / "u.parquet", "parquet")
    assert got == [["0f8c5e3a-1b2c-4d5e-8f90-000000000000"]] or got == [["hi"]]
    assert notes and notes[0].startswith("Scored column ")


def test_the_command_line_says_which_column_it_scored(tmp_path, capsys):
    from core.cli.main import main

    (tmp_path / "u.csv").write_text(UUIDS, encoding="utf-8")
    assert main(["score", "--input", str(tmp_path / "u.csv"), "--directions", "sentiment", "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count("note: Scored column 'text' of u.csv") == 1
    assert "hi 0" in captured.out and "0f8c5e3a" not in captured.out


# ------------------------------------------------------------------ 8: nulls in Parquet

def null_table() -> bytes:
    return parquet_bytes(pa.table({"text": ["good", None, "bad", "fine", "ok"],
                                   "label": ["pos", "neg", None, "neg", "pos"],
                                   "rating": pa.array([1, 2, None, 4, 5], pa.int64())}))


def test_validate_skips_a_null_text_and_counts_it():
    table = inputs.read_table("rated.parquet", null_table())
    texts, ratings, notes = validation.ratings_from_table(table, "text", "rating")
    assert texts == ["good", "fine", "ok"] and ratings.tolist() == [1.0, 4.0, 5.0]
    assert all(isinstance(t, str) for t in texts)
    assert "Skipped 1 missing text in column 'text'." in notes


def test_the_directions_import_skips_a_null_label_and_counts_it():
    table = inputs.read_table("labelled.parquet", null_table())
    assert examples.label_values(table, "label") == ["neg", "pos"]
    frame = examples.from_table(table, "text", "label", "neg", "pos")
    assert frame.to_dict("list") == {"text": ["good", "fine", "ok"], "pole": ["positive", "negative", "positive"]}
    assert frame.attrs["notes"] == ["Skipped 2 rows with a missing text or label."]


def test_null_texts_are_skipped_and_counted_on_the_page():
    batch = inputs.from_upload("n.parquet", null_table())
    assert batch.texts == ["good", "bad", "fine", "ok"]
    assert batch.notes[0] == "Skipped 1 missing value in column 'text'."
    assert not any("empty line" in n for n in batch.notes)


# ------------------------------------------------------------------ 15: integers, and one line-splitting rule

def test_nullable_integers_read_as_integers(tmp_path):
    data = parquet_bytes(pa.table({"n": pa.array([1, None, 30], pa.int64()), "text": ["a", "b", "c"]}))
    assert inputs.read_table("i.parquet", data)["n"].tolist() == ["1", None, "30"]
    assert inputs.from_upload("i.parquet", data, column="n").texts == ["1", "30"]
    (tmp_path / "i.parquet").write_bytes(data)
    assert chunks(tmp_path / "i.parquet", "parquet", column="n")[0] == [["1", "", "30"]]
    assert corpus.from_upload("i.parquet", data).frame["n"].tolist()[::2] == [1, 30]


def test_pages_and_the_command_line_split_lines_alike(tmp_path):
    assert inputs.split_lines(HOSTILE_LINES) == LINES
    assert inputs.from_paste(HOSTILE_LINES).texts == LINES
    assert inputs.from_upload("l.txt", HOSTILE_LINES.encode()).texts == LINES
    assert examples.from_lines(HOSTILE_LINES, examples.POSITIVE)["text"].tolist() == LINES
    (tmp_path / "l.txt").write_bytes(HOSTILE_LINES.encode())
    assert chunks(tmp_path / "l.txt", "txt")[0] == [LINES]
    assert inputs.split_lines("a\r\r\nb") == ["a", "", "b"] and inputs.split_lines("") == []
