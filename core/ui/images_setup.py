"""The Images page's set-up: the model choices in the sidebar, the models still needed, and the images to
work with (uploads, the drawn samples, the frames of a saved gallery)."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.images import galleries, unclip_specs
from core.images import loading as imgs
from core.ui.messages import escape_md


def pick(label: str, status: dict[str, str], key: str) -> str:
    """A sidebar choice among `status`'s models that starts on the first one whose files are on this machine."""
    names = list(status)
    if st.session_state.get(key) not in names:
        st.session_state[key] = unclip_specs.first_ready(names, status)
    return st.sidebar.selectbox(label, names, key=key, format_func=lambda n: n if status[n] in unclip_specs.READY
                                else f"{n} (not on this machine)")


def models_needed(decoder_name: str, clip_name: str, have_clip: bool) -> None:
    """The models this page still needs, their sizes and the commands that fetch them."""
    with st.container(border=True):
        st.subheader("Models needed")
        rows = unclip_specs.requirements(decoder_name, clip_name)
        st.markdown("This page needs these models in the Hugging Face cache (or a local folder registered on the "
                    "Home page). Nothing is downloaded from here: fetch them once on a machine with network access, "
                    "then restart the dashboard. Sizes are approximate.")
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.code("\n".join(r["fetch command"] for r in rows if r["status"] not in unclip_specs.READY),
                language="bash")
        st.caption("The rest of the dashboard does not use these models and keeps working without them."
                   + ("" if have_clip else " Scoring images needs only the CLIP model; galleries need both."))


def image_pool() -> list[imgs.LoadedImage]:
    """Uploads, the samples and a saved gallery's frames, shown as thumbnails; stops the page when there are none."""
    uploads = st.file_uploader("Upload images", type=list(imgs.SUFFIXES), accept_multiple_files=True, key="uploads")
    c1, c2 = st.columns(2)
    use_samples = c1.toggle("Include three drawn sample images", value=True, key="samples")
    saved = {g["address"]: g for g in galleries.list_galleries()}
    from_gallery = c2.selectbox(
        "Add the frames of a saved gallery", ["", *saved], key="from_gallery",
        format_func=lambda a: "(none)" if not a else f"{saved[a]['kind']}, {saved[a]['count']} images, "
                                                     f"{saved[a]['created'][:16]}")
    pool, problems = imgs.load_many([(f.name, f.getvalue()) for f in uploads or []])
    for problem in problems:
        st.error(escape_md(problem), icon=":material/error:")
    pool += (imgs.sample_images() if use_samples else []) + (galleries.frames_as_images(from_gallery)
                                                             if from_gallery else [])
    if not pool:
        st.info("Upload images or include the samples.")
        st.stop()
    st.image([p.image for p in pool], caption=[p.name for p in pool], width=96)
    return pool
