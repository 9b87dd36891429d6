"""Running the tests of rule files: find each rule's tests, convert it (or take the queries a
build wrote), and judge every target; a rule without tests is one "untested" case."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sigma_certutil.errors import CertutilError, ConversionError, InputError
from sigma_certutil.limits import DEFAULT_LIMITS, Limits
from sigma_certutil.reports import Case, Status
from sigma_certutil.ruletests.discovery import Finder
from sigma_certutil.ruletests.judge import COMMAND, Where, judge

# A build's queries for one rule file (None: the build made none of it).
Queries = Mapping[str, str | ConversionError]
_DETECTION = re.compile(r"^detection\s*:", re.M)
UNTESTED = "untested"  # the case of a rule without tests: its SARIF ruleId, its JUnit name


@dataclass
class RuleTestRun:
    """Every case of a run; how many rules had tests and how many had none; the input errors
    (a rule or a test file that cannot be read: exit 2); whether any target's query ran on
    its engine, and the targets whose engine is not installed."""

    cases: list[Case] = field(default_factory=list)
    tested: int = 0
    untested: int = 0
    errors: list[CertutilError] = field(default_factory=list)
    executed: bool = False
    unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(case.status.finding for case in self.cases)


def _line(path: Path, pattern: re.Pattern[str]) -> int | None:
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return None
    found = pattern.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def _shown(path: Path) -> str:
    """A path from the current folder when it lies below it, else as it is."""
    relative = os.path.relpath(path)
    return path.as_posix() if relative.startswith("..") else Path(relative).as_posix()


def _error_case(error: CertutilError, fallback: Path) -> Case:
    source = Path(error.source) if isinstance(error, InputError) and error.source else fallback
    line = error.line if isinstance(error, InputError) else None
    return Case(COMMAND, str(source), source, line, Status.ERROR, str(error))


def run_rule_tests(
    paths: Sequence[str | Path],
    targets: Sequence[str],
    pipelines: Sequence[str | Path] = (),
    *,
    allow_unsupported: bool = False,
    require_tests: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    built: Callable[[str], Queries | None] | None = None,
) -> RuleTestRun:
    """Test each rule file: ``built`` gives the queries a build wrote for a rule file (then
    ``pipelines`` are not used); without it each rule is converted for ``targets``, with the
    user's ``pipelines``. Raises MissingDependencyError when the Sigma reference cannot run."""
    from sigma_certutil.rules import load_rule
    from sigma_certutil.verify.reference import reference_unavailable

    missing = reference_unavailable()
    if missing is not None:
        raise missing
    run, finder = RuleTestRun(), Finder()
    converter = None
    for path in map(str, paths):
        source = Path(path)
        try:
            rule = load_rule(source, limits=limits)
            found = finder.find(source, str(rule.id) if rule.id else None)
        except InputError as error:
            run.errors.append(error)
            run.cases.append(_error_case(error, source))
            continue
        where = Where(source, path, _line(source, _DETECTION))
        if not found.tests:
            run.untested += 1
            looked = ", ".join(_shown(Path(p)) for p in found.looked_for)
            reasons = found.unreadable or (f"looked for {looked}",)
            status = Status.FAILED if require_tests else Status.SKIPPED
            message = "untested: no test events; " + "; ".join(reasons)
            run.cases.append(replace(where.case(status, message), check=UNTESTED))
            continue
        if built is not None:
            queries = built(path)
            if queries is None:
                continue  # the build failed on it, and says so
        else:
            if converter is None:
                from sigma_certutil.conversion.shared import SharedConverter

                converter = SharedConverter(targets, pipelines)
            # Conversion processes the rule in place; the reference needs it as it was.
            queries = converter.convert(copy.deepcopy(rule))
        run.tested += 1
        judged = judge(rule, where, found, queries, allow_unsupported=allow_unsupported)
        run.cases.extend(judged.cases)
        run.executed |= judged.executed
        run.unavailable.update(judged.unavailable)
    return run
