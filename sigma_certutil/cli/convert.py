"""`convert` and `fields`: each rule's query per target, and where each field lands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sigma_certutil.errors import (
    CertutilError,
    ConversionError,
    OutputError,
)
from sigma_certutil.output import write_atomic
from sigma_certutil.targets import TARGETS

if TYPE_CHECKING:
    from sigma.processing.pipeline import ProcessingPipeline
    from sigma.rule import SigmaRule

    from sigma_certutil.fields import FieldRoute
from sigma_certutil.cli.common import (
    chosen_targets,
    exit_code,
    load_rules,
    print_error,
)


@dataclass(frozen=True)
class _Converted:
    rule: str
    sigma: SigmaRule
    target: str
    query: str


def _own_pipelines(args: argparse.Namespace) -> list[ProcessingPipeline]:
    from sigma_certutil.processing.registry import user_pipeline

    return [user_pipeline(path, args.limits) for path in args.pipelines]


def convert_command(args: argparse.Namespace) -> int:
    from sigma_certutil.conversion.single import convert

    target_ids = chosen_targets(args.targets)
    own = _own_pipelines(args)
    converted: list[_Converted] = []
    errors: list[CertutilError] = []
    for source, rule in load_rules(args.rules, errors, args.limits):
        for target_id in target_ids:
            try:
                query = convert(rule, target_id, own)
                converted.append(_Converted(source, rule, target_id, query))
            except ConversionError as error:
                errors.append(error)
    for failure in errors:
        print_error(failure)

    if args.json:
        text = json.dumps([_as_json(item) for item in converted], indent=2) + "\n"
    elif len(target_ids) == 1:
        text = "\n\n".join(item.query for item in converted) + ("\n" if converted else "")
    else:
        text = _readable(converted)
    if args.output:
        if errors:
            print_error(OutputError(f"{args.output}: not written because of the errors above"))
        else:
            write_atomic(args.output, text)
    else:
        sys.stdout.write(text)

    return exit_code(errors)


def _as_json(item: _Converted) -> dict[str, str]:
    return {
        "rule": item.rule,
        "id": str(item.sigma.id) if item.sigma.id else "",
        "title": item.sigma.title,
        "target": item.target,
        "query": item.query,
    }


def _readable(converted: Sequence[_Converted]) -> str:
    blocks: list[str] = []
    current_rule = None
    for item in converted:
        if item.rule != current_rule:
            current_rule = item.rule
            blocks.append(f"# {item.sigma.title}\n# {item.rule} ({item.sigma.id})\n")
        blocks.append(f"## {item.target}: {TARGETS[item.target].language}\n{item.query}\n")
    return "\n".join(blocks)


def fields_command(args: argparse.Namespace) -> int:
    from sigma_certutil.conditions import recursion_room, rule_condition_depth
    from sigma_certutil.fields import field_routes

    target_ids = chosen_targets(args.targets)
    own = _own_pipelines(args)
    errors: list[CertutilError] = []
    found: list[tuple[str, str, FieldRoute]] = []
    for source, rule in load_rules(args.rules, errors, args.limits):
        for target_id in target_ids:
            try:
                with recursion_room(rule_condition_depth(rule)):
                    routes = field_routes(rule, target_id, own)
            except ConversionError as error:
                errors.append(error)
                continue
            except CertutilError:
                raise
            except Exception as error:  # as convert() has it
                reason = f"pySigma could not convert it: {type(error).__name__}: {error}"
                errors.append(ConversionError(source, target_id, reason))
                continue
            found.extend((source, target_id, route) for route in routes)
    for failure in errors:
        print_error(failure)
    if args.json:
        rows = [
            {
                "rule": source,
                "target": target_id,
                "field": route.field,
                "target_fields": list(route.target_fields),
                "steps": list(route.steps),
            }
            for source, target_id, route in found
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        for source, target_id, route in found:
            landed = ", ".join(route.target_fields) or "(dropped)"
            steps = ", ".join(route.steps) or "unchanged"
            sys.stdout.write(f"{source}\t{target_id}\t{route.field} -> {landed}\t[{steps}]\n")
    return exit_code(errors)
