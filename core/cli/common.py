"""What every subcommand shares: the one-line CLI error, the argument parser, exit statuses.

Exit statuses: 0 success; 2 for usage and bad input (argparse errors, a CliError with status 2, and the
errors a subcommand lists as its `usage_errors`); 1 for everything else that goes wrong as expected
(any core.errors.LatentError or OSError); 130 when interrupted. core.cli.main prints each as one line.
"""
from __future__ import annotations

import argparse
from contextlib import contextmanager
from typing import Iterator

from core.errors import LatentError, one_line
from core.models.registry import DEFAULT_MODEL


class CliError(LatentError):
    """A one-line message for the user; exit status 2 for usage, 1 otherwise."""

    def __init__(self, message: str, status: int = 1):
        super().__init__(message)
        self.status = status


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, not argparse's usage block
        raise CliError(f"{self.prog}: {message} (see --help)", 2)


def add_model_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"model name (default: {DEFAULT_MODEL})")


@contextmanager
def exit_status(status: int) -> Iterator[None]:
    """Expected errors raised inside the block exit with `status`, whatever their kind."""
    try:
        yield
    except CliError:
        raise
    except LatentError as exc:
        raise CliError(one_line(exc), status) from exc
