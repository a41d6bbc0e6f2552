"""Sign-in and who may change shared files, on the page (the policy itself is core.ui.access)."""
from __future__ import annotations

import logging
import os
from collections.abc import Mapping

import streamlit as st

from core.ui import access as auth
from core.ui.messages import escape_md

log = logging.getLogger(__name__)

def _secrets() -> dict:
    """The [auth] and [access] sections of secrets.toml ({} without the file).

    `load_if_toml_exists` returns False for a missing or unreadable file instead of raising; reading a
    section raises KeyError, or StreamlitSecretNotFoundError (a FileNotFoundError) when the file went
    away after it was loaded: no sign-in then, never a crashed page."""
    if not st.secrets.load_if_toml_exists():
        return {}
    try:
        return {k: st.secrets[k].to_dict() if hasattr(st.secrets[k], "to_dict") else st.secrets[k]
                for k in ("auth", "access") if k in st.secrets}
    except (KeyError, FileNotFoundError) as exc:
        log.warning("secrets.toml could not be read; no sign-in: %s", exc)
        return {}


def access_settings() -> auth.Settings:
    return auth.settings_from(_secrets(), os.environ)


def signed_in() -> tuple[bool, str | None]:
    """Whether someone is signed in, and their e-mail address (without an [auth] section st.user has no
    `is_logged_in`: nobody is)."""
    if st.user.get("is_logged_in", False):
        return True, st.user.get("email")
    return False, None


def can_edit() -> bool:
    logged_in, email = signed_in()
    return auth.can_edit(access_settings(), logged_in, email)


def edit_refusal() -> str:
    return auth.refusal(access_settings(), signed_in()[0])


def _providers() -> list[str | None]:
    section = _secrets().get("auth") or {}
    named = [k for k, v in section.items() if isinstance(v, Mapping)]
    return named if named else [None]


def login_buttons(key: str) -> None:
    """A sign-in button per configured provider (one plain button when [auth] names none)."""
    for provider in _providers():
        label = "Sign in" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=f"login_{key}_{provider}", icon=":material/login:"):
            if provider:
                st.login(provider)
            else:
                st.login()


def sign_in_panel() -> None:
    """Sign-in status and buttons (only where an [auth] section is configured)."""
    settings = access_settings()
    if not settings.auth_configured:
        if settings.read_only:
            st.caption("This dashboard is read-only.")
        return
    logged_in, email = signed_in()
    if logged_in:
        name = st.user.get("name") or email or "signed in"
        st.caption(f"Signed in as {escape_md(name)}" + ("" if can_edit() else " (view only)"))
        if st.button("Sign out", key="logout", icon=":material/logout:"):
            st.logout()
    else:
        st.caption("You are viewing without signing in" + ("." if can_edit() else "; sign in to save changes."))
        login_buttons("home")
