"""The sigma-certutil command line.

Exit codes: 0 success; 1 a rule could not be converted for a target; 2 usage or input
error (unknown target or option, unreadable or invalid rule, unwritable output);
3 an unexpected internal error (naming the file it happened on, when it was reading one).
Every error is one line on stderr.

One module per command (``convert``, ``verify``, ``build``, ``explain``, ``targets``); ``parser``
builds the argument parser, ``common`` holds what they share.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigma_certutil.cli.common import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, FileDefect, print_error
from sigma_certutil.cli.parser import build_parser
from sigma_certutil.errors import CertutilError

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
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
        return 130
    except Exception as error:  # the command line never shows a traceback
        print_error(f"internal error: {type(error).__name__}: {error}")
        return EXIT_INTERNAL
    return code
