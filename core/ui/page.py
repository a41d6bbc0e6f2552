"""Page set-up: title, icon, wide layout, and the sign-in gate where sign-in is required."""
from __future__ import annotations

import streamlit as st

from core.ui import access as auth
from core.ui.signin import access_settings, login_buttons, signed_in


def setup(title: str, icon: str = ":material/explore:") -> None:
    st.set_page_config(page_title=f"{title} · Latent dashboard", page_icon=icon, layout="wide")
    settings = access_settings()
    if auth.needs_login(settings, signed_in()[0]):
        st.title("Latent dashboard")
        st.info("Sign in to use this dashboard.", icon=":material/lock:")
        login_buttons("gate")
        st.stop()
