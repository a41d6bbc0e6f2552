"""Yardsticks: each metric by hand on tiny sets, the result cache and its no-compute lookup, the verdicts, the
badges and targets, the missing folder, validate --all."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr

from core.cli.main import main
from core.directions import benchmarks as bm
from core.directions.quality import auc
from core.directions.validation import bootstrap_interval, statistic
from core.directions import validity_view as vv
from core.directions.build import clear_memory
from core.directions.yardsticks import Lookup, YardstickResult, cached_results, measure, table_text, verdict
from core.store.embedder import Embedder
from tests.fixtures.benchmarks import HAPPY, SAD, write_benchmarks  # noqa: F401 (test_clearcut imports it here)
from tests.fixtures.directions import planted_dataset


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


# ---------------------------------------------------------------- the no-compute lookup

SHIPPED = ("sentiment", "formality", "subjectivity", "concreteness", "length")


@pytest.fixture
def private_cache(tmp_path, monkeypatch):
    """Direction and yardstick caches of this test only (they live under config.cache_dir())."""
    monkeypatch.setenv("LATENT_CACHE_DIR", str(tmp_path / "private-cache"))
    clear_memory()
    yield tmp_path / "private-cache"
    clear_memory()


def test_cached_results_embeds_nothing_and_finds_what_measure_kept(bench_root, embedder, private_cache):
    mood = planted_dataset()
    sets = [mood.with_changes(name=n) for n in SHIPPED] + [mood]
    before = cached_results(sets, embedder, bench_root, n_boot=30)
    assert embedder.encoded == 0  # nothing built, nothing embedded
    assert [r.direction for r in before.results] == ["mood"] and before.results[0].note == "no outside yardstick"
    assert len(before.missing) == 7 and ("sentiment", "movie_reviews") in before.missing
    measured = measure(sets, embedder, bench_root, n_boot=30)
    encoded = embedder.encoded
    assert encoded > 0
    clear_memory()  # not even the built directions are needed: the key is known from the data sets
    after = cached_results(sets, embedder, bench_root, n_boot=30)
    assert embedder.encoded == encoded
    assert after.missing == [] and sorted(after.results, key=str) == sorted(measured, key=str)
    assert cached_results(sets, embedder.encoder.identity, bench_root, n_boot=30) == after  # an identity will do
    assert len(cached_results(sets, embedder, bench_root, n_boot=31).missing) == 7  # other settings: other files
    edited = sets[1].with_changes(positive=sets[1].positive + ("a great new example",))
    assert cached_results([edited], embedder, bench_root, n_boot=30).missing == [("formality", "pavlick_formality")]
    assert embedder.encoded == encoded


def test_removing_a_direction_changes_the_lookup_key(bench_root, embedder, private_cache):
    mood = planted_dataset()
    length = mood.with_changes(name="length")
    other = mood.with_changes(name="other", positive=mood.positive[:8], negative=mood.negative[:8])
    library = {"other": other, "length": length}
    measure([length], embedder, bench_root, n_boot=20, library=library)
    assert cached_results([length], embedder, bench_root, n_boot=20, library=library).missing == []
    removing = length.with_changes(project_out=("other",))
    assert cached_results([removing], embedder, bench_root, n_boot=20, library=library).missing == [
        ("length", "word_count")]


def test_measure_reports_progress_up_to_one(bench_root, embedder, private_cache):
    seen = []
    mood = planted_dataset()
    measure([mood.with_changes(name="formality"), mood.with_changes(name="length")], embedder, bench_root,
            n_boot=20, progress=lambda fraction, label: seen.append((fraction, label)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and 0.0 in fractions
    assert {"formality on pavlick_formality", "length on word_count"} <= {label for _, label in seen}


# ---------------------------------------------------------------- badges, summaries, targets

def yr(direction, yardstick, value, low, high, base=None, metric="pearson", baseline="VADER", n=100):
    return YardstickResult(direction, yardstick, metric, value, low, high, baseline, base, n)


def sentiment(tweets, nyt, movie, missing=()):
    results = [yr("sentiment", name, v, v - 0.03, v + 0.03, b) for name, (v, b) in
               (("tweets", tweets), ("nyt_editorials", nyt), ("movie_reviews", movie)) if v is not None]
    return Lookup(results, [("sentiment", m) for m in missing])


FORMALITY = Lookup([yr("formality", "pavlick_formality", 0.61, 0.55, 0.67, 0.58,
                       baseline="a readability formula (Flesch-Kincaid grade)")], [])
SUBJ = Lookup([yr("subjectivity", "subj_2000", 0.81, 0.79, 0.83, None, "auc", "none (README: probes)")], [])


def test_badges():
    assert vv.badge("formality", FORMALITY) == "r 0.61 · ≈ readability"
    assert vv.badge("subjectivity", SUBJ) == "AUC 0.81 · moderate"
    assert vv.badge("art", Lookup([YardstickResult("art", "", "")], [])) == "no yardstick"
    assert vv.badge("formality", Lookup([], [("formality", "pavlick_formality")])) == "not measured"
    assert vv.badge("formality", None) == "not measured"
    assert vv.badge("sentiment", sentiment((0.9, 0.8), (0.6, 0.5), (0.5, 0.4))) == "r 0.67 mean · > VADER"
    assert vv.badge("sentiment", sentiment((0.8, 0.88), (0.6, 0.5), (0.5, 0.4))) == "r 0.63 mean · > VADER on 2/3"
    partial = sentiment((0.9, 0.8), (0.6, 0.5), (None, None), missing=("movie_reviews",))
    assert vv.badge("sentiment", partial) == "r 0.75 mean · > VADER · 2/3 sets"
    no_vader = Lookup([yr("concreteness", "glasgow_concreteness", 0.72, 0.7, 0.74, None, "spearman", "none")], [])
    assert vv.badge("concreteness", no_vader) == "ρ 0.72 · strong"


def test_summaries_in_plain_words():
    assert vv.summary("formality", FORMALITY).startswith("measures formality about as well as a readability formula")
    assert vv.summary("subjectivity", SUBJ) == "moderate agreement on subj_2000"
    mixed = vv.summary("sentiment", sentiment((0.8, 0.88), (0.6, 0.5), (0.5, 0.4)))
    assert mixed.startswith("measures sentiment clearly better than VADER on nyt_editorials, movie_reviews; "
                            "weaker than VADER on tweets (mean r 0.63")
    assert vv.summary("art", None) == "no outside yardstick for this direction"
    assert vv.summary("length", Lookup([], [("length", "word_count")])) == "not measured yet"
    assert "1 of 3 sets not measured yet" in vv.summary(
        "sentiment", sentiment((0.9, 0.8), (0.6, 0.5), (None, None), missing=("movie_reviews",)))


def test_targets_are_checked_honestly():
    met = vv.check_target("sentiment", sentiment((0.9, 0.8), (0.6, 0.5), (0.5, 0.4)))
    assert met.met is True and met.line.startswith("Meets its target") and "mean r 0.67" in met.line
    low = vv.check_target("sentiment", sentiment((0.8, 0.88), (0.6, 0.5), (0.5, 0.55)))
    assert low.met is False and "mean r 0.63 is under 0.66" in low.line
    assert "VADER is ahead on movie_reviews (0.55 against 0.50)" in low.line and "tweets" not in low.line.split(":")[1]
    assert vv.check_target("formality", FORMALITY).met is True
    assert vv.check_target("subjectivity", SUBJ) == (False, "Below its target (AUC ≥ 0.90): AUC 0.81 is under 0.90.")
    assert vv.check_target("art", None) is None
    assert vv.check_target("length", None).met is None and "not measured yet" in vv.check_target("length", None).line
    vader_gone = sentiment((0.9, None), (0.7, None), (0.6, None))
    assert vv.check_target("sentiment", vader_gone).met is None
    assert vv.target_text("sentiment") == ("mean r ≥ 0.66 over the 3 sets, and above VADER on nyt_editorials and "
                                           "movie_reviews")
    assert vv.target_text("sentiment", short=True) == "mean r ≥ 0.66, above VADER on nyt, movie"


def test_tables_put_models_side_by_side():
    detail = vv.detail_frame("formality", {"small": FORMALITY, "big": Lookup([], [("formality", "x")]), "off": None})
    assert list(detail.columns) == ["set", "metric", "small", "big", "off", "baseline", "n"]
    row = detail.iloc[0]
    assert row["metric"] == "Pearson r"
    assert vv.detail_frame("length", {"off": None})["n"].isna().all()
    assert (row["small"], row["big"], row["off"]) == ("0.610 [0.550, 0.670]", "not measured", "not measured")
    assert row["baseline"] == "readability 0.580" and row["n"] == 100
    overview = vv.overview_frame({"formality": "Formality", "art": "Art", "subjectivity": "Subjective"},
                                 {"small": Lookup(FORMALITY.results + SUBJ.results, []), "off": None}, "small")
    assert overview.to_dict("records") == [
        {"direction": "Formality", "name": "formality", "small": "r 0.61 · ≈ readability", "off": "not measured",
         "target": "r ≥ 0.60", "target met": "met"},
        {"direction": "Art", "name": "art", "small": "no yardstick", "off": "no yardstick", "target": "-",
         "target met": "-"},
        {"direction": "Subjective", "name": "subjectivity", "small": "AUC 0.81 · moderate", "off": "not measured",
         "target": "AUC ≥ 0.90", "target met": "below"}]
    assert vv.target_status("length", None) == "not measured"
