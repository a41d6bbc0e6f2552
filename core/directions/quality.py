"""Is a direction valid? Held-out quality, separation, stability, significance, entanglement, hints.

Everything works on the poles' embeddings, so a report costs no model calls once
the examples are cached. Randomness (folds, bootstrap, permutations) is seeded.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.directions.datasets import DirectionDataset
from core.directions.methods import METHODS, build_vector
from core.vectors import calibrate

ENTANGLED = 0.3  # |cosine| to another direction worth flagging
NEAR_DUPLICATE = 0.95
PERMUTATIONS = 100  # shuffled-label directions behind the p-value: the page and the CLI use this one count
# the wrong-side table's columns and how each number is shown: calibrated scores at 2 decimals, raw at 4
WRONG_SIDE_FORMATS = {"held-out score (calibrated)": "%.2f", "score with all examples (calibrated)": "%.2f",
                      "raw projection (all examples)": "%.4f"}
MARGIN_HELP = ("The lowest {pos} example's score minus the highest {neg} example's, in calibrated score units "
               "(the poles' mean scores sit at -1 and +1), with the direction built on all examples. Above 0 "
               "is good: the poles do not overlap, and the larger, the clearer the gap. Below 0 they overlap "
               "by that much; one outlier is enough, so read it with the held-out accuracy.")


def auc(neg_scores: np.ndarray, pos_scores: np.ndarray) -> float:
    """P(a positive example scores above a negative one), ties counting half (Mann-Whitney)."""
    neg = np.asarray(neg_scores, float)[:, None]
    pos = np.asarray(pos_scores, float)[None, :]
    return float(np.mean((pos > neg) + 0.5 * (pos == neg)))


def format_p_value(p: float | None, permutations: int) -> str:
    """A permutation p-value as text at the resolution its permutations give: the smallest possible value,
    1/(1 + permutations), reads as a bound ("< 0.01" for 100), any other value to three decimals."""
    if p is None or not permutations:
        return "n/a"
    floor = 1 / (1 + permutations)
    if p > floor * (1 + 1e-9):
        return f"{p:.3f}"
    step = 10.0 ** np.floor(np.log10(floor))
    bound = float(np.ceil(round(floor / step, 9)) * step)
    return f"{'<' if bound > floor else '≤'} {bound:g}"


def format_metric(value) -> str:
    """A measure as text: three decimals for a number, "n/a" for None or NaN, other values as they are."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def _calibrated(v: np.ndarray, neg_train: np.ndarray, pos_train: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Scores of X's rows on `v`, calibrated on the training poles' mean projections."""
    return calibrate(X @ v, float(np.mean(neg_train @ v)), float(np.mean(pos_train @ v)))


def fold_ids(n_neg: int, n_pos: int, k: int, paired: bool, rng: np.random.Generator):
    """Fold of each negative and positive example; pairs stay in one fold."""
    if paired:
        f = rng.permutation(n_neg) % k
        return f, f.copy()
    return rng.permutation(n_neg) % k, rng.permutation(n_pos) % k


def heldout_scores(method: str, neg: np.ndarray, pos: np.ndarray, paired: bool, fneg, fpos, k: int):
    """Each example's calibrated score under a direction built without its fold."""
    sn, sp = np.zeros(len(neg)), np.zeros(len(pos))
    for f in range(k):
        tn, tp = fneg != f, fpos != f
        v = build_vector(method, neg[tn], pos[tp], paired)
        sn[~tn] = _calibrated(v, neg[tn], pos[tp], neg[~tn])
        sp[~tp] = _calibrated(v, neg[tn], pos[tp], pos[~tp])
    return sn, sp


@dataclass
class QualityReport:
    name: str
    method: str
    n_negative: int
    n_positive: int
    folds: int = 0
    cv_accuracy: float | None = None
    cv_auc: float | None = None
    margin: float = float("nan")
    separation: float = float("nan")  # (mean_pos - mean_neg) / pooled standard deviation
    stability: float | None = None
    p_value: float | None = None
    permutations: int = 0
    negative_label: str = "negative"
    positive_label: str = "positive"
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)  # text, pole, score, heldout, raw
    entanglement: pd.DataFrame = field(default_factory=pd.DataFrame)  # direction, cosine, flagged
    near_duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)  # a, b, poles, cosine
    hints: list[str] = field(default_factory=list)

    @property
    def pole_labels(self) -> dict[str, str]:
        return {"negative": self.negative_label, "positive": self.positive_label}

    @property
    def p_label(self) -> str:
        return f"p-value ({self.permutations} permutations)" if self.permutations else "p-value (shuffled labels)"

    def summary(self) -> dict:
        return {
            "examples": f"{self.n_negative} / {self.n_positive}",
            "held-out accuracy": self.cv_accuracy,
            "held-out AUC": self.cv_auc,
            self.p_label: self.p_value,
            "margin": self.margin,
            "separation (d')": self.separation,
            "stability (bootstrap cosine)": self.stability,
        }

    def metrics(self) -> dict[str, str]:
        """The summary's measures (all but the example counts) as text, "n/a" where there is none; the
        p-value at the resolution of its permutations, under a label that names their count."""
        return {k: format_p_value(v, self.permutations) if k == self.p_label else format_metric(v)
                for k, v in self.summary().items() if k != "examples"}

    def metric_help(self) -> dict[str, str]:
        """What each measure of `metrics` means, in the direction's own pole names."""
        neg, pos, n = self.negative_label, self.positive_label, self.permutations
        return {
            "held-out accuracy": f"Share of examples on their own side of 0 when scored by a direction built "
                                 f"without them ({self.folds}-fold cross-validation).",
            "held-out AUC": f"Chance that a left-out {pos} example scores above a left-out {neg} one (0.5: chance).",
            self.p_label: f"Share of {n} directions built from the same texts with shuffled labels whose held-out "
                          f"AUC reaches this one's (counting this one). With {n} permutations p cannot go below "
                          f"1/{n + 1}; that value is shown as a bound." if n else "Not computed.",
            "margin": MARGIN_HELP.format(neg=neg, pos=pos),
            "separation (d')": f"Distance between the {neg} and {pos} mean scores in pooled standard deviations.",
            "stability (bootstrap cosine)": "Mean cosine between directions built on resampled examples.",
        }

    def to_text(self) -> str:
        lines = [f"Direction {self.name} · method {self.method} · {self.folds}-fold cross-validation",
                 f"  {'examples':<30} {self.n_negative} / {self.n_positive} ({self.negative_label} / {self.positive_label})"]
        lines += [f"  {k:<30} {v}" for k, v in self.metrics().items()]
        lines.append(textwrap.fill(MARGIN_HELP.format(neg=self.negative_label, pos=self.positive_label), 100,
                                   initial_indent="  margin: ", subsequent_indent="    "))
        if not self.entanglement.empty:
            lines.append("  cosine to other directions:")
            for r in self.entanglement.itertuples():
                lines.append(f"    {r.direction:<20} {r.cosine:+.3f}{'  ENTANGLED' if r.flagged else ''}")
        if self.hints:
            lines.append("  curation hints:")
            lines += [f"    - {h}" for h in self.hints]
        return "\n".join(lines)


def quality_report(ds: DirectionDataset, neg: np.ndarray, pos: np.ndarray, vector: np.ndarray,
                   others: dict[str, np.ndarray] | None = None, folds: int = 5, n_boot: int = 30,
                   n_perm: int = PERMUTATIONS, seed: int = 0) -> QualityReport:
    """The quality report of `ds`'s direction `vector`, given its poles' embeddings."""
    neg, pos = np.asarray(neg, np.float64), np.asarray(pos, np.float64)
    vector = np.asarray(vector, np.float64)
    rng = np.random.default_rng(seed)
    rep = QualityReport(ds.name, ds.method, len(neg), len(pos), negative_label=ds.negative_label,
                        positive_label=ds.positive_label)
    method = METHODS[ds.method]

    full = _calibrated(vector, neg, pos, np.vstack([neg, pos]))
    sn, sp = full[: len(neg)], full[len(neg):]
    rep.margin = float(sp.min() - sn.max())
    pooled = np.sqrt((sn.var(ddof=1) + sp.var(ddof=1)) / 2) if min(len(sn), len(sp)) > 1 else float("nan")
    rep.separation = float((sp.mean() - sn.mean()) / pooled) if pooled and pooled > 0 else float("nan")

    heldout_n, heldout_p = np.full(len(neg), np.nan), np.full(len(pos), np.nan)
    k = min(folds, len(neg), len(pos))
    if k >= 2 and min(len(neg), len(pos)) - (-(-min(len(neg), len(pos)) // k)) >= method.min_per_pole:
        rep.folds = k
        fneg, fpos = fold_ids(len(neg), len(pos), k, ds.paired, rng)
        heldout_n, heldout_p = heldout_scores(ds.method, neg, pos, ds.paired, fneg, fpos, k)
        rep.cv_accuracy = float((np.sum(heldout_n < 0) + np.sum(heldout_p > 0)) / (len(neg) + len(pos)))
        rep.cv_auc = auc(heldout_n, heldout_p)
        if n_perm:
            X = np.vstack([neg, pos])
            null = []
            for _ in range(n_perm):
                if ds.paired:  # flip a random half of the pairs
                    flip = rng.random(len(neg)) < 0.5
                    a = np.where(flip[:, None], pos, neg)
                    b = np.where(flip[:, None], neg, pos)
                else:
                    idx = rng.permutation(len(X))
                    a, b = X[idx[: len(neg)]], X[idx[len(neg):]]
                try:
                    na, nb = heldout_scores(ds.method, a, b, ds.paired, fneg, fpos, k)
                    null.append(auc(na, nb))
                except ValueError:  # a shuffled split with identical centroids
                    null.append(0.5)
            rep.permutations = n_perm
            rep.p_value = float((1 + np.sum(np.array(null) >= rep.cv_auc)) / (1 + n_perm))
    else:
        rep.hints.append("Too few examples for held-out quality: add examples until each pole has at least "
                         f"{2 * max(2, method.min_per_pole)}.")

    if n_boot and min(len(neg), len(pos)) >= max(2, method.min_per_pole):
        vs = []
        for _ in range(n_boot):
            if ds.paired:
                i = rng.integers(0, len(neg), len(neg))
                j = i
            else:
                i, j = rng.integers(0, len(neg), len(neg)), rng.integers(0, len(pos), len(pos))
            try:
                vs.append(build_vector(ds.method, neg[i], pos[j], ds.paired))
            except ValueError:
                continue
        if len(vs) >= 2:
            V = np.array(vs)
            C = V @ V.T
            rep.stability = float(C[np.triu_indices(len(V), 1)].mean())

    texts = list(ds.negative) + list(ds.positive)
    poles = ["negative"] * len(neg) + ["positive"] * len(pos)
    rep.scores = pd.DataFrame({"text": texts, "pole": poles, "score": full,
                               "heldout": np.r_[heldout_n, heldout_p], "raw": np.vstack([neg, pos]) @ vector})

    if others:
        names = [n for n in others if n != ds.name]
        cos = [float(np.asarray(others[n], np.float64) @ vector) for n in names]
        rep.entanglement = pd.DataFrame({"direction": names, "cosine": cos,
                                         "flagged": [abs(c) >= ENTANGLED for c in cos]})
        rep.entanglement = rep.entanglement.sort_values("cosine", key=np.abs, ascending=False,
                                                        ignore_index=True)
        for r in rep.entanglement[rep.entanglement["flagged"]].itertuples():
            rep.hints.append(f"Entangled with {r.direction} (cosine {r.cosine:+.2f}): vary {r.direction} "
                             "evenly across both poles.")

    _hints(rep, ds, neg, pos)
    return rep


def wrong_side(scores: pd.DataFrame) -> pd.DataFrame:
    """The examples whose held-out score falls on the other pole's side of 0 (rows of a report's scores)."""
    s = scores
    return s[((s["pole"] == "negative") & (s["heldout"] > 0)) | ((s["pole"] == "positive") & (s["heldout"] < 0))]


def wrong_side_table(rep: QualityReport) -> pd.DataFrame:
    """The wrong-side examples as shown: the pole by its label, calibrated scores to 2 decimals and the raw
    projection to 4 (columns named in WRONG_SIDE_FORMATS)."""
    w = wrong_side(rep.scores)
    held, full, raw = WRONG_SIDE_FORMATS
    return pd.DataFrame({"example": w["text"], "labelled as": w["pole"].map(rep.pole_labels), held: w["heldout"].round(2),
                         full: w["score"].round(2), raw: w["raw"].round(4)}).reset_index(drop=True)


def _hints(rep: QualityReport, ds: DirectionDataset, neg: np.ndarray, pos: np.ndarray) -> None:
    s, labels = rep.scores, rep.pole_labels
    wrong = wrong_side(s)
    if len(wrong):
        rep.hints.append(f"{len(wrong)} example{'s land' if len(wrong) != 1 else ' lands'} on the wrong side when left out "
                         "(listed below): relabel, rewrite or remove them.")
    X = np.vstack([neg, pos])
    C = X @ X.T
    iu = np.triu_indices(len(X), 1)
    close = C[iu] >= NEAR_DUPLICATE
    if close.any():
        a, b = iu[0][close], iu[1][close]
        rep.near_duplicates = pd.DataFrame({
            "a": s["text"].values[a], "b": s["text"].values[b],
            "poles": [f"{labels[s['pole'].values[x]]} / {labels[s['pole'].values[y]]}" for x, y in zip(a, b)],
            "cosine": C[iu][close],
        }).sort_values("cosine", ascending=False, ignore_index=True)
        rep.hints.append(f"{len(rep.near_duplicates)} near-duplicate pair{'s' * (len(rep.near_duplicates) != 1)} "
                         f"(cosine ≥ {NEAR_DUPLICATE}): they add little and weigh double.")
    n, p = len(neg), len(pos)
    if max(n, p) > 1.5 * min(n, p):
        rep.hints.append(f"The poles differ in size ({n} {labels['negative']}, {p} {labels['positive']}): balance them.")
    words = s["text"].str.split().str.len()
    wn, wp = words[s["pole"] == "negative"].mean(), words[s["pole"] == "positive"].mean()
    if ds.name != "length" and max(wn, wp) > 1.5 * min(wn, wp):
        longer = labels["positive" if wp > wn else "negative"]
        rep.hints.append(f"The {longer} pole's examples are {max(wn, wp) / min(wn, wp):.1f}× longer on average "
                         f"({wn:.0f} vs {wp:.0f} words): the direction may partly measure length.")


def direction_report(ds: DirectionDataset, embedder, library: dict[str, DirectionDataset] | None = None,
                     **options) -> QualityReport:
    """Build `ds`'s direction in `embedder`'s model and report on it, with entanglement against `library`'s."""
    from core.directions.build import build_directions, build_each
    from core.directions.datasets import load_all

    library = dict(load_all()[0] if library is None else library)
    library[ds.name] = ds
    (own,) = build_directions([ds], embedder, library=library)
    built, _ = build_each([d for n, d in library.items() if n != ds.name], embedder, library=library)  # bad: left out
    E = embedder.embed(list(ds.negative) + list(ds.positive))
    neg, pos = E[: len(ds.negative)], E[len(ds.negative):]
    others = {d.name: d.vector for d in built}
    return quality_report(ds, neg, pos, own.vector, others, **options)
