"""The Latent lab's move controls: which move, its settings, and the directions scored beside it."""
from __future__ import annotations

from typing import NamedTuple

import numpy as np
import streamlit as st

from core.latent import lab
from core.latent import trail as trails
from core.ui.loaders import embed
from core.ui.pickers import direction_picker


class MoveChoice(NamedTuple):
    op: str
    params: dict  # what the trail records (the steer direction's scale is added once it is built)
    operands: dict  # the vectors the move reads
    steer: object | None  # the data set steered along, for a steer move
    scored: list  # the data sets whose scores the tables show


def _label(ds) -> str:
    return f"{ds.title} ({ds.negative_label} → {ds.positive_label})"


def move_controls(found: dict, embedder, b: str, vb: np.ndarray | None) -> MoveChoice:
    """The move radio and the settings of the move picked; stops the page with a note when the move needs
    something that is missing (a direction, a second text B)."""
    op = st.radio("Move", list(trails.OPS), key="lab_op", format_func=trails.OPS.get, horizontal=True,
                  label_visibility="collapsed")
    names = list(found)
    scored = direction_picker(found, key="lab_directions",
                              default=[n for n in ("length", "sentiment", "formality") if n in found])
    params, operands, steer = {}, {}, None
    m1, m2, m3 = st.columns(3)
    if op == "steer":
        if not names:
            st.warning("Steering needs a direction; no direction data sets were found.")
            st.stop()
        name = m1.selectbox("Direction", names, key="lab_direction",
                            index=names.index("length") if "length" in names else 0,
                            format_func=lambda n: _label(found[n]))
        steer = found[name]
        low, high = m2.slider("Amounts, in calibrated units (1 = the distance from the midpoint to a pole)", -3.0,
                              3.0, (-1.5, 1.5), 0.25, key="lab_amounts")
        params = lab.steer_params(name, low, high, m3.slider("Points", 2, 9, 5, key="lab_points"))
    elif op == "blur":
        params = {"radius": m1.slider("Radius", 0.0, 1.5, 0.4, 0.05, key="lab_radius"),
                  "count": m2.slider("Points", 1, 12, 6, key="lab_count"),
                  "seed": int(m3.number_input("Seed", 0, 1_000_000, 0, key="lab_blur_seed"))}
    elif vb is None:
        st.info("Enter a second text (B) for this move.")
        st.stop()
    elif op == "splice":
        params = {"k": m1.slider("Dimensions kept from the current point (the rest come from B)", 0, embedder.dim,
                                 embedder.dim // 2, key="lab_k"), "with": b}
        operands = {"other": vb}
    elif op == "interpolate":
        params = {"method": m1.radio("Path", ["slerp", "lerp"], key="lab_method", horizontal=True,
                                     help="slerp follows the sphere; lerp the straight line, renormalised"),
                  "steps": m2.slider("Points", 3, 11, 5, key="lab_steps"), "to": b}
        operands = {"other": vb}
    else:
        weight = m1.slider("Weight of B", -2.0, 2.0, 1.0, 0.1, key="lab_weight")
        c_text = m2.text_input("Subtract a text C (optional)", key="lab_c").strip()
        c_weight = m3.slider("Weight of C", 0.0, 2.0, 1.0, 0.1, key="lab_c_weight")
        vc = embed(embedder, [c_text])[0] if c_text else None
        params, operands = lab.arithmetic_move(b, vb, weight, c_text, vc, c_weight)
    return MoveChoice(op, params, operands, steer, scored)
