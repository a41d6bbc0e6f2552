"""Batch scoring: streamed in chunks, equal to in-process scores, resumable, and the same on Ray."""
import pandas as pd
import pytest

from core.directions.build import build_directions
from core.directions.datasets import load_all
from core.engines import batch
from core.engines import job as engines_job
from core.engines import ray as ray_engine
from core.explore.scores import score_frame, wide_scores
from core.io.inputs import InputError
from core.store.embedder import get_embedder

TEXTS = [f"Review {i}: the soup was {'wonderful' if i % 2 else 'awful'} and the bread {'fresh' if i % 3 else 'stale'}."
         for i in range(23)] + ["", "NA"]


@pytest.fixture(scope="module")
def chosen():
    found, _ = load_all()
    return [found["sentiment"], found["length"]]


def expected(chosen):
    emb = get_embedder()
    texts = [t for t in TEXTS if t.strip()]
    return wide_scores(score_frame(texts, emb.embed(texts), build_directions(chosen, emb)))


def write_input(tmp_path, fmt):
    frame = pd.DataFrame({"id": range(len(TEXTS)), "body": TEXTS})
    path = tmp_path / f"in.{fmt}"
    if fmt == "parquet":
        frame.to_parquet(path)
    elif fmt == "txt":
        path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    else:
        frame.to_csv(path, index=False, sep="\t" if fmt == "tsv" else ",")
    return path


@pytest.mark.parametrize("fmt", ["txt", "csv", "parquet"])
@pytest.mark.parametrize("out_suffix", [".parquet", ".csv"])
def test_chunked_output_equals_in_process_scores(tmp_path, chosen, fmt, out_suffix):
    path = write_input(tmp_path, fmt)
    job = batch.Job(str(path), fmt, None if fmt == "txt" else "body", chosen, "all-MiniLM-L6-v2", chunk_size=4)
    out = tmp_path / f"out{out_suffix}"
    seen = []
    rows = batch.run(job, str(out), progress=lambda c, r: seen.append((c, r)))
    assert rows == 24
    got = pd.read_parquet(out) if out_suffix == ".parquet" else pd.read_csv(out, keep_default_na=False)
    pd.testing.assert_frame_equal(got, expected(chosen), check_exact=False, atol=1e-6)
    assert seen[-1] == (7, 25) and not (tmp_path / f"out{out_suffix}.parts").exists()
    assert "Skipped 1 empty line" in job.notes[0]


def test_resumed_run_equals_uninterrupted(tmp_path, chosen, monkeypatch):
    path = write_input(tmp_path, "csv")
    job = batch.Job(str(path), "csv", "body", chosen, "all-MiniLM-L6-v2", chunk_size=5)
    full = tmp_path / "full.parquet"
    batch.run(job, str(full))
    calls = {"n": 0}
    real = engines_job.ChunkScorer.__call__

    def dying(self, texts):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is stopped in the middle of the job
        return real(self, texts)

    out = tmp_path / "out.parquet"
    monkeypatch.setattr(engines_job.ChunkScorer, "__call__", dying)
    with pytest.raises(KeyboardInterrupt):
        batch.run(job, str(out))
    parts = sorted((tmp_path / "out.parquet.parts").glob("part-*.parquet"))
    assert len(parts) == 2 and not out.exists()
    monkeypatch.setattr(engines_job.ChunkScorer, "__call__", real)
    counted = {"n": 0}

    def counting(self, texts):
        counted["n"] += 1
        return real(self, texts)

    monkeypatch.setattr(engines_job.ChunkScorer, "__call__", counting)
    batch.run(job, str(out))
    assert counted["n"] == 3  # only the 3 unfinished chunks of 5
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(full))


def test_parts_of_another_job_are_not_reused(tmp_path, chosen):
    path = write_input(tmp_path, "csv")
    out = tmp_path / "out.csv"
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    (parts / "manifest.json").write_text('{"job": "something else"}')
    pd.DataFrame({"text": ["stale"], "sentiment": [9.0]}).to_parquet(parts / "part-00000.parquet")
    job = batch.Job(str(path), "csv", "body", chosen[:1], "all-MiniLM-L6-v2", chunk_size=50)
    batch.run(job, str(out))
    assert "stale" not in pd.read_csv(out)["text"].tolist()


def test_bad_inputs(tmp_path, chosen):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"fine line\n\xff\xfe broken\n")
    with pytest.raises(InputError, match="not UTF-8 text \\(line 2\\)"):
        batch.run(batch.Job(str(bad), "txt", None, chosen, "all-MiniLM-L6-v2"), str(tmp_path / "o.csv"))
    csv = write_input(tmp_path, "csv")
    with pytest.raises(InputError, match="no column 'nope'"):
        batch.run(batch.Job(str(csv), "csv", "nope", chosen, "all-MiniLM-L6-v2"), str(tmp_path / "o2.csv"))


@pytest.mark.slow
def test_ray_engine_equals_local(tmp_path, chosen):
    pytest.importorskip("ray")
    import ray

    path = write_input(tmp_path, "parquet")
    job = batch.Job(str(path), "parquet", "body", chosen, "all-MiniLM-L6-v2", chunk_size=6)
    local, remote = tmp_path / "local.parquet", tmp_path / "ray.parquet"
    batch.run(job, str(local))
    try:
        ray_engine.run(job, str(remote), workers=1)
    finally:
        ray.shutdown()
    pd.testing.assert_frame_equal(pd.read_parquet(remote), pd.read_parquet(local), check_exact=False, atol=1e-6)


def test_parts_folder_writes_atomically_resumes_and_joins_in_chunk_order(tmp_path):
    from core.engines.parts import PartsFolder

    class FakeJob:
        def __init__(self, key):
            self.key = key

        def fingerprint(self):
            return self.key

    out = tmp_path / "out.csv"
    parts = PartsFolder.open(FakeJob("a"), out)
    parts.write(1, pd.DataFrame({"text": ["second"], "s": [2.0]}))
    parts.write(0, pd.DataFrame({"text": ["first"], "s": [1.0]}))
    parts.write(2, pd.DataFrame({"text": pd.Series(dtype=str)}))  # a chunk with only empty lines
    assert sorted(p.name for p in parts.folder.iterdir()) == ["manifest.json", "part-00000.parquet",
                                                              "part-00001.parquet", "part-00002.parquet"]
    again = PartsFolder.open(FakeJob("a"), out)  # the same job: its parts are kept
    assert again.done(0) and again.done(1) and not again.done(3)
    assert again.join() == 2
    assert pd.read_csv(out)["text"].tolist() == ["first", "second"] and not parts.folder.exists()
    other = PartsFolder.open(FakeJob("a"), tmp_path / "o.parquet")
    other.write(0, pd.DataFrame({"text": ["x"]}))
    assert not PartsFolder.open(FakeJob("b"), tmp_path / "o.parquet").done(0)  # another job: start over
    empty = PartsFolder.open(FakeJob("c"), tmp_path / "empty.parquet")
    assert empty.join() == 0 and pd.read_parquet(tmp_path / "empty.parquet").columns.tolist() == ["text"]
    assert not [p for p in tmp_path.rglob("*.tmp")]
