"""Yardsticks: each metric by hand on tiny sets, the result cache, the verdicts, the missing folder, validate --all."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr

from core.cli.main import main
from core.directions import benchmarks as bm
from core.directions.quality import auc
from core.directions.validation import bootstrap_interval, statistic
from core.directions.yardsticks import YardstickResult, measure, table_text, verdict
from core.store.embedder import Embedder
from tests.fixtures.directions import planted_dataset

HAPPY = ["a great day", "happy lovely news", "great great fun", "a lovely walk", "happy times"]
SAD = ["an awful day", "sad grim news", "awful awful mess", "a grim walk", "sad times"]


def write_benchmarks(root):
    """A tiny copy of every set: planted words make the fake encoder's axis 0 track the targets."""
    def tsv(rel, frame):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, sep="\t", index=False)

    texts = HAPPY + SAD
    ratings = [3.0, 2.5, 3.5, 2.0, 1.5, -3.0, -2.5, -3.5, -2.0, -1.5]
    for name in ("tweets", "nyt_editorials", "movie_reviews"):
        tsv(f"sentiment-vader/{name}.tsv", pd.DataFrame({"id": range(10), "mean_rating": ratings, "text": texts}))
    tsv("formality-pavlick/pavlick_formality.tsv", pd.DataFrame({
        "text": ["Notwithstanding the aforementioned considerations, we proceed.", "lol ok", "see u", "Yes.",
                 "The committee deliberated extensively regarding institutional governance."],
        "formality": [0.9, 0.1, 0.2, 0.5, 0.95]}))
    tsv("subjectivity-subj/subj_2000.tsv", pd.DataFrame({"subjective": [1, 1, 0, 0], "text": HAPPY[:2] + SAD[:2]}))
    tsv("concreteness-glasgow/glasgow_concreteness.tsv",
        pd.DataFrame({"word": ["great", "lovely", "sad", "grim"], "concreteness": [5.0, 4.0, 2.0, 1.0]}))
    return root


@pytest.fixture
def bench_root(tmp_path):
    return write_benchmarks(tmp_path / "benchmarks")


@pytest.fixture
def embedder(fake_encoder, cache_root):
    return Embedder(fake_encoder, root=cache_root)


def test_each_statistic_by_hand():
    s, y = np.array([1.0, 2.0, 3.0, 5.0]), np.array([2.0, 1.0, 4.0, 3.0])
    assert statistic("pearson", s, y) == pytest.approx(pearsonr(s, y)[0])
    assert statistic("spearman", s, y) == pytest.approx(0.6)  # ranks 1234 vs 2143: 1 - 6*4/(4*15)
    labels = np.array([0, 1, 0, 1])
    assert statistic("auc", s, labels) == pytest.approx(0.75) == auc(s[labels == 0], s[labels == 1])
    assert statistic("auc", np.array([1, 2, 2, 3.0]), np.array([0, 0, 1, 1])) == pytest.approx(0.875)  # a tie


def test_bootstrap_interval_brackets_the_value_and_is_seeded():
    rng = np.random.default_rng(1)
    s = rng.normal(size=200)
    y = s + rng.normal(size=200)
    for metric, target in (("pearson", y), ("spearman", y), ("auc", (y > 0).astype(float))):
        low, high = bootstrap_interval(metric, s, target, n_boot=200)
        assert low < statistic(metric, s, target) < high
        assert (low, high) == bootstrap_interval(metric, s, target, n_boot=200)
    assert bootstrap_interval("auc", s, np.zeros(200), n_boot=20) != bootstrap_interval("auc", s, y > 0, n_boot=20)


def test_readability_grade_by_hand():
    assert bm.syllables("cat") == 1 and bm.syllables("table") == 2 and bm.syllables("make") == 1
    # 2 words, 1 sentence, 2 syllables: 0.39*2 + 11.8*1 - 15.59
    assert bm.readability_grade("The cat.") == pytest.approx(0.78 + 11.8 - 15.59)
    assert bm.readability_grade("Institutional governance deliberations.") > bm.readability_grade("I am ok. See u.")
    assert np.isnan(bm.readability_grade("..."))


def test_length_texts_are_real_runs_of_words_spread_from_one_word():
    sentences = [f"sentence {i} has five words" for i in range(400)]
    texts, counts = bm.length_texts(sentences, n=50, max_words=1500, seed=0)
    assert [len(t.split()) for t in texts] == counts.astype(int).tolist()
    assert counts.min() < 5 and counts.max() > 500 and counts.max() <= 1500
    assert (texts, counts.tolist()) == (lambda a: (a[0], a[1].tolist()))(bm.length_texts(sentences, n=50, seed=0))


def test_measure_gives_each_metric_and_caches(bench_root, embedder, fake_encoder):
    mood = planted_dataset()
    sentiment = mood.with_changes(name="sentiment")
    subjectivity = mood.with_changes(name="subjectivity")
    concreteness = mood.with_changes(name="concreteness")
    results = measure([sentiment, subjectivity, concreteness, mood], embedder, bench_root, n_boot=50)
    by = {(r.direction, r.yardstick): r for r in results}
    tweets = by["sentiment", "tweets"]
    direction_scores = None
    from core.directions.build import build_direction

    direction_scores = build_direction(sentiment, embedder).score(embedder.embed(HAPPY + SAD))
    ratings = [3.0, 2.5, 3.5, 2.0, 1.5, -3.0, -2.5, -3.5, -2.0, -1.5]
    assert tweets.metric == "pearson" and tweets.n == 10
    assert tweets.value == pytest.approx(pearsonr(direction_scores, ratings)[0], abs=1e-6)
    assert tweets.low <= tweets.value <= tweets.high
    subj = by["subjectivity", "subj_2000"]
    assert (subj.metric, subj.value, subj.n) == ("auc", 1.0, 4) and subj.baseline.startswith("none")
    conc = by["concreteness", "glasgow_concreteness"]
    scores = build_direction(concreteness, embedder).score(embedder.embed(["great", "lovely", "sad", "grim"]))
    assert conc.value == pytest.approx(spearmanr(scores, [5, 4, 2, 1])[0])
    assert by["mood", ""].note == "no outside yardstick"
    assert "no outside yardstick" in verdict(by["mood", ""])
    calls = fake_encoder.calls
    assert measure([sentiment, subjectivity, concreteness, mood], embedder, bench_root, n_boot=50) == results
    assert fake_encoder.calls == calls  # read from the cache files, nothing embedded
    (bench_root / "subjectivity-subj/subj_2000.tsv").write_text("subjective\ttext\n1\tgreat fun\n0\tgrim news\n"
                                                               "1\thappy\n0\tsad day\n")
    again = measure([subjectivity], embedder, bench_root, n_boot=50)
    assert fake_encoder.calls > calls and again[0].value == 1.0  # a changed file is measured anew


def test_formality_baseline_and_length(bench_root, embedder):
    mood = planted_dataset()
    (formality, length) = measure([mood.with_changes(name="formality"), mood.with_changes(name="length")],
                                  embedder, bench_root, n_boot=30)
    texts, target = bm.read_set(bm.SETS[3], bench_root)
    grades = [bm.readability_grade(t) for t in texts]
    assert formality.baseline.startswith("a readability formula")
    assert formality.baseline_value == pytest.approx(pearsonr(grades, target)[0])
    assert length.metric == "spearman" and length.n > 3 and length.baseline == "none"


def test_missing_folder_is_a_clear_error(tmp_path, embedder, monkeypatch):
    monkeypatch.setenv("LATENT_BENCHMARKS_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(bm.BenchmarkError, match="Benchmark folder not found: .*nowhere.*LATENT_BENCHMARKS_DIR"):
        measure([planted_dataset()], embedder)


def r(value, low, high, baseline="VADER", base=0.5, metric="pearson"):
    return YardstickResult("sentiment", "nyt_editorials", metric, value, low, high, baseline, base, 100)


@pytest.mark.parametrize("result,expected", [
    (r(0.6, 0.55, 0.65), "measures sentiment clearly better than VADER on nyt_editorials"),
    (r(0.52, 0.45, 0.58), "measures sentiment about as well as VADER on nyt_editorials"),
    (r(0.3, 0.25, 0.35), "measures sentiment weaker than VADER on nyt_editorials"),
    (r(0.75, 0.7, 0.8, "none", None), "strong agreement on nyt_editorials"),
    (r(0.3, 0.2, 0.4, "none", None), "weak agreement"),
    (r(-0.3, -0.4, -0.2, "none", None), "points the wrong way"),
    (r(0.95, 0.9, 0.97, "none", None, "auc"), "strong agreement"),
    (r(0.55, 0.5, 0.6, "none", None, "auc"), "barely any agreement"),
    (r(0.5, 0.4, 0.6, "VADER", None), "; VADER n/a"),
    (r(0.8, 0.7, 0.9, "none (README: probes)", None, "auc"), "moderate agreement on nyt_editorials"),
    (r(None, None, None), "not measured"),
    (YardstickResult("art", "", ""), "no outside yardstick for this direction"),
])
def test_verdicts(result, expected):
    assert expected in verdict(result)


def test_table_has_one_line_per_result():
    text = table_text([r(0.6, 0.55, 0.65), r(0.5, 0.4, 0.6, "VADER", None), YardstickResult("art", "", "")])
    lines = text.splitlines()
    assert len(lines) == 5 and "[0.550, 0.650]" in lines[2] and "| n/a |" in lines[3] and lines[4].startswith("| art")


def test_validate_all_through_the_cli(bench_root, embedder, monkeypatch, capsys):
    import core.store.embedder as store

    monkeypatch.setenv("LATENT_BENCHMARKS_DIR", str(bench_root))
    monkeypatch.setattr(store, "get_embedder", lambda model=None: embedder)
    assert main(["validate", "--all", "--bootstrap", "20"]) == 0
    out = capsys.readouterr().out
    for name in ("tweets", "nyt_editorials", "movie_reviews", "pavlick_formality", "subj_2000",
                 "glasgow_concreteness", "word_count"):
        assert sum(f"| {name} |" in line for line in out.splitlines()) == 1, out
    assert "| art | - |" in out and "no outside yardstick" in out
    monkeypatch.setenv("LATENT_BENCHMARKS_DIR", str(bench_root / "gone"))
    assert main(["validate", "--all"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Benchmark folder not found" in err[0]
