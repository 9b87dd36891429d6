"""`explain`: the rule card."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from sigma_certutil.output import write_atomic

if TYPE_CHECKING:
    pass
from sigma_certutil.cli.common import (
    EXIT_OK,
    FileDefect,
)
from sigma_certutil.errors import CertutilError


def explain_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sigma_certutil.card_formats import FORMATS
    from sigma_certutil.rule_card import explain
    from sigma_certutil.rules import load_rule

    rule = None
    if args.rule:
        try:
            rule = load_rule(args.rule, limits=args.limits)
        except CertutilError:
            raise
        except Exception as error:
            raise FileDefect(args.rule, error) from error
    card = explain(rule, corpus=Path(args.corpus) if args.corpus else None, limits=args.limits)
    output = FORMATS[args.format](card)
    if args.output:
        write_atomic(args.output, output)
    else:
        sys.stdout.write(output)
    return EXIT_OK
