"""`lint`: each rule file's findings, one line each; exit 1 when there are any."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sigma_certutil.cli.common import EXIT_CONVERSION, EXIT_OK, PROG
from sigma_certutil.cli.reports import emit_reports

if TYPE_CHECKING:
    from sigma_certutil.lint import LintResult
    from sigma_certutil.reports import Case

LINT_DESCRIPTION = """\
Check Sigma rules offline: pySigma's validators (those that fetch nothing) and this
package's checks (id format and uniqueness across the files, ATT&CK tags against the bundled
table, status/level/date values, dangling detection names, field names the log source's
events do not have). Each finding is one line, FILE:LINE: CHECK: MESSAGE.

A config file (--config, or .sigma-certutil-lint.yml in the current folder or the nearest
one above it, up to the repository root) enables, disables and exempts checks:
  disable: [escaped_wildcard]
  enable: [wildcards_instead_of_modifiers]
  exempt: {field_name: [<rule id>, rules/legacy/**]}"""

LINT_EXIT_CODES = "Exit codes: 0 no findings, 1 findings, 2 usage or input error."


def lint_command(args: argparse.Namespace) -> int:
    from sigma_certutil.lint import CHECKS, find_config, lint, load_config, rule_paths

    if args.list_checks:
        for check in CHECKS.values():
            origin = "sigma-certutil" if check.own else "pySigma"
            state = "on" if check.default else "off"
            sys.stdout.write(f"{check.id}\t{state}\t{origin}\t{check.description}\n")
        return EXIT_OK
    config_path = Path(args.config) if args.config else find_config(Path.cwd())
    config = load_config(config_path) if config_path else None
    files = rule_paths(args.rules or ["."], args.exclude)
    result = lint(files, config, limits=args.limits, strict=args.strict)
    for path, why in result.skipped:
        sys.stderr.write(f"{PROG}: note: {path}: skipped: {why}\n")
    for finding in result.findings:
        sys.stdout.write(f"{finding}\n")
    emit_reports(args, "lint", lint_cases(result))
    if not args.quiet:
        rules = len(result.files) - len(result.skipped)
        sys.stderr.write(
            f"{rules} rules linted, {len(result.findings)} findings"
            + (f", {len(result.skipped)} files skipped" if result.skipped else "")
            + "\n"
        )
    return EXIT_CONVERSION if result.findings else EXIT_OK


def lint_cases(result: LintResult) -> list[Case]:
    """One case per finding (the check, at its line), and one passed case per rule file with
    none, so that a JUnit report counts every rule; skipped files are skipped cases."""
    from sigma_certutil.reports import Case, Status

    cases = [
        Case(
            "lint",
            f"{finding.source} [{finding.check}]",
            Path(finding.source),
            finding.line,
            Status.FAILED,
            finding.message,
            check=finding.check,
            level=finding.level,
        )
        for finding in result.findings
    ]
    flagged = {finding.source for finding in result.findings}
    skipped = dict(result.skipped)
    for path in result.files:
        if path in skipped:
            cases.append(Case("lint", path, Path(path), None, Status.SKIPPED, skipped[path]))
        elif path not in flagged:
            cases.append(Case("lint", path, Path(path), None, Status.PASSED))
    return cases
