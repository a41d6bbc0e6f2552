"""The command line on each input format and on bad arguments."""
import io
import os
import subprocess
import sys

import pandas as pd
import pytest

from core.cli.main import main
from tests.conftest import ROOT

TEXTS = ["What a lovely, generous gift!", "This is the worst day of my life.", "NA"]


def run_cli(*args, stdin: bytes | None = None):
    proc = subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, input=stdin, capture_output=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@pytest.mark.slow
def test_stdin_to_stdout_as_a_real_process():
    code, out, err = run_cli("score", "--input", "-", "--directions", "sentiment,length",
                             stdin=("\n".join(TEXTS) + "\n\n").encode())
    assert code == 0, err
    frame = pd.read_csv(io.StringIO(out), dtype={"text": str}, keep_default_na=False)
    assert list(frame.columns) == ["text", "sentiment", "length"]
    assert frame["text"].tolist() == TEXTS
    assert frame["sentiment"][0] > 0 > frame["sentiment"][1]
    assert "Skipped 1 empty line" in err


def test_directions_lists_poles(capsys):
    assert main(["directions"]) == 0
    out = capsys.readouterr().out
    assert "sentiment" in out and "negative" in out and "positive" in out and "elaborateness" in out


@pytest.mark.parametrize("suffix", [".txt", ".csv", ".tsv", ".parquet"])
def test_input_formats_and_outputs(tmp_path, suffix, capsys):
    src = tmp_path / f"in{suffix}"
    frame = pd.DataFrame({"id": [1, 2, 3], "body": TEXTS})
    if suffix == ".txt":
        src.write_text("\n".join(TEXTS), encoding="utf-8")
        column = []
    elif suffix == ".parquet":
        frame.to_parquet(src)
        column = ["--column", "body"]
    else:
        frame.to_csv(src, index=False, sep="\t" if suffix == ".tsv" else ",")
        column = ["--column", "body"]
    out = tmp_path / "out.parquet"
    assert main(["score", "--input", str(src), *column, "--directions", "sentiment", "--raw",
                 "--output", str(out)]) == 0
    result = pd.read_parquet(out)
    assert list(result.columns) == ["text", "sentiment", "sentiment_raw"]
    assert result["text"].tolist() == TEXTS
    assert result["sentiment"][0] > 0 > result["sentiment"][1]


def test_csv_output_file(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("hello there\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", "--input", str(src), "--output", str(out)]) == 0
    result = pd.read_csv(out)
    assert result.columns[0] == "text" and "science" in result.columns and len(result) == 1


@pytest.mark.parametrize("args,message", [
    ([], "the following arguments are required"),
    (["score"], "the following arguments are required: --input"),
    (["score", "--input", "missing.txt"], "input file not found"),
    (["score", "--input", "{txt}", "--directions", "sentiment,nope"], "unknown direction(s): nope"),
    (["score", "--input", "{txt}", "--model", "nope"], "Unknown model 'nope'"),
    (["score", "--input", "{txt}", "--output", "out.xlsx"], "use a .csv, .tsv or .parquet"),
    (["score", "--input", "{csv}", "--column", "body"], "has no column 'body'"),
    (["score", "--input", "{bad}"], "not UTF-8"),
    (["score", "--input", "{empty}"], "is empty"),
    (["score", "--input", "{txt}", "--column", "x"], "--column applies to CSV"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_arguments_exit_non_zero_with_one_line(tmp_path, capsys, args, message):
    files = {"txt": tmp_path / "a.txt", "csv": tmp_path / "a.csv", "bad": tmp_path / "b.txt",
             "empty": tmp_path / "e.csv"}
    files["txt"].write_text("hi\n")
    files["csv"].write_text("text\nhi\n")
    files["bad"].write_bytes(b"\xff\xfe\x00bad")
    files["empty"].write_text("")
    args = [a.format(**files) for a in args]
    code = main(args)
    err = capsys.readouterr().err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert message in lines[0]
    assert "Traceback" not in err


def test_build_prints_the_quality_report(capsys):
    assert main(["build", "formality", "--permutations", "5"]) == 0
    out = capsys.readouterr().out
    assert "Direction formality · method logistic_regression" in out
    assert "held-out AUC" in out and "cosine to other directions" in out


def test_build_with_another_method(capsys):
    assert main(["build", "length", "--method", "lda", "--permutations", "0"]) == 0
    assert "method lda" in capsys.readouterr().out


def test_validate_prints_correlations(tmp_path, capsys):
    rated = tmp_path / "rated.csv"
    pd.DataFrame({
        "sentence": ["An absolutely wonderful, joyful day.", "A pleasant enough lunch.", "It was fine, I guess.",
                     "Rather disappointing service.", "A horrible, miserable, awful experience.", "bad row"],
        "stars": ["5", "4", "3", "2", "1", "n/a"],
    }).to_csv(rated, index=False)
    assert main(["validate", "sentiment", "--input", str(rated), "--column", "sentence", "--rating", "stars",
                 "--bootstrap", "50"]) == 0
    captured = capsys.readouterr()
    assert "Pearson r=" in captured.out and "Spearman rho=" in captured.out
    r = float(captured.out.split("Pearson r=")[1].split()[0])
    assert r > 0.8
    assert "Left out 1 row" in captured.err


@pytest.mark.parametrize("args,message", [
    (["build", "nope"], "Unknown direction 'nope'"),
    (["build", "sentiment", "--method", "magic"], "unknown method 'magic'"),
    (["build", "sentiment", "--method", "pca_pairs"], "needs a paired data set"),
    (["validate", "sentiment", "--input", "{csv}", "--column", "text", "--rating", "stars"], "no column 'stars'"),
    (["validate", "sentiment", "--input", "{csv}", "--column", "text", "--rating", "label"], "numeric ratings"),
    (["validate", "sentiment", "--input", "{csv}"], "required: --column, --rating"),
])
def test_build_and_validate_bad_arguments(tmp_path, capsys, args, message):
    csv = tmp_path / "r.csv"
    csv.write_text("text,label\nhello,abc\nworld,def\n")
    code = main([a.format(csv=csv) for a in args])
    err = capsys.readouterr().err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], err


def test_expected_errors_become_one_line_with_the_commands_status(tmp_path, capsys):
    from core.cli import common
    from core.cli.main import status_of
    from core.directions.methods import MethodError
    from core.io.inputs import InputError
    from core.models.registry import ModelUnavailable, UnknownModel

    assert status_of(common.CliError("usage", 2)) == 2 and status_of(common.CliError("failed")) == 1
    assert status_of(InputError("bad file")) == 2 and status_of(UnknownModel("no model")) == 2
    assert status_of(ModelUnavailable("not here")) == 1 and status_of(MethodError("cannot build")) == 1
    assert status_of(OSError("disk")) == 1 and status_of(UnknownModel("no model"), usage_errors=()) == 1
    with pytest.raises(common.CliError) as info, common.exit_status(1):
        raise InputError("too few rows\nsecond line")
    assert (str(info.value), info.value.status) == ("too few rows", 1)
    assert main(["adapter"]) == 2 and "required: {fit,info}" in capsys.readouterr().err
    assert main(["adapter", "info", str(tmp_path / "missing.npz")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: No adapter file")
