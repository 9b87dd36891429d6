"""`targets`: what each target assumes, and its processing steps in order."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from sigma_certutil.errors import (
    UsageError,
)
from sigma_certutil.targets import get_target

if TYPE_CHECKING:
    pass
from sigma_certutil.cli.common import (
    EXIT_OK,
    chosen_targets,
)


def targets_command(args: argparse.Namespace) -> int:
    from sigma_certutil.processing.registry import ResolvedStep, resolved_steps

    chosen = [get_target(target_id) for target_id in chosen_targets(args.targets)]
    steps: dict[str, list[ResolvedStep]] = {}
    if args.steps:
        steps = {target.id: resolved_steps(target, args.pipelines) for target in chosen}
    elif args.pipelines:
        raise UsageError("--pipeline shows where your pipeline runs: use it with --steps")
    if args.json:
        rows: list[dict[str, object]] = []
        for target in chosen:
            row: dict[str, object] = {
                "id": target.id,
                "language": target.language,
                "extension": target.extension,
                "data": target.data,
                "case_sensitivity": target.case_sensitivity,
            }
            if args.steps:
                row["steps"] = [
                    {"name": s.name, "priority": s.priority, "source": s.source}
                    for s in steps[target.id]
                ]
            rows.append(row)
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for target in chosen:
        sys.stdout.write(
            f"{target.id}\t{target.language}\n"
            f"\tdata: {target.data}\n"
            f"\tcase: {target.case_sensitivity}\n"
        )
        if args.steps:
            sys.stdout.write("\tsteps:\n")
            width = max(len(step.name) for step in steps[target.id])
            for step in steps[target.id]:
                sys.stdout.write(f"\t  {step.priority:>3}  {step.name:<{width}}  {step.source}\n")
    return EXIT_OK
