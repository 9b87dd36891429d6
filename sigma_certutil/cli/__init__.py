"""The sigma-certutil command line.

Exit codes: 0 success; 1 a rule could not be converted for a target; 2 usage or input
error (unknown target or option, unreadable or invalid rule, unwritable output, an output
folder another build holds); 3 an unexpected internal error (naming the file it happened on,
when it was reading one); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM). Every error is
one line on stderr.

One module per command (``convert``, ``verify``, ``build``, ``test``, ``explain``, ``lint``,
``targets``); ``parser`` builds the argument parser, ``common`` holds what they share,
``reports`` the report options of build, check, test and lint.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType

from sigma_certutil.cli.common import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    PROG,
    FileDefect,
    print_error,
)
from sigma_certutil.cli.parser import build_parser
from sigma_certutil.errors import CertutilError

__all__ = ["Terminated", "build_parser", "main"]

EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as KeyboardInterrupt is for SIGINT (a BaseException,
    so that no ``except Exception`` takes it for a rule's error)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):
        # No command: the usage and the commands, as a usage error.
        sys.stderr.write(parser.format_help())
        return EXIT_USAGE
    args = parser.parse_args(argv)
    try:
        with _terminate_raises():
            code: int = args.handler(args)
    except CertutilError as error:
        print_error(error)
        return EXIT_USAGE
    except FileDefect as error:
        print_error(error)
        return EXIT_INTERNAL
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        _interrupted(args)
        return EXIT_INTERRUPTED
    except Terminated:
        _interrupted(args)
        return EXIT_TERMINATED
    except Exception as error:  # the command line never shows a traceback
        print_error(f"internal error: {type(error).__name__}: {error}")
        return EXIT_INTERNAL
    return code


def _interrupted(args: argparse.Namespace) -> None:
    """One line: interrupted, and (``args.interrupted``, a command's own) what that left."""
    note: Callable[[argparse.Namespace], str] | None = getattr(args, "interrupted", None)
    sys.stderr.write(f"{PROG}: interrupted" + (f"; {note(args)}" if note else "") + "\n")


@contextmanager
def _terminate_raises() -> Iterator[None]:
    """SIGTERM raises Terminated while the command runs (in the main thread only: a signal
    handler can be set nowhere else)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated(signum)
