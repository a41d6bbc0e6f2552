"""The direction-aware read-back: planted toy spaces where the right text is known, ties and edges, bad input,
its table by hand, and the product's case on the packaged MiniLM."""
import numpy as np
import pandas as pd
import pytest

from core.directions.build import Direction
from core.io.corpus import Corpus
from core.latent import decoders, lab
from core.latent import trail as trails
from core.latent.directional import COMPLEMENT, TARGET, DirectionalDecoder, complement_cosine, directional_frame
from core.store.embedder import Embedder


def unit(*v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v)


def direction(vector=(1.0, 0, 0, 0, 0), neg=-0.5, pos=0.5, name="mood", model="m"):
    """Calibration by hand: raw projection p scores 2p (the half-span is 0.5, the midpoint 0)."""
    return Direction(name=name, title=name.title(), negative_label="sad", positive_label="glad",
                     vector=np.asarray(vector, dtype=float), negative_projection=neg, positive_projection=pos,
                     model=model, method="mean", dataset_hash="h")


# A toy space: axis 0 is the direction; axes 1-4 are topics. The start is a neutral text about topic 1.
START = unit(0.0, 1, 0.1, 0, 0)
REFERENCE = {
    "near start": unit(0.05, 1, 0.1, 0, 0),       # what nearest-text retrieval returns for every steer
    "topic 1, glad": unit(0.5, 1, 0.05, 0, 0.1),  # score 2 * 0.5 / |.| ≈ 0.89
    "topic 2, glad": unit(0.5, 0, 1, 0, 0),       # just as glad, the wrong topic
    "topic 1, sad": unit(-0.5, 1, 0.05, 0.1, 0),
    "topic 3, sad": unit(-0.5, 0, 0, 1, 0),
    "topic 3, very glad": unit(2.0, 0, 0, 1, 0),  # score ≈ 1.94: the most extreme text
}
TEXTS, E = list(REFERENCE), np.stack(list(REFERENCE.values()))


def steered(amounts, d=None, start=START):
    d = d or direction()
    params, operands = lab.with_steer_direction({"direction": d.name, "amounts": list(amounts)}, {}, d)
    return trails.run("steer", start, params, operands)[1]


def test_complement_cosine_by_hand():
    d = np.array([1.0, 0, 0])
    E = np.array([[0.6, 0.8, 0], [1.0, 0, 0], [0.6, 0, 0.8]])
    # (0.6, 0.8, 0) without axis 0 is (0, 0.8, 0): parallel to the anchor's complement, whatever its own axis 0
    np.testing.assert_allclose(complement_cosine(E, np.array([-0.8, 0.6, 0]), d), [1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(complement_cosine(E, np.array([0, 1.0, 1.0]), d), [2 ** -0.5, 0, 2 ** -0.5])
    assert complement_cosine(E, d, d).tolist() == [0.0, 0.0, 0.0]  # an anchor on the direction: no complement


def test_steering_reads_back_the_planted_texts_in_order():
    Z = steered([-1.0, 0.0, 1.0])
    dec = DirectionalDecoder(TEXTS, E, direction(), START, tolerance=0.35, band=1)
    assert dec.decode(Z) == [["topic 1, sad"], ["near start"], ["topic 1, glad"]]
    scores = direction().score(E[[TEXTS.index(t[0]) for t in dec.decode(Z)]])
    assert np.all(np.diff(scores) > 0.5)  # the read-back follows the amounts
    assert dec.targets(Z)[0] < 0 < dec.targets(Z)[2]


def test_the_band_is_a_constraint_and_widens_only_to_the_nearest_texts():
    dec = DirectionalDecoder(TEXTS, E, direction(), START, tolerance=0.1, band=1)
    z = steered([1.0])
    # the target is 0.894: the two glad texts (0.890, 0.894) are inside a 0.1 band; topic 1 is the start's
    assert dec.candidates_for(float(dec.targets(z)[0])).tolist() == [1, 2] and dec.decode(z) == [["topic 1, glad"]]
    # far beyond every text: the band nearest the target holds the most extreme texts, best in the rest first
    far = steered([5.0])
    assert dec.decode(far, n=1) == [["topic 3, very glad"]]
    wide = DirectionalDecoder(TEXTS, E, direction(), START, tolerance=0.1, band=3)
    assert sorted(wide.candidates_for(50.0)) == sorted(TEXTS.index(t) for t in
                                                        ("topic 3, very glad", "topic 1, glad", "topic 2, glad"))
    assert wide.decode(far, n=3)[0] == ["topic 1, glad", "topic 2, glad", "topic 3, very glad"]
    # with no tolerance to spare, the closest score wins over the topic; with a wide band, the topic wins
    assert DirectionalDecoder(TEXTS, E, direction(), START, tolerance=0.0, band=1).decode(steered([3.0])) == \
        [["topic 3, very glad"]]  # the target is 1.66: very glad (1.79) is the nearest score
    assert DirectionalDecoder(TEXTS, E, direction(), START, tolerance=1.2, band=1).decode(steered([3.0])) == \
        [["topic 1, glad"]]


def test_ties_go_to_the_nearer_score_then_to_corpus_order():
    twins = np.stack([unit(0.3, 1, 0, 0), unit(0.2, 1, 0, 0), unit(0.2, 1, 0, 0) * 1.0, unit(0.1, 0, 1, 0)])
    texts = ["a 0.3", "b 0.2", "c 0.2 again", "other topic"]
    d = direction((1.0, 0, 0, 0))
    dec = DirectionalDecoder(texts, twins, d, unit(0, 1, 0, 0), tolerance=1.0)
    z = unit(0.21, 1, 0, 0)  # every topic-1 text is parallel to it in the complement: a three-way tie
    assert dec.decode(z, n=3) == [["b 0.2", "c 0.2 again", "a 0.3"]]
    assert dec.search(z, n=1)[0][0] == ("b 0.2", pytest.approx(1.0))
    assert len(dec.decode(z, n=50)[0]) == 4  # never more than the corpus holds


def test_a_point_on_the_direction_is_compared_with_the_start():
    dec = DirectionalDecoder(TEXTS, E, direction(), START, tolerance=1.2, band=1)
    on_axis = np.array([1.0, 0, 0, 0, 0])  # no complement part at all; score 2: the glad texts are candidates
    assert dec.decode(on_axis) == [["topic 1, glad"]]  # the start's topic decides
    other = DirectionalDecoder(TEXTS, E, direction(), unit(0, 0, 0, 1, 0), tolerance=1.2, band=1)
    assert other.decode(on_axis) == [["topic 3, very glad"]]


def test_other_moves_keep_the_points_own_complement():
    dec = DirectionalDecoder(TEXTS, E, direction(), START, tolerance=0.35, band=1)
    toward_topic_3 = unit(-0.45, 0, 0, 1, 0)  # an interpolated point: sad (-0.82), about topic 3
    assert dec.decode(toward_topic_3) == [["topic 3, sad"]]  # compared with the start it would be topic 1, sad


def test_sampling_is_seeded_and_stays_in_the_band():
    many = np.stack([unit(0.5, 1, 0.1 * i, 0, 0) for i in range(8)] + [unit(-0.5, 1, 0, 0, 0)] * 1)
    texts = [f"glad {i}" for i in range(8)] + ["sad"]
    dec = DirectionalDecoder(texts, many, direction(), START, tolerance=0.3, band=3)
    z = steered([1.0])  # the target is 0.89: the glad texts score 0.76 to 0.89, the sad one -0.89
    a = dec.decode(z, n=3, temperature=0.5, seed=4)
    assert a == dec.decode(z, n=3, temperature=0.5, seed=4) and len(set(a[0])) == 3
    assert any(dec.decode(z, n=3, temperature=0.5, seed=s) != a for s in range(1, 8))
    assert all("sad" not in dec.decode(z, n=3, temperature=1.0, seed=s)[0] for s in range(10))
    assert dec.decode(z, n=2, temperature=1e-5, seed=1) == dec.decode(z, n=2)


def test_bad_input_gets_one_clear_message():
    d = direction()
    with pytest.raises(decoders.DecodeError, match="empty"):
        DirectionalDecoder([], np.zeros((0, 5)), d, START)
    with pytest.raises(decoders.DecodeError, match="only one distinct text"):
        DirectionalDecoder(["same", "same"], E[:2], d, START)
    with pytest.raises(decoders.DecodeError, match="needs a direction"):
        DirectionalDecoder(TEXTS, E, None, START)
    with pytest.raises(decoders.DecodeError, match="Incompatible dimensions: the direction 'mood' has 3"):
        DirectionalDecoder(TEXTS, E, direction((1.0, 0, 0)), START)
    with pytest.raises(decoders.DecodeError, match="built in other-model, but the reference texts are embedded "
                                                   "by m"):
        DirectionalDecoder(TEXTS, E, direction(model="other-model"), START, model="m")
    with pytest.raises(decoders.DecodeError, match="Incompatible dimensions: the latents have 3"):
        DirectionalDecoder(TEXTS, E, d, np.ones(3))
    with pytest.raises(decoders.DecodeError, match="tolerance"):
        DirectionalDecoder(TEXTS, E, d, START, tolerance=-1)
    dec = DirectionalDecoder(TEXTS, E, d, START)
    with pytest.raises(decoders.DecodeError, match="zero vector"):
        dec.decode(np.zeros(5))
    with pytest.raises(decoders.DecodeError, match="at least one"):
        dec.decode(START, n=0)


def test_from_corpus_checks_the_model_and_the_corpus(fake_encoder, cache_root):
    emb = Embedder(fake_encoder, root=cache_root)
    texts = ["a happy house", "a sad house", "a happy river", "a sad river", "the house"]
    corpus = Corpus("toy", pd.DataFrame({"text": texts}))
    mood = direction(np.eye(fake_encoder.DIM)[0], -0.6, 0.6, model="fake")  # the fake's planted axis 0
    start = fake_encoder.encode(["the house"])[0]
    dec = DirectionalDecoder.from_corpus(corpus, emb, mood, start)
    assert dec.name == "texts along Mood in toy" and dec.band == 1  # 5% of a small corpus, at least one
    Z = steered([-1.5, 1.5], mood, start)
    assert dec.decode(Z) == [["a sad house"], ["a happy house"]]  # the mood moves, the house stays
    with pytest.raises(decoders.DecodeError, match="built in m, but the reference texts are embedded by fake"):
        DirectionalDecoder.from_corpus(corpus, emb, direction(np.eye(fake_encoder.DIM)[0]), start)
    with pytest.raises(decoders.DecodeError, match="empty"):
        DirectionalDecoder.from_corpus(Corpus("none", pd.DataFrame({"text": []})), emb, mood, start)
    with pytest.raises(decoders.DecodeError, match="only one distinct text"):
        DirectionalDecoder.from_corpus(Corpus("one", pd.DataFrame({"text": ["the house"]})), emb, mood, start)


def test_directional_frame_by_hand():
    d = direction((1.0, 0, 0), name="mood")
    other = direction((0, 0, 1.0), name="size")
    start = np.array([0.0, 1.0, 0.0])
    latents = np.array([[0.6, 0.8, 0.0]])  # target score 2 * 0.6 = 1.2
    E = np.array([[0.6, 0.0, 0.8], [0.0, 0.6, 0.8]])
    frame = directional_frame(["p"], [["t1", "t2"]], E, latents, start, d, [d, other])
    assert frame.columns.tolist() == ["point", "rank", "text", TARGET, "mood", COMPLEMENT, "similarity to start",
                                      "similarity to point", "size"]
    assert frame[TARGET].tolist() == pytest.approx([1.2, 1.2])
    assert frame["mood"].tolist() == pytest.approx([1.2, 0.0])
    assert frame[COMPLEMENT].tolist() == pytest.approx([0.0, 0.6])  # t1 without mood is (0, 0, 0.8): no topic
    assert frame["similarity to start"].tolist() == pytest.approx([0.0, 0.6])
    assert frame["similarity to point"].tolist() == pytest.approx([0.36, 0.48])
    assert frame["size"].tolist() == pytest.approx([1.6, 1.6])
    empty = directional_frame(["p"], [[]], np.zeros((0, 3)), latents, start, d, [other])
    assert empty.empty and TARGET in empty.columns


# ---------------------------------------------------------------- the product's case, on the packaged MiniLM

RESTAURANT = "The restaurant was fine, the food arrived on time and the bill was as expected."
DINING = [
    "The waiter ignored us for an hour and the pasta came out cold and salty; we will not be back.",
    "Dinner at the bistro was wonderful: friendly staff, delicious food and a fair bill.",
    "We had lunch at the cafe near the station; the sandwiches were ordinary and the coffee was warm.",
    "The hiking trail was muddy and we got lost twice before sunset, which ruined the day.",
    "What a glorious hike: clear skies, a lovely trail and a stunning view from the top.",
    "The quarterly report lists revenue by region and the number of new customers.",
]


def test_steering_sentiment_reads_back_restaurant_texts_of_the_right_feeling():
    from core.directions.build import build_direction
    from core.directions.datasets import load_all
    from core.store.embedder import get_embedder
    from core.models.registry import DEFAULT_MODEL

    emb = get_embedder(DEFAULT_MODEL)
    found = load_all()[0]
    sentiment = build_direction(found["sentiment"], emb, library=found)
    start = emb.embed([RESTAURANT])[0]
    dec = DirectionalDecoder.from_corpus(Corpus("dining", pd.DataFrame({"text": DINING})), emb, sentiment, start,
                                         tolerance=0.6)
    Z = steered([-2.0, -1.0, 0.0, 1.0, 2.0], sentiment, start)
    picked = [row[0] for row in dec.decode(Z)]
    assert picked == [DINING[0], DINING[0], DINING[2], DINING[1], DINING[1]]  # the review, the lunch, the dinner
    plain = decoders.RetrievalDecoder(DINING, emb.embed(DINING)).decode(Z)
    assert plain[1:] == [[DINING[1]]] * 4  # nearest texts: the glowing dinner even one unit more negative
