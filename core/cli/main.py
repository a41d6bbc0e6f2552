"""The command line, `python -m core`: one parser, one place that turns errors into one-line messages.

Subcommands live in their own modules (score, directions, adapter); each registers its parsers with a
`run` function and, optionally, `usage_errors`: the error kinds that mean bad arguments or bad input
(exit status 2). See core.cli.common for the statuses.
"""
from __future__ import annotations

import logging
import os
import sys

from core.cli import adapter, directions, models, score
from core.cli.common import CliError, Parser
from core.directions.datasets import DatasetError
from core.errors import LatentError, one_line
from core.io.inputs import InputError
from core.models.registry import UnknownModel

log = logging.getLogger(__name__)

# bad arguments or input, for the subcommands that do not say otherwise
USAGE_ERRORS = (InputError, UnknownModel, DatasetError)


def parser() -> Parser:
    p = Parser(prog="python -m core", description="Score texts on named directions in embedding space.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in (score, directions, models, adapter):
        module.add_commands(sub)
    return p


def status_of(exc: BaseException, usage_errors=USAGE_ERRORS) -> int:
    """2 for usage and bad input, 1 for any other expected failure."""
    if isinstance(exc, CliError):
        return exc.status
    return 2 if isinstance(exc, tuple(usage_errors)) else 1


def _quiet_stdout() -> None:
    """After a closed pipe (`| head`), send what is left of standard output nowhere, so exit stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # standard output is not a real file (a test's capture)
        pass


def main(argv: list[str] | None = None) -> int:
    args = None
    try:
        args = parser().parse_args(argv)
        return args.run(args)
    except BrokenPipeError:
        _quiet_stdout()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (LatentError, OSError) as exc:
        log.debug("command failed", exc_info=True)
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return status_of(exc, getattr(args, "usage_errors", USAGE_ERRORS))
