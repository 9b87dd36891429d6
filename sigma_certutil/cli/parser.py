"""The argument parser: one subcommand per command module."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, NoReturn

from sigma_certutil.limits import DEFAULT_LIMITS, LIMIT_NAMES, Limits, parse_limits, size_text
from sigma_certutil.targets import TARGETS
from sigma_certutil.versions import installed_versions

if TYPE_CHECKING:
    pass
from sigma_certutil.cli.build import build_command, check_command, interrupted_note
from sigma_certutil.cli.common import (
    EXIT_USAGE,
    PROG,
)
from sigma_certutil.cli.convert import convert_command, fields_command
from sigma_certutil.cli.explain import explain_command
from sigma_certutil.cli.lint import LINT_DESCRIPTION, LINT_EXIT_CODES, lint_command
from sigma_certutil.cli.reports import report_options
from sigma_certutil.cli.targets import targets_command
from sigma_certutil.cli.test import TEST_DESCRIPTION, TEST_EXIT_CODES, rule_test_command
from sigma_certutil.cli.verify import VERIFY_DESCRIPTION, VERIFY_EXIT_CODES, verify_command


class _Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{PROG}: error: {message} (see '{PROG} --help')\n")


def _positive(text: str) -> int:
    """A whole number of at least 1, or a usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


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


def _limits(text: str) -> Limits:
    try:
        return parse_limits(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _limits_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--limits",
        type=_limits,
        default=DEFAULT_LIMITS,
        metavar="NAME=VALUE,...",
        help="raise the bounds on what a rule may hold, e.g. rule_bytes=4MiB,condition_depth=128 "
        f"({', '.join(f'{name}={value}' for name, value in _defaults())})",
    )


def _defaults() -> list[tuple[str, str]]:
    return [
        (name, size_text(value).replace(" ", "") if name.endswith("_bytes") else str(value))
        for name, value in ((name, getattr(DEFAULT_LIMITS, name)) for name in LIMIT_NAMES)
    ]


def _pipelines_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-p", "--pipeline", action="append", dest="pipelines", default=[], metavar="PIPELINE.yml",
        help="your own pySigma pipeline (index names, vars for |expand), or a bundled one by "
        "name (security_4688.yml: process_creation from Security 4688), composed with the "
        "target's by priority (repeatable)",
    )  # fmt: skip


def _rules_and_targets(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "rules",
        nargs="*",
        metavar="RULE.yml",
        help="Sigma rule files or folders (recursively; default: the bundled rule)",
    )
    _targets_option(command)
    _limits_option(command)


def _require_tests_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--require-tests", action="store_true",
        help="a rule without test events is a failure, not only reported untested",
    )  # fmt: skip


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
    _pipelines_option(convert_cmd)
    convert_cmd.add_argument(
        "--json",
        action="store_true",
        help="print one JSON array of {rule, id, title, target, query}",
    )
    convert_cmd.add_argument(
        "-o", "--output", metavar="FILE", help="write the output to FILE (whole or not at all)"
    )
    convert_cmd.set_defaults(handler=convert_command)

    fields_cmd = commands.add_parser(
        "fields",
        help="show where each field of a rule lands in a target, and which pipeline steps did it",
    )
    _rules_and_targets(fields_cmd)
    _pipelines_option(fields_cmd)
    fields_cmd.add_argument("--json", action="store_true", help="print JSON")
    fields_cmd.set_defaults(handler=fields_command)

    verify_cmd = commands.add_parser(
        "verify",
        help="run each target's query on its engine over Sysmon events, beside the Sigma reference",
        description=VERIFY_DESCRIPTION,
        epilog=VERIFY_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _rules_and_targets(verify_cmd)
    verify_cmd.add_argument(
        "--events",
        nargs="+",
        required=True,
        metavar="FILE",
        help="SigmaHQ regression JSON ({Event: {System, EventData}}) or JSON lines of EventData "
        "fields with EventID; UTF-8, at most 64 MiB each",
    )
    verify_cmd.add_argument("--json", action="store_true", help="print JSON")
    verify_cmd.set_defaults(handler=verify_command)

    build_cmd = commands.add_parser(
        "build",
        help="build rule folders into one query file per rule and target, with a manifest",
    )
    build_cmd.add_argument("sources", nargs="+", metavar="RULES", help="rule folders or files")
    build_cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="output folder")
    _targets_option(build_cmd)
    _limits_option(build_cmd)  # recorded in the manifest when raised: check uses them too
    _pipelines_option(build_cmd)
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
    build_cmd.add_argument(
        "-j", "--jobs", type=_positive, metavar="N", help="worker processes (default: CPUs)"
    )
    build_cmd.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB",
        help="leave out the rule files and folders GLOB matches (repeatable; recorded for check)",
    )  # fmt: skip
    build_cmd.add_argument(
        "--strict", action="store_true",
        help="a YAML file that is not a rule is an error (default: skipped, with a note)",
    )  # fmt: skip
    build_cmd.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    build_cmd.add_argument(
        "--test", action="store_true",
        help="then run the tests of the rules it converted on the queries it wrote (see 'test')",
    )  # fmt: skip
    _require_tests_option(build_cmd)
    report_options(build_cmd)
    build_cmd.set_defaults(handler=build_command, interrupted=interrupted_note)

    check_cmd = commands.add_parser(
        "check", help="exit 1 with a diff when OUT differs from what its rules build now"
    )
    check_cmd.add_argument("output", metavar="OUT")
    check_cmd.add_argument("--update", action="store_true", help="rewrite OUT instead")
    check_cmd.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    report_options(check_cmd)
    check_cmd.set_defaults(handler=check_command, interrupted=interrupted_note)

    test_cmd = commands.add_parser(
        "test",
        help="run each rule's test events through every target's engine and the Sigma reference",
        description=TEST_DESCRIPTION,
        epilog=TEST_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    test_cmd.add_argument(
        "rules", nargs="*", default=["rules"], metavar="RULES",
        help="rule files or folders, recursively (default: rules)",
    )  # fmt: skip
    _targets_option(test_cmd)
    _limits_option(test_cmd)
    _pipelines_option(test_cmd)
    test_cmd.add_argument(
        "--allow-unsupported", action="store_true",
        help="a rule a target cannot express is skipped for that target, not a failure",
    )  # fmt: skip
    _require_tests_option(test_cmd)
    test_cmd.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    report_options(test_cmd)
    test_cmd.set_defaults(handler=rule_test_command)

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
    _limits_option(explain_cmd)
    explain_cmd.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    explain_cmd.set_defaults(handler=explain_command)

    lint_cmd = commands.add_parser(
        "lint",
        help="check rules offline: pySigma's validators and this package's checks",
        description=LINT_DESCRIPTION,
        epilog=LINT_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lint_cmd.add_argument(
        "rules", nargs="*", metavar="RULES", help="rule files or folders (default: .)"
    )
    lint_cmd.add_argument("--config", metavar="FILE", help="the lint config file")
    lint_cmd.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB",
        help="leave out the files and folders GLOB matches (repeatable)",
    )  # fmt: skip
    lint_cmd.add_argument(
        "--strict", action="store_true", help="a YAML file that is not a rule is a finding"
    )
    lint_cmd.add_argument("--list-checks", action="store_true", help="list the checks")
    lint_cmd.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    _limits_option(lint_cmd)
    report_options(lint_cmd)
    lint_cmd.set_defaults(handler=lint_command)

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
    targets_cmd.set_defaults(handler=targets_command)
    return parser
