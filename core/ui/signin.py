"""Sign-in and who may change shared files, on the page (the policy itself is core.ui.access)."""
from __future__ import annotations

import os
from typing import Mapping

import streamlit as st

from core.ui import access as auth
from core.ui.messages import escape_md


def _secrets() -> dict:
    try:
        if st.secrets.load_if_toml_exists():
            return {k: st.secrets[k].to_dict() if hasattr(st.secrets[k], "to_dict") else st.secrets[k]
                    for k in ("auth", "access") if k in st.secrets}
    except Exception:  # a broken secrets file means no sign-in, never a crashed page
        pass
    return {}


def access_settings() -> auth.Settings:
    return auth.settings_from(_secrets(), os.environ)


def signed_in() -> tuple[bool, str | None]:
    try:
        if st.user.is_logged_in:
            return True, st.user.get("email")
    except Exception:
        pass
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


def _login_buttons(key: str) -> None:
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
        _login_buttons("home")
