"""Page set-up: title, icon, wide layout, and the sign-in gate where sign-in is required."""
from __future__ import annotations

import streamlit as st

from core.ui import access as auth
from core.ui.signin import access_settings, login_buttons, signed_in


# Streamlit fetches a `:material/` page icon from fonts.gstatic.com for the favicon; an emoji becomes an inline
# SVG, so no request leaves the machine. Icons inside the page (buttons, alerts) use Streamlit's bundled font.
FAVICONS = {"home": "\U0001f3e0", "insights": "\U0001f4ca", "tune": "\U0001f39a\ufe0f", "compare_arrows": "\u2194\ufe0f",
            "scatter_plot": "\U0001f5fa\ufe0f", "science": "\U0001f9ea", "image": "\U0001f5bc\ufe0f",
            "explore": "\U0001f9ed"}


def favicon(icon: str) -> str:
    """The page icon Streamlit gets: a `:material/name:` icon as its emoji (a compass for unknown names)."""
    if icon.startswith(":material/"):
        return FAVICONS.get(icon[len(":material/"):].rstrip(":"), FAVICONS["explore"])
    return icon


def setup(title: str, icon: str = ":material/explore:") -> None:
    st.set_page_config(page_title=f"{title} · Latent dashboard", page_icon=favicon(icon), layout="wide")
    settings = access_settings()
    if auth.needs_login(settings, signed_in()[0]):
        st.title("Latent dashboard")
        st.info("Sign in to use this dashboard.", icon=":material/lock:")
        login_buttons("gate")
        st.stop()
