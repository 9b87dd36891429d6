"""The sigma-certutil command line.

Exit codes: 0 success; 1 a rule could not be converted for a target; 2 usage or input
error (unknown target or option, unreadable or invalid rule, unwritable output);
3 an unexpected internal error. Every error is one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

from sigma_certutil.errors import (
    CertutilError,
    ConversionError,
    InputError,
    OutputError,
    RuleError,
    UsageError,
)
from sigma_certutil.output import write_atomic
from sigma_certutil.targets import TARGETS, get_target
from sigma_certutil.versions import installed_versions

if TYPE_CHECKING:
    from sigma.rule import SigmaRule

    from sigma_certutil.fields import FieldRoute

# Commands import what they use (pySigma above all) when they run: `build` with nothing to
# convert, `targets` and `--help` start without it.

EXIT_OK = 0
EXIT_CONVERSION = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

PROG = "sigma-certutil"
BUNDLED = "bundled"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see '{PROG} --help')\n")


@dataclass(frozen=True)
class _Converted:
    rule: str
    sigma: SigmaRule
    target: str
    query: str


def _package_version() -> str:
    return installed_versions(["sigma-certutil"])["sigma-certutil"]


def _targets_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-t",
        "--target",
        action="append",
        dest="targets",
        metavar="TARGET",
        help=f"target id, repeatable or comma-separated ({', '.join(TARGETS)}); default: all",
    )


def _rules_and_targets(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "rules", nargs="*", metavar="RULE.yml", help="Sigma rule files (default: the bundled rule)"
    )
    _targets_option(command)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Convert Sigma rules to Splunk, Elastic and Defender XDR queries.",
        epilog="Exit codes: 0 ok, 1 a rule could not be converted, 2 usage or input error.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    convert_cmd = commands.add_parser(
        "convert",
        help="convert rules (the bundled certutil rule when none is given)",
        description="Convert Sigma rules to each target's query. With one target only the "
        "queries are printed.",
    )
    _rules_and_targets(convert_cmd)
    convert_cmd.add_argument(
        "--json",
        action="store_true",
        help="print one JSON array of {rule, id, title, target, query}",
    )
    convert_cmd.add_argument(
        "-o", "--output", metavar="FILE", help="write the output to FILE (whole or not at all)"
    )
    convert_cmd.set_defaults(handler=_convert_command)

    fields_cmd = commands.add_parser(
        "fields",
        help="show where each field of a rule lands in a target, and which pipeline steps did it",
    )
    _rules_and_targets(fields_cmd)
    fields_cmd.add_argument("--json", action="store_true", help="print JSON")
    fields_cmd.set_defaults(handler=_fields_command)

    verify_cmd = commands.add_parser(
        "verify",
        help="run each target's query on its engine over Sysmon events, beside the Sigma reference",
        description="Run each target's query on its real engine over raw Sysmon events, stored "
        "as each target's ingest stores them, and compare the matched events with the Sigma "
        "reference (the rule on the raw fields). Exit 1 when a target disagrees.",
    )
    _rules_and_targets(verify_cmd)
    verify_cmd.add_argument(
        "--events",
        nargs="+",
        required=True,
        metavar="FILE",
        help="SigmaHQ regression JSON ({Event: {System, EventData}}) or JSON lines of EventData "
        "fields with EventID",
    )
    verify_cmd.add_argument("--json", action="store_true", help="print JSON")
    verify_cmd.set_defaults(handler=_verify_command)

    build_cmd = commands.add_parser(
        "build",
        help="build rule folders into one query file per rule and target, with a manifest",
    )
    build_cmd.add_argument("sources", nargs="+", metavar="RULES", help="rule folders or files")
    build_cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    _targets_option(build_cmd)
    build_cmd.add_argument(
        "-p", "--pipeline", action="append", dest="pipelines", default=[], metavar="PIPELINE.yml",
        help="your own pySigma pipeline, composed with the target's by priority (repeatable)",
    )  # fmt: skip
    build_cmd.add_argument(
        "--allow-unsupported", action="store_true",
        help="a rule a target cannot express is skipped for that target, not an error",
    )  # fmt: skip
    build_cmd.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 with a diff when OUT differs"
    )
    build_cmd.add_argument(
        "--deploy",
        action="store_true",
        help="also write OUT/deploy/: savedsearches.conf, Kibana rule NDJSON, Sentinel YAML",
    )
    build_cmd.add_argument("-j", "--jobs", type=int, help="worker processes (default: CPUs)")
    build_cmd.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    build_cmd.set_defaults(handler=_build_command)

    check_cmd = commands.add_parser(
        "check", help="exit 1 with a diff when OUT differs from what its rules build now"
    )
    check_cmd.add_argument("output", metavar="OUT")
    check_cmd.add_argument("--update", action="store_true", help="rewrite OUT instead")
    check_cmd.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    check_cmd.set_defaults(handler=_check_command)

    explain_cmd = commands.add_parser(
        "explain",
        help="the rule card: ATT&CK, event coverage, stages, predicates and indicators",
    )
    explain_cmd.add_argument(
        "rule", nargs="?", metavar="RULE.yml", help="default: the bundled rule"
    )
    explain_cmd.add_argument(
        "--corpus", metavar="DIR", help="count each indicator over the rules under DIR"
    )
    explain_cmd.add_argument("--format", choices=("md", "json", "html"), default="md")
    explain_cmd.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    explain_cmd.set_defaults(handler=_explain_command)

    targets_cmd = commands.add_parser("targets", help="list the targets and the data each assumes")
    _targets_option(targets_cmd)
    targets_cmd.add_argument(
        "--steps",
        action="store_true",
        help="also show each target's processing steps in the order they apply "
        "(priority, name, where it is defined)",
    )
    targets_cmd.add_argument(
        "-p", "--pipeline", action="append", dest="pipelines", default=[], metavar="PIPELINE.yml",
        help="with --steps: place your own pySigma pipeline among the steps (repeatable)",
    )  # fmt: skip
    targets_cmd.add_argument("--json", action="store_true", help="print JSON")
    targets_cmd.set_defaults(handler=_targets_command)
    return parser


def _target_ids(requested: Sequence[str] | None) -> list[str]:
    if not requested:
        return list(TARGETS)
    ids: list[str] = []
    for item in requested:
        for target_id in filter(None, (part.strip() for part in item.split(","))):
            get_target(target_id)
            if target_id not in ids:
                ids.append(target_id)
    return ids


def _convert_command(args: argparse.Namespace) -> int:
    from sigma_certutil.conversion.single import convert

    target_ids = _target_ids(args.targets)
    converted: list[_Converted] = []
    errors: list[CertutilError] = []
    for source, rule in _load_rules(args.rules, errors):
        for target_id in target_ids:
            try:
                converted.append(_Converted(source, rule, target_id, convert(rule, target_id)))
            except ConversionError as error:
                errors.append(error)
    for failure in errors:
        _print_error(failure)

    if args.json:
        text = json.dumps([_as_json(item) for item in converted], indent=2) + "\n"
    elif len(target_ids) == 1:
        text = "\n\n".join(item.query for item in converted) + ("\n" if converted else "")
    else:
        text = _readable(converted)
    if args.output:
        if errors:
            _print_error(OutputError(f"{args.output}: not written because of the errors above"))
        else:
            write_atomic(args.output, text)
    else:
        sys.stdout.write(text)

    return _exit_code(errors)


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


def _load_rules(paths: Sequence[str], errors: list[CertutilError]) -> list[tuple[str, SigmaRule]]:
    from sigma_certutil.rules import load_bundled_rule, load_rule

    if not paths:
        return [(BUNDLED, load_bundled_rule())]
    rules = []
    for path in paths:
        try:
            rules.append((path, load_rule(path)))
        except RuleError as error:
            errors.append(error)
    return rules


def _exit_code(errors: Sequence[CertutilError]) -> int:
    if any(isinstance(error, InputError) for error in errors):
        return EXIT_USAGE
    return EXIT_CONVERSION if errors else EXIT_OK


def _fields_command(args: argparse.Namespace) -> int:
    from sigma_certutil.fields import field_routes

    target_ids = _target_ids(args.targets)
    errors: list[CertutilError] = []
    found: list[tuple[str, str, FieldRoute]] = []
    for source, rule in _load_rules(args.rules, errors):
        for target_id in target_ids:
            try:
                found.extend((source, target_id, route) for route in field_routes(rule, target_id))
            except ConversionError as error:
                errors.append(error)
    for failure in errors:
        _print_error(failure)
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
    return _exit_code(errors)


def _verify_command(args: argparse.Namespace) -> int:
    from sigma_certutil.verify import Verdict, load_events, verify

    target_ids = _target_ids(args.targets)
    errors: list[CertutilError] = []
    rules = _load_rules(args.rules, errors)
    events = [event for path in args.events for event in load_events(path)]
    report = verify([rule for _, rule in rules], events, target_ids)
    for failure in errors:
        _print_error(failure)
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
        return max(EXIT_CONVERSION, _exit_code(errors))
    return _exit_code(errors)


def _run_build(
    sources: Sequence[str],
    out: str,
    targets: Sequence[str] | None,
    pipelines: Sequence[str],
    *,
    allow_unsupported: bool,
    check: bool,
    deploy: bool,
    jobs: int | None,
    quiet: bool,
) -> int:
    from sigma_certutil.build import build, terminal_progress

    progress = None if quiet or not sys.stderr.isatty() else terminal_progress
    result = build(
        sources,
        out,
        _target_ids(targets),
        pipelines,
        allow_unsupported=allow_unsupported,
        check=check,
        deploy=deploy,
        workers=jobs,
        progress=progress,
    )
    for diff in result.diffs.values():
        sys.stdout.write(diff)
    for error in result.errors:
        _print_error(error)
    if not quiet:
        sys.stderr.write(
            f"{result.query_count} queries: {len(result.written)} written, "
            f"{result.unchanged} unchanged, {len(result.removed)} removed, "
            f"{len(result.skipped)} skipped, {len(result.errors)} errors"
            + (f", {len(result.diffs)} differ" if check else "")
            + "\n"
        )
    return EXIT_CONVERSION if result.failed or result.diffs else EXIT_OK


def _build_command(args: argparse.Namespace) -> int:
    return _run_build(
        args.sources,
        args.output,
        args.targets,
        args.pipelines,
        allow_unsupported=args.allow_unsupported,
        check=args.check,
        deploy=args.deploy,
        jobs=args.jobs,
        quiet=args.quiet,
    )


def _check_command(args: argparse.Namespace) -> int:
    from sigma_certutil.build import Manifest

    options = Manifest.read(args.output).options
    return _run_build(
        options.sources,
        args.output,
        options.targets,
        options.pipelines,
        allow_unsupported=options.allow_unsupported,
        check=not args.update,
        deploy=options.deploy,
        jobs=None,
        quiet=args.quiet,
    )


def _explain_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    from sigma_certutil.card_formats import FORMATS
    from sigma_certutil.rule_card import explain
    from sigma_certutil.rules import load_rule

    rule = load_rule(args.rule) if args.rule else None
    card = explain(rule, corpus=Path(args.corpus) if args.corpus else None)
    output = FORMATS[args.format](card)
    if args.output:
        write_atomic(args.output, output)
    else:
        sys.stdout.write(output)
    return EXIT_OK


def _targets_command(args: argparse.Namespace) -> int:
    from sigma_certutil.processing.registry import ResolvedStep, resolved_steps

    chosen = [get_target(target_id) for target_id in _target_ids(args.targets)]
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


def _print_error(error: BaseException | str) -> None:
    message = " ".join(str(error).split())
    sys.stderr.write(f"{PROG}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except CertutilError as error:
        _print_error(error)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as error:  # the command line never shows a traceback
        _print_error(f"internal error: {type(error).__name__}: {error}")
        return EXIT_INTERNAL
    return code
