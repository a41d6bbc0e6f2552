"""Issue 17, the command line: hostile or careless use of `score --output` and its resumable parts.

Each case reproduces the attack and asserts one clear line (naming the path and what to do), a non-zero
exit, no traceback, and nothing wrong or lost in the output.
"""
import errno
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from core.cli.main import main
from core.engines import job as job_module
from tests.cli.test_cli import run_cli
from tests.conftest import ROOT

FIRST = [f"Review {i}: the soup was {'wonderful' if i % 2 else 'awful'}." for i in range(8)]
SECOND = [f"Note {i}: the train was {'early' if i % 2 else 'late'} again." for i in range(8)]
SCORE = ["score", "--directions", "sentiment", "--chunk-size", "2", "--quiet"]


def feed_stdin(monkeypatch, texts):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(("\n".join(texts) + "\n").encode())))


@pytest.fixture
def scorer_calls(monkeypatch):
    """Counts chunk-scorer calls; `calls["die_at"] = n` stops the run (Ctrl-C) at the n-th call."""
    real = job_module.ChunkScorer.__call__
    calls = {"n": 0, "die_at": None}

    def counting(self, texts):
        calls["n"] += 1
        if calls["n"] == calls["die_at"]:
            raise KeyboardInterrupt
        return real(self, texts)

    monkeypatch.setattr(job_module.ChunkScorer, "__call__", counting)
    return calls


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note:")]
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert "Traceback" not in err and "Errno" not in err, err
    return lines[0]


# ------------------------------------------------------------------ item 2: stdin parts keyed by content

def test_stdin_rerun_with_other_texts_does_not_reuse_the_old_parts(tmp_path, monkeypatch, scorer_calls, capsys):
    out = tmp_path / "out.csv"
    feed_stdin(monkeypatch, FIRST)
    scorer_calls["die_at"] = 3  # two chunks of FIRST are written, then Ctrl-C
    assert main([*SCORE, "--input", "-", "--output", str(out)]) == 130
    assert len(list((tmp_path / "out.csv.parts").glob("part-*.parquet"))) == 2
    scorer_calls.update(n=0, die_at=None)
    feed_stdin(monkeypatch, SECOND)
    assert main([*SCORE, "--input", "-", "--output", str(out)]) == 0, capsys.readouterr().err
    assert pd.read_csv(out)["text"].tolist() == SECOND
    assert scorer_calls["n"] == 4  # every chunk of the new input scored


def test_stdin_rerun_reuses_parts_only_up_to_the_first_change(tmp_path, monkeypatch, scorer_calls, capsys):
    out = tmp_path / "out.parquet"
    feed_stdin(monkeypatch, FIRST)
    scorer_calls["die_at"] = 4  # three chunks written
    assert main([*SCORE, "--input", "-", "--output", str(out)]) == 130
    changed = FIRST[:2] + ["A different third line."] + FIRST[3:]  # chunk 0 is the same, chunk 1 differs
    scorer_calls.update(n=0, die_at=None)
    feed_stdin(monkeypatch, changed)
    assert main([*SCORE, "--input", "-", "--output", str(out)]) == 0, capsys.readouterr().err
    assert pd.read_parquet(out)["text"].tolist() == changed
    assert scorer_calls["n"] == 3  # chunk 0 reused; chunk 2 has the same texts but follows a changed one
    feed_stdin(monkeypatch, FIRST)
    scorer_calls.update(n=0, die_at=2)
    assert main([*SCORE, "--input", "-", "--output", str(out)]) == 130
    scorer_calls.update(n=0, die_at=None)
    feed_stdin(monkeypatch, FIRST)  # the same input again: resumes
    assert main([*SCORE, "--input", "-", "--output", str(out)]) == 0
    assert scorer_calls["n"] == 3 and pd.read_parquet(out)["text"].tolist() == FIRST


def test_an_edited_input_file_is_rescored_from_the_first_change(tmp_path, scorer_calls, capsys):
    src, out = tmp_path / "in.txt", tmp_path / "out.csv"
    src.write_text("\n".join(FIRST) + "\n", encoding="utf-8")
    scorer_calls["die_at"] = 3
    assert main([*SCORE, "--input", str(src), "--output", str(out)]) == 130
    edited = ["Edited first line."] + FIRST[1:]
    src.write_text("\n".join(edited) + "\n", encoding="utf-8")
    scorer_calls.update(n=0, die_at=None)
    assert main([*SCORE, "--input", str(src), "--output", str(out)]) == 0
    assert pd.read_csv(out)["text"].tolist() == edited and scorer_calls["n"] == 4


# ------------------------------------------------------------------ item 12: unwritable outputs, one line

@pytest.fixture
def small_input(tmp_path):
    src = tmp_path / "in.txt"
    src.write_text("hello there\nanother line\n", encoding="utf-8")
    return src


def test_output_that_is_an_existing_folder(tmp_path, small_input, scorer_calls, capsys):
    out = tmp_path / "scores.csv"
    out.mkdir()
    assert main([*SCORE, "--input", str(small_input), "--output", str(out)]) == 1
    line = one_error_line(capsys)
    assert str(out) in line and "is a folder" in line and "file name" in line
    assert out.is_dir() and not list(out.iterdir()) and scorer_calls["n"] == 0  # refused before scoring


def test_output_under_a_file(tmp_path, small_input, scorer_calls, capsys):
    blocker = tmp_path / "notes"
    blocker.write_text("keep me")
    out = blocker / "scores.csv"
    assert main([*SCORE, "--input", str(small_input), "--output", str(out)]) == 1
    line = one_error_line(capsys)
    assert f"{blocker} is a file, not a folder" in line and "Choose another --output" in line
    assert blocker.read_text() == "keep me" and scorer_calls["n"] == 0


def test_output_in_a_read_only_folder(tmp_path, small_input, monkeypatch, scorer_calls, capsys):
    locked = tmp_path / "ro"
    locked.mkdir()
    real_mkdir, real_mkstemp = Path.mkdir, tempfile.mkstemp

    def refuse(path):
        raise OSError(errno.EROFS, "Read-only file system", str(path))

    def mkdir(self, *args, **kwargs):  # a read-only mount (tests may run as root, where chmod does not stop writes)
        return refuse(self) if locked in self.parents else real_mkdir(self, *args, **kwargs)

    def mkstemp(*args, dir=None, **kwargs):
        return refuse(dir) if dir is not None and locked in [Path(dir), *Path(dir).parents] else \
            real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    out = locked / "scores.parquet"
    assert main([*SCORE, "--input", str(small_input), "--output", str(out)]) == 1
    line = one_error_line(capsys)
    assert str(out) in line and f"{locked} cannot be written to" in line and "Choose a folder" in line
    assert scorer_calls["n"] == 0 and not list(locked.iterdir())


@pytest.mark.skipif(sys.platform == "win32" or __import__("os").geteuid() == 0, reason="root ignores permissions")
def test_output_in_a_folder_without_write_permission(tmp_path, small_input, capsys):
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o555)
    assert main([*SCORE, "--input", str(small_input), "--output", str(locked / "s.csv")]) == 1
    assert "cannot be written to" in one_error_line(capsys)


def test_disk_full_while_writing_a_part(tmp_path, small_input, monkeypatch, capsys):
    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    out = tmp_path / "scores.csv"
    assert main([*SCORE, "--input", str(small_input), "--output", str(out)]) == 1
    line = one_error_line(capsys)
    assert str(out) in line and "disk is full" in line and "run the same command again" in line
    assert not out.exists() and not list(tmp_path.rglob("*.tmp"))


# ------------------------------------------------------------------ item 13: damaged parts, two runs at once

def _write(tmp_path) -> Path:
    src = tmp_path / "in.txt"
    src.write_text("\n".join(FIRST) + "\n", encoding="utf-8")
    return src


def _interrupted(tmp_path, scorer_calls, out) -> list[Path]:
    src = _write(tmp_path)
    scorer_calls.update(n=0, die_at=3)
    assert main([*SCORE, "--input", str(src), "--output", str(out)]) == 130
    scorer_calls.update(n=0, die_at=None)
    return sorted(out.with_name(out.name + ".parts").glob("part-*.parquet"))


def _truncate(part: Path) -> None:
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])


def _flip_a_text_byte(part: Path) -> None:  # bit rot inside the data; the file's footer stays intact
    data = bytearray(part.read_bytes())
    at = data.find(b"soup")
    assert at > 0
    data[at] ^= 0x20
    part.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_truncate, _flip_a_text_byte])
def test_a_damaged_part_is_redone(tmp_path, scorer_calls, capsys, damage):
    reference = tmp_path / "reference.csv"
    assert main([*SCORE, "--input", str(_write(tmp_path)), "--output", str(reference)]) == 0
    out = tmp_path / "out.csv"
    parts = _interrupted(tmp_path, scorer_calls, out)
    assert len(parts) == 2
    damage(parts[1])
    assert main([*SCORE, "--input", str(tmp_path / "in.txt"), "--output", str(out)]) == 0, capsys.readouterr().err
    assert scorer_calls["n"] == 3  # the damaged chunk and the two never written
    pd.testing.assert_frame_equal(pd.read_csv(out), pd.read_csv(reference))


HOLD = """
import sys, time
from pathlib import Path
from core.engines.parts import PartsFolder
class Job:
    def fingerprint(self):
        return "another run"
held = PartsFolder.open(Job(), Path(sys.argv[1]))
print("holding", flush=True)
time.sleep(120)
"""


def test_a_second_run_with_the_same_output_refuses(tmp_path, small_input, capsys):
    out = tmp_path / "scores.csv"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert main([*SCORE, "--input", str(small_input), "--output", str(out)]) == 1
        line = one_error_line(capsys)
        assert f"another run is writing {out}" in line and "another --output" in line
        assert not out.exists() and (tmp_path / "scores.csv.parts").is_dir()  # the other run's parts untouched
    finally:
        holder.kill()
        holder.wait()
    assert main([*SCORE, "--input", str(small_input), "--output", str(out)]) == 0  # once it is gone
    assert pd.read_csv(out)["text"].tolist() == ["hello there", "another line"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "scores.csv"]  # no lock or parts left


def test_a_part_damaged_after_it_was_checked_is_named_and_removed(tmp_path):
    from core.engines.parts import OutputError, PartsFolder

    class Job:
        keys = ["k0", "k1"]

        def fingerprint(self):
            return "a job"

    with PartsFolder.open(Job(), tmp_path / "out.csv") as parts:
        parts.write(0, pd.DataFrame({"text": ["a"], "s": [1.0]}))
        parts.write(1, pd.DataFrame({"text": ["b"], "s": [2.0]}))
        assert parts.done(0) and parts.done(1)
        _truncate(parts.path(1))
        with pytest.raises(OutputError, match="part-00001-k1.parquet was damaged.*run the same command again"):
            parts.join()
        assert not parts.path(1).exists() and parts.done(0) and not (tmp_path / "out.csv").exists()


@pytest.mark.slow
def test_two_processes_at_once_never_mix_or_crash(tmp_path):
    src, out = _write(tmp_path), tmp_path / "scores.csv"
    args = ["score", "--input", str(src), "--directions", "sentiment", "--chunk-size", "1", "--quiet",
            "--output", str(out)]
    procs = [subprocess.Popen([sys.executable, "-m", "core", *args], cwd=ROOT, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    assert any(code == 0 for code, _ in results), results
    for code, err in results:
        assert "Traceback" not in err
        assert code == 0 or "another run is writing" in err
    assert pd.read_csv(out)["text"].tolist() == FIRST


# ------------------------------------------------------------------ item 15: empty results, one header

HEADER = ["text", "sentiment", "sentiment_raw"]


@pytest.mark.parametrize("name,content", [("header_only.csv", "text\n"), ("empty.txt", ""),
                                          ("blank.txt", "\n  \n\n"), ("header_only.tsv", "id\ttext\n")])
@pytest.mark.parametrize("target", [None, "out.csv", "out.tsv", "out.parquet"])
def test_an_empty_result_has_one_header_everywhere(tmp_path, capsys, name, content, target):
    src = tmp_path / name
    src.write_text(content, encoding="utf-8")
    args = ["score", "--input", str(src), "--directions", "sentiment", "--raw", "--quiet"]
    if target is None:
        assert main(args) == 0
        lines = capsys.readouterr().out.splitlines()
    else:
        out = tmp_path / target
        assert main([*args, "--output", str(out)]) == 0
        if out.suffix == ".parquet":
            frame = pd.read_parquet(out)
            assert list(frame.columns) == HEADER and frame.empty
            return
        lines = out.read_text(encoding="utf-8").splitlines()
    sep = "\t" if target and target.endswith(".tsv") else ","
    assert lines == [sep.join(HEADER)]


def test_an_empty_stdin_as_a_real_process_has_the_same_header(tmp_path):
    code, out, err = run_cli("score", "--input", "-", "--directions", "sentiment", "--raw", stdin=b"")
    assert code == 0, err
    assert out.splitlines() == [",".join(HEADER)]
