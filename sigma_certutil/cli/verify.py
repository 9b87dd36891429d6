"""`verify`: each target's query on its engine over events, beside the Sigma reference."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from sigma_certutil.errors import (
    CertutilError,
)

if TYPE_CHECKING:
    pass
from sigma_certutil.cli.common import (
    EXIT_CONVERSION,
    chosen_targets,
    exit_code,
    load_rules,
    print_error,
)


def verify_command(args: argparse.Namespace) -> int:
    from sigma_certutil.verify import Verdict, load_events, verify

    target_ids = chosen_targets(args.targets)
    errors: list[CertutilError] = []
    rules = load_rules(args.rules, errors, args.limits)
    events = [event for path in args.events for event in load_events(path)]
    report = verify([rule for _, rule in rules], events, target_ids)
    for failure in errors:
        print_error(failure)
    if args.json:
        rows = [
            {
                "rule": source,
                "title": checked.title,
                "reference": list(checked.reference),
                "targets": [
                    {
                        "target": result.target,
                        "status": result.status.value,
                        "matched": list(result.matched),
                        "detail": result.detail,
                    }
                    for result in checked.results
                ],
            }
            for (source, _), checked in zip(rules, report, strict=True)
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for (source, _), checked in zip(rules, report, strict=True):
            sys.stdout.write(
                f"{source}: {checked.title}\n  reference  {len(checked.reference)} of "
                f"{len(events)} events: {', '.join(checked.reference) or '-'}\n"
            )
            for result in checked.results:
                line = f"  {result.target:<10} {result.status.value}"
                if result.matched or result.status in (Verdict.AGREES, Verdict.DISAGREES):
                    line += f": {', '.join(result.matched) or 'no event'}"
                if result.detail:
                    line += f" ({result.detail})"
                sys.stdout.write(line + "\n")
    if any(checked.disagrees for checked in report):
        return max(EXIT_CONVERSION, exit_code(errors))
    return exit_code(errors)
