"""Images: interpolation galleries, text arithmetic and scores on directions in CLIP's joint space."""
import streamlit as st

from core import ui
from core.images import unclip_specs
from core.models import clip
from core.models import registry as encoders
from core.ui import images_setup, images_tabs
from core.ui.gallery import Workbench

ui.setup("Images", ":material/image:")
st.title("Images in CLIP space")
st.caption("Interpolate between images in CLIP's embedding space, add and subtract text vectors, decode the results "
           "with an unCLIP model into a gallery, and score images on directions next to texts.")

clip_status = {n: encoders.model_status(n) for n in clip.clip_models()}
clip_name = images_setup.pick("CLIP model", clip_status, "clip_model")
decoder_status = {n: unclip_specs.decoder_status(n) for n in unclip_specs.decoder_names()}
decoder_name = images_setup.pick("Decoder", decoder_status, "decoder")
st.sidebar.caption(unclip_specs.get_decoder_spec(decoder_name).title)
have_clip = clip_status[clip_name] in unclip_specs.READY
have_decoder = decoder_status[decoder_name] in unclip_specs.READY

if not (have_clip and have_decoder):
    images_setup.models_needed(decoder_name, clip_name, have_clip)
if not have_clip:
    st.stop()

embedder = ui.embedder_or_stop(clip_name)
model = clip.get_clip(clip_name)

st.subheader("Images")
bench = Workbench(model, embedder, images_setup.image_pool(), decoder_name, have_decoder)

found, errors = ui.load_datasets()
t1, t2, t3, t4 = st.tabs(["Interpolation", "Text arithmetic", "Style + subject", "Score on directions"])
with t1:
    images_tabs.interpolation_tab(bench)
with t2:
    images_tabs.arithmetic_tab(bench)
with t3:
    images_tabs.style_tab(bench)
with t4:
    images_tabs.score_tab(bench, found)
