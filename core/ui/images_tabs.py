"""The four tabs of the Images page: interpolation, text arithmetic, style + subject, and scores on directions.

Each is a fragment, so moving its widgets reruns only the tab."""
from __future__ import annotations

import streamlit as st

from core.directions.datasets import DatasetError
from core.directions.methods import MethodError
from core.explore.scores import score_frame, wide_scores
from core.images import clip_space, galleries
from core.io import inputs
from core.ui import charts
from core.ui.downloads import chart, download_table
from core.ui.gallery import Workbench, gallery_panel
from core.ui.loaders import directions_for
from core.ui.messages import error, escape_md
from core.ui.pickers import direction_picker

POLES = "a photograph | a cartoon drawing\na photo of a sad person | a photo of a happy person"


def _chooser(bench: Workbench, label: str, key: str, default: int = 0) -> int:
    names = bench.names
    return st.selectbox(label, list(names), index=min(default, len(names) - 1), format_func=names.get, key=key)


def _gallery(bench: Workbench, key: str, plan) -> None:
    """The gallery panel for the plan that `plan()` makes, or why it cannot be made."""
    try:
        made = plan()
    except ValueError as exc:
        st.info(escape_md(str(exc)))
        return
    gallery_panel(bench, key, made)


@st.fragment
def interpolation_tab(bench: Workbench) -> None:
    names = bench.names
    chosen = st.multiselect("Images, in order (two or more)", list(names), default=list(names)[:2],
                            format_func=names.get, key="interp_images")
    steps = st.slider("Images per leg, both ends included", 2, 12, 5, key="interp_per_leg")
    _gallery(bench, "interp", lambda: galleries.plan_interpolation(bench.model, [bench.pool[i] for i in chosen], steps))


@st.fragment
def arithmetic_tab(bench: Workbench) -> None:
    base = _chooser(bench, "Image", "arith_base", 1)
    st.caption("Weights are relative to the image's own vector; texts need small ones (0.1–0.4) to keep the picture.")
    defaults = [("a photo of a smiling man", -0.25), ("a photo of a very sad, crying man", 0.25), ("", 0.0)]
    terms = []
    for j, (text, weight) in enumerate(defaults):
        c1, c2 = st.columns([3, 1])
        terms.append((c2.slider("Weight", -1.0, 1.0, weight, 0.05, key=f"arith_w{j}"),
                      c1.text_input(f"Text {j + 1}", text, key=f"arith_t{j}")))
    frames = st.slider("Images: the weights ramp from 0 to their values", 1, 8, 4, key="arith_frames")
    _gallery(bench, "arith",
             lambda: galleries.plan_arithmetic(bench.model, bench.pool[base], terms, frames, embedder=bench.embedder))


@st.fragment
def style_tab(bench: Workbench) -> None:
    subject = _chooser(bench, "Subject image", "style_subject", 1)
    source = st.radio("Style from", ["an image", "a text"], horizontal=True, key="style_source")
    style = (bench.pool[_chooser(bench, "Style image", "style_image", 0)] if source == "an image"
             else st.text_input("Style text", "an oil painting in the style of Van Gogh", key="style_text"))
    weight = st.slider("Style weight", 0.0, 1.0, 0.4, 0.05, key="style_weight")
    frames = st.slider("Images: the style weight ramps from 0", 1, 8, 3, key="style_frames")
    _gallery(bench, "style", lambda: galleries.plan_arithmetic(bench.model, bench.pool[subject], [(weight, style)],
                                                               frames, embedder=bench.embedder, kind="style"))


@st.fragment
def score_tab(bench: Workbench, found: dict) -> None:
    names, pool = bench.names, bench.pool
    poles = st.text_area("Directions from text poles, one per line: negative | positive (';' between prompts)",
                         POLES, key="score_poles")
    with st.expander("A direction from labelled example images"):
        c1, c2 = st.columns(2)
        neg = c1.multiselect("Negative examples", list(names), format_func=names.get, key="score_neg")
        pos = c2.multiselect("Positive examples", list(names), format_func=names.get, key="score_pos")
        neg_label = c1.text_input("Negative label", "negative examples", key="score_neg_label")
        pos_label = c2.text_input("Positive label", "positive examples", key="score_pos_label")
    st.session_state.setdefault("score_library", [])
    library = direction_picker(found, key="score_library")
    st.caption("Curated directions are built from their example texts in CLIP's text space.")
    chosen = st.multiselect("Images to score", list(names), default=list(names), format_func=names.get,
                            key="score_images")
    batch = inputs.from_paste(st.text_area("Texts to score beside them",
                                           "a photograph of a dog\na cartoon drawing of a dog", key="score_texts"))
    try:
        directions = clip_space.scoring_directions(bench.embedder, bench.model, poles, [pool[i] for i in neg],
                                                   [pool[i] for i in pos], neg_label, pos_label)
    except (DatasetError, MethodError, ValueError) as exc:
        error(exc)
        return
    directions += directions_for(bench.embedder, library, library=found) if library else []
    if not directions or not (chosen or batch.texts):
        st.info("Give at least one direction and one image or text.")
        return
    labels, E = clip_space.images_and_texts(bench.model, bench.embedder, [pool[i] for i in chosen], batch.texts)
    frame = score_frame(labels, E, directions)
    table = wide_scores(frame)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={d.name: st.column_config.NumberColumn(d.title, format="%.3f") for d in directions})
    download_table(table, "image-scores", key="score_download")
    st.caption("Images sit further from text poles than texts do (CLIP's modality gap), so their calibrated scores "
               "are smaller; compare images with images, and read the sign.")
    chart(charts.heatmap(frame), key="score_heatmap", file_stem="image-scores")
