"""Who may change shared files: the access policy, without Streamlit.

Sign-in is optional. With no `[auth]` section in `.streamlit/secrets.toml` the dashboard has no
sign-in and everyone who reaches it may save directions (a single-user or trusted-network setup),
unless `read_only` is set. With an `[auth]` section (Streamlit's OIDC login, `st.login`) people
who have not signed in are viewers: they see everything but cannot save, restore or add direction
files or models, unless `viewers_can_edit` is set. Signed-in people may save; an `editors` list
narrows that to the listed e-mail addresses (or `*` for anyone signed in).

Settings come from an `[access]` section in secrets.toml and can be overridden by environment
variables: LATENT_READ_ONLY, LATENT_VIEWERS_CAN_EDIT, LATENT_REQUIRE_LOGIN (true/false) and
LATENT_EDITORS (comma-separated addresses).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class Settings:
    auth_configured: bool = False
    require_login: bool = False
    viewers_can_edit: bool = False
    read_only: bool = False
    editors: tuple[str, ...] = ()


def _flag(value, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    return default


def _emails(value) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(sorted({str(i).strip().lower() for i in items if str(i).strip()}))


def auth_configured(auth_section) -> bool:
    """An `[auth]` section with what st.login needs (a redirect URI and a cookie secret)."""
    return isinstance(auth_section, Mapping) and bool(auth_section.get("redirect_uri")) \
        and bool(auth_section.get("cookie_secret"))


def settings_from(secrets: Mapping, env: Mapping[str, str]) -> Settings:
    access = secrets.get("access") or {}
    if not isinstance(access, Mapping):
        access = {}
    editors = env.get("LATENT_EDITORS")
    return Settings(
        auth_configured=auth_configured(secrets.get("auth")),
        require_login=_flag(env.get("LATENT_REQUIRE_LOGIN"), _flag(access.get("require_login"), False)),
        viewers_can_edit=_flag(env.get("LATENT_VIEWERS_CAN_EDIT"), _flag(access.get("viewers_can_edit"), False)),
        read_only=_flag(env.get("LATENT_READ_ONLY"), _flag(access.get("read_only"), False)),
        editors=_emails(editors if editors is not None else access.get("editors")),
    )


def can_edit(settings: Settings, logged_in: bool, email: str | None) -> bool:
    """Whether this person may write direction files and the model list."""
    if settings.read_only:
        return False
    if settings.viewers_can_edit or not settings.auth_configured:
        return True
    if not logged_in:
        return False
    if not settings.editors or "*" in settings.editors:
        return True
    return (email or "").strip().lower() in settings.editors


def refusal(settings: Settings, logged_in: bool) -> str:
    """Why saving is not allowed, in words a viewer can act on."""
    if settings.read_only:
        return "This dashboard is read-only: directions and models cannot be changed here."
    if not logged_in:
        return "Viewers cannot change directions or models. Sign in on the Home page to save."
    return "Your account may view but not change directions or models; ask an editor to add you."


def needs_login(settings: Settings, logged_in: bool) -> bool:
    return settings.auth_configured and settings.require_login and not logged_in
