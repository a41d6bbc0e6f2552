"""One base error for everything the dashboard expects to go wrong, and how it reads as one line.

Every error class in `core` derives from `LatentError` (most also from ValueError or RuntimeError, so
callers that caught those keep working). Its message is written for the person using the dashboard:
what is wrong and what to do. The command line (`core.cli`) and the pages (`core.ui.messages`) turn a
LatentError into that one line, each in one place; anything else is a bug and keeps its traceback in
the log. Modules log through `logging.getLogger(__name__)`; nothing in `core` configures handlers.
"""
from __future__ import annotations


class LatentError(Exception):
    """An expected failure whose message a person can act on."""


def one_line(exc: BaseException) -> str:
    """The error's message on one line (its first non-empty line; the class name if it has none)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__
